"""Webhooks: an agency's notifications POSTed, signed, to its HTTP receivers.

Nothing is sent inside a transaction. A dispatcher (:mod:`orbitwatch.service.dispatch`, in
``orbitwatch worker`` and in ``orbitwatch serve`` with in-process jobs) runs :func:`dispatch`:

1. **fan out**: the agency's notifications after each webhook's ``cursor_id`` become
   ``webhook_deliveries`` rows (kinds filtered); the cursor moves by compare-and-set in the
   same transaction, and (webhook, notification) is unique, so a notification is queued once
   per webhook even with several dispatchers;
2. **claim** due deliveries in one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one
   ``UPDATE ... RETURNING`` under SQLite's write lock) with a lease;
3. **send** them concurrently (``ORBITWATCH_WEBHOOK_CONCURRENCY``, each with a time limit), so a
   slow or failing receiver delays only its own deliveries; every attempt is recorded (status
   code, error, duration); a failed one is retried after ``backoff * 2**(n-1)`` seconds (at most
   ``ORBITWATCH_WEBHOOK_BACKOFF_MAX_S``) until ``ORBITWATCH_WEBHOOK_MAX_ATTEMPTS``.

Signature: ``X-Orbitwatch-Signature: t=<unix seconds>,sha256=<hex>`` where hex is
HMAC-SHA256(secret, ``"<t>." + raw body``); receivers recompute it and refuse old timestamps.

>>> sig = sign("whsec_test", b'{"kind":"job.done"}', 1700000000)
>>> sig.startswith("t=1700000000,sha256=") and verify("whsec_test", b'{"kind":"job.done"}', sig, now=1700000100)
True
>>> verify("whsec_test", b'{"kind":"job.done"}', sig, now=1700001000)
False
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy import and_, insert, select, text, update
from sqlalchemy.engine import Connection

from ..errors import InvalidRequestError
from ..store.notify_schema import webhook_attempts, webhook_deliveries, webhooks
from ..store.service_schema import agencies, notifications
from .db import ServiceDB, now_ns
from .notify import KINDS
from .settings import ServiceSettings

log = logging.getLogger("orbitwatch.service.webhooks")
SIGNATURE_HEADER = "X-Orbitwatch-Signature"
#: kinds a webhook without a filter does not receive (too frequent for HTTP callbacks)
NOT_BY_DEFAULT = ("job.progress",)
TOLERANCE_S = 300


# ===================================================================================== signing
def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{int(timestamp)}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={int(timestamp)},sha256={mac}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None,
           tolerance_s: float = TOLERANCE_S) -> bool:
    """What a receiver does: recompute the HMAC over ``t.body`` and refuse stale timestamps."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
        got = parts["sha256"]
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        return False
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, got)


# ===================================================================================== URLs
def _private(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%")[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


def check_url(url: str, allowed_hosts: set[str], *, resolve: bool = True) -> str:
    """An http(s) URL whose host is public, or listed in ``ORBITWATCH_WEBHOOK_ALLOWED_HOSTS``.

    The host is resolved and every address must be public (no loopback, private, link-local,
    multicast or reserved address) unless the host is allow-listed: a webhook must not turn the
    service into a proxy into its own network (SSRF). Checked at registration and before each
    attempt (the name may resolve elsewhere later); redirects are not followed.
    """
    if len(url) > 2000:
        raise InvalidRequestError("url", "longer than 2000 characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequestError("url", f"not a URL: {exc}", url) from None
    if parts.scheme not in ("http", "https"):
        raise InvalidRequestError("url", "must be an http:// or https:// URL", url)
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidRequestError("url", "has no host", url)
    if parts.username or parts.password:
        raise InvalidRequestError("url", "must not carry a user name or password", url)
    if host in allowed_hosts:
        return url
    if not resolve:
        return url
    try:
        infos = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidRequestError("url", f"host {host!r} does not resolve ({exc})", url) from None
    bad = sorted({i[4][0] for i in infos if _private(i[4][0])})
    if bad:
        raise InvalidRequestError("url", f"host {host!r} resolves to a non-public address ({bad[0]}); list it in "
                                         "ORBITWATCH_WEBHOOK_ALLOWED_HOSTS to allow it", url)
    return url


def check_kinds(kinds: list[str] | None) -> list[str]:
    out = sorted(set(kinds or []))
    for k in out:
        if k not in KINDS:
            raise InvalidRequestError("kinds", f"unknown notification kind {k!r}; known: {', '.join(KINDS)}", k)
    return out


# ===================================================================================== registry
def create(conn: Connection, agency_id: int, url: str, kinds: list[str], description: str, created_by: str,
           settings: ServiceSettings) -> tuple[int, str]:
    """A new webhook (only notifications from now on); (id, secret shown once)."""
    check_url(url, settings.allowed_webhook_hosts())
    kinds = check_kinds(kinds)
    last = conn.execute(select(notifications.c.id).where(notifications.c.agency_id == agency_id)
                        .order_by(notifications.c.id.desc()).limit(1)).scalar() or 0
    secret = new_secret()
    wid = conn.execute(insert(webhooks).values(agency_id=agency_id, url=url, kinds=json.dumps(kinds), secret=secret,
                                               description=description, created_by=created_by,
                                               created_at_ns=now_ns(), cursor_id=int(last))
                       .returning(webhooks.c.id)).scalar_one()
    return int(wid), secret


def _wants(kinds: list[str], kind: str) -> bool:
    return kind in kinds if kinds else kind not in NOT_BY_DEFAULT


# ===================================================================================== dispatch
def fan_out(db: ServiceDB, batch: int = 1000) -> int:
    """Queue the new notifications of every live webhook; the number of deliveries queued."""
    with db.read() as conn:
        hooks = conn.execute(select(webhooks.c.id, webhooks.c.agency_id, webhooks.c.kinds, webhooks.c.cursor_id)
                             .where(webhooks.c.deleted_at_ns.is_(None))).all()
    n = 0
    for h in hooks:
        kinds = json.loads(h.kinds)
        with db.tx() as conn:
            rows = conn.execute(select(notifications.c.id, notifications.c.kind).where(and_(
                notifications.c.agency_id == h.agency_id, notifications.c.id > h.cursor_id))
                .order_by(notifications.c.id).limit(batch)).all()
            if not rows:
                continue
            moved = conn.execute(update(webhooks).where(and_(webhooks.c.id == h.id,
                                                             webhooks.c.cursor_id == h.cursor_id))
                                 .values(cursor_id=int(rows[-1].id))).rowcount
            if moved != 1:  # another dispatcher fanned these out
                continue
            now = now_ns()
            new = [{"webhook_id": h.id, "notification_id": r.id, "status": "pending", "attempts": 0,
                    "next_attempt_ns": now, "created_at_ns": now} for r in rows if _wants(kinds, r.kind)]
            if new:
                conn.execute(insert(webhook_deliveries), new)
            n += len(new)
    return n


def claim_due(db: ServiceDB, limit: int, lease_s: float) -> list[tuple[int, int]]:
    """Take up to ``limit`` due deliveries (pending and due, or sending with an expired lease):
    [(delivery id, attempt number)]."""
    now = now_ns()
    lock = " FOR UPDATE SKIP LOCKED" if db.backend == "postgresql" else ""
    with db.tx() as conn:
        rows = conn.execute(text(
            "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, lease_until_ns = :lease "
            "WHERE id IN (SELECT id FROM webhook_deliveries WHERE (status = 'pending' AND next_attempt_ns <= :now)"
            " OR (status = 'sending' AND lease_until_ns < :now) ORDER BY next_attempt_ns, id"
            f" LIMIT :n{lock}) RETURNING id, attempts"),
            {"now": now, "lease": now + int(lease_s * 1e9), "n": int(limit)}).all()
    return [(int(r.id), int(r.attempts)) for r in rows]


def _body(conn: Connection, delivery_id: int):
    r = conn.execute(select(webhook_deliveries.c.id, webhooks.c.url, webhooks.c.secret, webhooks.c.deleted_at_ns,
                            notifications.c.id.label("nid"), notifications.c.kind, notifications.c.subject,
                            notifications.c.payload, notifications.c.created_at_ns, agencies.c.name.label("agency"))
                     .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
                     .join(notifications, notifications.c.id == webhook_deliveries.c.notification_id)
                     .join(agencies, agencies.c.id == notifications.c.agency_id)
                     .where(webhook_deliveries.c.id == delivery_id)).one()
    from .accounts import iso

    body = json.dumps({"id": int(r.nid), "delivery": int(r.id), "kind": r.kind, "subject": r.subject,
                       "agency": r.agency, "created_at": iso(r.created_at_ns), "payload": json.loads(r.payload)},
                      separators=(",", ":"), sort_keys=True).encode()
    return r, body


def send_one(db: ServiceDB, settings: ServiceSettings, delivery_id: int, attempt: int, client) -> dict:
    """One HTTP attempt of a claimed delivery; the attempt and the new state commit together."""
    with db.read() as conn:
        r, body = _body(conn, delivery_id)
    t0 = time.perf_counter()
    code, error = None, ""
    if r.deleted_at_ns is not None:
        error = "the webhook was deleted"
    else:
        try:
            check_url(r.url, settings.allowed_webhook_hosts())
            ts = int(time.time())
            resp = client.post(r.url, content=body, headers={
                "Content-Type": "application/json", "User-Agent": "orbitwatch-webhooks",
                SIGNATURE_HEADER: sign(r.secret, body, ts), "X-Orbitwatch-Event": r.kind,
                "X-Orbitwatch-Delivery": str(delivery_id)})
            code = resp.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}: {resp.text[:200]}"
        except InvalidRequestError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - any transport failure is this attempt's error
            error = f"{type(exc).__name__}: {exc}"[:500]
    ms = (time.perf_counter() - t0) * 1e3
    ok = not error
    now = now_ns()
    final = ok or r.deleted_at_ns is not None or attempt >= settings.webhook_max_attempts
    wait_s = min(settings.webhook_backoff_s * 2 ** (attempt - 1), settings.webhook_backoff_max_s)
    status = "delivered" if ok else ("failed" if final else "pending")
    with db.tx() as conn:
        changed = conn.execute(update(webhook_deliveries).where(and_(
            webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == "sending",
            webhook_deliveries.c.attempts == attempt))
            .values(status=status, last_status_code=code, last_error=error[:1000], lease_until_ns=None,
                    finished_at_ns=now if final else None,
                    next_attempt_ns=now if final else now + int(wait_s * 1e9))).rowcount
        if changed == 1:  # else the lease ran out and another sender took it: its attempt counts
            conn.execute(insert(webhook_attempts).values(delivery_id=delivery_id, attempt=attempt, at_ns=now,
                                                         status_code=code, error=error[:1000], duration_ms=ms))
    return {"delivery": delivery_id, "attempt": attempt, "status": status, "status_code": code, "error": error}


def deliver_due(db: ServiceDB, settings: ServiceSettings, limit: int = 100) -> list[dict]:
    """Claim due deliveries and send them concurrently; what each attempt gave."""
    import httpx

    lease = settings.webhook_timeout_s * 2 + 30
    todo = claim_due(db, limit, lease)
    if not todo:
        return []
    with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False) as client, \
            ThreadPoolExecutor(max_workers=min(settings.webhook_concurrency, len(todo))) as pool:
        return list(pool.map(lambda t: send_one(db, settings, t[0], t[1], client), todo))


def dispatch(db: ServiceDB, settings: ServiceSettings) -> list[dict]:
    """One round: fan out new notifications, then send what is due."""
    fan_out(db)
    return deliver_due(db, settings)


__all__ = ["sign", "verify", "check_url", "check_kinds", "create", "fan_out", "claim_due", "send_one",
           "deliver_due", "dispatch", "SIGNATURE_HEADER", "new_secret"]
