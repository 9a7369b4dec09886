"""SGP4 on a CUDA GPU: throughput and agreement with python-sgp4, as a JSON summary.

Runs the numba.cuda kernel of ``orbitwatch.propagation.sgp4_cuda`` on a whole catalog
(default: the 26,140-object Space-Track catalog of 2023-10-09) at ``--instants`` instants
one minute apart starting at the catalog's median epoch, and reports

* kernel throughput (device-resident inputs and outputs, best of ``--repeat``),
* end-to-end throughput including host->device and device->host copies of r, v and status
  (into pinned host buffers, and into ordinary numpy arrays),
* the first-launch (JIT compile) time,
* the largest position/velocity differences against python-sgp4 (when importable) on a
  sample of objects, and against the CPU numba kernel (when ``--cpu``),
* optionally the CPU kernel's throughput on all cores of the same machine (``--cpu``).

Needs only numpy and numba (with CUDA support) importable: the script puts the
repository's ``src`` on ``sys.path`` itself and imports nothing else from orbitwatch's
dependencies. Example::

    python benchmarks/sgp4_gpu.py --catalog full-catalog-2023-10-09.3le --out gpu.json --cpu
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402

DEFAULT_CATALOG = REPO.parent / "shared" / "data" / "catalog" / "full-catalog-2023-10-09.3le"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG, help="TLE/3LE (or OMM) catalog file")
    p.add_argument("--instants", type=int, default=1440, help="instants, 60 s apart (default 1440 = one day)")
    p.add_argument("--objects", type=int, default=0, help="use only the first N objects (0 = all)")
    p.add_argument("--tile", type=int, default=1,
                   help="repeat the catalog this many times (to reach full-catalog size from a sample)")
    p.add_argument("--repeat", type=int, default=5, help="timed repetitions (best is reported)")
    p.add_argument("--sample", type=int, default=4000,
                   help="objects compared with python-sgp4 over all instants (default 4000)")
    p.add_argument("--cpu", action="store_true", help="also time the CPU numba kernel on all cores and compare")
    p.add_argument("--out", type=Path, default=None, help="write the JSON summary here")
    return p.parse_args(argv)


def _worst(r_a, v_a, r_b, v_b, ok, norad_id) -> dict:
    """Largest differences, overall and over physical states (|r| < 100,000 km and |v| < 20 km/s), and where."""
    dr = np.where(ok, np.abs(r_a - r_b).max(axis=-1), 0.0)
    dv = np.where(ok, np.abs(v_a - v_b).max(axis=-1), 0.0)
    rad = np.linalg.norm(np.where(ok[..., None], r_a, 0.0), axis=-1)
    spd = np.linalg.norm(np.where(ok[..., None], v_a, 0.0), axis=-1)
    phys = ok & (rad < 1e5) & (spd < 20.0)
    i, j = np.unravel_index(np.argmax(dr), dr.shape)
    return {
        "max_position_diff_km": float(dr.max()), "max_velocity_diff_km_s": float(dv.max()),
        "worst_norad_id": int(norad_id[i]), "worst_radius_km": float(rad[i, j]), "worst_speed_km_s": float(spd[i, j]),
        "physical_states": int(phys.sum()), "non_physical_states": int((ok & ~phys).sum()),
        "max_position_diff_physical_km": float(np.where(phys, dr, 0).max()),
        "max_velocity_diff_physical_km_s": float(np.where(phys, dv, 0).max()),
    }


def main(argv=None) -> dict:
    args = parse_args(argv)
    from numba import cuda

    from orbitwatch.elements import read_elements
    from orbitwatch.propagation import sgp4_cuda, sgp4_numba

    summary: dict = {"python": sys.version.split()[0], "platform": platform.platform(),
                     "numpy": np.__version__}
    import numba

    summary["numba"] = numba.__version__
    if not cuda.is_available():
        raise SystemExit("no CUDA device available to numba.cuda")
    if getattr(cuda, "simulator_enabled", False) or not hasattr(cuda, "get_current_device"):
        summary["device"] = "numba CUDA simulator"
    else:
        dev = cuda.get_current_device()
        summary["device"] = dev.name.decode() if isinstance(dev.name, bytes) else str(dev.name)
        summary["compute_capability"] = list(dev.compute_capability)

    t0 = time.perf_counter()
    res = read_elements(args.catalog)
    es = res.elements
    if args.objects:
        es = es[np.arange(min(args.objects, len(es)))]
    if args.tile > 1:
        es = es[np.tile(np.arange(len(es)), args.tile)]
    summary["catalog"] = {"file": args.catalog.name, "objects": len(es), "rejected": len(res.rejected),
                          "tile": args.tile,
                          "parse_s": round(time.perf_counter() - t0, 3)}

    t0 = time.perf_counter()
    state = sgp4_numba.init_state(es)  # first call compiles (or loads numba's cache)
    first_init = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = sgp4_numba.init_state(es)
    summary["init_cpu_s"] = round(time.perf_counter() - t0, 4)
    summary["init_cpu_first_call_s"] = round(first_init, 2)
    summary["deep_space_objects"] = int(state.deep_space.sum())

    n, nt = len(state), args.instants
    t_start = np.int64(np.median(state.epoch_ns))
    times = t_start + np.arange(nt, dtype=np.int64) * 60_000_000_000
    props = n * nt
    summary["propagations"] = props

    # --- first launch: JIT compile
    dstate = sgp4_cuda.to_device(state)
    t0 = time.perf_counter()
    sgp4_cuda.propagate_ns_device(dstate, times[:2])
    cuda.synchronize()
    summary["cuda_first_launch_s"] = round(time.perf_counter() - t0, 2)

    # --- kernel only: device-resident table, preallocated device outputs
    d_r = cuda.device_array((n, nt, 3), dtype=np.float64)
    d_v = cuda.device_array((n, nt, 3), dtype=np.float64)
    d_st = cuda.device_array((n, nt), dtype=np.uint8)
    best = np.inf
    for _ in range(args.repeat):
        cuda.synchronize()
        t0 = time.perf_counter()
        sgp4_cuda.propagate_ns_device(dstate, times, out=(d_r, d_v, d_st))
        cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    summary["kernel_s"] = best
    summary["kernel_props_per_s"] = props / best

    # positions only (no velocity writes), and separate SGP4-only / SDP4 kernels (near/deep split)
    for key, kw in (("kernel_positions_only_props_per_s", dict(with_velocity=False)),
                    ("kernel_split_near_deep_props_per_s", dict(split=True))):
        best_k = np.inf
        for _ in range(args.repeat):
            cuda.synchronize()
            t0 = time.perf_counter()
            sgp4_cuda.propagate_ns_device(dstate, times, out=(d_r, d_v, d_st), **kw)
            cuda.synchronize()
            best_k = min(best_k, time.perf_counter() - t0)
        summary[key] = props / best_k

    # --- end to end: table to device, launch, r/v/status back
    pinned = (cuda.pinned_array((n, nt, 3), dtype=np.float64), cuda.pinned_array((n, nt, 3), dtype=np.float64),
              cuda.pinned_array((n, nt), dtype=np.uint8))
    best_e2e = np.inf
    for _ in range(args.repeat):
        cuda.synchronize()
        t0 = time.perf_counter()
        ds = sgp4_cuda.to_device(state)
        a, b, c = sgp4_cuda.propagate_ns_device(ds, times, out=(d_r, d_v, d_st))
        a.copy_to_host(pinned[0])
        b.copy_to_host(pinned[1])
        c.copy_to_host(pinned[2])
        best_e2e = min(best_e2e, time.perf_counter() - t0)
    summary["end_to_end_pinned_s"] = best_e2e
    summary["end_to_end_pinned_props_per_s"] = props / best_e2e
    t0 = time.perf_counter()
    r_gpu, v_gpu, s_gpu = sgp4_cuda.propagate_ns(state, times)
    summary["end_to_end_pageable_s"] = time.perf_counter() - t0
    summary["end_to_end_pageable_props_per_s"] = props / summary["end_to_end_pageable_s"]
    summary["output_bytes"] = int(r_gpu.nbytes + v_gpu.nbytes + s_gpu.nbytes)
    summary["status_counts"] = {int(k): int(c) for k, c in zip(*np.unique(s_gpu, return_counts=True))}

    # --- agreement with python-sgp4 on a sample of objects (all instants)
    try:
        from orbitwatch.propagation.backends import SGP4ReferenceBackend

        ref = SGP4ReferenceBackend()
    except Exception as exc:  # python-sgp4 missing
        summary["python_sgp4"] = f"not importable ({type(exc).__name__}: {exc})"
    else:
        import sgp4

        idx = np.unique(np.r_[np.linspace(0, n - 1, min(args.sample, n)).astype(np.int64),
                              np.flatnonzero(state.resonance > 0)])
        r1, v1, s1 = ref.propagate_ns(ref.prepare(es[idx]), times)
        # only states within -3..+7 days of each epoch count (the requirement's domain)
        dt_day = (times[None, :] - state.epoch_ns[idx][:, None]) / 86400e9
        ok = (s1 == 0) & (s_gpu[idx] == 0) & (dt_day >= -3) & (dt_day <= 7)
        summary["vs_python_sgp4"] = {
            "python_sgp4": sgp4.__version__, "accelerated": bool(ref.accelerated), "objects": int(idx.size),
            "states_compared": int(ok.sum()),
            "status_mismatches": int((s1 != s_gpu[idx]).sum()),
            **_worst(r1, v1, r_gpu[idx], v_gpu[idx], ok, state.norad_id[idx]),
        }

    # --- CPU kernel on the same machine
    if args.cpu:
        import numba as nb

        r_c = np.empty((n, nt, 3))
        v_c = np.empty((n, nt, 3))
        s_c = np.empty((n, nt), np.uint8)
        sgp4_numba.propagate_ns_into(state, times, r_c, v_c, s_c)  # compile / warm
        t0 = time.perf_counter()
        sgp4_numba.propagate_ns_into(state, times, r_c, v_c, s_c)
        dt = time.perf_counter() - t0
        dt_day = (times[None, :] - state.epoch_ns[:, None]) / 86400e9
        ok = (s_c == 0) & (s_gpu == 0) & (dt_day >= -3) & (dt_day <= 7)
        summary["cpu"] = {"threads": nb.get_num_threads(), "props_per_s": props / dt, "seconds": dt,
                          "status_mismatches_vs_gpu": int((s_c != s_gpu).sum()),
                          **{k + "_vs_gpu" if k.startswith("max") else k: val
                             for k, val in _worst(r_c, v_c, r_gpu, v_gpu, ok, state.norad_id).items()},
                          "cpu_count": os.cpu_count()}

    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return summary


if __name__ == "__main__":
    main()
