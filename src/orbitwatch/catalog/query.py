"""Listing a catalog: the request (:class:`CatalogQuery`) and its result (:class:`ObjectListing`).

Front ends build the same :class:`CatalogQuery` from their options and get the
same defaults and checks before any work; :meth:`Catalog.list_objects
<orbitwatch.catalog.Catalog.list_objects>` serves it with numpy over columns,
computing orbit quantities only for the rows it returns.

>>> from importlib.resources import files
>>> from orbitwatch.elements import read_elements
>>> from orbitwatch.catalog import Catalog
>>> cat = Catalog(read_elements(files("orbitwatch") / "data/sample/catalog-2023-10-09.3le.gz").elements)
>>> listing = cat.list_objects(CatalogQuery(name="ISS (ZARYA)"))
>>> rec = listing.to_records()[0]
>>> rec["norad_id"], rec["regime"], rec["epoch"]
(25544, 'LEO', '2023-10-09T17:09:24.186Z')
>>> CatalogQuery(limit=-1)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: limit: must be in 0.., got -1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..constants import RE_WGS72_KM
from ..elements.sets import OBJECT_TYPE_CODES, OBJECT_TYPES, ElementSets
from ..errors import InvalidRequestError
from ..requests import check_int, check_range
from .names import check_name_pattern

REGIMES = ("LEO", "MEO", "GEO", "HEO")
#: object-type names a query accepts, with their codes (``OBJECT_TYPES``)
OBJECT_TYPE_NAMES = ("payload", "rocket-body", "debris", "unknown")
_TYPE_ALIASES = {"RB": "ROCKET BODY", "ROCKET": "ROCKET BODY", "DEB": "DEBRIS", "R/B": "ROCKET BODY"}

#: units and frame of every listing (``ObjectListing.to_dict``)
LISTING_UNITS = {
    "epoch": "UTC, ISO-8601",
    "perigee_km": "km above the WGS-72 equatorial radius (6378.135 km), two-body from the mean elements",
    "apogee_km": "km above the WGS-72 equatorial radius (6378.135 km), two-body from the mean elements",
    "inclination_deg": "deg, mean inclination to the TEME equator",
    "period_min": "min, from the Kozai mean motion",
}
LISTING_FRAME = "TEME (SGP4 mean elements)"


def object_type_code(name: str, *, field: str = "object_type") -> int:
    """Code of an object-type name ('payload', 'rocket-body', 'r/b', 'debris', 'unknown')."""
    key = str(name).strip().upper().replace("-", " ").replace("_", " ")
    key = _TYPE_ALIASES.get(key, key)
    if key not in ("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN"):
        raise InvalidRequestError(field, f"unknown object type {name!r}; choose from "
                                         f"{', '.join(OBJECT_TYPE_NAMES)}", name)
    return OBJECT_TYPE_CODES[key]


def regime_name(name: str, *, field: str = "regime") -> str:
    r = str(name).strip().upper()
    if r not in REGIMES:
        raise InvalidRequestError(field, f"unknown orbit regime {name!r}; choose from {', '.join(REGIMES)}", name)
    return r


def _bounds(field: str, bounds, lo: float | None = None, hi: float | None = None,
            unit: str = "") -> tuple[float | None, float | None]:
    if bounds is None:
        return (None, None)
    try:
        b_lo, b_hi = bounds
    except (TypeError, ValueError):
        raise InvalidRequestError(field, f"give (min, max), either may be None; got {bounds!r}", bounds) from None
    b_lo = None if b_lo is None else check_range(f"{field}_min", b_lo, lo, hi, unit=unit)
    b_hi = None if b_hi is None else check_range(f"{field}_max", b_hi, lo, hi, unit=unit)
    if b_lo is not None and b_hi is not None and b_lo > b_hi:
        raise InvalidRequestError(f"{field}_max", f"must not be below the minimum {b_lo:g}, got {b_hi:g}", b_hi)
    return (b_lo, b_hi)


def _tuple(x) -> tuple:
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    return tuple(x)


@dataclass(frozen=True)
class CatalogQuery:
    """Which objects to list (the latest element set of each), checked when made.

    Parameters
    ----------
    name : str, optional
        A name, glob, /regex/ or substring (see :mod:`orbitwatch.catalog.names`).
    object_types : sequence of str
        'payload', 'rocket-body', 'debris', 'unknown' (any of them).
    regimes : sequence of str
        'LEO', 'MEO', 'GEO', 'HEO' (any of them; see :func:`~orbitwatch.catalog.orbit_regime`).
    perigee_km, apogee_km, inclination_deg : (min, max)
        Inclusive bounds, either may be None.
    limit : int, optional
        At most this many objects (in catalog-number order); None or 0: all.
    """

    name: str | None = None
    object_types: Sequence[str] = ()
    regimes: Sequence[str] = ()
    perigee_km: tuple[float | None, float | None] | None = None
    apogee_km: tuple[float | None, float | None] | None = None
    inclination_deg: tuple[float | None, float | None] | None = None
    limit: int | None = None

    def __post_init__(self):
        put = object.__setattr__
        name = check_name_pattern(self.name, field="name")
        put(self, "name", name or None)
        types = _tuple(self.object_types)
        for t in types:
            object_type_code(t)
        put(self, "object_types", types)
        put(self, "regimes", tuple(regime_name(r) for r in _tuple(self.regimes)))
        put(self, "perigee_km", _bounds("perigee_km", self.perigee_km, unit="km"))
        put(self, "apogee_km", _bounds("apogee_km", self.apogee_km, unit="km"))
        put(self, "inclination_deg", _bounds("inclination_deg", self.inclination_deg, 0.0, 180.0, unit="deg"))
        if self.limit is not None:
            n = check_int("limit", self.limit, lo=0)
            put(self, "limit", n or None)

    @property
    def criteria(self) -> dict[str, Any]:
        """The filters as keyword arguments of :meth:`Catalog.mask <orbitwatch.catalog.Catalog.mask>`."""
        def b(x):
            return None if x == (None, None) else x
        return {"name": self.name, "object_type": list(self.object_types) or None,
                "regime": list(self.regimes) or None, "perigee_km": b(self.perigee_km),
                "apogee_km": b(self.apogee_km), "inclination_deg": b(self.inclination_deg)}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "object_types": list(self.object_types), "regimes": list(self.regimes),
                "perigee_km": list(self.perigee_km), "apogee_km": list(self.apogee_km),
                "inclination_deg": list(self.inclination_deg), "limit": self.limit}


def iso_ms_array(epochs: np.ndarray) -> np.ndarray:
    """ISO-8601 UTC text with milliseconds and a ``Z`` for many instants at once (rounded to the ms,
    as :func:`orbitwatch.timeutil.format_iso` with 3 decimals)."""
    ns = np.asarray(epochs, dtype="datetime64[ns]").astype(np.int64)
    ms = np.floor_divide(ns + 500_000, 1_000_000).astype("datetime64[ms]")
    return np.char.add(np.datetime_as_string(ms, unit="ms"), "Z")


@dataclass(frozen=True)
class ObjectListing:
    """Objects that matched a :class:`CatalogQuery`: the latest element set of each (at most ``limit``)."""

    elements: ElementSets
    #: objects that matched (before the limit)
    n_matching: int
    #: objects in the catalog listed from
    n_catalog: int
    query: CatalogQuery = field(default_factory=CatalogQuery)

    #: record keys, in order (names carry their units)
    COLUMNS = ("norad_id", "name", "intl_designator", "type", "regime", "epoch", "perigee_km", "apogee_km",
               "inclination_deg", "period_min")

    def __len__(self) -> int:
        return len(self.elements)

    @property
    def truncated(self) -> bool:
        return len(self.elements) < self.n_matching

    def columns(self) -> dict[str, np.ndarray]:
        """The listed quantities as arrays (one row per object), rounded as printed."""
        from .catalog import orbit_regime

        es = self.elements
        n = es.mean_motion_rev_per_day
        with np.errstate(divide="ignore", invalid="ignore"):
            a_km = es.semi_major_axis_km
            period = 1440.0 / n
        type_names = np.array([OBJECT_TYPES[i] for i in range(4)])
        return {
            "norad_id": es.norad_id, "name": es.name, "intl_designator": es.intl_designator,
            "type": type_names[np.clip(es.object_type, 0, 3)],
            "regime": orbit_regime(n, es.eccentricity), "epoch": iso_ms_array(es.epoch),
            "perigee_km": np.round(a_km * (1.0 - es.eccentricity) - RE_WGS72_KM, 1),
            "apogee_km": np.round(a_km * (1.0 + es.eccentricity) - RE_WGS72_KM, 1),
            "inclination_deg": np.round(es.inclination_deg, 4), "period_min": np.round(period, 2),
        }

    def rows(self) -> list[tuple]:
        """One tuple per object, in :attr:`COLUMNS` order (plain Python values)."""
        cols = self.columns()
        return list(zip(*(cols[c].tolist() for c in self.COLUMNS)))

    def to_records(self) -> list[dict[str, Any]]:
        """One mapping per object: ``norad_id``, ``name``, ..., ``epoch`` (ISO, Z), ``perigee_km``, ..."""
        return [dict(zip(self.COLUMNS, r)) for r in self.rows()]

    def to_dict(self) -> dict[str, Any]:
        """The listing with its counts, query, frame and units (what ``catalog list --json`` prints)."""
        return {"objects_in_catalog": self.n_catalog, "matching": self.n_matching, "listed": len(self),
                "truncated": self.truncated, "query": self.query.to_dict(), "frame": LISTING_FRAME,
                "units": dict(LISTING_UNITS), "objects": self.to_records()}
