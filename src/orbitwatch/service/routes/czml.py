"""CZML of an event's two objects around TCA, for Cesium users and the console's ground-track
view: the element sets in force at TCA, propagated with SGP4 over TCA +- ``minutes``, written
by :func:`orbitwatch.propagation.ephemeris_czml` (Earth-fixed frame)."""

from __future__ import annotations

import json

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import and_

from ...store.service_schema import events
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found
from ..visibility import events_visible
from .jobs import _events_select

router = APIRouter(prefix="/v1", tags=["events"])
MAX_SAMPLES = 5000


@router.get("/events/{event_id}/czml", response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": "a CZML document"}})
def event_czml(request: Request, event_id: int = Path(..., ge=1, le=2**62),
               minutes: float = Query(45.0, gt=0, le=720, description="half-span around TCA"),
               step_s: float = Query(30.0, ge=1, le=600), ctx: Context = Depends(context)):
    """The two objects of a visible event around its TCA as CZML (download for Cesium)."""
    from ...errors import DataError, InvalidRequestError
    from ...propagation import ephemeris_czml, propagate

    aid = ctx.principal.agency_id
    db = get_db(request)
    if 2 * minutes * 60 / step_s > MAX_SAMPLES:
        raise InvalidRequestError("step_s", f"more than {MAX_SAMPLES:,} samples per object; a larger step or a "
                                            "shorter span", step_s)

    def work(conn):
        r = conn.execute(_events_select().where(and_(events.c.id == event_id, events_visible(aid)))).first()
        if r is None:
            raise not_found("event", event_id)
        return r

    ev = audited(db, ctx, "event.czml", f"event:{event_id}", work)
    tca = np.datetime64(int(ev.tca_ns), "ns")
    es = db.store.latest(norad_ids=[int(ev.norad_1), int(ev.norad_2)], at=tca)
    if len(es) < 2:  # an object's first element set is after TCA: the most recent ones
        es = db.store.latest(norad_ids=[int(ev.norad_1), int(ev.norad_2)])
    if len(es) < 2:
        raise DataError("catalog", None, "norad_id", f"the element sets of objects {ev.norad_1} and {ev.norad_2} "
                                                     "are not both in the catalog")
    half = np.timedelta64(int(minutes * 60e9), "ns")
    n = int(2 * minutes * 60 / step_s) + 1
    times = tca - half + (np.arange(n) * step_s * 1e9).astype("timedelta64[ns]")
    # two objects, a few hundred instants: the reference propagator (no JIT warm-up in the API process)
    eph = propagate(es, times, frame="ITRF", backend="sgp4")
    names = {int(ev.norad_1): ev.name_1 or str(ev.norad_1), int(ev.norad_2): ev.name_2 or str(ev.norad_2)}
    doc = ephemeris_czml(eph, name=f"orbitwatch event {event_id}",
                         labels=[f"{int(x)} {names.get(int(x), '')}".strip() for x in eph.norad_id])
    return Response(json.dumps(doc, separators=(",", ":")), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="event-{event_id}.czml"'})
