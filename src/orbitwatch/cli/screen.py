"""``orbitwatch screen``: conjunction screening of a catalog (all-vs-all or a fleet), from a file
or from the database, with a progress bar, a table, CSV/JSON and a SOCRATES-style report.

The options become one :class:`~orbitwatch.conjunction.screening.ScreeningRequest` (validated
before anything is loaded or computed); library errors propagate to the one CLI handler."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer
from rich.text import Text

from .common import (check_output_dir, check_output_file, console, err_console, print_note, print_table,
                     print_warning)

HELP = """Find every close approach between catalogued objects over a span of time.

Every local minimum of the distance between two objects under the threshold
is an event (objects in similar orbits meet several times a day). The method
interpolates exact SGP4 states with a measured error bound, screens with a
4-D grid and refines each time of closest approach with exact SGP4: nothing
under the threshold is missed, given that bound (docs/screening.md).

Encounters slower than 10 m/s (vehicles docked to a station, station modules
on separate element sets, formations) are set apart from the table, the
report and the CDMs, where 2D Pc does not apply; --include-slow ranks them
too. Every output file has them, flagged "slow".

[bold]Examples[/bold]

  orbitwatch screen catalog.3le --start 2023-10-09T12:00Z --days 1
  orbitwatch screen catalog.3le --days 7 --threshold-km 5 -o week.csv
  orbitwatch screen catalog.3le --primary 25544 --hours 72 --report iss.txt
  orbitwatch screen catalog.3le --primaries fleet.txt --volume 2,25,25 --pc --sort pc
  orbitwatch screen catalog.3le --hours 6 --json > events.json
  orbitwatch screen --db --days 1          (the catalog in the orbitwatch database)
  orbitwatch screen catalog.3le --dask tcp://scheduler:8786
  orbitwatch screen pop-100k.3le.gz --hours 6 --threshold-km 1 --dask local:2 --parquet events/
  orbitwatch screen catalog.3le --oem ours.oem --oem partner.oem --days 7 --pc
  orbitwatch screen --db --oem ours.oem --record --alerts

[bold]Operators' ephemerides[/bold]: --oem FILE (CCSDS OEM, KVN or XML;
repeat) screens each object of the ephemeris on its own states, interpolated
as the OEM says, inside its usable spans. By default they are the fleet
(with any --primary); --oem-role member makes them ordinary members of the
catalog. An object the catalog knows (OBJECT_ID its international
designator, or its catalog number) is flown on its ephemeris instead of its
element set; the others get a negative catalog number. Every output names
them by their OBJECT_NAME and OBJECT_ID.

[bold]Output[/bold]: a table of the closest events (--top) on stdout, or
with --json the whole result as JSON on stdout (events with both objects,
TCA, miss distance, RTN components, relative speed, states in TEME and
EME2000, element-set ages, Pc with --pc; the frames and units are stated in
"meta"); -o FILE writes the events as CSV or JSON (--format), --report a
SOCRATES-style text, --cdm-dir one CCSDS CDM per ranked event.

[bold]Large runs[/bold]: --parquet DIR writes the events to a Parquet dataset
(Hive-partitioned by TCA day, with a _manifest.json written last) as each
window finishes, instead of holding them: the table then shows the closest
events read back from it (-o, --json, --report, --pc, --record and --cdm-dir
need the events in memory and are refused with it)."""

#: boundary marks of the table's TCA column (span start/stop; start/stop of an ephemeris' usable span)
_EDGE = {1: " <", 2: " >", 3: " <", 4: " >"}


#: the request's field names as this command's options
OPTION_NAMES = {"start": "--start", "stop": "--stop", "days": "--days", "hours": "--hours",
                "threshold_km": "--threshold-km", "volume": "--volume", "primaries": "--primary/--primaries",
                "sort": "--sort", "top": "--top", "hbr_m": "--hbr-m", "max_age_days": "--max-age-days",
                "workers": "--workers", "dask": "--dask", "dask_timeout_s": "--dask-timeout", "backend": "--backend",
                "format": "--format", "cdm_format": "--cdm-format", "catalog": "CATALOG", "ephemerides": "--oem",
                "oem_role": "--oem-role", "sink": "--parquet"}


class _options_named:
    """Context: an InvalidRequestError from the library names the option as typed here."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        from ..errors import InvalidRequestError

        if isinstance(exc, InvalidRequestError) and exc.field in OPTION_NAMES:
            exc.field = OPTION_NAMES[exc.field]
            exc.args = (f"{exc.field}: {exc.reason}",)
        return False


def _iso(t) -> str:
    return str(np.datetime64(t, "ms")).replace("T", " ")


def _iso_z(t) -> str:
    from ..timeutil import format_iso

    return format_iso(t, 3) + "Z"


def safe_name(text: str) -> str:
    """A file name part from any text: letters, digits, ``-``, ``_`` and ``.`` only.

    >>> safe_name("25544_conj_48274_2023-10-09 12:34:56")
    '25544_conj_48274_2023-10-09_12-34-56'
    """
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text).replace(":", "-")).strip("._")
    return s or "event"


def cdm_file_name(norad_1: int, norad_2: int, tca, fmt: str, object_id_1: str = "", object_id_2: str = "") -> str:
    """``NNNNN_conj_MMMMM_YYYYMMDDTHHMMSSZ.cdm`` (or ``.xml``): no spaces or colons. An ephemeris
    object with a synthetic (negative) number is named by its OBJECT_ID.

    >>> cdm_file_name(25544, 48274, np.datetime64("2023-10-09T12:34:56.789"), "kvn")
    '25544_conj_48274_20231009T123456Z.cdm'
    >>> cdm_file_name(-5, 48274, np.datetime64("2023-10-09T12:34:56.789"), "kvn", "MYSAT 1")
    'MYSAT_1_conj_48274_20231009T123456Z.cdm'
    """
    stamp = str(np.datetime64(tca, "s")).replace("-", "").replace(":", "") + "Z"

    def lab(n, oid):
        return str(oid) if int(n) < 0 and str(oid) else f"{int(n):05d}"

    return safe_name(f"{lab(norad_1, object_id_1)}_conj_{lab(norad_2, object_id_2)}_{stamp}") + \
        (".xml" if fmt == "xml" else ".cdm")


def screen_command(
    catalog: Optional[Path] = typer.Argument(None, help="Element sets: TLE/3LE, or OMM (KVN, XML, JSON, CSV).",
                                             show_default=False),
    db: bool = typer.Option(False, "--db", help="Screen the catalog stored in the orbitwatch database instead."),
    db_url: Optional[str] = typer.Option(None, "--db-url", help="Database URL (default: $ORBITWATCH_DATABASE_URL "
                                                                "or ~/.orbitwatch/orbitwatch.db)."),
    start: Optional[str] = typer.Option(None, "--start", "-s", help="Start, ISO UTC (default: the median element-set "
                                                                   "epoch, rounded down to the hour)."),
    stop: Optional[str] = typer.Option(None, "--stop", help="Stop, ISO UTC (or use --days / --hours)."),
    days: Optional[float] = typer.Option(None, "--days", "-d", help="Span length in days."),
    hours: Optional[float] = typer.Option(None, "--hours", "-H", help="Span length in hours (default 24)."),
    threshold_km: Optional[float] = typer.Option(None, "--threshold-km", help="Miss-distance threshold, km "
                                                                               "[default: 5]."),
    volume: Optional[str] = typer.Option(None, "--volume", help="Screening volume instead of the threshold: "
                                                                "'R,T,N' semi-axes (km) of an ellipsoid in the "
                                                                "primary's radial/in-track/cross-track frame."),
    primary: Optional[List[int]] = typer.Option(None, "--primary", "-p", help="Catalog number of a fleet member "
                                                                              "(repeat); default all-vs-all."),
    primaries: Optional[Path] = typer.Option(None, "--primaries", help="File of fleet catalog numbers (whitespace "
                                                                       "or comma separated, # comments)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Propagator: numba (default) or sgp4."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Threads (default: all cores)."),
    dask: Optional[str] = typer.Option(None, "--dask", help="Run on a Dask cluster: a scheduler address "
                                                            "(tcp://host:8786), or local:N to start a local cluster "
                                                            "of N worker processes for this run."),
    dask_timeout: float = typer.Option(5.0, "--dask-timeout", help="Seconds to wait for the Dask scheduler."),
    pc: bool = typer.Option(False, "--pc", help="Compute collision probabilities (default TLE covariances, "
                                                "CARA hard-body radii)."),
    hbr_m: Optional[float] = typer.Option(None, "--hbr-m", help="One combined hard-body radius (m) for --pc."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write all events to this file (CSV or "
                                                                       "JSON, see --format)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="Format of -o: csv or json (default: from the "
                                                                   "file's suffix, else csv)."),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="Same as -o FILE --format csv.", hidden=True),
    parquet: Optional[Path] = typer.Option(None, "--parquet", help="Write the events to a Parquet dataset in this "
                                                                   "(new or empty) folder as the windows finish, "
                                                                   "instead of holding them (large runs)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout (events, frames, "
                                                       "units) instead of the table."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a SOCRATES-style report."),
    top: int = typer.Option(20, "--top", help="Events shown in the table and the report."),
    sort: str = typer.Option("miss", "--sort", help="Table/report order: miss, pc (2D Pc, with --pc), pc-max "
                                                    "(maximum Pc, with --pc) or tca."),
    include_slow: bool = typer.Option(False, "--include-slow", help="Rank slow encounters (< 10 m/s: docked "
                                                                    "vehicles, formations) with the others."),
    max_age_days: float = typer.Option(14.0, "--max-age-days", help="Warn about element sets further than this "
                                                                    "from the start (days)."),
    force: bool = typer.Option(False, "--force", help="Overwrite output files; screen element sets more than a "
                                                      "year from the start."),
    cdm_dir: Optional[Path] = typer.Option(None, "--cdm-dir", help="Write the ranked --top events (in --sort "
                                                                   "order) as CCSDS CDMs in this folder."),
    cdm_format: str = typer.Option("kvn", "--cdm-format", help="CDM format for --cdm-dir: kvn or xml."),
    record: bool = typer.Option(False, "--record", help="Record the events as event tracks in the database "
                                                        "(--db-url), matched to the encounters of earlier runs: "
                                                        "see 'orbitwatch events'."),
    oem: Optional[List[Path]] = typer.Option(None, "--oem", help="An operator's ephemeris (CCSDS OEM, KVN or "
                                                                  "XML) screened with the catalog (repeat)."),
    oem_role: str = typer.Option("primary", "--oem-role", help="primary: the ephemeris objects are the fleet "
                                                               "(with any --primary); member: ordinary catalog "
                                                               "members (all-vs-all, or against --primary)."),
    alerts: bool = typer.Option(False, "--alerts", help="With --record: the alerts the recorded tracks raise "
                                                        "(18 SDS emergency-reportable criteria, CARA Pc levels; "
                                                        "see docs/screening.md), printed after recording."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Screen a catalog for close approaches (all-vs-all, or a fleet against everything)."""
    from ..conjunction.screening import ScreeningRequest
    from ..errors import InvalidRequestError
    from ..requests import check_choice

    # ---- everything checked before any work
    if catalog is None and not db and db_url is None:
        raise InvalidRequestError("catalog", "give a catalog file, or --db to use the database")
    if catalog is not None and db:
        raise InvalidRequestError("catalog", "give a catalog file or --db, not both")
    if catalog is not None and db_url is not None and not record:
        raise InvalidRequestError("--db-url", "with a catalog file, --db-url only says where --record stores the "
                                              "events: give --record, or --db to screen the database's catalog")
    if catalog is not None and not catalog.exists():
        raise FileNotFoundError(2, "no such file", str(catalog))
    if catalog is not None and catalog.is_dir():
        raise IsADirectoryError(21, "is a folder", str(catalog))
    for f in oem or ():
        if not f.exists():
            raise FileNotFoundError(2, "no such file", str(f))
        if f.is_dir():
            raise IsADirectoryError(21, "is a folder", str(f))
    primaries_text = None
    if primaries is not None:
        primaries_text = primaries.read_text(encoding="utf-8", errors="replace")
    with _options_named():
        req = ScreeningRequest.resolve(
            start=start, stop=stop, days=days, hours=hours, threshold_km=threshold_km, volume=volume,
            primaries=primary or None, primaries_text=primaries_text, primaries_source=str(primaries),
            sort=sort, top=top, pc=pc, hbr_m=hbr_m, include_slow=include_slow, max_age_days=max_age_days,
            force=force, workers=workers, backend=backend, dask=dask, dask_timeout_s=dask_timeout,
            ephemerides=[str(f) for f in oem or ()], oem_role=oem_role)
        cdm_format = check_choice("cdm_format", cdm_format, ("kvn", "xml"))
    if alerts and not record:
        raise InvalidRequestError("--alerts", "needs --record (alerts are raised by recorded event tracks)")
    if csv_out is not None:
        if output is not None:
            raise InvalidRequestError("output", "give -o or --csv, not both")
        output, fmt = csv_out, "csv"
    if fmt is not None:
        with _options_named():
            fmt = check_choice("format", fmt, ("csv", "json"))
    elif output is not None:
        fmt = "json" if output.suffix.lower() == ".json" else "csv"
    if parquet is not None:
        clash = [name for name, given in (("-o", output), ("--json", as_json), ("--report", report), ("--pc", pc),
                                          ("--record", record), ("--cdm-dir", cdm_dir)) if given]
        if clash:
            raise InvalidRequestError("--parquet", f"writes the events to a dataset instead of holding them; "
                                                   f"{', '.join(clash)} need{'s' if len(clash) == 1 else ''} them in "
                                                   f"memory: run without --parquet, or read the dataset afterwards")
        if sort not in ("miss", "tca"):
            raise InvalidRequestError("--sort", "with --parquet the table is sorted by miss or tca", sort)
        from ..conjunction.screening.sinks import ParquetSink

        with _options_named():
            sink = ParquetSink(parquet, overwrite=force)
            sink.check()
    else:
        sink = None
    check_output_file(output, force=force, option="-o")
    check_output_file(report, force=force, option="--report")
    if cdm_dir is not None:
        check_output_dir(cdm_dir, option="--cdm-dir")
    _run(req, catalog, catalog is None, db_url, output, fmt, as_json, report, cdm_dir, cdm_format, quiet,
         record, alerts, sink=sink)


def _record(events, req, result, span, source, db_url, fleet, with_alerts=False, periods=None) -> None:
    """Store the run's events as event-track updates (one transaction) and say what changed; with
    ``with_alerts``, evaluate the alert criteria on the tracks this run touched."""
    from ..store import open_store

    thr = getattr(req.volume, "radius_km", None)
    eph_files = {o.norad_id: o.source for o in result.ephemerides}
    refs = []
    for a, b in zip(events.norad_1, events.norad_2):
        names = [f"OEM {eph_files[int(n)]}" for n in (a, b) if int(n) in eph_files]
        refs.append("; ".join(names))
    with open_store(db_url) as store:
        rep = store.record_conjunctions(
            events, kind="screening", span=(span.start, span.stop), screened_ids=result.norad_ids,
            threshold_km=thr, primaries=fleet or None, label=source, source_ref=refs,
            pc_method="Foster 2D" if req.pc else "", covariance_source="default TLE model" if req.pc else "")
        url = store.url
        raised = _alerts_of_run(store, rep, periods) if with_alerts else None
    print_note(f"recorded in {url}: {rep.summary()} ('orbitwatch events changes' lists them)", style="")
    if raised is not None:
        _print_alerts(raised)


def _alerts_of_run(store, rep, periods):
    """Alerts first met by an update of this run (a track's earlier updates decide what was raised before)."""
    from ..conjunction.alerts import evaluate, track_updates

    out = []
    for tid in sorted(set(rep.new) | set(rep.updated)):
        for a in evaluate(track_updates(store.track(tid)), period_min=periods):
            if a.run_id == rep.run_id:
                out.append(a)
    return out


def _print_alerts(alerts) -> None:
    if not alerts:
        print_note("alerts: none raised by this run", style="")
        return
    print_note(f"alerts: {len(alerts)} raised by this run", style="")
    for a in alerts:
        print_warning(f"{a.level}: track {a.track_id}, {a.norad_1} x {a.norad_2}, TCA {_iso(a.tca)} UTC: {a.reason}")


def _load_ephemerides(req, elements):
    """The --oem files read and identified against the catalog (before any propagation), with notes."""
    if not req.ephemerides:
        return None, None
    from ..conjunction.screening.ephemeris import prepare_ephemerides
    from ..odm import read_oem

    oems = [read_oem(f) for f in req.ephemerides]
    with _options_named():
        prep = prepare_ephemerides(elements, oems)
    for o in prep.objects:
        if o.replaces_element_set:
            print_note(f"{o.object_name} (OBJECT_ID {o.object_id}) is catalog number {o.norad_id}: flown on its "
                       f"ephemeris instead of its element set", style="")
        elif not o.catalogued:
            print_note(f"{o.object_name} (OBJECT_ID {o.object_id}) is not in the catalog: catalog number "
                       f"{o.norad_id} (synthetic) in the outputs", style="")
        thr = req.volume.bounding_radius_km
        if np.isfinite(o.oem_interpolation_error_km) and o.oem_interpolation_error_km > 0.1 * thr:
            print_warning(f"{o.object_name} ({o.object_id}): the ephemeris' own interpolation is uncertain by "
                          f"{o.oem_interpolation_error_km:.3g} km (its samples are {o.step_s:g} s apart); events "
                          f"near the threshold are uncertain by as much")
    return oems, prep


def _run(req, catalog, use_db, db_url, output, fmt, as_json, report, cdm_dir, cdm_format, quiet, record=False,
         alerts=False, sink=None):
    from ..conjunction.screening import (FRAMES_AND_UNITS, SLOW_REL_SPEED_KM_S, ScreeningResult,
                                         add_collision_probability, screen, socrates_report)
    from ..distributed import DaskExecutor, InProcessExecutor
    from ..progress import Progress

    elements, source, n_rejected = _load(catalog, use_db, db_url, req.start)
    with _options_named():
        span = req.span_for(elements)
        ages = req.check_elements(elements, span)
    t0, t1 = span.start, span.stop
    for w in ages.warnings:
        print_warning(w)
    executor = DaskExecutor.from_spec(req.dask, timeout_s=req.dask_timeout_s) if req.dask \
        else InProcessExecutor(req.workers)
    oems, prep = _load_ephemerides(req, elements)
    n_objects = len(prep.elements) if prep is not None else len(elements)
    fleet = list(req.primaries or [])
    if prep is not None and req.oem_role == "primary":
        fleet = list(dict.fromkeys(fleet + [int(x) for x in prep.norad_ids]))
    try:
        with _options_named():
            req.check_resources(n_objects, span, workers=executor.workers, n_primaries=len(fleet) or None)
        kind = f"fleet of {len(fleet)} vs {n_objects} objects" if fleet else f"{n_objects} objects"
        if prep is not None:
            kind += f" ({len(prep.objects)} on ephemerides)"
        print_note(f"screening {kind} from {source}, {_iso(t0)} to {_iso(t1)} UTC, {req.volume.describe()}",
                   style="")
        t_start = time.perf_counter()
        with _options_named():
            result: ScreeningResult = _screen_with_bar(screen, elements, t0, t1, req, executor, quiet, Progress,
                                                       fleet=fleet, ephemerides=oems, sink=sink)
    finally:
        if req.dask:
            executor.close()
    if sink is not None:
        from ..conjunction.screening.sinks import closest_events

        elapsed = time.perf_counter() - t_start
        summ = result.summary()
        n_slow = summ["slow_events"]
        key = "tca" if req.sort == "tca" else "miss_km"
        shown = closest_events(result.dataset, req.top, by=key, include_slow=req.include_slow)
        n_ranked = summ["events"] - (0 if req.include_slow else n_slow)
        _print_events(shown, range(n_ranked), shown, req, n_total=summ["events"])
        print_note(f"{result.n_objects} objects, {summ['events']} events in {elapsed:.1f} s "
                   f"(propagator {summ['backend']}, {summ['windows']} window{'s' if summ['windows'] != 1 else ''} of "
                   f"{summ['window_s']:g} s); "
                   f"written to {result.dataset} (Parquet, by TCA day; _manifest.json)", style="")
        return
    events = result.events
    if req.pc:
        events = add_collision_probability(events, hbr_m=req.hbr_m)
    elapsed = time.perf_counter() - t_start

    # ---- rankings: slow encounters set apart unless asked for
    n_slow = int(np.count_nonzero(events.slow))
    ranked = events if req.include_slow else events.without_slow()
    key, descending = req.sort_column
    shown = ranked.sort_by(key, descending=descending)
    shown = shown[np.arange(min(req.top, len(shown)))]
    summ = result.summary()
    meta = {
        "source": source, "start": _iso_z(t0), "stop": _iso_z(t1), "volume": req.volume.describe(),
        "objects": result.n_objects, "primaries": fleet or None, "events": len(events), "slow_events": n_slow,
        "slow_rel_speed_km_s": SLOW_REL_SPEED_KM_S, "ranked_events": len(ranked), "sort": req.sort,
        "include_slow": req.include_slow, "element_age": ages.to_dict(),
        "objects_with_bad_states": len(result.object_status), "backend": summ["backend"],
        "interpolation_bound_km": summ["interpolation_bound_km"], "seconds": round(elapsed, 3),
        "frames_and_units": FRAMES_AND_UNITS,
    }
    if result.ephemerides:
        meta["ephemerides"] = result.to_dict(events=False)["ephemerides"]
        meta["element_sets_replaced_by_ephemerides"] = [int(x) for x in result.replaced]
        meta["object_status"] = result.object_status.to_records()
    if as_json:
        doc = {"meta": meta, "events": events.to_records()}
        console.file.write(json.dumps(doc, indent=1, allow_nan=False) + "\n")
        console.file.flush()
    else:
        _print_events(events, ranked, shown, req)
    print_note(f"{result.n_objects} objects, {len(events)} events in {elapsed:.1f} s "
               f"(propagator {summ['backend']}, {summ['windows']} windows, "
               f"interpolation bound median {summ['interpolation_bound_km']['median'] * 1000:.0f} m)", style="")
    if n_slow and not req.include_slow:
        print_note(f"{n_slow} slow encounter{'s' if n_slow != 1 else ''} (< {SLOW_REL_SPEED_KM_S * 1000:g} m/s: "
                   "docked vehicles, station modules, formations) set apart from the rankings, where 2D Pc does "
                   "not apply; they are in the output files, flagged slow (--include-slow ranks them)", style="")
    if len(result.object_status):
        st = result.object_status
        sgp4 = np.flatnonzero(st.status < 10)
        if sgp4.size:
            k = sgp4[0]
            print_warning(f"{sgp4.size} objects were screened only until SGP4 gave up on them (e.g. {st.norad_id[k]} "
                          f"{st.name[k]}: {st.message[k]} at {_iso(st.first_bad[k])})")
        for k in np.flatnonzero(st.status >= 10):
            spans = next((o.usable_ns for o in result.ephemerides if o.norad_id == st.norad_id[k]), [])
            where = ", ".join(f"{_iso(np.datetime64(a, 'ns'))} to {_iso(np.datetime64(b, 'ns'))}" for a, b in spans)
            print_warning(f"{st.name[k]} ({st.object_id[k]}): {st.message[k]} from {_iso(st.first_bad[k])}; "
                          f"screened only inside its usable spans ({where or 'none'})")
    if record:
        periods = None
        if alerts:
            els = prep.elements if prep is not None else elements
            with np.errstate(divide="ignore"):
                periods = dict(zip(els.norad_id.tolist(), (1440.0 / els.mean_motion_rev_per_day).tolist()))
        _record(events, req, result, span, source, db_url, fleet, with_alerts=alerts, periods=periods)
    if output is not None:
        if fmt == "json":
            events.to_json(output, meta=meta)
        else:
            events.to_csv(output)
        print_note(f"wrote {len(events)} events to {output}", style="")
    if report is not None:
        by = {"pc": "pc-2d", "pc-max": "pc-max"}.get(req.sort, "miss")
        head = (f"Screening of {kind} from {source}",
                f"Span {_iso(t0)} to {_iso(t1)} UTC; {meta['volume']}; computed with orbitwatch")
        if n_slow and not req.include_slow:
            head += (f"{n_slow} slow encounters (< {SLOW_REL_SPEED_KM_S * 1000:g} m/s) are not ranked",)
        report.write_text(socrates_report(ranked, top=req.top, by=by, title="orbitwatch close-approach report",
                                          header_lines=head))
        print_note(f"wrote the report to {report}", style="")
    if cdm_dir is not None and len(shown):
        from ..conjunction.cdm import write_cdm
        from ..conjunction.screening import event_cdm

        for k in range(len(shown)):
            msg = event_cdm(shown, k, hbr_m=req.hbr_m)
            name = cdm_file_name(shown.norad_1[k], shown.norad_2[k], shown.tca[k], cdm_format, shown.object_id_1[k],
                                 shown.object_id_2[k])
            (cdm_dir / name).write_text(write_cdm(msg, cdm_format))
        print_note(f"wrote {len(shown)} CDMs ({cdm_format}) to {cdm_dir}", style="")
    if n_rejected:
        from .errors import EXIT_PARTIAL

        raise typer.Exit(EXIT_PARTIAL)


def _screen_with_bar(screen, elements, t0, t1, req, executor, quiet, Progress, fleet=None, ephemerides=None,
                     sink=None):
    """The screening with a rich progress bar on stderr fed by the library's Progress."""
    from rich.progress import (BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn)
    from rich.progress import Progress as Bar

    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("windows"),
             TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, disable=quiet,
             transient=False) as bar:
        task = bar.add_task("screening", total=None)

        def on_progress(done, total, stage):
            if stage == "windows":
                bar.update(task, total=total, completed=done, description="screening")
            else:
                bar.update(task, description=stage)

        prog = Progress(on_progress)
        try:
            return screen(elements, t0, t1, volume=req.volume, primaries=list(fleet) if fleet else None,
                          backend=req.backend, executor=executor, progress=prog, max_age_days=req.max_age_days,
                          ephemerides=ephemerides, sink=sink)
        except KeyboardInterrupt:
            prog.cancel()
            raise


#: object columns are never cut below this many characters (catalog number and the start of the name)
_MIN_NAME_W = 12
#: the R / T / N column is shown only when the object columns keep this many characters beside it
_RTN_NAME_W = 18


def _print_events(events, ranked, shown, req, n_total: int | None = None) -> None:
    """The ranked events as a table that keeps every column at 80 columns (and when piped): the
    object names give way first, the R / T / N column appears only when there is room."""
    pc_col = {"pc-max": ("Max Pc", "pc_max")}.get(req.sort, ("Pc", "pc")) if req.pc else None
    cols = {"TCA UTC": [], "Object 1": [], "Object 2": [], "Miss km": [], "R / T / N km": [], "km/s": [],
            "Ages d": []}
    if pc_col:
        cols[pc_col[0]] = []
    for k in range(len(shown)):
        cols["TCA UTC"].append(str(np.datetime64(shown.tca[k], "s")).replace("T", " ")[5:]
                               + _EDGE.get(int(shown.boundary[k]), ""))
        for side in (1, 2):
            norad, name = getattr(shown, f"norad_{side}")[k], getattr(shown, f"name_{side}")[k]
            label = object_label(norad, getattr(shown, f"object_id_{side}")[k])
            eph = " (OEM)" if getattr(shown, f"state_source_{side}")[k] == "OEM" else ""
            cols[f"Object {side}"].append(f"{label} {name}{eph}")
        cols["Miss km"].append(f"{shown.miss_km[k]:.3f}")
        cols["R / T / N km"].append(f"{shown.radial_km[k]:.2f}/{shown.in_track_km[k]:.2f}/"
                                    f"{shown.cross_track_km[k]:.2f}")
        cols["km/s"].append(f"{shown.rel_speed_km_s[k]:.2f}")
        cols["Ages d"].append(f"{shown.age_1_days[k]:.1f}/{shown.age_2_days[k]:.1f}")
        if pc_col:
            x = getattr(shown, pc_col[1])[k]
            cols[pc_col[0]].append(f"{x:.1e}" if np.isfinite(x) else "-")
    width = {c: max([len(c)] + [len(x) for x in v]) for c, v in cols.items()}
    names = ("Object 1", "Object 2")
    # columns are two characters apart (padding and the table's blank rule)
    fixed = sum(w for c, w in width.items() if c not in names + ("R / T / N km",)) + 2 * (len(cols) - 2)
    room = console.width - fixed
    if (room - width["R / T / N km"] - 2) // 2 >= min(_RTN_NAME_W, max(width["Object 1"], width["Object 2"])):
        room -= width["R / T / N km"] + 2
    else:
        del cols["R / T / N km"]
    name_w = max(_MIN_NAME_W, room // 2)
    for c in names:
        cols[c] = [_clip(x, name_w) for x in cols[c]]
    header = list(cols)
    rows = [[cols[c][k] for c in header] for k in range(len(shown))]
    title = f"{len(ranked)} close approaches"
    if len(ranked) > len(shown):
        title += f" (top {len(shown)} by {req.sort})"
    n_total = len(events) if n_total is None else n_total
    if len(ranked) < n_total:
        title += f", {n_total - len(ranked)} slow set apart"
    caption = None
    if np.any(shown.boundary):
        caption = "< at the span start, > at the span stop"
        if np.any(shown.boundary >= 3):
            caption += " (or of an ephemeris' usable span)"
    print_table(title, header, rows, justify={c: "right" for c in header if c not in ("TCA UTC",) + names},
                caption=caption)


def object_label(norad, object_id) -> str:
    from ..conjunction.screening.events import object_label as _label

    return _label(norad, object_id)


def _clip(text: str, width: int) -> Text:
    """Verbatim text (never markup) cut to ``width`` characters with an ellipsis."""
    t = str(text)
    return Text(t if len(t) <= width else t[:width - 1] + "…")


def _load(catalog, use_db, db_url, start):
    if catalog is not None:
        from ..elements import read_elements

        res = read_elements(catalog)
        if res.rejected:
            print_warning(f"{len(res.rejected)} records rejected (screening the others), first: {res.rejected[0]}")
        return res.elements, str(catalog), len(res.rejected)
    from ..store import mask_url, open_store

    with open_store(db_url) as store:
        # the whole history: screen() takes, per object, the element set in force at the start
        # (or the first one, for objects catalogued after it)
        cat = store.load_catalog()
        es = cat.at(np.datetime64(start, "ns")) if start is not None else cat.latest()
        url = mask_url(store.engine.url)
    if len(es) == 0:
        from ..errors import NotFoundError

        raise NotFoundError("the database holds no element sets (import some with 'orbitwatch catalog import')")
    return es, url, 0


def register(main_app: typer.Typer) -> None:
    """Add ``orbitwatch screen`` to the main command."""
    main_app.command("screen", help=HELP)(screen_command)
