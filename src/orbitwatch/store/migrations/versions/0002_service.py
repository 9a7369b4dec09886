"""The multi-agency service: agencies, users, API keys, sessions, sharing agreements, fleets,
jobs, screening events and the append-only, hash-chained audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# frozen copy of the types of this revision (never import the live schema into a migration)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ROLES = "role IN ('viewer', 'analyst', 'coordinator', 'admin')"
_TRUE = sa.text("true")
_FALSE = sa.text("false")
_EMPTY = sa.text("''")


def _id() -> sa.Column:
    return sa.Column("id", _Id, primary_key=True, autoincrement=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "agencies", _id(),
        sa.Column("name", sa.Text(), nullable=False, comment="short unique name, e.g. CSA"),
        sa.Column("title", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_table(
        "users", _id(),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True, comment="argon2id; NULL: keys only"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=_TRUE),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_ROLES, name=op.f("ck_users_role")),
        _fk("users", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("agency_id", "username", name=op.f("uq_users_agency_id_username")),
    )
    op.create_table(
        "api_keys", _id(),
        sa.Column("key_id", sa.Text(), nullable=False, comment="public part of the key (its prefix)"),
        sa.Column("secret_hash", sa.Text(), nullable=False, comment="HMAC-SHA256 of the secret part"),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("role", sa.Text(), nullable=False, comment="at most the user's role"),
        sa.Column("label", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("last_used_at_ns", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(_ROLES, name=op.f("ck_api_keys_role")),
        _fk("api_keys", "user_id", "users"),
        _fk("api_keys", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_keys_key_id")),
    )
    op.create_table(
        "sessions", _id(),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("csrf_hash", sa.Text(), nullable=False),
        sa.Column("user_id", _Id, nullable=False),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("expires_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at_ns", sa.BigInteger(), nullable=True),
        _fk("sessions", "user_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_table(
        "share_agreements", _id(),
        sa.Column("grantor_id", _Id, nullable=False),
        sa.Column("grantee_id", _Id, nullable=False),
        sa.Column("what", sa.Text(), nullable=False,
                  comment="fleet, ephemerides, events, products or collection:<id>"),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("until_ns", sa.BigInteger(), nullable=True, comment="NULL: until revoked"),
        sa.Column("revoked_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.CheckConstraint("grantor_id <> grantee_id", name=op.f("ck_share_agreements_not_self")),
        _fk("share_agreements", "grantor_id", "agencies"),
        _fk("share_agreements", "grantee_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_agreements")),
    )
    op.create_index(op.f("ix_share_agreements_grantee_id_what"), "share_agreements", ["grantee_id", "what"])
    op.create_table(
        "fleet_objects", _id(),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("norad_id", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        _fk("fleet_objects", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fleet_objects")),
        sa.UniqueConstraint("agency_id", "norad_id", name=op.f("uq_fleet_objects_agency_id_norad_id")),
    )
    op.create_index(op.f("ix_fleet_objects_norad_id"), "fleet_objects", ["norad_id"])
    op.create_table(
        "jobs", _id(),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, comment="JSON"),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'queued'")),
        sa.Column("created_by", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("started_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("finished_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("heartbeat_ns", sa.BigInteger(), nullable=True),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("claim_token", sa.Text(), nullable=True,
                  comment="changes at each claim; completion must match it"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress_done", sa.Double(), nullable=True),
        sa.Column("progress_total", sa.Double(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("result", sa.Text(), nullable=True, comment="JSON summary"),
        sa.Column("error", sa.Text(), nullable=True, comment="JSON error (to_dict of the library error)"),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                           name=op.f("ck_jobs_status")),
        _fk("jobs", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_status_id"), "jobs", ["status", "id"])
    op.create_index(op.f("ix_jobs_agency_id"), "jobs", ["agency_id"])
    op.create_table(
        "events", _id(),
        sa.Column("job_id", _Id, nullable=False),
        sa.Column("agency_id", _Id, nullable=False, comment="agency of the job"),
        sa.Column("norad_1", sa.BigInteger(), nullable=False),
        sa.Column("norad_2", sa.BigInteger(), nullable=False),
        sa.Column("name_1", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("name_2", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("tca_ns", sa.BigInteger(), nullable=False),
        sa.Column("miss_km", sa.Double(), nullable=False),
        sa.Column("radial_km", sa.Double(), nullable=False),
        sa.Column("in_track_km", sa.Double(), nullable=False),
        sa.Column("cross_track_km", sa.Double(), nullable=False),
        sa.Column("rel_speed_km_s", sa.Double(), nullable=False),
        sa.Column("volume_ratio", sa.Double(), nullable=True),
        sa.Column("pc", sa.Double(), nullable=True),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        _fk("events", "job_id", "jobs"),
        _fk("events", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    for cols in (["job_id"], ["norad_1"], ["norad_2"], ["agency_id"]):
        op.create_index(op.f(f"ix_events_{'_'.join(cols)}"), "events", cols)
    op.create_table(
        "audit_log", _id(),
        sa.Column("at_ns", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("actor", sa.Text(), nullable=False, comment="user:<name>, key:<key id>, cli:<os user>"),
        sa.Column("user_id", _Id, nullable=True),
        sa.Column("agency_id", _Id, nullable=True),
        sa.Column("action", sa.Text(), nullable=False, comment="e.g. fleet.read, catalog.upload"),
        sa.Column("object", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("outcome", sa.Text(), nullable=False, comment="ok, denied, not-found, invalid, error"),
        sa.Column("client", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("detail", sa.Text(), nullable=False, server_default=sa.text("'{}'"), comment="JSON"),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False, comment="SHA-256 over prev_hash and this record"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_agency_id_id"), "audit_log", ["agency_id", "id"])
    # append-only: the database itself refuses UPDATE and DELETE of audit records
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION orbitwatch_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION orbitwatch_audit_append_only()")
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS orbitwatch_audit_append_only()")
    op.drop_index(op.f("ix_audit_log_agency_id_id"), table_name="audit_log")
    op.drop_table("audit_log")
    for cols in (["agency_id"], ["norad_2"], ["norad_1"], ["job_id"]):
        op.drop_index(op.f(f"ix_events_{'_'.join(cols)}"), table_name="events")
    op.drop_table("events")
    op.drop_index(op.f("ix_jobs_agency_id"), table_name="jobs")
    op.drop_index(op.f("ix_jobs_status_id"), table_name="jobs")
    op.drop_table("jobs")
    op.drop_index(op.f("ix_fleet_objects_norad_id"), table_name="fleet_objects")
    op.drop_table("fleet_objects")
    op.drop_index(op.f("ix_share_agreements_grantee_id_what"), table_name="share_agreements")
    op.drop_table("share_agreements")
    op.drop_table("sessions")
    op.drop_table("api_keys")
    op.drop_table("users")
    op.drop_table("agencies")
