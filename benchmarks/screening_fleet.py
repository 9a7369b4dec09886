"""Fleet screening (primaries against the whole catalog): this checkout against another one, same run.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_fleet.py --days 7
    PYTHONPATH=src .venv/bin/python benchmarks/screening_fleet.py --days 7 --against ../old-checkout/src

The catalog is the packaged-size public catalog of 2023-10-09 (26,140 objects, shared data). The fleet:
its objects that are still in CelesTrak's list of active satellites of 2025-09-28 (6,837 of them), or
``--fleet-size N`` of them chosen with a fixed seed, or ``--fleet-size 1`` for the ISS alone (a
maneuver-screening-like fleet of one). Each code runs in a fresh process with a warm numba cache (a short
screening first); printed: wall and CPU seconds of the ``screen()`` call, its stage timings, events and
peak memory, and whether the two codes' events are identical (pairs, TCA to the nanosecond, miss).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "catalog"
START = "2023-10-09T12:00:00"


def worker(days: float, fleet_size: int, out: str) -> None:
    from orbitwatch.conjunction import screen
    from orbitwatch.elements import read_elements

    es = read_elements(DATA / "full-catalog-2023-10-09.3le").elements
    if fleet_size == 0:
        act = read_elements(DATA / "active-2025-09-28.tle").elements
        fleet = np.intersect1d(es.norad_id, act.norad_id)
    elif fleet_size == 1:
        fleet = np.array([25544])
    else:
        fleet = np.random.default_rng(1).choice(es.norad_id, fleet_size, replace=False)
    start = np.datetime64(START, "ns")
    screen(es[:300], start, start + np.timedelta64(3600, "s"), threshold_km=5.0, primaries=[int(es.norad_id[0])])
    t0, c0 = time.perf_counter(), time.process_time()
    res = screen(es, start, start + np.timedelta64(int(days * 86400), "s"), threshold_km=5.0,
                 primaries=[int(x) for x in fleet])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ev = res.events
    np.savez(out, n1=ev.norad_1, n2=ev.norad_2, tca=ev.tca.astype(np.int64), miss=ev.miss_km)
    print("RESULT " + json.dumps({"fleet": int(len(fleet)), "objects": len(es), "wall_s": wall, "cpu_s": cpu,
                                  "events": len(ev), "timings_s": res.timings_s,
                                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))


def run(src: Path, args, out: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, __file__, "--worker", out, "--days", str(args.days), "--fleet-size", str(args.fleet_size)]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    if p.returncode != 0 or not line:
        raise RuntimeError(f"run with {src} failed:\n{p.stderr[-3000:]}")
    return json.loads(line[-1][7:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=float, default=7.0, help="span from 2023-10-09 12:00 UTC (default 7)")
    ap.add_argument("--fleet-size", type=int, default=0,
                    help="0: the catalog's objects in the 2025 active list (default); 1: the ISS; N: N at random")
    ap.add_argument("--against", type=Path, help="another checkout's src/ folder, run first on the same data")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.days, args.fleet_size, args.worker)
        return
    print(f"load average before: {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        codes = ([("other", args.against)] if args.against else []) + [("this", ROOT / "src")]
        for name, src in codes:
            r = run(src, args, f"{tmp}/{name}.npz")
            rows.append((name, r))
            t = r["timings_s"]
            print(f"{name:6s} fleet {r['fleet']:,} of {r['objects']:,}, {args.days:g} d: wall {r['wall_s']:.1f} s, "
                  f"CPU {r['cpu_s']:.1f} s, events {r['events']:,}, peak {r['peak_rss_gb']:.2f} GB; calibrate "
                  f"{t['calibrate']:.1f} s, windows {t['windows']:.1f} s (CPU over threads: sampling "
                  f"{t['cpu_propagate']:.1f}, broad+narrow {t['cpu_broad_narrow']:.1f}, refine {t['cpu_refine']:.1f})")
        if len(rows) == 2:
            a, b = np.load(f"{tmp}/other.npz"), np.load(f"{tmp}/this.npz")
            same = all(np.array_equal(a[k], b[k]) for k in a.files)
            print(f"identical events: {same}; time this / other: {rows[1][1]['wall_s'] / rows[0][1]['wall_s']:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
