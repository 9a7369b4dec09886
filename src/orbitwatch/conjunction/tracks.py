"""Event identity across runs: which new close approach is the same encounter as a known one.

An *event track* is one encounter of one pair of objects followed through time: each
screening run or CDM that sees it again adds an *update* (TCA, miss, Pc, the data it
came from). Between element-set updates the TCA of one encounter moves by seconds to
minutes, while the same pair meets again about once per orbit (twice when the orbits
cross at both nodes), so matching is by pair and TCA within a tolerance derived from
the data:

``tolerance_s = TOLERANCE_FRACTION * min(P1, P2)``

where P1, P2 are the two objects' orbital periods (from their mean motions). With
``TOLERANCE_FRACTION = 0.2`` a LEO pair (P about 95 min) matches within 19 minutes,
under the quarter period that separates an encounter from the pair's next one at the
other node; a GEO pair (P = 1 day), whose encounters drift for hours, within 4.8 h.
Each new event goes to the nearest unmatched track of its pair within tolerance, and
each track takes at most one new event per run (greedy by |dTCA|, which is optimal for
one-dimensional matching of sorted times within one pair).

>>> import numpy as np
>>> t = np.array(["2023-10-09T12:00:00", "2023-10-09T13:35:00"], dtype="datetime64[ns]")
>>> known = TrackKeys(track_id=np.array([7, 8]), norad_lo=np.array([1, 1]), norad_hi=np.array([2, 2]), tca=t)
>>> new_tca = np.array(["2023-10-09T13:36:10", "2023-10-09T12:00:04"], dtype="datetime64[ns]")
>>> match_events(known, np.array([2, 1]), np.array([1, 2]), new_tca, tolerance_s=np.array([1140.0, 1140.0]))
array([8, 7])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidRequestError

#: share of the shorter orbital period within which two TCAs of a pair are one encounter
TOLERANCE_FRACTION = 0.2
#: a floor for the tolerance (seconds), for data without mean motions
MIN_TOLERANCE_S = 60.0

#: track states
STATUS_NEW = "new"                  # first seen in the latest run
STATUS_UPDATED = "updated"          # seen again in the latest run
STATUS_BELOW = "below threshold"    # screened again, its pair no longer comes within the threshold
STATUS_PAST = "past"                # its TCA has passed
STATUSES = (STATUS_NEW, STATUS_UPDATED, STATUS_BELOW, STATUS_PAST)


@dataclass(frozen=True)
class TrackKeys:
    """The known tracks to match against: id, the pair (lower, higher catalog number) and latest TCA."""

    track_id: np.ndarray
    norad_lo: np.ndarray
    norad_hi: np.ndarray
    tca: np.ndarray

    @classmethod
    def empty(cls) -> "TrackKeys":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   np.zeros(0, "datetime64[ns]"))


def pair_keys(norad_1, norad_2) -> tuple[np.ndarray, np.ndarray]:
    """(lower, higher) catalog numbers of each pair: a pair is the same whichever object is primary."""
    a = np.asarray(norad_1, dtype=np.int64)
    b = np.asarray(norad_2, dtype=np.int64)
    return np.minimum(a, b), np.maximum(a, b)


def tca_tolerance_s(mean_motion_1_rev_per_day, mean_motion_2_rev_per_day) -> np.ndarray:
    """Matching tolerance per event: :data:`TOLERANCE_FRACTION` of the shorter period (s)."""
    n1 = np.asarray(mean_motion_1_rev_per_day, dtype=np.float64)
    n2 = np.asarray(mean_motion_2_rev_per_day, dtype=np.float64)
    n = np.fmax(n1, n2)  # the faster object has the shorter period (NaN-safe)
    period_s = np.where(n > 0, 86400.0 / np.where(n > 0, n, 1.0), np.nan)
    tol = TOLERANCE_FRACTION * period_s
    return np.where(np.isfinite(tol), np.maximum(tol, MIN_TOLERANCE_S), MIN_TOLERANCE_S)


def match_events(known: TrackKeys, norad_1, norad_2, tca, tolerance_s) -> np.ndarray:
    """For each new event, the ``track_id`` it continues, or -1 for a new encounter.

    Parameters
    ----------
    known : TrackKeys
        Tracks that may continue (typically those not yet past).
    norad_1, norad_2, tca : arrays (M,)
        The new events (either object order).
    tolerance_s : float or array (M,)
        How far (s) a TCA may move and still be the same encounter (see :func:`tca_tolerance_s`).
    """
    lo, hi = pair_keys(norad_1, norad_2)
    t_new = np.asarray(tca, dtype="datetime64[ns]").astype(np.int64)
    m = len(t_new)
    if lo.shape != (m,) or hi.shape != (m,):
        raise InvalidRequestError("tca", "norad_1, norad_2 and tca must have the same length")
    tol_ns = np.broadcast_to(np.asarray(tolerance_s, dtype=np.float64), (m,)) * 1e9
    out = np.full(m, -1, dtype=np.int64)
    if m == 0 or len(known.track_id) == 0:
        return out
    k_lo, k_hi = pair_keys(known.norad_lo, known.norad_hi)
    t_known = np.asarray(known.tca, dtype="datetime64[ns]").astype(np.int64)
    # candidate (new, known) pairs: same pair of objects, |dTCA| within the new event's tolerance
    key_new = lo.astype(np.int64) * (1 << 31) + hi
    key_known = k_lo.astype(np.int64) * (1 << 31) + k_hi
    order = np.argsort(key_known, kind="stable")
    sk = key_known[order]
    start = np.searchsorted(sk, key_new, side="left")
    stop = np.searchsorted(sk, key_new, side="right")
    counts = stop - start
    if counts.sum() == 0:
        return out
    new_idx = np.repeat(np.arange(m), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    known_idx = order[np.repeat(start, counts) + offsets]
    dt = np.abs(t_new[new_idx] - t_known[known_idx]).astype(np.float64)
    ok = dt <= tol_ns[new_idx]
    new_idx, known_idx, dt = new_idx[ok], known_idx[ok], dt[ok]
    # greedy one-to-one by |dTCA|
    taken_new = np.zeros(m, bool)
    taken_known = np.zeros(len(t_known), bool)
    for k in np.argsort(dt, kind="stable"):
        i, j = new_idx[k], known_idx[k]
        if taken_new[i] or taken_known[j]:
            continue
        taken_new[i] = taken_known[j] = True
        out[i] = known.track_id[j]
    return out
