"""The notification outbox: :func:`publish` writes one row per recipient agency, on the caller's
connection, so a notification commits with the change it announces (or not at all). The event
stream and the webhook deliveries read these rows; nothing is sent from inside a transaction.

>>> from orbitwatch.service.notify import KINDS
>>> "job.done" in KINDS
True
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..store.service_schema import notifications
from .db import now_ns

#: the kinds of notification the service publishes (subscribers may filter on them)
KINDS = (
    "job.done", "job.failed", "job.cancelled", "job.progress",
    "event.new", "event.alert", "event.updated",
    "coordination.message", "coordination.intent",
    "activation.requested", "activation.accepted", "activation.rejected", "activation.planned",
    "activation.tasked", "activation.replanned", "activation.acquired", "activation.delivered", "activation.closed",
    "tasking.updated", "product.registered",
    "catalog.ingested",
)


def publish(conn: Connection, agency_ids: Iterable[int], kind: str, subject: str = "",
            payload: dict[str, Any] | None = None) -> list[int]:
    """Record that ``kind`` happened to ``subject`` for each agency in ``agency_ids`` (duplicates
    removed); returns the new notification ids. Call it inside the transaction of the change."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; add it to notify.KINDS")
    body = json.dumps(payload or {}, separators=(",", ":"), sort_keys=True, default=str)
    t = now_ns()
    ids = []
    for aid in sorted({int(a) for a in agency_ids}):
        ids.append(conn.execute(insert(notifications).values(agency_id=aid, kind=kind, subject=subject,
                                                             payload=body, created_at_ns=t)
                                .returning(notifications.c.id)).scalar_one())
    return ids


def since(conn: Connection, agency_id: int, after_id: int = 0, limit: int = 100) -> list[dict]:
    """Notifications of ``agency_id`` with id above ``after_id``, oldest first (the stream's resume point)."""
    rows = conn.execute(select(notifications).where(notifications.c.agency_id == agency_id,
                                                    notifications.c.id > after_id)
                        .order_by(notifications.c.id).limit(limit)).mappings().all()
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]
