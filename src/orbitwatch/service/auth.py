"""Who is asking: principals, roles, API keys, password sessions.

A :class:`Principal` is what every request (and every admin CLI command) acts as. Roles are
ordered ``viewer < analyst < coordinator < admin``; an API key carries a role no higher
than its user's, and both the key and the user must be active.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection

from ..store.service_schema import ROLES, agencies, api_keys, sessions, users
from .db import now_ns
from .errors import Forbidden, Unauthenticated
from .security import (dummy_verify, new_token, parse_api_key, same_hash, token_hash, verify_password)

ROLE_RANK = {r: i for i, r in enumerate(ROLES)}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: user, agency, role and how it signed in."""

    user_id: int | None
    username: str
    agency_id: int | None
    agency: str
    role: str
    via: str  # "key", "session" or "cli"
    key_id: str | None = None
    session_id: int | None = None

    @property
    def actor(self) -> str:
        if self.via == "key":
            return f"key:{self.key_id}"
        if self.via == "cli":
            return f"cli:{self.username}"
        return f"user:{self.agency}/{self.username}"

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def require(self, role: str, what: str = "this action") -> None:
        if not self.at_least(role):
            raise Forbidden(role, self.role, what)

    def to_dict(self) -> dict:
        return {"user": self.username, "user_id": self.user_id, "agency": self.agency, "agency_id": self.agency_id,
                "role": self.role, "via": self.via, "key_id": self.key_id}


@dataclass(frozen=True)
class Context:
    """A principal plus what the audit log records about the request."""

    principal: Principal
    request_id: str = ""
    client: str = ""
    extra: dict = field(default_factory=dict)

    def audit(self, conn: Connection, action: str, outcome: str = "ok", object: str = "",
              detail: dict | None = None) -> int:
        from . import audit

        p = self.principal
        return audit.record(conn, actor=p.actor, user_id=p.user_id, agency_id=p.agency_id, action=action,
                            outcome=outcome, object=object, request_id=self.request_id, client=self.client,
                            detail=detail)


def cli_context(username: str | None = None) -> Context:
    """The context of an admin command run from a shell (full rights; audited as ``cli:<user>``)."""
    import getpass

    try:
        who = username or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = "unknown"
    return Context(Principal(None, who, None, "", "admin", "cli"), request_id="", client="cli")


def _user_principal(row, via: str, role: str, key_id: str | None = None, session_id: int | None = None) -> Principal:
    return Principal(int(row.user_id), row.username, int(row.agency_id), row.agency, role, via, key_id, session_id)


#: ``api_keys.last_used_at_ns`` is refreshed at most this often (a write per key per minute, not per request)
LAST_USED_RESOLUTION_NS = 60 * 10**9


def authenticate_key(conn: Connection, key_text: str, pepper: str = "") -> tuple[Principal, int | None]:
    """(principal, last use in ns) of an API key; :class:`Unauthenticated` for a malformed, unknown,
    expired or revoked key."""
    parsed = parse_api_key(key_text)
    if parsed is None:
        raise Unauthenticated("malformed API key (expected ow_<id>.<secret>)")
    key_id, secret = parsed
    now = now_ns()
    row = conn.execute(
        select(api_keys.c.id, api_keys.c.secret_hash, api_keys.c.role, api_keys.c.expires_at_ns,
               api_keys.c.revoked_at_ns, api_keys.c.last_used_at_ns, users.c.id.label("user_id"), users.c.username,
               users.c.active,
               users.c.role.label("user_role"), agencies.c.id.label("agency_id"), agencies.c.name.label("agency"))
        .join(users, users.c.id == api_keys.c.user_id).join(agencies, agencies.c.id == api_keys.c.agency_id)
        .where(api_keys.c.key_id == key_id)).first()
    expected = row.secret_hash if row is not None else token_hash("no such key", pepper)
    good = same_hash(expected, token_hash(secret, pepper))
    if row is None or not good:
        raise Unauthenticated("unknown API key")
    if row.revoked_at_ns is not None:
        raise Unauthenticated("this API key was revoked")
    if row.expires_at_ns is not None and row.expires_at_ns <= now:
        raise Unauthenticated("this API key has expired")
    if not row.active:
        raise Unauthenticated("the user of this API key is disabled")
    role = min(row.role, row.user_role, key=ROLE_RANK.__getitem__)
    return _user_principal(row, "key", role, key_id=key_id), row.last_used_at_ns


def touch_key(conn: Connection, key_id: str, last_used_ns: int | None) -> None:
    """Record that a key was used (when its last record is older than a minute)."""
    now = now_ns()
    if last_used_ns is None or now - last_used_ns > LAST_USED_RESOLUTION_NS:
        conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at_ns=now))


def _user_row(conn: Connection, agency: str, username: str):
    return conn.execute(
        select(users.c.id.label("user_id"), users.c.username, users.c.role, users.c.password_hash, users.c.active,
               agencies.c.id.label("agency_id"), agencies.c.name.label("agency"))
        .join(agencies, agencies.c.id == users.c.agency_id)
        .where(and_(agencies.c.name == agency, users.c.username == username))).first()


def login(conn: Connection, agency: str, username: str, password: str, *, pepper: str = "",
          ttl_s: float = 8 * 3600.0) -> tuple[str, str, Principal]:
    """Check a password and open a session: (session token, CSRF token, principal).

    The same :class:`Unauthenticated` message for an unknown user and a wrong password, and the
    same time taken (a dummy argon2 verification), so sign-in leaks no user names.
    """
    row = _user_row(conn, agency, username)
    if row is None or not row.password_hash:
        dummy_verify(password)
        raise Unauthenticated("wrong agency, user name or password")
    if not verify_password(row.password_hash, password) or not row.active:
        raise Unauthenticated("wrong agency, user name or password")
    token, csrf = new_token(), new_token()
    now = now_ns()
    sid = conn.execute(sessions.insert().values(
        token_hash=token_hash(token, pepper), csrf_hash=token_hash(csrf, pepper), user_id=row.user_id,
        created_at_ns=now, expires_at_ns=now + int(ttl_s * 1e9)).returning(sessions.c.id)).scalar_one()
    return token, csrf, _user_principal(row, "session", row.role, session_id=int(sid))


def session_principal(conn: Connection, token: str, pepper: str = "") -> tuple[Principal, str]:
    """(principal, stored CSRF hash) of a session cookie; :class:`Unauthenticated` when not valid."""
    row = conn.execute(
        select(sessions.c.id, sessions.c.csrf_hash, sessions.c.expires_at_ns, sessions.c.revoked_at_ns,
               users.c.id.label("user_id"), users.c.username, users.c.role, users.c.active,
               agencies.c.id.label("agency_id"), agencies.c.name.label("agency"))
        .join(users, users.c.id == sessions.c.user_id).join(agencies, agencies.c.id == users.c.agency_id)
        .where(sessions.c.token_hash == token_hash(token, pepper))).first()
    if row is None or row.revoked_at_ns is not None or row.expires_at_ns <= now_ns() or not row.active:
        raise Unauthenticated("the session has expired or was ended; sign in again")
    return _user_principal(row, "session", row.role, session_id=int(row.id)), row.csrf_hash


def logout(conn: Connection, session_id: int) -> None:
    conn.execute(update(sessions).where(sessions.c.id == session_id).values(revoked_at_ns=now_ns()))
