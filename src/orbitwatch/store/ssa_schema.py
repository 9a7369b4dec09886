"""Tables of the service's space-situational-awareness side (migration 0005), on the store's
one ``metadata`` (imported at the end of :mod:`orbitwatch.store.schema`).

=========================  ==============================================================
table                      what it holds
=========================  ==============================================================
``ephemerides``            CCSDS OEM/OPM messages an agency uploaded for one of its fleet
                           objects (the text as uploaded, its span, the planned-manoeuvre flag)
``ssa_track_agencies``     agencies whose jobs or CDM uploads contributed to an event track
``ssa_update_records``     per event update: the agency, job and job event it came from, and
                           the CDM (KVN) that describes it (built at screening, or as uploaded)
``coordinations``          one per event track whose two objects are operated on the service
``coordination_messages``  messages, declared intents and manoeuvre ephemerides of a coordination
=========================  ==============================================================
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, Table, Text,
                        UniqueConstraint, text)

from .schema import IdType, metadata

EPHEMERIS_KINDS = ("operational", "maneuver")
INTENTS = ("will-maneuver", "will-hold", "no-action-needed")
MESSAGE_KINDS = ("message", "intent", "maneuver")

ephemerides = Table(
    "ephemerides", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("norad_id", BigInteger, nullable=False),
    Column("kind", Text, nullable=False, comment="'operational' or 'maneuver'"),
    Column("format", Text, nullable=False, comment="oem-kvn, oem-xml, opm-kvn or opm-xml"),
    Column("filename", Text, nullable=False, server_default=text("''")),
    Column("content", Text, nullable=False, comment="the message as uploaded"),
    Column("object_name", Text, nullable=False, server_default=text("''")),
    Column("object_id", Text, nullable=False, server_default=text("''")),
    Column("start_ns", BigInteger, nullable=False, comment="first usable instant, ns since 1970 UTC"),
    Column("stop_ns", BigInteger, nullable=False, comment="last usable instant"),
    Column("n_states", Integer, nullable=False, server_default="0"),
    Column("planned_maneuvers", Boolean, nullable=False, server_default=text("false")),
    Column("coordination_id", IdType, nullable=True, comment="uploaded on a coordination"),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    CheckConstraint("kind IN ('operational', 'maneuver')", name="kind"),
    Index(None, "agency_id", "norad_id"),
)

ssa_track_agencies = Table(
    "ssa_track_agencies", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("track_id", IdType, ForeignKey("event_tracks.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    UniqueConstraint("track_id", "agency_id"),
    Index(None, "agency_id"),
)

ssa_update_records = Table(
    "ssa_update_records", metadata,
    Column("update_id", IdType, ForeignKey("event_updates.id"), primary_key=True, autoincrement=False),
    Column("track_id", IdType, ForeignKey("event_tracks.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("job_id", IdType, nullable=True),
    Column("event_id", IdType, nullable=True, comment="the job's events row"),
    Column("cdm_kvn", Text, nullable=False, server_default=text("''")),
    Index(None, "event_id"),
    Index(None, "track_id"),
)

coordinations = Table(
    "coordinations", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("track_id", IdType, ForeignKey("event_tracks.id"), nullable=False),
    Column("agency_1_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("agency_2_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("created_at_ns", BigInteger, nullable=False),
    UniqueConstraint("track_id"),
)

coordination_messages = Table(
    "coordination_messages", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("coordination_id", IdType, ForeignKey("coordinations.id"), nullable=False),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("author", Text, nullable=False, server_default=text("''")),
    Column("kind", Text, nullable=False, comment="'message', 'intent' or 'maneuver'"),
    Column("intent", Text, nullable=True),
    Column("body", Text, nullable=False, server_default=text("''")),
    Column("ephemeris_id", IdType, nullable=True),
    Column("job_id", IdType, nullable=True, comment="the screening of the manoeuvre ephemeris"),
    Column("created_at_ns", BigInteger, nullable=False),
    CheckConstraint("kind IN ('message', 'intent', 'maneuver')", name="kind"),
    Index(None, "coordination_id", "id"),
)

SSA_TABLES = (ephemerides, ssa_track_agencies, ssa_update_records, coordinations, coordination_messages)
