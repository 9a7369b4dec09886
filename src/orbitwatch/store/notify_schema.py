"""Tables of the service's notifications, schedules and ingest (migration 0006), on the store's
one ``metadata``. Instants are BIGINT nanoseconds since 1970 UTC (``*_ns``).

======================  ==================================================================
table                   what it holds
======================  ==================================================================
``webhooks``            an agency's HTTP receivers of its notifications (URL, kinds, signing
                        secret, the last notification id fanned out to it)
``webhook_deliveries``  one notification to one webhook: pending, sending, delivered, failed
``webhook_attempts``    every HTTP attempt of a delivery (status code, error, duration)
``schedules``           recurring work: an agency's screening every N hours, or a catalog
                        pull (agency NULL); ``next_run_ns`` is claimed by an atomic UPDATE
======================  ==================================================================
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, CheckConstraint, Column, Double, ForeignKey, Index, Integer, Table, Text,
                        UniqueConstraint, text)

from .schema import IdType, metadata

DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")
SCHEDULE_KINDS = ("screening", "celestrak", "spacetrack")

webhooks = Table(
    "webhooks", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("kinds", Text, nullable=False, server_default=text("'[]'"),
           comment="JSON list of notification kinds; empty: every kind but job.progress"),
    Column("secret", Text, nullable=False, comment="HMAC-SHA256 signing key, as given to the receiver"),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("deleted_at_ns", BigInteger, nullable=True),
    Column("cursor_id", BigInteger, nullable=False, server_default="0",
           comment="the last notification id of the agency fanned out to this webhook"),
    Index(None, "agency_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("webhook_id", IdType, ForeignKey("webhooks.id"), nullable=False),
    Column("notification_id", IdType, ForeignKey("notifications.id"), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_ns", BigInteger, nullable=False),
    Column("lease_until_ns", BigInteger, nullable=True, comment="a sender holds it until then"),
    Column("created_at_ns", BigInteger, nullable=False),
    Column("finished_at_ns", BigInteger, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=False, server_default=text("''")),
    UniqueConstraint("webhook_id", "notification_id"),
    CheckConstraint(f"status IN ({', '.join(repr(s) for s in DELIVERY_STATUSES)})", name="status"),
    Index(None, "status", "next_attempt_ns"),
)

webhook_attempts = Table(
    "webhook_attempts", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("delivery_id", IdType, ForeignKey("webhook_deliveries.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_ns", BigInteger, nullable=False),
    Column("status_code", Integer, nullable=True, comment="NULL: no HTTP answer"),
    Column("error", Text, nullable=False, server_default=text("''")),
    Column("duration_ms", Double, nullable=False),
    Index(None, "delivery_id"),
)

schedules = Table(
    "schedules", metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("agencies.id"), nullable=True, comment="NULL: a service-wide pull"),
    Column("kind", Text, nullable=False),
    Column("params", Text, nullable=False, server_default=text("'{}'"), comment="JSON"),
    Column("every_ns", BigInteger, nullable=False),
    Column("next_run_ns", BigInteger, nullable=False, comment="claimed by UPDATE ... WHERE next_run_ns = seen"),
    Column("last_run_ns", BigInteger, nullable=True),
    Column("last_job_id", BigInteger, nullable=True),
    Column("last_result", Text, nullable=False, server_default=text("'{}'"), comment="JSON"),
    Column("created_by", Text, nullable=False, server_default=text("''")),
    Column("created_at_ns", BigInteger, nullable=False),
    CheckConstraint(f"kind IN ({', '.join(repr(s) for s in SCHEDULE_KINDS)})", name="kind"),
    CheckConstraint("every_ns > 0", name="every_positive"),
    Index(None, "next_run_ns"),
    Index(None, "agency_id"),
)

NOTIFY_TABLES = (webhooks, webhook_deliveries, webhook_attempts, schedules)
