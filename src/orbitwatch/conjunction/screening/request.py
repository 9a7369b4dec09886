"""A screening request, validated before any work: what the CLI and the service both build.

Every option of ``orbitwatch screen`` (and of the service's screening job) becomes one
:class:`ScreeningRequest` through :meth:`ScreeningRequest.resolve`, which applies the defaults
and refuses bad values with :class:`~orbitwatch.errors.InvalidRequestError` naming the field:
a span given twice (``hours`` and ``days``), an infinite or non-positive length, a negative
threshold, an unknown sort key, a sort by Pc without Pc. What needs the catalog (the default
start, element-set ages, the memory a screening would need) is checked by
:meth:`ScreeningRequest.span_for`, :meth:`ScreeningRequest.check_elements` and
:func:`check_screening_memory` once the catalog is loaded, still before any propagation.

>>> req = ScreeningRequest.resolve(start="2023-10-09T12:00Z", hours=6, threshold_km=5)
>>> req.volume.describe(), req.sort
('sphere of radius 5 km', 'miss')
>>> ScreeningRequest.resolve(hours=1, days=1)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: hours: give only one of stop, days and hours (got days and hours)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from ...elements.sets import ElementSets
from ...errors import DataError, InvalidRequestError
from ...propagation.age import DEFAULT_MAX_AGE_DAYS, MAX_EPOCH_DISTANCE_DAYS, ElementAgeReport, element_age_report
from ...requests import (TimeSpan, check_choice, check_int, check_memory, check_positive, check_range, parse_time)
from .volumes import EllipsoidRTN, Sphere, parse_volume

#: table/report orders: miss distance, 2D collision probability, its maximum, time
SORT_KEYS = ("miss", "pc", "pc-max", "tca")
#: the event column each order sorts on, and whether descending
SORT_COLUMNS = {"miss": ("miss_km", False), "pc": ("pc", True), "pc-max": ("pc_max", True), "tca": ("tca", False)}
#: the largest screening threshold accepted (km)
MAX_THRESHOLD_KM = 1e7
DEFAULT_THRESHOLD_KM = 5.0
DEFAULT_HOURS = 24.0
#: seconds to wait for a Dask scheduler before giving up
DEFAULT_DASK_TIMEOUT_S = 5.0
#: what the objects of operators' ephemerides are in a screening: the fleet, or ordinary members
OEM_ROLES = ("primary", "member")

#: close approaches per pair of objects, per day and per km^2 of threshold: measured on the full catalog
#: of 2023-10-09 (24,991 events under 5 km in one day among 26,140 objects: 2.9e-6), with margin
EVENTS_PER_PAIR_DAY_KM2 = 5e-6
#: at most about two minima of the distance per orbit: every pair, about 32 a day in LEO
MAX_EVENTS_PER_PAIR_DAY = 32.0
#: bytes held per event (candidate, refinement stencils and the event table's row)
BYTES_PER_EVENT = 2000.0
#: bytes per broad-phase grid entry (key, object, sorted copies and the box)
BYTES_PER_GRID_ENTRY = 56.0
#: bytes per interpolation node of a window (positions and velocities 48 B, status and jump 9 B, and SGP4's
#: output for the class being sampled, up to 48 B)
BYTES_PER_NODE = 96.0
#: fastest orbital speed considered for the length of an arc in one segment, km/s
_ARC_SPEED_KM_S = 7.9


def estimate_memory_bytes(n_objects: int, n_primaries: int, radius_km: float, span_s: float, options=None, *,
                          workers: int = 1) -> dict[str, float]:
    """Rough size (bytes) of a screening's main arrays: the events it will find, the broad-phase
    grid of one window per worker, and the interpolation nodes of one window per worker.

    Order-of-magnitude figures for refusing requests that cannot fit (a 1,000,000 km threshold),
    not a prediction: the events scale with the pairs, the span and the threshold squared (the
    cross-section of an encounter), up to two minima per orbit for every pair; each grid entry is
    one object's box in one (radius bin, cell) of the broad phase, whose count grows with the
    cube of the threshold over the cell size."""
    from .core import ScreeningOptions

    opt = options or ScreeningOptions()
    n = max(int(n_objects), 0)
    n_p = max(min(int(n_primaries), n), 0)
    pairs = n_p * (n - 1) - n_p * (n_p - 1) / 2.0 if n_p < n else n * (n - 1) / 2.0
    days = span_s / 86400.0
    per_pair_day = min(EVENTS_PER_PAIR_DAY_KM2 * radius_km ** 2, MAX_EVENTS_PER_PAIR_DAY)
    events = pairs * days * per_pair_day
    pad = radius_km  # the box of each object is padded by d/2 on both sides
    arc = _ARC_SPEED_KM_S * opt.segment_s
    per_object = (1.0 + (pad + arc) / opt.cell_km) ** 3 * (1.0 + pad / opt.rbin_km)
    grid = n * per_object * BYTES_PER_GRID_ENTRY * max(1, workers)
    nodes = n * (opt.window_s / opt.segment_s + 1.0) * BYTES_PER_NODE * max(1, workers)
    out = {"events": events * BYTES_PER_EVENT, "grid": grid, "nodes": nodes, "expected_events": events}
    out["total"] = out["events"] + out["grid"] + out["nodes"]
    return out


#: bytes one window task holds per interpolation node: positions, velocities, status and jump (57 B;
#: 105 B with the node-major copy the kernel no longer makes), and SGP4's output for the step class
#: being sampled; deliberately above the measurements (docs/screening.md)
TASK_BYTES_PER_NODE = 170.0
#: bytes one window task holds per object whatever the window: per-object views, boxes and control
#: points of one segment, its grid entries and their sorted copies (measured)
TASK_BYTES_PER_OBJECT = 600.0
#: a task's candidates and their refinement (stencils, states), per expected event
TASK_BYTES_PER_EVENT = 4000.0


def estimate_task_bytes(step_classes, radius_km: float, window_s: float, options=None) -> dict[str, float]:
    """Memory (bytes) one window task of ``window_s`` needs: its node tables, the broad phase of one
    segment, and its candidates. ``step_classes`` is ``(k, count)``: the objects per node step
    ``segment_s * 2**k`` (``numpy.unique(sampling.k, return_counts=True)``). What the worker holds
    besides (the catalog and SGP4's prepared state, shared by its tasks) is not counted here."""
    from .core import ScreeningOptions

    opt = options or ScreeningOptions()
    ks, counts = (np.asarray(x) for x in step_classes)
    n = float(np.sum(counts))
    nodes = float(np.sum(counts * (np.round(window_s / (opt.segment_s * 2.0 ** ks.astype(float))) + 1.0)))
    pad = radius_km
    arc = _ARC_SPEED_KM_S * opt.segment_s
    entries = (1.0 + (pad + arc) / opt.cell_km) ** 3 * (1.0 + pad / opt.rbin_km)
    events = n * (n - 1) / 2.0 * window_s / 86400.0 * min(EVENTS_PER_PAIR_DAY_KM2 * radius_km ** 2,
                                                          MAX_EVENTS_PER_PAIR_DAY)
    out = {"nodes": nodes * TASK_BYTES_PER_NODE,
           "objects": n * (TASK_BYTES_PER_OBJECT + entries * BYTES_PER_GRID_ENTRY),
           "candidates": events * TASK_BYTES_PER_EVENT, "node_count": nodes}
    out["total"] = out["nodes"] + out["objects"] + out["candidates"]
    return out


def check_screening_memory(n_objects: int, n_primaries: int, radius_km: float, span_s: float, options=None, *,
                           workers: int = 1, streaming: bool = False) -> dict[str, float]:
    """Refuse, before any work, a screening whose estimate (:func:`estimate_memory_bytes`) exceeds the
    memory limit (:func:`orbitwatch.requests.memory_limit_bytes`): a
    :class:`~orbitwatch.errors.ResourceLimitError` on ``threshold_km`` with the numbers. ``streaming``:
    the events go to a sink as the windows finish (not counted; a task's share is bounded by
    ``max_task_mb``)."""
    est = estimate_memory_bytes(n_objects, n_primaries, radius_km, span_s, options, workers=workers)
    if streaming:
        est["events"] = 0.0
    opt = options
    if opt is None:
        from .core import ScreeningOptions

        opt = ScreeningOptions()
    if opt.max_task_mb is not None:
        # windows are shortened until a task fits max_task_mb (ScreeningOptions)
        est["nodes"] = min(est["nodes"], opt.max_task_mb * 1e6 * max(1, workers))
    est["total"] = est["events"] + est["grid"] + est["nodes"]
    what = (f"a screening of {n_objects:,} objects over {span_s / 86400.0:g} day(s) within {radius_km:g} km "
            f"(about {est['expected_events']:.3g} events)")
    check_memory("threshold_km", est["total"], what, radius_km)
    return est


def parse_primaries(text: str, source: str = "<primaries>") -> list[int]:
    """Catalog numbers from text: whitespace or comma separated, ``#`` comments.

    >>> parse_primaries("# our fleet\\n25544, 48274  # ISS and CSS\\n")
    [25544, 48274]
    """
    out: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for token in line.split("#", 1)[0].replace(",", " ").split():
            if not token.isdigit() or int(token) <= 0:
                raise DataError(source, lineno, "primaries", f"not a catalog number: {token!r}")
            out.append(int(token))
    return out


@dataclass(frozen=True)
class ScreeningRequest:
    """What to screen and how to present it, validated (build it with :meth:`resolve`).

    ``start`` is None when the catalog decides it (the median element-set epoch, rounded down to
    the hour: :meth:`span_for`); ``stop`` None means ``hours`` after the start.
    """

    start: np.datetime64 | None
    stop: np.datetime64 | None
    hours: float | None
    volume: Sphere | EllipsoidRTN
    primaries: tuple[int, ...] | None = None
    sort: str = "miss"
    top: int = 20
    pc: bool = False
    hbr_m: float | None = None
    include_slow: bool = False
    max_age_days: float = DEFAULT_MAX_AGE_DAYS
    force: bool = False
    workers: int | None = None
    backend: str | None = None
    dask: str | None = None
    dask_timeout_s: float = DEFAULT_DASK_TIMEOUT_S
    options: Any = field(default=None, compare=False)
    #: operators' ephemerides (OEM files) screened with the catalog, and their role
    ephemerides: tuple[str, ...] = ()
    oem_role: str = "primary"

    @classmethod
    def resolve(cls, *, start: Any = None, stop: Any = None, days: float | None = None, hours: float | None = None,
                threshold_km: float | None = None, volume: str | Sphere | EllipsoidRTN | None = None,
                primaries: Iterable[int] | None = None, primaries_text: str | None = None,
                primaries_source: str = "<primaries>", sort: str = "miss", top: int = 20, pc: bool = False,
                hbr_m: float | None = None, include_slow: bool = False,
                max_age_days: float = DEFAULT_MAX_AGE_DAYS, force: bool = False, workers: int | None = None,
                backend: str | None = None, dask: str | None = None,
                dask_timeout_s: float = DEFAULT_DASK_TIMEOUT_S, options=None, ephemerides: Iterable[str] = (),
                oem_role: str = "primary") -> "ScreeningRequest":
        """A request from plain values (what typer or a JSON body gives), with defaults and checks."""
        # --- span: one of stop/days/hours, finite and positive, not longer than the limit
        if start is not None:
            span = TimeSpan.resolve(start, stop, days=days, hours=hours, default_hours=DEFAULT_HOURS)
            t0, t1, length_h = span.start, span.stop, None
        else:
            given = [n for n, v in (("stop", stop), ("days", days), ("hours", hours)) if v is not None]
            if len(given) > 1:
                raise InvalidRequestError(given[1], f"give only one of stop, days and hours (got "
                                                    f"{' and '.join(given)})")
            t0 = None
            if stop is not None:
                t1, length_h = parse_time("stop", stop), None
            else:
                # the length alone, checked as TimeSpan does it (any start will do)
                probe = TimeSpan.resolve("2000-01-01", None, days=days, hours=hours, default_hours=DEFAULT_HOURS)
                t1, length_h = None, probe.seconds / 3600.0
        # --- volume: a threshold or an RTN ellipsoid, not both
        if volume is not None and threshold_km is not None:
            raise InvalidRequestError("volume", "give either a threshold or a volume, not both", volume)
        if volume is None:
            # beyond 1e7 km a threshold is a typo (and the memory estimate would overflow)
            vol = Sphere(check_range("threshold_km", DEFAULT_THRESHOLD_KM if threshold_km is None
                                     else threshold_km, 0.0, MAX_THRESHOLD_KM, lo_open=True, unit="km"))
        elif isinstance(volume, (Sphere, EllipsoidRTN)):
            vol = volume
        else:
            vol = parse_volume(str(volume))
        # --- fleet
        fleet: list[int] = []
        for p in primaries or ():
            fleet.append(check_int("primaries", p, lo=1))
        if primaries_text is not None:
            fleet += parse_primaries(primaries_text, primaries_source)
            if not fleet:
                raise DataError(primaries_source, None, "primaries", "no catalog numbers in the file")
        prim = tuple(dict.fromkeys(fleet)) or None
        # --- presentation and execution
        sort = check_choice("sort", sort, SORT_KEYS)
        if sort in ("pc", "pc-max") and not pc:
            raise InvalidRequestError("sort", f"sorting by {sort} needs collision probabilities (pc)", sort)
        top = check_int("top", top, lo=0)
        if hbr_m is not None:
            hbr_m = check_positive("hbr_m", hbr_m)
        max_age = check_positive("max_age_days", max_age_days)
        if workers is not None:
            workers = check_int("workers", workers, lo=1, hi=4096)
        timeout = check_positive("dask_timeout_s", dask_timeout_s)
        if dask is not None and "://" not in str(dask) and not (str(dask) == "local" or str(dask).startswith("local:")):
            raise InvalidRequestError("dask", f"expected a scheduler address like tcp://host:8786, or local:N for a "
                                              f"local cluster of N workers, got {dask!r}", dask)
        if backend is not None:
            from ...propagation import available_backends

            backend = check_choice("backend", backend, available_backends())
        oem_role = check_choice("oem_role", oem_role, OEM_ROLES)
        eph = tuple(str(x) for x in (ephemerides or ()))
        return cls(start=t0, stop=t1, hours=length_h, volume=vol, primaries=prim, sort=sort, top=top, pc=bool(pc),
                   hbr_m=hbr_m, include_slow=bool(include_slow), max_age_days=max_age, force=bool(force),
                   workers=workers, backend=backend, dask=dask, dask_timeout_s=timeout, options=options,
                   ephemerides=eph, oem_role=oem_role)

    # ------------------------------------------------------------------ needs the catalog
    @staticmethod
    def default_start(elements: ElementSets) -> np.datetime64:
        """The median element-set epoch rounded down to the hour (now, for an empty catalog)."""
        ep = np.sort(elements.epoch.astype("datetime64[ns]").astype(np.int64))
        med = ep[len(ep) // 2] if len(ep) else np.datetime64("now", "ns").astype(np.int64)
        return np.datetime64(int(med), "ns").astype("datetime64[h]").astype("datetime64[ns]")

    def span_for(self, elements: ElementSets) -> TimeSpan:
        """The span, with the catalog's default start when none was given."""
        start = self.start if self.start is not None else self.default_start(elements)
        if self.stop is not None:
            return TimeSpan.resolve(start, self.stop)
        return TimeSpan.resolve(start, None, hours=self.hours)

    def check_elements(self, elements: ElementSets, span: TimeSpan) -> ElementAgeReport:
        """Element-set ages at the start: the report (with its warnings beyond ``max_age_days``);
        an :class:`InvalidRequestError` on ``start`` when an epoch is more than a year away,
        unless ``force``."""
        report = element_age_report(elements, span.start, max_age_days=self.max_age_days)
        report.check_far(MAX_EPOCH_DISTANCE_DAYS, force=self.force, field="start")
        return report

    def check_resources(self, n_objects: int, span: TimeSpan, workers: int = 1,
                        n_primaries: int | None = None) -> dict[str, float]:
        """Refuse a screening that would not fit in memory (see :func:`check_screening_memory`)."""
        n_p = n_primaries if n_primaries is not None else (len(self.primaries) if self.primaries else n_objects)
        return check_screening_memory(n_objects, n_p, self.volume.bounding_radius_km, span.seconds, self.options,
                                      workers=workers)

    @property
    def sort_column(self) -> tuple[str, bool]:
        """(event column, descending) of the requested order."""
        return SORT_COLUMNS[self.sort]

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready values (times ISO with Z)."""
        from ...timeutil import format_iso

        return {
            "start": None if self.start is None else format_iso(self.start, 3) + "Z",
            "stop": None if self.stop is None else format_iso(self.stop, 3) + "Z",
            "hours": self.hours, "volume": self.volume.describe(),
            "primaries": list(self.primaries) if self.primaries else None, "sort": self.sort, "top": self.top,
            "pc": self.pc, "hbr_m": self.hbr_m, "include_slow": self.include_slow,
            "max_age_days": self.max_age_days, "force": self.force, "ephemerides": list(self.ephemerides),
            "oem_role": self.oem_role,
        }


__all__ = ["ScreeningRequest", "SORT_KEYS", "estimate_memory_bytes", "estimate_task_bytes", "check_screening_memory",
           "parse_primaries",
           "DEFAULT_THRESHOLD_KM", "DEFAULT_DASK_TIMEOUT_S"]
