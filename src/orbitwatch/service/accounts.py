"""Administration: agencies, users, API keys and sharing agreements.

Used by ``orbitwatch admin`` and by the API alike; every change is audited in its own
transaction's connection (``ctx.audit``). Functions take the open transaction.
"""

from __future__ import annotations

import re

import numpy as np
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from ..errors import ConflictError, InvalidRequestError
from ..requests import check_choice, check_positive, parse_time
from ..store.service_schema import ROLES, SHARE_KINDS, agencies, api_keys, share_agreements, users
from ..timeutil import format_iso
from .auth import ROLE_RANK, Context
from .db import now_ns
from .errors import not_found
from .security import hash_password, new_api_key, token_hash

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
MIN_PASSWORD = 10


def iso(ns: int | None) -> str | None:
    return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"


def check_name(field: str, value: str) -> str:
    value = (value or "").strip()
    if not _NAME.match(value):
        raise InvalidRequestError(field, "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
                                         f"digit; got {value!r}", value)
    return value


def check_what(value: str) -> str:
    """A share kind (fleet, ephemerides, events, products) or ``collection:<id>``."""
    v = (value or "").strip()
    if v.startswith("collection:") and len(v) > len("collection:"):
        return v
    return check_choice("what", v, SHARE_KINDS)


_LAST = np.datetime64("2262-01-01T00:00", "us")


def instant_ns(field: str, value) -> int:
    """A UTC instant as ns since 1970 (the store's time type), or an error naming the field."""
    t = parse_time(field, value)
    if not np.datetime64("1678-01-01T00:00", "us") < t < _LAST:
        raise InvalidRequestError(field, f"must be between 1678 and 2262, got {value!r}", value)
    return int(t.astype("datetime64[ns]").astype(np.int64))


# ------------------------------------------------------------------------------------- agencies
def agency_id(conn: Connection, name: str) -> int:
    aid = conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar()
    if aid is None:
        raise not_found("agency", repr(name))
    return int(aid)


def create_agency(conn: Connection, ctx: Context, name: str, title: str = "") -> dict:
    name = check_name("name", name)
    if conn.execute(select(agencies.c.id).where(agencies.c.name == name)).first() is not None:
        raise ConflictError(f"agency {name}", "exists already")
    now = now_ns()
    aid = conn.execute(agencies.insert().values(name=name, title=title or "", created_at_ns=now)
                       .returning(agencies.c.id)).scalar_one()
    ctx.audit(conn, "agency.create", object=f"agency:{aid}", detail={"name": name})
    return {"id": int(aid), "name": name, "title": title or "", "created_at": iso(now)}


def list_agencies(conn: Connection) -> list[dict]:
    rows = conn.execute(select(agencies).order_by(agencies.c.id)).all()
    return [{"id": int(r.id), "name": r.name, "title": r.title, "created_at": iso(r.created_at_ns)} for r in rows]


# ------------------------------------------------------------------------------------- users
def create_user(conn: Connection, ctx: Context, agency: str, username: str, role: str,
                password: str | None = None) -> dict:
    aid = agency_id(conn, agency)
    username = check_name("username", username)
    role = check_choice("role", role, ROLES)
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidRequestError("password", f"must have at least {MIN_PASSWORD} characters")
    if conn.execute(select(users.c.id).where(and_(users.c.agency_id == aid, users.c.username == username))).first():
        raise ConflictError(f"user {username} of {agency}", "exists already")
    now = now_ns()
    uid = conn.execute(users.insert().values(
        agency_id=aid, username=username, role=role, created_at_ns=now,
        password_hash=hash_password(password) if password else None).returning(users.c.id)).scalar_one()
    ctx.audit(conn, "user.create", object=f"user:{uid}", detail={"agency": agency, "username": username,
                                                                  "role": role, "password": bool(password)})
    return {"id": int(uid), "agency": agency, "username": username, "role": role, "created_at": iso(now),
            "password": bool(password)}


def list_users(conn: Connection, agency: str | None = None) -> list[dict]:
    stmt = select(users, agencies.c.name.label("agency")).join(agencies, agencies.c.id == users.c.agency_id)
    if agency is not None:
        stmt = stmt.where(users.c.agency_id == agency_id(conn, agency))
    return [{"id": int(r.id), "agency": r.agency, "username": r.username, "role": r.role, "active": bool(r.active),
             "created_at": iso(r.created_at_ns)} for r in conn.execute(stmt.order_by(users.c.id)).all()]


# ------------------------------------------------------------------------------------- API keys
def create_key(conn: Connection, ctx: Context, agency: str, username: str, *, role: str | None = None,
               days: float | None = 365.0, label: str = "", pepper: str = "") -> tuple[dict, str]:
    """A new key for a user: (its record, the key text to show once). ``days`` None: never expires."""
    aid = agency_id(conn, agency)
    row = conn.execute(select(users.c.id, users.c.role).where(
        and_(users.c.agency_id == aid, users.c.username == username))).first()
    if row is None:
        raise not_found("user", f"{username!r} of {agency}")
    role = check_choice("role", role, ROLES) if role else row.role
    if ROLE_RANK[role] > ROLE_RANK[row.role]:
        raise InvalidRequestError("role", f"a key cannot have more rights than its user ({row.role})", role)
    now = now_ns()
    expires = None if days is None else now + int(check_positive("days", days) * 86400e9)
    key = new_api_key()
    kid = conn.execute(api_keys.insert().values(
        key_id=key.key_id, secret_hash=token_hash(key.secret, pepper), user_id=row.id, agency_id=aid, role=role,
        label=label or "", created_at_ns=now, expires_at_ns=expires).returning(api_keys.c.id)).scalar_one()
    ctx.audit(conn, "key.create", object=f"key:{key.key_id}",
              detail={"agency": agency, "username": username, "role": role, "expires_at": iso(expires)})
    return ({"id": int(kid), "key_id": key.key_id, "agency": agency, "username": username, "role": role,
             "label": label or "", "created_at": iso(now), "expires_at": iso(expires)}, key.text)


def revoke_key(conn: Connection, ctx: Context, key_id: str, *, agency_id_only: int | None = None) -> dict:
    """Revoke a key by its id (the part after ``ow_`` and before the dot)."""
    key_id = (key_id or "").strip()
    if key_id.startswith("ow_"):
        key_id = key_id[3:].partition(".")[0]
    stmt = select(api_keys.c.id, api_keys.c.revoked_at_ns).where(api_keys.c.key_id == key_id)
    if agency_id_only is not None:
        stmt = stmt.where(api_keys.c.agency_id == agency_id_only)
    row = conn.execute(stmt).first()
    if row is None:
        raise not_found("API key", key_id)
    now = now_ns()
    if row.revoked_at_ns is None:
        conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(revoked_at_ns=now))
    ctx.audit(conn, "key.revoke", object=f"key:{key_id}")
    return {"key_id": key_id, "revoked_at": iso(row.revoked_at_ns or now)}


def list_keys(conn: Connection, agency: str | None = None) -> list[dict]:
    stmt = (select(api_keys, users.c.username, agencies.c.name.label("agency"))
            .join(users, users.c.id == api_keys.c.user_id).join(agencies, agencies.c.id == api_keys.c.agency_id))
    if agency is not None:
        stmt = stmt.where(api_keys.c.agency_id == agency_id(conn, agency))
    now = now_ns()
    out = []
    for r in conn.execute(stmt.order_by(api_keys.c.id)).all():
        state = ("revoked" if r.revoked_at_ns is not None else
                 "expired" if r.expires_at_ns is not None and r.expires_at_ns <= now else "active")
        out.append({"key_id": r.key_id, "agency": r.agency, "username": r.username, "role": r.role,
                    "label": r.label, "state": state, "created_at": iso(r.created_at_ns),
                    "expires_at": iso(r.expires_at_ns), "last_used_at": iso(r.last_used_at_ns)})
    return out


# ------------------------------------------------------------------------------------- sharing
def grant_share(conn: Connection, ctx: Context, grantor: str, grantee: str, what: str, until=None) -> dict:
    """``grantor`` shares ``what`` with ``grantee`` until ``until`` (None: until revoked)."""
    what = check_what(what)
    a, b = agency_id(conn, grantor), agency_id(conn, grantee)
    if a == b:
        raise InvalidRequestError("grantee", "an agency does not share with itself", grantee)
    now = now_ns()
    until_ns = None
    if until is not None:
        until_ns = instant_ns("until", until)
        if until_ns <= now:
            raise InvalidRequestError("until", "must be in the future", until)
    sid = conn.execute(share_agreements.insert().values(
        grantor_id=a, grantee_id=b, what=what, created_at_ns=now, until_ns=until_ns,
        created_by=ctx.principal.actor).returning(share_agreements.c.id)).scalar_one()
    ctx.audit(conn, "share.grant", object=f"share:{sid}",
              detail={"grantor": grantor, "grantee": grantee, "what": what, "until": iso(until_ns)})
    return {"id": int(sid), "grantor": grantor, "grantee": grantee, "what": what, "created_at": iso(now),
            "until": iso(until_ns), "state": "active"}


def revoke_share(conn: Connection, ctx: Context, share_id: int, *, grantor_id_only: int | None = None) -> dict:
    stmt = select(share_agreements.c.id, share_agreements.c.revoked_at_ns).where(share_agreements.c.id == share_id)
    if grantor_id_only is not None:
        stmt = stmt.where(share_agreements.c.grantor_id == grantor_id_only)
    row = conn.execute(stmt).first()
    if row is None:
        raise not_found("sharing agreement", share_id)
    now = now_ns()
    if row.revoked_at_ns is None:
        conn.execute(update(share_agreements).where(share_agreements.c.id == share_id).values(revoked_at_ns=now))
    ctx.audit(conn, "share.revoke", object=f"share:{share_id}")
    return {"id": int(share_id), "revoked_at": iso(row.revoked_at_ns or now)}


def list_shares(conn: Connection, agency: str | None = None, *, agency_id_: int | None = None) -> list[dict]:
    """Agreements where the agency is grantor or grantee (all when None)."""
    g1, g2 = aliased(agencies), aliased(agencies)
    stmt = (select(share_agreements, g1.c.name.label("grantor"), g2.c.name.label("grantee"))
            .join(g1, g1.c.id == share_agreements.c.grantor_id).join(g2, g2.c.id == share_agreements.c.grantee_id))
    aid = agency_id(conn, agency) if agency is not None else agency_id_
    if aid is not None:
        stmt = stmt.where(or_(share_agreements.c.grantor_id == aid, share_agreements.c.grantee_id == aid))
    now = now_ns()
    out = []
    for r in conn.execute(stmt.order_by(share_agreements.c.id)).all():
        state = ("revoked" if r.revoked_at_ns is not None else
                 "expired" if r.until_ns is not None and r.until_ns <= now else "active")
        out.append({"id": int(r.id), "grantor": r.grantor, "grantee": r.grantee, "what": r.what,
                    "created_at": iso(r.created_at_ns), "until": iso(r.until_ns), "state": state})
    return out
