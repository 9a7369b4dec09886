"""``orbitwatch respond``: from a Charter activation area to an acquisition plan, maps and tasking files.

The command builds a :class:`orbitwatch.response.ResponseRequest` (every value checked before any
work) and runs it; errors are printed by the common handler (``cli/errors.py``). User text (the
activation's name, satellite and agency names, file names) is printed verbatim, never as markup.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich import box
from rich.table import Table
from rich.text import Text

from ..timeutil import format_utc
from .common import check_output_dir, check_output_file, console, err_console, print_note, print_table, print_warning

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
  orbitwatch respond --sample --no-files --json      # the plan as JSON on stdout
  orbitwatch respond fleet --agency JAXA --sources   # what the fleet holds, with sources
"""

app = typer.Typer(help=HELP, rich_markup_mode="rich", invoke_without_command=True)

#: colours of the sensor types in tables (a style, never markup around user text)
TYPE_STYLE = {"SAR": "cyan", "optical": "yellow"}


def _fmt(t) -> str:
    return format_utc(t, 0, sep=" ")


def _short(t) -> str:
    """MM-DD HH:MM (tables)."""
    return format_utc(t, 0, sep=" ", zone="")[5:16]


def _sat_cell(satellite, sensor_type: str) -> Text:
    """``name (agency)`` with the name coloured by sensor type; both printed verbatim."""
    return Text.assemble((satellite.name, TYPE_STYLE.get(sensor_type, "")), f" ({satellite.agency})")


@app.callback(invoke_without_command=True)
def respond(
    ctx: typer.Context,
    area: Optional[Path] = typer.Option(None, "--area", "-a", help="Activation area, GeoJSON file.",
                                        exists=False, dir_okay=True),
    sample: bool = typer.Option(False, "--sample", help="Use the shipped illustrative flood area."),
    hazard: Optional[str] = typer.Option(None, "--hazard", "-z",
                                         help="flood, earthquake, storm, wildfire, volcano, landslide, oil_spill, "
                                              "tsunami, ice, explosion, other (default: the GeoJSON's 'hazard')."),
    start: Optional[str] = typer.Option(None, "--start", "-s",
                                        help="Start, ISO UTC (default: the GeoJSON's 'start', else now)."),
    stop: Optional[str] = typer.Option(None, "--stop", help="End of the horizon, ISO UTC (instead of --hours)."),
    hours: Optional[float] = typer.Option(None, "--hours", "-H",
                                          help="Horizon in hours (default: the GeoJSON's 'hours', else 48; "
                                               "at most 336)."),
    days: Optional[float] = typer.Option(None, "--days", help="Horizon in days (instead of --hours)."),
    radius_km: Optional[float] = typer.Option(None, "--radius-km",
                                              help="Radius around a Point area, km (a Point only: an error with a "
                                                   "polygon, which is never buffered)."),
    out: Path = typer.Option(Path("respond-out"), "--out", help="Folder for the plan, maps and tasking files."),
    satellites: Optional[Path] = typer.Option(None, "--satellites",
                                              help="CSV of satellites to add or replace (columns as the shipped "
                                                   "satellites.csv: norad_id,name,platform,agency,...)."),
    sensors: Optional[Path] = typer.Option(None, "--sensors", help="CSV of sensors to add or replace."),
    elements: Optional[Path] = typer.Option(None, "--elements", "-e",
                                            help="Element sets (TLE/3LE/OMM) to use instead of the shipped ones."),
    types: Optional[List[str]] = typer.Option(None, "--types",
                                              help="Sensor types to use: SAR, optical (comma-separated or repeated)."),
    agencies: Optional[List[str]] = typer.Option(None, "--agency", "--agencies",
                                                 help="Only these agencies, e.g. ESA,JAXA (comma-separated or "
                                                      "repeated; any case)."),
    max_resolution_m: Optional[float] = typer.Option(None, "--max-resolution-m",
                                                     help="Only sensors at least this fine (m, > 0)."),
    no_profile: bool = typer.Option(False, "--no-profile",
                                    help="Do not apply the hazard's profile (resolution limits per sensor type, "
                                         "see docs/disaster-response.md); --max-resolution-m also overrides it."),
    prefer_fine: float = typer.Option(0.0, "--prefer-fine-h",
                                      help="Hours of penalty per decade of resolution above 1 m "
                                           "(favour fine sensors)."),
    coverage: float = typer.Option(0.99, "--coverage", help="Coverage target, fraction of the area in (0, 1]."),
    min_sun: float = typer.Option(10.0, "--min-sun-elevation-deg", help="Optical needs the Sun this high."),
    planner: str = typer.Option("greedy", "--planner", help="greedy (fast) or optimal (integer programming)."),
    optimal: bool = typer.Option(False, "--optimal", help="Same as --planner optimal (slower; small problems)."),
    no_files: bool = typer.Option(False, "--no-files", help="Print the plan only; write no files."),
    json_out: bool = typer.Option(False, "--json",
                                  help="Print the plan as JSON on stdout (times ISO UTC, angles deg, WGS-84)."),
    rows: int = typer.Option(25, "--rows", help="Rows of the opportunity table."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Propagation backend (default: fastest)."),
):
    if ctx.invoked_subcommand is not None:
        return
    if area is None and not sample:
        err_console.print(ctx.get_help())
        raise typer.Exit(2)
    from ..errors import InvalidRequestError
    from ..requests import check_int
    from ..response import ResponseRequest
    from ..response.plan import HAZARD_RATIONALE

    if area is not None and sample:
        raise InvalidRequestError("area", "give --area or --sample, not both")
    rows = check_int("rows", rows, 0)
    req = ResponseRequest.resolve(area, hazard=hazard, start=start, stop=stop, hours=hours, days=days,
                                  coverage=coverage, agencies=agencies, types=types,
                                  max_resolution_m=max_resolution_m, radius_km=radius_km, elements=elements,
                                  planner="optimal" if optimal else planner, min_sun_elevation_deg=min_sun,
                                  prefer_fine_h=prefer_fine, satellites=satellites, sensors=sensors, backend=backend,
                                  profile=not no_profile)
    if not no_files:
        check_output_dir(out)
    if req.element_rejects:
        print_warning(f"{req.elements}: {len(req.element_rejects)} record(s) rejected "
                      f"(first: {req.element_rejects[0]})")
    fleet = req.fleet()
    plan = _run_with_progress(req)
    files = {}
    if not no_files:
        from ..response.outputs import write_all

        with err_console.status("writing maps and tasking files"):
            files = write_all(plan, out)
    acc = plan.access
    _print_warnings(plan, acc)
    if json_out:
        sys.stdout.write(json.dumps(plan.to_dict(), indent=1) + "\n")
    else:
        _print_plan(plan, acc, fleet, rows, HAZARD_RATIONALE.get(plan.activation.hazard, ""), warnings=False)
    if files:
        names = sorted({Path(p).name if not isinstance(p, list) else f"tasking/ ({len(p)} files)"
                        for p in files.values()})
        print_note(f"files in {out}{'' if str(out).endswith('/') else '/'}: {', '.join(names)}", style="")


def _run_with_progress(req):
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..response import run_response

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console,
                  transient=True) as prog:
        task = prog.add_task("searching", total=3)

        def cb(done, total, stage):
            prog.update(task, completed=done, total=total, description=stage)

        return run_response(req, progress=cb)


def _print_warnings(plan, acc) -> None:
    """Stale or missing element sets, satellites SGP4 could not propagate, plan notes: stderr."""
    act = plan.activation
    if acc.element_epochs.size:
        age_d = np.abs((act.start - acc.element_epochs) / np.timedelta64(1, "h")) / 24.0
        if np.median(age_d) > 7:
            print_warning(f"the element sets are {np.median(age_d):.0f} days from the start (median): positions "
                          "may be off by tens of km; pass fresh ones with --elements")
    if acc.missing:
        print_warning(f"no element set for {len(acc.missing)} satellite(s): "
                      f"{', '.join(s.name for s in acc.missing[:8])}{', ...' if len(acc.missing) > 8 else ''}")
    unprop = getattr(acc, "unpropagated", [])
    if unprop:
        print_warning(f"{len(unprop)} satellite(s) could not be propagated over the horizon (element sets "
                      f"decayed or too old), not searched: {', '.join(s.name for s in unprop[:8])}")
    for note in plan.notes:
        print_warning(note)


def _print_plan(plan, acc, fleet, rows, rationale, *, warnings: bool = True):
    """The plan for a person: summary, plan table and the first feasible windows (stdout)."""
    act = plan.activation
    console.print(Text.assemble((act.name, "bold"), f" - {act.hazard} ({rationale}); area "
                                f"{act.area.area_km2:,.0f} km², start {_fmt(act.start)}, horizon {act.hours:g} h"))
    n_ag = len(fleet.agencies)
    console.print(Text(f"fleet: {len(fleet)} satellite{'s' if len(fleet) != 1 else ''} of {n_ag} "
                       f"agenc{'ies' if n_ag != 1 else 'y'}; "
                       f"{len(acc.opportunities)} windows ({sum(o.daylight_ok for o in acc.opportunities)} feasible); "
                       f"search {acc.timings_s.get('total', 0):.2f} s"))
    if warnings:
        _print_warnings(plan, acc)
    if plan.earliest is not None:
        e = plan.earliest
        line = Text.assemble(("earliest acquisition: ", "bold green"),
                             f"{e.satellite.name} ({e.satellite.agency}) {e.sensor.sensor} {e.sensor.type} at "
                             f"{_fmt(e.start)}")
        for t, a in plan.earliest_by_type.items():
            if a.option != e.option:
                line.append(f"; first {t}: {a.satellite.name} at {_fmt(a.start)}")
        console.print(line)
    n_acq = len(plan.acquisitions)
    tab = Table(title=Text(f"Plan ({plan.method}): {n_acq} acquisition{'s' if n_acq != 1 else ''}"),
                box=box.SIMPLE_HEAD, pad_edge=False)
    wide = console.width >= 100
    cols = ("#", "satellite (agency)", "sensor", "start UTC", "pass, look, inc°") + (("sun°",) if wide else ()) + \
        ("total",)
    for c in cols:
        tab.add_column(c, justify="right" if c in ("#", "sun°", "total") else "left",
                       no_wrap=c != "satellite (agency)", min_width=14 if c == "satellite (agency)" else None)
    for n, a in enumerate(plan.acquisitions, 1):
        sun = "" if not np.isfinite(a.sun_elevation_deg) else f"{a.sun_elevation_deg:.0f}"
        look = "R" if a.roll_deg >= 0 else "L"
        tab.add_row(str(n), _sat_cell(a.satellite, a.sensor.type), Text(a.sensor.sensor), _short(a.start),
                    f"{a.opportunity.direction[:3]} {look}{abs(a.roll_deg):.0f}° {a.incidence_deg[0]:.0f}-"
                    f"{a.incidence_deg[1]:.0f}", *((sun,) if wide else ()), f"{a.cumulative_fraction:.0%}")
    console.print(tab)
    if plan.completion is not None:
        console.print(Text.assemble(
            (f"{plan.preferences.coverage_target:.0%} of the area covered after {plan.hours_to_coverage:.1f} h",
             "bold"),
            f" ({_fmt(plan.completion)}) by {n_acq} acquisition{'s' if n_acq != 1 else ''} from "
            f"{', '.join(plan.agencies)}"))
    if rows > 0:
        t2 = Table(title=Text(f"First {rows} feasible windows"), box=box.SIMPLE_HEAD, pad_edge=False)
        cols2 = ("satellite (agency)", "sensor", "opens UTC", "dur s", "pass, side, inc°") + \
            (("sun°",) if wide else ()) + ("cover",)
        for c in cols2:
            t2.add_column(c, no_wrap=c != "satellite (agency)", min_width=14 if c == "satellite (agency)" else None,
                          justify="right" if c in ("dur s", "sun°", "cover") else "left")
        opps = sorted((o for o in acc.opportunities if o.daylight_ok), key=lambda o: o.window_start)[:rows]
        for o in opps:
            dur = float((o.window_end - o.window_start) / np.timedelta64(1, "ms")) / 1000
            sun = f"{o.sun_elevation_deg:.0f}" if np.isfinite(o.sun_elevation_deg) else ""
            t2.add_row(_sat_cell(o.satellite, o.sensor.type), Text(o.sensor.sensor),
                       _short(o.window_start), f"{dur:.0f}",
                       f"{o.direction[:3]} {o.side[0].upper()} {o.incidence_min_deg:.0f}-{o.incidence_max_deg:.0f}",
                       *((sun,) if wide else ()), f"{o.best_fraction:.0%}")
        console.print(t2)


# ------------------------------------------------------------------------------------------ fleet
_POINTING_SHORT = {"agile": "agile", "cross_track": "cross", "nadir": "nadir"}
_SIDE_SHORT = {"right": "R", "left": "L", "both": "R/L"}
_KIND_SHORT = {"incidence": "inc", "off_nadir": "off"}
FLEET_FORMATS = ("table", "csv", "json")


def fleet_records(fleet, epochs: dict) -> list[dict]:
    """One record per satellite: agency, name, NORAD number, platform, sensors, element epoch (ISO UTC Z)."""
    from ..timeutil import format_iso

    out = []
    for s in sorted(fleet.satellites, key=lambda s: (s.agency, s.name)):
        ep = epochs.get(s.norad_id)
        out.append({"agency": s.agency, "satellite": s.name, "norad_id": s.norad_id, "platform": s.platform,
                    "sensors": [x.sensor for x in fleet.sensors_of(s.platform)],
                    "element_epoch_utc": None if ep is None else format_iso(ep, 3) + "Z"})
    return out


@app.command("fleet")
def fleet_command(
    satellites: Optional[Path] = typer.Option(None, "--satellites", help="CSV of satellites to add or replace."),
    sensors: Optional[Path] = typer.Option(None, "--sensors", help="CSV of sensors to add or replace."),
    agency: Optional[List[str]] = typer.Option(None, "--agency", "--agencies",
                                               help="Only these agencies (comma-separated or repeated; any case)."),
    sources: bool = typer.Option(False, "--sources", help="Show every sensor's figures and their public source."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    json_out: bool = typer.Option(False, "--json", help="Same as --format json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write csv/json to this file (default stdout)."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists."),
):
    """List the fleet: satellites per agency and the sensors of each platform (with sources).

    CSV lists the satellites, or with --sources the sensors; JSON holds both.
    """
    from ..errors import InvalidRequestError
    from ..requests import check_choice
    from ..response import default_fleet_elements, load_fleet
    from ..response.request import _split

    fmt = "json" if json_out else check_choice("format", fmt, FLEET_FORMATS)
    if output is not None and fmt == "table":
        raise InvalidRequestError("output", "--output writes csv or json; add --format csv or --format json",
                                  str(output))
    out_path = check_output_file(output, force=force, option="--output")
    fleet = load_fleet(satellites, sensors)
    wanted = _split(agency)
    if wanted is not None:
        if not wanted:
            raise InvalidRequestError("agencies", "give at least one agency", agency)
        fleet = fleet.select(agencies=fleet.canonical_agencies(wanted))
    es = default_fleet_elements()
    epochs = {int(n): e for n, e in zip(es.norad_id, es.epoch)}
    records = fleet_records(fleet, epochs)
    sens_records = [x.to_dict() for x in fleet.sensors]
    if fmt != "table":
        if fmt == "json":
            text = json.dumps({"satellites": records, "sensors": sens_records}, indent=1) + "\n"
        else:
            text = _csv_text(sens_records if sources else
                             [{**r, "sensors": ";".join(r["sensors"])} for r in records])
        if out_path is None:
            sys.stdout.write(text)
        else:
            out_path.write_text(text, encoding="utf-8")
            print_note(f"wrote {len(sens_records if sources and fmt == 'csv' else records)} records to {out_path}",
                       style="")
        return
    print_table(f"{len(fleet)} satellites, {len(fleet.agencies)} agencies",
                ("agency", "satellite", "NORAD", "platform", "sensors", "elements"),
                [(r["agency"], r["satellite"], r["norad_id"], r["platform"], ", ".join(r["sensors"]),
                  "" if r["element_epoch_utc"] is None else r["element_epoch_utc"][:10]) for r in records],
                justify={"NORAD": "right"})
    if sources:
        console.print()
        rows = []
        for x in sorted(fleet.sensors, key=lambda x: (x.platform, x.sensor)):
            rows.append((x.platform, x.sensor, "SAR" if x.type == "SAR" else "opt",
                         _POINTING_SHORT.get(x.pointing, x.pointing),
                         f"{_KIND_SHORT.get(x.angle_kind, x.angle_kind)} {x.angle_min_deg:g}-{x.angle_max_deg:g}",
                         _SIDE_SHORT.get(x.look_side, x.look_side), f"{x.swath_km:g}", f"{x.resolution_m:g}"))
        print_table("Sensors (field of regard: inc = incidence, off = off-nadir, deg)",
                    ("platform", "sensor", "type", "point", "regard°", "side", "swath km", "res m"), rows,
                    justify={"swath km": "right", "res m": "right"})
        console.print(Text("Sources", style="bold"))
        for x in sorted(fleet.sensors, key=lambda x: (x.platform, x.sensor)):
            console.print(Text.assemble((f"{x.platform} {x.sensor}: ", "bold"),
                                        ("(uncertain) " if x.uncertain else "") + x.source))


def _csv_text(records: list[dict]) -> str:
    import csv
    import io

    buf = io.StringIO()
    if records:
        w = csv.DictWriter(buf, fieldnames=list(records[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(records)
    return buf.getvalue()
