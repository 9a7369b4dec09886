"""One disaster-response request, validated before any work: what ``orbitwatch respond`` asks.

Every front end (the typer CLI, the service, a notebook) builds a :class:`ResponseRequest`
with :meth:`ResponseRequest.resolve` from plain values, gets the same defaults and the same
checks, then runs it with :func:`run_response`. Mistakes in the request are
:class:`~orbitwatch.errors.InvalidRequestError` naming the field (``coverage``, ``agencies``,
``radius_km``, ``hours``...); a bad area file is a :class:`~orbitwatch.errors.DataError`
(:class:`~orbitwatch.errors.InputFileError` for binary content, ``ActivationError``
naming the polygon, ring and position of a bad coordinate).

Defaults: the hazard, start, horizon and name come from the GeoJSON's properties when the
caller does not give them; without a start anywhere the start is *now* (UTC), without a
horizon 48 h.

The radius: ``radius_km`` turns a Point area into a circle of that radius; given with a
polygon area it is an error (it is not applied as a buffer: draw the buffered polygon).

>>> req = ResponseRequest.resolve(None, start="2026-06-10T12:00Z", hours=6, agencies=["esa", "JAXA"],
...                               types=["sar"], coverage=0.9)
>>> req.agencies, req.types, req.hours, str(req.stop)
(('ESA', 'JAXA'), ('SAR',), 6.0, '2026-06-10T18:00:00.000000000')
>>> ResponseRequest.resolve(None, coverage=-1)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: coverage: must be in (0, 1], got -1
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import InvalidRequestError, NotFoundError
from ..progress import Progress, ProgressCallback, as_progress
from ..requests import TimeSpan, check_choice, check_positive, check_range, parse_time
from .activation import (HAZARDS, MAX_AREA_RADIUS_KM, MAX_HOURS, Activation, _collect_geometries, geojson_properties,
                         make_activation, normalize_hazard, read_geojson, sample_activation_path)
from .errors import ActivationError
from .fleet import SENSOR_TYPES, Fleet, load_fleet

#: the planners: ``greedy`` (fast, default) and ``optimal`` (integer programming, small problems)
PLANNERS = ("greedy", "optimal")
#: horizon when neither the caller nor the GeoJSON gives one, hours
DEFAULT_HOURS = 48.0


def _split(values: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """``["ESA,JAXA", "CNES"]`` -> ``("ESA", "JAXA", "CNES")``; None stays None."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = tuple(y.strip() for x in values for y in str(x).split(",") if y.strip())
    return out


def _now_utc() -> np.datetime64:
    return np.datetime64(_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), "ns")


@dataclass(frozen=True)
class ResponseRequest:
    """A validated disaster-response request (build it with :meth:`resolve`).

    ``geojson`` is the area as read (a GeoJSON mapping), ``source`` where it came from;
    ``start``/``hours`` the resolved horizon (UTC); ``agencies`` and ``types`` in the
    fleet's own spelling; ``elements`` an element-set file (None: the shipped sets).
    """

    geojson: dict
    source: str
    hazard: str
    start: np.datetime64
    hours: float
    name: str
    radius_km: float | None = None
    coverage: float = 0.99
    agencies: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    max_resolution_m: float | None = None
    elements: Any = None
    planner: str = "greedy"
    min_sun_elevation_deg: float = 10.0
    prefer_fine_h: float = 0.0
    satellites: str | None = None
    sensors: str | None = None
    backend: str | None = None
    #: apply the hazard's profile (resolution limits per sensor type) when no max_resolution_m is given
    profile: bool = True
    #: what applying the profile did (copied into the plan's notes)
    profile_notes: tuple = field(default=(), compare=False, repr=False)
    #: records of the element file that could not be read (each names its file, line and field)
    element_rejects: tuple = field(default=(), compare=False, repr=False)
    _activation: Activation | None = field(default=None, compare=False, repr=False)
    _fleet: Fleet | None = field(default=None, compare=False, repr=False)
    _element_sets: Any = field(default=None, compare=False, repr=False)

    @property
    def stop(self) -> np.datetime64:
        return self.start + np.timedelta64(int(round(self.hours * 3600e9)), "ns")

    # ------------------------------------------------------------------ building
    @classmethod
    def resolve(cls, area: str | Path | dict | None = None, *, hazard: str | None = None, start: Any = None,
                stop: Any = None, hours: float | None = None, days: float | None = None, coverage: float = 0.99,
                agencies: Iterable[str] | str | None = None, types: Iterable[str] | str | None = None,
                max_resolution_m: float | None = None, radius_km: float | None = None, elements: Any = None,
                planner: str = "greedy", min_sun_elevation_deg: float = 10.0, prefer_fine_h: float = 0.0,
                satellites: str | Path | None = None, sensors: str | Path | None = None,
                backend: str | None = None, name: str | None = None, now: Any = None,
                profile: bool = True) -> "ResponseRequest":
        """Check every value, read the area, resolve defaults; raise before any work is done.

        ``area``: a GeoJSON file name, a GeoJSON mapping, or None for the shipped sample.
        ``start``: ISO UTC text (default: the GeoJSON's ``start``, else ``now``, else the
        current time); one of ``stop``/``hours``/``days`` (default: the GeoJSON's ``hours``,
        else 48 h; at most 336 h). ``agencies`` and ``types`` accept comma lists and match
        case-insensitively. ``profile`` (default True): keep only the sensors the hazard's
        profile asks for (:mod:`orbitwatch.response.profiles`) unless ``max_resolution_m`` is given.
        """
        # plain numbers and choices first: cheapest, and the caller's own mistakes
        coverage = check_range("coverage", coverage, 0.0, 1.0, lo_open=True)
        if max_resolution_m is not None:
            max_resolution_m = check_positive("max_resolution_m", max_resolution_m)
        if radius_km is not None:
            radius_km = check_range("radius_km", radius_km, 0.0, MAX_AREA_RADIUS_KM, lo_open=True, unit="km")
        min_sun_elevation_deg = check_range("min_sun_elevation_deg", min_sun_elevation_deg, -90.0, 90.0, unit="deg")
        prefer_fine_h = check_range("prefer_fine_h", prefer_fine_h, 0.0, 1000.0, unit="h")
        planner = check_choice("planner", str(planner).strip(), PLANNERS)
        type_list = _split(types)
        if type_list is not None:
            if not type_list:
                raise InvalidRequestError("types", f"give at least one of {', '.join(SENSOR_TYPES)}", types)
            type_list = tuple(dict.fromkeys(check_choice("types", t, SENSOR_TYPES) for t in type_list))
        agency_list = _split(agencies)
        if agency_list is not None and not agency_list:
            raise InvalidRequestError("agencies", "give at least one agency", agencies)
        if backend is not None:
            from ..propagation import available_backends

            backend = check_choice("backend", str(backend).strip(), available_backends())
        if hazard is not None:
            try:
                hazard = normalize_hazard(str(hazard))
            except ActivationError:
                raise InvalidRequestError("hazard", f"unknown hazard {hazard!r}; choose from {', '.join(HAZARDS)}",
                                          hazard) from None
        for fld, p in (("elements", elements), ("satellites", satellites), ("sensors", sensors)):
            if isinstance(p, (str, Path)) and not Path(p).is_file():
                what = "a folder, not a file" if Path(p).is_dir() else "no such file"
                raise NotFoundError(f"{p}: {what} ({fld})")

        # the area (data errors name the file, the polygon, ring and position)
        if area is None:  # the shipped sample, named by its place in the package (no machine path)
            obj, source = read_geojson(sample_activation_path()), "orbitwatch:response/sample-flood.geojson"
        elif isinstance(area, dict):
            obj, source = area, "<area>"
        else:
            obj, source = read_geojson(area), str(area)
        props = geojson_properties(obj)
        if radius_km is not None:
            geoms, _props = _collect_geometries(obj, source)
            kinds = {g.get("type") if isinstance(g, dict) else None for g in geoms}
            if kinds & {"Polygon", "MultiPolygon"}:
                raise InvalidRequestError("radius_km", "applies only to a Point area; this area is a polygon (draw "
                                                       "the buffered polygon itself, or give the area as a Point)",
                                          radius_km)
        if hazard is None:
            if props.get("hazard") is None:
                raise InvalidRequestError("hazard", f"no hazard given, and {source} has no 'hazard' property; "
                                                    f"choose from {', '.join(HAZARDS)}")
            hazard = normalize_hazard(props["hazard"], source)

        # the horizon: the caller's values, else the file's, else now and 48 h
        file_start = file_hours = None
        if start is None and props.get("start") is not None:
            try:
                file_start = parse_time("start", props["start"])
            except InvalidRequestError as exc:
                raise ActivationError(source, "start", exc.reason) from None
        if stop is None and hours is None and days is None and props.get("hours") is not None:
            try:
                file_hours = check_range("hours", props["hours"], 0.0, MAX_HOURS, lo_open=True, unit="h")
            except InvalidRequestError as exc:
                raise ActivationError(source, "hours", exc.reason) from None
        default_start = file_start if file_start is not None else (now if now is not None else _now_utc())
        span = TimeSpan.resolve(start, stop, days=days, hours=hours, default_start=default_start,
                                default_hours=file_hours if file_hours is not None else DEFAULT_HOURS,
                                max_days=MAX_HOURS / 24.0)
        span_hours = span.seconds / 3600.0

        act = make_activation(obj, hazard=hazard, start=span.start, hours=span_hours, radius_km=radius_km,
                              name=name, source=source)

        fleet = load_fleet(satellites, sensors)
        if agency_list is not None:
            agency_list = tuple(fleet.canonical_agencies(agency_list))
        selected = cls._select(fleet, agency_list, type_list, max_resolution_m)
        notes: tuple = ()
        if profile and max_resolution_m is None:
            selected, notes = apply_profile(selected, act.hazard)
        element_sets, rejects = cls._read_elements(elements, selected)
        return cls(geojson=obj, source=source, hazard=act.hazard, start=act.start, hours=act.hours, name=act.name,
                   radius_km=radius_km, coverage=coverage, agencies=agency_list, types=type_list,
                   max_resolution_m=max_resolution_m,
                   elements=str(elements) if isinstance(elements, Path) else elements,
                   planner=planner, min_sun_elevation_deg=min_sun_elevation_deg, prefer_fine_h=prefer_fine_h,
                   satellites=None if satellites is None else str(satellites),
                   sensors=None if sensors is None else str(sensors), backend=backend,
                   profile=bool(profile), profile_notes=notes, element_rejects=tuple(rejects), _activation=act,
                   _fleet=selected, _element_sets=element_sets)

    @staticmethod
    def _read_elements(elements, fleet: Fleet):
        """The caller's element sets (None: the shipped ones), checked to hold some of the fleet."""
        from ..elements import ElementSets, read_elements
        from .fleet import fleet_elements

        if elements is None:
            return None, []
        if isinstance(elements, ElementSets):
            es, rejects, source = elements, [], "elements"
        else:
            es, rejects = read_elements(elements)
            source = str(elements)
            if len(es) == 0:
                if rejects:
                    raise rejects[0]
                raise InvalidRequestError("elements", f"{source} holds no element set", source)
        _es, missing = fleet_elements(fleet, es)
        if len(missing) == len(fleet.satellites):
            raise InvalidRequestError("elements", f"{source} holds no element set of the {len(fleet)} satellites "
                                                  f"searched (NORAD numbers such as "
                                                  f"{', '.join(str(s.norad_id) for s in fleet.satellites[:4])})",
                                      source)
        return es, list(rejects)

    @staticmethod
    def _select(fleet: Fleet, agencies, types, max_resolution_m) -> Fleet:
        """The sub-fleet asked for; a filter that leaves no satellite is an error naming it."""
        out = fleet
        if agencies is not None:
            out = out.select(agencies=agencies)
        if types is not None:
            out2 = out.select(types=types)
            if not len(out2):
                raise InvalidRequestError("types", f"the selected agencies have no {'/'.join(types)} sensor", types)
            out = out2
        if max_resolution_m is not None:
            out2 = out.select(max_resolution_m=max_resolution_m)
            if not len(out2):
                finest = min(s.resolution_m for s in out.sensors)
                raise InvalidRequestError("max_resolution_m", f"no sensor of the selected fleet is this fine; the "
                                                              f"finest is {finest:g} m", max_resolution_m)
            out = out2
        return out

    # ------------------------------------------------------------------ parts
    def activation(self) -> Activation:
        """The activation (area ready for geometry, hazard, start, horizon)."""
        if self._activation is not None:
            return self._activation
        return make_activation(self.geojson, hazard=self.hazard, start=self.start, hours=self.hours,
                               radius_km=self.radius_km, name=self.name, source=self.source)

    def fleet(self) -> Fleet:
        """The fleet to search: the shipped one with the user's files, filtered as asked."""
        if self._fleet is not None:
            return self._fleet
        f = self._select(load_fleet(self.satellites, self.sensors), self.agencies, self.types, self.max_resolution_m)
        if self.profile and self.max_resolution_m is None:
            f = apply_profile(f, self.hazard)[0]
        return f

    def preferences(self):
        from .plan import Preferences

        from .profiles import profile_for

        penalty = profile_for(self.hazard).penalty_h if self.profile else None
        return Preferences(coverage_target=self.coverage, resolution_weight_h=self.prefer_fine_h, penalty_h=penalty)

    def to_dict(self) -> dict:
        """The request as resolved (JSON-ready; times ISO UTC with Z)."""
        from ..timeutil import format_iso

        return {"source": self.source, "name": self.name, "hazard": self.hazard,
                "start_utc": format_iso(self.start, 0) + "Z", "stop_utc": format_iso(self.stop, 0) + "Z",
                "hours": self.hours, "radius_km": self.radius_km, "coverage_fraction": self.coverage,
                "agencies": None if self.agencies is None else list(self.agencies),
                "types": None if self.types is None else list(self.types), "max_resolution_m": self.max_resolution_m,
                "elements": None if self.elements is None else str(self.elements), "planner": self.planner,
                "min_sun_elevation_deg": self.min_sun_elevation_deg, "prefer_fine_h": self.prefer_fine_h,
                "profile": self.profile}


def run_response(request: ResponseRequest, progress: Progress | ProgressCallback | None = None):
    """Windows and the acquisition plan for a request (a :class:`~orbitwatch.response.plan.Plan`).

    ``progress`` gets ``update(done, 3, stage)`` per stage and may cancel between them.
    """
    from .access import AccessConfig, compute_access
    from .plan import plan_acquisitions, plan_optimal

    prog = as_progress(progress)
    act = request.activation()
    fleet = request.fleet()
    prog.check()
    prog.update(0, 3, f"finding windows for {len(fleet)} satellites")
    elements = request._element_sets if request._element_sets is not None else request.elements
    acc = compute_access(act, fleet, elements, backend=request.backend,
                         config=AccessConfig(min_sun_elevation_deg=request.min_sun_elevation_deg))
    prog.check()
    prog.update(1, 3, "planning")
    pref = request.preferences()
    plan = plan_optimal(acc, pref) if request.planner == "optimal" else plan_acquisitions(acc, pref)
    plan.notes.extend(request.profile_notes)
    prog.update(2, 3, "planned")
    return plan


def apply_profile(fleet: Fleet, hazard: str) -> tuple[Fleet, tuple[str, ...]]:
    """The sensors of ``fleet`` the hazard's profile asks for, and a note saying what was done.

    When none qualifies, the whole fleet is kept (a coarse image is better than none) and the
    note says so.
    """
    from .profiles import profile_for

    prof = profile_for(hazard)
    sens = tuple(s for s in fleet.sensors if prof.allows(s.type, s.resolution_m))
    limits = ", ".join(f"{t} <= {v:g} m" for t, v in sorted(prof.max_resolution_m.items()) if v < 1e8)
    if not limits:
        return fleet, ()
    platforms = {s.platform for s in sens}
    sats = tuple(s for s in fleet.satellites if s.platform in platforms)
    if not sats:
        return fleet, (f"no sensor of the selected fleet meets the {hazard} profile ({limits}); planned with "
                       "every sensor instead",)
    return Fleet(sats, sens), (f"{hazard} profile applied: {limits} ({prof.products}); override with "
                               "max_resolution_m or profile=False",)
