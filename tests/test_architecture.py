"""Layers import downward only: the numeric core never imports web, database or CLI code."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "src" / "orbitwatch"
CORE = ["elements", "catalog", "propagation", "conjunction", "response", "timeutil.py", "constants.py", "errors.py",
        "requests.py", "progress.py", "samples.py", "api.py", "odm", "ccsds", "maneuver"]
#: what `pip install orbitwatch` (no extras) brings; everything else is an extra
EXTRAS_ONLY = ("typer", "rich", "sqlalchemy", "alembic", "psycopg", "matplotlib", "dask", "distributed", "fastapi",
               "uvicorn", "pydantic", "pyarrow")
FORBIDDEN = {"typer", "rich", "sqlalchemy", "alembic", "psycopg", "fastapi", "uvicorn", "starlette", "pydantic",
             "orbitwatch.cli", "orbitwatch.store", "orbitwatch.service"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(PKG.parent).with_suffix("")
    package = ".".join(rel.parts[:-1]) if path.name != "__init__.py" else ".".join(rel.parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield mod, node.lineno


def test_core_does_not_import_outer_layers():
    offenders = []
    for part in CORE:
        target = PKG / part
        files = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
        for f in files:
            for mod, line in _imports(f):
                if any(mod == x or mod.startswith(x + ".") for x in FORBIDDEN):
                    offenders.append(f"{f.relative_to(PKG)}:{line} imports {mod}")
    assert not offenders, "\n".join(offenders)


def test_the_walker_sees_relative_imports():
    mods = {m for m, _ in _imports(PKG / "propagation" / "ephemeris.py")}
    assert "orbitwatch.elements.sets" in mods and "orbitwatch.propagation.backends" in mods


def test_facade_exports_resolve_and_stay_light():
    import subprocess
    import sys

    code = ("import sys, orbitwatch.api as api\n"
            "heavy = [m for m in ('sqlalchemy', 'typer', 'rich', 'skyfield', 'matplotlib', 'dask')\n"
            "         if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "missing = [n for n in api.__all__ if not hasattr(api, n)]\n"   # lazy names load here
            "assert not missing, missing\n"
            "for dom in ('screen', 'assess_cdm', 'read_cdm', 'compute_access', 'plan_acquisitions', 'open_store',\n"
            "            'PropagationRequest', 'Progress', 'TimeSpan', 'plan_avoidance'):\n"
            "    assert dom in api.__all__, dom\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_works_without_the_extras():
    """A compute worker installs the numeric core only: it imports and computes with every extra blocked."""
    import subprocess
    import sys

    code = ("import sys\n"
            f"for m in {EXTRAS_ONLY!r}: sys.modules[m] = None\n"
            "import numpy as np\n"
            "from orbitwatch.api import Catalog, propagate, read_elements, time_range\n"
            "from orbitwatch.samples import sample_catalog_path\n"
            "import orbitwatch.conjunction, orbitwatch.response\n"
            "cat = Catalog(read_elements(sample_catalog_path()).elements)\n"
            "eph = propagate(cat.select(norad_ids=[25544]).at('2023-10-09T12:00'), "
            "time_range('2023-10-09T12:00', '2023-10-09T12:10', 300))\n"
            "assert eph.shape == (1, 3) and np.isfinite(eph.position_km).all()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
