"""Propagation backends: a small protocol and a registry, so callers pass a backend in.

A backend turns :class:`~orbitwatch.elements.ElementSets` into a *prepared* state
(SGP4 initialisation, paid once per catalog) and evaluates it at instants. Every
backend returns the same arrays:

* ``r`` (N, T, 3) TEME position, km
* ``v`` (N, T, 3) TEME velocity, km/s
* ``status`` (N, T) uint8: 0 ok, otherwise the SGP4 error code of Vallado's
  reference (1 mean eccentricity out of range, 2 mean motion negative,
  3 perturbed eccentricity out of range, 4 semi-latus rectum negative,
  6 decayed); r and v are NaN where status != 0.

Nothing raises half-way through a batch.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..elements.sets import ElementSets
from ..timeutil import NS_PER_DAY, JD_UNIX_EPOCH

#: SGP4 status codes (python-sgp4 / Vallado 2006).
STATUS_MESSAGES = {
    0: "ok",
    1: "mean eccentricity is not within the range 0.0 <= e < 1.0",
    2: "mean motion has fallen below zero",
    3: "perturbed eccentricity is not within the range 0.0 <= e <= 1.0",
    4: "length of the orbit's semi-latus rectum has fallen below zero",
    5: "epoch elements are sub-orbital",
    6: "mrt is less than 1.0 which indicates the satellite has decayed",
}

XPDOTP = 1440.0 / (2.0 * np.pi)  # rev/day -> rad/min divisor, as in Spacetrack Report #3
DEG2RAD = np.pi / 180.0


@runtime_checkable
class PropagationBackend(Protocol):
    """What :func:`orbitwatch.propagation.propagate` needs from a backend."""

    name: str

    def prepare(self, elements: ElementSets) -> Any:
        """Initialise SGP4 for every element set (once per catalog)."""

    def propagate_ns(self, prepared: Any, times_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States at UTC instants given as int64 nanoseconds since 1970 (shape (T,))."""

    def propagate_tsince(self, prepared: Any, tsince_min: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States at minutes since each object's own epoch (shape (T,), the same for every object)."""


def sgp4_init_arrays(es: ElementSets) -> dict[str, np.ndarray]:
    """The SGP4 initialisation inputs in the units sgp4init expects (radians, rad/min, days since 1949)."""
    ep_ns = es.epoch.astype(np.int64)
    days, rem = np.divmod(ep_ns, NS_PER_DAY)
    return {
        "satnum": np.where(es.norad_id < 340000, es.norad_id, 0).astype(np.int64),
        # sgp4init's epoch input is formed exactly as Vallado's twoline2rv forms it, from the
        # float sum of the two-part Julian date: the deep-space initialisation (gsto, lunar-solar
        # terms) is sensitive to its last bits, and tcppver.out was produced that way.
        "epoch_days_1949": ((days + JD_UNIX_EPOCH) + rem / NS_PER_DAY) - 2433281.5,
        "jd_epoch": days + JD_UNIX_EPOCH,
        "jd_epoch_frac": rem / NS_PER_DAY,
        "bstar": es.bstar,
        "ndot": es.mean_motion_dot / (XPDOTP * 1440.0),
        "nddot": es.mean_motion_ddot / (XPDOTP * 1440.0 * 1440.0),
        "ecco": es.eccentricity,
        "argpo": es.arg_perigee_deg * DEG2RAD,
        "inclo": es.inclination_deg * DEG2RAD,
        "mo": es.mean_anomaly_deg * DEG2RAD,
        "no_kozai": es.mean_motion_rev_per_day / XPDOTP,
        "nodeo": es.raan_deg * DEG2RAD,
    }


class SGP4ReferenceBackend:
    """Vallado's C++ SGP4 through python-sgp4's ``SatrecArray`` (WGS-72, improved mode).

    This is the reference every faster kernel is checked against.
    """

    name = "sgp4"

    def __init__(self, opsmode: str = "i"):
        from sgp4.api import accelerated

        self.opsmode = opsmode
        self.accelerated = bool(accelerated)
        if not self.accelerated:
            self.name = "sgp4-python"

    def prepare(self, elements: ElementSets):
        from sgp4.api import WGS72, Satrec, SatrecArray

        a = sgp4_init_arrays(elements)
        sats = []
        for i in range(len(elements)):
            s = Satrec()
            s.sgp4init(WGS72, self.opsmode, int(a["satnum"][i]), float(a["epoch_days_1949"][i]),
                       float(a["bstar"][i]), float(a["ndot"][i]), float(a["nddot"][i]), float(a["ecco"][i]),
                       float(a["argpo"][i]), float(a["inclo"][i]), float(a["mo"][i]),
                       float(a["no_kozai"][i]), float(a["nodeo"][i]))
            # exact two-part epoch from integer nanoseconds (sgp4init's single float loses ~0.3 us)
            s.jdsatepoch = float(a["jd_epoch"][i])
            s.jdsatepochF = float(a["jd_epoch_frac"][i])
            sats.append(s)
        return {"sats": sats, "array": SatrecArray(sats) if sats else None}

    def propagate_ns(self, prepared, times_ns):
        times_ns = np.asarray(times_ns, dtype=np.int64)
        n = len(prepared["sats"])
        if n == 0 or times_ns.size == 0:
            return _empty(n, times_ns.size)
        days, rem = np.divmod(times_ns, NS_PER_DAY)
        jd = (days + JD_UNIX_EPOCH).astype(np.float64)
        fr = rem / NS_PER_DAY
        e, r, v = prepared["array"].sgp4(jd, fr)
        return _clean(r, v, e)

    def propagate_tsince(self, prepared, tsince_min):
        from sgp4.api import SatrecArray

        tsince_min = np.atleast_1d(np.asarray(tsince_min, dtype=np.float64))
        sats = prepared["sats"]
        if not sats:
            return _empty(0, tsince_min.size)
        saved = [(s.jdsatepoch, s.jdsatepochF) for s in sats]
        try:
            for s in sats:
                s.jdsatepoch, s.jdsatepochF = 0.0, 0.0
            arr = SatrecArray(sats)
            e, r, v = arr.sgp4(np.zeros_like(tsince_min), tsince_min / 1440.0)
        finally:
            for s, (a, b) in zip(sats, saved):
                s.jdsatepoch, s.jdsatepochF = a, b
        return _clean(r, v, e)


def _empty(n, t):
    return (np.full((n, t, 3), np.nan), np.full((n, t, 3), np.nan), np.zeros((n, t), dtype=np.uint8))


def _clean(r, v, e):
    e = np.asarray(e, dtype=np.uint8)
    bad = e != 0
    if bad.any():
        r[bad] = np.nan
        v[bad] = np.nan
    return r, v, e


_REGISTRY: dict[str, type] = {"sgp4": SGP4ReferenceBackend}


def register_backend(name: str, factory) -> None:
    """Make a backend available by name (used by optional kernels)."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    return list(_REGISTRY)


def get_backend(backend: str | PropagationBackend | None = None) -> PropagationBackend:
    """A backend instance: by name, passed through, or the default (the fastest available)."""
    if backend is None:
        backend = default_backend_name()
    if isinstance(backend, str):
        try:
            return _REGISTRY[backend]()
        except KeyError:
            raise ValueError(f"unknown propagation backend {backend!r}; available: {available_backends()}") from None
    return backend


def default_backend_name() -> str:
    for name in ("numba", "sgp4"):
        if name in _REGISTRY:
            return name
    return "sgp4"
