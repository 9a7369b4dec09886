import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.exists():
        pytest.skip(f"shared reference data not found at {SHARED}")
    return SHARED


@pytest.fixture()
def tmp_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture()
def wide_console():
    """Tables fold long temporary paths at 80 columns; read them as a wide terminal would show them."""
    from orbitwatch.cli import common

    saved = common.console.width, common.err_console.width
    common.console.width = common.err_console.width = 250
    yield
    common.console.width, common.err_console.width = saved
