"""Webhooks (with every delivery and attempt) and schedules (recurring screenings, catalog pulls).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# frozen copy of the types of this revision (never import the live schema into a migration)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_EMPTY = sa.text("''")


def _id() -> sa.Column:
    return sa.Column("id", _Id, primary_key=True, autoincrement=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "webhooks", _id(),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False, server_default=sa.text("'[]'"),
                  comment="JSON list of notification kinds; empty: every kind but job.progress"),
        sa.Column("secret", sa.Text(), nullable=False, comment="HMAC-SHA256 signing key, as given to the receiver"),
        sa.Column("description", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_by", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("cursor_id", sa.BigInteger(), nullable=False, server_default="0",
                  comment="the last notification id of the agency fanned out to this webhook"),
        _fk("webhooks", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_index(op.f("ix_webhooks_agency_id"), "webhooks", ["agency_id"])
    op.create_table(
        "webhook_deliveries", _id(),
        sa.Column("webhook_id", _Id, nullable=False),
        sa.Column("notification_id", _Id, nullable=False),
        sa.Column("status", sa.Text(), nullable=False, server_default=sa.text("'pending'")),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_ns", sa.BigInteger(), nullable=False),
        sa.Column("lease_until_ns", sa.BigInteger(), nullable=True, comment="a sender holds it until then"),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("finished_at_ns", sa.BigInteger(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.CheckConstraint("status IN ('pending', 'sending', 'delivered', 'failed')",
                           name=op.f("ck_webhook_deliveries_status")),
        _fk("webhook_deliveries", "webhook_id", "webhooks"),
        _fk("webhook_deliveries", "notification_id", "notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("webhook_id", "notification_id",
                            name=op.f("uq_webhook_deliveries_webhook_id_notification_id")),
    )
    op.create_index(op.f("ix_webhook_deliveries_status_next_attempt_ns"), "webhook_deliveries",
                    ["status", "next_attempt_ns"])
    op.create_table(
        "webhook_attempts", _id(),
        sa.Column("delivery_id", _Id, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at_ns", sa.BigInteger(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True, comment="NULL: no HTTP answer"),
        sa.Column("error", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        _fk("webhook_attempts", "delivery_id", "webhook_deliveries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])
    op.create_table(
        "schedules", _id(),
        sa.Column("agency_id", _Id, nullable=True, comment="NULL: a service-wide pull"),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False, server_default=sa.text("'{}'"), comment="JSON"),
        sa.Column("every_ns", sa.BigInteger(), nullable=False),
        sa.Column("next_run_ns", sa.BigInteger(), nullable=False,
                  comment="claimed by UPDATE ... WHERE next_run_ns = seen"),
        sa.Column("last_run_ns", sa.BigInteger(), nullable=True),
        sa.Column("last_job_id", sa.BigInteger(), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=False, server_default=sa.text("'{}'"), comment="JSON"),
        sa.Column("created_by", sa.Text(), nullable=False, server_default=_EMPTY),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('screening', 'celestrak', 'spacetrack')", name=op.f("ck_schedules_kind")),
        sa.CheckConstraint("every_ns > 0", name=op.f("ck_schedules_every_positive")),
        _fk("schedules", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    op.create_index(op.f("ix_schedules_next_run_ns"), "schedules", ["next_run_ns"])
    op.create_index(op.f("ix_schedules_agency_id"), "schedules", ["agency_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_schedules_agency_id"), table_name="schedules")
    op.drop_index(op.f("ix_schedules_next_run_ns"), table_name="schedules")
    op.drop_table("schedules")
    op.drop_index(op.f("ix_webhook_attempts_delivery_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index(op.f("ix_webhook_deliveries_status_next_attempt_ns"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhooks_agency_id"), table_name="webhooks")
    op.drop_table("webhooks")
