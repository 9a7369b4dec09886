"""The service's notification outbox: one row per recipient agency of each thing that happened
(a job finished, an event crossed an alert threshold, an activation changed state), read by the
event stream and delivered by webhooks.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("agency_id", _Id, nullable=False, comment="the recipient agency"),
        sa.Column("kind", sa.Text(), nullable=False, comment="e.g. job.done, event.alert, activation.accepted"),
        sa.Column("subject", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="what it is about, e.g. job:12"),
        sa.Column("payload", sa.Text(), nullable=False, server_default=sa.text("'{}'"), comment="JSON"),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_notifications_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_agency_id_id"), "notifications", ["agency_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_agency_id_id"), table_name="notifications")
    op.drop_table("notifications")
