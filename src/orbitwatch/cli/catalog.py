"""``orbitwatch catalog``: import, list, show (filled in with the store)."""

import typer

app = typer.Typer(help="Import element sets and browse the catalog.", no_args_is_help=True)
