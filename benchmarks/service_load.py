"""Bounded load test of the service on loopback: latency (p50/p99) and throughput.

Starts ``orbitwatch serve`` (uvicorn, ``--workers N``) on a fresh database (SQLite and/or
PostgreSQL), creates two agencies with keys, uploads the catalog through the API (timed: the
ingest figure), stores a set of events, then sends a fixed number of requests per scenario at
1, 10 and 50 concurrent clients (threads with one keep-alive httpx client each) and stops by
itself. Prints a markdown table.

Scenarios: catalog search, one catalog object, event listing (100 per page), and an OMM XML
download of one object's element set (CDM downloads come with the conjunction-operations work).
``--screening`` also times a fleet-of-100 screening job against the catalog, submitted through
the API (heavy: off by default).

Usage: python benchmarks/service_load.py [--db sqlite|postgresql|both] [--workers 2]
           [--clients 1,10,50] [--requests 300] [--objects N] [--screening] [--days 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
PG_URL = os.environ.get("ORBITWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_database(url: str, home: Path, n_events: int = 2000) -> dict:
    """Agencies CSA and JAXA, an analyst key each, a fleet, a finished job with events."""
    import numpy as np

    from orbitwatch.service import accounts
    from orbitwatch.service import jobs as q
    from orbitwatch.service.auth import cli_context
    from orbitwatch.service.db import ServiceDB
    from orbitwatch.service.settings import ServiceSettings
    from orbitwatch.store.service_schema import events

    s = ServiceSettings(_env_file=None, home=home, database_url=url)
    db = ServiceDB(s)
    ctx = cli_context("bench")
    keys = {}
    with db.tx() as conn:
        for a in ("CSA", "JAXA"):
            accounts.create_agency(conn, ctx, a)
            accounts.create_user(conn, ctx, a, "ops", "admin")
            keys[a] = accounts.create_key(conn, ctx, a, "ops", days=1)[1]
        aid = accounts.agency_id(conn, "CSA")
        jid = q.submit(conn, aid, "screening", {"start": "2023-10-09T00:00:00.000Z",
                                                "stop": "2023-10-10T00:00:00.000Z", "threshold_km": 5.0}, "bench")
        rng = np.random.default_rng(1)
        t0 = np.datetime64("2023-10-09T00:00", "ns").astype(np.int64)
        rows = [{"job_id": jid, "agency_id": aid, "norad_1": int(rng.integers(1, 60000)),
                 "norad_2": int(rng.integers(1, 60000)), "name_1": "A", "name_2": "B",
                 "tca_ns": int(t0 + rng.integers(0, 86400) * 10**9), "miss_km": float(rng.uniform(0, 5)),
                 "radial_km": 0.1, "in_track_km": 1.0, "cross_track_km": 0.5, "rel_speed_km_s": 10.0,
                 "created_at_ns": int(t0)} for _ in range(n_events)]
        conn.execute(events.insert(), rows)
    db.close()
    return keys


def start_server(url: str, home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(SRC), ORBITWATCH_DATABASE_URL=url, ORBITWATCH_HOME=str(home),
               ORBITWATCH_JOBS_IN_PROCESS="false", ORBITWATCH_RATE_LIMIT_KEY_PER_MINUTE="0",
               ORBITWATCH_RATE_LIMIT_ADDRESS_PER_MINUTE="0")
    code = ("from orbitwatch.cli.main import app; from orbitwatch.cli import serve; serve.register(app); app()")
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port), "--workers", str(workers),
                             "--log-level", "warning"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 120:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


def run_level(base: str, key: str, paths: list[str], clients: int, n_requests: int) -> dict:
    import httpx

    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(n_requests))

    def client():
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
            mine = []
            while True:
                with lock:
                    k = next(counter, None)
                if k is None:
                    break
                t = time.perf_counter()
                r = c.get(paths[k % len(paths)])
                mine.append(time.perf_counter() - t)
                if r.status_code != 200:
                    with lock:
                        errors[0] += 1
            with lock:
                lat.extend(mine)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    return {"p50_ms": 1e3 * statistics.median(lat), "p99_ms": 1e3 * lat[min(len(lat) - 1, int(0.99 * len(lat)))],
            "rps": len(lat) / wall, "errors": errors[0], "n": len(lat)}


def bench_backend(name: str, url: str, args) -> list[tuple]:
    import httpx

    from orbitwatch.elements import format_elements, read_elements
    from orbitwatch.samples import sample_catalog_path

    home = Path(tempfile.mkdtemp(prefix="ow-load-"))
    keys = setup_database(url, home)
    proc, base = start_server(url, home, args.workers)
    rows = []
    try:
        es = read_elements(sample_catalog_path()).elements
        if args.objects:
            es = es[: args.objects]
        body = format_elements(es, "3le").encode()
        t = time.perf_counter()
        r = httpx.post(f"{base}/v1/catalog/uploads", files={"file": ("catalog.3le", body)}, timeout=600,
                       headers={"Authorization": f"Bearer {keys['CSA']}"})
        ingest_s = time.perf_counter() - t
        r.raise_for_status()
        print(f"{name}: ingest of {len(es)} objects through the API: {ingest_s:.1f} s "
              f"({r.json()['inserted']} inserted)", flush=True)
        rows.append((name, "ingest (upload)", "1", f"{len(es)} objects", f"{ingest_s:.1f} s", "", ""))
        ids = es.norad_id[:: max(1, len(es) // 500)].tolist()
        # CDMs: the three shipped CARA messages through the API, then their downloads
        from orbitwatch.samples import sample_cdm_paths

        hk = {"Authorization": f"Bearer {keys['CSA']}"}
        r = httpx.post(f"{base}/v1/cdms", headers=hk, timeout=120,
                       files=[("files", (p.name, p.read_bytes())) for p in sample_cdm_paths()])
        r.raise_for_status()
        cdm_paths = []
        for tr in httpx.get(f"{base}/v1/tracks?limit=100", headers=hk, timeout=30).json()["tracks"]:
            one = httpx.get(f"{base}/v1/tracks/{tr['id']}", headers=hk, timeout=30).json()
            cdm_paths += [f"/v1/tracks/{tr['id']}/updates/{u['id']}/cdm" for u in one["updates"]]
        scenarios = {
            "catalog search": [f"/v1/catalog/objects?q={q}&limit=50" for q in ("STARLINK", "COSMOS", "ISS", "DEB")],
            "catalog object": [f"/v1/catalog/objects/{i}" for i in ids],
            "event listing": [f"/v1/events?limit=100&offset={k * 100}" for k in range(10)],
            "OMM XML download": [f"/v1/catalog/objects/{i}/elements?format=omm-xml" for i in ids],
            "CDM download (KVN)": [f"{p}?format=kvn" for p in cdm_paths],
            "CDM download (XML)": [f"{p}?format=xml" for p in cdm_paths],
        }
        for scen, paths in scenarios.items():
            for c in args.clients:
                res = run_level(base, keys["CSA"], paths, c, args.requests)
                print(f"{name} {scen} x{c}: p50 {res['p50_ms']:.1f} ms, p99 {res['p99_ms']:.1f} ms, "
                      f"{res['rps']:.0f} req/s, {res['errors']} errors", flush=True)
                rows.append((name, scen, str(c), str(res["n"]), f"{res['p50_ms']:.1f}", f"{res['p99_ms']:.1f}",
                             f"{res['rps']:.0f}"))
        if args.screening:
            h = {"Authorization": f"Bearer {keys['JAXA']}"}
            for n in es.norad_id[:100].tolist():
                httpx.post(f"{base}/v1/fleet", json={"norad_id": n}, headers=h, timeout=30)
            r = httpx.post(f"{base}/v1/jobs/screening", json={"start": "2023-10-09T12:00Z", "days": args.days,
                                                              "threshold_km": 5}, headers=h, timeout=30)
            jid = r.json()["id"]
            worker = subprocess.Popen([sys.executable, "-m", "orbitwatch.service.worker", "--once"],
                                      env=dict(os.environ, PYTHONPATH=str(SRC), ORBITWATCH_DATABASE_URL=url,
                                               ORBITWATCH_HOME=str(home)))
            t = time.perf_counter()
            while True:
                job = httpx.get(f"{base}/v1/jobs/{jid}", headers=h, timeout=30).json()
                if job["status"] in ("done", "failed", "cancelled"):
                    break
                time.sleep(1)
            worker.wait(60)
            took = time.perf_counter() - t
            print(f"{name}: screening of a 100-object fleet for {args.days} days: {job['status']} in {took:.0f} s, "
                  f"{(job['result'] or {}).get('n_events')} events", flush=True)
            rows.append((name, f"screening job, fleet 100, {args.days} d", "1", job["status"], f"{took:.0f} s",
                         "", ""))
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", default="1,10,50")
    ap.add_argument("--requests", type=int, default=300, help="requests per scenario and concurrency level")
    ap.add_argument("--objects", type=int, default=0, help="catalog objects to upload (0: all 26,140)")
    ap.add_argument("--screening", action="store_true")
    ap.add_argument("--days", type=float, default=3.0)
    args = ap.parse_args()
    args.clients = [int(x) for x in args.clients.split(",")]
    rows = []
    if args.db in ("sqlite", "both"):
        rows += bench_backend("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='ow-load-db-')}/load.db", args)
    if args.db in ("postgresql", "both"):
        from sqlalchemy import text

        from orbitwatch.store import make_engine

        schema = f"ow_load_{os.getpid()}"
        eng = make_engine(PG_URL)
        with eng.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            rows += bench_backend("PostgreSQL", f"{PG_URL}?options=-csearch_path%3D{schema}", args)
        finally:
            with eng.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            eng.dispose()
    print()
    print(f"| database | scenario | clients | requests | p50 ms | p99 ms | req/s |  ({args.workers} API workers)")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
