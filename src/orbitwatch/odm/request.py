"""Requests of the ODM domain, validated before any work; the CLI and (later) the service build the same ones.

>>> req = InterpolationRequest.resolve(start="2024-01-01T00:00", hours=1, step_s=600, method="lagrange", degree=7)
>>> req.method, req.degree, len(req.times)
('LAGRANGE', 7, 7)
>>> InterpolationRequest.resolve(start="2024-01-01T00:00", hours=1, step_s=0)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: step_s: must be in [1e-06, 3.16224e+07] s, got 0
>>> ConvertRequest.resolve(output="out.xml", source_format="KVN").format
'xml'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidRequestError
from ..requests import TimeSpan, check_choice, check_int, check_memory, check_positive, check_range
from .frames import CONVERTIBLE, canonical_frame
from .interpolation import MAX_DEGREE, METHODS
from .io import FORMATS, check_format, format_of

#: most instants one request may ask for
MAX_INSTANTS = 10_000_000


def check_frame(field: str, frame: str | None) -> str | None:
    """A frame states can be converted to (``EME2000``, ``J2000``, ``GCRF``, ``ICRF``, ``TEME``, ``ITRF...``)."""
    if frame is None:
        return None
    if canonical_frame(frame) not in CONVERTIBLE:
        raise InvalidRequestError(field, f"cannot convert states to {frame!r}; choose from EME2000 (J2000), "
                                         "GCRF (ICRF), TEME or ITRF", frame)
    return str(frame).strip()


@dataclass(frozen=True)
class InterpolationRequest:
    """Instants (UTC), optional method/degree overrides and output frame for :func:`interpolate`."""

    times: np.ndarray
    method: str | None = None
    degree: int | None = None
    frame: str | None = None

    @classmethod
    def resolve(cls, *, times: Any = None, start: Any = None, stop: Any = None, days: float | None = None,
                hours: float | None = None, step_s: float | None = None, method: str | None = None,
                degree: int | None = None, frame: str | None = None, objects: int = 1,
                default_start: Any = None, default_hours: float | None = None) -> "InterpolationRequest":
        """Either explicit ``times`` or a span (``start`` with ``stop``/``days``/``hours``) and ``step_s``."""
        from ..timeutil import as_datetime64, time_range

        method, degree, frame, _ = cls.check_options(method=method, degree=degree, frame=frame)
        if times is not None:
            if any(v is not None for v in (start, stop, days, hours, step_s)):
                raise InvalidRequestError("times", "give instants or a span with a step, not both")
            try:
                t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
            except (ValueError, TypeError) as exc:
                raise InvalidRequestError("times", f"not UTC instants: {exc}") from None
        else:
            span = TimeSpan.resolve(start, stop, days=days, hours=hours, default_start=default_start,
                                    default_hours=default_hours)
            if step_s is None:
                raise InvalidRequestError("step_s", "a step is required with a span")
            step = check_range("step_s", step_s, 1e-6, 366 * 86400.0, unit="s")  # beyond: a typo
            n = int(span.seconds // step) + 1
            if n > MAX_INSTANTS:
                raise InvalidRequestError("step_s", f"{n:,} instants is more than the {MAX_INSTANTS:,} limit; "
                                                    "use a longer step or a shorter span", step_s)
            t = time_range(span.start, span.stop, step)
        if t.ndim != 1 or t.size == 0:
            raise InvalidRequestError("times", "give at least one instant")
        check_memory("step_s", 2 * 3 * 8 * float(objects) * t.size + float(objects) * t.size,
                     f"{objects} object(s) x {t.size:,} instants", step_s)
        return cls(times=t, method=method, degree=degree, frame=frame)

    @staticmethod
    def check_options(*, method=None, degree=None, frame=None, step_s=None):
        """The scalar options alone, checked before any file is read: ``(method, degree, frame, step_s)``."""
        if method is not None:
            method = check_choice("method", method, METHODS)
        if degree is not None:
            degree = check_int("degree", degree, 1, MAX_DEGREE)
        if step_s is not None:
            step_s = check_positive("step_s", step_s)
        return method, degree, check_frame("frame", frame), step_s

    def run(self, oems):
        """The :class:`~orbitwatch.odm.interpolation.OEMStates` of ``oems`` for this request."""
        from .interpolation import interpolate

        return interpolate(oems, self.times, frame=self.frame, method=self.method, degree=self.degree)


@dataclass(frozen=True)
class ConvertRequest:
    """Output form (``kvn``/``xml``), optional frame change, and the XML namespace choice."""

    format: str
    frame: str | None = None
    qualified: bool = True

    @classmethod
    def resolve(cls, *, format: str | None = None, output: Any = None, source_format: str = "KVN",
                frame: str | None = None, qualified: bool = True) -> "ConvertRequest":
        """``format`` as given, else from the output's extension, else the other form than the source's."""
        if format is not None:
            fmt = check_format(format)
        else:
            fmt = (format_of(output) if output not in (None, "-") else None) or (
                "kvn" if str(source_format).upper() == "XML" else "xml")
        assert fmt in FORMATS
        return cls(format=fmt, frame=check_frame("frame", frame), qualified=bool(qualified))
