"""The service's space-situational-awareness tables: uploaded ephemerides, the agencies behind
each event track, per-update records (job, event, CDM) and coordinations with their messages.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# frozen copy of the types of this revision (never import the live schema into a migration)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, ref: str):
    return sa.ForeignKeyConstraint([column], [f"{ref}.id"], name=op.f(f"fk_{table}_{column}_{ref}"))


def upgrade() -> None:
    op.create_table(
        "ephemerides",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("norad_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, comment="'operational' or 'maneuver'"),
        sa.Column("format", sa.Text(), nullable=False, comment="oem-kvn, oem-xml, opm-kvn or opm-xml"),
        sa.Column("filename", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("content", sa.Text(), nullable=False, comment="the message as uploaded"),
        sa.Column("object_name", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("object_id", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("start_ns", sa.BigInteger(), nullable=False, comment="first usable instant, ns since 1970 UTC"),
        sa.Column("stop_ns", sa.BigInteger(), nullable=False, comment="last usable instant"),
        sa.Column("n_states", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("planned_maneuvers", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("coordination_id", _Id, nullable=True, comment="uploaded on a coordination"),
        sa.Column("created_by", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('operational', 'maneuver')", name=op.f("ck_ephemerides_kind")),
        _fk("ephemerides", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ephemerides")),
    )
    op.create_index(op.f("ix_ephemerides_agency_id_norad_id"), "ephemerides", ["agency_id", "norad_id"])
    op.create_table(
        "ssa_track_agencies",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("track_id", _Id, nullable=False),
        sa.Column("agency_id", _Id, nullable=False),
        _fk("ssa_track_agencies", "track_id", "event_tracks"),
        _fk("ssa_track_agencies", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssa_track_agencies")),
        sa.UniqueConstraint("track_id", "agency_id", name=op.f("uq_ssa_track_agencies_track_id_agency_id")),
    )
    op.create_index(op.f("ix_ssa_track_agencies_agency_id"), "ssa_track_agencies", ["agency_id"])
    op.create_table(
        "ssa_update_records",
        sa.Column("update_id", _Id, autoincrement=False),
        sa.Column("track_id", _Id, nullable=False),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("job_id", _Id, nullable=True),
        sa.Column("event_id", _Id, nullable=True, comment="the job's events row"),
        sa.Column("cdm_kvn", sa.Text(), nullable=False, server_default=sa.text("''")),
        _fk("ssa_update_records", "update_id", "event_updates"),
        _fk("ssa_update_records", "track_id", "event_tracks"),
        _fk("ssa_update_records", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_ssa_update_records")),
    )
    op.create_index(op.f("ix_ssa_update_records_event_id"), "ssa_update_records", ["event_id"])
    op.create_index(op.f("ix_ssa_update_records_track_id"), "ssa_update_records", ["track_id"])
    op.create_table(
        "coordinations",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("track_id", _Id, nullable=False),
        sa.Column("agency_1_id", _Id, nullable=False),
        sa.Column("agency_2_id", _Id, nullable=False),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        _fk("coordinations", "track_id", "event_tracks"),
        _fk("coordinations", "agency_1_id", "agencies"),
        _fk("coordinations", "agency_2_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordinations")),
        sa.UniqueConstraint("track_id", name=op.f("uq_coordinations_track_id")),
    )
    op.create_table(
        "coordination_messages",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("coordination_id", _Id, nullable=False),
        sa.Column("agency_id", _Id, nullable=False),
        sa.Column("author", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("kind", sa.Text(), nullable=False, comment="'message', 'intent' or 'maneuver'"),
        sa.Column("intent", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("ephemeris_id", _Id, nullable=True),
        sa.Column("job_id", _Id, nullable=True, comment="the screening of the manoeuvre ephemeris"),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('message', 'intent', 'maneuver')", name=op.f("ck_coordination_messages_kind")),
        _fk("coordination_messages", "coordination_id", "coordinations"),
        _fk("coordination_messages", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coordination_messages")),
    )
    op.create_index(op.f("ix_coordination_messages_coordination_id_id"), "coordination_messages",
                    ["coordination_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_coordination_messages_coordination_id_id"), table_name="coordination_messages")
    op.drop_table("coordination_messages")
    op.drop_table("coordinations")
    op.drop_index(op.f("ix_ssa_update_records_track_id"), table_name="ssa_update_records")
    op.drop_index(op.f("ix_ssa_update_records_event_id"), table_name="ssa_update_records")
    op.drop_table("ssa_update_records")
    op.drop_index(op.f("ix_ssa_track_agencies_agency_id"), table_name="ssa_track_agencies")
    op.drop_table("ssa_track_agencies")
    op.drop_index(op.f("ix_ephemerides_agency_id_norad_id"), table_name="ephemerides")
    op.drop_table("ephemerides")
