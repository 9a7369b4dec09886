"""Alerts on event tracks: a track whose update crosses a fleet's criteria raises one alert per level.

An *event track* (:mod:`orbitwatch.conjunction.tracks`, stored by :mod:`orbitwatch.store.events`)
gets an update each time a screening run or a CDM sees its encounter again. Operators act on
thresholds: the 18th Space Defense Squadron sends an *emergency* notification when an encounter
meets its emergency-reportable criteria, and NASA CARA grades events by collision probability
(Pc). :func:`evaluate` applies such criteria to track updates, in time order, and returns an
:class:`Alert` the **first** time a track meets a level - with the reason, the figures that
crossed and the update that did it. It is a pure function over records (no store, no clock):
the already-raised ``(track_id, level)`` keys are passed in, so the service, the CLI and a
replay of history get the same answer.

Levels and defaults (:data:`DEFAULT_CRITERIA`; every figure is a field of a frozen dataclass,
so a fleet can have its own):

* ``emergency`` - the 18 SDS emergency-reportable criteria for conjunction notification, after
  the *Spaceflight Safety Handbook for Satellite Operators* (18th Space Control Squadron,
  version 1.5, August 2020; its later editions are published by the 18th/19th Space Defense
  Squadron): near-Earth objects (orbital period of 225 minutes or less): TCA within 3 days and
  miss distance under 1 km with a radial miss under 200 m, or Pc at least 1e-4; deep space
  (period over 225 minutes): TCA within 10 days and miss under 5 km, or Pc at least 1e-4.
  **Not verified**: the handbook's own table could not be consulted where this was written;
  the 225-minute near-Earth/deep-space boundary is the standard SSN one, the other figures
  (3 and 10 days, 1 km and 200 m, 5 km, 1e-4) are the commonly quoted values and must be
  checked against the edition in force before operational use (``docs/screening.md``).
* ``cara-red`` - Pc at least 1e-4: NASA CARA's threshold for planning a mitigation action
  (*NASA Spacecraft Conjunction Assessment and Collision Avoidance Best Practices Handbook*,
  NASA/SP-20205011318, December 2020). **Not verified** against the text here (see above).
* ``cara-yellow`` - Pc at least 1e-7: the level from which CARA follows an event more closely
  (same source). **Not verified** against the text here.

A criterion needs its inputs: an update without Pc never meets a Pc test, one without a radial
component never meets a radial test (NaN/None are "unknown", never "zero").

>>> import numpy as np
>>> u = [{"track_id": 7, "norad_1": 25544, "norad_2": 48274, "computed_at": "2023-10-09T12:00",
...       "tca": "2023-10-10T03:00", "miss_km": 0.8, "radial_km": 0.15, "pc": 2e-5},
...      {"track_id": 7, "norad_1": 25544, "norad_2": 48274, "computed_at": "2023-10-09T20:00",
...       "tca": "2023-10-10T03:00", "miss_km": 0.5, "radial_km": 0.1, "pc": 3e-4}]
>>> [(a.level, a.reason) for a in evaluate(u)]  # doctest: +NORMALIZE_WHITESPACE
[('emergency', 'near-Earth: TCA in 0.62 d (<= 3 d), miss 0.800 km (< 1 km) and radial 0.150 km (< 0.2 km)'),
 ('cara-yellow', 'Pc 2e-05 >= 1e-07'), ('cara-red', 'Pc 0.0003 >= 0.0001')]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import InvalidRequestError
from ..requests import check_positive

#: orbital period (minutes) separating near-Earth from deep-space objects (SSN convention)
NEAR_EARTH_MAX_PERIOD_MIN = 225.0


@dataclass(frozen=True)
class RegimeCriteria:
    """When an update meets a level in one orbital regime.

    It does when its TCA is at most ``within_days`` after the update was computed (None: any
    time) **and** either (a) its miss distance is under ``max_miss_km`` and, when
    ``max_radial_km`` is set, its radial miss under that too, or (b) its Pc is at least
    ``min_pc``. A None threshold switches its test off; a level with neither (a) nor (b) is
    never met.
    """

    within_days: float | None = None
    max_miss_km: float | None = None
    max_radial_km: float | None = None
    min_pc: float | None = None

    def __post_init__(self):
        for name in ("within_days", "max_miss_km", "max_radial_km", "min_pc"):
            v = getattr(self, name)
            if v is not None:
                check_positive(name, v)
        if self.min_pc is not None and self.min_pc > 1.0:
            raise InvalidRequestError("min_pc", "a probability is at most 1", self.min_pc)

    def to_dict(self) -> dict:
        return {"within_days": self.within_days, "max_miss_km": self.max_miss_km,
                "max_radial_km": self.max_radial_km, "min_pc": self.min_pc}


@dataclass(frozen=True)
class Level:
    """A named alert level with its criteria for near-Earth and deep-space encounters, and where
    its figures come from (``source``; ``verified`` False when they could not be checked)."""

    name: str
    near_earth: RegimeCriteria
    deep_space: RegimeCriteria
    source: str = ""
    verified: bool = False

    def to_dict(self) -> dict:
        return {"name": self.name, "near_earth": self.near_earth.to_dict(), "deep_space": self.deep_space.to_dict(),
                "source": self.source, "verified": self.verified}


SDS_HANDBOOK = ("18 SPCS, Spaceflight Safety Handbook for Satellite Operators, version 1.5 (August 2020), "
                "emergency-reportable criteria (figures not verified against the handbook here)")
CARA_HANDBOOK = ("NASA Spacecraft Conjunction Assessment and Collision Avoidance Best Practices Handbook, "
                 "NASA/SP-20205011318 (December 2020) (figures not verified against the handbook here)")


@dataclass(frozen=True)
class AlertCriteria:
    """The levels of one fleet, checked in order (every level met raises its own alert).

    >>> AlertCriteria.default().names()
    ('emergency', 'cara-yellow', 'cara-red')
    >>> strict = AlertCriteria.default().with_level("cara-red", min_pc=1e-5)
    >>> strict.level("cara-red").near_earth.min_pc
    1e-05
    """

    levels: tuple[Level, ...]

    def __post_init__(self):
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            raise InvalidRequestError("levels", f"level names repeat: {names}")

    @classmethod
    def default(cls) -> "AlertCriteria":
        return DEFAULT_CRITERIA

    def names(self) -> tuple[str, ...]:
        return tuple(lv.name for lv in self.levels)

    def level(self, name: str) -> Level:
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise InvalidRequestError("level", f"no level {name!r}; the levels are {', '.join(self.names())}", name)

    def with_level(self, name: str, **figures) -> "AlertCriteria":
        """The same criteria with some figures of one level changed in both regimes (``within_days``,
        ``max_miss_km``, ``max_radial_km``, ``min_pc``; None switches a test off)."""
        lv = self.level(name)
        bad = set(figures) - {"within_days", "max_miss_km", "max_radial_km", "min_pc"}
        if bad:
            raise InvalidRequestError(sorted(bad)[0], "not a criterion figure", None)
        new = replace(lv, near_earth=replace(lv.near_earth, **figures), deep_space=replace(lv.deep_space, **figures),
                      source=lv.source + " (changed)" if lv.source else "configured", verified=False)
        return AlertCriteria(tuple(new if x.name == name else x for x in self.levels))

    def to_dict(self) -> dict:
        return {"levels": [lv.to_dict() for lv in self.levels]}


DEFAULT_CRITERIA = AlertCriteria((
    Level("emergency", near_earth=RegimeCriteria(within_days=3.0, max_miss_km=1.0, max_radial_km=0.2, min_pc=1e-4),
          deep_space=RegimeCriteria(within_days=10.0, max_miss_km=5.0, min_pc=1e-4), source=SDS_HANDBOOK),
    Level("cara-yellow", near_earth=RegimeCriteria(min_pc=1e-7), deep_space=RegimeCriteria(min_pc=1e-7),
          source=CARA_HANDBOOK),
    Level("cara-red", near_earth=RegimeCriteria(min_pc=1e-4), deep_space=RegimeCriteria(min_pc=1e-4),
          source=CARA_HANDBOOK),
))


@dataclass(frozen=True)
class Fleet:
    """A fleet (an agency's objects, by catalog number) and its criteria."""

    name: str
    norad_ids: frozenset
    criteria: AlertCriteria = DEFAULT_CRITERIA

    @classmethod
    def of(cls, name: str, norad_ids: Iterable[int], criteria: AlertCriteria | None = None) -> "Fleet":
        return cls(name, frozenset(int(x) for x in norad_ids), criteria or DEFAULT_CRITERIA)


@dataclass(frozen=True)
class Alert:
    """One alert: a track met a level, first at this update."""

    track_id: int
    level: str
    fleet: str
    reason: str
    norad_1: int
    norad_2: int
    tca: np.datetime64
    computed_at: np.datetime64
    miss_km: float
    radial_km: float | None
    pc: float | None
    run_id: int | None = None
    source: str = ""

    @property
    def key(self) -> tuple[int, str]:
        return (self.track_id, self.level)

    def to_dict(self) -> dict[str, Any]:
        from ..timeutil import format_iso

        return {"track_id": self.track_id, "level": self.level, "fleet": self.fleet, "reason": self.reason,
                "norad_1": self.norad_1, "norad_2": self.norad_2, "tca": format_iso(self.tca, 3) + "Z",
                "computed_at": format_iso(self.computed_at, 3) + "Z", "miss_km": self.miss_km,
                "radial_km": self.radial_km, "pc": self.pc, "run_id": self.run_id, "source": self.source}


def _get(u, name, default=None):
    if isinstance(u, Mapping):
        return u.get(name, default)
    return getattr(u, name, default)


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(x) else x


def _time(x) -> np.datetime64:
    from ..timeutil import as_datetime64

    return np.datetime64(as_datetime64(x), "ns")


def _fmt(x: float) -> str:
    return f"{x:g}"


def meets(crit: RegimeCriteria, regime: str, days_to_tca: float, miss_km: float | None, radial_km: float | None,
          pc: float | None) -> str | None:
    """The reason an update meets ``crit``, or None."""
    if crit.within_days is not None and not (0.0 <= days_to_tca <= crit.within_days):
        return None
    when = f"TCA in {days_to_tca:.2f} d (<= {_fmt(crit.within_days)} d), " if crit.within_days is not None else ""
    if crit.max_miss_km is not None and miss_km is not None and miss_km < crit.max_miss_km:
        if crit.max_radial_km is None:
            return f"{regime}: {when}miss {miss_km:.3f} km (< {_fmt(crit.max_miss_km)} km)"
        if radial_km is not None and abs(radial_km) < crit.max_radial_km:
            return (f"{regime}: {when}miss {miss_km:.3f} km (< {_fmt(crit.max_miss_km)} km) and radial "
                    f"{abs(radial_km):.3f} km (< {_fmt(crit.max_radial_km)} km)")
    if crit.min_pc is not None and pc is not None and pc >= crit.min_pc:
        pre = f"{regime}: {when}" if (crit.within_days is not None or crit.max_miss_km is not None) else ""
        return f"{pre}Pc {_fmt(pc)} >= {_fmt(crit.min_pc)}"
    return None


def evaluate(updates: Iterable, criteria: AlertCriteria | None = None, *, fleets: Sequence[Fleet] = (),
             raised: Iterable[tuple[int, str]] = (),
             period_min: Mapping[int, float] | Callable[[int], float | None] | None = None) -> list[Alert]:
    """Alerts raised by track ``updates``, each ``(track_id, level)`` once.

    Parameters
    ----------
    updates : iterable of mappings or objects
        Track updates with ``track_id``, ``norad_1``, ``norad_2``, ``tca``, ``computed_at``,
        ``miss_km`` and optionally ``radial_km``, ``pc``, ``run_id``, ``source`` (a
        :class:`~orbitwatch.store.events.TrackUpdate` with its ``track_id``, or its ``to_dict()``).
        They are taken in order of ``computed_at`` (stable).
    criteria : AlertCriteria, optional
        The criteria of objects in no fleet (default :data:`DEFAULT_CRITERIA`).
    fleets : sequence of Fleet
        Per-fleet criteria: an update is judged by the first fleet holding object 1, else
        object 2, else by ``criteria`` (fleet name '').
    raised : iterable of (track_id, level)
        Alerts already raised (from the store): not raised again.
    period_min : mapping or callable, optional
        Orbital period (minutes) per catalog number, which picks the regime of an encounter by
        object 1 (the fleet member; near-Earth when unknown).

    Returns
    -------
    list of Alert, in the order they were raised.
    """
    crit0 = criteria or DEFAULT_CRITERIA
    done = {(int(t), str(lv)) for t, lv in raised}
    rows = list(updates)
    order = sorted(range(len(rows)), key=lambda k: int(_time(_get(rows[k], "computed_at")).astype(np.int64)))

    def period(norad):
        if period_min is None:
            return None
        return _num(period_min(norad) if callable(period_min) else period_min.get(norad))

    out: list[Alert] = []
    for k in order:
        u = rows[k]
        tid = _get(u, "track_id")
        if tid is None:
            raise InvalidRequestError("updates", "every update needs its track_id")
        tid = int(tid)
        n1, n2 = int(_get(u, "norad_1")), int(_get(u, "norad_2"))
        fleet = next((f for f in fleets if n1 in f.norad_ids), None) or \
            next((f for f in fleets if n2 in f.norad_ids), None)
        crit = fleet.criteria if fleet is not None else crit0
        p = period(n1 if fleet is None or n1 in fleet.norad_ids else n2)
        deep = p is not None and p > NEAR_EARTH_MAX_PERIOD_MIN
        tca, at = _time(_get(u, "tca")), _time(_get(u, "computed_at"))
        days = float((tca - at).astype(np.int64)) / 86400e9
        miss, radial, pc = _num(_get(u, "miss_km")), _num(_get(u, "radial_km")), _num(_get(u, "pc"))
        for lv in crit.levels:
            if (tid, lv.name) in done:
                continue
            why = meets(lv.deep_space if deep else lv.near_earth, "deep space" if deep else "near-Earth", days, miss,
                        radial, pc)
            if why is None:
                continue
            done.add((tid, lv.name))
            rid = _get(u, "run_id")
            out.append(Alert(track_id=tid, level=lv.name, fleet=fleet.name if fleet is not None else "", reason=why,
                             norad_1=n1, norad_2=n2, tca=tca, computed_at=at, miss_km=miss if miss is not None
                             else float("nan"), radial_km=radial, pc=pc, run_id=int(rid) if rid is not None else None,
                             source=str(_get(u, "source", "") or "")))
    return out


def track_updates(track) -> list[dict]:
    """The updates of a stored :class:`~orbitwatch.store.events.Track` as records for :func:`evaluate`."""
    return [{**u.to_dict(), "track_id": track.track_id, "tca": u.tca, "computed_at": u.computed_at}
            for u in track.updates]


__all__ = ["Alert", "AlertCriteria", "Level", "RegimeCriteria", "Fleet", "DEFAULT_CRITERIA", "evaluate", "meets",
           "track_updates", "NEAR_EARTH_MAX_PERIOD_MIN", "SDS_HANDBOOK", "CARA_HANDBOOK"]
