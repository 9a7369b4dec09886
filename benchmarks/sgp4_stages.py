"""Where the SIMD SGP4 kernel's time goes: CPU ns per state of each stage, per regime, one core.

The stages of ``orbitwatch.propagation._sgp4_cpu`` are run cumulatively on the 2023 catalog
(near-Earth, deep-space without and with resonance) at ``--instants`` instants one minute apart
(blocks of 64 as in the kernel): resonance pre-pass, then + secular/lunar-solar/long-period terms,
+ Kepler, + short-period terms and orientation, + writing r, v, status into (N, T, 3) arrays (with the
kernel's prefetch of the output lines at the start of each block); each
stage's cost is the difference of the best of ``--repeat`` interleaved runs (CPU seconds of this
process; on a busy machine a difference can still be off by ~1 ns). With
``--astroz``, each regime is also propagated by astroz (per CPU-second: it threads) on the same
objects and instants.

    python benchmarks/sgp4_stages.py                 # ~1 min after the first compile
    python benchmarks/sgp4_stages.py --astroz
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
DEFAULT_CATALOG = REPO.parent / "shared" / "data" / "catalog" / "full-catalog-2023-10-09.3le"


def build_runner():
    from numba import njit

    from orbitwatch.propagation import _sgp4_cpu as cpu

    @njit(error_model="numpy")
    def run(c, idx, t, mode, r2, v2, st):
        nt = t.size
        w = np.empty(cpu.NW * cpu.B)
        acc = 0.0
        for ii in range(idx.size):
            i = idx[ii]
            state = cpu.new_state()
            lyd = cpu.needs_lyddane(c, i)
            for j0 in range(0, nt, cpu.B):
                nb = min(cpu.B, nt - j0)
                for k in range(nb):
                    w[cpu.W_T + k] = t[j0 + k]
                if mode >= 4:
                    cpu.prefetch_block(nb, r2, v2, st, ii, j0, True)
                if c[i, 0] == 1.0:
                    for k in range(nb):
                        w[cpu.W_ST + k] = 0.0
                    if c[i, 2] != 0.0:
                        cpu._resonance_prepass(c, i, w, nb, state)
                    if mode >= 1:
                        cpu._stage_deep(c, i, w, nb, lyd)
                elif mode >= 1:
                    cpu._stage_near(c, i, w, nb)
                if mode >= 2:
                    cpu._stage_kepler(w, nb)
                if mode >= 3:
                    cpu._stage_short(w, nb)
                if mode >= 4:
                    cpu.store_block(w, nb, r2, v2, st, ii, j0, True)
                acc += w[cpu.W_T]
        return acc

    return run


def cpu_seconds() -> float:
    """CPU seconds of this process, all threads (os.times() ticks in 10 ms: too coarse here)."""
    return time.process_time()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    p.add_argument("--instants", type=int, default=1440)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--near-step", type=int, default=4, help="every n-th near-Earth object (default 4)")
    p.add_argument("--astroz", action="store_true", help="also time astroz on each regime")
    args = p.parse_args(argv)
    from orbitwatch.elements import format_elements, read_elements
    from orbitwatch.propagation import sgp4_numba as sn

    es = read_elements(args.catalog).elements
    state = sn.init_state(es)
    nt = args.instants
    deep, res = state.deep_space, state.resonance > 0
    groups = {"near-Earth": np.flatnonzero(~deep)[::args.near_step], "deep, no resonance": np.flatnonzero(deep & ~res),
              "deep, resonant": np.flatnonzero(res)}
    t = np.arange(nt) * 1.0 + 17.3
    run = build_runner()
    run(state.coef, groups["near-Earth"][:2], t[:8], 4, np.empty((2, 24)), np.empty((2, 24)),
        np.empty((2, 8), np.uint8))
    labels = ("resonance pre-pass", "secular + periodics", "Kepler", "short-period", "write r, v, status")
    print(f"{'regime':20s} {'objects':>7s} " + " ".join(f"{x:>19s}" for x in labels) + f" {'total':>7s}"
          + (f" {'astroz/CPU-s':>12s}" if args.astroz else ""))
    for name, idx in groups.items():
        n = len(idx)
        r2, v2, st = np.empty((n, 3 * nt)), np.empty((n, 3 * nt)), np.empty((n, nt), np.uint8)
        best = [np.inf] * 5
        for _ in range(args.repeat):  # the modes interleaved, so that a noisy moment hits all of them
            for mode in range(5):
                c0 = cpu_seconds()
                run(state.coef, idx, t, mode, r2, v2, st)
                best[mode] = min(best[mode], cpu_seconds() - c0)
        cum = [b / (n * nt) * 1e9 for b in best]
        parts = [cum[0]] + [cum[k] - cum[k - 1] for k in range(1, 5)]
        line = f"{name:20s} {n:7d} " + " ".join(f"{x:19.2f}" for x in parts) + f" {cum[-1]:7.2f}"
        if args.astroz:
            import astroz

            cons = astroz.Constellation(format_elements(es[idx], "tle"))
            start = dt.datetime.fromtimestamp(int(np.median(es.epoch[idx].astype(np.int64))) // 60_000_000_000 * 60,
                                              tz=dt.timezone.utc)
            best = np.inf
            for _ in range(args.repeat):
                c0 = cpu_seconds()
                astroz.propagate(cons, np.arange(nt, dtype=np.float64), start_time=start, output="teme",
                                 velocities=True)
                best = min(best, cpu_seconds() - c0)
            line += f" {best / (n * nt) * 1e9:12.2f}"
        print(line, flush=True)
    print("ns of CPU time per state, one core; instants one minute apart from 17.3 min after each epoch"
          + ("; astroz from the median epoch of the regime" if args.astroz else ""))


if __name__ == "__main__":
    main()
