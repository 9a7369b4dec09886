"""``orbitwatch cdm``: read, show and convert CCSDS Conjunction Data Messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from .errors import exit_code_for

app = typer.Typer(
    name="cdm",
    help=(
        "CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN and XML.\n\n"
        "[bold]orbitwatch cdm show FILE[/bold] prints what a CDM says; "
        "[bold]orbitwatch cdm convert FILE[/bold] turns KVN into XML and back; "
        "[bold]orbitwatch cdm validate FILE...[/bold] checks messages.  Bad messages are "
        "reported with the line, keyword and reason."
    ),
    rich_markup_mode="rich",
    no_args_is_help=True,
)


def _console() -> Console:
    return Console(highlight=False)


def _fail(console: Console, exc: BaseException) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(exit_code_for(exc))


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
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CDM file (KVN or XML)."),
    as_json: bool = typer.Option(False, "--json", help="Print every keyword as JSON instead of tables."),
):
    """Show a CDM: the conjunction, both objects, states and covariance sigmas.

    Example: [bold]orbitwatch cdm show ../shared/data/cdm/examples/cdm_example_section4.kvn[/bold]
    """
    from ..conjunction.cdm import CDMError, read_cdm
    from ..conjunction.cdm.schema import BLOCK_ORDER

    console = _console()
    try:
        cdm = read_cdm(path)
    except (CDMError, OSError) as exc:
        _fail(console, exc)
    if as_json:
        doc = {"version": cdm.version, "header": {k: _fmt(v) for k, v in cdm.header.values.items()},
               "relative": {k: _fmt(v) for k, v in cdm.relative.values.items()}, "objects": []}
        for o in cdm.objects:
            doc["objects"].append({name: {k: _fmt(v) for k, v in o.blocks[name].values.items()}
                                   for name in BLOCK_ORDER[2:] if name in o.blocks})
        doc["comments"] = cdm.comments
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    t = Table(title=f"{path.name}  (CDM {cdm.version}, {cdm.originator}, {cdm.message_id})", show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value")
    t.add_row("TCA (UTC)", _fmt(cdm.tca))
    t.add_row("miss distance", f"{cdm.miss_distance_m:.1f} m")
    if cdm.relative_speed_m_s is not None:
        t.add_row("relative speed", f"{cdm.relative_speed_m_s:.1f} m/s")
    rp = cdm.relative_position_rtn_m
    if rp is not None:
        t.add_row("relative position R/T/N", " / ".join(f"{x:.1f}" for x in rp) + " m")
    if cdm.collision_probability is not None:
        t.add_row("collision probability", f"{cdm.collision_probability:.4g} ({cdm.collision_probability_method})")
    if cdm.hbr_m is not None:
        t.add_row("hard-body radius (stated)", f"{cdm.hbr_m:g} m")
    console.print(t)
    o_t = Table(title="objects")
    o_t.add_column("")
    o_t.add_column("OBJECT1")
    o_t.add_column("OBJECT2")
    rows = [("designator", lambda o: o.designator), ("name", lambda o: o.name),
            ("international designator", lambda o: o.international_designator),
            ("type", lambda o: o.object_type or "-"), ("frame", lambda o: o.ref_frame),
            ("covariance method", lambda o: o.covariance_method or "-"),
            ("maneuverable", lambda o: o.value("MANEUVERABLE", "-")),
            ("position (km)", lambda o: " ".join(f"{x:.3f}" for x in o.state_km[:3])),
            ("velocity (km/s)", lambda o: " ".join(f"{x:.6f}" for x in o.state_km[3:])),
            ("covariance", lambda o: f"{o.covariance_dimension}x{o.covariance_dimension} RTN"),
            ("sigma R/T/N (m)", lambda o: " / ".join(f"{np.sqrt(max(o.covariance_rtn[i, i], 0)):.1f}"
                                                     for i in range(3)))]
    for label, f in rows:
        o_t.add_row(label, str(f(cdm.object1)), str(f(cdm.object2)))
    console.print(o_t)
    if cdm.comments:
        console.print("[bold]comments[/bold]")
        for c in cdm.comments:
            console.print(f"  {c}")


@app.command("convert")
def convert(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CDM file to convert."),
    to: str = typer.Option(None, "--to", "-t", help="Target format: xml or kvn (default: the other one)."),
    output: Path = typer.Option(None, "--output", "-o",
                                help="Output file ('-' for stdout; default: same name with .xml/.kvn)."),
    namespace: bool = typer.Option(False, "--namespace",
                                   help="XML only: write the NDM/XML 2.0 namespace (urn:ccsds:schema:ndmxml)."),
):
    """Convert a CDM between KVN and XML, keeping every keyword, unit and comment.

    Examples: [bold]orbitwatch cdm convert event.cdm[/bold] (writes event.xml);
    [bold]orbitwatch cdm convert event.xml --to kvn -o -[/bold] (KVN on stdout).
    """
    from ..conjunction.cdm import CDMError, detect_format, read_cdm, write_cdm

    console = _console()
    try:
        cdm = read_cdm(path)
        src_fmt = detect_format(path.read_bytes())
        fmt = (to or ("kvn" if src_fmt == "xml" else "xml")).lower()
        if fmt not in ("kvn", "xml"):
            raise typer.BadParameter("--to must be 'xml' or 'kvn'")
        text = write_cdm(cdm, fmt, namespace=namespace)
    except (CDMError, OSError) as exc:
        _fail(console, exc)
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return
    out = output or path.with_suffix(".xml" if fmt == "xml" else ".kvn")
    if out.resolve() == path.resolve():
        console.print(f"[red]error:[/red] refusing to overwrite the input {path}; give --output")
        raise typer.Exit(2)
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {out} ({fmt.upper()}, {len(text.splitlines())} lines)")


@app.command("validate")
def validate(paths: list[Path] = typer.Argument(..., help="CDM files (KVN or XML).")):
    """Check CDMs: every keyword known, units right, mandatory keywords present.

    Exit status 0 when all are valid, 65 when any is not (each problem is listed with
    its file, line, keyword and reason)."""
    from ..conjunction.cdm import CDMError, read_cdm

    console = _console()
    bad = 0
    for p in paths:
        try:
            c = read_cdm(p)
            console.print(f"[green]ok[/green]   {p}  (CDM {c.version}, TCA {_fmt(c.tca)})")
        except (CDMError, OSError) as exc:
            bad += 1
            console.print(f"[red]bad[/red]  {exc}")
    if bad:
        raise typer.Exit(65)
