"""Docs as tests: every runnable example in the package's docstrings runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ipernity_nb

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(ipernity_nb.__path__, "ipernity_nb.") if "__main__" not in m.name
)


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("name", sorted(set(ipernity_nb.__all__) - {"__version__", "catalog", "errors"}))
def test_public_names_have_an_example(name):
    """Each public entry point shows in Jupyter's ``?`` with a summary and a runnable example."""
    obj = getattr(ipernity_nb, name)
    doc = obj.__doc__ or ""
    assert doc.strip(), f"{name} has no docstring"
    if not (isinstance(obj, type) and issubclass(obj, BaseException)):
        assert ">>>" in doc, f"{name}'s docstring has no example"
