"""The ``orbitwatch`` command: one sub-command group per domain.

Each domain module defines a ``typer.Typer`` (or a command function) and is
registered below; the modules stay thin: parse arguments, call the library,
print with rich.
"""

from __future__ import annotations

import typer

from .errors import EXIT_CODE_HELP, wrap_commands

from .cam import cam_command
from .catalog import app as catalog_app
from .demo import demo_command
from .events import app as events_app
from .oem import app as oem_app
from .pc import app as pc_app
from .propagate import propagate_command
from .respond import app as respond_app
from .screen import register as register_screen
from .sgp4 import app as sgp4_app

app = typer.Typer(
    name="orbitwatch",
    help=(
        "Space situational awareness and disaster-response tasking.\n\n"
        "Start with [bold]orbitwatch demo[/bold], then import a catalog with "
        "[bold]orbitwatch catalog import FILE[/bold]."
    ),
    epilog=EXIT_CODE_HELP,
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"orbitwatch {version('orbitwatch')}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Space situational awareness and disaster-response tasking."""

app.add_typer(catalog_app, name="catalog")
app.command("propagate")(propagate_command)
app.command("demo")(demo_command)
app.command("cam")(cam_command)            # orbitwatch cam EVENT_ID|CDM_FILE
app.add_typer(pc_app)                       # orbitwatch pc ..., orbitwatch cdm ...
app.add_typer(respond_app, name="respond")  # orbitwatch respond ...
app.add_typer(sgp4_app, name="sgp4")        # orbitwatch sgp4 info|verify|bench
register_screen(app)                        # orbitwatch screen ...
app.add_typer(events_app, name="events")    # orbitwatch events list|show|changes
app.add_typer(oem_app, name="oem")          # orbitwatch oem show|convert|validate|interpolate

# --- further domains register here (one line each) ---

from .admin import register as register_admin  # noqa: E402
from .serve import register as register_serve  # noqa: E402

register_admin(app)                         # orbitwatch admin agency|user|key|share|audit
register_serve(app)                         # orbitwatch serve, orbitwatch worker

wrap_commands(app)                          # one error handler for every command (cli/errors.py)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
