"""``orbitwatch propagate``: positions and velocities of chosen objects over a time span."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from ..propagation import FRAMES, STATUS_MESSAGES, propagate
from ..timeutil import as_datetime64, time_range
from .common import console, err_console, handle_errors, iso_ms, load_catalog, print_table, resolve_objects, write_rows


@handle_errors
def propagate_command(
    objects: List[str] = typer.Argument(..., help="Catalog numbers, names, globs ('SENTINEL-1*') or /regex/."),
    start: Optional[str] = typer.Option(None, help="UTC start, ISO-8601 (default: each catalog's latest epoch)."),
    stop: Optional[str] = typer.Option(None, help="UTC stop, ISO-8601 (default: start + 90 minutes)."),
    step_s: float = typer.Option(60.0, "--step", help="Step in seconds."),
    frame: str = typer.Option("TEME", help=f"Output frame: {', '.join(FRAMES)}, or LLA (geodetic lat/lon/alt)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write CSV/JSON here instead of stdout."),
    backend: Optional[str] = typer.Option(None, help="Propagator: numba (default when built) or sgp4 (reference)."),
    file: Optional[List[Path]] = typer.Option(None, "--file", help="Read these element files instead of the database."),
    db: Optional[str] = typer.Option(None, "--db-url", help="Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in $ORBITWATCH_HOME).", envvar="ORBITWATCH_DATABASE_URL"),
):
    """Propagate objects with SGP4 from the element set in force at the start time.

    Example: orbitwatch propagate 25544 --start 2023-10-09T12:00 --stop 2023-10-09T13:30 --step 300 --frame LLA
    """
    cat = load_catalog(file, db)
    ids = resolve_objects(cat, objects)
    sub = cat.select(norad_ids=ids)
    t0 = as_datetime64(start) if start else sub.latest().epoch.max()
    t1 = as_datetime64(stop) if stop else t0 + np.timedelta64(90, "m")
    times = time_range(t0, t1, step_s)
    if len(times) > 1_000_000:
        raise ValueError(f"{len(times)} instants requested; use a larger --step")
    es = sub.at(t0)
    lla = frame.upper() == "LLA"
    eph = propagate(es, times, frame="ITRF" if lla else frame.upper(), backend=backend)
    err_console.print(f"[dim]{len(es)} object(s) x {len(times)} instant(s), backend {eph.backend}, "
                      f"frame {'WGS-84 geodetic' if lla else eph.frame}[/dim]")
    if lla:
        from ..propagation import itrf_to_geodetic

        lat, lon, alt = itrf_to_geodetic(eph.position_km)
        columns = ["norad_id", "name", "time_utc", "lat_deg", "lon_deg", "alt_km", "speed_km_s", "status"]
        speed = np.linalg.norm(eph.velocity_km_s, axis=-1)
        vals = [lat, lon, alt, speed]
    else:
        columns = ["norad_id", "name", "time_utc", "x_km", "y_km", "z_km", "vx_km_s", "vy_km_s", "vz_km_s", "status"]
        vals = [eph.position_km[..., k] for k in range(3)] + [eph.velocity_km_s[..., k] for k in range(3)]
    rows = []
    for i in range(len(es)):
        for j in range(len(times)):
            st = int(eph.status[i, j])
            nums = [round(float(v[i, j]), 6) if st == 0 else None for v in vals]
            rows.append([int(es.norad_id[i]), str(es.name[i]), iso_ms(times[j]), *nums,
                         "ok" if st == 0 else f"{st}: {STATUS_MESSAGES.get(st, '?')}"])
    if fmt == "table":
        def trio(xs, nd):
            return "-" if xs[0] is None else "  ".join(f"{x:.{nd}f}" for x in xs)

        same_day = str(times[0])[:10] == str(times[-1])[:10]
        when = (lambda s_: s_[11:19]) if same_day else (lambda s_: s_[5:19].replace("T", " "))
        tlabel = "time"
        for i in range(len(es)):
            mine = rows[i * len(times):(i + 1) * len(times)]
            title = f"{int(es.norad_id[i])} {es.name[i]}" + (f", {str(times[0])[:10]} (UTC)" if same_day else " (UTC)")
            if lla:
                tcols = [tlabel, "lat deg", "lon deg", "alt km", "speed km/s", "status"]
                fmt_rows = [[when(r[2]), *("-" if x is None else f"{x:.3f}" for x in r[3:7]), r[7]] for r in mine]
            else:
                tcols = [tlabel, f"{eph.frame} x y z km", "vx vy vz km/s", "status"]
                fmt_rows = [[when(r[2]), trio(r[3:6], 3), trio(r[6:9], 4), r[9]] for r in mine]
            print_table(title, tcols, fmt_rows, justify={c: "right" for c in tcols[1:-1]})
    else:
        write_rows(columns, rows, fmt, output)
