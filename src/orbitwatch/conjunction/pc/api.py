"""Vectorised Pc for many conjunctions at TCA: the entry point screening uses.

``pc_at_tca`` takes arrays of states and inertial covariances of both objects at TCA
(km, km/s; covariances 3x3 or 6x6 in km**2...) and the combined hard-body radius, and
returns every requested 2D method side by side, the maximum Pc over covariance scaling
(with the dilution flag) and the SOCRATES-style maximum with its dilution threshold.

``pc_for_events`` does the same for screening events whose objects are known only by
TLEs: missing covariances come from the default model of
:mod:`orbitwatch.conjunction.covariance` (orbit regime and element-set age).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from ...errors import InvalidRequestError

from .alfano import pc_alfano
from .chan import pc_chan
from .encounter import EncounterPlane, encounter_plane
from .foster import pc_circle, pc_square, pc_square_equal_area
from .maxpc import pc_max_aspect, pc_max_scaled, socrates_aspect_ratio
from .patera import pc_patera

__all__ = ["METHODS_2D", "DEFAULT_METHODS", "PcTable", "pc_at_tca", "pc_for_events", "pc_encounter"]

#: 2D methods by name (see docs/collision-probability.md for the papers)
METHODS_2D = ("foster", "chan", "patera", "alfano", "square", "square_equal_area", "max", "socrates")
#: the per-event screening default: exact Foster plus the maximum over covariance scaling
DEFAULT_METHODS = ("foster", "max")


@dataclass
class PcTable:
    """Pc of N conjunctions (arrays (N,)); methods not requested are None."""

    methods: tuple[str, ...]
    miss_km: np.ndarray
    speed_km_s: np.ndarray
    xm_km: np.ndarray
    zm_km: np.ndarray
    sx_km: np.ndarray
    sz_km: np.ndarray
    mahalanobis: np.ndarray
    remediated: np.ndarray
    npd: np.ndarray
    hbr_km: np.ndarray
    foster: np.ndarray | None = None
    chan: np.ndarray | None = None
    patera: np.ndarray | None = None
    alfano: np.ndarray | None = None
    square: np.ndarray | None = None
    square_equal_area: np.ndarray | None = None
    max_pc: np.ndarray | None = None
    max_pc_scale: np.ndarray | None = None
    dilution: np.ndarray | None = None
    socrates_max_pc: np.ndarray | None = None
    dilution_threshold_km: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.miss_km)

    def columns(self) -> dict[str, np.ndarray]:
        """Every computed column by name (for tables, CSV, the store)."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                out[f.name] = v
        return out

    def row(self, i: int) -> dict:
        return {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in self.columns().items()}


def pc_encounter(ep: EncounterPlane, methods=DEFAULT_METHODS, aspect_ratio=None) -> PcTable:
    """All requested methods on an already-projected encounter plane."""
    unknown = set(methods) - set(METHODS_2D)
    if unknown:
        raise InvalidRequestError("methods", f"unknown Pc method(s) {sorted(unknown)}; choose from {METHODS_2D}",
                                  sorted(unknown))
    t = PcTable(methods=tuple(methods), miss_km=ep.miss, speed_km_s=ep.speed, xm_km=ep.xm, zm_km=ep.zm,
                sx_km=ep.sx, sz_km=ep.sz, mahalanobis=ep.mahalanobis, remediated=ep.remediated, npd=ep.npd,
                hbr_km=ep.hbr)
    a = (ep.xm, ep.zm, ep.sx, ep.sz, ep.hbr)
    if "foster" in methods:
        t.foster = pc_circle(*a)
    if "chan" in methods:
        t.chan = pc_chan(*a)
    if "patera" in methods:
        t.patera = pc_patera(*a)
    if "alfano" in methods:
        # Alfano integrates along the first axis given: the minor one, as Orekit does
        t.alfano = pc_alfano(ep.zm, ep.xm, ep.sz, ep.sx, ep.hbr)
    if "square" in methods:
        t.square = pc_square(*a)
    if "square_equal_area" in methods:
        t.square_equal_area = pc_square_equal_area(*a)
    if "max" in methods:
        t.max_pc, t.max_pc_scale = pc_max_scaled(*a)
        t.dilution = t.max_pc_scale < 1.0
    if "socrates" in methods:
        if aspect_ratio is None:
            raise InvalidRequestError("aspect_ratio", "the 'socrates' method needs the aspect ratio (use pc_at_tca)")
        t.socrates_max_pc, t.dilution_threshold_km = pc_max_aspect(ep.miss, ep.hbr, aspect_ratio)
    return t


def pc_at_tca(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km, *, methods=DEFAULT_METHODS,
              miss: str = "project", socrates_sigma_rtn_km=(0.1, 0.3, 0.1)) -> PcTable:
    """Pc of N conjunctions from states (N,3) and inertial covariances (N,3,3)/(N,6,6)
    at TCA, km units, combined HBR (km, scalar or (N,)).

    ``methods``: any of :data:`METHODS_2D`.  ``miss="project"`` puts the miss vector's
    component normal to the relative velocity in the encounter plane (the linear-motion
    TCA); ``"norm"`` reproduces NASA CARA's ``PcCircle`` on states not exactly at TCA."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ep = encounter_plane(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km, miss=miss)
        ar = None
        if "socrates" in methods:
            ar = socrates_aspect_ratio(r1_km, v1_km_s, r2_km, v2_km_s, socrates_sigma_rtn_km)
        table = pc_encounter(ep, methods, aspect_ratio=ar)
    # no relative motion (objects flown together): there is no encounter plane, and no 2D Pc
    still = ~(np.asarray(table.speed_km_s) > 0.0)
    if still.any():
        for name in ("foster", "chan", "patera", "alfano", "square", "square_equal_area", "max_pc", "max_pc_scale",
                     "socrates_max_pc", "dilution_threshold_km"):
            col = getattr(table, name)
            if col is not None:
                col = np.array(col, dtype=float)
                col[still] = np.nan
                setattr(table, name, col)
    return table


def pc_for_events(r1_km, v1_km_s, r2_km, v2_km_s, hbr_km, *, age1_days=None, age2_days=None, cov1_km=None,
                  cov2_km=None, model=None, methods=DEFAULT_METHODS, miss: str = "project") -> PcTable:
    """Pc of screened events: covariances where known (CDM input: (N,6,6) inertial, km),
    the default TLE model elsewhere (rows of NaN, or ``cov=None``, use the model with the
    element-set ages ``age*_days`` = |TCA - epoch|)."""
    from ..covariance import DEFAULT_TLE_MODEL, tle_covariance_eci

    model = model or DEFAULT_TLE_MODEL
    r1 = np.atleast_2d(np.asarray(r1_km, float))
    n = len(r1)

    def fill(cov, r, v, age):
        default = None
        if cov is None or np.isnan(np.asarray(cov, float)).any():
            if age is None:
                raise InvalidRequestError("age_days", "element-set ages are needed where covariances are unknown")
            default = tle_covariance_eci(r, v, np.broadcast_to(np.asarray(age, float), (n,)), model)
        if cov is None:
            return default
        c = np.array(np.broadcast_to(np.asarray(cov, float), (n,) + np.shape(cov)[-2:]))
        if c.shape[-1] < 6:
            c6 = np.full((n, 6, 6), np.nan)
            c6[:, :3, :3] = c
            c = c6
        bad = np.isnan(c).any(axis=(1, 2))
        if bad.any():
            c[bad] = default[bad]
        return c

    v1 = np.atleast_2d(np.asarray(v1_km_s, float))
    r2 = np.atleast_2d(np.asarray(r2_km, float))
    v2 = np.atleast_2d(np.asarray(v2_km_s, float))
    C1 = fill(cov1_km, r1, v1, age1_days)
    C2 = fill(cov2_km, r2, v2, age2_days)
    return pc_at_tca(r1, v1, C1, r2, v2, C2, hbr_km, methods=methods, miss=miss)
