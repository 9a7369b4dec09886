"""Import and load times of the full public catalog in the store, SQLite and PostgreSQL.

For each backend, ``--repeat`` times on a fresh database (a temporary SQLite file; a
temporary PostgreSQL schema, dropped afterwards):

* import: ``Store.import_elements`` of the parsed catalog into the empty store (one transaction);
* re-import: the same again (every record a duplicate; nothing written);
* load_catalog / latest / objects: reading everything back into columns.

Parsing the file is timed separately (it is the same for both backends). Medians are
printed, with the best run in brackets.

Usage: python benchmarks/store_import.py [--catalog PATH] [--repeat K] [--pg-url URL] [--no-pg]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = ROOT.parent / "shared" / "data" / "catalog" / "full-catalog-2023-10-09.3le"
DEFAULT_PG = os.environ.get("ORBITWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run_backend(url: str, es, source: str) -> dict[str, float]:
    from orbitwatch.store import open_store

    t_open, store = timed(lambda: open_store(url))
    try:
        t_imp, rep = timed(lambda: store.import_elements(es, source))
        assert rep.inserted == len(es), rep.summary()
        t_re, rep2 = timed(lambda: store.import_elements(es, source))
        assert rep2.duplicates == len(es), rep2.summary()
        t_load, cat = timed(store.load_catalog)
        assert len(cat) == len(es)
        t_latest, _ = timed(store.latest)
        t_obj, _ = timed(store.objects)
    finally:
        store.close()
    return {"open + migrate": t_open, "import": t_imp, "re-import": t_re, "load_catalog": t_load,
            "latest": t_latest, "objects": t_obj}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg-url", default=DEFAULT_PG)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import text

    from orbitwatch.elements import read_elements
    from orbitwatch.store import make_engine, mask_url

    t_parse, parsed = timed(lambda: read_elements(args.catalog))
    es = parsed.elements
    print(f"{args.catalog.name}: {len(es):,} element sets, parsed in {t_parse:.3f} s")

    results: dict[str, list[dict[str, float]]] = {"SQLite": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            results["SQLite"].append(run_backend(f"sqlite:///{d}/bench.db", es, str(args.catalog)))

    if not args.no_pg:
        try:
            admin = make_engine(args.pg_url, connect_args={"connect_timeout": 3})
            with admin.connect() as c:
                version = c.execute(text("SHOW server_version")).scalar().split()[0]
        except Exception as exc:  # noqa: BLE001 - report and carry on with SQLite
            print(f"PostgreSQL at {mask_url(args.pg_url)} not measured: {str(exc).strip().splitlines()[0]}")
        else:
            key = f"PostgreSQL {version}"
            results[key] = []
            from sqlalchemy.engine import make_url

            for _ in range(args.repeat):
                schema = f"orbitwatch_bench_{os.getpid()}_{secrets.token_hex(3)}"
                with admin.begin() as c:
                    c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
                try:
                    url = make_url(args.pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
                    results[key].append(run_backend(url.render_as_string(hide_password=False), es,
                                                    str(args.catalog)))
                finally:
                    with admin.begin() as c:
                        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()

    steps = list(next(iter(results.values()))[0])
    width = max(len(s) for s in steps) + 2
    header = f"{'step (s)':<{width}}" + "".join(f"{b:>26}" for b in results)
    print(f"\nmedian [best] of {args.repeat} runs, {len(es):,} element sets, {os.cpu_count()} CPUs")
    print(header)
    print("-" * len(header))
    for s in steps:
        cells = []
        for runs in results.values():
            v = [r[s] for r in runs]
            cells.append(f"{statistics.median(v):.3f} [{min(v):.3f}]")
        print(f"{s:<{width}}" + "".join(f"{c:>26}" for c in cells))
    for b, runs in results.items():
        med = statistics.median(r["import"] for r in runs)
        print(f"{b}: import {len(es) / med:,.0f} element sets/s")


if __name__ == "__main__":
    main()
