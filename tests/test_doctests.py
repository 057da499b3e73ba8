"""Run the Examples sections of every module's docstrings as tests."""

import doctest
import importlib
import pkgutil

import pytest

import thermo_rl

MODULES = sorted(m.name for m in pkgutil.walk_packages(thermo_rl.__path__, "thermo_rl.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
