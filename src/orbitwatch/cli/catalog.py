"""``orbitwatch catalog``: import element-set files into the database, list and show objects.

The commands parse options, build the library's requests (:class:`~orbitwatch.catalog.CatalogQuery`)
and print: data on stdout, everything else on stderr. Errors are raised, never printed here
(``cli/main.py`` wraps every command in the one handler).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..catalog import NAME_RULES, REGIMES
from ..catalog.query import OBJECT_TYPE_NAMES
from ..elements.io import FORMATS, WRITE_FORMATS
from .common import check_output_file, console, err_console, print_note, print_table, print_warning
from .errors import EXIT_PARTIAL

app = typer.Typer(
    help=(
        "Import element sets (TLE, 3LE, OMM KVN/XML/JSON/CSV, .gz) into the database, "
        "then list and inspect objects.\n\n"
        "Examples:\n\n"
        "  orbitwatch catalog import catalog.3le gp.json\n\n"
        "  orbitwatch catalog list --regime GEO --type payload\n\n"
        "  orbitwatch catalog list --name 'STARLINK-11748 [DTC]' --json\n\n"
        "  orbitwatch catalog show 25544 --history\n\n"
        "  orbitwatch catalog synth 100000 -o pop-100k.3le.gz"
    ),
    no_args_is_help=True,
)

DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in $ORBITWATCH_HOME)."
ELEMENTS_HELP = "Read these element-set files instead of the database (repeatable)."
#: rows the table shows when --limit is not given
TABLE_LIMIT = 50


def _check_choice(field: str, value: str, choices) -> str:
    from ..requests import check_choice

    return check_choice(field, value, choices)


def _err_table(title: str | None, columns: list[str], rows: list, justify: dict | None = None) -> None:
    """A compact table on stderr (for what is not the command's data); cells printed verbatim."""
    justify = justify or {}
    table = Table(title=None if title is None else Text(title, style="italic"), header_style="bold cyan",
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), collapse_padding=True,
                  show_edge=False, show_header=any(columns))
    for c in columns:
        table.add_column(Text(c), justify=justify.get(c, "left"), overflow="fold")
    for r in rows:
        table.add_row(*[x if isinstance(x, Text) else Text(str(x)) for x in r])
    err_console.print(table)


_CONTROL = {c: "?" for c in [*range(32), 127, 0x9B]}


def _plain_table(columns: list[str], rows: list[tuple], right: set[str]) -> None:
    """A table of any length on stdout in linear time (rich's Table takes seconds per thousand rows).

    Same look as ``print_table``: a bold header, a rule, aligned columns; cells are printed
    verbatim but for control characters (shown as '?': no terminal escape codes from names).
    """
    cells = [[str(x).translate(_CONTROL) for x in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]

    def line(values) -> str:
        return "  ".join(v.rjust(w) if c in right else v.ljust(w)
                        for v, w, c in zip(values, widths, columns)).rstrip()

    header = line(columns)
    console.print(Text(header, style="bold cyan"), soft_wrap=True)
    console.print(Text("\u2500" * len(header)), soft_wrap=True)
    console.file.write("".join(line(r) + "\n" for r in cells))
    console.file.flush()


def _from_files(files: list[Path]):
    from ..catalog import Catalog

    cat, rejected = Catalog.from_files(files)
    if rejected:
        print_warning(f"{len(rejected)} record(s) rejected and left out (first: {rejected[0]})")
    return cat


def _catalog(files: list[Path] | None, db: str | None):
    """A Catalog from element-set files when given, otherwise from the database."""
    if files:
        return _from_files(files)
    from ..store import open_store

    store = open_store(db, must_exist=True)   # reading never creates a database
    try:
        return store.load_catalog()
    finally:
        store.close()


# ------------------------------------------------------------------------------------------- import
def _import_dict(url: str, reports) -> dict:
    from ..catalog.query import iso_ms_array

    def rejection(e):
        return {"file": e.source, "line": e.line, "record": e.record, "field": e.field, "reason": e.reason}

    def conflict(c):
        return {"norad_id": c.norad_id, "epoch": str(iso_ms_array([c.epoch])[0]), "file": c.source, "line": c.line,
                "field": c.field, "action": c.action, "reason": c.reason}

    files = []
    for r in reports:
        rej = list(getattr(r, "rejected", ()) or ())
        files.append({"file": r.source, "import_id": r.import_id, "records": r.n_records, "new": r.inserted,
                      "unchanged": r.duplicates, "conflicts": r.conflicts, "rejected": len(rej),
                      "objects_new": r.objects_new, "rejections": [rejection(e) for e in rej],
                      "conflict_details": [conflict(c) for c in getattr(r, "conflict_details", ()) or ()]})
    totals = {k: sum(f[k] for f in files) for k in ("records", "new", "unchanged", "conflicts", "rejected")}
    return {"database": url, "files": files, "totals": totals,
            "notes": {"unchanged": "already in the database with the same elements",
                      "conflicts": "same object and epoch, other elements: the stored set is kept",
                      "epoch": "UTC, ISO-8601"}}


@app.command("import")
def import_command(
    files: List[Path] = typer.Argument(...,
                                       help="Element-set files; format detected from extension or content."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad record and import nothing."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help=f"Read every file as this format: {', '.join(FORMATS)} "
                                           "(default: detected)."),
    json_out: bool = typer.Option(False, "--json", help="Print the import summary as JSON on stdout: per file "
                                                        "new, unchanged, conflicts and each rejected record "
                                                        "with file, line, field and reason."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
    show_rejected: int = typer.Option(10, "--show-rejected",
                                      help="How many rejected records to list (all are kept in the import log)."),
):
    """Import element-set files in one transaction: unique by (object, epoch), so re-importing changes nothing.

    Bad records are rejected with file, line, field and reason; the good ones load. With --strict,
    any bad record aborts the import and leaves the database as it was.

    A file that is not element sets at all (empty, binary, UTF-16, an OEM or CDM) stops the import
    with exit status 65 and imports nothing. Exit status 3 when some records were rejected.
    """
    from ..requests import check_int
    from ..store import open_store

    show_rejected = check_int("show_rejected", show_rejected, lo=0)
    if fmt is not None:
        fmt = _check_choice("format", fmt, FORMATS)
    store = open_store(db)
    try:
        if err_console.is_terminal:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err_console, transient=True) as bar:
                task = bar.add_task("importing", total=None)

                def progress(done, total, stage=""):
                    bar.update(task, completed=done, total=total)

                reports = store.import_files(files, strict=strict, progress=progress, format=fmt)
        else:  # no bar (and no stray blank line) when stderr is a file or a pipe
            reports = store.import_files(files, strict=strict, format=fmt)
        url = store.url
    finally:
        store.close()
    summary = _import_dict(url, reports)
    n_rejected = summary["totals"]["rejected"]
    if json_out:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        rows = [(f["file"], f["new"], f["unchanged"], f["conflicts"], f["rejected"]) for f in summary["files"]]
        print_table(f"Imported into {url}", ["file", "new", "present", "conflicts", "rejected"],
                    rows, justify={c: "right" for c in ("new", "present", "conflicts", "rejected")},
                    caption="present: already in the database, unchanged; conflicts: same epoch, other "
                            "elements (the stored set is kept)")
        if n_rejected:
            shown = [e for f in summary["files"] for e in f["rejections"]][:show_rejected]
            if shown:
                print_table(f"Rejected records (first {len(shown)} of {n_rejected})",
                            ["line", "field", "reason", "file"],
                            [(e["line"] if e["line"] is not None else "-", e["field"], e["reason"], e["file"])
                             for e in shown], justify={"line": "right"})
    if n_rejected:
        raise typer.Exit(EXIT_PARTIAL)


# --------------------------------------------------------------------------------------------- list
def _rows_text(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, r)) for r in rows], indent=2) + "\n"
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def _write_text(text: str, out: Path | None, what: str) -> None:
    """Data to stdout, or to ``out`` with a note on stderr (the file name printed verbatim)."""
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        print_note(f"wrote {what} to {out}")


_SHORT_TYPE = {"PAYLOAD": "payload", "ROCKET BODY": "r/b", "DEBRIS": "debris", "UNKNOWN": "?"}


@app.command("list")
def list_command(
    name: Optional[str] = typer.Option(None, "--name", "-n", help=f"Object name, glob or /regex/. {NAME_RULES}"),
    object_type: Optional[List[str]] = typer.Option(None, "--type",
                                                    help=f"{', '.join(OBJECT_TYPE_NAMES)} (repeatable)."),
    regime: Optional[List[str]] = typer.Option(None, "--regime", "-r",
                                               help=f"One of {', '.join(REGIMES)} (repeatable)."),
    perigee_min_km: Optional[float] = typer.Option(None, help="Lowest perigee altitude, km."),
    perigee_max_km: Optional[float] = typer.Option(None, help="Highest perigee altitude, km."),
    apogee_min_km: Optional[float] = typer.Option(None, help="Lowest apogee altitude, km."),
    apogee_max_km: Optional[float] = typer.Option(None, help="Highest apogee altitude, km."),
    inclination_min_deg: Optional[float] = typer.Option(None, help="Lowest inclination, deg."),
    inclination_max_deg: Optional[float] = typer.Option(None, help="Highest inclination, deg."),
    limit: Optional[int] = typer.Option(None, "--limit",
                                        help=f"At most N objects, in catalog-number order; 0 = all. Default: "
                                             f"{TABLE_LIMIT} in the table, all with --format csv/json and "
                                             "--json. Negative numbers are refused."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json (the rows)."),
    json_out: bool = typer.Option(False, "--json", help="The listing as one JSON document on stdout: counts, "
                                                        "query, frame, units and the objects."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON here instead of stdout (format from the "
                                               "extension unless --format is given)."),
    force: bool = typer.Option(False, "--force", help="Overwrite the --output file if it exists."),
    elements: Optional[List[Path]] = typer.Option(None, "--elements", "--file", help=ELEMENTS_HELP),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """List objects (the latest element set of each) matching every filter given.

    Altitudes are two-body perigee and apogee above the WGS-72 equatorial radius, from the SGP4
    mean elements (TEME); epochs are UTC. The table goes to stdout, the counts to stderr.
    """
    from ..catalog import CatalogQuery
    from ..errors import InvalidRequestError

    fmt = _check_choice("format", fmt, ("table", "csv", "json"))
    if json_out and fmt != "table":
        raise InvalidRequestError("json", f"give either --json or --format {fmt}, not both")
    if output is not None and fmt == "table" and not json_out:
        fmt = "json" if output.suffix.lower() == ".json" else "csv"
    table = fmt == "table" and not json_out
    query = CatalogQuery(name=name, object_types=object_type or (), regimes=regime or (),
                         perigee_km=(perigee_min_km, perigee_max_km), apogee_km=(apogee_min_km, apogee_max_km),
                         inclination_deg=(inclination_min_deg, inclination_max_deg),
                         limit=limit if limit is not None else (TABLE_LIMIT if table else None))
    out = check_output_file(output, force=force)

    listing = _catalog(elements, db).list_objects(query)
    if json_out:
        _write_text(json.dumps(listing.to_dict(), indent=2) + "\n", out, f"{len(listing)} objects")
        return
    if not table:
        _write_text(_rows_text(list(listing.COLUMNS), listing.rows(), fmt), out, f"{len(listing)} objects")
        return
    cols = listing.columns()
    rows = list(zip(cols["norad_id"].tolist(), cols["name"].tolist(),
                    [_SHORT_TYPE.get(t, t) for t in cols["type"].tolist()], cols["regime"].tolist(),
                    [f"{x:.1f}" for x in cols["perigee_km"].tolist()], [f"{x:.1f}" for x in cols["apogee_km"].tolist()],
                    [f"{x:.4f}" for x in cols["inclination_deg"].tolist()]))
    tcols = ["NORAD", "name", "type", "regime", "perigee km", "apogee km", "incl deg"]
    if rows:
        _plain_table(tcols, rows, right={"NORAD", "perigee km", "apogee km", "incl deg"})
    if listing.n_matching == 0:
        print_note(f"no object matches (of {listing.n_catalog} in the catalog)")
    else:
        note = f"{len(listing)} of {listing.n_matching} matching objects ({listing.n_catalog} in the catalog)"
        print_note(note + ("; use --limit 0 for all" if listing.truncated else ""))


# --------------------------------------------------------------------------------------------- show
@app.command("show")
def show_command(
    obj: str = typer.Argument(..., help=f"The object: catalog number or name; a pattern must match one object. "
                                        f"{NAME_RULES}"),
    history: bool = typer.Option(False, "--history", help="List every stored element set of the object "
                                                          "(on stderr)."),
    fmt: str = typer.Option("3le", "--format", "-f", help=f"How to print the element set on stdout: "
                                                          f"{', '.join(WRITE_FORMATS)}."),
    originator: Optional[str] = typer.Option(None, "--originator",
                                             help="ORIGINATOR in the header of OMM KVN/XML (default: the "
                                                  "element set's own, else orbitwatch)."),
    elements: Optional[List[Path]] = typer.Option(None, "--elements", "--file", help=ELEMENTS_HELP),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """Show one object: its latest element set on stdout, its orbit summary (and --history) on stderr.

    So orbitwatch catalog show 25544 --format omm-json > iss.json writes valid JSON.
    """
    from ..catalog.query import ObjectListing, iso_ms_array
    from ..elements import format_elements
    from ..errors import InvalidRequestError

    fmt = _check_choice("format", fmt, WRITE_FORMATS)
    cat = _catalog(elements, db)
    ids = cat.resolve([obj], field="object")
    if len(ids) != 1:
        some = ", ".join(map(str, ids[:5].tolist())) + (", ..." if len(ids) > 5 else "")
        raise InvalidRequestError("object", f"{obj!r} matches {len(ids)} objects (catalog numbers {some}); "
                                            "give a catalog number or an exact name", obj)
    hist = cat.history(int(ids[0]))
    es = hist[[len(hist) - 1]]
    row = ObjectListing(es, 1, 1).to_records()[0]
    summary = [
        ("catalog number", row["norad_id"]), ("name", row["name"]),
        ("international designator", row["intl_designator"]), ("object type", row["type"]),
        ("orbit regime", row["regime"]),
        ("epoch (UTC)", row["epoch"]), ("perigee altitude", f"{row['perigee_km']:.1f} km"),
        ("apogee altitude", f"{row['apogee_km']:.1f} km"), ("inclination", f"{row['inclination_deg']:.4f} deg"),
        ("period", f"{row['period_min']:.2f} min"), ("element sets stored", len(hist)),
    ]
    _err_table(None, ["", ""], summary)
    sys.stdout.write(format_elements(es, fmt, originator=originator))
    sys.stdout.flush()
    if history:
        rows = list(zip(iso_ms_array(hist.epoch).tolist(), hist.element_set_no.tolist(),
                        [f"{x:.1f}" for x in hist.perigee_km.tolist()], [f"{x:.1f}" for x in hist.apogee_km.tolist()],
                        [f"{x:.4e}" for x in hist.bstar.tolist()]))
        _err_table("History", ["epoch (UTC)", "element set no", "perigee km", "apogee km", "bstar 1/ER"], rows,
                   justify={c: "right" for c in ("element set no", "perigee km", "apogee km", "bstar 1/ER")})



# -------------------------------------------------------------------------------------------- synth
@app.command("synth")
def synth_command(
    n_objects: int = typer.Argument(..., help="Size of the catalog to make, e.g. 100000, 300000, 1000000."),
    out: Path = typer.Option(..., "-o", "--output", help="File to write; the format comes from the extension "
                                                        "(.3le/.tle: TLE, .json/.xml/.kvn/.csv: OMM; .gz "
                                                        "compresses). Beyond 339,999 objects, TLEs cannot carry the "
                                                        "catalog numbers: use OMM."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same catalog."),
    elements: Optional[List[Path]] = typer.Option(None, "--from", "--elements",
                                                  help="The real catalog to resample (default: the shipped "
                                                       "2023-10-09 public catalog)."),
    constellations: bool = typer.Option(True, "--constellations/--no-constellations",
                                        help="Put the filed Starlink, Kuiper and OneWeb shells in (8,360 "
                                             "satellites)."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output file if it exists."),
):
    """Make a future population: a seeded, reproducible catalog of N objects for load tests.

    It holds the real catalog, the filed mega-constellation shells (Walker patterns at their
    published altitudes and inclinations) and a background resampled from the real catalog's
    joint (a, e, i, B*) distribution by orbit regime; every set at one epoch. See
    docs/screening.md, "Future populations".

    Examples:

      orbitwatch catalog synth 100000 -o pop-100k.3le.gz

      orbitwatch catalog synth 1000000 -o pop-1m.json.gz --seed 7
    """
    from ..catalog.synth import MAX_TLE_NORAD_ID, synthesize_population
    from ..elements import read_elements
    from ..elements.io import write_elements
    from ..errors import InvalidRequestError
    from ..requests import check_int
    from ..samples import sample_catalog_path

    check_int("n_objects", n_objects, 1, 10_000_000)
    check_output_file(out, force=force, option="--output")
    suffixes = [s.lower() for s in out.suffixes if s.lower() != ".gz"]
    tle_like = (suffixes[-1] if suffixes else ".3le") in (".3le", ".tle", ".txt", "")
    if elements:
        real = _from_files(elements).latest()
    else:
        real = read_elements(sample_catalog_path()).elements
    pop = synthesize_population(real, n_objects, seed=seed, **({} if constellations else {"constellations": ()}))
    if tle_like and int(pop.norad_id.max()) > MAX_TLE_NORAD_ID:
        raise InvalidRequestError("--output", f"{n_objects:,} objects need catalog numbers up to "
                                  f"{int(pop.norad_id.max()):,}, beyond what a TLE can carry ({MAX_TLE_NORAD_ID:,}); "
                                  "write OMM (.json, .xml, .kvn or .csv)", str(out))
    write_elements(pop, out)
    print_note(f"wrote {len(pop):,} element sets to {out} (seed {seed})")
