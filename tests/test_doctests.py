"""Every ``>>>`` example in the package's docstrings runs, as python-sgp4 runs its own.

Examples use the samples shipped in the package (``orbitwatch.samples``), so they run
from the repository alone. A module whose examples fail fails here by name.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import orbitwatch

#: modules that cannot be imported outside their host (Alembic's env runs only under Alembic)
NOT_IMPORTABLE = {"orbitwatch.store.migrations.env"}


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(orbitwatch.__path__, "orbitwatch."):
        if info.name in NOT_IMPORTABLE or ".migrations.versions" in info.name:
            continue
        names.append(info.name)
    return sorted(names)


def _with_examples(name: str) -> bool:
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    return any(t.examples for t in finder.find(mod, name))


MODULES = [m for m in _modules() if _with_examples(m)]


def test_some_modules_have_examples():
    # the facade, settings, requests, progress and the samples at least
    assert {"orbitwatch.config", "orbitwatch.requests", "orbitwatch.progress"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_home):
    # examples describe the defaults: no database URL from whoever runs the tests
    mod = importlib.import_module(name)
    with np.printoptions(legacy="1.25"):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False,
                              report=True)
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name} (see the output above)"
