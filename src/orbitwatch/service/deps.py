"""FastAPI dependencies: the database, the caller (API key or session cookie + CSRF), and
:func:`audited`, which runs a request's work and its audit record in one transaction."""

from __future__ import annotations

from typing import Callable, TypeVar

from fastapi import Request

from ..errors import (ConflictError, DataError, InvalidRequestError, NotFoundError, OrbitwatchError)
from .auth import LAST_USED_RESOLUTION_NS, Context, authenticate_key, session_principal, touch_key
from .db import ServiceDB, now_ns
from .errors import CsrfError, Forbidden, Unauthenticated
from .security import same_hash, token_hash

SESSION_COOKIE = "ow_session"
CSRF_COOKIE = "ow_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


def get_db(request: Request) -> ServiceDB:
    return request.app.state.db


def client_address(request: Request) -> str:
    if request.app.state.settings.trust_forwarded_for:
        fwd = request.headers.get("x-forwarded-for")
        if fwd:
            return fwd.split(",")[0].strip()[:100]
    return request.client.host if request.client else ""


def _credential(request: Request) -> tuple[str, str] | None:
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return "key", auth[7:].strip()
    key = request.headers.get("x-api-key")
    if key:
        return "key", key.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return "session", cookie
    return None


def context(request: Request) -> Context:
    """The authenticated caller of this request (dependency); 401 without valid credentials.

    Cookie sessions must echo the CSRF token on state-changing methods: the ``X-CSRF-Token``
    header equal to the ``ow_csrf`` cookie (double submit) and to the session's own token.
    A refused credential is audited (action ``auth``, outcome ``denied``).
    """
    db: ServiceDB = request.app.state.db
    settings = request.app.state.settings
    rid = getattr(request.state, "request_id", "")
    client = client_address(request)
    cred = _credential(request)
    try:
        if cred is None:
            raise Unauthenticated()
        kind, value = cred
        last_used = -1
        with db.read() as conn:
            if kind == "key":
                principal, last_used = authenticate_key(conn, value, settings.key_pepper)
            else:
                principal, csrf_hash = session_principal(conn, value, settings.key_pepper)
                if request.method not in SAFE_METHODS:
                    header = request.headers.get(CSRF_HEADER, "")
                    cookie = request.cookies.get(CSRF_COOKIE, "")
                    if not header:
                        raise CsrfError(f"send the {CSRF_HEADER} header with the token from sign-in")
                    if not same_hash(header, cookie) or not same_hash(token_hash(header, settings.key_pepper),
                                                                      csrf_hash):
                        raise CsrfError("the token does not match this session")
    except (Unauthenticated, CsrfError) as exc:
        if cred is not None:  # anonymous probes are not worth a record each
            from . import audit

            with db.tx() as conn:
                audit.record(conn, actor="anonymous", action="auth", outcome="denied", request_id=rid,
                             client=client, detail={"reason": str(exc), "path": request.url.path,
                                                    "method": request.method})
        raise
    request.state.principal = principal
    if principal.via == "key" and (last_used is None or now_ns() - last_used > LAST_USED_RESOLUTION_NS):
        with db.tx() as conn:
            touch_key(conn, principal.key_id, last_used)
    wait = request.app.state.key_limits.take(f"user:{principal.user_id}:{principal.key_id or 'session'}")
    if wait:
        from .ratelimit import RateLimited

        raise RateLimited("key", settings.rate_limit_key_per_minute, wait)
    return Context(principal, rid, client)


def outcome_for(exc: BaseException) -> str:
    if isinstance(exc, NotFoundError):
        return "not-found"
    if isinstance(exc, (Forbidden, Unauthenticated)):
        return "denied"
    if isinstance(exc, (InvalidRequestError, DataError)):
        return "invalid"
    if isinstance(exc, ConflictError):
        return "conflict"
    return "error"


def audited(db: ServiceDB, ctx: Context, action: str, object: str, work: Callable, *,
            detail: Callable[[object], dict] | dict | None = None):
    """Run ``work(conn)`` and write the audit record in the same transaction.

    When the work fails, the transaction rolls back (nothing of it is stored) and a record of
    the failure is written in a transaction of its own; the error then reaches the client.
    """
    try:
        with db.tx() as conn:
            result = work(conn)
            d = detail(result) if callable(detail) else detail
            ctx.audit(conn, action, "ok", object, d)
        return result
    except OrbitwatchError as exc:
        with db.tx() as conn:
            ctx.audit(conn, action, outcome_for(exc), object, {"error": exc.to_dict()})
        raise
