"""Settings come from the environment at call time."""

from pathlib import Path

from orbitwatch.config import get_settings
from orbitwatch.store import resolve_url


def test_defaults_to_sqlite_in_home_dot_orbitwatch():
    s = get_settings({})
    assert s.home == Path("~/.orbitwatch").expanduser()
    assert s.database_url == f"sqlite:///{Path('~/.orbitwatch').expanduser() / 'orbitwatch.db'}"
    assert s.uses_default_sqlite


def test_home_and_url_from_the_given_environment(tmp_path):
    s = get_settings({"ORBITWATCH_HOME": str(tmp_path)})
    assert s.sqlite_path == tmp_path / "orbitwatch.db"
    assert s.database_url == f"sqlite:///{tmp_path / 'orbitwatch.db'}"
    url = "postgresql+psycopg://u@h/db"
    s = get_settings({"ORBITWATCH_HOME": str(tmp_path), "ORBITWATCH_DATABASE_URL": url})
    assert s.database_url == url and not s.uses_default_sqlite
    assert get_settings({"ORBITWATCH_DATABASE_URL": "   "}).uses_default_sqlite


def test_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path / "one"))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    first = get_settings()
    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path / "two"))
    assert first.home == tmp_path / "one" and get_settings().home == tmp_path / "two"


def test_relative_home_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert get_settings({"ORBITWATCH_HOME": "state"}).home == tmp_path / "state"


def test_postgres_urls_get_the_psycopg3_driver():
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("sqlite:///x.db").drivername == "sqlite"
