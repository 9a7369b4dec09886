"""Helpers shared by the CLI modules: console, errors -> exit codes, tables, inputs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from rich.text import Text

from .errors import handle_errors  # noqa: F401 - re-exported for the command modules

#: data goes to stdout, everything else (progress, notes, warnings, errors) to stderr.
#: ``highlight=False``: rich must not colour numbers inside user text either.
console = Console(highlight=False)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)  # messages name files: never wrap them


def _styled(prefix: str, style: str, message: str) -> Text:
    # user text is a Text, never markup: "[m/s]", "cat[new].tle" and "[/x]" print as they are
    return Text.assemble((prefix, style), str(message))


def print_error(message: str) -> None:
    """``error: message`` on stderr, the message verbatim."""
    err_console.print(_styled("error: ", "bold red", message))


def print_warning(message: str) -> None:
    """``warning: message`` on stderr, the message verbatim."""
    err_console.print(_styled("warning: ", "bold yellow", message))


def print_note(message: str, style: str = "dim") -> None:
    """A line of information on stderr, verbatim, in a quiet style."""
    err_console.print(Text(str(message), style=style))


def fail(message: str, code: int) -> "typer.Exit":
    print_error(message)
    raise typer.Exit(code)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence], *,
                justify: dict[str, str] | None = None, caption: str | None = None) -> None:
    justify = justify or {}
    # cells, title and caption are Text: names like "[bold]SAT" or units like "[m/s]" print verbatim
    rows = [[x if isinstance(x, Text) else Text(str(x)) for x in r] for r in rows]
    table = Table(title=None if title is None else Text(title, style="italic"),
                  caption=None if caption is None else Text(caption, style="dim"), header_style="bold cyan",
                  show_lines=False, box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1, 0, 0), collapse_padding=True, show_edge=False)
    for i, c in enumerate(columns):
        just = justify.get(c, "left")
        # text columns keep up to 13 characters (names, times) before they fold
        widest = max([len(c.split()[0]) if c.split() else 0] + [len(r[i]) for r in rows if i < len(r)])
        table.add_column(Text(c), justify=just, overflow="fold", no_wrap=(just == "right"),
                         min_width=min(widest, 13) if just != "right" else None)
    for r in rows:
        table.add_row(*r)
    console.print(table)


def write_rows(columns: Sequence[str], rows: list[Sequence], fmt: str, out: Path | None) -> None:
    """Write rows as CSV or JSON to ``out`` (or stdout)."""
    import csv
    import io

    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        text = buf.getvalue()
    elif fmt == "json":
        text = json.dumps([dict(zip(columns, r)) for r in rows], indent=2, default=_json_default) + "\n"
    else:
        raise typer.BadParameter(f"unknown format {fmt!r}")
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        print_note(f"wrote {len(rows)} rows to {out}", style="")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.datetime64):
        return str(o)
    return str(o)


def load_catalog(file: list[Path] | None, db: str | None):
    """A Catalog from element-set files when given, otherwise from the database."""
    from ..catalog import Catalog
    from ..elements import ElementSets, read_elements

    if file:
        parts = []
        for f in file:
            res = read_elements(f)
            if res.rejected:
                print_warning(f"{f}: {len(res.rejected)} record(s) rejected (first: {res.rejected[0]})")
            parts.append(res.elements)
        return Catalog(ElementSets.concat(parts))
    from ..store import open_store

    from ..errors import NotFoundError

    store = open_store(db, must_exist=True)
    try:
        cat = store.load_catalog()
        if len(cat.latest()) == 0:
            raise NotFoundError(f"the database {store.url} holds no element sets; import some with "
                                "'orbitwatch catalog import FILE' or give element files")
        return cat
    finally:
        store.close()


def resolve_objects(catalog, specs: Sequence[str]) -> np.ndarray:
    """Catalog numbers from specs: numbers, names, globs ('STARLINK*') or /regex/; comma lists allowed.

    A thin call of :meth:`orbitwatch.catalog.Catalog.resolve`, where the rules live.
    """
    return catalog.resolve(specs)


def check_output_file(path: Path | None, *, force: bool = True, option: str = "-o") -> Path | None:
    """Check, before any work, that ``path`` can be written as a file.

    A folder, a missing parent folder, or (without ``force``) an existing file is a
    :class:`~orbitwatch.errors.ConflictError` naming the path as typed.
    """
    from ..errors import ConflictError

    if path is None or str(path) == "-":
        return None
    p = Path(path)
    if p.is_dir():
        raise ConflictError(str(path), f"{option} names a folder; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ConflictError(str(path), f"the folder {str(parent)!r} does not exist")
    if p.exists() and not force:
        raise ConflictError(str(path), "exists already; use --force to overwrite it")
    return p


def check_output_dir(path: Path, *, option: str = "--out") -> Path:
    """Check, before any work, that ``path`` is (or can be made as) a folder; make it."""
    from ..errors import ConflictError

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ConflictError(str(path), f"{option} names a file; give a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConflictError(str(path), f"cannot create the folder: {exc.strerror or exc}") from None
    return p


def print_json(obj) -> None:
    """A JSON document on stdout (data), numpy values converted."""
    sys.stdout.write(json.dumps(obj, indent=2, default=_json_default) + "\n")
