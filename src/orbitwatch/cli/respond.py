"""``orbitwatch respond``: from a Charter activation area to an acquisition plan, maps and tasking files."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import OrbitwatchError
from .errors import exit_code_for

console = Console()

HELP = """Plan satellite acquisitions for a disaster (International Charter activation).

Give the area as GeoJSON (Polygon, MultiPolygon, or a Point with --radius-km), the hazard,
a start time and a horizon. orbitwatch finds every window in which a sensor of the shipped
Charter fleet (100 radar and optical satellites of 19 agencies) can see any part of the area,
picks the earliest acquisition, plans the passes that cover the whole area soonest (radar
first for floods and storms, optical for wildfires and damage mapping) and writes per-agency
tasking requests, a timeline, a map and an offline HTML page.

[bold]Examples[/bold]

  orbitwatch respond --sample                       # the shipped illustrative flood
  orbitwatch respond --area flood.geojson --hazard flood --start 2026-06-10T12:00Z --hours 48
  orbitwatch respond --area quake.geojson --hazard earthquake --max-resolution-m 1 --out quake/
  orbitwatch respond --area p.geojson --radius-km 50 --types SAR --elements fresh.tle
  orbitwatch respond fleet                          # what the fleet holds
"""

app = typer.Typer(help=HELP, rich_markup_mode="rich", invoke_without_command=True)


def _fail(exc: BaseException) -> None:
    from rich.markup import escape

    console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(exit_code_for(exc))


def _geojson_properties(path) -> dict:
    import json

    from ..response.activation import _props_of

    try:
        return _props_of(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def _fmt(t) -> str:
    return str(np.datetime64(t, "s")).replace("T", " ") + "Z"


def _short(t) -> str:
    """MM-DD HH:MM (tables)."""
    return str(np.datetime64(t, "m"))[5:].replace("T", " ")


@app.callback(invoke_without_command=True)
def respond(
    ctx: typer.Context,
    area: Optional[Path] = typer.Option(None, "--area", "-a", help="Activation area, GeoJSON file.",
                                        exists=False, dir_okay=False),
    sample: bool = typer.Option(False, "--sample", help="Use the shipped illustrative flood area."),
    hazard: Optional[str] = typer.Option(None, "--hazard", "-z",
                                         help="flood, earthquake, storm, wildfire, volcano, landslide, oil_spill, "
                                              "tsunami, ice, explosion, other (default: the GeoJSON's 'hazard')."),
    start: Optional[str] = typer.Option(None, "--start", "-s",
                                        help="Start, ISO UTC (default: the GeoJSON's 'start', else now)."),
    hours: Optional[float] = typer.Option(None, "--hours", "-H", help="Horizon in hours (default 48, at most 336)."),
    radius_km: Optional[float] = typer.Option(None, "--radius-km", help="Radius around a Point area, km."),
    out: Path = typer.Option(Path("respond-out"), "--out", "-o", help="Folder for the plan, maps and tasking files."),
    satellites: Optional[Path] = typer.Option(None, "--satellites",
                                              help="CSV of satellites to add or replace (columns as the shipped "
                                                   "satellites.csv: norad_id,name,platform,agency,...)."),
    sensors: Optional[Path] = typer.Option(None, "--sensors", help="CSV of sensors to add or replace."),
    elements: Optional[Path] = typer.Option(None, "--elements", "-e",
                                            help="Element sets (TLE/3LE/OMM) to use instead of the shipped ones."),
    types: Optional[List[str]] = typer.Option(None, "--types", help="Sensor types to use: SAR, optical (comma-separated or repeated)."),
    agencies: Optional[List[str]] = typer.Option(None, "--agency", help="Only these agencies, e.g. ESA,JAXA (comma-separated or repeated)."),
    max_resolution_m: Optional[float] = typer.Option(None, "--max-resolution-m",
                                                     help="Only sensors at least this fine (m)."),
    prefer_fine: float = typer.Option(0.0, "--prefer-fine-h",
                                      help="Hours of penalty per decade of resolution above 1 m "
                                           "(favour fine sensors)."),
    coverage: float = typer.Option(0.99, "--coverage", help="Coverage target, fraction of the area."),
    min_sun: float = typer.Option(10.0, "--min-sun-elevation-deg", help="Optical needs the Sun this high."),
    optimal: bool = typer.Option(False, "--optimal", help="Exact integer-programming plan (slower; small problems)."),
    no_files: bool = typer.Option(False, "--no-files", help="Print the plan only."),
    rows: int = typer.Option(25, "--rows", help="Rows of the opportunity table."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Propagation backend (default: fastest)."),
):
    if ctx.invoked_subcommand is not None:
        return
    if area is None and not sample:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    from ..response import (AccessConfig, Preferences, compute_access, load_fleet, plan_acquisitions, plan_optimal,
                            read_activation, sample_activation_path)
    from ..response.plan import HAZARD_RATIONALE

    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True) as prog:
            task = prog.add_task("reading the activation", total=5)
            path = sample_activation_path() if area is None else area
            start_value = start
            if start_value is None and "start" not in _geojson_properties(path):
                start_value = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None).isoformat()
            act = read_activation(path, hazard=hazard, start=start_value, hours=hours, radius_km=radius_km)
            prog.update(task, advance=1, description="loading the fleet")
            fleet = load_fleet(satellites, sensors)
            split = lambda xs: [y.strip() for x in xs for y in x.split(",") if y.strip()] if xs else None  # noqa: E731
            fleet = fleet.select(agencies=split(agencies), types=split(types), max_resolution_m=max_resolution_m)
            prog.update(task, advance=1, description=f"finding windows for {len(fleet)} satellites")
            acc = compute_access(act, fleet, str(elements) if elements else None, backend=backend,
                                 config=AccessConfig(min_sun_elevation_deg=min_sun))
            prog.update(task, advance=1, description="planning")
            pref = Preferences(coverage_target=coverage, resolution_weight_h=prefer_fine)
            plan = plan_optimal(acc, pref) if optimal else plan_acquisitions(acc, pref)
            files = {}
            if not no_files:
                prog.update(task, advance=1, description="writing maps and tasking files")
                from ..response.outputs import write_all
                files = write_all(plan, out)
    except OrbitwatchError as exc:
        _fail(exc)
    _print_plan(plan, acc, fleet, rows, HAZARD_RATIONALE.get(act.hazard, ""))
    if files:
        console.print(f"\n[bold]Files[/bold] in {out}/: " + ", ".join(
            sorted({Path(p).name if not isinstance(p, list) else 'tasking/ (' + str(len(p)) + ' files)'
                    for p in files.values()})))


def _print_plan(plan, acc, fleet, rows, rationale):
    act = plan.activation
    console.print(f"[bold]{act.name}[/bold] - {act.hazard} ({rationale}); area {act.area.area_km2:,.0f} km², "
                  f"start {_fmt(act.start)}, horizon {act.hours:g} h")
    console.print(f"fleet: {len(fleet)} satellites of {len(fleet.agencies)} agencies; "
                  f"{len(acc.opportunities)} windows ({sum(o.daylight_ok for o in acc.opportunities)} feasible); "
                  f"search {acc.timings_s.get('total', 0):.2f} s")
    if acc.element_epochs.size:
        age_d = np.abs((act.start - acc.element_epochs) / np.timedelta64(1, "h")) / 24.0
        if np.median(age_d) > 7:
            console.print(f"[yellow]the element sets are {np.median(age_d):.0f} days from the start (median): "
                          f"positions may be off by tens of km; pass fresh ones with --elements[/yellow]")
    if acc.missing:
        console.print(f"[yellow]no element set for {len(acc.missing)} satellite(s): "
                      f"{', '.join(s.name for s in acc.missing[:8])}[/yellow]")
    if plan.earliest is not None:
        e = plan.earliest
        line = f"[bold green]earliest acquisition:[/bold green] {e.satellite.name} ({e.satellite.agency}) " \
               f"{e.sensor.sensor} {e.sensor.type} at {_fmt(e.start)}"
        for t, a in plan.earliest_by_type.items():
            if a.option != e.option:
                line += f"; first {t}: {a.satellite.name} at {_fmt(a.start)}"
        console.print(line)
    n_acq = len(plan.acquisitions)
    tab = Table(title=f"Plan ({plan.method}): {n_acq} acquisition{'s' if n_acq != 1 else ''}", box=box.SIMPLE_HEAD,
                pad_edge=False)
    wide = console.width >= 100
    cols = ("#", "satellite (agency)", "sensor", "start UTC", "pass, look, inc°") + (("sun°",) if wide else ()) + \
        ("total",)
    for c in cols:
        tab.add_column(c, justify="right" if c in ("#", "sun°", "total") else "left",
                       no_wrap=c != "satellite (agency)", min_width=14 if c == "satellite (agency)" else None)
    for n, a in enumerate(plan.acquisitions, 1):
        col = "cyan" if a.sensor.type == "SAR" else "yellow"
        sun = "" if not np.isfinite(a.sun_elevation_deg) else f"{a.sun_elevation_deg:.0f}"
        look = "R" if a.roll_deg >= 0 else "L"
        tab.add_row(str(n), f"[{col}]{a.satellite.name}[/{col}] ({a.satellite.agency})",
                    a.sensor.sensor, _short(a.start),
                    f"{a.opportunity.direction[:3]} {look}{abs(a.roll_deg):.0f}° {a.incidence_deg[0]:.0f}-"
                    f"{a.incidence_deg[1]:.0f}", *((sun,) if wide else ()), f"{a.cumulative_fraction:.0%}")
    console.print(tab)
    if plan.completion is not None:
        console.print(f"[bold]{plan.preferences.coverage_target:.0%} of the area covered after "
                      f"{plan.hours_to_coverage:.1f} h[/bold] ({_fmt(plan.completion)}) by "
                      f"{n_acq} acquisition{'s' if n_acq != 1 else ''} from {', '.join(plan.agencies)}")
    for note in plan.notes:
        console.print(f"[yellow]{note}[/yellow]")
    if rows > 0:
        t2 = Table(title=f"First {rows} feasible windows", box=box.SIMPLE_HEAD, pad_edge=False)
        cols2 = ("satellite (agency)", "sensor", "opens UTC", "dur s", "pass, side, inc°") + \
            (("sun°",) if wide else ()) + ("cover",)
        for c in cols2:
            t2.add_column(c, no_wrap=c != "satellite (agency)", min_width=14 if c == "satellite (agency)" else None,
                          justify="right" if c in ("dur s", "sun°", "cover") else "left")
        opps = sorted((o for o in acc.opportunities if o.daylight_ok), key=lambda o: o.window_start)[:rows]
        for o in opps:
            dur = float((o.window_end - o.window_start) / np.timedelta64(1, "ms")) / 1000
            col = "cyan" if o.sensor.type == "SAR" else "yellow"
            t2.add_row(f"[{col}]{o.satellite.name}[/{col}] ({o.satellite.agency})", o.sensor.sensor,
                       _short(o.window_start), f"{dur:.0f}",
                       f"{o.direction[:3]} {o.side[0].upper()} {o.incidence_min_deg:.0f}-{o.incidence_max_deg:.0f}",
                       *((f"{o.sun_elevation_deg:.0f}",) if wide else ()), f"{o.best_fraction:.0%}")
        console.print(t2)


@app.command("fleet")
def fleet_command(
    satellites: Optional[Path] = typer.Option(None, "--satellites", help="CSV of satellites to add or replace."),
    sensors: Optional[Path] = typer.Option(None, "--sensors", help="CSV of sensors to add or replace."),
    agency: Optional[List[str]] = typer.Option(None, "--agency", help="Only these agencies."),
    sources: bool = typer.Option(False, "--sources", help="Show the public source of every sensor figure."),
):
    """List the fleet: satellites per agency and the sensors of each platform (with sources)."""
    from ..response import default_fleet_elements, load_fleet

    try:
        fleet = load_fleet(satellites, sensors)
    except OrbitwatchError as exc:
        _fail(exc)
    if agency:
        fleet = fleet.select(agencies=agency)
    es = default_fleet_elements()
    epochs = {int(n): e for n, e in zip(es.norad_id, es.epoch)}
    t = Table(title=f"{len(fleet)} satellites, {len(fleet.agencies)} agencies")
    for c in ("agency", "satellite", "NORAD", "platform", "sensors", "element epoch"):
        t.add_column(c)
    for s in sorted(fleet.satellites, key=lambda s: (s.agency, s.name)):
        sens = ", ".join(f"{x.sensor} ({x.type} {x.resolution_m:g} m)" for x in fleet.sensors_of(s.platform))
        ep = epochs.get(s.norad_id)
        t.add_row(s.agency, s.name, str(s.norad_id), s.platform, sens, "" if ep is None else _fmt(ep)[:16])
    console.print(t)
    if sources:
        t2 = Table(title="Sensors and sources")
        for c in ("platform", "sensor", "type", "pointing", "field of regard", "side", "swath km", "res m", "source"):
            t2.add_column(c)
        for x in fleet.sensors:
            t2.add_row(x.platform, x.sensor, x.type, x.pointing,
                       f"{x.angle_kind} {x.angle_min_deg:g}-{x.angle_max_deg:g}°", x.look_side, f"{x.swath_km:g}",
                       f"{x.resolution_m:g}", ("(uncertain) " if x.uncertain else "") + x.source)
        console.print(t2)
