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

from .common import check_output_file, console, err_console, print_error, print_note, print_table
from .errors import EXIT_DATAERR, exit_code_for, message_for

app = typer.Typer(
    name="cdm",
    help=(
        "CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN and XML.\n\n"
        "[bold]orbitwatch cdm show FILE[/bold] prints what a CDM says; "
        "[bold]orbitwatch cdm convert FILE[/bold] turns KVN into XML and back; "
        "[bold]orbitwatch cdm validate FILE...[/bold] checks messages.  Bad messages are "
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
