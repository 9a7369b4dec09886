"""Calibration (node steps and interpolation bounds of every object) in a screening: on the executor in
chunks (what ``screen()`` does) against the serial ``calibrate`` in the calling process (its peer: the
same bits), and the whole run. Wall and CPU time; the load average beside each figure (shared machines).

    PYTHONPATH=src .venv/bin/python benchmarks/screening_calibration.py                        # full catalog, 6 h
    PYTHONPATH=src .venv/bin/python benchmarks/screening_calibration.py --hours 168
    orbitwatch catalog synth 300000 -o pop300k.csv --seed 1
    PYTHONPATH=src .venv/bin/python benchmarks/screening_calibration.py --catalog pop300k.csv \\
        --dask 2 --setup-only

``--setup-only`` stops the screening when its windows start (the set-up: preparation, sending the state to
Dask workers, calibration). The calling process's CPU includes its threads; Dask workers' CPU is summed
over the worker processes (psutil). A 200-object screening first warms numba's cache (and the workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "data" / "catalog" / "full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")


class _Stop(Exception):
    pass


def _cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _cpu_children() -> float:
    import psutil

    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            t = child.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def serial_calibration(es, stop, threads: int | None):
    """The peer: ``calibrate`` of the whole catalog in this process (SGP4 on ``threads``)."""
    from orbitwatch.conjunction import ScreeningOptions
    from orbitwatch.conjunction.screening.sampling import StateSource, calibrate
    from orbitwatch.propagation.backends import BatchPropagator, get_backend

    opt = ScreeningOptions()
    prop = BatchPropagator(get_backend("numba"), es).on_host().with_threads(threads)
    start_ns, stop_ns = int(START.astype(np.int64)), int(stop.astype(np.int64))
    load = _load()
    t, c = time.perf_counter(), _cpu_self()
    calibrate(StateSource(prop, es), start_ns, opt.segment_s, opt.interp_target_km, kmin=opt.kmin, kmax=opt.kmax,
              safety=opt.safety, stop_ns=stop_ns)
    return time.perf_counter() - t, _cpu_self() - c, load


def screening(es, stop, ex, setup_only: bool):
    from orbitwatch.conjunction import screen

    marks = {}

    def progress(done, total, stage):
        if stage not in marks:
            marks[stage] = (time.perf_counter(), _cpu_self(), _cpu_children())
        if setup_only and stage == "windows":
            raise _Stop()

    screen(es[np.arange(200)], START, START + np.timedelta64(600, "s"), executor=ex)  # warm caches and workers
    load = _load()
    t, c, cw = time.perf_counter(), _cpu_self(), _cpu_children()
    timings = {}
    try:
        timings = screen(es, START, stop, executor=ex, progress=progress).timings_s
    except _Stop:
        pass
    t1, c1, cw1 = time.perf_counter(), _cpu_self(), _cpu_children()
    a, b = marks["calibrate"], marks["windows"]
    return {"calib_wall_s": b[0] - a[0], "calib_cpu_client_s": b[1] - a[1], "calib_cpu_workers_s": b[2] - a[2],
            "wall_s": t1 - t, "cpu_client_s": c1 - c, "cpu_workers_s": cw1 - cw,
            "share_state_s": timings.get("share_state"), "load": load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", type=Path, default=CATALOG)
    ap.add_argument("--hours", type=float, default=6.0)
    ap.add_argument("--threads", type=int, default=2, help="thread-pool workers (default 2)")
    ap.add_argument("--dask", type=int, default=0, help="a LocalCluster of N single-threaded workers instead")
    ap.add_argument("--setup-only", action="store_true")
    args = ap.parse_args()

    from orbitwatch.elements import read_elements

    es = read_elements(args.catalog).elements
    es = es[np.unique(es.norad_id, return_index=True)[1]]
    stop = START + np.timedelta64(int(args.hours * 3600), "s")
    if args.dask:
        from orbitwatch.distributed import DaskExecutor

        ex, name = DaskExecutor.local(args.dask), f"Dask LocalCluster, {args.dask} workers"
    else:
        ex, name = args.threads, f"{args.threads} threads"
    try:
        run = screening(es, stop, ex, args.setup_only)
    finally:
        if hasattr(ex, "close"):
            ex.close()
    peer = serial_calibration(es, stop, None)
    peer1 = serial_calibration(es, stop, 1)
    print(f"{len(es):,} objects ({args.catalog.name}), {args.hours:g} h, {name}; load average 1/5/15 min in [ ]")
    print(f"{'':44} {'wall s':>8} {'CPU s':>8}")
    print(f"{'calibration on the executor (screen)':44} {run['calib_wall_s']:8.2f} "
          f"{run['calib_cpu_client_s'] + run['calib_cpu_workers_s']:8.2f}  [{run['load']}]"
          + (f"  client {run['calib_cpu_client_s']:.2f} + workers {run['calib_cpu_workers_s']:.2f} CPU s"
             if args.dask else ""))
    if run["share_state_s"] is not None:
        print(f"{'  of which the state sent to the workers':44} {run['share_state_s']:8.2f}")
    print(f"{'serial calibrate, this process, all cores':44} {peer[0]:8.2f} {peer[1]:8.2f}  [{peer[2]}]")
    print(f"{'serial calibrate, this process, 1 thread':44} {peer1[0]:8.2f} {peer1[1]:8.2f}  [{peer1[2]}]")
    if not args.setup_only:
        print(f"{'whole screening':44} {run['wall_s']:8.2f} {run['cpu_client_s'] + run['cpu_workers_s']:8.2f}")
    print(f"ratio serial (all cores) / executor, wall: {peer[0] / run['calib_wall_s']:.2f}")


if __name__ == "__main__":
    main()
