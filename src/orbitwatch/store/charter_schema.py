"""Tables of Charter operations and shared Earth-observation products (migration 0007), on the
store's one ``metadata`` (imported at the end of :mod:`orbitwatch.store.schema`).

=======================  ================================================================
table                    what it holds
=======================  ================================================================
``charter_activations``  one activation: area (GeoJSON), hazard, horizon, status, last plan
``charter_actors``       who takes part in an activation, and as what (activation-level roles)
``charter_history``      every status change of an activation (who, when, from, to, why)
``charter_tasking``      tasking requests to member agencies, one per planned acquisition
``charter_fleet``        an agency's own satellites/sensors (CSV text, validated as the files)
``stac_collections``     STAC Collections, each owned by an agency
``stac_items``           STAC Items (the full JSON, plus indexed datetime/bbox columns)
``stac_blobs``           uploaded asset files: content-addressed (SHA-256), size, owner
=======================  ================================================================

Instants are BIGINT nanoseconds since 1970 UTC (``*_ns``).
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, CheckConstraint, Column, Double, ForeignKey, Index, Integer, Table, Text,
                        UniqueConstraint, text)

from .schema import IdType, metadata

ACTIVATION_STATUSES = ("requested", "accepted", "rejected", "planned", "tasked", "acquired", "delivered", "closed")
ACTOR_ROLES = ("authorized_user", "on_call_officer", "member", "project_manager")
TASKING_STATUSES = ("sent", "accepted", "scheduled", "acquired", "failed", "declined", "cancelled")
FLEET_KINDS = ("satellites", "sensors")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


charter_activations = Table(
    "charter_activations", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("hazard", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("geojson", Text, nullable=False, comment="the area, GeoJSON text"),
    Column("start_ns", BigInteger, nullable=False),
    Column("hours", Double, nullable=False),
    Column("options", Text, nullable=False, server_default=text("'{}'"),
           comment="JSON: planning options (coverage, profile, max_resolution_m, types)"),
    Column("reason", Text, nullable=False, server_default=text("''"), comment="why rejected"),
    Column("plan", Text, nullable=True, comment="JSON summary of the current plan"),
    Column("plan_version", Integer, nullable=False, server_default="0"),
    Column("plan_job_id", IdType, nullable=True, comment="the last planning job"),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("updated_at_ns", BigInteger, nullable=False),
    CheckConstraint(_in("status", ACTIVATION_STATUSES), name="status"),
)

charter_actors = Table(
    "charter_actors", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("activation_id", IdType, ForeignKey("charter_activations.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("role", Text, nullable=False),
    UniqueConstraint("activation_id", "agency_id", "role"),
    CheckConstraint(_in("role", ACTOR_ROLES), name="role"),
    Index(None, "agency_id", "activation_id"),
)

charter_history = Table(
    "charter_history", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("activation_id", IdType, ForeignKey("charter_activations.id"), nullable=False),
    Column("at_ns", BigInteger, nullable=False),
    Column("status_from", Text, nullable=True),
    Column("status_to", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("agency_id", IdType, nullable=True),
    Column("detail", Text, nullable=False, server_default=text("'{}'"), comment="JSON"),
    Index(None, "activation_id", "id"),
)

charter_tasking = Table(
    "charter_tasking", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("activation_id", IdType, ForeignKey("charter_activations.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=True,
           comment="the service agency asked (NULL: the satellite's agency is not a member of the service)"),
    Column("fleet_agency", Text, nullable=False, comment="the satellite's agency as the fleet names it"),
    Column("plan_version", Integer, nullable=False),
    Column("satellite", Text, nullable=False),
    Column("norad_id", BigInteger, nullable=False),
    Column("sensor", Text, nullable=False),
    Column("sensor_type", Text, nullable=False),
    Column("resolution_m", Double, nullable=False),
    Column("acquisition_start_ns", BigInteger, nullable=False),
    Column("acquisition_end_ns", BigInteger, nullable=False),
    Column("request", Text, nullable=False, comment="JSON: the tasking request (geometry, angles, footprint)"),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=False, server_default=text("''")),
    Column("item_pk", IdType, nullable=True, comment="the STAC item registered when acquired"),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("updated_at_ns", BigInteger, nullable=False),
    CheckConstraint(_in("status", TASKING_STATUSES), name="status"),
    Index(None, "activation_id"),
    Index(None, "agency_id"),
)

charter_fleet = Table(
    "charter_fleet", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("csv", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("updated_at_ns", BigInteger, nullable=False),
    UniqueConstraint("agency_id", "kind"),
    CheckConstraint(_in("kind", FLEET_KINDS), name="kind"),
)

stac_collections = Table(
    "stac_collections", metadata,
    Column("id", Text, primary_key=True, comment="the STAC collection id"),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False, comment="the owner"),
    Column("title", Text, nullable=False, server_default=text("''")),
    Column("description", Text, nullable=False),
    Column("license", Text, nullable=False, server_default=text("'proprietary'")),
    Column("created_at_ns", BigInteger, nullable=False),
)

stac_items = Table(
    "stac_items", metadata,
    Column("pk", IdType, primary_key=True, autoincrement=True),
    Column("collection_id", Text, ForeignKey("stac_collections.id"), nullable=False),
    Column("item_id", Text, nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False, comment="the owner (collection's)"),
    Column("activation_id", IdType, ForeignKey("charter_activations.id"), nullable=True),
    Column("datetime_ns", BigInteger, nullable=False),
    Column("min_lon", Double, nullable=False),
    Column("min_lat", Double, nullable=False),
    Column("max_lon", Double, nullable=False),
    Column("max_lat", Double, nullable=False),
    Column("body", Text, nullable=False, comment="the STAC Item JSON (links are added when served)"),
    Column("created_at_ns", BigInteger, nullable=False),
    UniqueConstraint("collection_id", "item_id"),
    # covering the search: time range, then box and visibility from the index; the body read only for the page
    Index("ix_stac_items_search", "datetime_ns", "pk", "min_lon", "max_lon", "min_lat", "max_lat", "agency_id",
          "activation_id", "collection_id"),
    Index(None, "collection_id", "datetime_ns"),
    Index(None, "activation_id"),
)

stac_blobs = Table(
    "stac_blobs", metadata,
    Column("sha256", Text, primary_key=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False, comment="who uploaded it first"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("media_type", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
)

CHARTER_TABLES = (charter_activations, charter_actors, charter_history, charter_tasking, charter_fleet,
                  stac_collections, stac_items, stac_blobs)
