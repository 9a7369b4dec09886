"""Database schema (SQLAlchemy Core metadata), kept identical to the Alembic migrations.

Every instant is a BIGINT of nanoseconds since 1970-01-01T00:00:00 UTC (``*_ns``): exactly
``datetime64[ns]`` as int64, on every backend (see docs/storage.md for why). A test
checks that this metadata and the migrations at head agree (``compare_metadata``).
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, CheckConstraint, Column, Double, ForeignKey, Index, Integer, MetaData, text,
                        SmallInteger, Table, Text, UniqueConstraint)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: an auto-incrementing 64-bit key (SQLite only auto-increments an INTEGER PRIMARY KEY: its rowid,
#: which is 64-bit anyway)
IdType = BigInteger().with_variant(Integer(), "sqlite")

imports = Table(
    "imports", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False, comment="file name (as given) or caller's label"),
    Column("source_sha256", Text, nullable=True, comment="SHA-256 of the file's bytes, when a file"),
    Column("started_at_ns", BigInteger, nullable=False, comment="ns since 1970 UTC"),
    Column("finished_at_ns", BigInteger, nullable=True, comment="ns since 1970 UTC"),
    Column("status", Text, nullable=False, comment="'ok', or 'partial' when records were rejected"),
    Column("on_conflict", Text, nullable=False, comment="'keep' or 'replace'"),
    Column("n_records", BigInteger, nullable=False, server_default="0",
           comment="records offered (accepted + rejected)"),
    Column("n_inserted", BigInteger, nullable=False, server_default="0"),
    Column("n_duplicates", BigInteger, nullable=False, server_default="0"),
    Column("n_conflicts", BigInteger, nullable=False, server_default="0"),
    Column("n_rejected", BigInteger, nullable=False, server_default="0"),
    Column("n_objects_new", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("status IN ('running', 'ok', 'partial')", name="status"),
    CheckConstraint("on_conflict IN ('keep', 'replace')", name="on_conflict"),
)

objects = Table(
    "objects", metadata,
    Column("norad_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False, server_default=text("''"),
           comment="from the most recent element set that has one"),
    Column("intl_designator", Text, nullable=False, server_default=text("''")),
    Column("object_type", SmallInteger, nullable=False, server_default="0",
           comment="0 unknown, 1 payload, 2 rocket body, 3 debris"),
    Column("first_epoch_ns", BigInteger, nullable=True),
    Column("last_epoch_ns", BigInteger, nullable=True),
    Column("n_element_sets", BigInteger, nullable=False, server_default="0"),
    # informational links to the import log; not foreign keys, so that the per-row checks do not
    # slow down the bulk insert and update of objects (element_sets.import_id is a foreign key)
    Column("first_import_id", IdType, nullable=True, comment="import that first stored the object"),
    Column("last_import_id", IdType, nullable=True, comment="last import that added element sets"),
)

#: ElementSets columns stored in ``element_sets`` and their SQL types (epoch and creation
#: date are stored as ``epoch_ns`` / ``creation_date_ns``).
ELEMENT_COLUMNS: dict[str, type] = {
    "name": Text,
    "intl_designator": Text,
    "classification": Text,
    "mean_motion_dot": Double,
    "mean_motion_ddot": Double,
    "bstar": Double,
    "ephemeris_type": SmallInteger,
    "element_set_no": Integer,
    "inclination_deg": Double,
    "raan_deg": Double,
    "eccentricity": Double,
    "arg_perigee_deg": Double,
    "mean_anomaly_deg": Double,
    "mean_motion_rev_per_day": Double,
    "rev_at_epoch": BigInteger,
    "object_type": SmallInteger,
    "source_line": BigInteger,
    "center_name": Text,
    "ref_frame": Text,
    "time_system": Text,
    "mean_element_theory": Text,
    "originator": Text,
    "comment": Text,
}

element_sets = Table(
    "element_sets", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("norad_id", BigInteger, ForeignKey("objects.norad_id"), nullable=False),
    Column("epoch_ns", BigInteger, nullable=False, comment="ns since 1970-01-01 UTC, exact"),
    *[Column(name, typ, nullable=False) for name, typ in ELEMENT_COLUMNS.items()],
    Column("creation_date_ns", BigInteger, nullable=True, comment="OMM CREATION_DATE, ns since 1970 UTC"),
    Column("import_id", IdType, ForeignKey("imports.id"), nullable=False),
    UniqueConstraint("norad_id", "epoch_ns"),
    Index(None, "import_id"),
    Index(None, "epoch_ns"),
)

import_rejections = Table(
    "import_rejections", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("import_id", IdType, ForeignKey("imports.id"), nullable=False),
    Column("kind", Text, nullable=False, comment="'rejected' (bad record) or 'conflict'"),
    Column("source", Text, nullable=False),
    Column("line", BigInteger, nullable=True, comment="1-based line in source"),
    Column("record", BigInteger, nullable=True, comment="0-based record index in source"),
    Column("field", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("text", Text, nullable=True, comment="the offending line, when known"),
    CheckConstraint("kind IN ('rejected', 'conflict')", name="kind"),
    Index(None, "import_id"),
)

# ---------------------------------------------------------------------------------- event history
#: one screening run or one CDM ingest: what produced a set of track updates
conjunction_runs = Table(
    "conjunction_runs", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False, comment="'screening' or 'cdm'"),
    Column("label", Text, nullable=False, server_default=text("''"), comment="caller's label or CDM file"),
    Column("computed_at_ns", BigInteger, nullable=False, comment="when the run was computed, ns since 1970 UTC"),
    Column("span_start_ns", BigInteger, nullable=True, comment="screened span, ns since 1970 UTC"),
    Column("span_stop_ns", BigInteger, nullable=True),
    Column("threshold_km", Double, nullable=True),
    Column("primaries", Text, nullable=False, server_default=text("''"),
           comment="comma-separated catalog numbers of a fleet screening; '' for all against all"),
    Column("n_events", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("kind IN ('screening', 'cdm')", name="kind"),
)

#: one encounter of one pair followed through time; the latest update's figures repeated for queries
event_tracks = Table(
    "event_tracks", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("norad_lo", BigInteger, nullable=False, comment="the pair's lower catalog number"),
    Column("norad_hi", BigInteger, nullable=False, comment="the pair's higher catalog number"),
    Column("status", Text, nullable=False, comment="'new', 'updated', 'below threshold' or 'past'"),
    Column("first_run_id", IdType, ForeignKey("conjunction_runs.id"), nullable=False),
    Column("last_run_id", IdType, ForeignKey("conjunction_runs.id"), nullable=False),
    Column("n_updates", BigInteger, nullable=False, server_default="0"),
    Column("tca_ns", BigInteger, nullable=False, comment="latest TCA, ns since 1970 UTC"),
    Column("miss_km", Double, nullable=False),
    Column("pc", Double, nullable=True),
    Column("pc_max", Double, nullable=True),
    Column("updated_at_ns", BigInteger, nullable=False),
    CheckConstraint("status IN ('new', 'updated', 'below threshold', 'past')", name="status"),
    Index(None, "norad_lo", "norad_hi"),
    Index(None, "norad_hi"),
    Index(None, "tca_ns"),
    Index(None, "status"),
)

#: every update of a track: when, from which data, and the encounter as then computed
event_updates = Table(
    "event_updates", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("track_id", IdType, ForeignKey("event_tracks.id"), nullable=False),
    Column("run_id", IdType, ForeignKey("conjunction_runs.id"), nullable=False),
    Column("computed_at_ns", BigInteger, nullable=False),
    Column("source", Text, nullable=False, comment="'screening' or 'cdm'"),
    Column("source_ref", Text, nullable=False, server_default=text("''"), comment="CDM MESSAGE_ID or file"),
    Column("norad_1", BigInteger, nullable=False, comment="primary (object 1) as the source gave it"),
    Column("norad_2", BigInteger, nullable=False),
    Column("epoch_1_ns", BigInteger, nullable=True, comment="element-set epoch (or state epoch) of object 1"),
    Column("epoch_2_ns", BigInteger, nullable=True),
    Column("age_1_days", Double, nullable=True, comment="TCA minus epoch_1"),
    Column("age_2_days", Double, nullable=True),
    Column("tca_ns", BigInteger, nullable=False),
    Column("miss_km", Double, nullable=False),
    Column("radial_km", Double, nullable=True),
    Column("in_track_km", Double, nullable=True),
    Column("cross_track_km", Double, nullable=True),
    Column("rel_speed_km_s", Double, nullable=True),
    Column("pc", Double, nullable=True),
    Column("pc_max", Double, nullable=True),
    Column("pc_method", Text, nullable=False, server_default=text("''")),
    Column("covariance_source", Text, nullable=False, server_default=text("''"),
           comment="'default TLE model', 'CDM', ..."),
    Column("source_pc", Double, nullable=True, comment="the Pc the source itself stated (a CDM's), if any"),
    CheckConstraint("source IN ('screening', 'cdm')", name="source"),
    Index(None, "track_id"),
    Index(None, "run_id"),
)
from . import service_schema as _service_schema  # noqa: E402,F401 - the service tables share this metadata
from . import ssa_schema as _ssa_schema  # noqa: E402,F401 - the service SSA tables share this metadata
from . import notify_schema as _notify_schema  # noqa: E402,F401 - webhooks, schedules (migration 0006)
from . import charter_schema as _charter_schema  # noqa: E402,F401 - Charter and STAC tables (migration 0007)
