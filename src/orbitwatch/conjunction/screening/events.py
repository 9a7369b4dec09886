"""The screening's output: a columnar table of close approaches, with CSV/JSON and a
SOCRATES-style report.

One row per event (a local minimum of the distance between two objects). Columns are numpy
arrays; vectors are (M, 3). Units are in the names; times are ``datetime64[ns]`` UTC.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ...timeutil import format_iso

BOUNDARY_NAMES = {0: "", 1: "span start", 2: "span stop", 3: "ephemeris start", 4: "ephemeris stop"}

#: Encounters slower than this (km/s, i.e. 10 m/s) are marked ``slow``: vehicles docked to a
#: station or its modules flown on separate element sets, and formations. They last minutes to
#: hours, so the short-encounter assumption of 2D Pc (straight-line relative motion through the
#: encounter plane) does not hold for them (NASA CARA flags such events for special handling),
#: and a miss-distance ranking would be filled with them. ``orbitwatch screen`` sets them apart.
SLOW_REL_SPEED_KM_S = 0.01

_VEC_COLUMNS = ("r1_teme_km", "v1_teme_km_s", "r2_teme_km", "v2_teme_km_s",
                "r1_eme2000_km", "v1_eme2000_km_s", "r2_eme2000_km", "v2_eme2000_km_s")


@dataclass(eq=False)
class ConjunctionEvents:
    """Close approaches, one row each (object 1 is the primary: the fleet member in a fleet
    screening, the lower catalog number in an all-vs-all one).

    ======================== ============== =============================================================
    column                   shape/dtype    meaning
    ======================== ============== =============================================================
    norad_1, norad_2         int64          catalog numbers
    name_1, name_2           str            object names
    object_type_1, _2        str            PAYLOAD, ROCKET BODY, DEBRIS, UNKNOWN
    tca                      datetime64[ns] time of closest approach, UTC (refined to ~1 us)
    miss_km                  float64        distance at TCA
    radial_km, in_track_km,  float64        object 2 relative to object 1 at TCA, in object 1's RTN frame
    cross_track_km
    rel_speed_km_s           float64        |v2 - v1| at TCA
    r1_teme_km ...           (M, 3)         states at TCA, TEME and EME2000 (km, km/s)
    age_1_days, age_2_days   float64        TCA minus each element set's epoch
    boundary                 int8           0, or 1/2: the minimum is at the span's start/stop, 3/4: at the
                                            start/stop of an ephemeris' usable span
    volume_ratio             float64        miss/radius (sphere) or the ellipsoid's normalised distance
                                            at its minimum during the encounter (<= 1: inside)
    pc, pc_max               float64        collision probability and its maximum (NaN until computed)
    intl_designator_1, _2    str            COSPAR international designators ('' when unknown)
    slow                     bool           rel_speed_km_s < :data:`SLOW_REL_SPEED_KM_S` (10 m/s): docked
                                            vehicles, station modules, formations; 2D Pc does not apply
    state_source_1, _2       str            'SGP4' (an element set) or 'OEM' (an operator's ephemeris)
    object_id_1, _2          str            the OEM OBJECT_ID of an ephemeris object ('' for element sets)
    ======================== ============== =============================================================

    Ephemeris objects keep their OEM ``OBJECT_NAME`` in ``name_*``; their catalog number is
    the catalog's when it knows the object, else negative (synthetic: see
    :func:`~orbitwatch.conjunction.screening.ephemeris.synthetic_norad_id`).
    """

    norad_1: np.ndarray
    norad_2: np.ndarray
    name_1: np.ndarray
    name_2: np.ndarray
    object_type_1: np.ndarray
    object_type_2: np.ndarray
    tca: np.ndarray
    miss_km: np.ndarray
    radial_km: np.ndarray
    in_track_km: np.ndarray
    cross_track_km: np.ndarray
    rel_speed_km_s: np.ndarray
    r1_teme_km: np.ndarray
    v1_teme_km_s: np.ndarray
    r2_teme_km: np.ndarray
    v2_teme_km_s: np.ndarray
    r1_eme2000_km: np.ndarray
    v1_eme2000_km_s: np.ndarray
    r2_eme2000_km: np.ndarray
    v2_eme2000_km_s: np.ndarray
    age_1_days: np.ndarray
    age_2_days: np.ndarray
    boundary: np.ndarray
    volume_ratio: np.ndarray
    pc: np.ndarray
    pc_max: np.ndarray
    intl_designator_1: np.ndarray = None
    intl_designator_2: np.ndarray = None
    slow: np.ndarray = None
    state_source_1: np.ndarray = None
    state_source_2: np.ndarray = None
    object_id_1: np.ndarray = None
    object_id_2: np.ndarray = None

    def __post_init__(self):
        m = len(self.norad_1)
        for name in ("intl_designator_1", "intl_designator_2", "object_id_1", "object_id_2"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(m, "", dtype="U1"))
        for name in ("state_source_1", "state_source_2"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(m, "SGP4", dtype="U4"))
        if self.slow is None:
            self.slow = np.asarray(self.rel_speed_km_s < SLOW_REL_SPEED_KM_S, dtype=bool)

    @classmethod
    def column_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def empty(cls) -> "ConjunctionEvents":
        cols = {}
        for name in cls.column_names():
            if name in _VEC_COLUMNS:
                cols[name] = np.zeros((0, 3))
            elif name in ("norad_1", "norad_2"):
                cols[name] = np.zeros(0, np.int64)
            elif name.startswith(("name", "object_type", "intl_designator", "state_source", "object_id")):
                cols[name] = np.zeros(0, "U1")
            elif name == "slow":
                cols[name] = np.zeros(0, bool)
            elif name == "tca":
                cols[name] = np.zeros(0, "datetime64[ns]")
            elif name == "boundary":
                cols[name] = np.zeros(0, np.int8)
            else:
                cols[name] = np.zeros(0)
        return cls(**cols)

    def __len__(self) -> int:
        return len(self.norad_1)

    def __getitem__(self, idx) -> "ConjunctionEvents":
        if isinstance(idx, (int, np.integer)):
            idx = np.array([idx])
        return ConjunctionEvents(**{c: getattr(self, c)[idx] for c in self.column_names()})

    def __repr__(self) -> str:
        return f"<ConjunctionEvents n={len(self)}>"

    def columns(self) -> dict[str, np.ndarray]:
        return {c: getattr(self, c) for c in self.column_names()}

    def sort_by(self, key: str = "tca", descending: bool = False) -> "ConjunctionEvents":
        """Rows ordered by a column (stable; NaN last), ties broken by TCA then catalog numbers."""
        v = getattr(self, key)
        if v.dtype.kind == "M":
            v = v.astype(np.int64)
        if v.dtype.kind == "f":
            nan = np.isnan(v)
            v = np.where(nan, np.inf, -v if descending else v)
        elif descending:
            v = -v.astype(np.int64) if v.dtype.kind in "iu" else v
        order = np.lexsort((self.norad_2, self.norad_1, self.tca.astype(np.int64), v))
        return self[order]

    def without_slow(self) -> "ConjunctionEvents":
        """The events that are not ``slow`` (what rankings use; see :data:`SLOW_REL_SPEED_KM_S`)."""
        return self[np.flatnonzero(~self.slow)]

    @property
    def pc_available(self) -> bool:
        """Whether a collision probability has been filled in (``pc`` or ``pc_max``)."""
        return bool(len(self) and (np.isfinite(self.pc).any() or np.isfinite(self.pc_max).any()))

    # ------------------------------------------------------------------ exports
    def flat_columns(self) -> dict[str, np.ndarray]:
        """Scalar columns only: vectors split into _x/_y/_z, TCA as ISO-8601 text (ms)."""
        out = {}
        for c in self.column_names():
            a = getattr(self, c)
            if c in _VEC_COLUMNS:
                for k, ax in enumerate("xyz"):
                    out[f"{c[:2]}_{ax}_{c[3:]}"] = a[:, k]
            elif c == "tca":
                out[c] = np.array([format_iso(t, 3) + "Z" for t in a], dtype=object)
            else:
                out[c] = a
        return out

    def to_csv(self, path=None) -> str | None:
        """CSV with a header row (one column per scalar, vectors split into x/y/z). Returns the
        text when ``path`` is None."""
        cols = self.flat_columns()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        names = list(cols)
        w.writerow(names)
        for k in range(len(self)):
            w.writerow([_fmt(cols[n][k]) for n in names])
        text = buf.getvalue()
        if path is None:
            return text
        Path(path).write_text(text)
        return None

    def to_records(self) -> list[dict]:
        """One dict per event (JSON-ready: vectors as lists, TCA as ISO-8601 with ms, NaN as None)."""
        recs = []
        for k in range(len(self)):
            rec = {}
            for c in self.column_names():
                a = getattr(self, c)
                if c in _VEC_COLUMNS:
                    rec[c] = [float(x) for x in a[k]]
                elif c == "tca":
                    rec[c] = format_iso(a[k], 3) + "Z"
                else:
                    rec[c] = _jsonable(a[k])
            recs.append(rec)
        return recs

    def to_json(self, path=None, meta: dict | None = None) -> str | None:
        doc = {"events": self.to_records()}
        if meta:
            doc = {"meta": meta, **doc}
        text = json.dumps(doc, indent=1, allow_nan=False)
        if path is None:
            return text
        Path(path).write_text(text)
        return None


def _jsonable(x):
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def _fmt(x):
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            return ""
        return repr(float(x))
    if isinstance(x, np.generic):
        return x.item()
    return x


#: frames and units of the event columns, stated in JSON outputs (``meta``)
FRAMES_AND_UNITS = {
    "tca": "UTC, ISO-8601 with milliseconds and Z",
    "miss_km": "km, distance at TCA",
    "radial_km, in_track_km, cross_track_km": "km, object 2 relative to object 1 in object 1's RTN frame "
                                              "(radial, in-track/transverse, cross-track/orbit normal)",
    "rel_speed_km_s": "km/s, |v2 - v1| at TCA",
    "r1_teme_km, v1_teme_km_s, r2_teme_km, v2_teme_km_s": "TEME (the frame of SGP4 and TLEs), km and km/s",
    "r1_eme2000_km, v1_eme2000_km_s, r2_eme2000_km, v2_eme2000_km_s":
        "EME2000 (J2000 mean equator and equinox, the CCSDS CDM frame), km and km/s",
    "age_1_days, age_2_days": "days, TCA minus the element set's epoch (negative: before the epoch)",
    "volume_ratio": "dimensionless, miss / radius (sphere) or the RTN ellipsoid's normalised distance",
    "pc, pc_max": "dimensionless probability: 2D Pc (Foster) with default TLE covariances, and its maximum "
                  "over covariance scale (SOCRATES); null until computed",
    "slow": f"true when rel_speed_km_s < {SLOW_REL_SPEED_KM_S:g} km/s (docked vehicles, station modules, "
            "formations: 2D Pc does not apply)",
    "boundary": "0, or 1/2: the minimum is at the span's start/stop, 3/4: at the start/stop of an ephemeris' "
                "usable span",
    "state_source_1, state_source_2": "SGP4 (a TLE/OMM element set) or OEM (an operator's ephemeris, its states "
                                      "interpolated as the OEM says and rotated from its REF_FRAME to TEME)",
    "object_id_1, object_id_2": "the OEM OBJECT_ID of an ephemeris object, '' for element sets; an ephemeris "
                                "object the catalog does not know has a negative (synthetic) catalog number",
}


def object_label(norad_id: int, object_id: str = "") -> str:
    """How a report names an object: its catalog number, or the OEM ``OBJECT_ID`` for an ephemeris
    object with a synthetic (negative) number.

    >>> object_label(25544), object_label(-123456, "MYSAT-1")
    ('25544', 'MYSAT-1')
    """
    return str(object_id) if int(norad_id) < 0 and str(object_id) else str(int(norad_id))

#: orders of :func:`socrates_report`: minimum range, maximum probability (SOCRATES' own ranking;
#: "pc" is its older name) and the 2D collision probability (Foster)
REPORT_ORDERS = ("miss", "pc-max", "pc", "pc-2d")


def socrates_report(events: ConjunctionEvents, *, top: int = 10, by: str = "miss", title: str = "",
                    header_lines: tuple[str, ...] = ()) -> str:
    """Plain-text report in the spirit of CelesTrak's SOCRATES: the ``top`` events sorted by
    minimum range (``by="miss"``), by maximum collision probability (``by="pc-max"``, or its
    older name ``"pc"``) or by the 2D collision probability (``by="pc-2d"``), the last two once Pc
    has been computed; each with both objects, TCA, range, relative speed and element-set ages."""
    from ...errors import InvalidRequestError

    if by not in REPORT_ORDERS:
        raise InvalidRequestError("by", f"must be one of {', '.join(REPORT_ORDERS)}", by)
    if by != "miss" and not events.pc_available:
        raise InvalidRequestError("by", "no collision probability in these events: sort by 'miss' or compute "
                                        "Pc first", by)
    if by == "miss":
        ev = events.sort_by("miss_km")
    else:
        if by == "pc-2d":
            key = np.where(np.isfinite(events.pc), events.pc, events.pc_max)
        else:
            key = np.where(np.isfinite(events.pc_max), events.pc_max, events.pc)
        key = np.where(np.isfinite(key), -key, np.inf)
        ev = events[np.lexsort((events.tca.astype(np.int64), key))]
    ev = ev[np.arange(min(top, len(ev)))]
    lines = []
    lines.append(title or "Close approaches")
    lines.extend(header_lines)
    crit = {"miss": "minimum range", "pc-2d": "collision probability (2D, Foster)"}.get(by, "maximum probability")
    lines.append(f"Top {len(ev)} of {len(events)} by {crit}")
    lines.append("")
    pc_head = "Pc" if by == "pc-2d" else "Max Pc"
    head = (f"{'#':>3}  {'NORAD':>6}  {'Name':<24} {'Days':>5}  {pc_head:>9}  {'TCA (UTC)':<23}  "
            f"{'Range km':>9}  {'Rel v km/s':>10}")
    lines.append(head)
    lines.append("-" * len(head))
    for k in range(len(ev)):
        first, second = (ev.pc, ev.pc_max) if by == "pc-2d" else (ev.pc_max, ev.pc)
        pk = first[k] if np.isfinite(first[k]) else second[k]
        pcs = f"{pk:9.2e}" if np.isfinite(pk) else f"{'-':>9}"
        tca = format_iso(ev.tca[k], 3)
        tag = "  (" + BOUNDARY_NAMES[int(ev.boundary[k])] + ")" if ev.boundary[k] else ""
        lab1 = object_label(ev.norad_1[k], ev.object_id_1[k])
        lab2 = object_label(ev.norad_2[k], ev.object_id_2[k])
        eph1 = " (OEM)" if ev.state_source_1[k] == "OEM" else ""
        eph2 = " (OEM)" if ev.state_source_2[k] == "OEM" else ""
        lines.append(f"{k + 1:>3}  {lab1:>6}  {str(ev.name_1[k])[:24]:<24} {ev.age_1_days[k]:5.1f}  "
                     f"{pcs}  {tca:<23}  {ev.miss_km[k]:9.3f}  {ev.rel_speed_km_s[k]:10.3f}{tag}{eph1}")
        lines.append(f"{'':>3}  {lab2:>6}  {str(ev.name_2[k])[:24]:<24} {ev.age_2_days[k]:5.1f}{eph2}")
    return "\n".join(lines) + "\n"
