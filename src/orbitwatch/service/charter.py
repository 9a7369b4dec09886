"""Charter operations in the service: the activation lifecycle, planning as a job, tasking
requests and their re-planning, and who sees what (as SQL conditions).

Roles are *activation-level participation* (table ``charter_actors``), not agency-wide
capabilities: an agency is the ``authorized_user`` of the activations it requested, the
``on_call_officer`` of those it was named on duty for, a ``member`` of those whose plan tasks one
of its satellites, and the ``project_manager`` of those the on-call officer gave it. Within the
agency, the usual service roles apply (analyst to request and answer, coordinator to validate).

Lifecycle (each change recorded in ``charter_history``, audited, and notified to the actors in
the same transaction)::

    requested -> accepted -> planned -> tasked -> acquired -> delivered -> closed
              \\-> rejected (with a reason)

Planning runs :func:`orbitwatch.response.run_response` as a job (kind ``charter_plan``) over the
shipped fleet plus the agencies' own rows (``charter_fleet``) and the freshest element sets
(the store's, else the shipped ones). A failed or declined request, or a request to re-plan
(fresher element sets), queues the job again: the satellites of failed/declined requests are
left out, committed requests (accepted, scheduled, acquired) are kept, requests still only
``sent`` that the new plan no longer has are cancelled, and new ones are sent.
"""

from __future__ import annotations

import dataclasses
import json
import numpy as np
from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection

from ..errors import ConflictError, InvalidRequestError
from ..store.charter_schema import (charter_activations, charter_actors, charter_fleet, charter_history,
                                    charter_tasking, stac_collections, stac_items)
from ..store.service_schema import agencies, share_agreements
from . import notify
from .db import now_ns

#: allowed status changes of an activation
TRANSITIONS = {
    "requested": ("accepted", "rejected"),
    "accepted": ("planned", "closed"),
    "planned": ("tasked", "closed"),
    "tasked": ("acquired", "closed"),
    "acquired": ("delivered", "closed"),
    "delivered": ("closed",),
    "rejected": (),
    "closed": (),
}
#: allowed answers to a tasking request, by its current status
TASKING_ANSWERS = {
    "sent": ("accepted", "declined", "failed"),
    "accepted": ("scheduled", "acquired", "failed", "declined"),
    "scheduled": ("acquired", "failed"),
    "acquired": (), "failed": (), "declined": (), "cancelled": (),
}
COMMITTED = ("accepted", "scheduled", "acquired")
DEAD = ("failed", "declined", "cancelled")
#: acquisitions of the old and new plan within this many seconds are the same request
SAME_REQUEST_S = 120.0


# ===================================================================================== visibility
def my_activations(agency_id: int, roles: tuple[str, ...] | None = None):
    stmt = select(charter_actors.c.activation_id).where(charter_actors.c.agency_id == agency_id)
    if roles:
        stmt = stmt.where(charter_actors.c.role.in_(roles))
    return stmt.scalar_subquery()


def activation_visible(agency_id: int):
    """An activation is visible to its actors only."""
    return charter_activations.c.id.in_(my_activations(agency_id))


def _share_active(agency_id: int, at_ns: int):
    sa = share_agreements
    return and_(sa.c.grantee_id == agency_id, sa.c.revoked_at_ns.is_(None),
                or_(sa.c.until_ns.is_(None), sa.c.until_ns > at_ns))


#: roles of an activation that see its products (the on-call officer validates, it does not receive)
PRODUCT_ROLES = ("authorized_user", "member", "project_manager")


def items_visible(agency_id: int, at_ns: int | None = None):
    """A product is visible to its owner agency, to the actors of its activation, and to the
    grantees of an agreement sharing ``products`` or ``collection:<its collection>`` (granted by
    the collection's owner). Written as three uncorrelated ``IN`` lists, which the databases
    evaluate once per query rather than once per row."""
    at = now_ns() if at_ns is None else at_ns
    sa = share_agreements
    owners = select(sa.c.grantor_id).where(and_(_share_active(agency_id, at), sa.c.what == "products"))
    shared_collections = (select(stac_collections.c.id)
                          .join(sa, and_(sa.c.grantor_id == stac_collections.c.agency_id,
                                         sa.c.what == literal("collection:") + stac_collections.c.id))
                          .where(_share_active(agency_id, at)))
    return or_(stac_items.c.agency_id == agency_id, stac_items.c.agency_id.in_(owners.scalar_subquery()),
               stac_items.c.collection_id.in_(shared_collections.scalar_subquery()),
               stac_items.c.activation_id.in_(my_activations(agency_id, PRODUCT_ROLES)))


def collections_visible(agency_id: int, at_ns: int | None = None):
    """A collection is visible to its owner, to grantees of an agreement covering it, and to
    whoever sees one of its items."""
    at = now_ns() if at_ns is None else at_ns
    sa = share_agreements
    c = stac_collections
    shared = exists().where(and_(_share_active(agency_id, at), sa.c.grantor_id == c.c.agency_id,
                                 or_(sa.c.what == "products", sa.c.what == literal("collection:") + c.c.id)))
    via_items = exists().where(and_(stac_items.c.collection_id == c.c.id,
                                    stac_items.c.activation_id.in_(my_activations(agency_id, PRODUCT_ROLES))))
    return or_(c.c.agency_id == agency_id, shared, via_items)


# ===================================================================================== helpers
def agency_ids_by_name(conn: Connection) -> dict[str, int]:
    return {str(n).upper(): int(i) for i, n in conn.execute(select(agencies.c.id, agencies.c.name))}


def agency_id_of(conn: Connection, name: str, field: str) -> int:
    aid = agency_ids_by_name(conn).get(str(name).strip().upper())
    if aid is None:
        raise InvalidRequestError(field, f"no agency named {name!r} in the service", name)
    return aid


def actors_of(conn: Connection, activation_id: int) -> list[dict]:
    rows = conn.execute(select(charter_actors.c.agency_id, charter_actors.c.role, agencies.c.name)
                        .join(agencies, agencies.c.id == charter_actors.c.agency_id)
                        .where(charter_actors.c.activation_id == activation_id)
                        .order_by(charter_actors.c.role, agencies.c.name)).all()
    return [{"agency_id": int(r.agency_id), "agency": r.name, "role": r.role} for r in rows]


def has_role(conn: Connection, activation_id: int, agency_id: int, *roles: str) -> bool:
    return conn.execute(select(charter_actors.c.id).where(and_(
        charter_actors.c.activation_id == activation_id, charter_actors.c.agency_id == agency_id,
        charter_actors.c.role.in_(roles))).limit(1)).first() is not None


def add_actor(conn: Connection, activation_id: int, agency_id: int, role: str) -> None:
    if not has_role(conn, activation_id, agency_id, role):
        conn.execute(insert(charter_actors).values(activation_id=activation_id, agency_id=agency_id, role=role))


def actor_agencies(conn: Connection, activation_id: int) -> list[int]:
    return sorted({a["agency_id"] for a in actors_of(conn, activation_id)})


def record_change(conn: Connection, activation_id: int, status_from: str | None, status_to: str, actor: str,
                  agency_id: int | None, detail: dict | None = None, kind: str | None = None) -> None:
    """History row and notification to every actor (in the caller's transaction)."""
    t = now_ns()
    conn.execute(insert(charter_history).values(activation_id=activation_id, at_ns=t, status_from=status_from,
                                                status_to=status_to, actor=actor, agency_id=agency_id,
                                                detail=json.dumps(detail or {}, sort_keys=True, default=str)))
    notify.publish(conn, actor_agencies(conn, activation_id), kind or f"activation.{status_to}",
                   f"activation:{activation_id}", {"status": status_to, "from": status_from, **(detail or {})})


def transition(conn: Connection, activation_id: int, to: str, actor: str, agency_id: int | None,
               detail: dict | None = None, **values) -> str:
    """Move an activation to ``to`` (checked against :data:`TRANSITIONS`); returns the old status."""
    cur = conn.execute(select(charter_activations.c.status).where(
        charter_activations.c.id == activation_id)).scalar_one()
    if to not in TRANSITIONS[cur]:
        raise ConflictError(f"activation {activation_id}", f"is {cur}; it cannot become {to}"
                            + (f" (allowed: {', '.join(TRANSITIONS[cur])})" if TRANSITIONS[cur] else ""))
    r = conn.execute(update(charter_activations).where(and_(charter_activations.c.id == activation_id,
                                                            charter_activations.c.status == cur))
                     .values(status=to, updated_at_ns=now_ns(), **values))
    if r.rowcount != 1:
        raise ConflictError(f"activation {activation_id}", "changed meanwhile; try again")
    record_change(conn, activation_id, cur, to, actor, agency_id, detail)
    return cur


def queue_plan(conn: Connection, activation_id: int, agency_id: int, actor: str, why: str) -> int:
    from . import jobs as q

    jid = q.submit(conn, agency_id, "charter_plan", {"activation_id": int(activation_id), "why": why}, actor)
    conn.execute(update(charter_activations).where(charter_activations.c.id == activation_id)
                 .values(plan_job_id=jid, updated_at_ns=now_ns()))
    return jid


def replan_on_new_elements(conn: Connection, norad_ids, actor: str) -> list[int]:
    """Fresher element sets arrived: queue a re-plan of every planned activation with a live
    tasking request on one of these objects (unless one is queued already); the job ids."""
    from ..store.service_schema import jobs

    ids = sorted({int(n) for n in norad_ids})
    if not ids:
        return []
    acts = conn.execute(select(charter_activations.c.id, charter_activations.c.plan_job_id).where(and_(
        charter_activations.c.status.in_(("planned", "tasked", "acquired")),
        charter_activations.c.id.in_(select(charter_tasking.c.activation_id).where(and_(
            charter_tasking.c.norad_id.in_(ids), charter_tasking.c.status.notin_(DEAD))))))).all()
    out = []
    for a in acts:
        if a.plan_job_id is not None and conn.execute(select(jobs.c.status).where(
                jobs.c.id == a.plan_job_id)).scalar() == "queued":
            continue
        on_call = conn.execute(select(charter_actors.c.agency_id).where(and_(
            charter_actors.c.activation_id == a.id, charter_actors.c.role == "on_call_officer"))).scalar()
        out.append(queue_plan(conn, int(a.id), int(on_call), actor, "fresher element sets"))
    return out


def iso_ns(ns) -> str | None:
    from ..timeutil import format_iso

    return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"


def activation_dict(conn: Connection, r, *, full: bool = True) -> dict:
    d = {"id": int(r.id), "name": r.name, "hazard": r.hazard, "status": r.status,
         "start": iso_ns(r.start_ns), "hours": float(r.hours), "options": json.loads(r.options),
         "reason": r.reason, "plan_version": int(r.plan_version),
         "plan_job_id": None if r.plan_job_id is None else int(r.plan_job_id),
         "created_by": r.created_by, "created_at": iso_ns(r.created_at_ns), "updated_at": iso_ns(r.updated_at_ns),
         "actors": actors_of(conn, int(r.id))}
    if full:
        d["area"] = json.loads(r.geojson)
        d["plan"] = json.loads(r.plan) if r.plan else None
        hist = conn.execute(select(charter_history).where(charter_history.c.activation_id == r.id)
                            .order_by(charter_history.c.id)).all()
        d["history"] = [{"at": iso_ns(h.at_ns), "from": h.status_from, "to": h.status_to, "actor": h.actor,
                         "detail": json.loads(h.detail)} for h in hist]
    return d


def tasking_dict(r) -> dict:
    return {"id": int(r.id), "activation_id": int(r.activation_id),
            "agency_id": None if r.agency_id is None else int(r.agency_id), "fleet_agency": r.fleet_agency,
            "plan_version": int(r.plan_version), "satellite": r.satellite, "norad_id": int(r.norad_id),
            "sensor": r.sensor, "sensor_type": r.sensor_type, "resolution_m": float(r.resolution_m),
            "acquisition_start": iso_ns(r.acquisition_start_ns), "acquisition_end": iso_ns(r.acquisition_end_ns),
            "status": r.status, "reason": r.reason, "request": json.loads(r.request),
            "item_pk": None if r.item_pk is None else int(r.item_pk),
            "updated_at": iso_ns(r.updated_at_ns)}


# ===================================================================================== fleet
def agency_fleet(conn: Connection):
    """The shipped fleet with every agency's own rows added (satellites by NORAD number,
    sensors by platform and name)."""
    from ..response.fleet import load_fleet, parse_satellites, parse_sensors

    fleet = load_fleet()
    rows = conn.execute(select(charter_fleet, agencies.c.name)
                        .join(agencies, agencies.c.id == charter_fleet.c.agency_id)
                        .order_by(charter_fleet.c.id)).all()
    sats, sens = [], []
    for r in rows:
        if r.kind == "satellites":
            sats += parse_satellites(r.csv, f"fleet of {r.name}")
        else:
            sens += parse_sensors(r.csv, f"fleet of {r.name}")
    return fleet.merged(sats, sens) if (sats or sens) else fleet


# ===================================================================================== planning job
def build_request(db, conn: Connection, act, excluded_norads: set[int], backend: str | None):
    """The library request of an activation: its options, the service fleet, fresh elements."""
    from ..elements import ElementSets
    from ..response import ResponseRequest, apply_profile
    from ..response.fleet import default_fleet_elements

    opts = json.loads(act.options)
    fleet = agency_fleet(conn)
    names = agency_ids_by_name(conn)
    agencies_opt = opts.get("agencies")
    if not agencies_opt:  # tasking can reach only the agencies of the service
        agencies_opt = [a for a in fleet.agencies if a.upper() in names] or None
    req = ResponseRequest.resolve(json.loads(act.geojson), hazard=act.hazard,
                                  start=np.datetime64(int(act.start_ns), "ns"), hours=float(act.hours),
                                  coverage=float(opts.get("coverage", 0.99)), name=act.name, profile=False,
                                  backend=backend)
    sel = ResponseRequest._select(fleet, None if agencies_opt is None else tuple(fleet.canonical_agencies(
        agencies_opt)), opts.get("types") and tuple(opts["types"]), opts.get("max_resolution_m"))
    notes: tuple = ()
    use_profile = bool(opts.get("profile", True)) and opts.get("max_resolution_m") is None
    if use_profile:
        sel, notes = apply_profile(sel, act.hazard)
    if excluded_norads:
        from ..response import Fleet

        kept = tuple(s for s in sel.satellites if s.norad_id not in excluded_norads)
        sel = Fleet(kept, sel.sensors)
        notes = notes + (f"left out after a failed or declined request: NORAD {sorted(excluded_norads)}",)
    es = default_fleet_elements()
    stored = db.store.latest(norad_ids=[int(s.norad_id) for s in sel.satellites])
    if len(stored):
        es = ElementSets.concat([es, stored])
    return dataclasses.replace(req, profile=use_profile, max_resolution_m=opts.get("max_resolution_m"),
                               profile_notes=notes, _fleet=sel, _element_sets=es)


def run_charter_plan(db, c, progress, default_backend: str = "numba"):
    """Job handler: plan (or re-plan) an activation; returns (store(conn), summary)."""
    import time

    from ..response import run_response

    t0 = time.perf_counter()
    act_id = int(c.params["activation_id"])
    with db.read() as conn:
        act = conn.execute(select(charter_activations).where(charter_activations.c.id == act_id)).first()
        if act is None:
            raise InvalidRequestError("activation_id", "no such activation", act_id)
        excluded = {int(n) for n in conn.execute(select(charter_tasking.c.norad_id).where(and_(
            charter_tasking.c.activation_id == act_id, charter_tasking.c.status.in_(("failed", "declined")))))
            .scalars()}
        req = build_request(db, conn, act, excluded, None)
    if not len(req.fleet().satellites):
        raise InvalidRequestError("fleet", "no satellite left to plan with")
    plan = run_response(req, progress)
    d = plan.to_dict()  # with each acquisition's footprint (GeoJSON Polygon): the console draws them
    summary = {"activation_id": act_id, "why": c.params.get("why", ""), "coverage_fraction": d["coverage_fraction"],
               "completion_utc": d["completion_utc"], "hours_to_coverage": d["hours_to_coverage"],
               "n_acquisitions": len(plan.acquisitions), "agencies": d["agencies"], "notes": d["notes"],
               "excluded_norad_ids": sorted(excluded), "elapsed_s": round(time.perf_counter() - t0, 3)}
    requests = [t.to_dict() for t in plan.tasking_requests()]
    plan_doc = {k: d[k] for k in ("coverage_target_fraction", "coverage_fraction", "completion_utc",
                                  "hours_to_coverage", "agencies", "earliest", "notes", "method")}
    plan_doc["acquisitions"] = d["acquisitions"]

    def store(conn: Connection) -> None:
        apply_plan(conn, act_id, plan_doc, requests, actor=f"job:{c.job_id}", agency_id=c.agency_id)

    return store, summary


def _ns(text_utc: str) -> int:
    return int(np.datetime64(text_utc.rstrip("Z"), "ns").astype(np.int64))


def apply_plan(conn: Connection, act_id: int, plan_doc: dict, requests: list[dict], *, actor: str,
               agency_id: int | None) -> dict:
    """Store a plan: match its requests with the live ones, send the new, cancel the dropped."""
    act = conn.execute(select(charter_activations).where(charter_activations.c.id == act_id)).one()
    if act.status in ("rejected", "closed", "delivered"):
        return {"skipped": act.status}
    version = int(act.plan_version) + 1
    names = agency_ids_by_name(conn)
    existing = conn.execute(select(charter_tasking).where(charter_tasking.c.activation_id == act_id)).all()
    live = [r for r in existing if r.status not in DEAD]
    matched: set[int] = set()
    sent, kept = [], []
    t = now_ns()
    for q in requests:
        start_ns = _ns(q["acquisition_start_utc"])
        same = next((r for r in live if r.id not in matched and int(r.norad_id) == int(q["norad_id"])
                     and r.sensor == q["sensor"]
                     and abs(int(r.acquisition_start_ns) - start_ns) <= SAME_REQUEST_S * 1e9), None)
        if same is not None:
            matched.add(int(same.id))
            kept.append(int(same.id))
            continue
        aid = names.get(str(q["agency"]).upper())
        tid = conn.execute(insert(charter_tasking).values(
            activation_id=act_id, agency_id=aid, fleet_agency=q["agency"], plan_version=version,
            satellite=q["satellite"], norad_id=int(q["norad_id"]), sensor=q["sensor"], sensor_type=q["sensor_type"],
            resolution_m=float(q["resolution_m"]), acquisition_start_ns=start_ns,
            acquisition_end_ns=_ns(q["acquisition_end_utc"]), request=json.dumps(q), status="sent",
            created_at_ns=t, updated_at_ns=t).returning(charter_tasking.c.id)).scalar_one()
        sent.append((int(tid), aid))
        if aid is not None:
            add_actor(conn, act_id, aid, "member")
    cancelled = []
    for r in live:
        if int(r.id) not in matched and r.status == "sent":
            conn.execute(update(charter_tasking).where(charter_tasking.c.id == r.id).values(
                status="cancelled", reason=f"re-planned: not in plan version {version}", updated_at_ns=t))
            cancelled.append((int(r.id), r.agency_id))
    conn.execute(update(charter_activations).where(charter_activations.c.id == act_id).values(
        plan=json.dumps(plan_doc, default=str), plan_version=version, updated_at_ns=t))
    detail = {"plan_version": version, "sent": [i for i, _ in sent], "kept": kept,
              "cancelled": [i for i, _ in cancelled], "coverage_fraction": plan_doc["coverage_fraction"]}
    if act.status == "accepted":
        transition(conn, act_id, "planned", actor, agency_id, detail)
        transition(conn, act_id, "tasked", actor, agency_id, {"plan_version": version, "requests": len(sent)})
    else:
        record_change(conn, act_id, act.status, act.status, actor, agency_id, {"replanned": True, **detail},
                      kind="activation.replanned")
    by_agency: dict[int, list[int]] = {}
    for tid, aid in sent + cancelled:
        if aid is not None:
            by_agency.setdefault(aid, []).append(tid)
    for aid, tids in by_agency.items():
        notify.publish(conn, [aid], "tasking.updated", f"activation:{act_id}",
                       {"plan_version": version, "tasking": sorted(tids)})
    return detail


def count(conn: Connection, stmt) -> int:
    return int(conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


__all__ = ["TRANSITIONS", "TASKING_ANSWERS", "activation_visible", "items_visible", "collections_visible",
           "run_charter_plan", "apply_plan", "transition", "queue_plan", "record_change"]
