"""``orbitwatch demo``: a tour of orbitwatch on the sample catalog shipped in the package.

Each section calls the library the way a user would and prints what it found;
files go to ``--out`` (default ``./orbitwatch-demo``). It runs from the repository
alone, without network access.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.markup import escape
from rich.panel import Panel

from ..constants import RE_WGS84_KM
from ..samples import sample_catalog_path
from .common import console, handle_errors, print_table

DEMO_TIME = "2023-10-09T12:00:00"
DEMO_OBJECTS = ["ISS (ZARYA)", "HST", "SENTINEL 1A", "SENTINEL 2A", "SENTINEL 2B", "LANDSAT 8", "RADARSAT 2",
                "RCM 1", "ALOS 2", "TANDEM X", "SAOCOM 1-A", "CSG-1", "PLEIADES 1B", "KOMPSAT 3A"]


def _section(title: str, text: str = "") -> None:
    console.rule(f"[bold]{title}")
    if text:
        console.print(text)


def section_import(db: Optional[str]):
    from ..store import open_store

    _section("1. Import the sample catalog",
             "The real public catalog of 9 October 2023 (Space-Track 3LE, 26,140 objects) ships with the package. "
             "Importing is one transaction, unique by (object, epoch): running the demo again adds nothing.")
    store = open_store(db)
    try:
        t = time.perf_counter()
        (report,) = store.import_files([sample_catalog_path()])
        dt = time.perf_counter() - t
        console.print(f"database: [cyan]{escape(str(store.url))}[/cyan]")
        console.print(f"{report.inserted} new element sets, {report.duplicates} already present, "
                      f"{len(getattr(report, 'rejected', []) or [])} rejected, in {dt:.1f} s")
        cat = store.load_catalog()
    finally:
        store.close()
    return cat


def section_overview(cat):
    from ..catalog import REGIMES
    from ..elements.sets import OBJECT_TYPES

    _section("2. What is in orbit", "Objects by type and orbit regime (regime from mean motion and eccentricity):")
    es = cat.latest()
    from ..catalog import orbit_regime

    regime = orbit_regime(es.mean_motion_rev_per_day, es.eccentricity)
    rows = []
    for code, tname in OBJECT_TYPES.items():
        m = es.object_type == code
        rows.append([tname.lower(), *[int((m & (regime == r)).sum()) for r in REGIMES], int(m.sum())])
    rows.append(["all", *[int((regime == r).sum()) for r in REGIMES], len(es)])
    print_table(None, ["type", *REGIMES, "total"], rows, justify={c: "right" for c in (*REGIMES, "total")})


def section_where(cat, out: Path):
    from ..propagation import itrf_to_geodetic, propagate, sun_position_gcrs
    from ..timeutil import as_datetime64, time_range

    _section(f"3. Where are they at {DEMO_TIME} UTC?",
             "The International Space Station, Hubble and Earth-observation satellites of Charter member agencies, "
             "propagated with SGP4 from the element set in force, converted to WGS-84 ground positions.")
    latest = cat.latest()
    ids = []
    for nm in DEMO_OBJECTS:
        m = latest.name == nm
        ids.extend(latest.norad_id[m].tolist()[:1])
    t0 = as_datetime64(DEMO_TIME)
    es = cat.select(norad_ids=ids).at(t0)
    order = np.argsort([DEMO_OBJECTS.index(n) if n in DEMO_OBJECTS else 99 for n in es.name])
    es = es[order]
    teme = propagate(es, t0, frame="TEME")
    itrf = teme.to_frame("ITRF")
    lat, lon, alt = itrf_to_geodetic(itrf.position_km)
    sun = sun_position_gcrs(np.atleast_1d(t0))[0]
    gcrs = teme.to_frame("GCRS").position_km[:, 0]
    # cylindrical Earth shadow: behind the Earth and within one Earth radius of the Sun line
    s_hat = sun / np.linalg.norm(sun)
    along = gcrs @ s_hat
    perp = np.linalg.norm(gcrs - np.outer(along, s_hat), axis=1)
    sunlit = (along > 0) | (perp > RE_WGS84_KM)
    vz = itrf.velocity_km_s[:, 0, 2]
    rows = []
    for i in range(len(es)):
        rows.append([es.name[i], int(es.norad_id[i]), f"{lat[i, 0]:+.2f}", f"{lon[i, 0]:+.2f}", f"{alt[i, 0]:.1f}",
                     f"{np.linalg.norm(teme.velocity_km_s[i, 0]):.3f}", "north" if vz[i] > 0 else "south",
                     "sunlit" if sunlit[i] else "eclipse", f"{(t0 - es.epoch[i]) / np.timedelta64(1, 'h'):+.1f}"])
    cols = ["object", "NORAD", "lat deg", "lon deg", "alt km", "v TEME km/s", "going", "light", "age h"]
    print_table(None, cols, rows, justify={c: "right" for c in cols[2:6] + ["age h"]},
                caption=f"SGP4 backend: {teme.backend}; v TEME = inertial speed (propagate --frame LLA gives the "
                        "slower Earth-fixed speed); age h = hours from the element set's epoch")
    # ground tracks over one ISS orbit
    times = time_range(t0, t0 + np.timedelta64(100, "m"), 30.0)
    track = propagate(es, times, frame="ITRF")
    glat, glon, _ = itrf_to_geodetic(track.position_km)
    png = out / "ground-tracks.png"
    _plot_tracks(es.name, glat, glon, lat[:, 0], lon[:, 0], png, f"Ground tracks {DEMO_TIME} UTC + 100 min")
    console.print(f"ground tracks for the next 100 minutes: [cyan]{escape(str(png))}[/cyan]")


def _plot_tracks(names, glat, glon, lat0, lon0, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.6), dpi=110)
    _draw_basemap(ax)
    colors = plt.get_cmap("tab20").colors
    for i, nm in enumerate(names):
        lo = glon[i].copy()
        la = glat[i].copy()
        jump = np.abs(np.diff(lo)) > 180
        lo = np.insert(lo, np.flatnonzero(jump) + 1, np.nan)
        la = np.insert(la, np.flatnonzero(jump) + 1, np.nan)
        (line,) = ax.plot(lo, la, lw=1.2, label=str(nm), color=colors[(2 * i) % 20 + (2 * i) // 20 % 2])
        ax.plot(lon0[i], lat0[i], "o", color=line.get_color(), ms=5)
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(title)
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _draw_basemap(ax) -> None:
    """Land outlines when a basemap layer ships with the package; a plain graticule otherwise."""
    try:
        from ..response.basemap import draw_land  # type: ignore[attr-defined]
    except ImportError:
        return
    draw_land(ax)


def section_screen(cat, out: Path):
    from ..conjunction import add_collision_probability, event_cdm, screen, socrates_report, write_cdm
    from ..timeutil import as_datetime64

    _section("4. Close approaches: the whole catalog against itself for 24 hours",
             "Every pair of the 26,140 objects, every local minimum of distance under 5 km (what CelesTrak's "
             "SOCRATES publishes), each with a collision probability from default TLE covariances.")
    t0 = as_datetime64(DEMO_TIME)
    t = time.perf_counter()
    es = cat.at(t0)
    result = screen(es, t0, t0 + np.timedelta64(1, "D"), threshold_km=5.0)
    ev = add_collision_probability(result.events)
    dt = time.perf_counter() - t
    n_pay = int(((ev.object_type_1 == "PAYLOAD") & (ev.object_type_2 == "PAYLOAD")).sum())
    console.print(f"{len(ev)} close approaches under 5 km in {dt:.1f} s ({n_pay} between two payloads; "
                  f"closest {ev.miss_km.min() * 1000:.0f} m)")
    # below ~10 m/s (station modules flown on separate element sets, formations) the short-encounter
    # assumptions of 2D Pc do not hold (NASA CARA flags them); rank the others
    slow = ev.rel_speed_km_s < 0.01
    fast = ev[np.flatnonzero(~slow)]
    console.print(f"{int(slow.sum())} slow encounters (< 10 m/s: docked modules, formations) are in the CSV, "
                  f"not ranked: 2D Pc does not apply to them")
    top = fast.sort_by("pc_max", descending=True)[np.arange(min(8, len(fast)))]
    rows = [[str(np.datetime64(top.tca[k], "s")).replace("T", " ")[5:], f"{top.name_1[k]}"[:20],
             f"{top.name_2[k]}"[:20],
             f"{top.miss_km[k] * 1000:.0f}", f"{top.rel_speed_km_s[k]:.2f}", f"{top.pc[k]:.1e}", f"{top.pc_max[k]:.1e}"]
            for k in range(len(top))]
    print_table("Highest maximum probability (SOCRATES ranking)",
                ["TCA UTC", "object 1", "object 2", "miss m", "v rel km/s", "Pc", "max Pc"], rows,
                justify={c: "right" for c in ("TCA UTC", "miss m", "v rel km/s", "Pc", "max Pc")})
    ev.to_csv(out / "close-approaches.csv")
    (out / "socrates-report.txt").write_text(socrates_report(ev, top=25, by="pc", title="orbitwatch demo"))
    cdm_path = out / "top-event.cdm"
    cdm_path.write_text(write_cdm(event_cdm(top, 0), "kvn"))
    console.print(f"all events: [cyan]{escape(str(out / 'close-approaches.csv'))}[/cyan]; report: "
                  f"[cyan]{escape(str(out / 'socrates-report.txt'))}[/cyan]; the top event as a CCSDS CDM: "
                  f"[cyan]{escape(str(cdm_path))}[/cyan]")


def section_respond(out: Path):
    from ..response import Preferences, compute_access, load_fleet, plan_acquisitions, read_activation
    from ..response import sample_activation_path
    from ..response.outputs import write_all
    from ..response.plan import HAZARD_RATIONALE
    from .respond import _print_plan

    _section("5. Disaster response: a Charter activation",
             "An illustrative flood area on the Indus is activated; the member agencies' fleet (100 optical and "
             "radar satellites, 19 agencies, element sets of June 2026) is searched for every pass that can image "
             "any part of the polygon in the next 48 hours, and a plan that covers the whole area is built.")
    t = time.perf_counter()
    act = read_activation(sample_activation_path())
    fleet = load_fleet()
    acc = compute_access(act, fleet)
    plan = plan_acquisitions(acc, Preferences())
    files = write_all(plan, out / "respond")
    dt = time.perf_counter() - t
    _print_plan(plan, acc, fleet, 12, HAZARD_RATIONALE.get(act.hazard, ""))
    console.print(f"planned in {dt:.1f} s; map, timeline, HTML page and per-agency tasking files in "
                  f"[cyan]{escape(str(out / 'respond'))}[/cyan] ({len(files)} outputs)")


@handle_errors
def demo_command(
    out: Path = typer.Option(Path("orbitwatch-demo"), "--out", help="Folder for the demo's files (plots, reports)."),
    db: Optional[str] = typer.Option(None, "--db-url", help="Database URL (default: SQLite in $ORBITWATCH_HOME).",
                                     envvar="ORBITWATCH_DATABASE_URL"),
    serve: bool = typer.Option(False, "--serve", help="Instead of the tour: seed a demo agency (user and password "
                                                      "printed), screen its fleet, and serve the web console."),
    host: str = typer.Option("127.0.0.1", "--host", help="With --serve: address to listen on."),
    port: int = typer.Option(8000, "--port", help="With --serve: TCP port."),
):
    """A tour on the shipped sample catalog: import, overview, where satellites are, and more.

    Runs in about a minute from the repository alone; files are written to --out.
    With --serve: the service and its web console on http://127.0.0.1:8000/console/ with a demo
    agency (`make demo` runs the tour, then this).

    Examples: orbitwatch demo;  orbitwatch demo --serve --port 8080
    """
    if serve:
        serve_demo(db, host, port)
        return
    out.mkdir(parents=True, exist_ok=True)
    console.print(Panel.fit("[bold]orbitwatch demo[/bold] — space situational awareness and disaster response\n"
                            "on the real public catalog of 9 October 2023", border_style="cyan"))
    t = time.perf_counter()
    cat = section_import(db)
    section_overview(cat)
    section_where(cat, out)
    section_screen(cat, out)
    section_respond(out)
    console.rule()
    console.print(f"demo finished in {time.perf_counter() - t:.0f} s; files in [cyan]{escape(str(out))}[/cyan]")


def serve_demo(db_url: Optional[str], host: str, port: int) -> None:
    """Seed the demo agency in the service database, then run ``orbitwatch serve`` (until Ctrl-C)."""
    import os
    import secrets

    from ..requests import check_int
    from ..service.db import ServiceDB
    from ..service.demo import seed_demo
    from ..service.settings import load_settings
    from rich.text import Text

    from .serve import _environment, _run_uvicorn

    check_int("port", port, 1, 65535)
    env = {"ORBITWATCH_DATABASE_URL": db_url} if db_url else {}
    if host in ("127.0.0.1", "localhost", "::1") and "ORBITWATCH_COOKIE_SECURE" not in os.environ:
        env["ORBITWATCH_COOKIE_SECURE"] = "false"  # plain HTTP on loopback: the browser must send the cookie back
    with _environment(env):
        settings = load_settings()
        _section("The web console", "Seeding a demo agency in the service database: the sample catalog, a fleet of "
                                    "14 satellites, and a 24-hour screening of that fleet against the catalog; and "
                                    "Charter fleet rows (radar and optical satellites) for the Charter page.")
        password = secrets.token_urlsafe(12)
        t = time.perf_counter()
        sdb = ServiceDB(settings)
        try:
            demo = seed_demo(sdb, settings, password)
        finally:
            sdb.close()
        console.print(f"{len(demo.fleet)} fleet objects, screening job {demo.job_id}: {demo.n_events} events "
                      f"(in {time.perf_counter() - t:.0f} s)", markup=False, highlight=False)
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/console/"
        console.print(Panel.fit(Text(f"Open {url}\nagency: {demo.agency}   user: {demo.username}   password: "
                                f"{demo.password}\n(a new password at each start; Ctrl-C stops the service)"),
                                title="orbitwatch web console", border_style="cyan"), markup=False)
        console.print(Text(f"Charter: on the Charter page, request an activation with on-call agency {demo.agency} "
                           f"(draw an area, or upload the sample flood), then accept it on its page: the plan uses "
                           f"{demo.agency}'s {demo.charter_satellites} Charter satellites."))
        _run_uvicorn(settings, host, port, 1, "warning")
