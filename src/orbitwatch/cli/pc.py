"""``orbitwatch pc``: every collision-probability method on CDMs, side by side.

Registers the ``pc`` command and the ``cdm`` group (see :mod:`.cdm`) on the main app.
Results go to stdout (tables, or one JSON object per CDM with ``--json``); progress,
notes and errors to stderr.  Every text from a message (names, units, file names) is
printed verbatim.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import typer
from rich.progress import Progress
from rich.text import Text

from .cdm import app as cdm_app
from .cdm import expand_cdm_paths
from .common import console, err_console, print_error, print_table
from .errors import EXIT_PARTIAL, exit_code_for, message_for

app = typer.Typer(rich_markup_mode="rich")
app.add_typer(cdm_app, name="cdm")

_METHOD_HELP = """
[bold]Methods[/bold] (docs/collision-probability.md has the papers and validation):
  Foster 1992      exact 2D integral over the hard-body disk (the 2D reference)
  Chan 1997        analytic series (equal-area approximation of the disk)
  Patera 2005      contour integral (independent check of Foster)
  Alfano 2005      Simpson-rule implementation as published
  square           circumscribing square, an upper bound (what CSpOC's numbers behave like)
  max Pc (scaled)  maximum over scaling this covariance, Alfano 2005; k<1 = dilution region
  max Pc (SOCRATES shape)  maximum over size and orientation of an ASSUMED covariance
                   shape (RTN sigmas 100/300/100 m, as CelesTrak SOCRATES); its size at the
                   maximum is the dilution threshold.  It ignores this CDM's covariance shape,
                   so it can be below Foster (the real ellipse is often far more elongated)
  3D-Nc Hall 2021  curvilinear two-body motion; use when 2D assumptions are violated
  3D Coppola 2012  3D-Pc without Hall's peak-overlap iteration
  Monte Carlo      two-body sampling with 95% Clopper-Pearson bounds (--mc N)
--window-s S bounds the 3D-Nc, Coppola and Monte Carlo to +/-S seconds around TCA (CARA's
Tmin/Tmax limits): for long encounters (GEO pairs, formation flyers drifting for hours),
to count only the collisions expected in the time that matters.  Nc is then the value
within the window; a window that cuts the encounter shows as a 3D offset violation.
2D usage checks (CARA cutoffs): NPD covariance, extended (>2% of an orbit),
offset (>1% of an orbit from TCA), inaccurate (2D and 3D differ by >2%).  A check that
was not run is "unknown", never passed: with --no-3d no Pc is recommended (the 2D value
cannot be validated); the output says what to run instead.

PATHS may be CDM files (KVN or XML) or folders: a folder is read for its *.cdm, *.kvn
and *.xml files (not recursively).
"""


def _pc(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "0" if x == 0 else f"{x:.4e}"


def _pc_short(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return "0" if x == 0 else f"{x:.2e}"


def _rows(a) -> list[tuple[str, str, str]]:
    t = a.pc2d
    rows = [("Foster 1992 (2D)", _pc(float(t.foster[0])), "exact disk integral"),
            ("Chan 1997", _pc(float(t.chan[0])), "series, Chan's term count"),
            ("Patera 2005", _pc(float(t.patera[0])), "contour integral"),
            ("Alfano 2005", _pc(float(t.alfano[0])), "Simpson rule"),
            ("square bound", _pc(float(t.square[0])), "circumscribing square"),
            ("max Pc (scaled)", _pc(float(t.max_pc[0])),
             f"this covariance x k, k={float(t.max_pc_scale[0]):.3g}"
             + (" dilution region" if bool(t.dilution[0]) else "")),
            ("max Pc (SOCRATES shape)", _pc(float(t.socrates_max_pc[0])),
             f"assumed sigmas 100/300/100 m; dilution threshold {float(t.dilution_threshold_km[0]):.3f} km")]
    if a.nc3d is not None:
        note = "converged" if a.nc3d.converged else "did not converge"
        if a.window_s is not None:
            note += f"; within {a.window_s[0]:+g}..{a.window_s[1]:+g} s of TCA"
        bad3 = [k for k, s in a.violations.checks_3d().items() if s == "violated"]
        if a.nc3d.converged and bad3:
            note += "; 3D violations: " + ", ".join(bad3)
        rows.append(("3D-Nc Hall 2021", _pc(a.nc3d.pc), note))
    if a.coppola is not None:
        rows.append(("3D Coppola 2012", _pc(a.coppola.pc), ""))
    if a.monte_carlo is not None:
        m = a.monte_carlo
        rows.append(("Monte Carlo", _pc(m.pc), f"95% [{_pc(m.pc_low)}, {_pc(m.pc_high)}] {m.hits}/{m.samples}"))
    if a.cdm_pc is not None:
        rows.append(("in the CDM", _pc(a.cdm_pc), a.cdm_pc_method or ""))
    return rows


_STATUS_STYLE = {"violated": "red", "passed": "green", "unknown": "yellow"}


def _checks_line(v) -> Text:
    values = {"extended": v.extended, "offset": v.offset, "inaccurate": v.inaccurate}
    out = Text("2D usage checks: ")
    for i, (name, status) in enumerate(v.checks_2d().items()):
        if i:
            out.append(", ")
        out.append(f"{name} ")
        out.append(status, style=_STATUS_STYLE[status])
        x = values.get(name)
        if x is not None and not math.isnan(x):
            out.append(f" ({x:.3g})")
    return out


def _recommendation_lines(a) -> list[Text]:
    r = a.recommended
    if r.given:
        line = Text("use: ")
        line.append(_pc(r.pc), style="bold")
        line.append(f" from {r.method}  ({r.reason})")
        return [line]
    first = Text("no recommendation: ", style="bold yellow")
    first.append(r.reason, style="")
    lines = [first]
    if r.run_instead:
        lines.append(Text(f"run instead: {r.run_instead}"))
    return lines


def _flags_short(a) -> str:
    checks = a.violations.checks_2d()
    out = [k[:3] for k, s in checks.items() if s == "violated"]
    out += [k[:3] + "?" for k, s in checks.items() if s == "unknown"]
    return ",".join(out) or "-"


@app.command("pc", help="Collision probability of CDMs by every method, with 2D-validity checks.\n" + _METHOD_HELP)
def pc_command(
    paths: list[Path] = typer.Argument(..., help="CDM files (KVN or XML), or folders of *.cdm/*.kvn/*.xml files."),
    hbr_m: float = typer.Option(None, "--hbr-m",
                                help="Combined hard-body radius in metres, > 0 (default: the CDM's, else CARA's "
                                     "HBR table per object, else defaults by object type)."),
    hbr_table: Path = typer.Option(None, "--hbr-table", exists=True, dir_okay=False,
                                   help="A CARA HBR_Mass_Estimates CSV to use instead of the packaged extract."),
    mc: int = typer.Option(0, "--mc", help="Monte Carlo samples (0 = skip; ~400/Pc for +/-10%)."),
    seed: int = typer.Option(0, "--seed", help="Monte Carlo random seed."),
    no_3d: bool = typer.Option(False, "--no-3d",
                               help="Skip the 3D-Nc and Coppola methods (faster; the 2D Pc then cannot be "
                                    "validated and no Pc is recommended)."),
    window_s: float = typer.Option(None, "--window-s",
                                   help="Time bounds +/-S seconds around TCA for the 3D-Nc, Coppola and Monte Carlo "
                                        "(> 0; default: each method's own span)."),
    as_json: bool = typer.Option(False, "--json",
                                 help="One JSON object per CDM on stdout (units in its 'units' entry)."),
):
    """Collision probability of CDMs by every method (see --help)."""
    from ..conjunction.cdm import read_cdm
    from ..conjunction.hbr import HbrTable
    from ..conjunction.pc import PcRequest, assess_cdm
    from ..errors import DataError

    request = PcRequest(hbr_m=hbr_m, mc_samples=mc, mc_seed=seed, three_d=not no_3d,
                        window_s=window_s)   # validated before any work
    files = expand_cdm_paths(paths)
    table = HbrTable.from_csv(hbr_table) if hbr_table else None
    results, failures, last_exc = [], 0, None
    with Progress(console=err_console, transient=True, disable=len(files) < 2) as progress:
        task = progress.add_task("assessing", total=len(files))
        for p in files:
            try:
                cdm = read_cdm(p)
                a = assess_cdm(cdm, hbr_table=table, request=request)
            except (DataError, OSError) as exc:        # one bad file does not stop the others
                failures += 1
                last_exc = exc
                print_error(message_for(exc))
                progress.advance(task)
                continue
            results.append((p, cdm, a))
            progress.advance(task)
    if as_json:
        for p, cdm, a in results:
            d = a.to_dict()
            d["file"] = str(p)
            sys.stdout.write(json.dumps(d) + "\n")
    else:
        for p, cdm, a in results:
            _print_one(p, cdm, a)
        if len(results) > 1:
            rows = []
            for p, cdm, a in results:
                r = a.recommended
                rows.append([p.name, f"{float(a.pc2d.miss_km[0]) * 1e3:.0f}", _pc_short(float(a.pc2d.foster[0])),
                             _pc_short(a.nc3d.pc if a.nc3d else None), _pc_short(float(a.pc2d.max_pc[0])),
                             _flags_short(a), _pc_short(r.pc) if r.given else "none"])
            print_table("summary", ["file", "miss m", "Foster", "3D-Nc", "max Pc", "2D checks", "use"], rows,
                        justify={"miss m": "right", "Foster": "right", "3D-Nc": "right", "max Pc": "right",
                                 "use": "right"},
                        caption="2D checks: violated (ext, off, ina, NPD); '?' = not established")
    if failures:
        raise typer.Exit(EXIT_PARTIAL if results else exit_code_for(last_exc))


def _print_one(p: Path, cdm, a) -> None:
    from ..conjunction.cdm.validate import format_epoch_z

    t = a.pc2d
    head = Text()
    head.append(p.name, style="bold")
    head.append(f"  TCA {format_epoch_z(a.states.tca)}  ")
    head.append(f"{cdm.object1.designator} {cdm.object1.name} x {cdm.object2.designator} {cdm.object2.name}")
    head.append(f"\nmiss {float(t.miss_km[0]) * 1e3:.1f} m, speed {float(t.speed_km_s[0]) * 1e3:.1f} m/s, "
                f"HBR {a.hbr_km * 1e3:.2f} m ({a.hbr_source}), encounter-plane sigmas "
                f"{float(t.sx_km[0]) * 1e3:.1f} x {float(t.sz_km[0]) * 1e3:.1f} m, "
                f"Mahalanobis {float(t.mahalanobis[0]):.2f}")
    console.print(head)
    print_table(None, ["method", "Pc", "notes"], _rows(a), justify={"Pc": "right"})
    console.print(_checks_line(a.violations))
    for line in _recommendation_lines(a):
        console.print(line)
    console.print()


def register(main_app: typer.Typer) -> None:
    """Add ``pc`` and the ``cdm`` group to the main application."""
    main_app.add_typer(app)
