"""How far is the greedy plan from the optimum? Test cases solved both ways.

For each case (area, fleet restriction, coverage target, horizon) the greedy planner (without
hazard penalties, so both optimise real times) and the exact integer programme
(:func:`orbitwatch.response.plan_optimal`, HiGHS through scipy) run on the same opportunities;
the table gives the completion time (hours after the start) and the number of acquisitions.

Run: ``.venv/bin/python benchmarks/respond_gap.py``
"""

from __future__ import annotations

import time

from orbitwatch.response import (Preferences, compute_access, load_fleet, make_activation, plan_acquisitions,
                                 plan_optimal)

AREAS = {
    "Indus flood 24,000 km2": [[67.55, 26.3], [68.1, 26.08], [68.55, 26.3], [68.8, 26.95], [69.1, 27.55],
                               [69.05, 27.95], [68.55, 28.1], [68.05, 27.9], [67.75, 27.45], [67.45, 26.95],
                               [67.55, 26.3]],
    "Po plain 6,000 km2": [[9.6, 44.95], [10.7, 44.85], [10.8, 45.45], [9.75, 45.55], [9.6, 44.95]],
    "Mozambique cyclone 40,000 km2": [[33.8, -20.3], [35.6, -20.3], [35.6, -18.6], [33.8, -18.6], [33.8, -20.3]],
    "Turkey quake 20,000 km2": [[36.0, 37.0], [37.6, 37.0], [37.6, 38.1], [36.0, 38.1], [36.0, 37.0]],
}
CASES = [
    # (area, max resolution m, types, target, hours)
    ("Indus flood 24,000 km2", 3.0, None, 0.95, 72),
    ("Indus flood 24,000 km2", 1.0, None, 0.90, 72),
    ("Po plain 6,000 km2", 1.0, None, 0.95, 48),
    ("Po plain 6,000 km2", 10.0, ["SAR"], 0.99, 48),
    ("Mozambique cyclone 40,000 km2", 5.0, ["SAR"], 0.95, 96),
    ("Turkey quake 20,000 km2", 1.0, ["optical"], 0.90, 96),
]


def main():
    fleet = load_fleet()
    print("| case | fleet | target | greedy h | greedy n | optimal h | optimal n | gap h | greedy s | optimal s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for area, res, types, target, hours in CASES:
        act = make_activation({"type": "Polygon", "coordinates": [AREAS[area]]}, hazard="other",
                              start="2026-06-10T00:00:00", hours=hours, n_cells=400)
        sub = fleet.select(max_resolution_m=res, types=types)
        acc = compute_access(act, sub)
        pref = Preferences(coverage_target=target, penalty_h={})
        t = time.perf_counter()
        g = plan_acquisitions(acc, pref)
        tg = time.perf_counter() - t
        t = time.perf_counter()
        o = plan_optimal(acc, pref, time_limit_s=120)
        to = time.perf_counter() - t
        gh = g.hours_to_coverage
        oh = o.hours_to_coverage
        desc = f"<= {res:g} m" + (f" {'/'.join(types)}" if types else "")
        fmt = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
        gap = "-" if gh is None or oh is None else f"{gh - oh:.2f}"
        print(f"| {area} | {desc} ({len(sub)} sats) | {target:.0%} | {fmt(gh)} | {len(g.acquisitions)} | {fmt(oh)} | "
              f"{len(o.acquisitions)} | {gap} | {tg:.3f} | {to:.1f} |")


if __name__ == "__main__":
    main()
