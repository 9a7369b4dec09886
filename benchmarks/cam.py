"""Collision-avoidance maneuver planning speed: grid, confirmation, 7-day screening.

    .venv/bin/python benchmarks/cam.py [--cdm FILE] [--horizon-days 7] [--no-screen]

On one of NASA CARA's high-Pc CDMs (shared data dir ``pc/cara-cdms/``; default WORLDVIEW 3 x
FENGYUN 1C DEB, Pc 1.07e-4):

* the variational integration giving the STMs of all 48 burn times (satkit, EGM96 20x20,
  Sun, Moon, drag, SRP, tides, relativity);
* the full grid (48 burn times x 6 directions x 40 magnitudes = 11,520 options) through the
  linear map, Pc by Foster at each option's linear TCA;
* the peer: flying options with full numerical propagation (the same satkit propagator), timed
  on a sample of 6 and extrapolated to the grid: the ratio is what the linear map saves;
* full propagation of the chosen option over burn .. TCA + 7 days, and the screening of that
  trajectory (and its unmaneuvered reference) against the packaged 26,140-object catalog.

Numbers depend on the machine (cores and load are printed).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEFAULT = "pc/cara-cdms/000040115_conj_000030660_20230721_100115_20230720_061903.cdm"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cdm", type=Path, default=SHARED / DEFAULT)
    ap.add_argument("--horizon-days", type=float, default=7.0)
    ap.add_argument("--no-screen", action="store_true")
    ap.add_argument("--no-prefilter", action="store_true", help="screen the whole catalog")
    a = ap.parse_args()

    from orbitwatch.api import Catalog, read_cdm, read_elements, sample_catalog_path
    from orbitwatch.maneuver import (Burn, CamRequest, event_from_cdm, plan_avoidance, propagate_with_burns,
                                     screen_maneuver)
    from orbitwatch.maneuver.search import _grid
    from orbitwatch.maneuver.propagator import stm_to

    print(f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    ev = event_from_cdm(read_cdm(a.cdm))
    req = CamRequest()
    plan_avoidance(ev, req, confirm=False)            # warm-up (numba Pc kernels, satkit data)
    t = time.perf_counter()
    res = plan_avoidance(ev, req, confirm=False)
    total = time.perf_counter() - t
    g = res.grid
    n_opt = g.pc.size
    t = time.perf_counter()
    phis, states, _ = stm_to(ev.tca, ev.r1_km, ev.v1_km_s, g.burn_times[0], ev.tca, g.burn_times,
                             force_model=req.force_model)
    t_stm = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(5):
        _grid(ev, req, g.burn_times, phis, states)
    t_grid = (time.perf_counter() - t) / 5
    print(f"grid {len(g.burn_times)} x {len(g.directions)} x {len(g.magnitudes_mps)} = {n_opt} options: "
          f"linear map + Pc {t_grid * 1000:.0f} ms, STM integration {t_stm * 1000:.0f} ms, "
          f"plan_avoidance total {total * 1000:.0f} ms")
    idx = np.random.default_rng(0).integers(0, len(g.burn_times), 6)
    t = time.perf_counter()
    for i in idx:
        propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, g.burn_times[0], ev.tca + np.timedelta64(60, "s"),
                             burns=[Burn(g.burn_times[i], (0.0, 0.01, 0.0))], step_s=3600, force_model=req.force_model)
    per = (time.perf_counter() - t) / len(idx)
    print(f"peer: full propagation per option {per * 1000:.0f} ms -> whole grid ~{per * n_opt:.0f} s; "
          f"linear map is {per * n_opt / (t_grid + t_stm):.0f}x faster")
    res = plan_avoidance(ev, req)
    b = res.best
    print(f"chosen {b.direction} {b.dv_mps * 1000:.2f} mm/s at {str(b.burn_time)[:19]}: Pc linear {b.pc_linear:.3g}"
          f", propagated {b.pc_full:.3g}; miss linear {b.miss_linear_km:.4f} km, propagated {b.miss_full_km:.4f} km "
          f"(difference {b.miss_difference_m:.2f} m)")
    t = time.perf_counter()
    propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, b.burn_time, ev.tca + np.timedelta64(int(a.horizon_days *
                         86400), "s"), burns=[b.burn], force_model=req.force_model)
    print(f"full propagation burn .. TCA + {a.horizon_days:g} d (60 s samples): {time.perf_counter() - t:.2f} s")
    if not a.no_screen:
        cat = Catalog(read_elements(sample_catalog_path()).elements)
        t = time.perf_counter()
        s = screen_maneuver(res, cat, horizon_days=a.horizon_days, band_margin_km=None if a.no_prefilter else 50.0)
        print(f"screening (maneuvered + reference trajectories, incl. their propagation) vs {s.n_objects} objects "
              f"(apogee/perigee prefilter kept them of {s.n_catalog}) "
              f"over {str(s.start)[:16]} .. {str(s.stop)[:16]}: {time.perf_counter() - t:.1f} s; "
              f"new {len(s.new)} (worst Pc {s.worst_new_pc:.2g}), avoided {len(s.avoided)}, kept {len(s.kept)}, "
              f"worse: {s.worse}")


if __name__ == "__main__":
    main()
