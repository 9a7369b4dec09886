"""Who sees what, as SQL conditions (visibility is enforced in the query, never by filtering
rows afterwards).

* An agency sees its own fleet, jobs and events.
* A grantee of an active sharing agreement sees what the grantor shared: ``fleet`` -> the
  grantor's fleet entries; ``events`` -> the grantor's screening jobs and their events.
* An event is visible to every agency that operates one of its two objects (an event between
  objects of two agencies is visible to both).

Rows that fail these conditions are simply not there for the caller: asking for one by id
is the same 404 as an id that does not exist.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from ..store.service_schema import events, fleet_objects, jobs, share_agreements
from .db import now_ns


def grantors(agency_id: int, what: str, at_ns: int | None = None):
    """Scalar subquery: agencies with an active agreement sharing ``what`` with ``agency_id``."""
    at = now_ns() if at_ns is None else at_ns
    sa = share_agreements
    return select(sa.c.grantor_id).where(and_(
        sa.c.grantee_id == agency_id, sa.c.what == what, sa.c.revoked_at_ns.is_(None),
        or_(sa.c.until_ns.is_(None), sa.c.until_ns > at))).scalar_subquery()


def fleet_visible(agency_id: int):
    return or_(fleet_objects.c.agency_id == agency_id, fleet_objects.c.agency_id.in_(grantors(agency_id, "fleet")))


def jobs_visible(agency_id: int):
    return or_(jobs.c.agency_id == agency_id, jobs.c.agency_id.in_(grantors(agency_id, "events")))


def own_fleet_ids(agency_id: int):
    return select(fleet_objects.c.norad_id).where(fleet_objects.c.agency_id == agency_id).scalar_subquery()


def events_visible(agency_id: int):
    mine = own_fleet_ids(agency_id)
    return or_(events.c.agency_id == agency_id, events.c.agency_id.in_(grantors(agency_id, "events")),
               events.c.norad_1.in_(mine), events.c.norad_2.in_(mine))
