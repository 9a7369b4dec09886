"""Incremental screening: after a catalog update, recompute only the pairs that involve changed objects.

An all-vs-all screening's events are a union over pairs, and each pair's minima depend on the
two objects' element sets alone (the broad phase only ever *adds* candidates; every candidate
is refined with exact SGP4). So after an update in which M of N objects got new element sets
(or appeared, or left), the new result over the same span is

* the previous events of pairs in which neither object changed, kept as they were, plus
* a fleet screening with the M changed objects as primaries against all N (cost ~ M·N),

which equals a full re-screen (tested event for event on the real catalog), at a fraction of
its cost (``benchmarks/screening_incremental.py``).

>>> import numpy as np
>>> from orbitwatch.elements import read_elements
>>> from orbitwatch.samples import sample_catalog_path
>>> cat = read_elements(sample_catalog_path()).elements
>>> leo = cat[np.isin(cat.norad_id, [25544, 49044, 48274, 20580, 43013])]
>>> changed_objects(leo, leo[[0, 1, 2]], "2023-10-09T12:00").tolist()   # two objects left
[48274, 49044]
"""

from __future__ import annotations

import numpy as np

from ...errors import InvalidRequestError
from ...requests import parse_time
from .core import ScreeningOptions, ScreeningResult, _as_elements, screen
from .events import ConjunctionEvents
from .refine import to_rtn
from .volumes import Sphere

_PAIRED = tuple((f"{c}_1", f"{c}_2") for c in ("norad", "name", "object_type", "intl_designator", "state_source",
                                              "object_id")) + (("age_1_days", "age_2_days"),)
_PAIRED_STATES = (("r1_teme_km", "r2_teme_km"), ("v1_teme_km_s", "v2_teme_km_s"),
                  ("r1_eme2000_km", "r2_eme2000_km"), ("v1_eme2000_km_s", "v2_eme2000_km_s"))


def changed_objects(old, new, at) -> np.ndarray:
    """Catalog numbers whose element set in force at ``at`` differs between two catalogs (epoch or
    any element), plus the objects present in only one of them; sorted."""
    t_ns = int(parse_time("at", at).astype("datetime64[ns]").astype(np.int64))
    a, b = _as_elements(old, t_ns), _as_elements(new, t_ns)
    only = np.setxor1d(a.norad_id, b.norad_id)
    common, ia, ib = np.intersect1d(a.norad_id, b.norad_id, return_indices=True)
    differ = a.epoch[ia] != b.epoch[ib]
    for col in ("mean_motion_rev_per_day", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg",
                "mean_anomaly_deg", "bstar", "mean_motion_dot", "mean_motion_ddot"):
        differ |= getattr(a, col)[ia] != getattr(b, col)[ib]
    return np.union1d(only, common[differ]).astype(np.int64)


def canonical_order(events: ConjunctionEvents) -> ConjunctionEvents:
    """The events with object 1 the lower catalog number (an all-vs-all screening's convention);
    the RTN components are recomputed in the new object 1's frame."""
    swap = np.asarray(events.norad_1) > np.asarray(events.norad_2)
    if not swap.any():
        return events
    cols = events.columns()
    for c1, c2 in _PAIRED:
        v1, v2 = cols[c1].copy(), cols[c2].copy()
        cols[c1] = np.where(swap, v2, v1)
        cols[c2] = np.where(swap, v1, v2)
    for c1, c2 in _PAIRED_STATES:
        v1, v2 = cols[c1].copy(), cols[c2].copy()
        cols[c1] = np.where(swap[:, None], v2, v1)
        cols[c2] = np.where(swap[:, None], v1, v2)
    rtn = to_rtn(cols["r1_teme_km"], cols["v1_teme_km_s"], cols["r2_teme_km"] - cols["r1_teme_km"])
    cols["radial_km"], cols["in_track_km"], cols["cross_track_km"] = rtn[:, 0], rtn[:, 1], rtn[:, 2]
    return ConjunctionEvents(**cols)


def concat_events(parts) -> ConjunctionEvents:
    """One event table from several (same columns), in TCA order."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return ConjunctionEvents.empty()
    names = ConjunctionEvents.column_names()
    return ConjunctionEvents(**{c: np.concatenate([getattr(p, c) for p in parts]) for c in names}).sort_by("tca")


def screen_incremental(previous: ScreeningResult, catalog, changed=None, *, previous_catalog=None, backend=None,
                       executor=None, options=None, progress=None) -> ScreeningResult:
    """Update an all-vs-all screening after a catalog update, recomputing only changed objects' pairs.

    Parameters
    ----------
    previous : ScreeningResult
        The last all-vs-all screening (spherical volume, no ephemerides) of the same span.
    catalog : Catalog or ElementSets
        The updated catalog.
    changed : iterable of int, optional
        Catalog numbers with new element sets (or new to the catalog); computed with
        :func:`changed_objects` from ``previous_catalog`` when not given.
    backend, executor, options, progress
        As for :func:`~orbitwatch.conjunction.screening.screen`; give the previous run's options.

    Returns a :class:`ScreeningResult` over the same span and volume; its ``stats`` say how many
    events were kept, dropped and recomputed.
    """
    if previous.n_primaries != previous.n_objects:
        raise InvalidRequestError("previous", "must be an all-vs-all screening (this one screened a fleet)")
    if previous.ephemerides:
        raise InvalidRequestError("previous", "screenings with ephemerides are not updated incrementally; "
                                              "screen them again")
    if not isinstance(previous.volume, Sphere):
        raise InvalidRequestError("previous", "only a spherical screening volume is updated incrementally "
                                              "(an RTN ellipsoid depends on which object is object 1)")
    start, stop = previous.start, previous.stop
    start_ns = int(np.datetime64(start, "ns").astype(np.int64))
    elements = _as_elements(catalog, start_ns)
    if changed is None:
        if previous_catalog is None:
            raise InvalidRequestError("changed", "give the changed catalog numbers, or the previous catalog")
        changed = changed_objects(previous_catalog, elements, start)
    changed = np.unique(np.asarray(list(changed), dtype=np.int64))
    before = previous.norad_ids if previous.norad_ids is not None else np.union1d(previous.events.norad_1,
                                                                                  previous.events.norad_2)
    gone = np.setdiff1d(before, elements.norad_id)
    stale = np.union1d(changed, gone)
    ev = previous.events
    keep = ~(np.isin(ev.norad_1, stale) | np.isin(ev.norad_2, stale))
    kept = ev[np.flatnonzero(keep)]
    present = changed[np.isin(changed, elements.norad_id)]
    if len(present):
        # calibration is per object: the unchanged objects keep the previous run's steps and bounds
        same_options = (options or ScreeningOptions()).segment_s == previous.sampling.segment_s
        reuse = (before, previous.sampling, stale) if previous.norad_ids is not None and same_options else None
        fresh = screen(elements, start, stop, volume=previous.volume, primaries=present.tolist(), backend=backend,
                       executor=executor, options=options, progress=progress, _reuse_sampling=reuse)
        new_events, base = canonical_order(fresh.events), fresh
    else:
        new_events, base = ConjunctionEvents.empty(), previous
    events = concat_events([kept, new_events])
    stats = {"incremental": True, "n_changed": int(len(changed)), "n_removed": int(len(gone)),
             "events_kept": int(keep.sum()), "events_dropped": int((~keep).sum()),
             "events_recomputed": int(len(new_events)), **({"recompute": base.stats} if base is not previous else {})}
    return ScreeningResult(events=events, start=start, stop=stop, volume=previous.volume, n_objects=len(elements),
                           n_primaries=len(elements), backend=base.backend, object_status=base.object_status,
                           sampling=base.sampling, stats=stats, timings_s=dict(base.timings_s) if base is not previous
                           else {}, element_ages=base.element_ages, norad_ids=elements.norad_id.copy())


__all__ = ["screen_incremental", "changed_objects", "canonical_order", "concat_events"]
