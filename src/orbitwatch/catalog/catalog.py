"""Columnar catalog of element sets, many epochs per object.

Records are kept sorted by (catalog number, epoch) and unique on that pair, so
"the element set in force at t" for every object is one vectorised search.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Iterable, Sequence

import numpy as np

from ..elements.sets import OBJECT_TYPE_CODES, ElementSets
from ..timeutil import as_datetime64

REGIMES = ("LEO", "MEO", "GEO", "HEO")


def orbit_regime(mean_motion_rev_per_day: np.ndarray, eccentricity: np.ndarray) -> np.ndarray:
    """Orbit regime from Kozai mean motion and eccentricity.

    * HEO: e >= 0.25 (Molniya, GTO and other highly eccentric orbits);
    * GEO: 0.9 <= n <= 1.1 rev/day (geosynchronous, inclined or not);
    * LEO: n >= 11.25 rev/day (period <= 128 min, i.e. a semi-major axis below 8,413 km, a mean altitude of ~2,000 km,
      the IADC LEO protected region boundary);
    * MEO: everything in between.
    """
    n = np.asarray(mean_motion_rev_per_day, dtype=float)
    e = np.asarray(eccentricity, dtype=float)
    out = np.full(n.shape, "MEO", dtype="U3")
    out[n >= 11.25] = "LEO"
    out[(n >= 0.9) & (n <= 1.1)] = "GEO"
    out[e >= 0.25] = "HEO"
    return out


def _dedupe_sorted(es: ElementSets) -> ElementSets:
    """Sort by (norad_id, epoch); on duplicate (object, epoch) keep the last one given."""
    n = len(es)
    if n == 0:
        return es
    order = np.lexsort((np.arange(n), es.epoch.astype(np.int64), es.norad_id))
    es = es[order]
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = (es.norad_id[1:] == es.norad_id[:-1]) & (es.epoch[1:] == es.epoch[:-1])
    return es[~same_next] if same_next.any() else es


class Catalog:
    """Element sets of many objects, possibly several epochs each.

    >>> cat = Catalog(read_elements("catalog.3le").elements)
    >>> leo_payloads = cat.select(object_type="payload", regime="LEO")
    >>> current = cat.at("2023-10-09T12:00:00")   # one ElementSets row per object
    """

    def __init__(self, elements: ElementSets):
        self.elements = _dedupe_sorted(elements)
        ids = self.elements.norad_id
        if len(ids):
            starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        else:
            starts = np.zeros(0, dtype=np.int64)
        self._starts = starts
        self._ends = np.r_[starts[1:], len(ids)] if len(ids) else starts

    # ----------------------------------------------------------------- sizes
    def __len__(self) -> int:
        """Number of element sets (all epochs)."""
        return len(self.elements)

    @property
    def n_objects(self) -> int:
        return len(self._starts)

    @property
    def norad_ids(self) -> np.ndarray:
        return self.elements.norad_id[self._starts]

    def __repr__(self) -> str:
        return f"<Catalog objects={self.n_objects} element_sets={len(self)}>"

    # ----------------------------------------------------------------- time
    def latest(self) -> ElementSets:
        """The most recent element set of each object."""
        return self.elements[self._ends - 1]

    def at(self, t, *, allow_future: bool = True) -> ElementSets:
        """The element set in force at ``t`` for every object: the latest epoch not after ``t``.

        Objects whose first element set is after ``t`` get that first set when
        ``allow_future`` (the usual practice for a back-propagation), or are
        dropped otherwise.
        """
        t = as_datetime64(t)
        if len(self) == 0:
            return self.elements
        le = (self.elements.epoch <= t).astype(np.int64)
        count = np.add.reduceat(le, self._starts)  # epochs <= t form a prefix of each group
        idx = self._starts + np.maximum(count - 1, 0)
        if not allow_future:
            idx = idx[count > 0]
        return self.elements[idx]

    def history(self, norad_id: int) -> ElementSets:
        """All element sets of one object, oldest first."""
        k = np.searchsorted(self.norad_ids, norad_id)
        if k >= self.n_objects or self.norad_ids[k] != norad_id:
            return self.elements[np.zeros(0, dtype=np.int64)]
        return self.elements[self._starts[k]:self._ends[k]]

    # ----------------------------------------------------------------- selection
    def mask(self, *, norad_ids: Iterable[int] | None = None, name: str | None = None,
             object_type: str | Sequence[str] | None = None, regime: str | Sequence[str] | None = None,
             perigee_km: tuple[float | None, float | None] | None = None,
             apogee_km: tuple[float | None, float | None] | None = None,
             inclination_deg: tuple[float | None, float | None] | None = None) -> np.ndarray:
        """Boolean mask over element sets; see :meth:`select`."""
        es = self.elements
        m = np.ones(len(es), dtype=bool)
        if norad_ids is not None:
            m &= np.isin(es.norad_id, np.fromiter((int(x) for x in norad_ids), dtype=np.int64))
        if name:
            m &= name_mask(es.name, name)
        if object_type:
            types = [object_type] if isinstance(object_type, str) else list(object_type)
            codes = []
            for t in types:
                key = t.strip().upper().replace("-", " ").replace("_", " ")
                key = {"RB": "ROCKET BODY", "ROCKET": "ROCKET BODY", "DEB": "DEBRIS"}.get(key, key)
                if key not in OBJECT_TYPE_CODES:
                    raise ValueError(f"unknown object type {t!r}; expected payload, rocket-body, debris or unknown")
                codes.append(OBJECT_TYPE_CODES[key])
            m &= np.isin(es.object_type, codes)
        if regime:
            regs = [regime] if isinstance(regime, str) else list(regime)
            regs = [r.upper() for r in regs]
            for r in regs:
                if r not in REGIMES:
                    raise ValueError(f"unknown orbit regime {r!r}; expected one of {REGIMES}")
            m &= np.isin(orbit_regime(es.mean_motion_rev_per_day, es.eccentricity), regs)
        for bounds, values in ((perigee_km, es.perigee_km if perigee_km else None),
                               (apogee_km, es.apogee_km if apogee_km else None),
                               (inclination_deg, es.inclination_deg if inclination_deg else None)):
            if bounds:
                lo, hi = bounds
                if lo is not None:
                    m &= values >= lo
                if hi is not None:
                    m &= values <= hi
        return m

    def select(self, **criteria) -> "Catalog":
        """A new catalog with the element sets matching every given criterion.

        Parameters
        ----------
        norad_ids : iterable of int
        name : str
            Case-insensitive glob (``"STARLINK*"``) or, between slashes, a regular
            expression (``"/^ISS \\(/"``); a plain word matches as a substring.
        object_type : str or list
            'payload', 'rocket-body', 'debris', 'unknown'.
        regime : str or list
            'LEO', 'MEO', 'GEO', 'HEO' (see :func:`orbit_regime`).
        perigee_km, apogee_km, inclination_deg : (min, max), either may be None
        """
        return Catalog(self.elements[self.mask(**criteria)])

    @property
    def regime(self) -> np.ndarray:
        return orbit_regime(self.elements.mean_motion_rev_per_day, self.elements.eccentricity)

    # ----------------------------------------------------------------- combining
    def merge(self, *others: "Catalog | ElementSets") -> "Catalog":
        """Union with other catalogs; on the same (object, epoch) the later argument wins."""
        parts = [self.elements] + [o.elements if isinstance(o, Catalog) else o for o in others]
        return Catalog(ElementSets.concat(parts))


def name_mask(names: np.ndarray, pattern: str) -> np.ndarray:
    """Case-insensitive match of names against a glob, a /regex/ or a substring."""
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        rx = re.compile(pattern[1:-1], re.IGNORECASE)
    elif any(c in pattern for c in "*?["):
        rx = re.compile(fnmatch.translate(pattern), re.IGNORECASE)
    else:
        rx = re.compile(re.escape(pattern), re.IGNORECASE)
    uniq, inv = np.unique(names, return_inverse=True)
    hits = np.fromiter((rx.search(str(u)) is not None for u in uniq), dtype=bool, count=len(uniq))
    return hits[inv]
