"""How far element sets are from the instants they are propagated to: per-object ages and warnings.

SGP4 states degrade with the time from the element set's epoch (roughly 1-3 km a day in LEO
for TLEs; far more for decaying objects), so every front end says so when it matters:
:func:`element_age_report` gives the ages at an instant and the warnings to show, and
:meth:`ElementAgeReport.check_far` refuses propagation years away from an epoch (a wrong
catalog or a typo in a date) unless the caller insists.

>>> from importlib.resources import files
>>> from orbitwatch.elements import read_elements
>>> es = read_elements(files("orbitwatch") / "data" / "sample" / "catalog-2023-10-09.3le.gz").elements
>>> rep = element_age_report(es, "2023-10-09T12:00")
>>> rep.n_stale > 0, rep.max_age_days
(True, 14.0)
>>> element_age_report(es, "2027-01-01").check_far()
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: start: 26140 element sets have epochs more than 365 days from ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..elements.sets import ElementSets
from ..errors import InvalidRequestError
from ..timeutil import NS_PER_DAY, format_iso

#: element sets further than this (days) from the instant are reported as stale (a warning)
DEFAULT_MAX_AGE_DAYS = 14.0
#: element sets further than this (days) from the instant are refused unless forced
MAX_EPOCH_DISTANCE_DAYS = 365.0


@dataclass(frozen=True)
class ElementAgeReport:
    """Ages of N element sets at one instant.

    ``age_days`` is ``at - epoch`` (positive: the elements are older than the instant;
    negative: the instant is before the epoch, SGP4 runs backwards). An element set is
    *stale* when ``|age_days| > max_age_days``.
    """

    at: np.datetime64
    norad_id: np.ndarray
    name: np.ndarray
    age_days: np.ndarray
    max_age_days: float = DEFAULT_MAX_AGE_DAYS

    def __len__(self) -> int:
        return len(self.norad_id)

    @property
    def stale(self) -> np.ndarray:
        return np.abs(self.age_days) > self.max_age_days

    @property
    def n_stale(self) -> int:
        return int(np.count_nonzero(self.stale))

    def _at_text(self) -> str:
        return format_iso(self.at, 3) + "Z"

    def _example(self, mask: np.ndarray) -> str:
        k = int(np.flatnonzero(mask)[np.argmax(np.abs(self.age_days[mask]))])
        age = float(self.age_days[k])
        when = f"{age:.1f} days old" if age >= 0 else f"epoch {-age:.1f} days after it"
        return f"{self.norad_id[k]} {self.name[k]}: {when}".replace(" :", ":")

    @property
    def warnings(self) -> list[str]:
        """Lines for a person (empty when every element set is within ``max_age_days``)."""
        out = []
        old = self.age_days > self.max_age_days
        young = self.age_days < -self.max_age_days
        if old.any():
            n = int(old.sum())
            out.append(f"{n} element set{'s are' if n > 1 else ' is'} more than {self.max_age_days:g} days older than "
                       f"{self._at_text()} (oldest: {self._example(old)}); their states are less accurate")
        if young.any():
            n = int(young.sum())
            out.append(f"{n} element set{'s have epochs' if n > 1 else ' has an epoch'} more than "
                       f"{self.max_age_days:g} days after {self._at_text()} (furthest: {self._example(young)}); "
                       f"SGP4 runs backwards to the start")
        return out

    def check_far(self, limit_days: float = MAX_EPOCH_DISTANCE_DAYS, *, force: bool = False,
                  field: str = "start") -> None:
        """Raise :class:`InvalidRequestError` (naming ``field``) when an element set's epoch is more
        than ``limit_days`` from the instant, unless ``force``."""
        far = np.abs(self.age_days) > limit_days
        if force or not far.any():
            return
        n = int(far.sum())
        raise InvalidRequestError(
            field, f"{n} element set{'s have epochs' if n > 1 else ' has an epoch'} more than {limit_days:g} days from "
                   f"{self._at_text()} (e.g. {self._example(far)}); SGP4 states that far from an epoch are "
                   f"meaningless (force it to go on: --force)", self._at_text())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: the instant, the limit, counts, extremes and the warnings."""
        a = self.age_days
        return {
            "at": self._at_text(), "max_age_days": self.max_age_days, "element_sets": len(self),
            "stale": self.n_stale,
            "oldest_days": float(a.max()) if a.size else None,
            "youngest_days": float(a.min()) if a.size else None,
            "median_days": float(np.median(a)) if a.size else None,
            "warnings": self.warnings,
        }


def element_age_report(elements: ElementSets, at, *, max_age_days: float = DEFAULT_MAX_AGE_DAYS) -> ElementAgeReport:
    """Per-object ages (days, ``at - epoch``) of ``elements`` at the instant ``at`` and the warnings
    beyond ``max_age_days`` (see :class:`ElementAgeReport`)."""
    from ..requests import check_positive, parse_time

    max_age = check_positive("max_age_days", max_age_days)
    t = parse_time("at", at).astype("datetime64[ns]")
    age = (t.astype(np.int64) - elements.epoch.astype("datetime64[ns]").astype(np.int64)) / NS_PER_DAY
    return ElementAgeReport(at=t, norad_id=np.asarray(elements.norad_id), name=np.asarray(elements.name),
                            age_days=np.asarray(age, dtype=np.float64), max_age_days=max_age)


__all__ = ["ElementAgeReport", "element_age_report", "DEFAULT_MAX_AGE_DAYS", "MAX_EPOCH_DISTANCE_DAYS"]
