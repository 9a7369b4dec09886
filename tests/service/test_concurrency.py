"""Concurrent uploads of overlapping catalogs lose and duplicate nothing; an API process killed
with SIGKILL in the middle of an upload leaves all of it or none of it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import httpx
from sqlalchemy import func, select

from orbitwatch.elements import format_elements, parse_elements
from orbitwatch.store import schema

from conftest import PYTHON, free_port, make_settings, seed, subprocess_env, wait_ready


def _count(db, table):
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_concurrent_overlapping_uploads(db_url, tmp_path, sample_text):
    from fastapi.testclient import TestClient

    from orbitwatch.service import create_app
    from orbitwatch.service.db import ServiceDB

    s = make_settings(db_url, tmp_path)
    db = ServiceDB(s)
    keys = seed(db, s)
    es = parse_elements(sample_text).elements
    # four files: objects 0-99, 50-149, 100-199 and 0-199, uploaded at the same time
    parts = [es[0:100], es[50:150], es[100:200], es[0:200]]
    results = [None] * len(parts)
    with TestClient(create_app(s, db=db)) as c:
        def up(k):
            results[k] = c.post("/v1/catalog/uploads", files={"file": (f"part{k}.3le", format_elements(parts[k]))},
                                headers={"Authorization": f"Bearer {keys[('CSA', 'analyst')]}"})

        threads = [threading.Thread(target=up, args=(k,)) for k in range(len(parts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    reps = [r.json() for r in results]
    assert sum(r["inserted"] for r in reps) == 200  # each element set written once
    assert sum(r["inserted"] + r["duplicates"] for r in reps) == 500
    assert _count(db, schema.element_sets) == 200 and _count(db, schema.objects) == 200
    db.close()


def test_api_killed_mid_upload_stores_all_or_nothing(db_url, tmp_path):
    from orbitwatch.samples import sample_catalog_path
    from orbitwatch.service.db import ServiceDB

    s = make_settings(db_url, tmp_path)
    db = ServiceDB(s)
    keys = seed(db, s)
    port = free_port()
    env = subprocess_env(db_url, tmp_path, ORBITWATCH_JOBS_IN_PROCESS="false")
    code = ("import uvicorn; uvicorn.run('orbitwatch.service.app:app_from_env', factory=True, host='127.0.0.1', "
            f"port={port}, log_level='warning')")
    proc = subprocess.Popen([PYTHON, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    body = sample_catalog_path().read_bytes()  # the whole catalog, gzipped: 26,140 objects
    try:
        wait_ready(base, proc, 120)

        def upload():
            try:
                httpx.post(f"{base}/v1/catalog/uploads", files={"file": ("full.3le.gz", body)}, timeout=120,
                           headers={"Authorization": f"Bearer {keys[('CSA', 'analyst')]}"})
            except httpx.TransportError:
                pass

        t = threading.Thread(target=upload)
        t.start()
        time.sleep(2.5)  # parsing or writing by now
        os.kill(proc.pid, signal.SIGKILL)
        t.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    n = _count(db, schema.element_sets)
    assert n in (0, 26140), n
    n_obj = _count(db, schema.objects)
    assert n_obj == n
    with db.read() as conn:
        running = conn.execute(select(func.count()).select_from(schema.imports).where(
            schema.imports.c.status == "running")).scalar_one()
    assert running == 0  # no half-written import either
    db.close()
