"""Screening a fleet flown on operators' ephemerides (OEM) against the full catalog.

    .venv/bin/python benchmarks/screening_ephemeris.py                   # 100 ephemerides x 7 days
    .venv/bin/python benchmarks/screening_ephemeris.py --days 1 --fleet 20 --workers 2

The fleet: ``--fleet`` payloads of the packaged 2023-10-09 catalog (26,140 objects), drawn with
a fixed seed from LEO, MEO and GEO. Each gets an ephemeris made from its own element set
(orbitwatch's SGP4, 60 s steps, EME2000, Hermite degree 5, 0.2 s later along its track, the span
plus 10 minutes on both sides) written as OEM text and read back with ``orbitwatch.odm``; the
making is not timed. Then, each in a fresh process (so that its peak memory is its own):

* ``ephemeris``: ``screen(catalog, ..., ephemerides=the OEMs, primaries=the fleet)``: the
  ephemerides replace the fleet's element sets;
* ``tle``: the same fleet flown on its element sets (``primaries=the fleet``).

Printed: seconds of the ``screen`` call, events, peak resident memory, the ephemeris objects'
node steps and interpolation bounds, and where the time went.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
START = "2023-10-09T12:00:00"
NS = 1_000_000_000


def sample_catalog():
    from orbitwatch.elements import read_elements

    return read_elements(ROOT / "src" / "orbitwatch" / "data" / "sample" / "catalog-2023-10-09.3le.gz").elements


def pick_fleet(es, n, seed=2024):
    rng = np.random.default_rng(seed)
    recent = np.abs(es.epoch.astype("datetime64[D]") - np.datetime64("2023-10-09")) < np.timedelta64(3, "D")
    pay = (es.object_type == 1) & (es.eccentricity < 0.1) & recent
    mm = es.mean_motion_rev_per_day
    groups = [np.flatnonzero(pay & (mm > 11)), np.flatnonzero(pay & (mm > 1.5) & (mm <= 11)),
              np.flatnonzero(pay & (mm > 0.9) & (mm <= 1.1))]
    share = [int(round(n * 0.8)), int(round(n * 0.1))]
    share.append(n - sum(share))
    pick = np.concatenate([rng.choice(g, min(k, g.size), replace=False) for g, k in zip(groups, share)])
    return np.sort(pick)


def make_oems(es, rows, start_ns, stop_ns, folder: Path) -> list[Path]:
    """One OEM file per fleet member (see the module docstring)."""
    from orbitwatch.propagation import propagate
    from orbitwatch.propagation.frames import teme_to_eme2000_interp

    t = np.arange(start_ns - 600 * NS, stop_ns + 600 * NS + 1, 60 * NS, dtype=np.int64)
    eph = propagate(es[rows], (t + NS // 5).astype("datetime64[ns]"))
    paths = []
    iso = np.datetime_as_string(t.astype("datetime64[ns]").astype("datetime64[ms]"), unit="ms")
    for k, row in enumerate(rows):
        r, v = teme_to_eme2000_interp(eph.position_km[k], eph.velocity_km_s[k], t)
        head = ["CCSDS_OEM_VERS = 2.0", "CREATION_DATE = 2023-10-09T00:00:00", "ORIGINATOR = BENCH", "",
                "META_START", f"OBJECT_NAME = {es.name[row]} EPH", f"OBJECT_ID = {es.intl_designator[row]}",
                "CENTER_NAME = EARTH", "REF_FRAME = EME2000", "TIME_SYSTEM = UTC", f"START_TIME = {iso[0]}",
                f"STOP_TIME = {iso[-1]}", "INTERPOLATION = HERMITE", "INTERPOLATION_DEGREE = 5", "META_STOP", ""]
        rv = np.concatenate([r, v], axis=1).tolist()
        body = [iso[j] + " " + " ".join(repr(x) for x in rv[j]) for j in range(t.size)]
        p = folder / f"fleet-{int(es.norad_id[row])}.oem"
        p.write_text("\n".join(head + body) + "\n")
        paths.append(p)
    return paths


def worker(args):
    from orbitwatch.conjunction import screen
    from orbitwatch.odm import read_oem

    es = sample_catalog()
    fleet = json.loads(Path(args.fleet_file).read_text())
    start = np.datetime64(START, "ns")
    stop = start + np.timedelta64(int(args.days * 86400), "s")
    oems = None
    t_read = 0.0
    if args.mode == "ephemeris":
        t = time.perf_counter()
        oems = [read_oem(p) for p in fleet["oems"]]
        t_read = time.perf_counter() - t
    t0 = time.perf_counter()
    res = screen(es, start, stop, threshold_km=args.threshold_km, primaries=fleet["norad"], ephemerides=oems,
                 executor=args.workers)
    sec = time.perf_counter() - t0
    out = {"mode": args.mode, "seconds": sec, "read_oem_seconds": t_read, "events": len(res.events),
           "objects": res.n_objects, "primaries": res.n_primaries, "timings": res.timings_s,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    if oems:
        d = res.to_dict(events=False)["ephemerides"]
        steps = [e["node_step_s"] for e in d]
        out["node_steps_s"] = {str(s): steps.count(s) for s in sorted(set(steps))}
        eps = np.array([e["interpolation_bound_km"] for e in d])
        out["interpolation_bound_km"] = {"median": float(np.median(eps)), "max": float(eps.max())}
        out["replaced"] = len(res.replaced)
    print("RESULT " + json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--fleet", type=int, default=100)
    ap.add_argument("--threshold-km", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--modes", default="ephemeris,tle")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--worker", choices=("ephemeris", "tle"), help=argparse.SUPPRESS)
    ap.add_argument("--fleet-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.mode = args.worker
        return worker(args)
    es = sample_catalog()
    rows = pick_fleet(es, args.fleet)
    start_ns = int(np.datetime64(START, "ns").astype(np.int64))
    stop_ns = start_ns + int(args.days * 86400) * NS
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        paths = make_oems(es, rows, start_ns, stop_ns, Path(tmp))
        print(f"made {len(paths)} OEMs ({args.days:g} days + 20 min at 60 s, "
              f"{sum(p.stat().st_size for p in paths) / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
        ff = Path(tmp) / "fleet.json"
        ff.write_text(json.dumps({"norad": [int(x) for x in es.norad_id[rows]], "oems": [str(p) for p in paths]}))
        for mode in args.modes.split(","):
            cmd = [sys.executable, __file__, "--worker", mode, "--fleet-file", str(ff), "--days", str(args.days),
                   "--threshold-km", str(args.threshold_km)]
            if args.workers:
                cmd += ["--workers", str(args.workers)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                print(p.stdout[-2000:], p.stderr[-4000:])
                raise SystemExit(f"{mode} run failed")
            r = json.loads(line[7:])
            results.append(r)
            extra = ""
            if mode == "ephemeris":
                extra = (f", OEM read {r['read_oem_seconds']:.1f} s, node steps {r['node_steps_s']}, bound median "
                         f"{r['interpolation_bound_km']['median'] * 1000:.0f} m max "
                         f"{r['interpolation_bound_km']['max'] * 1000:.0f} m")
            tm = r["timings"]
            print(f"{mode:>9}: {r['seconds']:6.1f} s, {r['events']} events, peak {r['peak_rss_mb'] / 1024:.2f} GB "
                  f"(prepare {tm['prepare']:.1f}, calibrate {tm['calibrate']:.1f}, windows {tm['windows']:.1f}, "
                  f"finalize {tm['finalize']:.1f} s){extra}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
