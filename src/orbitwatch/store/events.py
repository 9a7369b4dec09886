"""Event history in the store: conjunction runs, event tracks and their updates.

Each screening run (or CDM ingest) is recorded in one transaction: the run, one update
per event, new tracks for new encounters, and the status of every affected track
(``new``, ``updated``, ``below threshold``, ``past``). Matching of events to tracks is
:func:`orbitwatch.conjunction.tracks.match_events` (pair and TCA within a tolerance
derived from the two orbits). The functions here take a :class:`~orbitwatch.store.Store`;
the store's methods ``record_conjunctions``, ``tracks``, ``track`` and ``changes`` call them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from ..conjunction.tracks import (STATUS_BELOW, STATUS_NEW, STATUS_PAST, STATUS_UPDATED, STATUSES, TrackKeys,
                                  match_events, pair_keys, tca_tolerance_s)
from ..constants import MU_EGM96_KM3_S2
from ..errors import InvalidRequestError, NotFoundError
from ..timeutil import as_datetime64, format_iso
from . import schema

_MU_KM3_S2 = MU_EGM96_KM3_S2  # for the osculating period behind the matching tolerance


def _iso(ns) -> str | None:
    if ns is None:
        return None
    return format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else x


@dataclass(frozen=True)
class RunReport:
    """What one recorded run changed: the run id and the track ids by outcome."""

    run_id: int
    new: tuple[int, ...]
    updated: tuple[int, ...]
    below_threshold: tuple[int, ...]
    past: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "new": list(self.new), "updated": list(self.updated),
                "below_threshold": list(self.below_threshold), "past": list(self.past)}

    def summary(self) -> str:
        return (f"run {self.run_id}: {len(self.new)} new, {len(self.updated)} updated, "
                f"{len(self.below_threshold)} now below threshold, {len(self.past)} past")


@dataclass(frozen=True)
class TrackUpdate:
    """One update of a track, as stored."""

    run_id: int
    computed_at: np.datetime64
    source: str
    source_ref: str
    norad_1: int
    norad_2: int
    tca: np.datetime64
    miss_km: float
    radial_km: float | None
    in_track_km: float | None
    cross_track_km: float | None
    rel_speed_km_s: float | None
    pc: float | None
    pc_max: float | None
    pc_method: str
    covariance_source: str
    source_pc: float | None
    age_1_days: float | None
    age_2_days: float | None

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "computed_at": _iso(self.computed_at.astype(np.int64)),
                "source": self.source, "source_ref": self.source_ref, "norad_1": self.norad_1,
                "norad_2": self.norad_2, "tca": _iso(self.tca.astype(np.int64)), "miss_km": self.miss_km,
                "radial_km": self.radial_km, "in_track_km": self.in_track_km,
                "cross_track_km": self.cross_track_km, "rel_speed_km_s": self.rel_speed_km_s, "pc": self.pc,
                "pc_max": self.pc_max, "pc_method": self.pc_method, "covariance_source": self.covariance_source,
                "source_pc": self.source_pc, "age_1_days": self.age_1_days, "age_2_days": self.age_2_days}


@dataclass(frozen=True)
class Track:
    """An event track: the pair, its status and latest figures, and (from :func:`get_track`) every update."""

    track_id: int
    norad_lo: int
    norad_hi: int
    status: str
    n_updates: int
    tca: np.datetime64
    miss_km: float
    pc: float | None
    pc_max: float | None
    updated_at: np.datetime64
    updates: tuple[TrackUpdate, ...] = field(default=())

    def to_dict(self) -> dict:
        out = {"track_id": self.track_id, "norad_lo": self.norad_lo, "norad_hi": self.norad_hi,
               "status": self.status, "n_updates": self.n_updates, "tca": _iso(self.tca.astype(np.int64)),
               "miss_km": self.miss_km, "pc": self.pc, "pc_max": self.pc_max,
               "updated_at": _iso(self.updated_at.astype(np.int64))}
        if self.updates:
            out["updates"] = [u.to_dict() for u in self.updates]
        return out


def _period_s(r_km: np.ndarray, v_km_s: np.ndarray) -> np.ndarray:
    r = np.linalg.norm(r_km, axis=-1)
    v2 = np.einsum("...i,...i->...", v_km_s, v_km_s)
    inv_a = 2.0 / r - v2 / _MU_KM3_S2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(inv_a > 0, 2 * np.pi * np.sqrt(np.abs(1.0 / inv_a) ** 3 / _MU_KM3_S2), np.nan)


def _col(events, name, default=np.nan):
    v = getattr(events, name, None)
    if v is None:
        return np.full(len(events), default)
    return np.asarray(v)


def record_conjunctions(store, events, *, kind: str = "screening", computed_at=None, span=None,
                        threshold_km: float | None = None, primaries: Sequence[int] | None = None,
                        screened_ids: Iterable[int] | None = None, label: str = "", pc_method: str = "",
                        covariance_source: str = "", source_ref: Sequence[str] | str = "",
                        source_pc: Sequence[float] | None = None, as_of=None, conn=None) -> RunReport:
    """Record a run's events into event tracks, in one transaction; returns what changed.

    ``events`` is a :class:`~orbitwatch.conjunction.ConjunctionEvents` (or any object with its
    columns). For a screening run give ``span`` (start, stop) and ``screened_ids`` (the objects
    that took part; with ``primaries`` for a fleet screening): a known track of a screened pair
    whose TCA falls in the span and that no event continues is then ``below threshold``.
    Tracks whose TCA is before ``as_of`` become ``past``; ``as_of`` defaults to the span's
    start for a screening (so a replay of old data keeps its own clock), else ``computed_at``
    (default: now). ``conn``: record on this connection, in the caller's transaction (which
    must serialise track writers itself, as :meth:`Store._write` does), instead of one of the store's.
    """
    if kind not in ("screening", "cdm"):
        raise InvalidRequestError("kind", f"must be 'screening' or 'cdm', got {kind!r}", kind)
    now_ns = int(as_datetime64(computed_at).astype(np.int64)) if computed_at is not None else time.time_ns()
    m = len(events)
    n1 = _col(events, "norad_1").astype(np.int64)
    n2 = _col(events, "norad_2").astype(np.int64)
    tca = np.asarray(events.tca, dtype="datetime64[ns]")
    tca_ns = tca.astype(np.int64)
    if m:
        p1 = _period_s(np.asarray(events.r1_teme_km), np.asarray(events.v1_teme_km_s))
        p2 = _period_s(np.asarray(events.r2_teme_km), np.asarray(events.v2_teme_km_s))
        tol = tca_tolerance_s(86400.0 / p1, 86400.0 / p2)
    else:
        tol = np.zeros(0)
    lo, hi = pair_keys(n1, n2)
    refs = [source_ref] * m if isinstance(source_ref, str) else list(source_ref)
    spc = np.full(m, np.nan) if source_pc is None else np.asarray(source_pc, dtype=np.float64)
    span_ns = None
    if span is not None:
        span_ns = tuple(int(as_datetime64(x).astype(np.int64)) for x in span)
    if as_of is not None:
        as_of_ns = int(as_datetime64(as_of).astype(np.int64))
    else:
        as_of_ns = span_ns[0] if span_ns is not None else now_ns
    prim = sorted({int(x) for x in primaries}) if primaries is not None else []
    age1, age2 = _col(events, "age_1_days"), _col(events, "age_2_days")
    ep1 = np.where(np.isfinite(age1), tca_ns - np.nan_to_num(age1 * 86400e9).astype(np.int64), 0)
    ep2 = np.where(np.isfinite(age2), tca_ns - np.nan_to_num(age2 * 86400e9).astype(np.int64), 0)
    pc, pc_max = _col(events, "pc"), _col(events, "pc_max")
    t_runs, t_tracks, t_upd = schema.conjunction_runs, schema.event_tracks, schema.event_updates

    from contextlib import nullcontext

    with (nullcontext(conn) if conn is not None else store._write()) as conn:  # noqa: SLF001
        run_id = conn.execute(insert(t_runs).returning(t_runs.c.id), {
            "kind": kind, "label": label, "computed_at_ns": now_ns,
            "span_start_ns": span_ns[0] if span_ns else None, "span_stop_ns": span_ns[1] if span_ns else None,
            "threshold_km": threshold_km, "primaries": ",".join(map(str, prim)), "n_events": m}).scalar_one()
        rows = conn.execute(select(t_tracks.c.id, t_tracks.c.norad_lo, t_tracks.c.norad_hi, t_tracks.c.tca_ns)
                            .where(t_tracks.c.status != STATUS_PAST)).all()
        if rows:
            arr = np.array(rows, dtype=np.int64)
            known = TrackKeys(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3].astype("datetime64[ns]"))
        else:
            known = TrackKeys.empty()
        track_of = match_events(known, n1, n2, tca, tol)
        is_new = track_of < 0
        new_ids: list[int] = []
        if is_new.any():
            idx = np.nonzero(is_new)[0]
            new_rows = [{"norad_lo": int(lo[i]), "norad_hi": int(hi[i]), "status": STATUS_NEW,
                         "first_run_id": run_id, "last_run_id": run_id, "n_updates": 1, "tca_ns": int(tca_ns[i]),
                         "miss_km": float(events.miss_km[i]), "pc": _f(pc[i]), "pc_max": _f(pc_max[i]),
                         "updated_at_ns": now_ns} for i in idx]
            got = conn.execute(insert(t_tracks).returning(t_tracks.c.id, sort_by_parameter_order=True),
                               new_rows).scalars().all()
            track_of[idx] = np.asarray(got, dtype=np.int64)
            new_ids = [int(x) for x in got]
        upd_idx = np.nonzero(~is_new)[0]
        if upd_idx.size:
            conn.execute(update(t_tracks).where(t_tracks.c.id == bindparam("b_id")).values(
                status=STATUS_UPDATED, last_run_id=run_id, n_updates=t_tracks.c.n_updates + 1,
                tca_ns=bindparam("b_tca"), miss_km=bindparam("b_miss"), pc=bindparam("b_pc"),
                pc_max=bindparam("b_pcmax"), updated_at_ns=now_ns),
                [{"b_id": int(track_of[i]), "b_tca": int(tca_ns[i]), "b_miss": float(events.miss_km[i]),
                  "b_pc": _f(pc[i]), "b_pcmax": _f(pc_max[i])} for i in upd_idx])
        if m:
            conn.execute(insert(t_upd), [{
                "track_id": int(track_of[i]), "run_id": run_id, "computed_at_ns": now_ns, "source": kind,
                "source_ref": str(refs[i]), "norad_1": int(n1[i]), "norad_2": int(n2[i]),
                "epoch_1_ns": int(ep1[i]) if np.isfinite(age1[i]) else None,
                "epoch_2_ns": int(ep2[i]) if np.isfinite(age2[i]) else None,
                "age_1_days": _f(age1[i]), "age_2_days": _f(age2[i]), "tca_ns": int(tca_ns[i]),
                "miss_km": float(events.miss_km[i]), "radial_km": _f(_col(events, "radial_km")[i]),
                "in_track_km": _f(_col(events, "in_track_km")[i]),
                "cross_track_km": _f(_col(events, "cross_track_km")[i]),
                "rel_speed_km_s": _f(_col(events, "rel_speed_km_s")[i]), "pc": _f(pc[i]), "pc_max": _f(pc_max[i]),
                "pc_method": pc_method, "covariance_source": covariance_source, "source_pc": _f(spc[i])}
                for i in range(m)])
        # known tracks this screening should have seen again but did not: now below the threshold
        below: list[int] = []
        if kind == "screening" and span_ns is not None and screened_ids is not None and len(known.track_id):
            screened = np.asarray(sorted({int(x) for x in screened_ids}), dtype=np.int64)
            continued = np.isin(known.track_id, track_of)
            kt = known.tca.astype(np.int64)
            in_scope = (np.isin(known.norad_lo, screened) & np.isin(known.norad_hi, screened)
                        & (kt >= span_ns[0]) & (kt <= span_ns[1]) & ~continued)
            if prim:
                in_scope &= np.isin(known.norad_lo, prim) | np.isin(known.norad_hi, prim)
            below = [int(x) for x in known.track_id[in_scope]]
            if below:
                conn.execute(update(t_tracks).where(t_tracks.c.id.in_(below))
                             .values(status=STATUS_BELOW, last_run_id=run_id, updated_at_ns=now_ns))
        past = conn.execute(update(t_tracks).where(and_(t_tracks.c.status != STATUS_PAST, t_tracks.c.tca_ns < as_of_ns))
                            .values(status=STATUS_PAST).returning(t_tracks.c.id)).scalars().all()
    past_set = {int(x) for x in past}
    updated_ids = sorted({int(track_of[i]) for i in upd_idx} - past_set)
    return RunReport(int(run_id), tuple(x for x in new_ids if x not in past_set), tuple(updated_ids),
                     tuple(x for x in below if x not in past_set), tuple(sorted(past_set)))


def _track_from_row(r, updates=()) -> Track:
    return Track(int(r.id), int(r.norad_lo), int(r.norad_hi), r.status, int(r.n_updates),
                 np.datetime64(int(r.tca_ns), "ns"), float(r.miss_km), _f(r.pc), _f(r.pc_max),
                 np.datetime64(int(r.updated_at_ns), "ns"), tuple(updates))


def list_tracks(store, *, norad_ids: Iterable[int] | None = None, status: Sequence[str] | None = None,
                min_pc: float | None = None, max_miss_km: float | None = None, tca_from=None, tca_to=None,
                run_id: int | None = None, sort: str = "tca", limit: int | None = None) -> list[Track]:
    """Tracks matching every filter given (the filters run in the SQL query)."""
    t = schema.event_tracks
    q = select(t)
    if norad_ids is not None:
        ids = [int(x) for x in norad_ids]
        q = q.where(or_(t.c.norad_lo.in_(ids), t.c.norad_hi.in_(ids)))
    if status:
        bad = [s for s in status if s not in STATUSES]
        if bad:
            raise InvalidRequestError("status", f"unknown status {bad[0]!r}; choose from {', '.join(STATUSES)}",
                                      bad[0])
        q = q.where(t.c.status.in_(list(status)))
    if min_pc is not None:
        q = q.where(t.c.pc >= float(min_pc))
    if max_miss_km is not None:
        q = q.where(t.c.miss_km <= float(max_miss_km))
    if tca_from is not None:
        q = q.where(t.c.tca_ns >= int(as_datetime64(tca_from).astype(np.int64)))
    if tca_to is not None:
        q = q.where(t.c.tca_ns <= int(as_datetime64(tca_to).astype(np.int64)))
    if run_id is not None:
        q = q.where(t.c.last_run_id == int(run_id))
    order = {"tca": [t.c.tca_ns, t.c.id], "pc": [t.c.pc.desc().nulls_last(), t.c.id],
             "miss": [t.c.miss_km, t.c.id], "updated": [t.c.updated_at_ns.desc(), t.c.id]}
    if sort not in order:
        raise InvalidRequestError("sort", f"unknown sort {sort!r}; choose from {', '.join(order)}", sort)
    q = q.order_by(*order[sort])
    if limit is not None:
        q = q.limit(int(limit))
    with store._read() as conn:  # noqa: SLF001
        return [_track_from_row(r) for r in conn.execute(q)]


def get_track(store, track_id: int) -> Track:
    """One track with all its updates (oldest first); :class:`NotFoundError` when there is none."""
    t, u = schema.event_tracks, schema.event_updates
    with store._read() as conn:  # noqa: SLF001
        row = conn.execute(select(t).where(t.c.id == int(track_id))).first()
        if row is None:
            raise NotFoundError(f"no event track {track_id}")
        ups = conn.execute(select(u).where(u.c.track_id == int(track_id)).order_by(u.c.computed_at_ns, u.c.id)).all()
    updates = [TrackUpdate(int(x.run_id), np.datetime64(int(x.computed_at_ns), "ns"), x.source, x.source_ref,
                           int(x.norad_1), int(x.norad_2), np.datetime64(int(x.tca_ns), "ns"), float(x.miss_km),
                           _f(x.radial_km), _f(x.in_track_km), _f(x.cross_track_km), _f(x.rel_speed_km_s),
                           _f(x.pc), _f(x.pc_max), x.pc_method, x.covariance_source, _f(x.source_pc),
                           _f(x.age_1_days), _f(x.age_2_days)) for x in ups]
    return _track_from_row(row, updates)


def last_run_id(store) -> int | None:
    with store._read() as conn:  # noqa: SLF001
        return conn.execute(select(func.max(schema.conjunction_runs.c.id))).scalar()


def changes(store, run_id: int | None = None) -> dict[str, Any]:
    """What the run ``run_id`` (default: the latest) changed: tracks by status, with the miss and
    Pc before and after for the updated ones."""
    rid = run_id if run_id is not None else last_run_id(store)
    if rid is None:
        raise NotFoundError("no conjunction run is recorded yet")
    u = schema.event_updates
    tracks = list_tracks(store, run_id=rid, sort="pc")
    out: dict[str, Any] = {"run_id": int(rid), "new": [], "updated": [], "below threshold": []}
    with store._read() as conn:  # noqa: SLF001
        for tr in tracks:
            if tr.status not in out:
                continue
            item = tr.to_dict()
            if tr.status == STATUS_UPDATED:
                prev = conn.execute(select(u.c.miss_km, u.c.pc).where(and_(u.c.track_id == tr.track_id,
                                                                              u.c.run_id < rid))
                                    .order_by(u.c.run_id.desc(), u.c.id.desc()).limit(1)).first()
                if prev is not None:
                    item["previous_miss_km"] = float(prev.miss_km)
                    item["previous_pc"] = _f(prev.pc)
            out[tr.status].append(item)
    return out
