import itertools
import os
import secrets
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_reference(what: str) -> None:
    """Skip a test whose reference data is absent; under CI (CI=true) that is a failure, never a skip."""
    if under_ci():
        pytest.fail(f"reference data missing under CI: {what}", pytrace=False)
    pytest.skip(f"reference data not found: {what}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.exists():
        missing_reference(f"shared reference data at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _no_environment_leaks(request):
    """A test that changes ORBITWATCH_* in os.environ without monkeypatch leaks into every later test
    of its worker (it once sent a doctest to a dead PostgreSQL). Fail the leaking test by name."""
    before = {k: v for k, v in os.environ.items() if k.startswith("ORBITWATCH_")}
    yield
    after = {k: v for k, v in os.environ.items() if k.startswith("ORBITWATCH_")}
    if after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))
        for k, v in before.items():
            os.environ[k] = v
        for k in set(after) - set(before):
            os.environ.pop(k, None)
        pytest.fail(f"{request.node.nodeid} left the environment changed: {changed}", pytrace=False)


@pytest.fixture()
def tmp_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture()
def wide_console():
    """Tables fold long temporary paths at 80 columns; read them as a wide terminal would show them."""
    from orbitwatch.cli import common

    saved = common.console.width, common.err_console.width
    common.console.width = common.err_console.width = 250
    yield
    common.console.width, common.err_console.width = saved


# ================================================================== database backends (SQLite and PostgreSQL)
PG_URL = os.environ.get("ORBITWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_schema_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_admin():
    """(engine on the PostgreSQL test database, schema prefix for this session)."""
    from sqlalchemy import text

    from orbitwatch.store import make_engine, mask_url

    try:
        engine = make_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server here"
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL must be reachable under CI at {mask_url(PG_URL)}: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL not reachable at {mask_url(PG_URL)} "
                    f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
                    f"set ORBITWATCH_TEST_PG_URL to run the PostgreSQL store tests")
    prefix = f"orbitwatch_test_{os.getpid()}_{secrets.token_hex(3)}"
    yield engine, prefix
    with engine.begin() as conn:
        left = conn.execute(text("SELECT nspname FROM pg_namespace WHERE left(nspname, :n) = :p"),
                            {"n": len(prefix), "p": prefix}).scalars().all()
        for schema in left:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A URL to an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    from sqlalchemy.engine import make_url

    engine, prefix = request.getfixturevalue("pg_admin")
    schema = f"{prefix}_{next(_schema_numbers)}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture()
def store(db_url):
    from orbitwatch.store import open_store

    s = open_store(db_url)
    yield s
    s.close()


