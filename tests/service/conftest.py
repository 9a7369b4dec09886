"""Fixtures of the service tests: each test gets a fresh database on SQLite (a temp file) and on
the real PostgreSQL (a schema of its own; skipped with the reason when no server answers, a
failure under CI=true), two agencies with users and keys, and the first 200 objects of the
packaged sample catalog."""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text



def pytest_configure(config):
    # starlette's TestClient still runs on httpx (and says so); the tests use it on purpose
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")

PG_URL = os.environ.get("ORBITWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SRC = Path(__file__).resolve().parents[2] / "src"
N_OBJECTS = 200
_numbers = itertools.count()


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_admin():
    from orbitwatch.store import make_engine, mask_url

    try:
        engine = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if under_ci():
            pytest.fail(f"PostgreSQL must be reachable under CI at {mask_url(PG_URL)}: {first}", pytrace=False)
        pytest.skip(f"PostgreSQL not reachable at {mask_url(PG_URL)} ({first}); set ORBITWATCH_TEST_PG_URL "
                    "to run the service tests on PostgreSQL")
    prefix = f"ow_svc_{os.getpid()}_{secrets.token_hex(3)}"
    yield engine, prefix
    with engine.connect() as conn:
        left = conn.execute(text("SELECT nspname FROM pg_namespace WHERE left(nspname, :n) = :p"),
                            {"n": len(prefix), "p": prefix}).scalars().all()
    for schema in left:
        drop_schema(engine, schema)
    engine.dispose()


def drop_schema(engine, schema: str) -> None:
    """One transaction per schema: dropping many at once runs out of lock slots."""
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def pg_schema_url(pg_admin) -> tuple[str, str]:
    engine, prefix = pg_admin
    schema = f"{prefix}_{next(_numbers)}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    pg = request.getfixturevalue("pg_admin")
    url, schema = pg_schema_url(pg)
    yield url
    drop_schema(pg[0], schema)


@pytest.fixture()
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'service.db'}"


@pytest.fixture(scope="session")
def sample_text() -> str:
    """The first 200 objects of the packaged sample catalog, as 3LE text."""
    from orbitwatch.elements import format_elements, read_elements
    from orbitwatch.samples import sample_catalog_path

    es = read_elements(sample_catalog_path()).elements
    return format_elements(es[:N_OBJECTS], "3le")


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory, sample_text) -> Path:
    p = tmp_path_factory.mktemp("sample") / "first200.3le"
    p.write_text(sample_text)
    return p


@pytest.fixture()
def settings_for():
    return make_settings


def make_settings(db_url: str, home: Path, **kw):
    from orbitwatch.service import ServiceSettings

    base = dict(home=home, database_url=db_url, jobs_in_process=False, cookie_secure=False, job_poll_s=0.2,
                job_heartbeat_s=0.5, job_stale_s=3.0, screening_backend="numba")
    base.update(kw)
    return ServiceSettings(_env_file=None, **base)


@dataclass
class World:
    """A running app with two agencies (A: CSA, B: JAXA) and a third with nothing shared (C: ESA)."""

    client: object
    app: object
    db: object
    settings: object
    keys: dict = field(default_factory=dict)  # (agency, role) -> key text

    def h(self, agency: str = "CSA", role: str = "admin") -> dict:
        return {"Authorization": f"Bearer {self.keys[(agency, role)]}"}


AGENCIES = ("CSA", "JAXA", "ESA")
ROLES = ("viewer", "analyst", "coordinator", "admin")


def seed(db, settings, sample_file: Path | None = None) -> dict:
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    keys = {}
    ctx = cli_context("test")
    with db.tx() as conn:
        for a in AGENCIES:
            accounts.create_agency(conn, ctx, a)
            for r in ROLES:
                # one password (argon2 is slow on purpose); the other users sign in with keys
                pw = "CSA-analyst-password" if (a, r) == ("CSA", "analyst") else None
                accounts.create_user(conn, ctx, a, f"{r}1", r, password=pw)
                keys[(a, r)] = accounts.create_key(conn, ctx, a, f"{r}1", days=1, pepper=settings.key_pepper)[1]
    if sample_file is not None:
        db.store.import_files([sample_file])
    return keys


@pytest.fixture()
def world(db_url, tmp_path, sample_file):
    yield from _world(db_url, tmp_path, sample_file)


@pytest.fixture()
def sqlite_world(sqlite_url, tmp_path, sample_file):
    yield from _world(sqlite_url, tmp_path, sample_file)


def _world(url, tmp_path, sample_file, **kw):
    from fastapi.testclient import TestClient

    from orbitwatch.service import create_app
    from orbitwatch.service.db import ServiceDB

    settings = make_settings(url, tmp_path, **kw)
    db = ServiceDB(settings)
    keys = seed(db, settings, sample_file)
    app = create_app(settings, db=db)
    with TestClient(app) as client:
        yield World(client, app, db, settings, keys)
    db.close()


@pytest.fixture()
def cli():
    """(CliRunner, the main app with the service commands registered)."""
    from typer.testing import CliRunner

    from orbitwatch.cli import admin, serve
    from orbitwatch.cli.errors import wrap_commands
    from orbitwatch.cli.main import app

    admin.register(app)
    serve.register(app)
    wrap_commands(app)
    return CliRunner(), app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def subprocess_env(db_url: str, home: Path, **extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["ORBITWATCH_DATABASE_URL"] = db_url
    env["ORBITWATCH_HOME"] = str(home)
    env.update({k: str(v) for k, v in extra.items()})
    return env


PYTHON = sys.executable


def wait_ready(base: str, proc, timeout_s: float = 120.0, log=None) -> None:
    """Poll ``base``/readyz until it answers 200. If the server process exits or the time runs out,
    stop it and fail with the end of its output (``log()``, else its piped stdout)."""
    import time

    import httpx

    t0 = time.monotonic()
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() - t0 > timeout_s:
            if proc.poll() is None:
                proc.kill()  # before reading its pipe, which ends only when it does
                proc.wait(10)
            out = log() if log is not None else (proc.stdout.read().decode() if proc.stdout else "")
            raise AssertionError(f"server did not start: {out[-3000:]}")
        time.sleep(0.2)
