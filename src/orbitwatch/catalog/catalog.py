"""Columnar catalog of element sets, many epochs per object.

Records are kept sorted by (catalog number, epoch) and unique on that pair, so
"the element set in force at t" for every object is one vectorised search.
"""

from __future__ import annotations

import os
import re
from typing import Iterable, Sequence

import numpy as np

from ..elements.sets import ElementSets
from ..errors import ElementSetError, NotFoundError
from ..timeutil import as_datetime64
from .names import name_mask  # noqa: F401 - the name rules live in .names; kept importable from here
from .query import REGIMES, CatalogQuery, ObjectListing, object_type_code, regime_name  # noqa: F401 - REGIMES re-exported

_ALPHA5 = re.compile(r"[A-HJ-NP-Z]\d{4}")


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

    >>> from importlib.resources import files
    >>> from orbitwatch.elements import read_elements
    >>> cat = Catalog(read_elements(files("orbitwatch") / "data/sample/catalog-2023-10-09.3le.gz").elements)
    >>> leo_payloads = cat.select(object_type="payload", regime="LEO")
    >>> current = cat.at("2023-10-09T12:00:00")   # one ElementSets row per object
    >>> cat.resolve("25544, vanguard 1").tolist()
    [25544, 5]
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
        return self._mask_on(self.elements, norad_ids=norad_ids, name=name, object_type=object_type,
                             regime=regime, perigee_km=perigee_km, apogee_km=apogee_km,
                             inclination_deg=inclination_deg)

    @staticmethod
    def _mask_on(es: ElementSets, *, norad_ids=None, name=None, object_type=None, regime=None,
                 perigee_km=None, apogee_km=None, inclination_deg=None) -> np.ndarray:
        m = np.ones(len(es), dtype=bool)
        if norad_ids is not None:
            m &= np.isin(es.norad_id, np.fromiter((int(x) for x in norad_ids), dtype=np.int64))
        if name:
            m &= name_mask(es.name, name)
        if object_type:
            types = [object_type] if isinstance(object_type, str) else list(object_type)
            m &= np.isin(es.object_type, [object_type_code(t) for t in types])
        if regime:
            regs = [regime] if isinstance(regime, str) else list(regime)
            regs = [regime_name(r) for r in regs]
            m &= np.isin(orbit_regime(es.mean_motion_rev_per_day, es.eccentricity), regs)
        for bounds, values in ((perigee_km, es.perigee_km if perigee_km else None),
                               (apogee_km, es.apogee_km if apogee_km else None),
                               (inclination_deg, es.inclination_deg if inclination_deg else None)):
            if bounds and bounds != (None, None):
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
            An exact name, a glob with ``*`` and ``?`` only (``"STARLINK*"``; brackets are
            literal), a ``/regex/`` (``"/^ISS \\(/"``) or a substring, case-insensitive;
            see :mod:`orbitwatch.catalog.names`.
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

    # ----------------------------------------------------------------- objects by spec, listings
    def resolve(self, specs: str | int | Sequence[str | int], *, field: str = "objects") -> np.ndarray:
        """Catalog numbers (int64, in the order given, without repeats) of the objects ``specs`` name.

        Each spec is a catalog number (``25544``, Alpha-5 ``T0000``), a name, a glob, a
        ``/regex/`` or a comma list of them; a spec that is exactly an object's name is that
        name even when it holds a comma. Names are matched in every element set of an
        object, so an object is found by the names it had before too. See :mod:`orbitwatch.catalog.names` for the rules.
        A number not in the catalog, or a pattern that matches nothing, is a
        :class:`~orbitwatch.errors.NotFoundError`; a bad /regex/ an
        :class:`~orbitwatch.errors.InvalidRequestError` naming ``field``.
        """
        if isinstance(specs, (str, int, np.integer)):
            specs = [specs]
        latest = self.latest()
        ids_sorted = self.norad_ids
        folded = None
        out: list[int] = []

        def number(n: int, token: str) -> None:
            k = np.searchsorted(ids_sorted, n)
            if k >= len(ids_sorted) or ids_sorted[k] != n:
                raise NotFoundError(f"object {token} is not in the catalog")
            out.append(n)

        for spec in specs:
            if isinstance(spec, (int, np.integer)):
                number(int(spec), str(spec))
                continue
            spec = str(spec).strip()
            if "," in spec and not spec.startswith("/"):
                if folded is None:
                    folded = np.char.lower(latest.name.astype(str))
                whole = folded == spec.lower()
                tokens = [spec] if whole.any() else [t.strip() for t in spec.split(",")]
            else:
                tokens = [spec]
            for token in tokens:
                if not token:
                    continue
                if token.isdigit():
                    number(int(token), token)
                    continue
                if _ALPHA5.fullmatch(token.upper()):
                    from ..elements import alpha5_decode

                    number(alpha5_decode(token.upper()), token)
                    continue
                ids = self._ids_named(token, field=field)
                if not len(ids):
                    raise NotFoundError(f"no object name matches {token!r}")
                out.extend(ids.tolist())
        return np.array(list(dict.fromkeys(out)), dtype=np.int64)

    def _ids_named(self, pattern: str, *, field: str = "name") -> np.ndarray:
        """Catalog numbers (sorted) of the objects whose name, in any of their element sets, matches."""
        m = name_mask(self.elements.name, pattern, field=field)
        return np.unique(self.elements.norad_id[m])

    def list_objects(self, query: CatalogQuery | None = None, **criteria) -> ObjectListing:
        """The latest element set of each object matching ``query`` (or the same keywords), at most
        ``query.limit`` of them in catalog-number order, with the count before the limit.

        The name is matched in every element set of an object (an object is found by its earlier
        names too); the other filters apply to its latest element set, the one listed.

        Filters are evaluated with numpy over the latest element sets; orbit quantities of
        the result (:meth:`ObjectListing.columns`) are computed only for the rows returned.
        """
        if query is None:
            query = CatalogQuery(**criteria)
        elif criteria:
            raise TypeError("give a CatalogQuery or keyword criteria, not both")
        latest = self.latest()
        criteria = query.criteria
        name = criteria.pop("name")
        m = self._mask_on(latest, **criteria)
        if name:
            m &= np.isin(latest.norad_id, self._ids_named(name, field="name"))
        idx = np.flatnonzero(m)
        n_matching = len(idx)
        if query.limit:
            idx = idx[:query.limit]
        return ObjectListing(latest[idx], n_matching=n_matching, n_catalog=self.n_objects, query=query)

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike], *, format: str | None = None,
                   strict: bool = False) -> tuple["Catalog", list[ElementSetError]]:
        """A catalog of the element sets in files, and the records they rejected.

        Whole-file problems raise (:func:`~orbitwatch.elements.read_elements`).
        """
        from ..elements import read_elements

        parts, rejected = [], []
        for p in paths:
            res = read_elements(p, format=format, strict=strict)
            parts.append(res.elements)
            rejected.extend(res.rejected)
        return cls(ElementSets.concat(parts)), rejected

    # ----------------------------------------------------------------- combining
    def merge(self, *others: "Catalog | ElementSets") -> "Catalog":
        """Union with other catalogs; on the same (object, epoch) the later argument wins."""
        parts = [self.elements] + [o.elements if isinstance(o, Catalog) else o for o in others]
        return Catalog(ElementSets.concat(parts))
