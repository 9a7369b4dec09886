"""Batch propagation of a whole catalog: N objects x T instants at once."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..elements.sets import ElementSets
from ..timeutil import as_datetime64
from . import frames as _frames
from .backends import PropagationBackend, get_backend


@dataclass
class Ephemeris:
    """States of N objects at T instants.

    ``position_km`` and ``velocity_km_s`` have shape (N, T, 3); ``status`` (N, T)
    holds the SGP4 status code (0 ok; see :data:`orbitwatch.propagation.STATUS_MESSAGES`),
    and positions are NaN where it is not 0. ``backend`` says which propagator ran.
    """

    norad_id: np.ndarray
    times: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    status: np.ndarray
    frame: str = "TEME"
    backend: str = ""
    name: np.ndarray | None = None
    #: (N,) datetime64[ns] epochs of the element sets (for :meth:`age_report`)
    epoch: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.status.shape

    def to_frame(self, frame: str, eop: _frames.EOP | None = None) -> "Ephemeris":
        """The same states in another frame (from TEME: ITRF, GCRS, EME2000)."""
        frame = frame.upper()
        if frame == self.frame:
            return self
        if self.frame != "TEME":
            raise ValueError(f"conversion from {self.frame} is not supported; propagate in TEME first")
        r, v = _frames.convert(self.position_km, self.velocity_km_s, self.times, frame, eop)
        return replace(self, position_km=r, velocity_km_s=v, frame="EME2000" if frame == "J2000" else frame)

    def age_report(self, at=None, *, max_age_days: float | None = None):
        """Element-set ages (days) at ``at`` (default: the first instant) and the warnings beyond
        ``max_age_days`` (default 14): see :func:`orbitwatch.propagation.element_age_report`."""
        from ..requests import check_positive
        from .age import DEFAULT_MAX_AGE_DAYS, ElementAgeReport

        if self.epoch is None:
            raise ValueError("this ephemeris does not carry its element sets' epochs")
        t = np.datetime64(self.times[0] if at is None else at, "ns")
        age = (t.astype(np.int64) - self.epoch.astype("datetime64[ns]").astype(np.int64)) / 86400e9
        return ElementAgeReport(at=t, norad_id=self.norad_id,
                                name=self.name if self.name is not None else np.full(len(self.norad_id), ""),
                                age_days=age, max_age_days=DEFAULT_MAX_AGE_DAYS if max_age_days is None
                                else check_positive("max_age_days", max_age_days))

    def geodetic(self, eop: _frames.EOP | None = None):
        """(lat_deg, lon_deg, alt_km), each (N, T), on WGS-84."""
        e = self.to_frame("ITRF", eop)
        return _frames.itrf_to_geodetic(e.position_km)


def propagate(elements: ElementSets, times, *, frame: str = "TEME",
              backend: str | PropagationBackend | None = None, prepared=None) -> Ephemeris:
    """Propagate every element set to every instant.

    Parameters
    ----------
    elements : ElementSets
        N element sets (one per object, e.g. ``Catalog.at(t)`` or ``Catalog.latest()``).
    times : array_like of datetime64 / ISO strings, shape (T,)
        UTC instants.
    frame : {'TEME', 'ITRF', 'GCRS', 'EME2000'}
        Output frame.
    backend : str or backend, optional
        'numba' (default when available) or 'sgp4' (python-sgp4 reference); the
        one that ran is reported in ``Ephemeris.backend``.
    prepared : optional
        Output of ``backend.prepare(elements)`` to reuse across calls.
    """
    be = get_backend(backend)
    t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
    if t.ndim != 1:
        raise ValueError("times must be one-dimensional")
    if prepared is None:
        prepared = be.prepare(elements)
    r, v, st = be.propagate_ns(prepared, t.astype(np.int64))
    eph = Ephemeris(norad_id=elements.norad_id.copy(), times=t, position_km=r, velocity_km_s=v,
                    status=st, frame="TEME", backend=be.name, name=elements.name.copy(),
                    epoch=elements.epoch.astype("datetime64[ns]").copy())
    return eph.to_frame(frame) if frame.upper() != "TEME" else eph


def propagate_tsince(elements: ElementSets, tsince_min, *, backend: str | PropagationBackend | None = None):
    """TEME states at minutes since each object's epoch (the form Vallado's verification uses).

    Returns ``(r_km, v_km_s, status)`` with shapes (N, T, 3), (N, T, 3), (N, T).
    """
    be = get_backend(backend)
    prepared = be.prepare(elements)
    return be.propagate_tsince(prepared, np.atleast_1d(np.asarray(tsince_min, dtype=np.float64)))
