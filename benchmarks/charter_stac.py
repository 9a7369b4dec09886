"""Charter and STAC service figures: item search latency (p50/p99, bbox + datetime, through the
API with authentication, visibility and audit) on N items on SQLite and PostgreSQL, and the time
from an activation request to its first plan through the API (request, accept, planning job).

    python benchmarks/charter_stac.py                      # N = 100,000, SQLite and PostgreSQL
    python benchmarks/charter_stac.py --n 20000 --queries 200 --backends sqlite
    ORBITWATCH_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python benchmarks/charter_stac.py

No peer is run: no other STAC API implementation is installed here (pgstac / stac-fastapi would
be the natural ones); the figures are absolute.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

import numpy as np

PG_URL = os.environ.get("ORBITWATCH_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AGENCIES = ("CSA", "JAXA", "ESA", "CNSA")


def _world(url: str, home: Path, jobs_in_process: bool = False):
    from orbitwatch.service import ServiceSettings, accounts, create_app
    from orbitwatch.service.auth import cli_context
    from orbitwatch.service.db import ServiceDB

    settings = ServiceSettings(_env_file=None, home=home, database_url=url, jobs_in_process=jobs_in_process,
                               job_poll_s=0.05, rate_limit_key_per_minute=0, rate_limit_address_per_minute=0)
    db = ServiceDB(settings)
    ctx = cli_context("bench")
    keys = {}
    with db.tx() as conn:
        for a in AGENCIES:
            accounts.create_agency(conn, ctx, a)
            accounts.create_user(conn, ctx, a, "analyst1", "coordinator")
            keys[a] = accounts.create_key(conn, ctx, a, "analyst1", days=1)[1]
        accounts.grant_share(conn, ctx, "JAXA", "CSA", "products")
    return settings, db, keys, create_app(settings, db=db)


def _fill(db, n: int, rng) -> None:
    from sqlalchemy import insert, select

    from orbitwatch.store.charter_schema import stac_collections, stac_items
    from orbitwatch.store.service_schema import agencies

    with db.tx() as conn:
        ids = {r.name: int(r.id) for r in conn.execute(select(agencies.c.id, agencies.c.name))}
        for a in AGENCIES[:3]:
            conn.execute(insert(stac_collections).values(id=f"{a}-scenes", agency_id=ids[a], title=a,
                                                         description=f"{a} scenes", created_at_ns=0))
    t0 = np.datetime64("2026-01-01T00:00", "ns").astype(np.int64)
    year = 365 * 86400 * 10**9
    batch = 5000
    for start in range(0, n, batch):
        rows = []
        for k in range(start, min(n, start + batch)):
            a = AGENCIES[k % 3]
            lon, lat = float(rng.uniform(-179, 177)), float(rng.uniform(-80, 77))
            w, h = float(rng.uniform(0.2, 2.5)), float(rng.uniform(0.2, 2.5))
            dt = int(t0 + rng.integers(0, year))
            ring = [[lon, lat], [lon + w, lat], [lon + w, lat + h], [lon, lat + h], [lon, lat]]
            iso = str(np.datetime64(dt, "ns").astype("datetime64[s]")) + "Z"
            body = {"type": "Feature", "stac_version": "1.1.0", "stac_extensions": [], "id": f"s{k}",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "bbox": [lon, lat, lon + w, lat + h],
                    "properties": {"datetime": iso, "platform": "radarsat-2", "instruments": ["sar"], "gsd": 30.0},
                    "assets": {"data": {"href": f"https://example.org/{k}.tif", "type": "image/tiff"}},
                    "links": [], "collection": f"{a}-scenes"}
            rows.append({"collection_id": f"{a}-scenes", "item_id": f"s{k}", "agency_id": ids[a],
                         "activation_id": None, "datetime_ns": dt, "min_lon": lon, "min_lat": lat,
                         "max_lon": lon + w, "max_lat": lat + h, "body": json.dumps(body), "created_at_ns": 0})
        with db.tx() as conn:
            conn.execute(insert(stac_items), rows)


def bench_search(url: str, n: int, queries: int, rng) -> dict:
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as home:
        settings, db, keys, app = _world(url, Path(home))
        t = time.perf_counter()
        _fill(db, n, rng)
        fill_s = time.perf_counter() - t
        h = {"Authorization": f"Bearer {keys['CSA']}"}
        lat = []
        returned = []
        with TestClient(app) as c:
            for q in range(queries + 5):
                lon, la = float(rng.uniform(-170, 160)), float(rng.uniform(-70, 60))
                month = int(rng.integers(1, 12))
                params = {"bbox": f"{lon},{la},{lon + 10},{la + 10}", "limit": 50,
                          "datetime": f"2026-{month:02d}-01T00:00:00Z/2026-{month + 1:02d}-01T00:00:00Z"}
                t = time.perf_counter()
                r = c.get("/stac/search", params=params, headers=h)
                dt = time.perf_counter() - t
                assert r.status_code == 200, r.text
                if q >= 5:  # warm-up
                    lat.append(dt)
                    returned.append(r.json()["numberMatched"])
        db.close()
        if url.startswith("postgresql"):
            _drop(url)
    a = np.array(lat) * 1e3
    return {"n_items": n, "fill_s": round(fill_s, 1), "queries": queries,
            "p50_ms": round(float(np.percentile(a, 50)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "mean_matched": round(float(np.mean(returned)), 1)}


def bench_activation(url: str) -> dict:
    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as home:
        settings, db, keys, app = _world(url, Path(home), jobs_in_process=True)
        out = {}
        with TestClient(app) as c:
            h = {"Authorization": f"Bearer {keys['CSA']}"}
            oc = {"Authorization": f"Bearer {keys['ESA']}"}
            for run in ("cold", "warm"):
                t = time.perf_counter()
                r = c.post("/v1/charter/activations", json={"sample": True, "on_call_agency": "ESA"}, headers=h)
                aid = r.json()["id"]
                c.post(f"/v1/charter/activations/{aid}/accept", json={"project_manager_agency": "CSA"}, headers=oc)
                while c.get(f"/v1/charter/activations/{aid}", headers=h).json()["status"] != "tasked":
                    time.sleep(0.02)
                out[f"activation_to_plan_{run}_s"] = round(time.perf_counter() - t, 2)
        db.close()
        if url.startswith("postgresql"):
            _drop(url)
    return out


def _pg_url() -> str:
    from sqlalchemy import text

    from orbitwatch.store import make_engine

    schema = f"ow_bench_{secrets.token_hex(3)}"
    eng = make_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def _drop(url: str) -> None:
    from sqlalchemy import text

    from orbitwatch.store import make_engine

    schema = url.split("%3D")[-1]
    eng = make_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    for backend in args.backends.split(","):
        if backend == "sqlite":
            tmp = tempfile.mkdtemp()
            url = f"sqlite:///{tmp}/bench.db"
            act_url = f"sqlite:///{tmp}/act.db"
        else:
            url, act_url = _pg_url(), _pg_url()
        s = bench_search(url, args.n, args.queries, rng)
        print(f"{backend:10s} search  N={s['n_items']:,}  fill {s['fill_s']} s  bbox 10x10 deg + 1 month: "
              f"p50 {s['p50_ms']} ms  p99 {s['p99_ms']} ms  (mean matched {s['mean_matched']}, {s['queries']} queries)")
        a = bench_activation(act_url)
        print(f"{backend:10s} activation -> first plan through the API: cold {a['activation_to_plan_cold_s']} s, "
              f"warm {a['activation_to_plan_warm_s']} s")


if __name__ == "__main__":
    main()
