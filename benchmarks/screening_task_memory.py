"""What one screening window task holds, against the number of objects and the window length.

    PYTHONPATH=src .venv/bin/python benchmarks/screening_task_memory.py 26140 --windows 1920 7200
    PYTHONPATH=src .venv/bin/python benchmarks/screening_task_memory.py 100000 --windows 480 7200

In this process (run one size per process): the catalog (26,140 is the real one of 2023-10-09, larger
N ``synthesize_population(real, N, seed=1)``), SGP4 prepared on one thread, calibrated, and the
screening's shared context built as ``screen`` builds it (its pickled size is what each worker
receives once); then one window task (``_run_window``) per length, 1 km, with the resident memory
sampled every 5 ms: the task's peak above what the process held before it. A first small window
compiles or loads the kernels so that compilation is not counted. Compare with
``request.estimate_task_bytes``, which ``ScreeningOptions.max_task_mb`` uses to choose the window.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import threading
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("objects", type=int)
    ap.add_argument("--windows", type=float, nargs="+", default=[480.0, 1920.0, 7200.0])
    ap.add_argument("--threshold-km", type=float, default=1.0)
    args = ap.parse_args()
    import psutil

    from orbitwatch.catalog.synth import synthesize_population
    from orbitwatch.conjunction.screening import core as C
    from orbitwatch.conjunction.screening.request import estimate_task_bytes
    from orbitwatch.conjunction.screening.sampling import StateSource, calibrate
    from orbitwatch.elements import read_elements
    from orbitwatch.propagation.backends import BatchPropagator, get_backend
    from orbitwatch.samples import sample_catalog_path

    proc = psutil.Process()
    real = read_elements(sample_catalog_path()).elements
    real = real[np.unique(real.norad_id, return_index=True)[1]]
    es = real[np.arange(args.objects)] if args.objects <= len(real) else synthesize_population(real, args.objects,
                                                                                                 seed=1)
    es = es[np.argsort(es.norad_id, kind="stable")]
    s0 = int(np.datetime64("2023-10-09T12:00", "ns").astype(np.int64))
    opt = C.ScreeningOptions()
    prop = BatchPropagator(get_backend("numba"), es).on_host().with_threads(1)
    samp = calibrate(StateSource(prop, es), s0, opt.segment_s, opt.interp_target_km, kmin=opt.kmin, kmax=opt.kmax,
                     safety=opt.safety, stop_ns=s0 + int(max(args.windows) * 1e9))
    ctx = C._Context(prop, es, samp, np.zeros(len(es), bool), True, s0, max(args.windows), args.threshold_km, opt)
    shared_mb = len(pickle.dumps(ctx, protocol=5)) / 1e6
    ctx.source()
    C._run_window((0.0, 480.0), ctx)  # kernels compiled or loaded from numba's cache
    steps = np.unique(samp.k, return_counts=True)
    print(f"{len(es):,} objects; shared context {shared_mb:.0f} MB pickled; node steps (s): "
          f"{dict(zip((60 * 2.0 ** steps[0]).tolist(), steps[1].tolist()))}")
    print(f"{'window s':>9} {'nodes':>11} {'task peak MB':>12} {'estimate MB':>11} {'seconds':>8} {'minima':>7}")
    rows = []
    for w in args.windows:
        gc.collect()
        before = proc.memory_info().rss
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], proc.memory_info().rss)
                done.wait(0.005)

        th = threading.Thread(target=sample)
        th.start()
        t0 = time.perf_counter()
        res = C._run_window((0.0, w), ctx)
        dt = time.perf_counter() - t0
        done.set()
        th.join()
        est = estimate_task_bytes(steps, args.threshold_km, w, opt)
        row = {"window_s": w, "nodes": int(est["node_count"]), "task_peak_mb": (peak[0] - before) / 1e6,
               "estimate_mb": est["total"] / 1e6, "seconds": dt, "minima": int(res["i"].size)}
        rows.append(row)
        print(f"{w:>9g} {row['nodes']:>11,} {row['task_peak_mb']:>12.0f} {row['estimate_mb']:>11.0f} {dt:>8.1f} "
              f"{row['minima']:>7}")
    print(json.dumps({"objects": len(es), "shared_context_mb": shared_mb, "windows": rows}))


if __name__ == "__main__":
    main()
