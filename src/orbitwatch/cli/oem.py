"""``orbitwatch oem``: show, convert and validate CCSDS Orbit Ephemeris Messages (and OPMs).

A typer app named ``oem``; the main app registers it with
``app.add_typer(oem_app, name="oem")``.  Commands let library errors propagate:
the main app's handler prints them and picks the exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from .common import check_output_file, console, print_json, print_note, print_table
from .errors import EXIT_DATAERR

app = typer.Typer(
    name="oem",
    rich_markup_mode="rich",
    no_args_is_help=True,
    help=(
        "CCSDS Orbit Data Messages (502.0-B-3): OEM ephemerides and OPM states, KVN and XML.\n\n"
        "  [bold]orbitwatch oem show FILE[/bold]              header, segments, spans, frame, step\n"
        "  [bold]orbitwatch oem convert FILE -o OUT[/bold]    KVN <-> XML (and --frame to change frame)\n"
        "  [bold]orbitwatch oem interpolate FILE...[/bold]    states at regular instants, a status per row\n"
        "  [bold]orbitwatch oem validate FILE...[/bold]       every problem with line and keyword (exit 65)"
    ),
)


def _is_opm(path: Path) -> bool:
    from ..ccsds.kvn import read_text

    head = read_text(path, what="ODM")[:2048]
    return "CCSDS_OPM_VERS" in head or "<opm" in head


def show_summary(oem) -> dict:
    """What ``show --json`` prints: the message, and per object its spans, step and error estimate."""
    from ..errors import InvalidRequestError
    from ..odm.interpolation import trajectories

    out = oem.to_dict()
    try:
        out["trajectories"] = [tr.to_dict() for tr in trajectories(oem)]
    except InvalidRequestError as exc:  # segments of one object in frames that cannot be joined: say so
        out["trajectories_error"] = str(exc)
    out["units"] = {"position": "km", "velocity": "km/s", "step": "s", "error_estimate": "km, km/s",
                    "times": "ISO-8601 UTC with Z where the time system converts"}
    return out


@app.command("show")
def show_command(
    file: Path = typer.Argument(..., help="OEM (or OPM) file, KVN or XML.", dir_okay=False),
    as_json: bool = typer.Option(False, "--json", help="The message as JSON on stdout (km, km/s, UTC with Z)."),
    states: bool = typer.Option(False, "--states", help="With --json: include every state and covariance."),
):
    """Show a message: header, then per segment the object, frame, time system, span, step and count.

    Example: [bold]orbitwatch oem show ISS.oem[/bold]
    """
    if _is_opm(file):
        from ..odm import read_opm

        opm = read_opm(file)
        if as_json:
            print_json(opm.to_dict())
            return
        md = opm.metadata
        rows = [("file", str(file)), ("version", opm.version), ("originator", opm.header.originator),
                ("creation date", opm.header.creation_date), ("object", f"{md.object_name} ({md.object_id})"),
                ("center", md.center_name), ("frame", md.ref_frame), ("time system", md.time_system),
                ("epoch", opm.epoch_text or "-"),
                ("position km", " ".join(f"{x:.6f}" for x in opm.position_km)),
                ("velocity km/s", " ".join(f"{x:.9f}" for x in opm.velocity_km_s)),
                ("maneuvers", str(len(opm.maneuvers))), ("covariance", "yes" if opm.covariance is not None else "no")]
        print_table("OPM", ["item", "value"], rows)
        return
    from ..odm import read_oem

    oem = read_oem(file)
    if as_json:
        out = show_summary(oem)
        if states:
            out["segments"] = [s.to_dict(states=True) for s in oem.segments]
        print_json(out)
        return
    h = oem.header
    head = [("file", str(file)), ("version", h.version), ("originator", h.originator),
            ("creation date", h.creation_date)]
    if h.message_id:
        head.append(("message id", h.message_id))
    if h.classification:
        head.append(("classification", h.classification))
    head.append(("segments", str(len(oem.segments))))
    head.append(("states", str(oem.states())))
    print_table("OEM", ["item", "value"], head)
    rows = []
    for i, seg in enumerate(oem.segments, 1):
        md = seg.metadata
        start, stop = md.values.get("USEABLE_START_TIME", md.values.get("START_TIME", "-")), \
            md.values.get("USEABLE_STOP_TIME", md.values.get("STOP_TIME", "-"))
        step = seg.step_s()
        interp = md.interpolation or "-"
        if md.interpolation_degree:
            interp += f" {md.interpolation_degree}"
        rows.append([str(i), md.object_name, md.object_id, md.center_name, md.ref_frame, md.time_system,
                     start, stop, str(len(seg)), "-" if step != step else f"{step:g}", interp])
    print_table(None, ["#", "object", "id", "center", "frame", "time", "usable start", "usable stop", "states",
                       "step s", "interp."], rows, justify={"states": "right", "step s": "right"})


def _read(file: Path):
    """``(message, is_opm)`` of a file, read once."""
    from ..ccsds.kvn import read_text
    from ..odm import parse_oem, parse_opm

    text = read_text(file, what="ODM")
    head = text[:2048]
    if "CCSDS_OPM_VERS" in head or "<opm" in head:
        return parse_opm(text, str(file)), True
    return parse_oem(text, str(file)), False


@app.command("convert")
def convert_command(
    file: Path = typer.Argument(..., help="OEM or OPM file, KVN or XML.", dir_okay=False),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: stdout)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="kvn or xml (default: from the -o extension, else the other form)."),
    frame: Optional[str] = typer.Option(None, "--frame",
                                        help="Convert the states to this frame (EME2000, GCRF, TEME, ITRF)."),
    unqualified: bool = typer.Option(False, "--unqualified",
                                     help="XML without the NDM namespace (the default is the qualified form the "
                                          "NDM/XML 2.0.0 schemas check)."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output file."),
):
    """Convert KVN <-> XML keeping every value (epochs to the nanosecond, numbers exactly).

    Example: [bold]orbitwatch oem convert ISS.oem -o ISS.xml[/bold]
    """
    from ..odm.io import dumps
    from ..odm.request import ConvertRequest, check_frame

    out_path = check_output_file(output, force=force)
    check_frame("frame", frame)
    if fmt is not None:
        ConvertRequest.resolve(format=fmt)  # a bad --format is refused before the file is read
    msg, opm = _read(file)
    req = ConvertRequest.resolve(format=fmt, output=out_path, source_format=msg.format, frame=frame,
                                 qualified=not unqualified)
    if req.frame is not None:
        if opm:
            from ..errors import InvalidRequestError

            raise InvalidRequestError("frame", "converting an OPM's frame is not supported; convert OEMs", frame)
        msg = msg.to_frame(req.frame)
    text = dumps(msg, req.format, **({"qualified": req.qualified} if req.format == "xml" else {}))
    if out_path is None:
        sys.stdout.write(text)
        return
    out_path.write_text(text, encoding="utf-8")
    what = "1 state" if opm else f"{msg.states()} states in {len(msg.segments)} segment(s)"
    print_note(f"wrote {what} as {req.format.upper()} to {out_path}")


@app.command("interpolate")
def interpolate_command(
    files: List[Path] = typer.Argument(..., help="OEM files (KVN or XML); objects are joined by OBJECT_ID."),
    start: Optional[str] = typer.Option(None, "--start", help="First instant, UTC (default: first usable)."),
    stop: Optional[str] = typer.Option(None, "--stop", help="Last instant, UTC (default: last usable)."),
    days: Optional[float] = typer.Option(None, "--days", help="Span length in days (instead of --stop)."),
    hours: Optional[float] = typer.Option(None, "--hours", help="Span length in hours (instead of --stop)."),
    step_s: float = typer.Option(60.0, "--step", help="Seconds between instants."),
    frame: Optional[str] = typer.Option(None, "--frame", help="Output frame (EME2000, GCRF, TEME, ITRF)."),
    method: Optional[str] = typer.Option(None, "--method", help="HERMITE, LAGRANGE or LINEAR (default: each "
                                                                "segment's own)."),
    degree: Optional[int] = typer.Option(None, "--degree", help="Interpolation degree (default: each segment's)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: stdout)."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv or json."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output file."),
):
    """States of every object at regular instants: x..z km, vx..vz km/s, UTC, status per row (0 ok).

    Example: [bold]orbitwatch oem interpolate ISS.oem --hours 2 --step 30 -o iss.csv[/bold]
    """
    from ..ccsds.timesystems import tai_ns_to_utc
    from ..odm import read_oem
    from ..odm.interpolation import trajectories
    from ..odm.request import InterpolationRequest
    from ..requests import check_choice
    from .common import write_rows

    out_path = check_output_file(output, force=force)
    fmt = check_choice("format", fmt, ("csv", "json"))
    InterpolationRequest.check_options(method=method, degree=degree, frame=frame, step_s=step_s)
    oems = [read_oem(f) for f in files]
    trs = trajectories(oems, frame=frame, method=method, degree=degree)
    pieces = [p for tr in trs for p in tr.pieces]
    default_start = tai_ns_to_utc(np.array([min(p.start_ns for p in pieces)]))[0] if pieces else None
    if stop is None and days is None and hours is None and pieces:
        stop = str(tai_ns_to_utc(np.array([max(p.stop_ns for p in pieces)]))[0])
    req = InterpolationRequest.resolve(start=start, stop=stop, days=days, hours=hours, step_s=step_s, method=method,
                                       degree=degree, frame=frame, objects=len(trs), default_start=default_start)
    states = req.run(trs)
    rows = states.to_records()
    columns = list(rows[0].keys()) if rows else ["object_id"]
    write_rows(columns, [[r[c] for c in columns] for r in rows], fmt, out_path)
    bad = int((states.status != 0).sum())
    if bad:
        print_note(f"{bad} of {states.status.size} states have a nonzero status (see status_message)")


@app.command("validate")
def validate_command(
    files: List[Path] = typer.Argument(..., help="OEM or OPM files, KVN or XML."),
    schema_dir: Optional[Path] = typer.Option(None, "--schema-dir",
                                              help="Folder with the NDM/XML 2.0.0 schemas: XML of version 2.0 is "
                                                   "also checked against them."),
    as_json: bool = typer.Option(False, "--json", help="The problems as JSON on stdout."),
):
    """List every problem of each file (file:line: keyword: reason); exit 65 if there is any.

    Example: [bold]orbitwatch oem validate *.oem[/bold]
    """
    from ..odm.validate import validate

    for f in files:  # every input exists before any work
        if not f.exists():
            raise FileNotFoundError(2, "No such file or directory", str(f))
        if f.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(f))
    if schema_dir is not None:
        from ..odm.validate import load_schema

        load_schema(schema_dir)
    report = []
    total = 0
    for f in files:
        kind = "opm" if _is_opm(f) else "oem"
        result = validate(f, kind=kind, schema_dir=schema_dir)
        problems = result.problems
        total += len(problems)
        report.append(result.to_dict())
        if not as_json:
            if problems:
                for p in problems:
                    console.print(str(p), markup=False, highlight=False, soft_wrap=True)
            else:
                console.print(f"{f}: valid {kind.upper()}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        print_json({"files": report, "problems": total})
    if total:
        print_note(f"{total} problem(s) in {sum(1 for r in report if not r['valid'])} of {len(files)} file(s)")
        raise typer.Exit(EXIT_DATAERR)
