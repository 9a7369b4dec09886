"""``orbitwatch pc``: every collision-probability method on CDMs, side by side.

Registers the ``pc`` command and the ``cdm`` group (see :mod:`.cdm`) on the main app.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from .cdm import app as cdm_app
from .errors import EXIT_PARTIAL, exit_code_for

app = typer.Typer(rich_markup_mode="rich")
app.add_typer(cdm_app, name="cdm")

_METHOD_HELP = """
[bold]Methods[/bold] (docs/collision-probability.md has the papers and validation):
  Foster 1992      exact 2D integral over the hard-body disk (the 2D reference)
  Chan 1997        analytic series (equal-area approximation of the disk)
  Patera 2005      contour integral (independent check of Foster)
  Alfano 2005      Simpson-rule implementation as published
  square           circumscribing square, an upper bound (what CSpOC's numbers behave like)
  max Pc           maximum over covariance scaling, Alfano 2005; k<1 = dilution region
  SOCRATES max     worst size/orientation for RTN sigmas 100/300/100 m; dilution threshold
  3D-Nc Hall 2021  curvilinear two-body motion; use when 2D assumptions are violated
  3D Coppola 2012  3D-Pc without Hall's peak-overlap iteration
  Monte Carlo      two-body sampling with 95% Clopper-Pearson bounds (--mc N)
2D usage-violation flags (CARA cutoffs): NPD covariance, extended (>2% of an orbit),
offset (>1% of an orbit from TCA), inaccurate (2D and 3D differ by >2%).
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
            ("max Pc (scaling)", _pc(float(t.max_pc[0])),
             f"k={float(t.max_pc_scale[0]):.3g}" + (" dilution region" if bool(t.dilution[0]) else "")),
            ("SOCRATES max", _pc(float(t.socrates_max_pc[0])),
             f"dilution threshold {float(t.dilution_threshold_km[0]):.3f} km")]
    if a.nc3d is not None:
        note = "converged" if a.nc3d.converged else "did not converge"
        if a.nc3d.converged and a.violations.nc3d_extended == a.violations.nc3d_extended:
            f3 = [n for n, b in (("extended", a.violations.extended_3d), ("offset", a.violations.offset_3d)) if b]
            if f3:
                note += "; 3D violations: " + ", ".join(f3)
        rows.append(("3D-Nc Hall 2021", _pc(a.nc3d.pc), note))
    if a.coppola is not None:
        rows.append(("3D Coppola 2012", _pc(a.coppola.pc), ""))
    if a.monte_carlo is not None:
        m = a.monte_carlo
        rows.append(("Monte Carlo", _pc(m.pc), f"95% [{_pc(m.pc_low)}, {_pc(m.pc_high)}] {m.hits}/{m.samples}"))
    if a.cdm_pc is not None:
        rows.append(("in the CDM", _pc(a.cdm_pc), a.cdm_pc_method or ""))
    return rows


def _summary(a, name: str) -> dict:
    t = a.pc2d
    v = a.violations
    pc, method = a.recommended
    return {
        "file": name, "tca": str(a.states.tca), "miss_m": float(t.miss_km[0]) * 1e3,
        "speed_m_s": float(t.speed_km_s[0]) * 1e3, "hbr_m": a.hbr_km * 1e3, "hbr_source": a.hbr_source,
        "sigma_major_m": float(t.sx_km[0]) * 1e3, "sigma_minor_m": float(t.sz_km[0]) * 1e3,
        "foster": float(t.foster[0]), "chan": float(t.chan[0]), "patera": float(t.patera[0]),
        "alfano": float(t.alfano[0]), "square": float(t.square[0]), "max_pc": float(t.max_pc[0]),
        "max_pc_scale": float(t.max_pc_scale[0]), "socrates_max_pc": float(t.socrates_max_pc[0]),
        "dilution_threshold_km": float(t.dilution_threshold_km[0]),
        "nc3d": None if a.nc3d is None else a.nc3d.pc, "coppola": None if a.coppola is None else a.coppola.pc,
        "monte_carlo": None if a.monte_carlo is None else {
            "pc": a.monte_carlo.pc, "low": a.monte_carlo.pc_low, "high": a.monte_carlo.pc_high,
            "hits": a.monte_carlo.hits, "samples": a.monte_carlo.samples},
        "cdm_pc": a.cdm_pc, "violations_2d": v.labels(), "code_2d": v.code_2d, "code_3d": v.code_3d,
        "indicators": {"extended": v.extended, "offset": v.offset, "inaccurate": v.inaccurate},
        "recommended": {"pc": pc, "method": method},
    }


@app.command("pc", help="Collision probability of CDMs by every method, with 2D-validity flags.\n" + _METHOD_HELP)
def pc_command(
    paths: list[Path] = typer.Argument(..., help="CDM files (KVN or XML)."),
    hbr_m: float = typer.Option(None, "--hbr-m",
                                help="Combined hard-body radius in metres (default: the CDM's, else CARA's "
                                     "HBR table per object, else defaults by object type)."),
    hbr_table: Path = typer.Option(None, "--hbr-table", exists=True, dir_okay=False,
                                   help="A CARA HBR_Mass_Estimates CSV to use instead of the packaged extract."),
    mc: int = typer.Option(0, "--mc", help="Monte Carlo samples (0 = skip; ~400/Pc for +/-10%)."),
    seed: int = typer.Option(0, "--seed", help="Monte Carlo random seed."),
    no_3d: bool = typer.Option(False, "--no-3d", help="Skip the 3D-Nc and Coppola methods (faster)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per file on stdout."),
):
    """Collision probability of CDMs by every method (see --help)."""
    from ..conjunction.cdm import CDMError, read_cdm
    from ..conjunction.hbr import HbrTable
    from ..conjunction.pc import assess_cdm

    console = Console(highlight=False, stderr=as_json)
    table = HbrTable.from_csv(hbr_table) if hbr_table else None
    results, failures = [], 0
    with Progress(console=console, transient=True, disable=len(paths) < 2 or as_json) as progress:
        task = progress.add_task("assessing", total=len(paths))
        for p in paths:
            try:
                cdm = read_cdm(p)
                a = assess_cdm(cdm, hbr_m=hbr_m, hbr_table=table, three_d=not no_3d, coppola=not no_3d,
                               mc_samples=mc, mc_seed=seed)
            except (CDMError, OSError, ValueError) as exc:
                failures += 1
                console.print(f"[red]error:[/red] {exc}")
                progress.advance(task)
                last_exc = exc
                continue
            results.append((p, cdm, a))
            progress.advance(task)
    if as_json:
        for p, cdm, a in results:
            sys.stdout.write(json.dumps(_summary(a, p.name)) + "\n")
    else:
        for p, cdm, a in results:
            t = a.pc2d
            head = (f"[bold]{p.name}[/bold]  TCA {a.states.tca}  {cdm.object1.designator} {cdm.object1.name} x "
                    f"{cdm.object2.designator} {cdm.object2.name}\n"
                    f"miss {float(t.miss_km[0]) * 1e3:.1f} m, speed {float(t.speed_km_s[0]) * 1e3:.1f} m/s, "
                    f"HBR {a.hbr_km * 1e3:.2f} m ({a.hbr_source}), encounter-plane sigmas "
                    f"{float(t.sx_km[0]) * 1e3:.1f} x {float(t.sz_km[0]) * 1e3:.1f} m, "
                    f"Mahalanobis {float(t.mahalanobis[0]):.2f}")
            console.print(head)
            tab = Table(show_header=True)
            tab.add_column("method")
            tab.add_column("Pc", justify="right")
            tab.add_column("notes")
            for row in _rows(a):
                tab.add_row(*row)
            console.print(tab)
            v = a.violations
            flags = v.labels()
            pc, method = a.recommended
            console.print(f"2D usage violations: {'[red]' + ', '.join(flags) + '[/red]' if flags else '[green]none[/green]'}"
                          f"  (extended {v.extended:.3g}, offset {v.offset:.3g}, inaccurate {v.inaccurate:.3g})")
            console.print(f"use: [bold]{_pc(pc)}[/bold] from {method}\n")
        if len(results) > 1:
            s = Table(title="summary")
            for c in ("file", "miss m", "Foster", "3D-Nc", "max Pc", "flags", "use"):
                s.add_column(c)
            for p, cdm, a in results:
                pc, method = a.recommended
                s.add_row(p.name[:28], f"{float(a.pc2d.miss_km[0]) * 1e3:.0f}", _pc_short(float(a.pc2d.foster[0])),
                          _pc_short(a.nc3d.pc if a.nc3d else None), _pc_short(float(a.pc2d.max_pc[0])),
                          ",".join(v[:3] for v in a.violations.labels()) or "-", _pc_short(pc))
            console.print(s)
    if failures:
        raise typer.Exit(EXIT_PARTIAL if results else exit_code_for(last_exc))


def register(main_app: typer.Typer) -> None:
    """Add ``pc`` and the ``cdm`` group to the main application."""
    main_app.add_typer(app)
