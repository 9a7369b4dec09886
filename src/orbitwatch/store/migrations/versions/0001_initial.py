"""Initial schema: imports, objects, element_sets, import_rejections.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# frozen copy of the types of this revision (never import the live schema into a migration)
_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text(), nullable=False, comment="file name (as given) or caller's label"),
        sa.Column("source_sha256", sa.Text(), nullable=True, comment="SHA-256 of the file's bytes, when a file"),
        sa.Column("started_at_ns", sa.BigInteger(), nullable=False, comment="ns since 1970 UTC"),
        sa.Column("finished_at_ns", sa.BigInteger(), nullable=True, comment="ns since 1970 UTC"),
        sa.Column("status", sa.Text(), nullable=False, comment="'ok', or 'partial' when records were rejected"),
        sa.Column("on_conflict", sa.Text(), nullable=False, comment="'keep' or 'replace'"),
        sa.Column("n_records", sa.BigInteger(), nullable=False, server_default="0",
                  comment="records offered (accepted + rejected)"),
        sa.Column("n_inserted", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("n_duplicates", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("n_conflicts", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("n_rejected", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("n_objects_new", sa.BigInteger(), nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('running', 'ok', 'partial')", name=op.f("ck_imports_status")),
        sa.CheckConstraint("on_conflict IN ('keep', 'replace')", name=op.f("ck_imports_on_conflict")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "objects",
        sa.Column("norad_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False, server_default=sa.text("''"),
                  comment="from the most recent element set that has one"),
        sa.Column("intl_designator", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("object_type", sa.SmallInteger(), nullable=False, server_default="0",
                  comment="0 unknown, 1 payload, 2 rocket body, 3 debris"),
        sa.Column("first_epoch_ns", sa.BigInteger(), nullable=True),
        sa.Column("last_epoch_ns", sa.BigInteger(), nullable=True),
        sa.Column("n_element_sets", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("first_import_id", _Id, nullable=True, comment="import that first stored the object"),
        sa.Column("last_import_id", _Id, nullable=True, comment="last import that added element sets"),
        sa.PrimaryKeyConstraint("norad_id", name=op.f("pk_objects")),
    )
    op.create_table(
        "element_sets",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("norad_id", sa.BigInteger(), nullable=False),
        sa.Column("epoch_ns", sa.BigInteger(), nullable=False, comment="ns since 1970-01-01 UTC, exact"),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("intl_designator", sa.Text(), nullable=False),
        sa.Column("classification", sa.Text(), nullable=False),
        sa.Column("mean_motion_dot", sa.Double(), nullable=False),
        sa.Column("mean_motion_ddot", sa.Double(), nullable=False),
        sa.Column("bstar", sa.Double(), nullable=False),
        sa.Column("ephemeris_type", sa.SmallInteger(), nullable=False),
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("inclination_deg", sa.Double(), nullable=False),
        sa.Column("raan_deg", sa.Double(), nullable=False),
        sa.Column("eccentricity", sa.Double(), nullable=False),
        sa.Column("arg_perigee_deg", sa.Double(), nullable=False),
        sa.Column("mean_anomaly_deg", sa.Double(), nullable=False),
        sa.Column("mean_motion_rev_per_day", sa.Double(), nullable=False),
        sa.Column("rev_at_epoch", sa.BigInteger(), nullable=False),
        sa.Column("object_type", sa.SmallInteger(), nullable=False),
        sa.Column("source_line", sa.BigInteger(), nullable=False),
        sa.Column("center_name", sa.Text(), nullable=False),
        sa.Column("ref_frame", sa.Text(), nullable=False),
        sa.Column("time_system", sa.Text(), nullable=False),
        sa.Column("mean_element_theory", sa.Text(), nullable=False),
        sa.Column("originator", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("creation_date_ns", sa.BigInteger(), nullable=True,
                  comment="OMM CREATION_DATE, ns since 1970 UTC"),
        sa.Column("import_id", _Id, nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_element_sets_import_id_imports")),
        sa.ForeignKeyConstraint(["norad_id"], ["objects.norad_id"],
                                name=op.f("fk_element_sets_norad_id_objects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_element_sets")),
        sa.UniqueConstraint("norad_id", "epoch_ns", name=op.f("uq_element_sets_norad_id_epoch_ns")),
    )
    op.create_index(op.f("ix_element_sets_import_id"), "element_sets", ["import_id"])
    op.create_index(op.f("ix_element_sets_epoch_ns"), "element_sets", ["epoch_ns"])
    op.create_table(
        "import_rejections",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("import_id", _Id, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, comment="'rejected' (bad record) or 'conflict'"),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=True, comment="1-based line in source"),
        sa.Column("record", sa.BigInteger(), nullable=True, comment="0-based record index in source"),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True, comment="the offending line, when known"),
        sa.CheckConstraint("kind IN ('rejected', 'conflict')", name=op.f("ck_import_rejections_kind")),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"],
                                name=op.f("fk_import_rejections_import_id_imports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rejections")),
    )
    op.create_index(op.f("ix_import_rejections_import_id"), "import_rejections", ["import_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_import_rejections_import_id"), table_name="import_rejections")
    op.drop_table("import_rejections")
    op.drop_index(op.f("ix_element_sets_epoch_ns"), table_name="element_sets")
    op.drop_index(op.f("ix_element_sets_import_id"), table_name="element_sets")
    op.drop_table("element_sets")
    op.drop_table("objects")
    op.drop_table("imports")
