"""``orbitwatch screen``: conjunction screening of a catalog (all-vs-all or a fleet), from a file
or from the database, with a progress bar, a table, CSV/JSON and a SOCRATES-style report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .common import console, err_console, handle_errors, print_table

HELP = """Find every close approach between catalogued objects over a span of time.

Every local minimum of the distance between two objects under the threshold is an event (objects in similar orbits meet several times a day). The method interpolates exact SGP4 states with a measured error bound, screens with a 4-D grid and refines each time of closest approach with exact SGP4: nothing under the threshold is missed, given that bound (docs/screening.md).

[bold]Examples[/bold]

  orbitwatch screen catalog.3le --start 2023-10-09T12:00Z --days 1
  orbitwatch screen catalog.3le --days 7 --threshold-km 5 --csv week.csv
  orbitwatch screen catalog.3le --primary 25544 --hours 72 --report iss.txt
  orbitwatch screen catalog.3le --primaries fleet.txt --volume 2,25,25 --pc --sort pc
  orbitwatch screen --db --days 1          (the catalog in the orbitwatch database)
  orbitwatch screen catalog.3le --dask tcp://scheduler:8786

[bold]Output[/bold]: a table of the closest events (--top) and any of --csv, --json (one row per event: both objects, TCA, miss distance, RTN components, relative speed, states in TEME and EME2000, element-set ages, Pc with --pc) and --report (SOCRATES-style text).
"""


def _iso(t) -> str:
    return str(np.datetime64(t, "ms")).replace("T", " ")


def screen_command(
    catalog: Optional[Path] = typer.Argument(None, help="Element sets: TLE/3LE, or OMM (KVN, XML, JSON, CSV).",
                                             exists=True, dir_okay=False, show_default=False),
    db: bool = typer.Option(False, "--db", help="Screen the catalog stored in the orbitwatch database instead."),
    db_url: Optional[str] = typer.Option(None, "--db-url", help="Database URL (default: $ORBITWATCH_DATABASE_URL "
                                                                "or ~/.orbitwatch/orbitwatch.db)."),
    start: Optional[str] = typer.Option(None, "--start", "-s", help="Start, ISO UTC (default: the median element-set "
                                                                   "epoch, rounded down to the hour)."),
    stop: Optional[str] = typer.Option(None, "--stop", help="Stop, ISO UTC (or use --days / --hours)."),
    days: Optional[float] = typer.Option(None, "--days", "-d", help="Span length in days."),
    hours: Optional[float] = typer.Option(None, "--hours", "-H", help="Span length in hours (default 24)."),
    threshold_km: float = typer.Option(5.0, "--threshold-km", "-t", help="Miss-distance threshold, km."),
    volume: Optional[str] = typer.Option(None, "--volume", help="Screening volume instead of the threshold: "
                                                                "'R,T,N' semi-axes (km) of an ellipsoid in the "
                                                                "primary's radial/in-track/cross-track frame."),
    primary: Optional[List[int]] = typer.Option(None, "--primary", "-p", help="Catalog number of a fleet member "
                                                                              "(repeat); default all-vs-all."),
    primaries: Optional[Path] = typer.Option(None, "--primaries", exists=True, dir_okay=False,
                                             help="File of fleet catalog numbers (whitespace or comma separated, # comments)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Propagator: numba (default) or sgp4."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Threads (default: all cores)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Run on a Dask cluster: scheduler address."),
    pc: bool = typer.Option(False, "--pc", help="Compute collision probabilities (default TLE covariances, "
                                                "CARA hard-body radii)."),
    hbr_m: Optional[float] = typer.Option(None, "--hbr-m", help="One combined hard-body radius (m) for --pc."),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="Write all events as CSV.", dir_okay=False),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write all events as JSON.", dir_okay=False),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a SOCRATES-style report.", dir_okay=False),
    top: int = typer.Option(20, "--top", help="Events shown in the table and the report."),
    sort: str = typer.Option("miss", "--sort", help="Table/report order: miss, pc (with --pc) or tca."),
    cdm_dir: Optional[Path] = typer.Option(None, "--cdm-dir", file_okay=False,
                                           help="Write the --top events (in --sort order) as CCSDS CDMs here."),
    cdm_format: str = typer.Option("kvn", "--cdm-format", help="CDM format for --cdm-dir: kvn or xml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Screen a catalog for close approaches (all-vs-all, or a fleet against everything)."""
    if sort not in ("miss", "pc", "tca"):
        raise typer.BadParameter("--sort must be miss, pc or tca")
    if sort == "pc" and not pc:
        raise typer.BadParameter("--sort pc needs --pc")
    if (catalog is None) == (not db and db_url is None):
        raise typer.BadParameter("give a catalog file, or --db to use the database")
    if top < 0:
        raise typer.BadParameter("--top must not be negative")
    if cdm_format not in ("kvn", "xml"):
        raise typer.BadParameter("--cdm-format must be kvn or xml")
    _run(catalog, db, db_url, start, stop, days, hours, threshold_km, volume, primary, primaries, backend, workers,
         dask, pc, hbr_m, csv_out, json_out, report, top, sort, quiet, cdm_dir, cdm_format)


@handle_errors
def _run(catalog, db, db_url, start, stop, days, hours, threshold_km, volume, primary, primaries, backend, workers,
         dask, pc, hbr_m, csv_out, json_out, report, top, sort, quiet, cdm_dir=None, cdm_format="kvn"):
    from ..conjunction.screening import (ScreeningResult, add_collision_probability, parse_volume, screen,
                                         socrates_report)
    from ..distributed import DaskExecutor, InProcessExecutor
    from ..timeutil import as_datetime64

    elements, source, n_rejected = _load(catalog, db or db_url is not None, db_url, start)
    if start is None:
        ep = np.sort(elements.epoch.astype(np.int64))
        med = ep[len(ep) // 2] if len(ep) else np.datetime64("now", "ns").astype(np.int64)
        t0 = np.datetime64(int(med), "ns").astype("datetime64[h]").astype("datetime64[ns]")
    else:
        t0 = as_datetime64(start)
    if stop is not None:
        t1 = as_datetime64(stop)
    else:
        span_h = 24.0 * days if days is not None else (hours if hours is not None else 24.0)
        t1 = t0 + np.timedelta64(int(round(span_h * 3600e9)), "ns")
    fleet = list(primary or [])
    if primaries is not None:
        text = " ".join(line.split("#", 1)[0] for line in primaries.read_text().splitlines()).replace(",", " ")
        try:
            fleet += [int(x) for x in text.split()]
        except ValueError as exc:
            raise ValueError(f"{primaries}: not a list of catalog numbers ({exc})") from None
    vol = parse_volume(volume) if volume else None
    executor = DaskExecutor(address=dask) if dask else InProcessExecutor(workers)

    kind = "fleet of %d vs %d objects" % (len(set(fleet)), len(elements)) if fleet else f"{len(elements)} objects"
    err_console.print(f"screening {kind} from {source}, {_iso(t0)} to {_iso(t1)} UTC, "
                      + (vol.describe() if vol else f"threshold {threshold_km:g} km"))
    t_start = time.perf_counter()
    with Progress(TextColumn("[cyan]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("windows"), TimeElapsedColumn(), TimeRemainingColumn(), console=err_console,
                  disable=quiet, transient=False) as bar:
        task = bar.add_task("screening", total=None)

        def progress(done, total):
            bar.update(task, total=total, completed=done)

        result: ScreeningResult = screen(elements, t0, t1, threshold_km=threshold_km, volume=vol,
                                         primaries=fleet or None, backend=backend, executor=executor,
                                         progress=progress)
    if dask:
        executor.close()
    events = result.events
    if pc:
        events = add_collision_probability(events, hbr_m=hbr_m)
    elapsed = time.perf_counter() - t_start

    key = {"miss": "miss_km", "tca": "tca", "pc": "pc_max"}[sort]
    shown = events.sort_by(key, descending=(sort == "pc"))
    shown = shown[np.arange(min(top, len(shown)))]
    cols = ["TCA (UTC)", "Object 1", "Object 2", "Miss km", "R / T / N km", "v km/s", "Ages d"]
    if pc:
        cols += ["Max Pc"]
    rows = []
    for k in range(len(shown)):
        tag = {1: " start", 2: " stop"}.get(int(shown.boundary[k]), "")
        row = [_iso(shown.tca[k])[:-4] + tag, f"{shown.norad_1[k]} {shown.name_1[k]}"[:22],
               f"{shown.norad_2[k]} {shown.name_2[k]}"[:22], f"{shown.miss_km[k]:.3f}",
               f"{shown.radial_km[k]:.2f} / {shown.in_track_km[k]:.2f} / {shown.cross_track_km[k]:.2f}",
               f"{shown.rel_speed_km_s[k]:.2f}", f"{shown.age_1_days[k]:.1f}, {shown.age_2_days[k]:.1f}"]
        if pc:
            row += [f"{shown.pc_max[k]:.1e}"]
        rows.append(row)
    just = {c: "right" for c in cols[3:]}
    print_table(f"{len(events)} close approaches" + (f" (top {len(shown)} by {sort})" if len(events) > len(shown)
                                                     else ""), cols, rows, justify=just)
    summ = result.summary()
    console.print(f"{result.n_objects} objects, {len(events)} events in {elapsed:.1f} s "
                  f"(propagator {summ['backend']}, {summ['windows']} windows, "
                  f"interpolation bound median {summ['interpolation_bound_km']['median'] * 1000:.0f} m)")
    if len(result.object_status):
        st = result.object_status
        console.print(f"[yellow]{len(st)} objects were screened only until SGP4 gave up on them[/yellow] "
                      f"(e.g. {st.norad_id[0]} {st.name[0]}: {st.message[0]} at {_iso(st.first_bad[0])})")
    meta = {"start": str(t0), "stop": str(t1), "source": source,
            "volume": vol.describe() if vol else f"sphere of radius {threshold_km:g} km",
            "objects": result.n_objects, "primaries": fleet or None, "events": len(events)}
    if csv_out:
        events.to_csv(csv_out)
        err_console.print(f"wrote {len(events)} events to {csv_out}")
    if json_out:
        events.to_json(json_out, meta=meta)
        err_console.print(f"wrote {len(events)} events to {json_out}")
    if report:
        head = (f"Screening of {kind} from {source}",
                f"Span {_iso(t0)} to {_iso(t1)} UTC; {meta['volume']}; computed with orbitwatch")
        report.write_text(socrates_report(events, top=top, by="pc" if sort == "pc" else "miss",
                                          title="orbitwatch close-approach report", header_lines=head))
        err_console.print(f"wrote the report to {report}")
    if cdm_dir is not None and len(shown):
        from ..conjunction.cdm import write_cdm
        from ..conjunction.screening import event_cdm

        cdm_dir.mkdir(parents=True, exist_ok=True)
        for k in range(len(shown)):
            msg = event_cdm(shown, k, hbr_m=hbr_m)
            name = f"{shown.norad_1[k]:05d}_conj_{shown.norad_2[k]:05d}_{_iso(shown.tca[k])[:19].replace(':', '')}"
            (cdm_dir / f"{name}.{'xml' if cdm_format == 'xml' else 'cdm'}").write_text(write_cdm(msg, cdm_format))
        err_console.print(f"wrote {len(shown)} CDMs ({cdm_format}) to {cdm_dir}")
    if n_rejected:
        from .errors import EXIT_PARTIAL

        raise typer.Exit(EXIT_PARTIAL)


def _load(catalog, use_db, db_url, start):
    from ..timeutil import as_datetime64

    if catalog is not None:
        from ..elements import read_elements

        res = read_elements(catalog)
        if res.rejected:
            err_console.print(f"[yellow]{len(res.rejected)} records rejected[/yellow] (screening the others), "
                              f"first: {res.rejected[0]}")
        return res.elements, str(catalog), len(res.rejected)
    from ..store import mask_url, open_store

    with open_store(db_url) as store:
        # the whole history: screen() takes, per object, the element set in force at the start
        # (or the first one, for objects catalogued after it)
        cat = store.load_catalog()
        es = cat.at(as_datetime64(start)) if start else cat.latest()
        url = mask_url(store.engine.url)
    if len(es) == 0:
        from ..errors import NotFoundError

        raise NotFoundError("the database holds no element sets (import some with 'orbitwatch catalog import')")
    return es, url, 0


def register(main_app: typer.Typer) -> None:
    """Add ``orbitwatch screen`` to the main command."""
    main_app.command("screen", help=HELP)(screen_command)
