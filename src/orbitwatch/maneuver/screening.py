"""Screen a maneuvered trajectory against the catalog, beside its unmaneuvered reference.

Both trajectories become OEMs and are screened in one run of
:func:`orbitwatch.conjunction.screen` (``ephemerides=``) from the burn to TCA + horizon.
The maneuvered OEM carries the primary's designator as ``OBJECT_ID`` (so it replaces the
primary's element set when the catalog holds it); the reference carries ``REF-<id>`` (a
synthetic catalog number).  Events between the two are dropped.  A maneuvered event whose
secondary and TCA (within ``match_s``) the reference does not have is **new**; a reference
event the maneuvered run lacks is **avoided**.  Pc: Foster 2D with the default TLE
covariance model (:func:`~orbitwatch.conjunction.add_collision_probability`); the event being
mitigated keeps its CDM Pc as the risk removed.  The option is marked ``worse`` when a new
event's Pc exceeds the largest Pc it removes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..timeutil import NS_PER_S, format_iso

__all__ = ["ManeuverScreening", "screen_maneuver"]


@dataclass
class ManeuverScreening:
    new: list[dict]
    avoided: list[dict]
    kept: list[dict]
    removed_pc: float
    worst_new_pc: float
    worse: bool
    start: np.datetime64
    stop: np.datetime64
    n_objects: int
    seconds: float
    n_catalog: int | None = None      # catalog size before the apogee/perigee prefilter


    def to_dict(self) -> dict:
        return {"start": format_iso(self.start) + "Z", "stop": format_iso(self.stop) + "Z",
                "n_objects": self.n_objects, "n_catalog": self.n_catalog, "new": self.new, "avoided": self.avoided,
                "kept": self.kept,
                "removed_pc": self.removed_pc, "worst_new_pc": self.worst_new_pc, "worse": self.worse,
                "seconds": self.seconds}


def _rows(ev, idx) -> list[dict]:
    out = []
    for i in idx:
        pc = float(ev.pc[i]) if getattr(ev, "pc", None) is not None else float("nan")
        out.append({"norad_2": int(ev.norad_2[i]), "name_2": str(ev.name_2[i]),
                    "tca": format_iso(ev.tca[i], 3) + "Z", "miss_km": float(ev.miss_km[i]), "pc": pc})
    return out


def screen_maneuver(result, catalog, *, horizon_days: float = 7.0, threshold_km: float = 5.0,
                    match_s: float = 120.0, step_s: float = 60.0, band_margin_km: float | None = 50.0,
                    executor=None, progress=None) -> ManeuverScreening:
    """Screen ``result``'s chosen maneuver (a confirmed :class:`~.search.CamResult`) against
    ``catalog`` from the burn to TCA + ``horizon_days``; stored in ``result.screening``.

    ``band_margin_km``: the apogee/perigee prefilter (Hoots, Crawford & Roehrich 1984): only
    objects whose mean-element perigee..apogee altitudes overlap the trajectories' altitude
    range widened by the threshold and this margin (mean vs osculating radius, decay) are
    screened; None screens the whole catalog."""
    import time

    from ..conjunction import add_collision_probability, screen
    from ..errors import InvalidRequestError
    from .propagator import propagate_with_burns

    if result.best is None:
        raise InvalidRequestError("option", "no option meets the target: nothing to screen", None)
    if not horizon_days > 0:
        raise InvalidRequestError("horizon_days", "must be > 0", horizon_days)
    ev = result.event
    fm = result.request.force_model
    start = np.datetime64(result.best.burn_time, "ns")
    stop = ev.tca + np.timedelta64(int(horizon_days * 86400 * NS_PER_S), "ns")
    t0 = time.perf_counter()
    man = propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, start, stop, burns=[result.best.burn],
                               step_s=step_s, force_model=fm)
    ref = propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, start, stop, step_s=step_s, force_model=fm)
    pid = ev.primary_id.lstrip("0") or ev.primary_id
    oem_m = man.to_oem(object_name=ev.primary_name, object_id=pid)
    oem_r = ref.to_oem(object_name=ev.primary_name + " (no maneuver)", object_id=f"REF-{pid}")
    n_catalog = None
    if band_margin_km is not None:
        from ..catalog import Catalog

        cat = catalog if isinstance(catalog, Catalog) else Catalog(catalog)
        n_catalog = len(cat.latest())
        radii = np.concatenate([np.linalg.norm(man.position_km, axis=1), np.linalg.norm(ref.position_km, axis=1)])
        pad = threshold_km + float(band_margin_km)
        re_km = 6378.135                     # the catalog's altitudes are above the WGS-72 radius
        catalog = cat.select(perigee_km=(None, radii.max() - re_km + pad), apogee_km=(radii.min() - re_km - pad, None))
    # screen a hair inside the ephemerides' span (the OEM epochs are written to the microsecond)
    eps = np.timedelta64(1, "s")
    res = screen(catalog, start + eps, stop - eps, threshold_km=threshold_km, primaries=[pid, f"REF-{pid}"],
                 ephemerides=[oem_m, oem_r], executor=executor, progress=progress)
    events = add_collision_probability(res.events)
    ids = {o.object_id: o.norad_id for o in res.ephemerides}
    nm, nr = ids.get(pid), ids.get(f"REF-{pid}")
    pair = {nm, nr}
    n1 = np.asarray(events.norad_1)
    n2 = np.asarray(events.norad_2)
    keep = ~(np.isin(n1, list(pair)) & np.isin(n2, list(pair)))
    # object 1 is the fleet member; normalise so norad_2 is the other object
    im = np.nonzero(keep & (n1 == nm))[0]
    ir = np.nonzero(keep & (n1 == nr))[0]
    tca_ns = np.asarray(events.tca, "datetime64[ns]").astype(np.int64)
    tol = int(match_s * NS_PER_S)

    def matched(i, pool):
        return any(n2[j] == n2[i] and abs(tca_ns[j] - tca_ns[i]) <= tol for j in pool)

    new = [i for i in im if not matched(i, ir)]
    avoided = [i for i in ir if not matched(i, im)]
    kept = [i for i in im if matched(i, ir)]
    pcs = np.asarray(events.pc, float) if events.pc is not None else np.full(len(events), np.nan)
    removed = [pcs[i] for i in avoided if np.isfinite(pcs[i])]
    removed_pc = float(max([ev.pc if np.isfinite(ev.pc) else 0.0] + removed))
    worst_new = float(max([pcs[i] for i in new if np.isfinite(pcs[i])], default=0.0))
    out = ManeuverScreening(new=_rows(events, new), avoided=_rows(events, avoided), kept=_rows(events, kept),
                            removed_pc=removed_pc, worst_new_pc=worst_new, worse=worst_new > removed_pc,
                            start=start, stop=stop, n_objects=int(res.n_objects), seconds=time.perf_counter() - t0,
                            n_catalog=n_catalog)
    result.screening = out
    result.screened_trajectory = man
    return out
