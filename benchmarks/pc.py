"""Collision-probability throughput: orbitwatch's methods and Orekit's, same inputs.

    .venv/bin/python benchmarks/pc.py [--n 100000] [--events 250000] [--screening-s SECONDS]

* builds ``--n`` encounter planes from random LEO conjunctions whose covariances come
  from the default TLE model (the screening path), seed fixed;
* times each orbitwatch 2D method on all of them (numba, all cores, after JIT warm-up)
  and the whole per-event default path (covariances + projection + Foster + max Pc)
  on ``--events`` events (a full-catalog week is ~250,000);
* times Orekit 13's ``Patera2005``, ``Laas2015``, ``Alfano2005`` and ``Chan1997`` on the
  same planes through a small Java loop compiled on the spot (javac) and run in the
  JVM via orekit-jpype (``pip install -e .[bench]``; skipped without Java), so the
  Python/Java call overhead is not charged to Orekit;
* times the CDM-level methods (3D-Nc, Coppola, Monte Carlo) on NASA CARA CDMs;
* prints one table with evaluations per second, the ratio to Orekit, and each
  method's largest deviation from the exact Foster value (Pc > 1e-30).

Numbers depend on the machine; the table states cores and versions.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

JAVA_HARNESS = r"""
import org.orekit.ssa.collision.shorttermencounter.probability.twod.*;

public class PcBench {
    public static double[] run(String name, double[] xm, double[] ym, double[] sx, double[] sy, double[] r) {
        ShortTermEncounter2DPOCMethod m;
        switch (name) {
            case "Patera2005": m = new Patera2005(); break;
            case "Laas2015": m = new Laas2015(); break;
            case "Alfano2005": m = new Alfano2005(); break;
            case "Chan1997": m = new Chan1997(); break;
            default: throw new IllegalArgumentException(name);
        }
        double[] out = new double[xm.length];
        for (int i = 0; i < xm.length; i++) {
            try {
                out[i] = m.compute(xm[i], ym[i], sx[i], sy[i], r[i]).getValue();
            } catch (RuntimeException e) {   // e.g. Laas2015 rounding to "-0 out of [0, 1]"
                out[i] = Double.NaN;
            }
        }
        return out;
    }
}
"""


def make_events(n: int, seed: int = 42):
    """Random LEO conjunctions: states at TCA and element-set ages (TLE-only objects)."""
    rng = np.random.default_rng(seed)
    mu = 398600.4418
    alt = rng.uniform(400, 1200, n)
    rr = 6378.137 + alt
    u = rng.normal(size=(n, 3))
    r1 = rr[:, None] * u / np.linalg.norm(u, axis=1)[:, None]

    def circ_v(r):
        w = rng.normal(size=(n, 3))
        w -= np.einsum("ij,ij->i", w, r)[:, None] * r / np.einsum("ij,ij->i", r, r)[:, None]
        w /= np.linalg.norm(w, axis=1)[:, None]
        return np.sqrt(mu / np.linalg.norm(r, axis=1))[:, None] * w

    v1 = circ_v(r1)
    miss = rng.uniform(0.01, 5.0, n)                  # km, a screening volume
    d = rng.normal(size=(n, 3))
    r2 = r1 + miss[:, None] * d / np.linalg.norm(d, axis=1)[:, None]
    v2 = circ_v(r2)
    ages1 = rng.uniform(0, 3, n)
    ages2 = rng.uniform(0, 3, n)
    hbr = rng.choice([0.002, 0.005, 0.010, 0.020], n)
    return r1, v1, r2, v2, ages1, ages2, hbr


def timed(f, *a, repeat: int = 3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f(*a)
        best = min(best, time.perf_counter() - t)
    return best, out


def orekit_runs(planes_m, methods):
    """{method: (seconds, values)} from Orekit via a compiled Java loop, or None."""
    if shutil.which("java") is None or shutil.which("javac") is None:
        return None, "no Java"
    try:
        import orekit_jpype
    except ImportError:
        return None, "orekit-jpype not installed (pip install -e .[bench])"
    jars = Path(orekit_jpype.__file__).parent / "jars"
    cp = os.pathsep.join(str(p) for p in sorted(jars.glob("*.jar")))
    tmp = Path(tempfile.mkdtemp(prefix="pcbench"))
    (tmp / "PcBench.java").write_text(JAVA_HARNESS)
    subprocess.run(["javac", "-cp", cp, "-d", str(tmp), str(tmp / "PcBench.java")], check=True,
                   capture_output=True)
    orekit_jpype.initVM(additional_classpaths=[str(tmp)])
    import jpype

    PcBench = jpype.JClass("PcBench")
    JD = jpype.JArray(jpype.JDouble)
    arrs = [JD(np.ascontiguousarray(a)) for a in planes_m]
    warm = [JD(np.ascontiguousarray(a[:5000])) for a in planes_m]
    version = str(jpype.JClass("org.orekit.time.AbsoluteDate").__module__ or "")
    out = {}
    for m in methods:
        PcBench.run(m, *warm)                        # JIT warm-up
        PcBench.run(m, *warm)
        best, vals = np.inf, None
        for _ in range(2):
            t = time.perf_counter()
            vals = PcBench.run(m, *arrs)
            best = min(best, time.perf_counter() - t)
        out[m] = (best, np.asarray(vals))
    _ = version
    from importlib.metadata import version as _v

    return out, f"orekit-jpype {_v('orekit-jpype')} (Orekit jar in the wheel), Java loop compiled with javac"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000, help="conjunctions for the per-method timing")
    ap.add_argument("--events", type=int, default=250_000, help="events for the default-path timing")
    ap.add_argument("--screening-s", type=float, default=None,
                    help="screening time of the same events (s), to express the Pc cost as a share")
    ap.add_argument("--no-orekit", action="store_true")
    args = ap.parse_args(argv)

    import numba

    from orbitwatch.conjunction.covariance import tle_covariance_eci
    from orbitwatch.conjunction.pc import (encounter_plane, pc_alfano, pc_chan, pc_circle, pc_for_events,
                                           pc_max_aspect, pc_max_scaled, pc_patera, pc_square)

    n = args.n
    r1, v1, r2, v2, a1, a2, hbr = make_events(n)
    C1 = tle_covariance_eci(r1, v1, a1)
    C2 = tle_covariance_eci(r2, v2, a2)
    ep = encounter_plane(r1, v1, C1, r2, v2, C2, hbr)
    m = 1000.0                                   # planes in metres (Orekit's convention)
    xm, zm, sx, sz, R = ep.xm * m, ep.zm * m, ep.sx * m, ep.sz * m, ep.hbr * m

    # warm-up (JIT compile, numba caches)
    w = slice(0, 200)
    for f in (pc_circle, pc_chan, pc_patera, pc_alfano, pc_square, pc_max_scaled):
        f(xm[w], zm[w], sx[w], sz[w], R[w])
    pc_max_aspect(ep.miss[w] * m, R[w], 3.0)
    pc_for_events(r1[w], v1[w], r2[w], v2[w], hbr[w], age1_days=a1[w], age2_days=a2[w])

    exact = pc_circle(xm, zm, sx, sz, R)
    ours = {}
    ours["Foster 1992 (exact)"] = timed(pc_circle, xm, zm, sx, sz, R)
    ours["Chan 1997"] = timed(pc_chan, xm, zm, sx, sz, R)
    ours["Patera 2005"] = timed(pc_patera, xm, zm, sx, sz, R)
    ours["Alfano 2005"] = timed(pc_alfano, zm, xm, sz, sx, R)
    ours["square bound"] = timed(pc_square, xm, zm, sx, sz, R)
    ours["max Pc (scaling)"] = timed(lambda *a: pc_max_scaled(*a)[0], xm, zm, sx, sz, R)
    ours["SOCRATES max (AR 3)"] = timed(lambda: pc_max_aspect(ep.miss * m, R, 3.0)[0])
    rows = []
    big = exact > 1e-30
    mid = exact > 1e-10

    def devs(vals):
        ok = np.isfinite(vals)
        d1 = np.max(np.abs(vals[big & ok] / exact[big & ok] - 1))
        d2 = np.max(np.abs(vals[mid & ok] / exact[mid & ok] - 1))
        return f"{d2:9.1e} {d1:9.1e}"

    for name, (secs, vals) in ours.items():
        dev = "" if name.startswith("max") or name.startswith("SOCRATES") else devs(vals)
        rows.append([name, n / secs, None, dev])

    orekit_note = "skipped (--no-orekit)"
    if not args.no_orekit:
        oruns, orekit_note = orekit_runs((xm, zm, sx, sz, R), ["Patera2005", "Laas2015", "Alfano2005", "Chan1997"])
        if oruns:
            pairs = {"Patera2005": "Patera 2005", "Alfano2005": "Alfano 2005", "Chan1997": "Chan 1997",
                     "Laas2015": "Foster 1992 (exact)"}
            for om, (secs, vals) in oruns.items():
                fails = int(np.sum(~np.isfinite(vals)))
                rows.append([f"Orekit {om}", n / secs, pairs[om],
                             devs(vals) + (f"  ({fails} threw)" if fails else "")])

    # per-event default path on a full-catalog week
    E = args.events
    e = make_events(E, seed=7)
    secs_default, tab = timed(lambda: pc_for_events(e[0], e[1], e[2], e[3], e[6], age1_days=e[4],
                                                    age2_days=e[5]), repeat=2)

    # CDM-level methods on CARA's CDMs
    cdm_rows = []
    cara = SHARED / "pc" / "cara-cdms"
    if cara.exists():
        from orbitwatch.conjunction.cdm import read_cdm
        from orbitwatch.conjunction.pc import nc3d, pc_monte_carlo, states_from_cdm

        files = sorted(cara.glob("*.cdm"))
        states = [states_from_cdm(read_cdm(f)) for f in files]
        s0 = states[0]
        nc3d(s0.r1_km, s0.v1_km_s, s0.cov1_km, s0.r2_km, s0.v2_km_s, s0.cov2_km, s0.hbr_km)
        for method in ("hall", "coppola"):
            t = time.perf_counter()
            for s in states:
                nc3d(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, s.hbr_km, method=method)
            dt = time.perf_counter() - t
            cdm_rows.append([f"3D {'Nc Hall 2021' if method == 'hall' else 'Pc Coppola 2012'}", len(states) / dt,
                             f"{len(states)} CARA CDMs"])
        pc_monte_carlo(s0.r1_km, s0.v1_km_s, s0.cov1_km, s0.r2_km, s0.v2_km_s, s0.cov2_km, s0.hbr_km, samples=1000)
        t = time.perf_counter()
        pc_monte_carlo(s0.r1_km, s0.v1_km_s, s0.cov1_km, s0.r2_km, s0.v2_km_s, s0.cov2_km, s0.hbr_km,
                       samples=200_000)
        dt = time.perf_counter() - t
        cdm_rows.append(["Monte Carlo (two-body)", 200_000 / dt, "samples/s, one CDM"])

    print(f"\norbitwatch Pc benchmark - {n} conjunctions; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, numba threads {numba.get_num_threads()}, Python {sys.version.split()[0]}")
    print(f"Orekit: {orekit_note}\n")
    print(f"{'':<54}max |Pc/exact - 1| for exact Pc >")
    print(f"{'method':<28}{'evals/s':>14}{'vs Orekit':>12}   {'1e-10':>9} {'1e-30':>9}")
    by_name = {r[0]: r for r in rows}
    for name, rate, pair, dev in rows:
        ratio = ""
        if name.startswith("Orekit") and pair in by_name:
            ratio = f"{by_name[pair][1] / rate:.1f}x"
        print(f"{name:<28}{rate:>14,.0f}{ratio:>12}   {dev}")
    print("(ratio: orbitwatch's counterpart / Orekit; Orekit Laas2015 is compared with Foster, both exact)")
    print()
    for name, rate, note in cdm_rows:
        print(f"{name:<28}{rate:>14,.1f}   {note}")
    print()
    share = ""
    if args.screening_s:
        share = f" = {100 * secs_default / args.screening_s:.1f}% of a {args.screening_s:.0f} s screening"
    print(f"default per-event path (TLE covariances + Foster + max Pc) on {E:,} events: "
          f"{secs_default:.2f} s ({E / secs_default:,.0f} events/s){share}")
    print(f"  dilution-region events: {100 * np.mean(tab.dilution):.1f}%, Pc > 1e-4: {np.sum(tab.foster > 1e-4)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
