"""``orbitwatch catalog``: import element-set files into the database, list and show objects."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..catalog import REGIMES
from ..elements.sets import OBJECT_TYPES
from .common import console, err_console, handle_errors, iso_ms, load_catalog, print_table, write_rows
from .errors import EXIT_PARTIAL

app = typer.Typer(
    help=(
        "Import element sets (TLE, 3LE, OMM KVN/XML/JSON/CSV, .gz) into the database, "
        "then list and inspect objects.\n\n"
        "Examples:\n\n"
        "  orbitwatch catalog import catalog.3le gp.json\n\n"
        "  orbitwatch catalog list --regime GEO --type payload\n\n"
        "  orbitwatch catalog show 25544 --history"
    ),
    no_args_is_help=True,
)

DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in $ORBITWATCH_HOME)."


@app.command("import")
@handle_errors
def import_command(
    files: List[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                       help="Element-set files; format detected from extension or content."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad record and import nothing."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
    show_rejected: int = typer.Option(10, help="How many rejected records to list (all are kept in the import log)."),
):
    """Import element-set files in one transaction: unique by (object, epoch), so re-importing changes nothing.

    Bad records are rejected with file, line, field and reason; the good ones load. With --strict,
    any bad record aborts the import and leaves the database as it was. Exit status 3 when some
    records were rejected.
    """
    from ..store import open_store

    store = open_store(db)
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err_console, transient=True) as bar:
            task = bar.add_task("importing", total=None)

            def progress(done, total, stage=""):
                bar.update(task, completed=done, total=total)

            reports = store.import_files(files, strict=strict, progress=progress)
        rows = []
        n_rejected = 0
        for r in reports:
            rej = list(getattr(r, "rejected", []) or [])
            n_rejected += len(rej)
            rows.append((r.source, r.inserted, r.duplicates, getattr(r, "conflicts", 0), len(rej)))
        print_table(f"Imported into {store.url}", ["file", "new", "present", "conflicts", "rejected"],
                    rows, justify={c: "right" for c in ("new", "present", "conflicts", "rejected")},
                    caption="present: already in the database, unchanged; conflicts: same epoch, other "
                            "elements (the stored set is kept)")
        if n_rejected:
            shown = [e for r in reports for e in (getattr(r, "rejected", []) or [])][:show_rejected]
            print_table(f"Rejected records (first {len(shown)} of {n_rejected})", ["line", "field", "reason", "file"],
                        [(e.line if e.line is not None else "-", e.field, e.reason, e.source) for e in shown],
                        justify={"line": "right"})
            raise typer.Exit(EXIT_PARTIAL)
    finally:
        store.close()


def _type_names(codes):
    return np.array([OBJECT_TYPES.get(int(c), "UNKNOWN") for c in codes])


@app.command("list")
@handle_errors
def list_command(
    name: Optional[str] = typer.Option(None, "--name", "-n", help="Glob ('STARLINK*'), /regex/ or substring."),
    object_type: Optional[List[str]] = typer.Option(None, "--type", "-t",
                                                    help="payload, rocket-body, debris, unknown (repeatable)."),
    regime: Optional[List[str]] = typer.Option(None, "--regime", "-r", help=f"One of {', '.join(REGIMES)} (repeatable)."),
    perigee_min_km: Optional[float] = typer.Option(None, help="Lowest perigee altitude, km."),
    perigee_max_km: Optional[float] = typer.Option(None, help="Highest perigee altitude, km."),
    apogee_min_km: Optional[float] = typer.Option(None, help="Lowest apogee altitude, km."),
    apogee_max_km: Optional[float] = typer.Option(None, help="Highest apogee altitude, km."),
    limit: int = typer.Option(50, help="Rows shown in the table (0 = all); CSV/JSON get all rows."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write CSV/JSON here instead of stdout."),
    file: Optional[List[Path]] = typer.Option(None, "--file", help="Read these element files instead of the database."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """List objects (latest element set of each) matching every filter given."""
    cat = load_catalog(file, db)
    sel = cat.select(name=name, object_type=object_type or None, regime=regime or None,
                     perigee_km=(perigee_min_km, perigee_max_km) if (perigee_min_km or perigee_max_km) is not None else None,
                     apogee_km=(apogee_min_km, apogee_max_km) if (apogee_min_km or apogee_max_km) is not None else None)
    es = sel.latest()
    columns = ["norad_id", "name", "intl_designator", "type", "regime", "epoch", "perigee_km", "apogee_km",
               "inclination_deg", "period_min"]
    from ..catalog import orbit_regime

    reg = orbit_regime(es.mean_motion_rev_per_day, es.eccentricity)
    types = _type_names(es.object_type)
    rows = [(int(es.norad_id[i]), str(es.name[i]), str(es.intl_designator[i]), types[i], reg[i], iso_ms(es.epoch[i]),
             round(float(es.perigee_km[i]), 1), round(float(es.apogee_km[i]), 1),
             round(float(es.inclination_deg[i]), 4), round(float(es.period_min[i]), 2)) for i in range(len(es))]
    if fmt == "table":
        shown = rows if limit == 0 else rows[:limit]
        # the terminal gets the columns that fit 80 characters; CSV/JSON get them all
        keep = [0, 1, 3, 4, 6, 7, 8]
        tcols = ["NORAD", "name", "type", "regime", "perigee km", "apogee km", "incl deg"]
        short = {"PAYLOAD": "payload", "ROCKET BODY": "r/b", "DEBRIS": "debris", "UNKNOWN": "?"}
        shown = [[r[k] if k != 3 else short.get(r[k], r[k]) for k in keep] for r in shown]
        print_table(None, tcols, shown, justify={c: "right" for c in tcols[4:] + ["NORAD"]},
                    caption=f"{len(shown)} of {len(rows)} objects" + ("" if len(shown) == len(rows)
                                                                       else " (use --limit 0 for all)"))
    else:
        write_rows(columns, rows, fmt, output)


@app.command("show")
@handle_errors
def show_command(
    obj: str = typer.Argument(..., help="Catalog number or name (glob/regex allowed if it matches one object)."),
    history: bool = typer.Option(False, "--history", help="List every stored element set of the object."),
    fmt: str = typer.Option("3le", "--format", "-f", help="How to print the element set: 3le, omm-kvn, omm-xml, omm-json."),
    file: Optional[List[Path]] = typer.Option(None, "--file", help="Read these element files instead of the database."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """Show one object: its orbit summary, latest element set, and optionally its history."""
    from ..catalog import orbit_regime
    from ..elements import format_elements
    from ..errors import NotFoundError
    from .common import resolve_objects

    cat = load_catalog(file, db)
    ids = resolve_objects(cat, [obj])
    if len(ids) != 1:
        raise NotFoundError(f"{obj!r} matches {len(ids)} objects; give a catalog number")
    hist = cat.history(int(ids[0]))
    es = hist[[len(hist) - 1]]
    summary = [
        ("catalog number", int(es.norad_id[0])), ("name", es.name[0]), ("international designator", es.intl_designator[0]),
        ("object type", _type_names(es.object_type)[0]),
        ("orbit regime", orbit_regime(es.mean_motion_rev_per_day, es.eccentricity)[0]),
        ("epoch (UTC)", iso_ms(es.epoch[0])), ("perigee altitude", f"{es.perigee_km[0]:.1f} km"),
        ("apogee altitude", f"{es.apogee_km[0]:.1f} km"), ("inclination", f"{es.inclination_deg[0]:.4f} deg"),
        ("period", f"{es.period_min[0]:.2f} min"), ("element sets stored", len(hist)),
    ]
    print_table(None, ["", ""], summary)
    console.print(format_elements(es, fmt), highlight=False, markup=False)
    if history:
        rows = [(iso_ms(hist.epoch[i]), int(hist.element_set_no[i]), f"{hist.perigee_km[i]:.1f}",
                 f"{hist.apogee_km[i]:.1f}", f"{hist.bstar[i]:.4e}") for i in range(len(hist))]
        print_table("History", ["epoch", "element set no", "perigee_km", "apogee_km", "bstar"], rows)
