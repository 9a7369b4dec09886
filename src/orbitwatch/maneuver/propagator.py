"""Numerical propagation of a maneuvering primary: satkit's high-precision propagator.

Force model (:class:`ForceModel`, every term switchable): Earth gravity to a chosen
degree/order (EGM96, JGM3, JGM2 or EGM2008, compiled into satkit), Sun and Moon point
masses (JPL DE440 from the ``satkit-data`` package), atmospheric drag (NRLMSISE-00 with
the space-weather table shipped in ``satkit-data``), cannonball solar radiation pressure,
solid Earth tides and the relativistic correction.  Integration: adaptive Runge-Kutta 9(8)
with dense output (satkit's default), tolerances configurable.

Burns are impulsive: the velocity changes by ``dv`` given in the RTN frame of the state
just before the burn (R radial, T along-track/transverse, N orbit normal); the trajectory is
integrated piecewise between burns.  States cross the boundary in EME2000 km, km/s (CCSDS
CDM/OEM convention) and are rotated to GCRF (satkit's inertial frame) by the constant
frame bias.  Times are UTC ``datetime64[ns]``.

Nothing is downloaded at run time: the data directory is pointed at the installed
``satkit-data`` package and satkit is put in offline mode before its first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidRequestError, UnavailableError
from ..timeutil import NS_PER_S

__all__ = ["ForceModel", "Burn", "Trajectory", "propagate_with_burns", "stm_to", "rtn_matrix", "satkit_module",
           "initial_state"]

_SK = None


def satkit_module():
    """satkit, configured to read the ``satkit-data`` package and never download."""
    global _SK
    if _SK is not None:
        return _SK
    try:
        import satkit_data
    except ImportError as exc:      # pragma: no cover - depends on the installation
        raise UnavailableError("the 'maneuver' extra is not installed (pip install 'orbitwatch[maneuver]')") from exc
    data = os.path.join(os.path.dirname(satkit_data.__file__), "data")
    os.environ.setdefault("SATKIT_DATA", data)
    os.environ.setdefault("SATKIT_OFFLINE", "1")
    try:
        import satkit as sk
    except ImportError as exc:      # pragma: no cover
        raise UnavailableError("the 'maneuver' extra is not installed (pip install 'orbitwatch[maneuver]')") from exc
    sk.utils.set_offline(True)
    if hasattr(sk.utils, "add_search_dir"):
        sk.utils.add_search_dir(data)
    _SK = sk
    return sk


GRAVITY_MODELS = ("egm96", "egm2008", "jgm3", "jgm2")


@dataclass(frozen=True)
class ForceModel:
    """What acts on the primary.  Defaults: EGM96 20x20, Sun, Moon, drag and SRP with
    ``cd_area_over_mass_m2_kg`` = 2.2 x 0.01 m**2/kg and ``cr_area_over_mass_m2_kg`` =
    1.3 x 0.01 m**2/kg, solid tides and relativity on."""

    gravity_model: str = "egm96"
    degree: int = 20
    order: int | None = None
    sun: bool = True
    moon: bool = True
    drag: bool = True
    srp: bool = True
    cd_area_over_mass_m2_kg: float = 0.022
    cr_area_over_mass_m2_kg: float = 0.013
    tides: bool = True
    relativity: bool = True
    abs_tol: float = 1e-9
    rel_tol: float = 1e-11

    def __post_init__(self):
        if self.gravity_model not in GRAVITY_MODELS:
            raise InvalidRequestError("gravity_model", f"one of {', '.join(GRAVITY_MODELS)}", self.gravity_model)
        if not 2 <= int(self.degree) <= 70:
            raise InvalidRequestError("degree", "must be 2..70", self.degree)
        if self.order is not None and not 0 <= int(self.order) <= int(self.degree):
            raise InvalidRequestError("order", "must be 0..degree", self.order)
        for name in ("cd_area_over_mass_m2_kg", "cr_area_over_mass_m2_kg"):
            if not getattr(self, name) >= 0:
                raise InvalidRequestError(name, "must be >= 0", getattr(self, name))

    @classmethod
    def pure_j2(cls) -> "ForceModel":
        """Zonal J2 only (degree 2, order 0), nothing else: the analytic secular-rate test case."""
        return cls(degree=2, order=0, sun=False, moon=False, drag=False, srp=False, tides=False, relativity=False)

    def describe(self) -> str:
        parts = [f"{self.gravity_model.upper()} {self.degree}x{self.degree if self.order is None else self.order}"]
        parts += [n for n, on in (("Sun", self.sun), ("Moon", self.moon), ("tides", self.tides),
                                  ("relativity", self.relativity)) if on]
        if self.drag:
            parts.append(f"drag NRLMSISE-00 (CdA/m {self.cd_area_over_mass_m2_kg:g} m2/kg)")
        if self.srp:
            parts.append(f"SRP (CrA/m {self.cr_area_over_mass_m2_kg:g} m2/kg)")
        return ", ".join(parts)

    def settings(self):
        sk = satkit_module()
        s = sk.propsettings(abs_error=self.abs_tol, rel_error=self.rel_tol, gravity_degree=int(self.degree),
                            gravity_order=int(self.degree if self.order is None else self.order),
                            gravity_model=getattr(sk.gravmodel, self.gravity_model),
                            use_spaceweather=bool(self.drag), use_sun_gravity=bool(self.sun),
                            use_moon_gravity=bool(self.moon),
                            tide_model=sk.tidemodel.solid_step1 if self.tides else sk.tidemodel.none,
                            use_relativistic_correction=bool(self.relativity))
        return s

    def satproperties(self):
        sk = satkit_module()
        return sk.satproperties(cdaoverm=self.cd_area_over_mass_m2_kg if self.drag else 0.0,
                                craoverm=self.cr_area_over_mass_m2_kg if self.srp else 0.0)


@dataclass(frozen=True)
class Burn:
    """An impulsive burn: UTC epoch and delta-v (m/s) in the RTN frame of the pre-burn state."""

    epoch: np.datetime64
    dv_rtn_mps: tuple[float, float, float]

    @property
    def dv_mps(self) -> float:
        return float(np.linalg.norm(self.dv_rtn_mps))


def rtn_matrix(r, v) -> np.ndarray:
    """Columns R, T, N (unit) of the RTN frame of an inertial state (vectors: inertial = M @ rtn)."""
    r = np.asarray(r, float)
    v = np.asarray(v, float)
    R = r / np.linalg.norm(r, axis=-1, keepdims=True)
    h = np.cross(r, v)
    N = h / np.linalg.norm(h, axis=-1, keepdims=True)
    T = np.cross(N, R)
    return np.stack([R, T, N], axis=-1)


def _bias() -> np.ndarray:
    from skyfield.framelib import ICRS_to_J2000

    return np.asarray(ICRS_to_J2000)      # EME2000 = B @ GCRF


def _sktime(t: np.datetime64):
    sk = satkit_module()
    ns = np.datetime64(t, "ns").astype(np.int64)
    return sk.time.from_unixtime(ns / NS_PER_S)


def _to_gcrf_m(r_km, v_km_s) -> np.ndarray:
    B = _bias()
    return np.concatenate([B.T @ np.asarray(r_km, float), B.T @ np.asarray(v_km_s, float)]) * 1000.0


def _to_eme_km(state_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    B = _bias()
    s = np.asarray(state_m, float) / 1000.0
    return s[..., :3] @ B.T, s[..., 3:] @ B.T


@dataclass
class Trajectory:
    """A propagated trajectory: UTC epochs (K,), EME2000 positions (K,3) km and velocities (K,3) km/s,
    and the burns flown."""

    epochs: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    burns: list[Burn] = field(default_factory=list)
    force_model: ForceModel | None = None
    _segments: list = field(default_factory=list, repr=False)   # (t0_ns, t1_ns, satkit propresult)

    def state_at(self, t) -> tuple[np.ndarray, np.ndarray]:
        """EME2000 state (km, km/s) at UTC ``t`` from the integrator's dense output (after a burn at ``t``)."""
        ns = np.datetime64(t, "ns").astype(np.int64)
        for a, b, res in reversed(self._segments):
            if min(a, b) <= ns <= max(a, b):
                return _to_eme_km(np.asarray(res.interp(_sktime(np.datetime64(int(ns), "ns")))))
        raise InvalidRequestError("t", "outside the propagated span", str(np.datetime64(t, "ns")))

    def to_oem(self, *, object_name: str = "PRIMARY", object_id: str = "PRIMARY", originator: str = "ORBITWATCH",
               comments: tuple[str, ...] = ()):
        """The trajectory as a CCSDS OEM (KVN, EME2000, UTC), one segment per burn-free arc
        (a burn starts a new segment, so no interpolation crosses it)."""
        from ..odm import parse_oem
        from ..timeutil import format_iso

        cuts = [np.datetime64(b.epoch, "ns") for b in self.burns]
        e = self.epochs
        bounds = [e[0]] + [c for c in cuts if e[0] < c < e[-1]] + [e[-1]]
        lines = ["CCSDS_OEM_VERS = 2.0", f"CREATION_DATE = {format_iso(np.datetime64('now', 'ns'), 3)}",
                 f"ORIGINATOR = {originator}"]
        for i in range(len(bounds) - 1):
            a, b = bounds[i], bounds[i + 1]
            sel = (e >= a) & (e <= b)
            if i > 0:
                sel &= e > a     # the post-burn state at ``a`` was added below
            idx = np.nonzero(sel)[0]
            rows = [(t, self.position_km[j], self.velocity_km_s[j]) for j, t in zip(idx, e[idx])]
            if i > 0:
                r, v = self.state_at(a)
                rows.insert(0, (a, r, v))
            if i < len(bounds) - 2 and rows[-1][0] != b:
                r, v = self._pre_burn(b)
                rows.append((b, r, v))
            lines += ["", "META_START", f"OBJECT_NAME = {object_name}", f"OBJECT_ID = {object_id}",
                      "CENTER_NAME = EARTH", "REF_FRAME = EME2000", "TIME_SYSTEM = UTC",
                      f"START_TIME = {format_iso(rows[0][0], 6)}", f"STOP_TIME = {format_iso(rows[-1][0], 6)}",
                      "INTERPOLATION = HERMITE", "INTERPOLATION_DEGREE = 5", "META_STOP"]
            lines += [f"COMMENT {c}" for c in comments] if i == 0 else []
            for t, r, v in rows:
                lines.append(f"{format_iso(t, 6)} {r[0]:.6f} {r[1]:.6f} {r[2]:.6f} "
                             f"{v[0]:.9f} {v[1]:.9f} {v[2]:.9f}")
        return parse_oem("\n".join(lines) + "\n", source="<maneuvered trajectory>")

    def _pre_burn(self, t):
        ns = np.datetime64(t, "ns").astype(np.int64)
        for a, b, res in self._segments:
            if min(a, b) <= ns <= max(a, b):
                return _to_eme_km(np.asarray(res.interp(_sktime(np.datetime64(int(ns), "ns")))))
        raise InvalidRequestError("t", "outside the propagated span", str(t))


def _propagate(state_m, t0: np.datetime64, t1: np.datetime64, fm: ForceModel, phi: bool = False):
    sk = satkit_module()
    try:
        return sk.propagate(np.asarray(state_m, float), _sktime(t0), _sktime(t1), output_phi=phi,
                            propsettings=fm.settings(), satproperties=fm.satproperties())
    except RuntimeError as exc:
        raise UnavailableError(f"satkit propagation failed: {str(exc).splitlines()[0]}") from exc


def _interp_many(res, times_ns: np.ndarray) -> np.ndarray:
    sk = satkit_module()
    base = int(times_ns[0])
    t0 = _sktime(np.datetime64(base, "ns"))
    ts = [t0 + sk.duration(seconds=(int(t) - base) / NS_PER_S) for t in times_ns]
    return np.atleast_2d(np.asarray(res.interp(ts)))


def propagate_with_burns(epoch, r_km, v_km_s, start, stop, *, burns=(), step_s: float = 60.0,
                         force_model: ForceModel | None = None) -> Trajectory:
    """Propagate an EME2000 state (km, km/s) given at UTC ``epoch`` over ``[start, stop]``
    (``epoch`` may lie anywhere: the state is first carried to ``start``, backwards if
    needed), flying the impulsive ``burns`` (:class:`Burn`, inside ``(start, stop)``) and
    sampling every ``step_s`` seconds (plus ``stop``)."""
    fm = force_model or ForceModel()
    epoch = np.datetime64(epoch, "ns")
    start = np.datetime64(start, "ns")
    stop = np.datetime64(stop, "ns")
    if not stop > start:
        raise InvalidRequestError("stop", "must be after start", str(stop))
    if not step_s > 0:
        raise InvalidRequestError("step_s", "must be > 0", step_s)
    burns = sorted(burns, key=lambda b: np.datetime64(b.epoch, "ns"))
    for b in burns:
        if not start <= np.datetime64(b.epoch, "ns") < stop:
            raise InvalidRequestError("burns", "burn epochs must lie in [start, stop)", str(b.epoch))
    state = _to_gcrf_m(r_km, v_km_s)
    if epoch != start:
        state = np.asarray(_propagate(state, epoch, start, fm).state_end)
    step_ns = int(round(step_s * NS_PER_S))
    s_ns, e_ns = int(start.astype(np.int64)), int(stop.astype(np.int64))
    grid = np.arange(s_ns, e_ns, step_ns, dtype=np.int64)
    grid = np.append(grid, e_ns)
    nodes = [s_ns] + [int(np.datetime64(b.epoch, "ns").astype(np.int64)) for b in burns] + [e_ns]
    out = np.empty((len(grid), 6))
    segs = []
    for i in range(len(nodes) - 1):
        a, b = nodes[i], nodes[i + 1]
        if i > 0:
            dv = np.asarray(burns[i - 1].dv_rtn_mps, float)
            state = state.copy()
            state[3:] += rtn_matrix(state[:3], state[3:]) @ dv
        if b > a:
            res = _propagate(state, np.datetime64(a, "ns"), np.datetime64(b, "ns"), fm)
            segs.append((a, b, res))
            sel = (grid >= a) & ((grid < b) if i < len(nodes) - 2 else (grid <= b))
            if sel.any():
                out[sel] = _interp_many(res, grid[sel])
            state = np.asarray(res.state_end)
    r, v = _to_eme_km(out)
    return Trajectory(epochs=grid.astype("datetime64[ns]"), position_km=r, velocity_km_s=v, burns=list(burns),
                      force_model=fm, _segments=segs)


#: (abs, rel) floors of the variational integration's tolerances
STM_TOLERANCES = (1e-6, 1e-9)


def stm_to(epoch, r_km, v_km_s, start, end, times, *, force_model: ForceModel | None = None):
    """State-transition matrices ``Phi(end, t)`` for each UTC ``t`` in ``times`` (within
    ``[start, end]``) along the reference (burn-free) trajectory, in m, m/s units, with the
    reference GCRF states at ``times`` (m, m/s) and at ``end``.

    One variational integration from ``start`` to ``end`` (satkit integrates the 6x6
    variational equations with the state, same force model); ``Phi(end, t) =
    Phi(end, start) Phi(t, start)^-1``.  The variational integration runs at tolerances no
    tighter than 1e-6 abs / 1e-9 rel (``stm_tolerances``): the STM then differs from one at
    1e-9 / 1e-11 by under 1e-6 relative (CARA case, 48 h), at a quarter of the cost."""
    import dataclasses

    fm = force_model or ForceModel()
    fm = dataclasses.replace(fm, abs_tol=max(fm.abs_tol, STM_TOLERANCES[0]), rel_tol=max(fm.rel_tol, STM_TOLERANCES[1]))
    start = np.datetime64(start, "ns")
    end = np.datetime64(end, "ns")
    state = _to_gcrf_m(r_km, v_km_s)
    if np.datetime64(epoch, "ns") != start:
        state = np.asarray(_propagate(state, np.datetime64(epoch, "ns"), start, fm).state_end)
    res = _propagate(state, start, end, fm, phi=True)
    phi_end = np.asarray(res.phi)
    end_state = np.asarray(res.state_end)
    phis, states = [], []
    for t in np.asarray(times, "datetime64[ns]"):
        s, p = res.interp(_sktime(t), output_phi=True)
        states.append(np.asarray(s))
        phis.append(phi_end @ np.linalg.inv(np.asarray(p)))
    return np.array(phis), np.array(states), end_state


def initial_state(source, t=None) -> tuple[np.datetime64, np.ndarray, np.ndarray]:
    """``(epoch_utc, r_km, v_km_s)`` in EME2000 to start :func:`propagate_with_burns` from:

    * an OPM (its state at its epoch; ``REF_FRAME`` EME2000/J2000 or GCRF);
    * an OEM (interpolated at UTC ``t``; any frame the ODM frames convert);
    * element sets of one object (SGP4 at UTC ``t``, rotated TEME -> EME2000);
    * a CDM (the first object's state at TCA: :func:`~orbitwatch.maneuver.event_from_cdm` gives both).
    """
    from ..odm import OEM, OPM

    if isinstance(source, OPM):
        from ..ccsds import timesystems as _ts
        from ..propagation.frames import gcrs_to_eme2000

        frame = (source.metadata.ref_frame or "").upper()
        epoch = _ts.to_utc(np.array([np.datetime64(source.epoch, "ns")]), source.metadata.time_system)[0]
        r, v = np.asarray(source.position_km, float), np.asarray(source.velocity_km_s, float)
        if frame in ("EME2000", "J2000"):
            return epoch, r, v
        if frame in ("GCRF", "ICRF"):
            r, v = gcrs_to_eme2000(r, v)
            return epoch, np.asarray(r), np.asarray(v)
        raise InvalidRequestError("REF_FRAME", "an OPM state must be in EME2000 or GCRF", frame)
    if t is None:
        raise InvalidRequestError("t", "give the UTC instant of the state", None)
    t = np.datetime64(t, "ns")
    if isinstance(source, OEM):
        from ..odm import interpolate

        st = interpolate(source, np.array([t]), frame="EME2000")
        if st.status[0, 0] != 0:
            raise InvalidRequestError("t", "outside the OEM's usable span", str(t))
        return t, st.position_km[0, 0], st.velocity_km_s[0, 0]
    from ..elements import ElementSets

    if isinstance(source, ElementSets):
        from ..propagation import propagate

        if len(set(np.asarray(source.norad_id).tolist())) != 1:
            raise InvalidRequestError("elements", "give the element sets of one object", len(source))
        eph = propagate(source[-1:], np.array([t]), frame="EME2000")
        if eph.status[0, 0] != 0:
            raise InvalidRequestError("elements", "SGP4 failed at that instant", int(eph.status[0, 0]))
        return t, eph.position_km[0, 0], eph.velocity_km_s[0, 0]
    raise InvalidRequestError("source", "an OPM, an OEM or element sets", type(source).__name__)
