"""Step 6: ``orbitwatch serve`` on a real uvicorn (loopback, a free port, two worker processes),
and the option checks of ``serve`` and ``worker``."""

from __future__ import annotations

import signal
import subprocess

import httpx
import pytest

from conftest import PYTHON, free_port, make_settings, seed, subprocess_env, wait_ready

MAIN = ("import sys; from orbitwatch.cli.main import app; from orbitwatch.cli import admin, serve; "
        "from orbitwatch.cli.errors import wrap_commands; admin.register(app); serve.register(app); "
        "wrap_commands(app); app()")


def test_serve_on_uvicorn_with_two_workers(db_url, tmp_path, sample_text):
    from orbitwatch.service.db import ServiceDB

    settings = make_settings(db_url, tmp_path)
    db = ServiceDB(settings)
    keys = seed(db, settings)
    db.close()
    port = free_port()
    env = subprocess_env(db_url, tmp_path, ORBITWATCH_JOBS_IN_PROCESS="false")
    proc = subprocess.Popen([PYTHON, "-c", MAIN, "serve", "--port", str(port), "--workers", "2",
                             "--log-level", "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, 120)
        h = {"Authorization": f"Bearer {keys[('CSA', 'analyst')]}"}
        with httpx.Client(base_url=base, headers=h, timeout=30) as c:
            assert c.get("/v1/me").json()["agency"] == "CSA"
            r = c.post("/v1/catalog/uploads", files={"file": ("first200.3le", sample_text)})
            assert r.status_code == 201 and r.json()["inserted"] == 200
            for _ in range(20):  # whichever worker process answers, it reads the one database
                r = c.get("/v1/catalog/objects", params={"q": "VANGUARD"})
                assert r.status_code == 200 and r.json()["total"] >= 3
            assert c.get("/v1/fleet", headers={"Authorization": "Bearer nope"}).status_code == 401
            assert "orbitwatch_http_requests_total" in c.get("/metrics").text
            assert c.get("/openapi.json").json()["info"]["title"] == "orbitwatch"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    out = proc.stdout.read().decode()
    assert "Traceback" not in out, out[-3000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/healthz", timeout=2)


@pytest.mark.parametrize("args, field", [
    (["serve", "--port", "0"], "--port"), (["serve", "--port", "70000"], "--port"),
    (["serve", "--workers", "0"], "--workers"), (["serve", "--log-level", "loud"], "--log-level"),
    (["worker", "--max-jobs", "0"], "--max-jobs"),
])
def test_serve_and_worker_options_are_checked(cli, args, field, tmp_home):
    runner, app = cli
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert field in res.stderr and "Traceback" not in res.output


def test_serve_says_when_the_database_is_away(cli, tmp_home):
    runner, app = cli
    res = runner.invoke(app, ["serve", "--db-url", "postgresql://nobody@127.0.0.1:1/none"])
    assert res.exit_code == 69, res.output
    assert "127.0.0.1:1" in res.stderr and "Traceback" not in res.output


def test_worker_once_runs_the_queue_and_exits(cli, sqlite_url, tmp_home):
    runner, app = cli
    res = runner.invoke(app, ["worker", "--once", "--db-url", sqlite_url])
    assert res.exit_code == 0, res.output
    assert "0 job(s) run" in res.stderr
