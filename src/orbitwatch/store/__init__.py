"""Persistent storage (SQLAlchemy 2 + Alembic): SQLite by default, PostgreSQL by URL.

>>> import tempfile
>>> from orbitwatch.samples import sample_catalog_path
>>> from orbitwatch.store import open_store
>>> folder = tempfile.mkdtemp()
>>> with open_store(f"sqlite:///{folder}/orbitwatch.db") as store:   # no URL: $ORBITWATCH_DATABASE_URL
...     [report] = store.import_files([sample_catalog_path()])
...     catalog = store.load_catalog()
>>> report.inserted, len(catalog.latest())
(26140, 26140)

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
