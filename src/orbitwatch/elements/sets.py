"""Columnar element sets: one numpy array per field, no Python object per satellite.

An :class:`ElementSets` holds N mean-element sets (TLE/OMM, SGP4 theory). Every
field is a 1-D array of length N. Angles are stored in degrees exactly as the
formats carry them (names say so); conversions to radians happen in the
propagation layer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..errors import ElementSetError

#: Object-type codes used in the ``object_type`` column.
OBJECT_TYPES = {0: "UNKNOWN", 1: "PAYLOAD", 2: "ROCKET BODY", 3: "DEBRIS"}
OBJECT_TYPE_CODES = {v: k for k, v in OBJECT_TYPES.items()}
OBJECT_TYPE_CODES.update({"ROCKET_BODY": 2, "R/B": 2, "TBA": 0, "OTHER": 0, "": 0})

_FLOAT_COLS = (
    "mean_motion_dot", "mean_motion_ddot", "bstar",
    "inclination_deg", "raan_deg", "eccentricity", "arg_perigee_deg",
    "mean_anomaly_deg", "mean_motion_rev_per_day",
)
_INT_COLS = {"norad_id": np.int64, "ephemeris_type": np.int16, "element_set_no": np.int32,
             "rev_at_epoch": np.int64, "object_type": np.int8, "source_line": np.int64}
_STR_COLS = ("name", "intl_designator", "classification", "center_name", "ref_frame",
             "time_system", "mean_element_theory", "originator", "comment")
_STR_DEFAULTS = {"classification": "U", "center_name": "EARTH", "ref_frame": "TEME",
                 "time_system": "UTC", "mean_element_theory": "SGP4"}


def _str_array(values, n) -> np.ndarray:
    if values is None:
        return np.full(n, "", dtype="U1")
    arr = np.asarray(values)
    if arr.dtype.kind != "U":
        arr = arr.astype(str)
    return arr


@dataclass(eq=False)
class ElementSets:
    """N mean-element sets as columns.

    Columns (all shape ``(N,)``):

    ========================== ============== ==============================================
    name                       dtype          meaning
    ========================== ============== ==============================================
    norad_id                   int64          catalog number (Alpha-5 decoded: T0000 -> 270000)
    name                       str            object name ('' when the source has none)
    intl_designator            str            COSPAR id, ``YYYY-NNNP`` ('' when unknown)
    classification             str            'U', 'C', 'S'
    epoch                      datetime64[ns] element-set epoch, UTC
    mean_motion_dot            float64        first derivative of mean motion / 2, rev/day^2
    mean_motion_ddot           float64        second derivative of mean motion / 6, rev/day^3
    bstar                      float64        B* drag term, 1/earth radii
    ephemeris_type             int16          0 (SGP4) for published TLEs
    element_set_no             int32          element set number
    inclination_deg            float64        mean inclination
    raan_deg                   float64        right ascension of ascending node
    eccentricity               float64        mean eccentricity, [0, 1)
    arg_perigee_deg            float64        argument of perigee
    mean_anomaly_deg           float64        mean anomaly
    mean_motion_rev_per_day    float64        Kozai mean motion
    rev_at_epoch               int64          revolution number at epoch
    object_type                int8           0 unknown, 1 payload, 2 rocket body, 3 debris
    source_line                int64          line of the record in its source (-1 unknown)
    center_name ... comment    str            OMM metadata, kept for round trips
    creation_date              datetime64[ns] OMM header creation date (NaT when absent)
    ========================== ============== ==============================================
    """

    norad_id: np.ndarray
    epoch: np.ndarray
    mean_motion_dot: np.ndarray
    mean_motion_ddot: np.ndarray
    bstar: np.ndarray
    inclination_deg: np.ndarray
    raan_deg: np.ndarray
    eccentricity: np.ndarray
    arg_perigee_deg: np.ndarray
    mean_anomaly_deg: np.ndarray
    mean_motion_rev_per_day: np.ndarray
    name: np.ndarray = None
    intl_designator: np.ndarray = None
    classification: np.ndarray = None
    ephemeris_type: np.ndarray = None
    element_set_no: np.ndarray = None
    rev_at_epoch: np.ndarray = None
    object_type: np.ndarray = None
    source_line: np.ndarray = None
    center_name: np.ndarray = None
    ref_frame: np.ndarray = None
    time_system: np.ndarray = None
    mean_element_theory: np.ndarray = None
    originator: np.ndarray = None
    comment: np.ndarray = None
    creation_date: np.ndarray = None
    #: Where the records came from (a file name), for messages.
    source: str = field(default="<memory>", compare=False)

    def __post_init__(self):
        n = len(np.asarray(self.norad_id))
        self.norad_id = np.asarray(self.norad_id, dtype=np.int64)
        self.epoch = np.asarray(self.epoch, dtype="datetime64[ns]")
        for c in _FLOAT_COLS:
            setattr(self, c, np.asarray(getattr(self, c), dtype=np.float64))
        for c, dt in _INT_COLS.items():
            v = getattr(self, c)
            default = -1 if c == "source_line" else 0
            setattr(self, c, np.full(n, default, dtype=dt) if v is None else np.asarray(v, dtype=dt))
        for c in _STR_COLS:
            v = getattr(self, c)
            if v is None:
                setattr(self, c, np.full(n, _STR_DEFAULTS.get(c, ""), dtype="U16" if c in _STR_DEFAULTS else "U1"))
            else:
                setattr(self, c, _str_array(v, n))
        if self.creation_date is None:
            self.creation_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            self.creation_date = np.asarray(self.creation_date, dtype="datetime64[ns]")
        for f in self.column_names():
            a = getattr(self, f)
            if a.shape != (n,):
                raise ValueError(f"column {f} has shape {a.shape}, expected ({n},)")

    # ------------------------------------------------------------------ basics
    @classmethod
    def column_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name != "source"]

    def __len__(self) -> int:
        return len(self.norad_id)

    def __getitem__(self, idx) -> "ElementSets":
        """Subset by integer index array, boolean mask or slice (always returns ElementSets)."""
        if isinstance(idx, (int, np.integer)):
            idx = np.array([idx])
        return ElementSets(**{c: getattr(self, c)[idx] for c in self.column_names()}, source=self.source)

    def __repr__(self) -> str:
        return f"<ElementSets n={len(self)} source={self.source!r}>"

    def columns(self) -> dict[str, np.ndarray]:
        return {c: getattr(self, c) for c in self.column_names()}

    def equals(self, other: "ElementSets", ignore: tuple[str, ...] = ("source_line",)) -> bool:
        """Field-by-field equality (NaT == NaT), ignoring provenance columns by default."""
        if len(self) != len(other):
            return False
        for c in self.column_names():
            if c in ignore:
                continue
            a, b = getattr(self, c), getattr(other, c)
            if a.dtype.kind == "M":
                if not np.array_equal(a.astype(np.int64), b.astype(np.int64)):
                    return False
            elif not np.array_equal(a, b):
                return False
        return True

    @classmethod
    def empty(cls) -> "ElementSets":
        z = np.zeros(0)
        return cls(norad_id=np.zeros(0, np.int64), epoch=np.zeros(0, "datetime64[ns]"),
                   **{c: z for c in _FLOAT_COLS})

    @classmethod
    def concat(cls, parts: Iterable["ElementSets"]) -> "ElementSets":
        parts = [p for p in parts if p is not None]
        if not parts:
            return cls.empty()
        cols = {}
        for c in cls.column_names():
            arrays = [getattr(p, c) for p in parts]
            cols[c] = np.concatenate(arrays)
        src = parts[0].source if len({p.source for p in parts}) == 1 else "<merged>"
        return cls(**cols, source=src)

    def sort_by(self, *keys: str) -> "ElementSets":
        order = np.lexsort(tuple(getattr(self, k) for k in reversed(keys)))
        return self[order]

    # ---------------------------------------------------------------- derived
    @property
    def object_type_name(self) -> np.ndarray:
        names = np.array([OBJECT_TYPES[i] for i in range(4)])
        return names[np.clip(self.object_type, 0, 3)]

    @property
    def semi_major_axis_km(self) -> np.ndarray:
        """Semi-major axis from the Kozai mean motion (two-body, WGS-72 mu), km."""
        from ..constants import MU_WGS72_KM3_S2
        n_rad_s = self.mean_motion_rev_per_day * 2.0 * np.pi / 86400.0
        with np.errstate(divide="ignore"):
            return np.cbrt(MU_WGS72_KM3_S2 / n_rad_s**2)

    @property
    def perigee_km(self) -> np.ndarray:
        """Perigee altitude above the WGS-72 equatorial radius, km."""
        from ..constants import RE_WGS72_KM
        return self.semi_major_axis_km * (1.0 - self.eccentricity) - RE_WGS72_KM

    @property
    def apogee_km(self) -> np.ndarray:
        """Apogee altitude above the WGS-72 equatorial radius, km."""
        from ..constants import RE_WGS72_KM
        return self.semi_major_axis_km * (1.0 + self.eccentricity) - RE_WGS72_KM

    @property
    def period_min(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return 1440.0 / self.mean_motion_rev_per_day


def validate_domain(es: ElementSets, source: str) -> tuple[np.ndarray, list[ElementSetError]]:
    """Physical-domain checks shared by every format; returns (good mask, errors)."""
    n = len(es)
    bad = np.zeros(n, dtype=bool)
    errors: list[ElementSetError] = []
    checks = [
        ("eccentricity", ~((es.eccentricity >= 0.0) & (es.eccentricity < 1.0)),
         lambda v: f"eccentricity {v!r} outside [0, 1)"),
        ("mean_motion", ~(es.mean_motion_rev_per_day > 0.0),
         lambda v: f"mean motion {v!r} rev/day is not positive"),
        ("inclination", ~((es.inclination_deg >= 0.0) & (es.inclination_deg <= 180.0)),
         lambda v: f"inclination {v!r} deg outside [0, 180]"),
        ("epoch", np.isnat(es.epoch), lambda v: "missing or impossible epoch"),
    ]
    values = {"eccentricity": es.eccentricity, "mean_motion": es.mean_motion_rev_per_day,
              "inclination": es.inclination_deg, "epoch": es.epoch}
    for fieldname, mask, msg in checks:
        for i in np.flatnonzero(mask & ~bad):
            line = int(es.source_line[i]) if es.source_line[i] >= 0 else None
            errors.append(ElementSetError(source, line, fieldname, msg(values[fieldname][i].item()),
                                          record=int(i)))
        bad |= mask
    return ~bad, errors
