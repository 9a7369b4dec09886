"""Acquisition plans: the earliest acquisition, and passes that cover the whole area soonest.

Greedy (default, :func:`plan_acquisitions`): every swath option gets an *effective* end time -
its real end plus a hazard penalty for the less suited sensor type (optical counts as 6 h later
for floods, storms and oil spills, where clouds and night hide the ground; radar counts as later
for wildfires and damage mapping). For a candidate completion time T, the classic max-coverage
greedy (take the option adding the most uncovered area, one per satellite pass) runs over the
options ending by T; the earliest T where it reaches the coverage target is found by an
exponential then binary search over the options' end times. Acquisitions made redundant by
others are then dropped.

Exact (:func:`plan_optimal`): a mixed-integer programme (scipy/HiGHS) over the same strip
options and cells - the earliest completion time for which the target is reachable (binary
search over option end times), then the fewest acquisitions at that time. Used to measure the
greedy's gap (``docs/disaster-response.md``) and available for small problems.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..requests import check_positive, check_range
from ..timeutil import format_iso
from .access import AccessResult, Opportunity
from .activation import Activation
from .fleet import Satellite, Sensor

#: hours added to an acquisition's end time when ranking, per hazard and sensor type
HAZARD_PENALTY_H: dict[str, dict[str, float]] = {
    "flood": {"SAR": 0.0, "optical": 6.0},
    "storm": {"SAR": 0.0, "optical": 6.0},
    "oil_spill": {"SAR": 0.0, "optical": 6.0},
    "ice": {"SAR": 0.0, "optical": 6.0},
    "tsunami": {"SAR": 0.0, "optical": 2.0},
    "wildfire": {"SAR": 6.0, "optical": 0.0},
    "earthquake": {"SAR": 3.0, "optical": 0.0},
    "landslide": {"SAR": 3.0, "optical": 0.0},
    "explosion": {"SAR": 3.0, "optical": 0.0},
    "volcano": {"SAR": 0.0, "optical": 0.0},
    "other": {"SAR": 0.0, "optical": 0.0},
}
#: why, in one line per hazard (printed by the CLI)
HAZARD_RATIONALE = {
    "flood": "radar first: water is dark to SAR, and clouds and night do not stop it",
    "storm": "radar first: cloud cover",
    "oil_spill": "radar first: slicks damp the sea's radar backscatter",
    "ice": "radar first: polar night and cloud",
    "tsunami": "radar slightly first: inundation extent",
    "wildfire": "optical first: burn scars and active fire need visible/infrared bands",
    "earthquake": "optical first: building-damage mapping needs sub-metre optical",
    "landslide": "optical first: scars and debris are mapped in optical",
    "explosion": "optical first: damage mapping",
    "volcano": "both: SAR for deformation and ash-covered ground, optical for plumes",
    "other": "no preference",
}


@dataclass(frozen=True)
class Preferences:
    """Planning preferences. ``penalty_h`` overrides the hazard table; ``resolution_weight_h``
    adds that many hours per decade of resolution above 1 m (finer resolution when asked)."""

    coverage_target: float = 0.99
    penalty_h: dict[str, float] | None = None
    resolution_weight_h: float = 0.0
    min_gain: float = 0.005  # an acquisition must add at least this fraction of the area

    def __post_init__(self):
        # "-100 % covered" or "150 % covered" is no target: refuse it, naming the field
        object.__setattr__(self, "coverage_target",
                           check_range("coverage_target", self.coverage_target, 0.0, 1.0, lo_open=True))
        object.__setattr__(self, "resolution_weight_h",
                           check_positive("resolution_weight_h", self.resolution_weight_h, allow_zero=True))
        object.__setattr__(self, "min_gain", check_range("min_gain", self.min_gain, 0.0, 1.0))

    def penalty(self, hazard: str, sensor_type: str, resolution_m: float) -> float:
        table = self.penalty_h if self.penalty_h is not None else HAZARD_PENALTY_H.get(hazard, {})
        p = float(table.get(sensor_type, 0.0))
        if self.resolution_weight_h:
            p += self.resolution_weight_h * max(0.0, math.log10(max(resolution_m, 1e-3)))
        return p


def _iso_z(t, decimals: int = 3) -> str | None:
    """ISO-8601 UTC text with a Z (None for no time)."""
    if t is None or np.isnat(np.datetime64(t, "ns")):
        return None
    return format_iso(t, decimals) + "Z"


def _finite(x: float, digits: int) -> float | None:
    """A rounded float, or None (JSON null) for NaN: a value that does not apply (radar at night)."""
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


@dataclass
class Acquisition:
    """One planned acquisition (a strip option of an opportunity).

    Angles in degrees; fractions of the activation area in [0, 1].
    """

    option: int
    opportunity: Opportunity
    start: np.datetime64
    end: np.datetime64
    roll_deg: float                      # centre of the swath, + right of the ground track
    off_nadir_deg: tuple[float, float]   # (min, max) over the covered part
    incidence_deg: tuple[float, float]   # (min, max) over the covered part
    fraction: float                      # of the area this strip covers
    new_fraction: float                  # of the area it adds to the plan (when chosen)
    cumulative_fraction: float           # of the area covered by the plan up to this one
    sun_elevation_deg: float             # at the covered part, mid-acquisition (NaN: not computed)

    @property
    def satellite(self) -> Satellite:
        return self.opportunity.satellite

    @property
    def sensor(self) -> Sensor:
        return self.opportunity.sensor

    @property
    def look_side(self) -> str:
        """``right``/``left`` of the ground track for radar (from the roll), else the window's side."""
        if self.sensor.is_sar:
            return "right" if self.roll_deg >= 0 else "left"
        return self.opportunity.side

    def to_dict(self) -> dict:
        """The acquisition as a JSON-ready mapping: ISO UTC times with Z, units in the keys.

        >>> from orbitwatch.response import (compute_access, load_fleet, plan_acquisitions, read_activation,
        ...                                  sample_activation_path)
        >>> act = read_activation(sample_activation_path(), hours=6)
        >>> plan = plan_acquisitions(compute_access(act, load_fleet().select(agencies=["CNSA"])))
        >>> d = plan.acquisitions[0].to_dict()
        >>> d["start_utc"].endswith("Z"), sorted(d["incidence_deg"]) == d["incidence_deg"]
        (True, True)
        """
        o = self.opportunity
        return {
            "satellite": self.satellite.name, "norad_id": int(self.satellite.norad_id),
            "agency": self.satellite.agency, "operator": self.satellite.operator,
            "sensor": self.sensor.sensor, "sensor_type": self.sensor.type,
            "resolution_m": float(self.sensor.resolution_m),
            "start_utc": _iso_z(self.start), "end_utc": _iso_z(self.end),
            "window_start_utc": _iso_z(o.window_start), "window_end_utc": _iso_z(o.window_end),
            "orbit_direction": o.direction, "look_side": self.look_side,
            "roll_deg": round(float(self.roll_deg), 3),
            "off_nadir_deg": [round(float(x), 2) for x in self.off_nadir_deg],
            "incidence_deg": [round(float(x), 2) for x in self.incidence_deg],
            "sun_elevation_deg": _finite(self.sun_elevation_deg, 1),
            "coverage_fraction": round(float(self.fraction), 4),
            "new_coverage_fraction": round(float(self.new_fraction), 4),
            "cumulative_coverage_fraction": round(float(self.cumulative_fraction), 4),
        }


@dataclass(frozen=True)
class TaskingRequest:
    """One acquisition as an agency is asked for it: satellite, sensor, times, geometry, footprint.

    ``footprint_lonlat_deg`` is the closed ring of the ground strip (longitude, latitude; WGS-84).
    """

    activation: str
    hazard: str
    agency: str
    operator: str
    satellite: str
    norad_id: int
    sensor: str
    sensor_type: str
    resolution_m: float
    acquisition_start: np.datetime64
    acquisition_end: np.datetime64
    window_start: np.datetime64
    window_end: np.datetime64
    orbit_direction: str
    look_side: str
    roll_deg: float
    off_nadir_deg: tuple[float, float]
    incidence_deg: tuple[float, float]
    sun_elevation_deg: float
    area_fraction: float
    footprint_lonlat_deg: np.ndarray

    @classmethod
    def of(cls, plan: "Plan", acquisition: Acquisition) -> "TaskingRequest":
        a, o, act = acquisition, acquisition.opportunity, plan.activation
        return cls(activation=act.name, hazard=act.hazard, agency=a.satellite.agency, operator=a.satellite.operator,
                   satellite=a.satellite.name, norad_id=int(a.satellite.norad_id), sensor=a.sensor.sensor,
                   sensor_type=a.sensor.type, resolution_m=float(a.sensor.resolution_m),
                   acquisition_start=a.start, acquisition_end=a.end, window_start=o.window_start,
                   window_end=o.window_end, orbit_direction=o.direction, look_side=a.look_side,
                   roll_deg=float(a.roll_deg), off_nadir_deg=a.off_nadir_deg, incidence_deg=a.incidence_deg,
                   sun_elevation_deg=float(a.sun_elevation_deg), area_fraction=float(a.fraction),
                   footprint_lonlat_deg=plan.access.footprint_lonlat(a.option))

    @property
    def footprint(self) -> dict:
        """The footprint as a GeoJSON Polygon (lon/lat, 5 decimals: about 1 m)."""
        return {"type": "Polygon",
                "coordinates": [[[round(float(x), 5), round(float(y), 5)] for x, y in self.footprint_lonlat_deg]]}

    def to_dict(self) -> dict:
        """A JSON-ready record (the keys of the tasking files): ISO UTC times with Z, units in the keys."""
        return {
            "activation": self.activation, "hazard": self.hazard, "agency": self.agency, "operator": self.operator,
            "satellite": self.satellite, "norad_id": self.norad_id, "sensor": self.sensor,
            "sensor_type": self.sensor_type, "resolution_m": self.resolution_m,
            "acquisition_start_utc": _iso_z(self.acquisition_start),
            "acquisition_end_utc": _iso_z(self.acquisition_end),
            "window_start_utc": _iso_z(self.window_start), "window_end_utc": _iso_z(self.window_end),
            "orbit_direction": self.orbit_direction, "look_side": self.look_side,
            "roll_deg": round(self.roll_deg, 3),
            "off_nadir_min_deg": round(float(self.off_nadir_deg[0]), 2),
            "off_nadir_max_deg": round(float(self.off_nadir_deg[1]), 2),
            "incidence_min_deg": round(float(self.incidence_deg[0]), 2),
            "incidence_max_deg": round(float(self.incidence_deg[1]), 2),
            "sun_elevation_deg": _finite(self.sun_elevation_deg, 1),
            "area_fraction": round(self.area_fraction, 4),
            "footprint": self.footprint,
        }


@dataclass
class Plan:
    """The answer to an activation: the earliest acquisition and the acquisitions covering the area.

    ``completion`` is when the coverage target is reached (None: not within the horizon).
    """

    access: AccessResult
    acquisitions: list[Acquisition]
    earliest: Acquisition | None
    earliest_by_type: dict[str, Acquisition]
    coverage_fraction: float
    completion: np.datetime64 | None
    preferences: Preferences
    method: str = "greedy"
    notes: list[str] = field(default_factory=list)

    @property
    def activation(self) -> Activation:
        return self.access.activation

    @property
    def hours_to_coverage(self) -> float | None:
        if self.completion is None:
            return None
        return float((self.completion - self.activation.start) / np.timedelta64(1, "s")) / 3600.0

    @property
    def agencies(self) -> list[str]:
        return sorted({a.satellite.agency for a in self.acquisitions})

    def tasking_requests(self) -> list[TaskingRequest]:
        """One :class:`TaskingRequest` per planned acquisition, in time order."""
        return [TaskingRequest.of(self, a) for a in self.acquisitions]

    def to_dict(self, *, footprints: bool = True) -> dict:
        """The plan as a JSON-ready mapping (what ``orbitwatch respond --json`` prints).

        Times are ISO-8601 UTC with a Z; angles in degrees, areas in km², fractions of the
        activation area in [0, 1]; footprints are GeoJSON polygons in WGS-84 lon/lat degrees.
        """
        act = self.activation
        acc = self.access
        acqs = []
        for n, a in enumerate(self.acquisitions, 1):
            d = {"order": n, **a.to_dict()}
            if footprints:
                d["footprint"] = TaskingRequest.of(self, a).footprint
            acqs.append(d)
        return {
            "activation": {
                "name": act.name, "hazard": act.hazard, "source": act.source,
                "start_utc": _iso_z(act.start, 0), "stop_utc": _iso_z(act.end, 0), "hours": float(act.hours),
                "area_km2": round(float(act.area.area_km2), 3), "is_point": bool(act.area.is_point),
                "center_lat_deg": round(float(act.area.center_lat_deg), 5),
                "center_lon_deg": round(float(act.area.center_lon_deg), 5),
            },
            "method": self.method,
            "coverage_target_fraction": float(self.preferences.coverage_target),
            "coverage_fraction": round(float(self.coverage_fraction), 4),
            "completion_utc": _iso_z(self.completion),
            "hours_to_coverage": None if self.completion is None else round(self.hours_to_coverage, 4),
            "agencies": self.agencies,
            "earliest": None if self.earliest is None else self.earliest.to_dict(),
            "earliest_by_type": {t: a.to_dict() for t, a in self.earliest_by_type.items()},
            "acquisitions": acqs,
            "windows": len(acc.opportunities),
            "feasible_windows": int(sum(o.daylight_ok for o in acc.opportunities)),
            "satellites_searched": len(acc.satellites),
            "satellites_without_elements": [s.name for s in acc.missing],
            "satellites_not_propagated": [s.name for s in getattr(acc, "unpropagated", [])],
            "notes": list(self.notes),
            "frames": "times UTC; positions and footprints WGS-84 longitude/latitude, degrees",
        }


def _acq(access: AccessResult, k: int, new_fraction=0.0, cumulative=0.0) -> Acquisition:
    o = access.opportunities[access.opt_opp[k]]
    return Acquisition(option=int(k), opportunity=o, start=access.opt_start[k], end=access.opt_end[k],
                       roll_deg=float(np.degrees(0.5 * (access.opt_roll0_rad[k] + access.opt_roll1_rad[k]))),
                       off_nadir_deg=tuple(float(x) for x in access.opt_off_nadir_deg[k]),
                       incidence_deg=tuple(float(x) for x in access.opt_incidence_deg[k]),
                       fraction=float(access.opt_fraction[k]), new_fraction=float(new_fraction),
                       cumulative_fraction=float(cumulative), sun_elevation_deg=float(access.opt_sun_elevation_deg[k]))


def feasible_options(access: AccessResult) -> np.ndarray:
    """Indices of options that can be acquired (daylight for optical, non-empty coverage)."""
    return np.flatnonzero(access.opt_ok & (access.opt_fraction > 0))


def _groups(access: AccessResult, idx: np.ndarray) -> np.ndarray:
    """Group id per option: one acquisition per satellite pass."""
    keys = {}
    out = np.empty(len(idx), dtype=np.int64)
    for n, k in enumerate(idx):
        o = access.opportunities[access.opt_opp[k]]
        key = (o.satellite.norad_id, o.pass_index)
        out[n] = keys.setdefault(key, len(keys))
    return out


def _earliest(access: AccessResult, idx: np.ndarray):
    if idx.size == 0:
        return None, {}
    k = idx[np.argmin(access.opt_start[idx])]
    by_type = {}
    for t in ("SAR", "optical"):
        sel = np.array([i for i in idx if access.opportunities[access.opt_opp[i]].sensor.type == t], dtype=np.int64)
        if sel.size:
            by_type[t] = _acq(access, sel[np.argmin(access.opt_start[sel])])
    return _acq(access, k), by_type


def plan_acquisitions(access: AccessResult, preferences: Preferences | None = None) -> Plan:
    """Greedy plan: see the module docstring."""
    pref = preferences or Preferences()
    hazard = access.activation.hazard
    idx = feasible_options(access)
    earliest, by_type = _earliest(access, idx)
    n_cells = access.n_cells
    if idx.size == 0 or n_cells == 0:
        return Plan(access, [], earliest, by_type, 0.0, None, pref, notes=["no feasible acquisition in the horizon"])
    groups = _groups(access, idx)
    pen_ns = np.array([pref.penalty(hazard, access.opportunities[access.opt_opp[k]].sensor.type,
                                    access.opportunities[access.opt_opp[k]].sensor.resolution_m) * 3600e9
                       for k in idx], dtype=np.int64)
    eff = access.opt_end[idx].astype(np.int64) + pen_ns
    cells = access.opt_cells[idx]
    res = np.array([access.opportunities[access.opt_opp[k]].sensor.resolution_m for k in idx])
    min_gain = max(1, int(math.ceil(pref.min_gain * n_cells)))
    target = int(math.ceil(pref.coverage_target * n_cells - 1e-9))
    order = np.argsort(eff, kind="stable")
    ends = eff[order]

    def greedy_upto(k):
        """Max-coverage greedy over the k options of earliest effective end (one per pass)."""
        sel = order[:k]
        c = cells[sel]
        covered = np.zeros(n_cells, dtype=bool)
        used = np.zeros(groups.max() + 1, dtype=bool)
        chosen = []
        while True:
            gain = (c & ~covered).sum(axis=1)
            gain[used[groups[sel]]] = -1
            # most new area; ties: earlier effective end, then finer resolution
            best = np.lexsort((res[sel], ends[:k], -gain))[0]
            if gain[best] < min_gain:
                break
            chosen.append(sel[best])
            used[groups[sel[best]]] = True
            covered |= c[best]
            if covered.sum() >= target:
                break
        return chosen, int(covered.sum())

    # earliest effective completion: exponential then binary search over the options' end times
    n_opt = len(order)
    union = np.logical_or.accumulate(cells[order], axis=0).sum(axis=1)  # upper bound of coverage
    k_min = int(np.searchsorted(union, target))  # fewer options cannot reach the target at all
    chosen, best_k = None, None
    if k_min < n_opt:
        lo, k = k_min, max(k_min + 1, 1)
        while True:
            ch, cov = greedy_upto(k)
            if cov >= target:
                chosen, best_k = ch, k
                break
            if k >= n_opt:
                break
            lo, k = k, min(n_opt, 2 * k)
        if chosen is not None:
            hi = best_k
            while hi - lo > 1:
                mid = (lo + hi) // 2
                ch, cov = greedy_upto(mid)
                if cov >= target:
                    hi, chosen = mid, ch
                else:
                    lo = mid
    if chosen is not None:
        # the greedy is not monotone in T: also try up to 48 earlier cut-offs above the bound
        for kk in np.unique(np.linspace(k_min, best_k - 1, 48).astype(int)):
            if kk < 1 or kk >= best_k:
                continue
            ch, cov = greedy_upto(int(kk))
            if cov >= target:
                chosen, best_k = ch, int(kk)
                break
        # completions within a minute count as equal: take the fewest acquisitions
        k2 = int(np.searchsorted(ends, ends[best_k - 1] + 60 * 10**9, side="right"))
        ch, cov = greedy_upto(k2)
        if cov >= target and len(ch) < len(chosen):
            chosen = ch
    # the chronological greedy (walk passes in time, keep the best swath of each) as a competitor
    g_eff = np.full(groups.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(g_eff, groups, eff)
    covered = np.zeros(n_cells, dtype=bool)
    chrono = []
    for g in np.argsort(g_eff, kind="stable"):
        m = np.flatnonzero(groups == g)
        gain = (cells[m] & ~covered).sum(axis=1)
        best = np.lexsort((res[m], -gain))[0]
        if gain[best] < min_gain:
            continue
        chrono.append(m[best])
        covered |= cells[m[best]]
        if covered.sum() >= target:
            break

    def score(ch):
        if not ch:
            return (2, 0, 0)
        cov = np.logical_or.reduce(cells[ch], axis=0).sum()
        if cov < target:
            return (1, -cov, len(ch))
        return (0, int(eff[ch].max() // (60 * 10**9)), len(ch))

    if chosen is None or score(chrono) < score(chosen):
        chosen = chrono
    if score(chosen)[0] == 1:  # the target is out of reach: best effort with everything
        ch, _cov = greedy_upto(n_opt)
        if score(ch) < score(chosen):
            chosen = ch
    # prune: drop acquisitions whose cells the others already cover (latest first)
    chosen_arr = list(chosen)
    for c in sorted(chosen, key=lambda c: -access.opt_end[idx[c]].astype(np.int64)):
        rest = [x for x in chosen_arr if x != c]
        if not rest:
            break
        union = np.logical_or.reduce(cells[rest], axis=0)
        if union.sum() >= target or not (cells[c] & ~union).any():
            chosen_arr = rest
    return _finish(access, idx, cells, chosen_arr, earliest, by_type, pref, target, "greedy")


def _finish(access, idx, cells, chosen, earliest, by_type, pref, target, method):
    chosen = sorted(chosen, key=lambda c: access.opt_start[idx[c]])
    covered = np.zeros(access.n_cells, dtype=bool)
    acqs = []
    completion = None
    n = access.n_cells
    for c in chosen:
        new = (cells[c] & ~covered).sum()
        covered |= cells[c]
        acqs.append(_acq(access, idx[c], new / n, covered.sum() / n))
        if completion is None and covered.sum() >= target:
            completion = max(a.end for a in acqs)
    notes = []
    if completion is None:
        notes.append(f"the coverage target {pref.coverage_target:.0%} is not reached in the horizon "
                     f"(best {covered.sum() / n:.1%})")
    return Plan(access, acqs, earliest, by_type, float(covered.sum() / n), completion, pref, method=method,
                notes=notes)


def plan_optimal(access: AccessResult, preferences: Preferences | None = None, *, time_limit_s: float = 60.0,
                 time_resolution_s: float = 60.0) -> Plan:
    """Exact plan by integer programming: earliest completion, then fewest acquisitions.

    Completion times within ``time_resolution_s`` of the earliest one count as equal when the
    number of acquisitions is minimised (a plan one second later with half the acquisitions
    is the better plan). Ignores hazard penalties (it optimises real times); intended for
    measuring the greedy's gap and for small problems (hundreds of options).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, hstack, identity

    pref = preferences or Preferences()
    idx = feasible_options(access)
    earliest, by_type = _earliest(access, idx)
    n = access.n_cells
    if idx.size == 0 or n == 0:
        return Plan(access, [], earliest, by_type, 0.0, None, pref, method="optimal",
                    notes=["no feasible acquisition in the horizon"])
    target = int(math.ceil(pref.coverage_target * n - 1e-9))
    cells = access.opt_cells[idx]
    groups = _groups(access, idx)
    ends = access.opt_end[idx].astype(np.int64)
    opts_lim = {"time_limit": time_limit_s, "disp": False}

    def solve(mask, minimise_count):
        sel = np.flatnonzero(mask)
        m = len(sel)
        A_cov = csr_matrix(cells[sel].T.astype(float))          # n x m
        G = np.zeros((groups.max() + 1, m))
        G[groups[sel], np.arange(m)] = 1.0
        G = csr_matrix(G[np.asarray(G.sum(axis=1)).ravel() > 0])
        # variables: x (m options), y (n cells)
        cons = [LinearConstraint(hstack([-A_cov, identity(n)]), -np.inf, 0.0),           # y <= A x
                LinearConstraint(hstack([G, csr_matrix((G.shape[0], n))]), -np.inf, 1.0)]  # one per pass
        integrality = np.r_[np.ones(m), np.zeros(n)]
        bounds = Bounds(np.zeros(m + n), np.ones(m + n))
        if minimise_count:
            cons.append(LinearConstraint(np.r_[np.zeros(m), np.ones(n)][None, :], target, np.inf))
            c = np.r_[np.ones(m), np.zeros(n)]
        else:
            c = np.r_[np.zeros(m), -np.ones(n)]
        r = milp(c, constraints=cons, integrality=integrality, bounds=bounds, options=opts_lim)
        if r.x is None:
            return None, 0
        x = r.x[:m] > 0.5
        return sel[x], int(np.round(-r.fun)) if not minimise_count else int(np.round(r.x[m:].sum()))

    uniq = np.unique(ends)
    all_sel, best_cov = solve(np.ones(len(idx), bool), False)
    if best_cov < target:
        chosen = list(all_sel) if all_sel is not None else []
        return _finish(access, idx, cells, chosen, earliest, by_type, pref, target, "optimal")
    lo_i, hi_i = 0, len(uniq) - 1
    # the union of everything ending by T bounds what T can reach: start the search there
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        mask = ends <= uniq[mid]
        if np.logical_or.reduce(cells[mask], axis=0).sum() < target:
            lo_i = mid + 1
            continue
        _sel, cov = solve(mask, False)
        if cov >= target:
            hi_i = mid
        else:
            lo_i = mid + 1
    mask = ends <= uniq[lo_i] + int(time_resolution_s * 1e9)
    sel, _ = solve(mask, True)
    return _finish(access, idx, cells, list(sel) if sel is not None else [], earliest, by_type, pref, target,
                   "optimal")


def tasking_requests(plan: Plan) -> dict[str, list[dict]]:
    """Per-agency tasking requests as records (one dict per acquisition, footprint as a GeoJSON Polygon).

    The records are :meth:`TaskingRequest.to_dict`; the folder writer
    (:func:`orbitwatch.response.outputs.write_tasking`) writes exactly these.
    """
    out: dict[str, list[dict]] = {}
    for r in plan.tasking_requests():
        out.setdefault(r.agency, []).append(r.to_dict())
    return out
