"""``orbitwatch cdm``: read, show, convert and validate CCSDS Conjunction Data Messages.

Data (tables, JSON, converted messages, the ``ok`` lines of ``validate``) goes to
stdout; problems and notes go to stderr.  Every text from a message is printed
verbatim (a unit ``[m/s]`` or a name ``[/x]`` is not rich markup).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import typer
from rich.text import Text

from .common import (check_output_file, console, err_console, print_error, print_note, print_table,
                     print_warning)
from .errors import EXIT_DATAERR, EXIT_PARTIAL, exit_code_for, message_for

app = typer.Typer(
    name="cdm",
    help=(
        "CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN and XML.\n\n"
        "[bold]orbitwatch cdm show FILE[/bold] prints what a CDM says; "
        "[bold]orbitwatch cdm convert FILE[/bold] turns KVN into XML and back; "
        "[bold]orbitwatch cdm validate FILE...[/bold] checks messages; "
        "[bold]orbitwatch cdm ingest FILE|DIR...[/bold] records them into event tracks "
        "(see [bold]orbitwatch events[/bold]).  Bad messages are "
        "reported with every problem's file, line, keyword and reason."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
)


def expand_cdm_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder gives its ``*.cdm``, ``*.kvn`` and ``*.xml`` files (sorted,
    not recursive).  A folder without any is a :class:`~orbitwatch.errors.NotFoundError`."""
    from ..conjunction.cdm import CDM_SUFFIXES
    from ..errors import NotFoundError

    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in CDM_SUFFIXES)
            if not found:
                raise NotFoundError(f"{p}: a folder without CDM files ({', '.join('*' + s for s in CDM_SUFFIXES)})")
            out.extend(found)
        else:
            out.append(p)
    return out


def _fmt(v) -> str:
    if isinstance(v, np.datetime64):
        from ..conjunction.cdm.validate import format_epoch

        return format_epoch(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, tuple):
        return " ".join(_fmt(x) for x in v)
    return str(v)


@app.command("show")
def show(
    path: Path = typer.Argument(..., help="CDM file (KVN or XML)."),
    as_json: bool = typer.Option(False, "--json",
                                 help="Every keyword as JSON (numbers in CDM units, listed under 'units')."),
):
    """Show a CDM: the conjunction, both objects, states and covariance sigmas.

    Example: [bold]orbitwatch cdm show ../shared/data/cdm/examples/cdm_example_section4.kvn[/bold]
    """
    from ..conjunction.cdm import read_cdm

    cdm = read_cdm(path)
    if as_json:
        sys.stdout.write(json.dumps(cdm.to_dict(), indent=2) + "\n")
        return
    rows = [("TCA (UTC)", _fmt(cdm.tca)), ("miss distance", f"{cdm.miss_distance_m:.1f} m")]
    if cdm.relative_speed_m_s is not None:
        rows.append(("relative speed", f"{cdm.relative_speed_m_s:.1f} m/s"))
    rp = cdm.relative_position_rtn_m
    if rp is not None:
        rows.append(("relative position R/T/N", " / ".join(f"{x:.1f}" for x in rp) + " m"))
    if cdm.collision_probability is not None:
        rows.append(("collision probability",
                     f"{cdm.collision_probability:.4g} ({cdm.collision_probability_method})"))
    if cdm.hbr_m is not None:
        rows.append(("hard-body radius (stated)", f"{cdm.hbr_m:g} m"))
    print_table(f"{path.name}  (CDM {cdm.version}, {cdm.originator}, {cdm.message_id})", ["field", "value"], rows)
    fields = [("designator", lambda o: o.designator), ("name", lambda o: o.name),
              ("international designator", lambda o: o.international_designator),
              ("type", lambda o: o.object_type or "-"), ("frame", lambda o: o.ref_frame),
              ("covariance method", lambda o: o.covariance_method or "-"),
              ("maneuverable", lambda o: o.value("MANEUVERABLE", "-")),
              ("position (km)", lambda o: " ".join(f"{x:.3f}" for x in o.state_km[:3])),
              ("velocity (km/s)", lambda o: " ".join(f"{x:.6f}" for x in o.state_km[3:])),
              ("covariance", lambda o: f"{o.covariance_dimension}x{o.covariance_dimension} RTN"),
              ("sigma R/T/N (m)", lambda o: " / ".join(f"{np.sqrt(max(o.covariance_rtn[i, i], 0)):.1f}"
                                                       for i in range(3)))]
    print_table("objects", ["", "OBJECT1", "OBJECT2"],
                [(label, str(f(cdm.object1)), str(f(cdm.object2))) for label, f in fields])
    if cdm.comments:
        console.print(Text("comments", style="bold"))
        for c in cdm.comments:
            console.print(Text(f"  {c}"))


@app.command("convert")
def convert(
    path: Path = typer.Argument(..., help="CDM file to convert."),
    fmt: str = typer.Option(None, "--format", "-f", "--to",
                            help="Target format: xml or kvn (default: the other one). --to is the old name."),
    output: Path = typer.Option(None, "--output", "-o",
                                help="Output file ('-' for stdout; default: same name with .xml/.kvn)."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output file if it exists."),
    namespace: bool = typer.Option(False, "--namespace",
                                   help="XML only: write the NDM/XML 2.0 namespace (urn:ccsds:schema:ndmxml)."),
):
    """Convert a CDM between KVN and XML, keeping every keyword, unit and comment.

    Examples: [bold]orbitwatch cdm convert event.cdm[/bold] (writes event.xml);
    [bold]orbitwatch cdm convert event.xml -f kvn -o -[/bold] (KVN on stdout).
    An existing output file is kept unless [bold]--force[/bold] is given.
    """
    from ..conjunction.cdm import CDM_FORMATS, detect_cdm_format, read_cdm, write_cdm
    from ..errors import ConflictError
    from ..requests import check_choice

    if fmt is not None:
        fmt = check_choice("format", fmt, CDM_FORMATS)
    with open(path, "rb") as fh:
        head = fh.read(200)
    fmt = fmt or ("kvn" if detect_cdm_format(head) == "xml" else "xml")
    to_stdout = output is not None and str(output) == "-"
    out = None
    if not to_stdout:
        out = output or path.with_suffix(".xml" if fmt == "xml" else ".kvn")
        if out.exists() and out.resolve() == path.resolve():
            raise ConflictError(str(out), "is the input file; give another --output")
        check_output_file(out, force=force, option="--output")      # before any work
    cdm = read_cdm(path)
    text = write_cdm(cdm, fmt, namespace=namespace)
    if to_stdout:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    print_note(f"wrote {out} ({fmt.upper()}, {len(text.splitlines())} lines)", style="")


@app.command("validate")
def validate(
    paths: list[Path] = typer.Argument(..., help="CDM files (KVN or XML), or folders of *.cdm/*.kvn/*.xml files."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per file on stdout, problems included."),
):
    """Check CDMs: every keyword known, values and units right, mandatory keywords present.

    Every problem of a message is listed (not only the first), each with its file,
    line, keyword and reason, on stderr; the 'ok' lines go to stdout.  Exit status 0
    when all are valid, 65 when any is not."""
    from ..conjunction.cdm import validate_cdm
    from ..conjunction.cdm.validate import format_epoch
    from ..errors import DataError

    files = expand_cdm_paths(paths)
    bad = 0
    other_exc = None
    for p in files:
        try:
            v = validate_cdm(p)
        except (DataError, OSError) as exc:         # unreadable file: say so and go on
            if isinstance(exc, DataError):
                bad += 1
            else:
                other_exc = other_exc or exc
            if as_json:
                sys.stdout.write(json.dumps({"source": str(p), "ok": False, "problems": [
                    exc.to_dict() if isinstance(exc, DataError) else {"type": type(exc).__name__,
                                                                      "message": message_for(exc)}]}) + "\n")
            else:
                print_error(message_for(exc))
            continue
        if as_json:
            d = v.to_dict()
            d["source"] = str(p)
            sys.stdout.write(json.dumps(d) + "\n")
        elif v.ok:
            line = Text("ok", style="green")
            line.append(f"   {p}  (CDM {v.cdm.version}, TCA {format_epoch(v.cdm.tca)})")
            console.print(line)
        else:
            head = Text("bad", style="bold red")
            head.append(f"  {p}: {len(v.problems)} problem{'s' if len(v.problems) != 1 else ''}")
            err_console.print(head)
            for e in v.problems:
                err_console.print(Text(f"  {e}"))
        if not v.ok:
            bad += 1
    if bad:
        raise typer.Exit(EXIT_DATAERR)
    if other_exc is not None:
        raise typer.Exit(exit_code_for(other_exc))


_DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in $ORBITWATCH_HOME)."
_OUTCOME_SHORT = {"updated": "upd", "duplicate": "dup", "not recorded": "not rec."}


def _pc_text(x) -> str:
    return "-" if x is None else ("0" if x == 0 else f"{x:.2e}")


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(..., help="CDM files (KVN or XML), or folders of *.cdm/*.kvn/*.xml files."),
    strict: bool = typer.Option(False, "--strict",
                                help="Read by the standard only, and record nothing unless every file is good "
                                     "(default: accept unambiguous quirks with a warning each; record the good "
                                     "files, report the bad ones, exit 3)."),
    hbr_m: float = typer.Option(None, "--hbr-m",
                                help="Combined hard-body radius in metres for the recomputed Pc, > 0 (default: the "
                                     "CDM's, else CARA's HBR table per object, else defaults by object type)."),
    no_3d: bool = typer.Option(False, "--no-3d",
                               help="Skip the 3D-Nc (faster; the 2D Pc is then recorded as not validated)."),
    window_s: float = typer.Option(None, "--window-s",
                                   help="Time bounds +/-S seconds around TCA for the 3D-Nc and Monte Carlo (> 0)."),
    as_json: bool = typer.Option(False, "--json",
                                 help="The ingest report as JSON on stdout (every file, its track, warnings, "
                                      "problems; units in 'units')."),
    db: str = typer.Option(None, "--db-url", help=_DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """Record CDMs into event tracks: every message of one encounter updates one track.

    Each CDM becomes an update of its encounter's track (same pair, TCA within a fifth of
    the shorter orbital period), oldest CREATION_DATE first, keeping the CDM's own Pc beside
    orbitwatch's recomputed one (the recommended Pc, or Foster's marked not validated).  A
    message already recorded (same originator and MESSAGE_ID) is skipped as a duplicate.

    Quirks of real messages (a [m] label on a velocity, NaN optional values, a unit cut
    short, COMMENT HBR without unit...) are accepted with one warning each on stderr;
    --strict refuses them.  Bad files are reported with file, line, keyword and reason:
    by default the good files are still recorded (exit 3); with --strict nothing is.

    Examples: [bold]orbitwatch cdm ingest inbox/[/bold];
    [bold]orbitwatch cdm ingest a.cdm b.xml --strict --json[/bold];
    then [bold]orbitwatch events list[/bold].
    """
    from rich.progress import Progress as Bar

    from ..conjunction.ingest import FOSTER_NOT_VALIDATED, CdmIngestRequest, ingest_cdms
    from ..conjunction.pc import PcRequest
    from ..progress import Progress
    from ..store import open_store

    request = CdmIngestRequest(strict=strict, pc=PcRequest(hbr_m=hbr_m, three_d=not no_3d, window_s=window_s))
    files = expand_cdm_paths(paths)
    with open_store(db) as store, Bar(console=err_console, transient=True, disable=len(files) < 2) as bar:
        task = bar.add_task("ingest", total=len(files))

        def show(done, total, stage):
            bar.update(task, completed=done, total=total or None, description=stage)

        report = ingest_cdms(store, files, request=request, progress=Progress(show))
    for w in report.warnings:
        print_warning(str(w))
    for r in report.rejected:
        for exc in r.problems:
            print_error(message_for(exc))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    elif report.ingested:
        rows = []
        for x in report.ingested:
            e = x.event
            track = _OUTCOME_SHORT.get(x.outcome, x.outcome)
            if x.track_id is not None:
                track = f"{x.track_id} {track}"
            rows.append([x.file, f"{e['norad_1']}/{e['norad_2']}", (e["tca"] or "")[:16].replace("T", " "),
                         f"{e['miss_km'] * 1000:.0f}",
                         _pc_text(e["pc"]) + ("?" if e["pc_method"] == FOSTER_NOT_VALIDATED else ""),
                         _pc_text(e["source_pc"]), track])
        print_table(None, ["file", "pair", "TCA UTC", "miss m", "Pc", "CDM Pc", "track"], rows,
                    justify={"miss m": "right", "Pc": "right", "CDM Pc": "right"},
                    caption="Pc: recomputed, the recommended method (?: Foster, not validated); CDM Pc: the "
                            "message's own; track: id, new/upd(ated)/dup(licate, skipped)")
    recorded = report.recorded
    n_new = sum(x.outcome == "new" for x in recorded)
    dup = sum(x.outcome == "duplicate" for x in report.ingested)
    summary = (f"{len(recorded)} CDM(s) recorded ({n_new} new track(s), {len(recorded) - n_new} update(s)), "
               f"{dup} duplicate(s) skipped, {len(report.rejected)} file(s) rejected, "
               f"{len(report.warnings)} warning(s)")
    if report.strict and report.rejected:
        summary += "; --strict: nothing was recorded"
    print_note(summary, style="")
    if report.status == "partial":
        raise typer.Exit(EXIT_PARTIAL)
    if report.status == "failed":
        raise typer.Exit(exit_code_for(report.rejected[0].problems[0]))
