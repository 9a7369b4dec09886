"""Tables of the multi-agency service (migration 0002), on the store's one ``metadata``.

Importing this module adds the service's tables to :data:`orbitwatch.store.schema.metadata`,
so that the metadata and the migrations at head agree. Instants are BIGINT nanoseconds
since 1970 UTC (``*_ns``), as everywhere in the store.

=====================  ===================================================================
table                  what it holds
=====================  ===================================================================
``agencies``           the organisations sharing the service
``users``              people and programs of an agency, with a role and an argon2 hash
``api_keys``           keys of a user (hashed secret, role, expiry, revocation)
``sessions``           cookie sessions from a password sign-in (hashed token, CSRF hash)
``share_agreements``   grantor agency shares ``what`` with grantee agency until ``until_ns``
``fleet_objects``      catalog objects an agency declares it operates (private unless shared)
``jobs``               queued/running/finished work, claimed atomically by workers
``events``             close approaches found by screening jobs
``audit_log``          append-only, hash-chained record of every protected request
``notifications``      outbox of what happened, per recipient agency (migration 0004): read by
                       the event stream and delivered by webhooks
=====================  ===================================================================
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Double, ForeignKey, Index, Integer, Table,
                        Text, UniqueConstraint, text)

from .schema import IdType, metadata

ROLES = ("viewer", "analyst", "coordinator", "admin")
JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
#: what a sharing agreement may share (or a collection id, written ``collection:<id>``)
SHARE_KINDS = ("fleet", "ephemerides", "events", "products")


def _roles_check(column: str = "role") -> str:
    return f"{column} IN ({', '.join(repr(r) for r in ROLES)})"


agencies = Table(
    "agencies", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, comment="short unique name, e.g. CSA"),
    Column("title", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    UniqueConstraint("name"),
)

users = Table(
    "users", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("username", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=True, comment="argon2id; NULL: keys only"),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at_ns", BigInteger, nullable=False),
    UniqueConstraint("agency_id", "username"),
    CheckConstraint(_roles_check(), name="role"),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("key_id", Text, nullable=False, comment="public part of the key (its prefix)"),
    Column("secret_hash", Text, nullable=False, comment="HMAC-SHA256 of the secret part"),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("role", Text, nullable=False, comment="at most the user's role"),
    Column("label", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("expires_at_ns", BigInteger, nullable=True),
    Column("revoked_at_ns", BigInteger, nullable=True),
    Column("last_used_at_ns", BigInteger, nullable=True),
    UniqueConstraint("key_id"),
    CheckConstraint(_roles_check(), name="role"),
)

sessions = Table(
    "sessions", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("token_hash", Text, nullable=False),
    Column("csrf_hash", Text, nullable=False),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("expires_at_ns", BigInteger, nullable=False),
    Column("revoked_at_ns", BigInteger, nullable=True),
    UniqueConstraint("token_hash"),
)

share_agreements = Table(
    "share_agreements", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("grantor_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("grantee_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("what", Text, nullable=False, comment="fleet, ephemerides, events, products or collection:<id>"),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("until_ns", BigInteger, nullable=True, comment="NULL: until revoked"),
    Column("revoked_at_ns", BigInteger, nullable=True),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    CheckConstraint("grantor_id <> grantee_id", name="not_self"),
    Index(None, "grantee_id", "what"),
)

fleet_objects = Table(
    "fleet_objects", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("norad_id", BigInteger, nullable=False),
    Column("label", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    UniqueConstraint("agency_id", "norad_id"),
    Index(None, "norad_id"),
)

jobs = Table(
    "jobs", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("params", Text, nullable=False, comment="JSON"),
    Column("status", Text, nullable=False, server_default=text("'queued'")),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("started_at_ns", BigInteger, nullable=True),
    Column("finished_at_ns", BigInteger, nullable=True),
    Column("heartbeat_ns", BigInteger, nullable=True),
    Column("worker", Text, nullable=True),
    Column("claim_token", Text, nullable=True, comment="changes at each claim; completion must match it"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("progress_done", Double, nullable=True),
    Column("progress_total", Double, nullable=True),
    Column("stage", Text, nullable=False, server_default=text("''")),
    Column("cancel_requested", Boolean, nullable=False, server_default=text("false")),
    Column("result", Text, nullable=True, comment="JSON summary"),
    Column("error", Text, nullable=True, comment="JSON error (to_dict of the library error)"),
    CheckConstraint(f"status IN ({', '.join(repr(s) for s in JOB_STATUSES)})", name="status"),
    Index(None, "status", "id"),
    Index(None, "agency_id"),
)

events = Table(
    "events", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("job_id", IdType, ForeignKey("jobs.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False, comment="agency of the job"),
    Column("norad_1", BigInteger, nullable=False),
    Column("norad_2", BigInteger, nullable=False),
    Column("name_1", Text, nullable=False, server_default=text("''")),
    Column("name_2", Text, nullable=False, server_default=text("''")),
    Column("tca_ns", BigInteger, nullable=False),
    Column("miss_km", Double, nullable=False),
    Column("radial_km", Double, nullable=False),
    Column("in_track_km", Double, nullable=False),
    Column("cross_track_km", Double, nullable=False),
    Column("rel_speed_km_s", Double, nullable=False),
    Column("volume_ratio", Double, nullable=True),
    Column("pc", Double, nullable=True),
    Column("created_at_ns", BigInteger, nullable=False),
    Index(None, "job_id"),
    Index(None, "norad_1"),
    Index(None, "norad_2"),
    Index(None, "agency_id"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at_ns", BigInteger, nullable=False),
    Column("request_id", Text, nullable=False, server_default=text("''")),
    Column("actor", Text, nullable=False, comment="user:<name>, key:<key id>, cli:<os user>"),
    Column("user_id", IdType, nullable=True),
    Column("agency_id", IdType, nullable=True),
    Column("action", Text, nullable=False, comment="e.g. fleet.read, catalog.upload"),
    Column("object", Text, nullable=False, server_default=text("''")),
    Column("outcome", Text, nullable=False, comment="ok, denied, not-found, invalid, error"),
    Column("client", Text, nullable=False, server_default=text("''")),
    Column("detail", Text, nullable=False, server_default=text("'{}'"), comment="JSON"),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False, comment="SHA-256 over prev_hash and this record"),
    Index(None, "agency_id", "id"),
)

notifications = Table(
    "notifications", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False, comment="the recipient agency"),
    Column("kind", Text, nullable=False, comment="e.g. job.done, event.alert, activation.accepted"),
    Column("subject", Text, nullable=False, server_default=text("''"), comment="what it is about, e.g. job:12"),
    Column("payload", Text, nullable=False, server_default=text("'{}'"), comment="JSON"),
    Column("created_at_ns", BigInteger, nullable=False),
    Index(None, "agency_id", "id"),
)

SERVICE_TABLES = (agencies, users, api_keys, sessions, share_agreements, fleet_objects, jobs, events, audit_log,
                  notifications)
