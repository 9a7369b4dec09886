"""``orbitwatch propagate``: positions and velocities of chosen objects over a time span."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..catalog import SPEC_RULES
from ..errors import InvalidRequestError
from ..propagation import FRAMES
from ..propagation.age import DEFAULT_MAX_AGE_DAYS
from ..propagation.request import PropagationRequest, ephemeris_records
from ..requests import check_choice, check_positive
from .common import check_output_file, load_catalog, print_note, print_table, print_warning, write_rows



OBJECTS_HELP = SPEC_RULES + " E.g. 25544 'ISS (ZARYA)' 'SENTINEL-1*' '/^NOAA 1[89]$/'."


def propagate_command(
    objects: List[str] = typer.Argument(..., help=OBJECTS_HELP, show_default=False),
    start: Optional[str] = typer.Option(None, help="UTC start, ISO-8601 (default: the chosen objects' latest epoch)."),
    stop: Optional[str] = typer.Option(None, help="UTC stop, ISO-8601 (or give --hours/--days; default 90 minutes)."),
    hours: Optional[float] = typer.Option(None, help="Span in hours (instead of --stop)."),
    days: Optional[float] = typer.Option(None, help="Span in days (instead of --stop)."),
    step_s: float = typer.Option(60.0, "--step", help="Step in seconds (at least 0.001)."),
    frame: str = typer.Option("TEME", help=f"Output frame: {', '.join(FRAMES)}, or LLA (WGS-84 geodetic latitude, "
                                           "longitude, altitude and the Earth-fixed speed)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON to this file instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite --output if it exists; propagate element sets more "
                                                      "than a year from their epoch."),
    backend: Optional[str] = typer.Option(None, help="Propagator: numba (default when built) or sgp4 (reference)."),
    max_age_days: float = typer.Option(DEFAULT_MAX_AGE_DAYS, "--max-age-days",
                                       help="Warn when an element set is older than this at the start time."),
    file: Optional[List[Path]] = typer.Option(None, "--elements", "--file",
                                              help="Read these element files instead of the database."),
    db: Optional[str] = typer.Option(None, "--db-url", envvar="ORBITWATCH_DATABASE_URL",
                                     help="Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in "
                                          "$ORBITWATCH_HOME)."),
):
    """Propagate objects with SGP4 from the element set in force at the start time.

    TEME, GCRS and EME2000 are inertial frames (their velocity is the inertial velocity); ITRF is
    Earth-fixed (its velocity, and LLA's speed, are relative to the rotating Earth).

    Example: orbitwatch propagate 25544 --start 2023-10-09T12:00 --stop 2023-10-09T13:30 --step 300 --frame LLA
    """
    fmt = check_choice("format", fmt, ("table", "csv", "json"))
    req = PropagationRequest(objects=tuple(objects), start=start, stop=stop, hours=hours, days=days, step_s=step_s,
                             frame=frame, backend=backend)
    if output is not None and fmt == "table":
        raise InvalidRequestError("output", "--output writes CSV or JSON: add --format csv or --format json")
    check_output_file(output, force=force)
    check_positive("max_age_days", max_age_days)
    cat = load_catalog(file, db)
    eph = req.run(cat, force=force, max_age_days=max_age_days)
    lla = req.frame == "LLA"
    print_note(f"{eph.shape[0]} object(s) x {eph.shape[1]} instant(s), backend {eph.backend}, "
               f"frame {'WGS-84 geodetic' if lla else eph.frame}")
    for line in req.last_age_report.warnings if req.last_age_report else ():
        print_warning(line)
    records = ephemeris_records(eph, lla=lla)
    if fmt == "table":
        _print_tables(eph, records, lla)
        return
    columns = list(records[0].keys()) if records else []
    write_rows(columns, [list(r.values()) for r in records], fmt, output)


def _print_tables(eph, records, lla: bool) -> None:
    times = eph.times
    n_t = len(times)
    same_day = str(times[0])[:10] == str(times[-1])[:10]

    def when(iso: str) -> str:
        return iso[11:19] if same_day else iso[5:19].replace("T", " ")

    def trio(xs, nd):
        return "-" if xs[0] is None else "  ".join(f"{x:.{nd}f}" for x in xs)

    for i in range(eph.shape[0]):
        mine = records[i * n_t:(i + 1) * n_t]
        title = f"{mine[0]['norad_id']} {mine[0]['name']}" + (f", {str(times[0])[:10]} (UTC)" if same_day else " (UTC)")
        if lla:
            tcols = ["time", "lat deg", "lon deg", "alt km", "ITRF speed km/s", "status"]
            rows = [[when(r["time_utc"]), *("-" if r[k] is None else f"{r[k]:.3f}"
                                            for k in ("lat_deg", "lon_deg", "alt_km", "speed_itrf_km_s")), r["status"]]
                    for r in mine]
        else:
            tcols = ["time", f"{eph.frame} x y z km", "vx vy vz km/s", "status"]
            rows = [[when(r["time_utc"]), trio([r["x_km"], r["y_km"], r["z_km"]], 3),
                     trio([r["vx_km_s"], r["vy_km_s"], r["vz_km_s"]], 4), r["status"]] for r in mine]
        print_table(title, tcols, rows, justify={c: "right" for c in tcols[1:-1]})
