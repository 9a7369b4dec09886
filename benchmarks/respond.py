"""Disaster-response benchmark: orbitwatch vs brahe and TAT-C on the same inputs, in one run.

Inputs: the shipped Charter fleet (real element sets, 2026 day 160-161) replicated to 270
satellites (copies fly the same planes, phased by the golden angle), a 7-day horizon from
2026-06-10T00:00Z, and the shipped flood polygon (lower Indus, ~230 km x 150 km, 24,000 km2).

* orbitwatch, full model: every sensor of every satellite (SAR incidence bands with look sides,
  nadir and steerable push-brooms, agile cones), polygon-accurate windows, swath options and
  coverage cells, daylight, then the greedy plan. Cold = first call in the process (numba kernels
  loaded from cache), warm = best of 3.
* orbitwatch, cone model: one cone of the satellite's widest off-nadir reach per satellite (what
  TAT-C and brahe can express), polygon-accurate: the like-for-like run.
* TAT-C (``tatc.analysis.collect_region_observations``): the same cones, polygon-accurate
  ("while any part of the region lies within the field of regard"), its own SGP4 (skyfield).
* brahe (``brahe.location_accesses``): the same cones as OffNadir <= max and elevation >= 0 on a
  ``PolygonLocation`` (evaluated at the polygon's centre).

Run: ``.venv/bin/python benchmarks/respond.py [--days 7] [--sats 270] [--skip-tatc] [--skip-brahe]``
(peers: ``pip install -e '.[bench]'`` or ``pip install brahe tatc``). Prints two tables: times with
ratios, and window agreement of the cone runs against orbitwatch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time

import numpy as np

from orbitwatch.elements import format_elements
from orbitwatch.response import (Fleet, Sensor, compute_access, fleet_elements, load_fleet,
                                 plan_acquisitions, read_activation, replicate, sample_activation_path)

R_E = 6371.0


def widest_cone_deg(fleet: Fleet, es) -> np.ndarray:
    """Largest off-nadir angle each satellite can image at (incidence converted at its altitude)."""
    out = np.zeros(len(fleet.satellites))
    a_km = es.semi_major_axis_km
    for i, s in enumerate(fleet.satellites):
        best = 0.0
        for x in fleet.sensors_of(s.platform):
            if x.angle_kind == "incidence":
                eta = math.degrees(math.asin(R_E / a_km[i] * math.sin(math.radians(x.angle_max_deg))))
            else:
                eta = x.angle_max_deg
            best = max(best, eta)
        out[i] = best
    return out


def cone_fleet(fleet: Fleet, cones: np.ndarray) -> Fleet:
    sats, sens = [], []
    for s, c in zip(fleet.satellites, cones):
        plat = f"CONE{c:.3f}"
        sats.append(type(s)(s.norad_id, s.name, plat, s.agency))
        sens.append(Sensor(plat, "CONE", "SAR", "agile", "off_nadir", 0.0, float(c), "both", 10.0, 1.0))
    uniq = {x.platform: x for x in sens}
    return Fleet(tuple(sats), tuple(uniq.values()))


def run_orbitwatch(act, fleet, es, repeat=3):
    t = time.perf_counter()
    acc = compute_access(act, fleet, es)
    plan = plan_acquisitions(acc)
    cold = time.perf_counter() - t
    warm = []
    for _ in range(repeat):
        t = time.perf_counter()
        acc = compute_access(act, fleet, es)
        plan = plan_acquisitions(acc)
        warm.append(time.perf_counter() - t)
    return acc, plan, cold, min(warm)


def run_tatc(region_lonlat, tles, names, cones, start, end):
    from shapely.geometry import Polygon
    from tatc.analysis import collect_region_observations
    from tatc.schemas import Instrument, Satellite, TwoLineElements

    sats = [Satellite(name=n, orbit=TwoLineElements(tle=list(t)),
                      instruments=[Instrument(name="cone", field_of_regard=2 * c)])
            for n, t, c in zip(names, tles, cones)]
    utc = dt.timezone.utc
    t = time.perf_counter()
    obs = collect_region_observations(Polygon(region_lonlat), sats, start.replace(tzinfo=utc),
                                      end.replace(tzinfo=utc))
    el = time.perf_counter() - t
    wins = []
    for _, row in obs.iterrows():
        wins.append((row["satellite"], _naive(row["start"]), _naive(row["end"])))
    return wins, el


def _naive(t) -> np.datetime64:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = t.to_pydatetime() if hasattr(t, "to_pydatetime") else t
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return np.datetime64(t, "ns")


def run_brahe(region_lonlat, tles, names, cones, start, end):
    import brahe as bh

    bh.set_global_eop_provider(bh.StaticEOPProvider.from_zero())
    loc = bh.PolygonLocation([[x, y, 0.0] for x, y in region_lonlat])
    t0 = bh.Epoch.from_datetime(start.year, start.month, start.day, start.hour, start.minute, 0.0, 0.0,
                                bh.TimeSystem.UTC)
    span = (end - start).total_seconds()
    t = time.perf_counter()
    wins = []
    # brahe takes one constraint per call: group satellites by cone angle
    by_cone: dict[float, list] = {}
    for n, tl, c in zip(names, tles, cones):
        by_cone.setdefault(round(float(c), 3), []).append((n, tl))
    for c, group in by_cone.items():
        props = [bh.SGPPropagator.from_tle(tl[0], tl[1], 60.0) for _, tl in group]
        cons = bh.ConstraintAll(constraints=[bh.OffNadirConstraint(min_off_nadir_deg=None, max_off_nadir_deg=c),
                                             bh.ElevationConstraint(min_elevation_deg=0.0, max_elevation_deg=None)])
        ws = bh.location_accesses(loc, props, t0, t0 + span, cons)
        ids = {p.norad_id: n for p, (n, _) in zip(props, group)}
        for w in ws:
            wins.append((w.satellite_name or ids.get(w.satellite_id), _bh_time(w.window_open),
                         _bh_time(w.window_close)))
    return wins, time.perf_counter() - t


def _bh_time(e) -> np.datetime64:
    s = str(e).replace(" UTC", "")
    return np.datetime64(s.replace(" ", "T"), "ns")


def match(ref, other, tol_s=120.0):
    """Pair windows of the same satellite that overlap; edge differences in seconds."""
    by_sat: dict = {}
    for n, a, b in other:
        by_sat.setdefault(n, []).append((a, b))
    d0, d1, unmatched = [], [], 0
    for n, a, b in ref:
        best = None
        for a2, b2 in by_sat.get(n, []):
            if a2 <= b + np.timedelta64(int(tol_s), "s") and b2 >= a - np.timedelta64(int(tol_s), "s"):
                best = (a2, b2)
                break
        if best is None:
            unmatched += 1
            continue
        d0.append(float((best[0] - a) / np.timedelta64(1, "ms")) / 1000)
        d1.append(float((best[1] - b) / np.timedelta64(1, "ms")) / 1000)
    return np.array(d0), np.array(d1), unmatched


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--sats", type=int, default=270)
    ap.add_argument("--skip-tatc", action="store_true")
    ap.add_argument("--skip-brahe", action="store_true")
    args = ap.parse_args(argv)

    start = dt.datetime(2026, 6, 10, 0, 0, 0)
    end = start + dt.timedelta(days=args.days)
    act = read_activation(sample_activation_path(), start=start.isoformat(), hours=args.days * 24)
    base = load_fleet()
    es0, _ = fleet_elements(base)
    fleet, es = replicate(base, es0, args.sats)
    names = [s.name for s in fleet.satellites]
    cones = widest_cone_deg(fleet, es)
    lines = format_elements(es, "tle").strip().splitlines()
    tles = [(lines[2 * i], lines[2 * i + 1]) for i in range(len(es))]
    ring = np.asarray(act.area.geometry.exterior.coords)
    region = [(float(x), float(y)) for x, y in ring]

    print(f"# {len(fleet)} satellites ({len(base)} real, {len(fleet.agencies)} agencies), "
          f"{sum(len(fleet.sensors_of(s.platform)) for s in fleet.satellites)} sensors, {args.days:g} days, "
          f"area {act.area.area_km2:,.0f} km2; python {sys.version.split()[0]}")
    rows = []
    acc, plan, cold, warm = run_orbitwatch(act, fleet, es)
    rows.append(("orbitwatch full model + plan", "polygon, all sensors", len(acc.opportunities), cold, warm))
    print(f"orbitwatch: {len(acc.opportunities)} windows, {len(acc.opt_opp)} swath options; earliest "
          f"{plan.earliest.satellite.name} {plan.earliest.start}; {plan.coverage_fraction:.0%} covered after "
          f"{plan.hours_to_coverage:.1f} h with {len(plan.acquisitions)} acquisitions; stages "
          + ", ".join(f"{k} {v:.2f}" for k, v in acc.timings_s.items()))
    cf = cone_fleet(fleet, cones)
    acc_c, _plan_c, cold_c, warm_c = run_orbitwatch(act, cf, es)
    ours = [(o.satellite.name, o.window_start, o.window_end) for o in acc_c.opportunities]
    rows.append(("orbitwatch cone model", "polygon, one cone/sat", len(ours), cold_c, warm_c))
    results = {}
    if not args.skip_brahe:
        try:
            w, el = run_brahe(region, tles, names, cones, start, end)
            rows.append(("brahe location_accesses", "centroid, one cone/sat", len(w), el, el))
            results["brahe"] = w
        except ImportError:
            print("brahe not installed (pip install brahe)")
    if not args.skip_tatc:
        try:
            w, el = run_tatc(region, tles, names, cones, start, end)
            rows.append(("TAT-C collect_region_observations", "polygon, one cone/sat", len(w), el, el))
            results["TAT-C"] = w
        except ImportError:
            print("tatc not installed (pip install tatc)")
    print()
    print("| tool | geometry | windows | time cold s | time warm s | / orbitwatch cone model | "
          "/ orbitwatch full model + plan |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, geom, n, c, w in rows:
        print(f"| {name} | {geom} | {n} | {c:.2f} | {w:.2f} | {w / warm_c:.2f}x | {w / warm:.2f}x |")
    print()
    print("| peer vs orbitwatch cone model | matched windows | unmatched | median abs d(start) s | "
          "max abs d(start) s | median abs d(end) s | max abs d(end) s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, w in results.items():
        d0, d1, un = match(ours, w)
        if d0.size:
            print(f"| {name} | {d0.size} | {un} | {np.median(np.abs(d0)):.3f} | {np.max(np.abs(d0)):.3f} | "
                  f"{np.median(np.abs(d1)):.3f} | {np.max(np.abs(d1)):.3f} |")
        else:
            print(f"| {name} | 0 | {un} | - | - | - | - |")


if __name__ == "__main__":
    main()
