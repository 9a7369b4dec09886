"""The service's database: one engine (SQLite or PostgreSQL), migrated to head, and its
transactions.

Every write (and every audited read) runs in :meth:`ServiceDB.tx`: SQLite takes its write
lock at ``BEGIN IMMEDIATE`` so two writers queue instead of failing at lock upgrade.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import StoreError
from ..store import Store, head_revision, make_engine, mask_url
from ..store.engine import SQLITE_BEGIN_OPTION, current_revision
from ..store import service_schema  # noqa: F401 - the service's tables on the store's metadata
from .settings import ServiceSettings


def now_ns() -> int:
    return time.time_ns()


class ServiceDB:
    """The engine, the element-set :class:`~orbitwatch.store.Store` on it, and transactions."""

    def __init__(self, settings: ServiceSettings, *, migrate: bool = True, engine: Engine | None = None):
        self.settings = settings
        if engine is None:
            kw = {}
            url = settings.resolved_database_url()
            if url.startswith(("postgresql", "postgres")):
                kw = {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
            engine = make_engine(url, settings=settings.store_settings(), **kw)
        self.engine = engine
        self.store = Store(engine, migrate=migrate, owns_engine=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return mask_url(self.engine.url)

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def tx(self) -> Iterator[Connection]:
        """One write transaction (committed on success, rolled back on any exception)."""
        try:
            with self.engine.connect() as conn:
                if self.backend == "sqlite":
                    conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
                with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise StoreError(f"database error on {self.url}: {_short(exc)}") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads that need no audit record (public catalog, health)."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise StoreError(f"database error on {self.url}: {_short(exc)}") from exc

    def readiness(self) -> dict:
        """Whether the database answers and is migrated to this orbitwatch's head revision."""
        head = head_revision()
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            rev = current_revision(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            return {"ready": False, "database": "unreachable", "reason": _short(exc), "backend": self.backend}
        return {"ready": rev == head, "database": "ok", "backend": self.backend, "revision": rev, "head": head}


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()
    return msg[0] if msg else type(orig).__name__
