"""Sphinx extension of the thermo_rl docs: generated pages that cannot drift.

* **API reference**: walks the package (:func:`public_modules`) and writes one page per
  public module to ``docs/api/generated/`` at ``builder-inited``, so a module that lands
  later gets its page without a hand edit. Each object is documented once, in its
  canonical module (where it is defined, or the first public module that exports it
  when it is defined in a private one); packages list their re-exports with links to
  that place, and ``missing-reference`` resolves the re-exported spellings
  (``thermo_rl.bandits.run`` -> ``thermo_rl.bandits.runner.run``). A module that cannot
  be imported stops the build with its error (never a silent skip).
* **Tutorials**: copies ``notebooks/*.ipynb`` (with their committed outputs) to
  ``docs/tutorials/notebooks/``; myst-nb renders them without executing.
* **Benchmarks**: the ``bench-table`` directive renders ``docs/bench/bench.json``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
PACKAGE = "thermo_rl"
API_DIR = DOCS / "api" / "generated"
NB_SRC = ROOT / "notebooks"
NB_DIR = DOCS / "tutorials" / "notebooks"

# public path (module.name) -> the full name under which the object is documented
ALIASES: dict[str, str] = {}


# ---------------------------------------------------------------- the package walk

def is_public(name: str) -> bool:
    """A module is public when no component after the package starts with ``_``."""
    return not any(part.startswith("_") for part in name.split(".")[1:])


def public_modules(package: str = PACKAGE) -> list[str]:
    """Every public module of ``package`` (itself included), sorted.

    Imports each one; an import error propagates (the build must fail loudly).
    """
    def fail(name):
        raise ImportError(f"cannot import {name} to document it")

    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, package + ".", onerror=fail):
        if is_public(info.name):
            names.append(info.name)
    for name in names:
        importlib.import_module(name)
    return sorted(names)


def exported(module) -> list[str]:
    """The public names of ``module``: ``__all__``, else what it defines itself.

    Submodules are left out (they have their own pages).
    """
    names = getattr(module, "__all__", None)
    if names is not None:
        return [n for n in names if (not n.startswith("_") or n == "__version__")
                and not inspect.ismodule(getattr(module, n))]
    out = []
    for n, obj in vars(module).items():
        if n.startswith("_"):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
            out.append(n)
    return sorted(out)


def _home(obj) -> str | None:
    """The module that defines a class or function (``None`` for data)."""
    if inspect.isclass(obj) or inspect.isfunction(obj) or callable(obj):
        return getattr(obj, "__module__", None)
    return None


def plan(modules: list[str]) -> dict[str, dict]:
    """For each module: the names it documents (``own``) and the re-exports it links.

    An object is documented in its home module when that one is public; otherwise (and
    for data) in the deepest public module that exports it, the first in sorted order
    among equals.
    """
    mods = {m: importlib.import_module(m) for m in modules}
    exports = {m: exported(mod) for m, mod in mods.items()}
    where: dict[tuple, str] = {}      # (name, id) -> documenting module
    for m in sorted(modules, key=lambda s: (-s.count("."), s)):
        for n in exports[m]:
            obj = getattr(mods[m], n)
            key = (n, id(obj))
            home = _home(obj)
            if home in mods and n in vars(mods[home]) and n in exports[home]:
                where.setdefault(key, home)
            else:
                where.setdefault(key, m)
    out = {m: {"own": [], "links": []} for m in modules}
    ALIASES.clear()
    for m in modules:
        for n in exports[m]:
            obj = getattr(mods[m], n)
            doc_mod = where[(n, id(obj))]
            if doc_mod == m:
                out[m]["own"].append(n)
            else:
                out[m]["links"].append((n, f"{doc_mod}.{n}"))
                ALIASES[f"{m}.{n}"] = f"{doc_mod}.{n}"
    return out


def _summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    line = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return line


def _role(obj) -> str:
    if inspect.isclass(obj):
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "func"
    return "data"


def _line(obj) -> float:
    """Source line of a class or function (data last), to keep the source order."""
    try:
        return inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return float("inf")


def module_page(name: str, entry: dict) -> str:
    mod = importlib.import_module(name)
    title = f"``{name}``"
    lines = [title, "=" * len(title), ""]
    lines += [f".. automodule:: {name}", "   :no-members:", ""]
    for n in sorted(entry["own"], key=lambda n: _line(getattr(mod, n))):
        obj = getattr(mod, n)
        role = _role(obj)
        if role == "class":
            lines += [f".. autoclass:: {name}.{n}", "   :members:", ""]
        elif role == "func":
            lines += [f".. autofunction:: {name}.{n}", ""]
        else:                           # module constants, documented or not
            lines += [f".. autodata:: {name}.{n}"]
            if not isinstance(obj, (int, float, str)):
                lines += ["   :no-value:"]
            lines += [""]
    if entry["links"]:
        lines += ["Re-exported here", "-" * 16, "",
                  "Documented in their own modules; importable from here as well.", "",
                  ".. list-table::", "   :widths: 30 70", ""]
        for n, target in entry["links"]:
            obj = getattr(mod, n)
            role = _role(obj)
            summ = _summary(obj) if role != "data" else ""
            lines += [f"   * - :py:{'obj' if role == 'data' else role}:`{n} <{target}>`",
                      f"     - {summ}" if summ else "     -"]
        lines += [""]
    children = [m for m in ALL_MODULES if m.startswith(name + ".") and
                m.count(".") == name.count(".") + 1]
    if children:
        lines += ["Modules", "-" * 7, "", ".. list-table::", "   :widths: 30 70", ""]
        for c in children:
            summ = _summary(importlib.import_module(c))
            lines += [f"   * - :py:mod:`{c}`", f"     - {summ}" if summ else "     -"]
        lines += ["", ".. toctree::", "   :hidden:", ""]
        lines += [f"   {c.rsplit('.', 1)[1]} <{c}>" for c in children]
        lines += [""]
    return "\n".join(lines)


ALL_MODULES: list[str] = []


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate_api(app) -> None:
    ALL_MODULES[:] = public_modules()
    entries = plan(ALL_MODULES)
    API_DIR.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for name in ALL_MODULES:
        path = API_DIR / f"{name}.rst"
        wanted.add(path.name)
        write_if_changed(path, module_page(name, entries[name]) + "\n")
    for stale in API_DIR.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "[interactive widget: run the notebook in Jupyter to move its sliders]"


def _static_copy(text: str, subdirs: set[str]) -> str:
    """The notebook as the site shows it: interactive widgets become a one-line note.

    ipywidgets need a live kernel; their saved text stand-in (``VBox(children=...``)
    says nothing to a reader; a notebook progress bar (also a widget) is dropped, its
    saved frame is its first. The widget state in the metadata is dropped too, so the
    page carries no widget JavaScript. A Markdown link to a folder of notebooks
    (``solutions/``) points to that folder's generated index page.
    """
    nb = json.loads(text)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for d in subdirs:
                src = src.replace(f"]({d}/)", f"]({d}/index.md)")
            cell["source"] = src
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET in data:
                plain = "".join(data.get("text/plain", ""))
                if "%|" in plain or "Progress(" in plain:
                    continue                  # a tqdm bar frozen at its first frame
                out["data"] = {"text/plain": WIDGET_NOTE}
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _folder_index(folder: str, names: list[str]) -> str:
    title = "Solutions to the exercises" if folder == "solutions" else f"{folder}"
    lines = [f"# {title}", "",
             "Worked solutions, one notebook per tutorial (rendered with their outputs).",
             "", "```{toctree}", ":maxdepth: 1", ""]
    lines += [n[: -len(".ipynb")] for n in sorted(names)]
    lines += ["```", ""]
    return "\n".join(lines)


def copy_notebooks(app) -> None:
    """Copy ``notebooks/**/*.ipynb`` (outputs included) into the source tree of the site.

    Each sub-folder of notebooks (``notebooks/solutions/``) gets an ``index.md`` with
    its toctree.
    """
    NB_DIR.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in NB_SRC.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    folders: dict[str, list[str]] = {}
    for src in sources:
        rel = src.relative_to(NB_SRC)
        if len(rel.parts) > 1:
            folders.setdefault(rel.parent.as_posix(), []).append(rel.name)
    wanted = set()
    for src in sources:
        rel = src.relative_to(NB_SRC)
        dst = NB_DIR / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        wanted.add(dst)
        here = rel.parent.as_posix()
        subdirs = {f[len(here) + 1:] if here != "." else f for f in folders
                   if here == "." or f.startswith(here + "/")}
        write_if_changed(dst, _static_copy(src.read_text(), subdirs))
    for folder, names in folders.items():
        index = NB_DIR / folder / "index.md"
        wanted.add(index)
        write_if_changed(index, _folder_index(folder, names))
    for stale in list(NB_DIR.rglob("*.ipynb")) + list(NB_DIR.glob("*/**/index.md")):
        if stale not in wanted:
            stale.unlink()


# ---------------------------------------------------------------- cross-references

def _is_private_target(target: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__")
               for part in target.split(".")[1:]) and target.startswith(PACKAGE + ".")


def _lookup(path: str):
    """Import ``a.b.c`` as far as it goes as a module, then follow attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for p in parts[i:]:
                obj = getattr(obj, p)
        except AttributeError:
            return None
        return obj
    return None


def _has_member(cls, attr: str) -> bool:
    """``attr`` is a method, attribute, dataclass field or annotated attribute of ``cls``."""
    fields = getattr(cls, "__dataclass_fields__", {})
    notes = {}
    for klass in cls.__mro__:
        notes.update(getattr(klass, "__annotations__", {}))
    return hasattr(cls, attr) or attr in fields or attr in notes


def resolve_alias(app, env, node, contnode):
    """Resolve what the Python domain could not, or fail the build.

    In order: a re-exported spelling (``thermo_rl.bandits.run``); a name relative to the
    current module or class that is importable there; a unique documented object with
    that dotted suffix; the documented class of an undocumented member that exists
    (``Cls.attr`` links to ``Cls``); an object that exists but is not documented (a
    module constant outside ``__all__``) renders as code. Anything else stays a broken
    reference: the build fails. A reference to a private name (``thermo_rl._metropolis``,
    ``_dedupe``) renders as code without a link, on purpose.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    domain = env.get_domain("py")
    objects = domain.objects
    mod, cls = node.get("py:module"), node.get("py:class")
    scopes = [s for s in (f"{mod}.{cls}" if mod and cls else None, mod) if s]
    candidates = [target] + [f"{s}.{target}" for s in scopes]

    def link(real):
        new = node.deepcopy()
        new["reftarget"] = real
        new["refspecific"] = False
        return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", real, new,
                                   contnode)

    if target.rsplit(".", 1)[-1].startswith("_") and not target.endswith("__"):
        return contnode                           # a private helper: code, no link

    for cand in candidates:
        if cand in ALIASES:
            return link(ALIASES[cand])
    for cand in candidates:                       # importable there: find where documented
        obj = _lookup(cand)
        if obj is None:
            continue
        home = getattr(obj, "__module__", None)
        name = getattr(obj, "__qualname__", None)
        if home and name and f"{home}.{name}" in objects:
            return link(f"{home}.{name}")
    suffix = [name for name in objects
              if name.endswith("." + target) and not objects[name].aliased]
    if len(suffix) == 1:
        return link(suffix[0])
    def documented(name):
        if name in objects:
            return name
        if name in ALIASES:
            return ALIASES[name]
        found = [o for o in objects if o.endswith("." + name) and not objects[o].aliased]
        return found[0] if len(found) == 1 else None

    for cand in [target, *candidates[1:]]:        # an undocumented member: its class
        if "." not in cand:
            continue
        owner, attr = cand.rsplit(".", 1)
        owner = documented(owner)
        if owner is None:
            continue
        if f"{owner}.{attr}" in objects:
            return link(f"{owner}.{attr}")
        cls_obj = _lookup(owner)
        if inspect.isclass(cls_obj) and _has_member(cls_obj, attr):
            return link(owner)
    if _is_private_target(target) or any(_is_private_target(c) for c in candidates[1:]):
        return contnode
    if any(_lookup(c) is not None for c in candidates if "." in c):
        return contnode                           # exists, but not in the public API docs
    return None


def literal_formula_blocks(app, what, name, obj, options, lines):
    """Show the docstrings' indented formula blocks as code, not as block quotes.

    The house docstrings write formulas as an indented block after a paragraph that
    ends with a single colon (``... inverse temperature beta = 1/T:`` then
    ``    p_i = ...``). reStructuredText reads that as a block quote and reflows it into
    one line; turning the colon into ``::`` keeps it preformatted.
    """
    def indent(s):
        return len(s) - len(s.lstrip())

    for i in range(len(lines) - 2):
        head, blank, body = lines[i], lines[i + 1], lines[i + 2]
        if not (head.rstrip().endswith(":") and not head.rstrip().endswith("::")):
            continue
        if blank.strip() or not body.strip() or indent(body) <= indent(head):
            continue
        if head.strip().startswith((".. ", ":")) or " : " in head:
            continue
        if body.lstrip().startswith(("- ", "* ", ".. ", ">>>", ":")):
            continue
        if i > 0 and lines[i - 1].strip() and indent(lines[i - 1]) < indent(head):
            continue                      # a definition-list body, not a paragraph
        lines[i] = head.rstrip() + ":"


def skip_private_members(app, what, name, obj, skip, options):
    """Leave out class attributes that are private kernels (Numba dispatchers etc.)."""
    home = getattr(obj, "__module__", None) or ""
    if what == "class" and home.startswith(PACKAGE) and not is_public(home):
        return True
    return None


# ---------------------------------------------------------------- benchmarks table

def _table(header: list[str], rows: list[list], widths: list[int]) -> nodes.table:
    """A docutils table (built as nodes, so it renders the same from MyST and RST)."""
    table = nodes.table(classes=["bench-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)

    def row(cells):
        tr = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=str(cell))
            tr += entry
        return tr

    head = nodes.thead()
    head += row(header)
    body = nodes.tbody()
    for r in rows:
        body += row(r)
    group += head
    group += body
    return table


class BenchTable(Directive):
    """``bench-table`` with one argument, ``bench/bench.json`` (relative to the docs folder).

    Renders the machine, the command and one table row per benchmark row.
    """

    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        path = DOCS / self.arguments[0]
        env.note_dependency(str(path))
        data = json.loads(path.read_text())
        m = data.get("machine", {})
        ver = ", ".join(f"{k} {val}" for k, val in m.get("versions", {}).items())
        intro = nodes.paragraph()
        intro += nodes.Text(f"Measured {data.get('date', '?')} on ")
        intro += nodes.strong(text=str(m.get("cpu", "?")))
        thr = f", Numba threads {m['threads']}" if m.get("threads") is not None else ""
        intro += nodes.Text(f" ({m.get('cores', '?')} logical cores{thr}, "
                            f"{m.get('system', '?')}; {ver}) with:")
        command = data.get("command", "thermo-rl bench")
        cmd = nodes.literal_block(command, command, language="bash")
        if "--quick" in command.split():
            intro += nodes.Text(" (smoke-test sizes: indicative numbers only)")
        rows = []
        for r in data["rows"]:
            ref = r.get("reference") or "-"
            if r.get("ratio") is not None:
                ratio = f"{r['ratio']:.2f}x {ref}"
            else:
                ratio = "reference" if ref == "-" else ref
            name = nodes.paragraph()
            name += nodes.Text(r["name"])
            if r.get("note"):
                name += nodes.inline(text=f" ({r['note']})", classes=["bench-note"])
            value = "-" if r.get("value") is None else f"{r['value']:.4g}"
            unit = nodes.paragraph()
            unit += nodes.literal(text=r["unit"])
            rows.append([r["area"], name, value, unit, ratio])
        table = _table(["area", "kernel", "throughput", "unit", "vs reference"], rows,
                       [8, 46, 12, 14, 20])
        return [intro, cmd, table]


def setup(app):
    app.connect("builder-inited", generate_api)
    app.connect("builder-inited", copy_notebooks)
    app.connect("missing-reference", resolve_alias)
    app.connect("autodoc-skip-member", skip_private_members)
    app.connect("autodoc-process-docstring", literal_formula_blocks)
    app.add_directive("bench-table", BenchTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
