"""Parse, import and propagation throughput on the full public catalog.

Runs orbitwatch and python-sgp4 (called directly, the baseline) on the same data
in one process and prints a table with ratios:

* parse: orbitwatch's vectorised 3LE reader vs python-sgp4's ``Satrec.twoline2rv`` per object;
* import: the whole catalog into a fresh SQLite file and, when reachable, PostgreSQL;
* propagate: every object x one day at 60 s (1,441 instants), orbitwatch's default
  backend and its python-sgp4 backend vs ``SatrecArray.sgp4`` called directly,
  reported as propagations per second per core used.

Usage: python benchmarks/propagation.py [--catalog PATH] [--objects N] [--repeat K] [--no-store]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT.parent / "shared" / "data" / "catalog" / "full-catalog-2023-10-09.3le"
SAMPLE = ROOT / "src" / "orbitwatch" / "data" / "sample" / "catalog-2023-10-09.3le.gz"


def best_of(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG if DEFAULT_CATALOG.exists() else SAMPLE)
    ap.add_argument("--objects", type=int, default=0, help="use the first N objects (0 = all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-store", action="store_true", help="skip the database import timings")
    ap.add_argument("--pg-url", default=os.environ.get("ORBITWATCH_TEST_PG_URL",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()

    from sgp4.api import Satrec, SatrecArray

    from orbitwatch.elements import read_elements
    from orbitwatch.propagation import default_backend_name, get_backend
    from orbitwatch.timeutil import time_range

    cores = os.cpu_count() or 1
    rows = []
    text = args.catalog.read_bytes()
    print(f"catalog: {args.catalog.name}; cores: {cores}; load: {os.getloadavg()[0]:.2f}")

    # ---- parse
    med, _, res = best_of(lambda: read_elements(args.catalog), args.repeat)
    es = res.elements
    if args.objects:
        es = es[: args.objects]
    n = len(es)
    lines = (text if args.catalog.suffix != ".gz" else __import__("gzip").decompress(text)).decode().splitlines()
    pairs = [(lines[i], lines[i + 1]) for i in range(len(lines) - 1) if lines[i].startswith("1 ")]
    if args.objects:
        pairs = pairs[: args.objects]
    med_ref, _, sats = best_of(lambda: [Satrec.twoline2rv(a, b) for a, b in pairs], args.repeat)
    rows.append(("parse full file (s)", f"{med:.3f}", f"{med_ref:.3f} (twoline2rv, incl. init)",
                 f"{med_ref / med:.1f}x"))

    # ---- import
    if not args.no_store:
        try:
            from orbitwatch.store import open_store
        except ImportError:
            print("store not available: skipping import timings")
        else:
            def time_store(url, label):
                st = open_store(url)
                t = time.perf_counter()
                st.import_elements(es, source=args.catalog.name)
                t_imp = time.perf_counter() - t
                t = time.perf_counter()
                st.load_catalog()
                t_load = time.perf_counter() - t
                st.close()
                rows.append((f"import into {label} (s)", f"{t_imp:.2f}", "", ""))
                rows.append((f"load catalog from {label} (s)", f"{t_load:.2f}", "", ""))

            with tempfile.TemporaryDirectory() as d:
                time_store(f"sqlite:///{d}/bench.db", "SQLite")
            try:
                import sqlalchemy as sa

                eng = sa.create_engine(args.pg_url)
                schema = f"orbitwatch_bench_{os.getpid()}"
                with eng.begin() as c:
                    c.execute(sa.text(f"create schema {schema}"))
                try:
                    sep = "&" if "?" in args.pg_url else "?"
                    time_store(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}", "PostgreSQL")
                finally:
                    with eng.begin() as c:
                        c.execute(sa.text(f"drop schema {schema} cascade"))
            except Exception as exc:  # noqa: BLE001
                print(f"PostgreSQL not measured: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")

    # ---- propagate: one day at 60 s
    t0 = es.epoch.max().astype("datetime64[m]").astype("datetime64[ns]")
    times = time_range(t0, t0 + np.timedelta64(1, "D"), 60.0)
    ns = times.astype(np.int64)
    nprop = n * len(times)

    ref_arr = SatrecArray(sats)
    jd = (ns // 86_400_000_000_000 + 2440587.5).astype(float)
    fr = (ns % 86_400_000_000_000) / 86_400_000_000_000
    med_ref, _, _ = best_of(lambda: ref_arr.sgp4(jd, fr), args.repeat)
    ref_rate = nprop / med_ref  # single-threaded

    results = {}
    for name in dict.fromkeys([default_backend_name(), "sgp4"]):
        be = get_backend(name)
        t = time.perf_counter()
        prepared = be.prepare(es)
        t_init = time.perf_counter() - t
        be.propagate_ns(prepared, ns[:2])  # warm-up (JIT)
        med_p, _, _ = best_of(lambda: be.propagate_ns(prepared, ns), args.repeat)
        threads = cores if name == "numba" else 1
        results[name] = (t_init, med_p, threads)
    if "numba" in results:
        from orbitwatch.propagation import sgp4_numba

        state = sgp4_numba.init_state(es)
        r = np.empty((n, len(times), 3))
        v = np.empty((n, len(times), 3))
        st = np.empty((n, len(times)), np.uint8)
        sgp4_numba.propagate_ns_into(state, ns, r, v, st)
        med_i, _, _ = best_of(lambda: sgp4_numba.propagate_ns_into(state, ns, r, v, st), args.repeat)
        results["numba, into preallocated arrays"] = (results["numba"][0], med_i, cores)
    for name, (t_init, med_p, threads) in results.items():
        rate = nprop / med_p
        rows.append((f"init {n} objects, backend {name} (s)", f"{t_init:.3f}", "", ""))
        rows.append((f"propagate {n} x {len(times)}, backend {name}: M props/s per core",
                     f"{rate / threads / 1e6:.2f} ({threads} thread(s), {med_p:.2f} s)",
                     f"{ref_rate / 1e6:.2f} (SatrecArray, 1 thread, {med_ref:.2f} s)",
                     f"{(rate / threads) / ref_rate:.2f}x"))

    from rich.console import Console
    from rich.table import Table

    table = Table(title="orbitwatch vs python-sgp4 (medians)")
    for c in ("measure", "orbitwatch", "python-sgp4", "ratio"):
        table.add_column(c, justify="right" if c != "measure" else "left")
    for r in rows:
        table.add_row(*r)
    Console().print(table)


if __name__ == "__main__":
    main()
