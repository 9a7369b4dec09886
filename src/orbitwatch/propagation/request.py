"""A propagation request as any front end builds it, and ephemeris rows as records.

The CLI's ``orbitwatch propagate`` and the service build the same
:class:`PropagationRequest`, get the same defaults (start at the selection's latest
epoch, 90 minutes, 60 s) and the same validation, before any work is done.

>>> from orbitwatch.catalog import Catalog
>>> from orbitwatch.elements import read_elements
>>> from orbitwatch.samples import sample_catalog_path
>>> cat = Catalog(read_elements(sample_catalog_path()).elements)
>>> req = PropagationRequest(objects=("25544",), start="2023-10-09T12:00", stop="2023-10-09T12:10", step_s=300)
>>> eph = req.run(cat)
>>> eph.shape
(1, 3)
>>> rec = ephemeris_records(eph)[0]
>>> rec["time_utc"], rec["frame"], round(rec["x_km"], 3)
('2023-10-09T12:00:00.000Z', 'TEME', -1474.466)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import InvalidRequestError
from ..requests import TimeSpan, check_choice, check_memory, check_range
from ..timeutil import NS_PER_S, format_iso
from .age import DEFAULT_MAX_AGE_DAYS, element_age_report
from .backends import STATUS_MESSAGES, available_backends
from .frames import FRAMES

#: output frames: the inertial/Earth-fixed frames of :data:`FRAMES`, and WGS-84 geodetic
OUTPUT_FRAMES = (*FRAMES, "LLA")

#: bytes per state held by an ephemeris (r, v float64, status int) and per formatted output row
_BYTES_PER_STATE = 7 * 8
_BYTES_PER_ROW = 700
#: the most rows one request may format as a table, CSV or JSON
MAX_ROWS = 5_000_000


@dataclass(frozen=True)
class PropagationRequest:
    """Which objects, when, how often, in which frame.

    ``objects`` are catalog numbers, names, globs (``SENTINEL-2*``) or ``/regex/``
    (see :meth:`orbitwatch.catalog.Catalog.resolve`). Give ``stop`` or ``hours`` or
    ``days`` (only one); without them the span is 90 minutes. Without ``start``,
    the latest epoch among the chosen objects is used.
    """

    objects: Sequence[str] = ()
    start: Any = None
    stop: Any = None
    hours: float | None = None
    days: float | None = None
    step_s: float = 60.0
    frame: str = "TEME"
    backend: str | None = None
    #: the element-set ages at the start of the last :meth:`run` (set by it)
    last_age_report: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        objs = tuple(o for o in (str(x).strip() for x in self.objects) if o)
        if not objs:
            raise InvalidRequestError("objects", "give at least one catalog number, name, glob or /regex/",
                                      list(self.objects))
        object.__setattr__(self, "objects", objs)
        # from a millisecond to a year: beyond either end it is a typo
        object.__setattr__(self, "step_s", check_range("step_s", self.step_s, 1e-3, 366 * 86400.0, unit="s"))
        object.__setattr__(self, "frame", check_choice("frame", str(self.frame).upper().replace("J2000", "EME2000"),
                                                       OUTPUT_FRAMES))
        if self.backend is not None:
            check_choice("backend", self.backend, available_backends(), case_insensitive=False)
        if self.start is not None:  # the default start needs the catalog: span() checks it then
            self.span(None)

    def span(self, default_start) -> TimeSpan:
        return TimeSpan.resolve(self.start, self.stop, days=self.days, hours=self.hours,
                                default_start=default_start, default_hours=1.5)

    def instants(self, span: TimeSpan) -> int:
        step_ns = int(round(self.step_s * NS_PER_S))
        return int((span.stop - span.start) / np.timedelta64(step_ns, "ns")) + 1

    def times(self, span: TimeSpan) -> np.ndarray:
        step_ns = int(round(self.step_s * NS_PER_S))
        return span.start + np.arange(self.instants(span), dtype=np.int64) * np.timedelta64(step_ns, "ns")

    def check_size(self, n_objects: int, span: TimeSpan, *, rows: bool = True) -> None:
        """Refuse, with the numbers, a request too large to hold (or to format as rows)."""
        n_t = self.instants(span)
        states = n_objects * n_t
        check_memory("step_s", states * (_BYTES_PER_STATE + (_BYTES_PER_ROW if rows else 0)),
                     f"{n_objects:,} object(s) x {n_t:,} instant(s)", self.step_s)
        if rows and states > MAX_ROWS:
            from ..errors import ResourceLimitError

            raise ResourceLimitError("step_s", f"{n_objects:,} object(s) x {n_t:,} instant(s) = {states:,} rows, "
                                               f"more than {MAX_ROWS:,}; use a larger step, a shorter span or "
                                               "fewer objects", self.step_s, needed=states, limit=MAX_ROWS)

    def run(self, catalog, *, rows: bool = True, force: bool = False,
            max_age_days: float = DEFAULT_MAX_AGE_DAYS):
        """Resolve the objects in ``catalog``, check the size, propagate; returns an :class:`Ephemeris`.

        For ``frame="LLA"`` the ephemeris is in ITRF; :func:`ephemeris_records` with
        ``lla=True`` turns it into geodetic rows. Element sets more than a year from the
        start are refused unless ``force`` (:meth:`ElementAgeReport.check_far`); the ages
        at the start are kept in ``last_age_report`` for the caller's warnings.
        """

        from .ephemeris import propagate

        ids = catalog.resolve(self.objects)
        sub = catalog.select(norad_ids=ids)
        span = self.span(sub.latest().epoch.max())
        self.check_size(len(ids), span, rows=rows)
        es = sub.at(span.start)
        report = element_age_report(es, span.start, max_age_days=max_age_days)
        report.check_far(force=force)
        object.__setattr__(self, "last_age_report", report)
        lla = self.frame == "LLA"
        return propagate(es, self.times(span), frame="ITRF" if lla else self.frame, backend=self.backend)


def ephemeris_records(eph, *, lla: bool = False) -> list[dict]:
    """One dict per (object, instant): ISO time with Z, frame, position/velocity with units, status.

    With ``lla=True`` (an ITRF ephemeris) rows give WGS-84 latitude, longitude and altitude and
    the Earth-fixed (ITRF) speed; otherwise Cartesian position and velocity in the ephemeris frame. Values are None
    where SGP4 reported an error (the status says which).
    """
    from .frames import itrf_to_geodetic

    if lla and eph.frame != "ITRF":
        raise InvalidRequestError("frame", f"geodetic rows need an ITRF ephemeris, got {eph.frame}", eph.frame)
    n, t = eph.status.shape
    times = [format_iso(x, 3) + "Z" for x in eph.times]
    names = eph.name if eph.name is not None else np.array([""] * n)
    if lla:
        lat, lon, alt = itrf_to_geodetic(eph.position_km)
        speed = np.linalg.norm(eph.velocity_km_s, axis=-1)
        cols = {"lat_deg": lat, "lon_deg": lon, "alt_km": alt, "speed_itrf_km_s": speed}
        frame = "WGS-84 geodetic (ITRF)"
    else:
        cols = {f"{a}_km": eph.position_km[..., k] for k, a in enumerate("xyz")}
        cols.update({f"v{a}_km_s": eph.velocity_km_s[..., k] for k, a in enumerate("xyz")})
        frame = eph.frame
    out = []
    for i in range(n):
        nid, nm = int(eph.norad_id[i]), str(names[i])
        for j in range(t):
            st = int(eph.status[i, j])
            row = {"norad_id": nid, "name": nm, "time_utc": times[j], "frame": frame}
            for k, v in cols.items():
                row[k] = round(float(v[i, j]), 6) if st == 0 else None
            row["status"] = "ok" if st == 0 else f"{st}: {STATUS_MESSAGES.get(st, '?')}"
            out.append(row)
    return out
