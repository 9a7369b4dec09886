import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_reference(what: str) -> None:
    """Skip a test whose reference data is absent; under CI (CI=true) that is a failure, never a skip."""
    if under_ci():
        pytest.fail(f"reference data missing under CI: {what}", pytrace=False)
    pytest.skip(f"reference data not found: {what}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.exists():
        missing_reference(f"shared reference data at {SHARED}")
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
