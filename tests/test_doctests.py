"""The examples in the docstrings are run, so the documentation cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gdcore

MODULES = [*sorted(f"gdcore.{m.name}" for m in pkgutil.iter_modules(gdcore.__path__)),
           "scenes.kit.theme", "scenes.kit.text", "scenes.kit.plots", "scenes.kit.graph", "scenes.kit.surface"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_the_core_has_examples():
    # Not vacuous: the core's modules carry runnable examples (autograd alone has several).
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)
    assert attempted >= 40, attempted
