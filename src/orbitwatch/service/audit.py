"""The audit log: append-only, one record per protected request, chained by SHA-256.

Each record's ``hash`` is SHA-256 over the previous record's hash and this record's fields
(canonical JSON), so changing, removing or inserting a row breaks the chain at that row:
:func:`verify` finds it. Records are written with :func:`record` on the connection of the
transaction that does the work, so the record and the change commit (or roll back) together.
Writers are serialised (PostgreSQL: a transaction advisory lock; SQLite: the write lock every
service transaction takes), so the chain has no forks. The database refuses UPDATE and DELETE
on the table (triggers of migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from ..store.service_schema import audit_log
from .db import now_ns

GENESIS = "0" * 64
#: fields covered by the hash, in order
HASHED = ("at_ns", "request_id", "actor", "user_id", "agency_id", "action", "object", "outcome", "client", "detail")
_PG_LOCK = "SELECT pg_advisory_xact_lock(hashtext('orbitwatch-audit:' || current_schema()))"


def record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps([fields[k] for k in HASHED], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def record(conn: Connection, *, actor: str, action: str, outcome: str, object: str = "",
           user_id: int | None = None, agency_id: int | None = None, request_id: str = "", client: str = "",
           detail: dict | None = None, at_ns: int | None = None) -> int:
    """Append one record in the caller's transaction; returns its id."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(_PG_LOCK))
    prev = conn.execute(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    fields = {"at_ns": int(at_ns if at_ns is not None else now_ns()), "request_id": str(request_id or ""),
              "actor": str(actor), "user_id": None if user_id is None else int(user_id),
              "agency_id": None if agency_id is None else int(agency_id), "action": str(action),
              "object": str(object or ""), "outcome": str(outcome), "client": str(client or ""),
              "detail": json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str)}
    h = record_hash(prev, fields)
    return int(conn.execute(insert(audit_log).values(**fields, prev_hash=prev, hash=h)
                            .returning(audit_log.c.id)).scalar_one())


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of :func:`verify`: records checked, and the first broken one (None when intact)."""

    n_records: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None

    def to_dict(self) -> dict:
        return {"ok": self.ok, "n_records": self.n_records, "first_bad_id": self.first_bad_id, "reason": self.reason}


def verify(conn: Connection, batch: int = 5000) -> VerifyReport:
    """Walk the chain from the first record; report the first record whose link or hash is wrong."""
    prev = GENESIS
    n = 0
    last_id = None
    while True:
        stmt = select(audit_log).order_by(audit_log.c.id).limit(batch)
        if last_id is not None:
            stmt = stmt.where(audit_log.c.id > last_id)
        rows = conn.execute(stmt).mappings().all()
        if not rows:
            return VerifyReport(n)
        for r in rows:
            if r["prev_hash"] != prev:
                return VerifyReport(n, int(r["id"]), "its prev_hash does not match the hash of the record "
                                                     "before it (a record was removed, inserted or changed)")
            fields = {k: r[k] for k in HASHED}
            if record_hash(prev, fields) != r["hash"]:
                return VerifyReport(n, int(r["id"]), "its contents do not match its hash (the record was changed)")
            prev = r["hash"]
            n += 1
            last_id = r["id"]


def rows(conn: Connection, *, agency_id: int | None = None, since_ns: int | None = None, until_ns: int | None = None,
         action: str | None = None, after_id: int | None = None, limit: int | None = None) -> Iterator[dict]:
    """Audit records, oldest first, filtered (``agency_id`` None: all agencies)."""
    stmt = select(audit_log).order_by(audit_log.c.id)
    if agency_id is not None:
        stmt = stmt.where(audit_log.c.agency_id == agency_id)
    if since_ns is not None:
        stmt = stmt.where(audit_log.c.at_ns >= since_ns)
    if until_ns is not None:
        stmt = stmt.where(audit_log.c.at_ns <= until_ns)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if after_id is not None:
        stmt = stmt.where(audit_log.c.id > after_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    for r in conn.execute(stmt).mappings():
        yield dict(r)


def to_public(r: dict) -> dict:
    """A record as the API and the export give it (ISO time, detail as an object)."""
    import numpy as np

    from ..timeutil import format_iso

    try:
        detail = json.loads(r["detail"])
    except (TypeError, ValueError):
        detail = r["detail"]
    return {"id": int(r["id"]), "at": format_iso(np.datetime64(int(r["at_ns"]), "ns"), 6) + "Z",
            "request_id": r["request_id"], "actor": r["actor"], "user_id": r["user_id"],
            "agency_id": r["agency_id"], "action": r["action"], "object": r["object"], "outcome": r["outcome"],
            "client": r["client"], "detail": detail, "prev_hash": r["prev_hash"], "hash": r["hash"]}
