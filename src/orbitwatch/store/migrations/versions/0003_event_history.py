"""Event history: conjunction runs, event tracks and their updates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# frozen copy of the types of this revision (never import the live schema into a migration)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conjunction_runs",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text(), nullable=False, comment="'screening' or 'cdm'"),
        sa.Column("label", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="caller's label or CDM file"),
        sa.Column("computed_at_ns", sa.BigInteger(), nullable=False,
                  comment="when the run was computed, ns since 1970 UTC"),
        sa.Column("span_start_ns", sa.BigInteger(), nullable=True, comment="screened span, ns since 1970 UTC"),
        sa.Column("span_stop_ns", sa.BigInteger(), nullable=True),
        sa.Column("threshold_km", sa.Double(), nullable=True),
        sa.Column("primaries", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="comma-separated catalog numbers of a fleet screening; '' for all against all"),
        sa.Column("n_events", sa.BigInteger(), nullable=False, server_default="0"),
        sa.CheckConstraint("kind IN ('screening', 'cdm')", name=op.f("ck_conjunction_runs_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conjunction_runs")),
    )
    op.create_table(
        "event_tracks",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("norad_lo", sa.BigInteger(), nullable=False, comment="the pair's lower catalog number"),
        sa.Column("norad_hi", sa.BigInteger(), nullable=False, comment="the pair's higher catalog number"),
        sa.Column("status", sa.Text(), nullable=False, comment="'new', 'updated', 'below threshold' or 'past'"),
        sa.Column("first_run_id", _Id, nullable=False),
        sa.Column("last_run_id", _Id, nullable=False),
        sa.Column("n_updates", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("tca_ns", sa.BigInteger(), nullable=False, comment="latest TCA, ns since 1970 UTC"),
        sa.Column("miss_km", sa.Double(), nullable=False),
        sa.Column("pc", sa.Double(), nullable=True),
        sa.Column("pc_max", sa.Double(), nullable=True),
        sa.Column("updated_at_ns", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("status IN ('new', 'updated', 'below threshold', 'past')",
                           name=op.f("ck_event_tracks_status")),
        sa.ForeignKeyConstraint(["first_run_id"], ["conjunction_runs.id"],
                                name=op.f("fk_event_tracks_first_run_id_conjunction_runs")),
        sa.ForeignKeyConstraint(["last_run_id"], ["conjunction_runs.id"],
                                name=op.f("fk_event_tracks_last_run_id_conjunction_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_tracks")),
    )
    op.create_index(op.f("ix_event_tracks_norad_lo_norad_hi"), "event_tracks", ["norad_lo", "norad_hi"])
    op.create_index(op.f("ix_event_tracks_norad_hi"), "event_tracks", ["norad_hi"])
    op.create_index(op.f("ix_event_tracks_tca_ns"), "event_tracks", ["tca_ns"])
    op.create_index(op.f("ix_event_tracks_status"), "event_tracks", ["status"])
    op.create_table(
        "event_updates",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("track_id", _Id, nullable=False),
        sa.Column("run_id", _Id, nullable=False),
        sa.Column("computed_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, comment="'screening' or 'cdm'"),
        sa.Column("source_ref", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="CDM MESSAGE_ID or file"),
        sa.Column("norad_1", sa.BigInteger(), nullable=False, comment="primary (object 1) as the source gave it"),
        sa.Column("norad_2", sa.BigInteger(), nullable=False),
        sa.Column("epoch_1_ns", sa.BigInteger(), nullable=True,
                  comment="element-set epoch (or state epoch) of object 1"),
        sa.Column("epoch_2_ns", sa.BigInteger(), nullable=True),
        sa.Column("age_1_days", sa.Double(), nullable=True, comment="TCA minus epoch_1"),
        sa.Column("age_2_days", sa.Double(), nullable=True),
        sa.Column("tca_ns", sa.BigInteger(), nullable=False),
        sa.Column("miss_km", sa.Double(), nullable=False),
        sa.Column("radial_km", sa.Double(), nullable=True),
        sa.Column("in_track_km", sa.Double(), nullable=True),
        sa.Column("cross_track_km", sa.Double(), nullable=True),
        sa.Column("rel_speed_km_s", sa.Double(), nullable=True),
        sa.Column("pc", sa.Double(), nullable=True),
        sa.Column("pc_max", sa.Double(), nullable=True),
        sa.Column("pc_method", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("covariance_source", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="'default TLE model', 'CDM', ..."),
        sa.Column("source_pc", sa.Double(), nullable=True, comment="the Pc the source itself stated (a CDM's), if any"),
        sa.CheckConstraint("source IN ('screening', 'cdm')", name=op.f("ck_event_updates_source")),
        sa.ForeignKeyConstraint(["track_id"], ["event_tracks.id"], name=op.f("fk_event_updates_track_id_event_tracks")),
        sa.ForeignKeyConstraint(["run_id"], ["conjunction_runs.id"],
                                name=op.f("fk_event_updates_run_id_conjunction_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_updates")),
    )
    op.create_index(op.f("ix_event_updates_track_id"), "event_updates", ["track_id"])
    op.create_index(op.f("ix_event_updates_run_id"), "event_updates", ["run_id"])


def downgrade() -> None:
    op.drop_table("event_updates")
    op.drop_table("event_tracks")
    op.drop_table("conjunction_runs")
