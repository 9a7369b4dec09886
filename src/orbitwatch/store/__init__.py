"""Persistent storage (SQLAlchemy 2 + Alembic): SQLite by default, PostgreSQL by URL.

>>> from orbitwatch.store import open_store
>>> with open_store() as store:                       # $ORBITWATCH_DATABASE_URL or ~/.orbitwatch/orbitwatch.db
...     [report] = store.import_files(["catalog.3le"])
...     catalog = store.load_catalog()

See docs/storage.md.
"""

from .engine import current_revision, head_revision, make_engine, mask_url, migrate, resolve_url
from .store import (CONTENT_COLUMNS, Conflict, ImportLogEntry, ImportReport, ObjectInfo, ObjectTable, Progress,
                    Rejection, Store, StoreStats, open_store)

__all__ = [
    "Store", "open_store", "ImportReport", "Conflict", "ImportLogEntry", "Rejection", "ObjectInfo",
    "ObjectTable", "StoreStats", "Progress", "CONTENT_COLUMNS",
    "make_engine", "resolve_url", "mask_url", "migrate", "head_revision", "current_revision",
]
