"""Fixtures of the ODM tests: the reference files and the CLI as users run it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def oem_dir(shared_data) -> Path:
    d = shared_data / "odm" / "oem"
    if not d.is_dir():
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"reference data missing under CI: {d}", pytrace=False)
        pytest.skip(f"reference data not found: {d}")
    return d


@pytest.fixture(scope="session")
def opm_dir(shared_data) -> Path:
    return shared_data / "odm" / "opm"


@pytest.fixture(scope="session")
def schema_dir(shared_data) -> Path:
    return shared_data / "odm" / "schema"


@pytest.fixture(scope="session")
def cli_app():
    """``orbitwatch`` with the ``oem`` group: the main app once it registers it, else the same wiring here."""
    import typer

    from orbitwatch.cli.errors import wrap_commands
    from orbitwatch.cli.main import app as main_app
    from orbitwatch.cli.oem import app as oem_app

    if any(g.name == "oem" for g in main_app.registered_groups):
        return main_app
    app = typer.Typer(name="orbitwatch", pretty_exceptions_enable=False, no_args_is_help=True)

    @app.callback()
    def _root() -> None:
        """orbitwatch"""

    app.add_typer(oem_app, name="oem")
    wrap_commands(app)
    return app
