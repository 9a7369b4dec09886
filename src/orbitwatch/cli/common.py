"""Helpers shared by the CLI modules: console, errors -> exit codes, tables, inputs."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import ElementSetError
from .errors import exit_code_for

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages name files: never wrap them


def fail(message: str, code: int) -> "typer.Exit":
    err_console.print(f"[bold red]error:[/bold red] {message}")
    raise typer.Exit(code)


def handle_errors(fn: Callable) -> Callable:
    """Turn library exceptions into one clear line on stderr and the mapped exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except ElementSetError as exc:
            fail(str(exc), exit_code_for(exc))
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            code = exit_code_for(exc)
            if code == 70:
                err_console.print_exception(show_locals=False)
            fail(f"{type(exc).__name__}: {exc}" if code == 70 else str(exc), code)

    return wrapper


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence], *,
                justify: dict[str, str] | None = None, caption: str | None = None) -> None:
    justify = justify or {}
    rows = [[str(x) for x in r] for r in rows]
    table = Table(title=title, caption=caption, header_style="bold cyan", show_lines=False, box=box.SIMPLE_HEAD,
                  pad_edge=False, padding=(0, 1, 0, 0), collapse_padding=True, show_edge=False)
    for i, c in enumerate(columns):
        just = justify.get(c, "left")
        # text columns keep up to 13 characters (names, times) before they fold
        widest = max([len(c.split()[0]) if c.split() else 0] + [len(r[i]) for r in rows if i < len(r)])
        table.add_column(c, justify=just, overflow="fold", no_wrap=(just == "right"),
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
        err_console.print(f"wrote {len(rows)} rows to {out}")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.datetime64):
        return str(o)
    return str(o)


def iso_ms(t) -> str:
    """UTC instant as ISO-8601 with milliseconds and a Z."""
    return str(np.datetime64(t, "ms")) + "Z"


def load_catalog(file: list[Path] | None, db: str | None):
    """A Catalog from element-set files when given, otherwise from the database."""
    from ..catalog import Catalog
    from ..elements import ElementSets, read_elements

    if file:
        parts = []
        for f in file:
            res = read_elements(f)
            if res.rejected:
                err_console.print(f"[yellow]{f}: {len(res.rejected)} record(s) rejected "
                                  f"(first: {res.rejected[0]})[/yellow]")
            parts.append(res.elements)
        return Catalog(ElementSets.concat(parts))
    from ..store import open_store

    store = open_store(db)
    try:
        return store.load_catalog()
    finally:
        store.close()


def resolve_objects(catalog, specs: Sequence[str]) -> np.ndarray:
    """Catalog numbers from specs: numbers, names, globs ('STARLINK*') or /regex/; comma lists allowed."""
    from ..catalog.catalog import name_mask
    from ..errors import NotFoundError

    ids: list[int] = []
    latest = catalog.latest()
    for spec in specs:
        for token in (t.strip() for t in spec.split(",")):
            if not token:
                continue
            if token.isdigit():
                n = int(token)
                if n not in set(latest.norad_id.tolist()):
                    raise NotFoundError(f"object {n} is not in the catalog")
                ids.append(n)
                continue
            m = name_mask(latest.name, token)
            if not m.any():
                raise NotFoundError(f"no object name matches {token!r}")
            ids.extend(latest.norad_id[m].tolist())
    return np.array(list(dict.fromkeys(ids)), dtype=np.int64)
