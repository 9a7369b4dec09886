"""The service's space-situational-awareness side: operators' ephemerides, event tracks of
screening jobs and CDM uploads, and coordination between the operators of both objects.

* **Ephemerides** (CCSDS OEM, or OPM for planned manoeuvres) belong to the agency that uploaded
  them for one of its fleet objects; they are private unless it shares ``ephemerides``.
* **Screening jobs** fly the agency's own operational ephemerides, and those partners share
  with it, in place of the element sets of their objects wherever one covers the whole span.
* **Event tracks** are the store's (:mod:`orbitwatch.store.events`): every job's events and
  every uploaded CDM become updates of the track of their encounter. A track is visible to
  the agencies operating either object, to the agencies whose jobs or uploads contributed
  to it, and to the partners any of those share ``events`` with.
* **Coordination**: a track whose two objects are operated by two agencies on the service
  gets a coordination record both see (messages, intents, manoeuvre screenings).

All of it in the caller's transaction, with its audit record and notifications.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from sqlalchemy import and_, insert, or_, select, text
from sqlalchemy.engine import Connection

from ..errors import DataError, OrbitwatchError
from ..store import schema
from ..store.service_schema import fleet_objects, share_agreements
from ..store.ssa_schema import (coordination_messages, coordinations, ephemerides, ssa_track_agencies,
                                ssa_update_records)
from ..timeutil import format_iso
from . import notify
from .db import now_ns
from .visibility import grantors

EPHEMERIS_FORMATS = ("oem-kvn", "oem-xml", "opm-kvn", "opm-xml")


def iso(ns) -> str | None:
    return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"


def pg_track_lock(conn: Connection) -> None:
    """Serialise track writers as the store's own transactions do (PostgreSQL advisory lock)."""
    if conn.dialect.name == "postgresql":
        from ..store.store import _PG_LOCK_KEY

        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))


# ===================================================================================== visibility
def ephemerides_visible(agency_id: int):
    e = ephemerides
    return or_(e.c.agency_id == agency_id, e.c.agency_id.in_(grantors(agency_id, "ephemerides")))


def tracks_visible(agency_id: int):
    t = schema.event_tracks
    g = grantors(agency_id, "events")
    operated = select(fleet_objects.c.norad_id).where(or_(fleet_objects.c.agency_id == agency_id,
                                                          fleet_objects.c.agency_id.in_(g)))
    contributed = select(ssa_track_agencies.c.track_id).where(or_(ssa_track_agencies.c.agency_id == agency_id,
                                                                  ssa_track_agencies.c.agency_id.in_(g)))
    return or_(t.c.norad_lo.in_(operated), t.c.norad_hi.in_(operated), t.c.id.in_(contributed))


def operators(conn: Connection, norad_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = sorted({int(n) for n in norad_ids})
    out: dict[int, list[int]] = {n: [] for n in ids}
    for n, a in conn.execute(select(fleet_objects.c.norad_id, fleet_objects.c.agency_id)
                             .where(fleet_objects.c.norad_id.in_(ids)).order_by(fleet_objects.c.agency_id)):
        out[int(n)].append(int(a))
    return out


def track_audience(conn: Connection, track_id: int, lo: int, hi: int) -> set[int]:
    """Every agency that may see the track: operators, contributors and their ``events`` grantees."""
    ops = operators(conn, [lo, hi])
    base = set(ops[int(lo)]) | set(ops[int(hi)])
    base |= {int(a) for a in conn.execute(select(ssa_track_agencies.c.agency_id)
                                           .where(ssa_track_agencies.c.track_id == track_id)).scalars()}
    if not base:
        return set()
    sa = share_agreements
    at = now_ns()
    grantees = conn.execute(select(sa.c.grantee_id).where(and_(
        sa.c.grantor_id.in_(sorted(base)), sa.c.what == "events", sa.c.revoked_at_ns.is_(None),
        or_(sa.c.until_ns.is_(None), sa.c.until_ns > at)))).scalars()
    return base | {int(a) for a in grantees}


# ===================================================================================== ephemerides
def _is_opm(text_: str) -> bool:
    head = text_[:4096]
    return "CCSDS_OPM_VERS" in head or "<opm" in head.lower()


def _utc_ns(t, time_system: str) -> int:
    from ..ccsds import timesystems as ts

    return int(ts.to_utc(np.array([t], dtype="datetime64[ns]"), time_system)[0].astype(np.int64))


def parse_ephemeris(text_: str, name: str, kind: str) -> dict:
    """Read an uploaded OEM (or OPM) and describe it; a bad file raises the reader's
    :class:`~orbitwatch.errors.DataError` (file, line, keyword, reason)."""
    from ..ccsds.xml import is_xml
    from ..conjunction.screening.ephemeris import SCREENABLE_FRAMES
    from ..odm import parse_oem, parse_opm

    xml = is_xml(text_)
    if _is_opm(text_):
        opm = parse_opm(text_, name)
        probs = opm.problems()
        if probs:
            raise probs[0]
        if opm.epoch is None:
            raise DataError(name, None, "EPOCH", "the OPM has no state epoch")
        t = _utc_ns(opm.epoch, opm.metadata.time_system or "UTC")
        man = bool(opm.maneuvers)
        return {"format": "opm-xml" if xml else "opm-kvn", "object_id": opm.metadata.object_id,
                "object_name": opm.metadata.object_name, "start_ns": t, "stop_ns": t, "n_states": 1,
                "planned_maneuvers": man or kind == "maneuver", "kind": "maneuver" if man else kind,
                "id_line": opm.metadata.lines.get("OBJECT_ID")}
    oem = parse_oem(text_, name)
    probs = oem.problems()
    if probs:
        raise probs[0]
    ids = {s.object_id.strip() for s in oem.segments}
    if len(ids) != 1:
        seg = oem.segments[-1]
        raise DataError(name, seg.metadata.lines.get("OBJECT_ID"), "OBJECT_ID",
                        f"an ephemeris describes one object; this one names {len(ids)}: {', '.join(sorted(ids))}")
    starts, stops = [], []
    for seg in oem.segments:
        if seg.frame.upper() not in SCREENABLE_FRAMES:
            raise DataError(name, seg.metadata.lines.get("REF_FRAME"), "REF_FRAME",
                            f"{seg.frame!r} cannot be screened; use one of {', '.join(SCREENABLE_FRAMES)}")
        a, b = seg.usable_span()
        starts.append(_utc_ns(a, seg.time_system))
        stops.append(_utc_ns(b, seg.time_system))
    seg0 = oem.segments[0]
    return {"format": "oem-xml" if xml else "oem-kvn", "object_id": seg0.object_id.strip(),
            "object_name": seg0.object_name, "start_ns": min(starts), "stop_ns": max(stops),
            "n_states": int(sum(len(s) for s in oem.segments)), "planned_maneuvers": kind == "maneuver",
            "kind": kind, "id_line": seg0.metadata.lines.get("OBJECT_ID")}


def check_identity(conn: Connection, norad_id: int, info: dict, name: str) -> None:
    """The message must name the fleet object: its catalog number, or its international designator."""
    from ..conjunction.screening.ephemeris import normalise_designator

    oid = info["object_id"].strip()
    if oid.isdigit() and int(oid) == int(norad_id):
        return
    intl = conn.execute(select(schema.objects.c.intl_designator)
                        .where(schema.objects.c.norad_id == norad_id)).scalar() or ""
    d = normalise_designator(oid)
    if d and d == normalise_designator(intl):
        return
    raise DataError(name, info.get("id_line"), "OBJECT_ID",
                    f"{oid!r} is not object {norad_id} (give its catalog number or its international designator"
                    + (f" {intl}" if intl else "") + ")")


def store_ephemeris(conn: Connection, agency_id: int, norad_id: int, info: dict, content: str, filename: str,
                    actor: str, coordination_id: int | None = None) -> int:
    return int(conn.execute(insert(ephemerides).values(
        agency_id=agency_id, norad_id=int(norad_id), kind=info["kind"], format=info["format"], filename=filename,
        content=content, object_name=info["object_name"], object_id=info["object_id"], start_ns=info["start_ns"],
        stop_ns=info["stop_ns"], n_states=info["n_states"], planned_maneuvers=bool(info["planned_maneuvers"]),
        coordination_id=coordination_id, created_by=actor, created_at_ns=now_ns())
        .returning(ephemerides.c.id)).scalar_one())


def ephemeris_to_dict(r) -> dict:
    return {"id": int(r.id), "agency": getattr(r, "agency", None), "norad_id": int(r.norad_id), "kind": r.kind,
            "format": r.format, "filename": r.filename, "object_name": r.object_name, "object_id": r.object_id,
            "start": iso(r.start_ns), "stop": iso(r.stop_ns), "n_states": int(r.n_states),
            "planned_maneuvers": bool(r.planned_maneuvers), "coordination_id": r.coordination_id,
            "created_by": r.created_by, "created_at": iso(r.created_at_ns)}


def ephemerides_for_job(conn: Connection, agency_id: int, start_ns: int, stop_ns: int,
                        explicit: Iterable[int] = ()) -> list:
    """The ephemeris rows a screening job of ``agency_id`` flies: the ``explicit`` ones (a manoeuvre
    screening), then for every other object the latest operational OEM (the agency's own before a
    partner's shared one) that covers the whole span."""
    e = ephemerides
    chosen: dict[int, object] = {}
    explicit = [int(x) for x in explicit]
    if explicit:
        for r in conn.execute(select(e).where(and_(e.c.id.in_(explicit), ephemerides_visible(agency_id)))):
            chosen[int(r.norad_id)] = r
    rows = conn.execute(select(e).where(and_(
        ephemerides_visible(agency_id), e.c.kind == "operational", e.c.format.in_(("oem-kvn", "oem-xml")),
        e.c.start_ns <= start_ns, e.c.stop_ns >= stop_ns))
        .order_by((e.c.agency_id == agency_id).desc(), e.c.id.desc())).all()
    for r in rows:
        chosen.setdefault(int(r.norad_id), r)
    return list(chosen.values())


# ===================================================================================== jobs -> tracks
def _cdm_kvn(events, k: int, creation_ns: int) -> str:
    from ..conjunction.cdm import write_cdm
    from ..conjunction.screening import event_cdm

    try:
        msg = event_cdm(events, k, creation_date=np.datetime64(int(creation_ns), "ns"))
        return write_cdm(msg, "kvn")
    except (OrbitwatchError, ValueError, ArithmeticError):  # the update stands without its CDM
        return ""


def _alerting(pc, miss_km: float, settings) -> bool:
    return (pc is not None and np.isfinite(pc) and pc >= settings.alert_pc) or miss_km < settings.alert_miss_km


def record_updates(conn: Connection, *, agency_id: int, events, run_kw: dict, settings, job_id: int | None = None,
                   event_ids: list[int] | None = None, cdm_texts: list[str] | None = None,
                   creation_ns: int | None = None) -> dict:
    """Record ``events`` (a job's, or CDMs') into event tracks on ``conn``; link each update to its
    agency, job, event and CDM; make coordinations; publish ``event.new``/``event.alert``."""
    from ..store.events import record_conjunctions

    pg_track_lock(conn)
    rep = record_conjunctions(None, events, conn=conn, **run_kw)
    u = schema.event_updates
    ups = conn.execute(select(u.c.id, u.c.track_id, u.c.norad_1, u.c.norad_2, u.c.tca_ns, u.c.miss_km, u.c.pc)
                       .where(u.c.run_id == rep.run_id).order_by(u.c.id)).all()
    created = creation_ns if creation_ns is not None else now_ns()
    recs = []
    for k, up in enumerate(ups):
        cdm = cdm_texts[k] if cdm_texts is not None else _cdm_kvn(events, k, created)
        recs.append({"update_id": int(up.id), "track_id": int(up.track_id), "agency_id": agency_id,
                     "job_id": job_id, "event_id": event_ids[k] if event_ids else None, "cdm_kvn": cdm})
    if recs:
        conn.execute(insert(ssa_update_records), recs)
    tracks = sorted({int(up.track_id) for up in ups})
    have = set(conn.execute(select(ssa_track_agencies.c.track_id).where(and_(
        ssa_track_agencies.c.agency_id == agency_id, ssa_track_agencies.c.track_id.in_(tracks)))).scalars())
    fresh = [{"track_id": t, "agency_id": agency_id} for t in tracks if t not in have]
    if fresh:
        conn.execute(insert(ssa_track_agencies), fresh)
    new = set(rep.new)
    alerts, n_coord = [], 0
    for up in ups:
        tid = int(up.track_id)
        lo, hi = sorted((int(up.norad_1), int(up.norad_2)))
        audience = track_audience(conn, tid, lo, hi)
        payload = {"track_id": tid, "update_id": int(up.id), "norad_1": int(up.norad_1), "norad_2": int(up.norad_2),
                   "tca": iso(up.tca_ns), "miss_km": float(up.miss_km), "pc": up.pc, "job_id": job_id}
        if tid in new:
            notify.publish(conn, audience, "event.new", f"track:{tid}", payload)
        else:
            notify.publish(conn, audience, "event.updated", f"track:{tid}", payload)
        if _alerting(up.pc, float(up.miss_km), settings):
            notify.publish(conn, audience, "event.alert", f"track:{tid}", payload)
            alerts.append(tid)
        n_coord += ensure_coordination(conn, tid, lo, hi)
    return {"run_id": rep.run_id, "tracks_new": sorted(new), "tracks_updated": list(rep.updated),
            "tracks_alerted": sorted(set(alerts)), "coordinations_opened": n_coord,
            "update_ids": [int(up.id) for up in ups]}


def ensure_coordination(conn: Connection, track_id: int, lo: int, hi: int) -> int:
    """Open the track's coordination when two different agencies operate its objects (1 if opened)."""
    if conn.execute(select(coordinations.c.id).where(coordinations.c.track_id == track_id)).first():
        return 0
    ops = operators(conn, [lo, hi])
    a1, a2 = ops.get(lo, []), ops.get(hi, [])
    pair = next(((x, y) for x in a1 for y in a2 if x != y), None)
    if pair is None:
        return 0
    conn.execute(insert(coordinations).values(track_id=track_id, agency_1_id=pair[0], agency_2_id=pair[1],
                                              created_at_ns=now_ns()))
    return 1


def coordination_of(conn: Connection, track_id: int):
    return conn.execute(select(coordinations).where(coordinations.c.track_id == track_id)).first()


def add_message(conn: Connection, coord, agency_id: int, author: str, kind: str, *, body: str = "",
                intent: str | None = None, ephemeris_id: int | None = None, job_id: int | None = None) -> int:
    mid = int(conn.execute(insert(coordination_messages).values(
        coordination_id=coord.id, agency_id=agency_id, author=author, kind=kind, intent=intent, body=body,
        ephemeris_id=ephemeris_id, job_id=job_id, created_at_ns=now_ns())
        .returning(coordination_messages.c.id)).scalar_one())
    other = coord.agency_2_id if int(coord.agency_1_id) == int(agency_id) else coord.agency_1_id
    nkind = "coordination.intent" if kind == "intent" else "coordination.message"
    notify.publish(conn, [int(other)], nkind, f"track:{int(coord.track_id)}",
                   {"track_id": int(coord.track_id), "message_id": mid, "kind": kind, "intent": intent,
                    "ephemeris_id": ephemeris_id, "job_id": job_id})
    return mid


__all__ = ["ephemerides_visible", "tracks_visible", "track_audience", "parse_ephemeris", "check_identity",
           "store_ephemeris", "ephemeris_to_dict", "ephemerides_for_job", "record_updates",
           "ensure_coordination", "coordination_of", "add_message", "EPHEMERIS_FORMATS"]
