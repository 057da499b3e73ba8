"""Sphinx configuration of the thermo_rl documentation.

Build (warnings are errors)::

    pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))          # document this checkout, not another install

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("THERMO_RL_PROGRESS", "0")

import thermo_rl

project = "thermo_rl"
author = "thermo_rl developers"
copyright = "thermo_rl developers, MIT licence"
release = version = thermo_rl.__version__

extensions = [
    "myst_nb",                    # MyST Markdown pages and the notebooks
    "sphinx.ext.autodoc",
    "numpydoc",                   # the house docstring style
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",        # "[source]" links from every documented object
    "sphinxarg.ext",              # the CLI reference, generated from the argparse parser
    "sphinx_copybutton",
    "thermo_docs",                # generated API pages, notebooks, benchmarks table
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "bench/*.py", "**.ipynb_checkpoints", "jupyter_execute",
                    "_static/mathjax/README.md"]
templates_path = []

# MyST: $...$ and $$...$$ math, ::: fences, definition lists
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# notebooks: rendered with their committed outputs, never executed at build time
nb_execution_mode = "off"
nb_merge_streams = True
# ipywidgets need a live kernel: the copies the site renders replace them by a note
# (docs/_ext/thermo_docs.py), and no widget JavaScript is loaded
nb_ipywidgets_js = {}

# autodoc / numpydoc
autodoc_member_order = "bysource"
autodoc_typehints = "none"                   # types live in the numpydoc sections
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# every cross-reference written in the pages and the docstrings must resolve
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(np|numpy|torch|scipy|numba|matplotlib|argparse|collections|typing)\..*"),
]

# MathJax 3 is vendored in _static/mathjax (the site renders its equations offline)
mathjax_path = "mathjax/tex-chtml.js"

pygments_style = "sphinx"
html_theme = "furo"
html_title = f"thermo_rl {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "source_repository": "",
    "navigation_with_keys": True,
}
html_show_sourcelink = False
