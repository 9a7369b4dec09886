"""In-memory CDM: ordered blocks of typed keyword values, plus typed accessors.

A :class:`Cdm` keeps every keyword it was given (CDM 1.0 and the 2.0-draft extras),
each block's comments, and nothing else: the KVN and XML writers produce the same
content, so KVN -> XML -> KVN round trips are lossless (``Cdm.__eq__`` compares the
content).  Values are stored typed, in the units the CDM standard prescribes for the
keyword (the registry in :mod:`.schema`): ``float`` / ``int`` / ``str`` /
``numpy.datetime64[ns]`` (UTC) / ``tuple`` for the 2.0 list keywords.

Accessors convert to orbitwatch's internal units at the edge and say so in their
names (``state_km``, ``cov6_rtn_km``, ``miss_distance_m``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .schema import (BLOCK_ORDER, OBJECT_BLOCKS, RTN_COV_KEYS, STATE_KEYS, XYZ_COV_KEYS, lookup)

__all__ = ["Block", "CdmObject", "Cdm"]


@dataclass(eq=False)
class Block:
    """One logical block: its comments and its keyword values (insertion-ordered)."""

    name: str
    comments: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    #: source line of each keyword (diagnostics only; not part of equality)
    lines: dict[str, int] = field(default_factory=dict)
    #: source line where the block started (diagnostics only)
    start_line: int | None = None
    #: keywords whose line a collecting reader rejected, with the line (diagnostics only)
    invalid: dict[str, int | None] = field(default_factory=dict)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Block):
            return NotImplemented
        if self.name != other.name or self.comments != other.comments:
            return False
        if set(self.values) != set(other.values):
            return False
        return all(_same(self.values[k], other.values[k]) for k in self.values)

    def __contains__(self, keyword: str) -> bool:
        return keyword in self.values

    def get(self, keyword: str, default=None):
        return self.values.get(keyword, default)

    def __getitem__(self, keyword: str):
        return self.values[keyword]

    def __setitem__(self, keyword: str, value) -> None:
        self.values[keyword] = value

    def is_empty(self) -> bool:
        return not self.values and not self.comments


def _json_value(v):
    """A keyword value as JSON data: epochs ISO UTC with Z (no digit lost), tuples as lists."""
    if isinstance(v, np.datetime64):
        from .validate import format_epoch_z

        return format_epoch_z(v)
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _same(a, b) -> bool:
    if isinstance(a, np.datetime64) or isinstance(b, np.datetime64):
        return np.datetime64(a, "ns") == np.datetime64(b, "ns")
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return a == b


@dataclass(eq=False)
class CdmObject:
    """One object's segment: metadata and data blocks, keyed by block name."""

    blocks: dict[str, Block] = field(default_factory=dict)
    #: comments found directly in the XML ``<data>`` element (KVN has no place for
    #: them, so the KVN writer emits them ahead of the first data block)
    data_comments: list[str] = field(default_factory=list)
    start_line: int | None = None

    def __eq__(self, other) -> bool:
        if not isinstance(other, CdmObject):
            return NotImplemented
        mine = {k: b for k, b in self.blocks.items() if not b.is_empty()}
        theirs = {k: b for k, b in other.blocks.items() if not b.is_empty()}
        return (mine.keys() == theirs.keys() and all(mine[k] == theirs[k] for k in mine)
                and self.data_comments == other.data_comments)

    def block(self, name: str) -> Block:
        """The named block, created empty if absent."""
        if name not in self.blocks:
            self.blocks[name] = Block(name)
        return self.blocks[name]

    def value(self, keyword: str, default=None):
        kw = lookup(keyword)
        if kw is None:
            return default
        b = self.blocks.get(kw.block)
        return default if b is None else b.values.get(keyword, default)

    # --- identity ---------------------------------------------------------------------
    @property
    def designator(self) -> str:
        return str(self.value("OBJECT_DESIGNATOR", ""))

    @property
    def name(self) -> str:
        return str(self.value("OBJECT_NAME", ""))

    @property
    def international_designator(self) -> str:
        return str(self.value("INTERNATIONAL_DESIGNATOR", ""))

    @property
    def object_type(self) -> str | None:
        return self.value("OBJECT_TYPE")

    @property
    def ref_frame(self) -> str:
        return str(self.value("REF_FRAME", "EME2000")).upper()

    @property
    def covariance_method(self) -> str | None:
        return self.value("COVARIANCE_METHOD")

    # --- state and covariance ----------------------------------------------------------
    @property
    def state_km(self) -> np.ndarray:
        """Position (km) and velocity (km/s) as one (6,) array, in ``ref_frame``."""
        b = self.blocks.get("state")
        if b is None:
            raise KeyError("no state vector")
        return np.array([float(b.values[k]) for k in STATE_KEYS])

    @property
    def covariance_dimension(self) -> int:
        """6, 7, 8 or 9: how many rows of the RTN covariance the message carries."""
        b = self.blocks.get("rtn")
        if b is None:
            return 0
        n = 0
        for key, i, j in RTN_COV_KEYS:
            if key in b.values and i == j:
                n = i + 1
        return n

    @property
    def covariance_rtn(self) -> np.ndarray:
        """The full symmetric RTN covariance in CDM units (m**2, m**2/s, m**2/s**2,
        m**3/kg ... as the keywords state), 6x6, 7x7, 8x8 or 9x9."""
        b = self.blocks.get("rtn")
        if b is None:
            raise KeyError("no covariance")
        n = self.covariance_dimension
        C = np.zeros((n, n))
        for key, i, j in RTN_COV_KEYS:
            if i < n:
                C[i, j] = C[j, i] = float(b.values[key])
        return C

    @property
    def cov6_rtn_km(self) -> np.ndarray:
        """The 6x6 position/velocity RTN covariance in km**2, km**2/s, km**2/s**2."""
        return self.covariance_rtn[:6, :6] * 1e-6

    @property
    def covariance_xyz(self) -> np.ndarray | None:
        """The CDM 2.0 alternate XYZ covariance (CDM units), or None."""
        b = self.blocks.get("xyz")
        if b is None or not b.values:
            return None
        n = max(i for key, i, j in XYZ_COV_KEYS if key in b.values) + 1
        C = np.zeros((n, n))
        for key, i, j in XYZ_COV_KEYS:
            if i < n and key in b.values:
                C[i, j] = C[j, i] = float(b.values[key])
        return C

    @property
    def hbr_m(self) -> float | None:
        """The object's own hard-body radius (CDM 2.0 ``HBR``), or None."""
        v = self.value("HBR")
        return None if v is None else float(v)

    @property
    def comments(self) -> list[str]:
        out = []
        for name in OBJECT_BLOCKS:
            b = self.blocks.get(name)
            if b is not None:
                out.extend(b.comments)
        return out + list(self.data_comments)


@dataclass(eq=False)
class Cdm:
    """A whole Conjunction Data Message."""

    version: str = "1.0"
    header: Block = field(default_factory=lambda: Block("header"))
    relative: Block = field(default_factory=lambda: Block("relative"))
    objects: list[CdmObject] = field(default_factory=lambda: [CdmObject(), CdmObject()])
    source: str = "<string>"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Cdm):
            return NotImplemented
        return (self.version == other.version and self.header == other.header
                and self.relative == other.relative and len(self.objects) == len(other.objects)
                and all(a == b for a, b in zip(self.objects, other.objects)))

    def difference(self, other: "Cdm") -> list[str]:
        """Human-readable list of what differs from ``other`` (empty when equal)."""
        out = []
        if self.version != other.version:
            out.append(f"version {self.version} != {other.version}")
        pairs = [("header", self.header, other.header), ("relative", self.relative, other.relative)]
        for i, (a, b) in enumerate(zip(self.objects, other.objects), 1):
            for name in BLOCK_ORDER[2:]:
                pairs.append((f"object{i}.{name}", a.blocks.get(name, Block(name)), b.blocks.get(name, Block(name))))
            if a.data_comments != b.data_comments:
                out.append(f"object{i} data comments differ")
        for label, a, b in pairs:
            if a.comments != b.comments:
                out.append(f"{label} comments {a.comments!r} != {b.comments!r}")
            for k in sorted(set(a.values) | set(b.values)):
                va, vb = a.values.get(k), b.values.get(k)
                if va is None or vb is None or not _same(va, vb):
                    out.append(f"{label}.{k}: {va!r} != {vb!r}")
        return out

    # --- header / relative accessors ----------------------------------------------------
    @property
    def object1(self) -> CdmObject:
        return self.objects[0]

    @property
    def object2(self) -> CdmObject:
        return self.objects[1]

    @property
    def message_id(self) -> str:
        return str(self.header.get("MESSAGE_ID", ""))

    @property
    def originator(self) -> str:
        return str(self.header.get("ORIGINATOR", ""))

    @property
    def creation_date(self) -> np.datetime64:
        return self.header["CREATION_DATE"]

    @property
    def tca(self) -> np.datetime64:
        """Time of closest approach, ``datetime64[ns]`` UTC."""
        return self.relative["TCA"]

    @property
    def miss_distance_m(self) -> float:
        return float(self.relative["MISS_DISTANCE"])

    @property
    def relative_speed_m_s(self) -> float | None:
        v = self.relative.get("RELATIVE_SPEED")
        return None if v is None else float(v)

    @property
    def relative_position_rtn_m(self) -> np.ndarray | None:
        keys = ("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N")
        if not all(k in self.relative for k in keys):
            return None
        return np.array([float(self.relative[k]) for k in keys])

    @property
    def relative_velocity_rtn_m_s(self) -> np.ndarray | None:
        keys = ("RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N")
        if not all(k in self.relative for k in keys):
            return None
        return np.array([float(self.relative[k]) for k in keys])

    @property
    def collision_probability(self) -> float | None:
        v = self.relative.get("COLLISION_PROBABILITY")
        return None if v is None else float(v)

    @property
    def collision_probability_method(self) -> str | None:
        return self.relative.get("COLLISION_PROBABILITY_METHOD")

    @property
    def comments(self) -> list[str]:
        out = list(self.header.comments) + list(self.relative.comments)
        for o in self.objects:
            out.extend(o.comments)
        return out

    @property
    def hbr_m(self) -> float | None:
        """The combined hard-body radius the message states, or None (see :meth:`hbr_stated`)."""
        return self.hbr_stated()[0]

    def hbr_stated(self) -> tuple[float | None, str]:
        """(combined HBR in m, where it was found), looked for in this order:

        1. the CDM 2.0 ``HBR`` of both objects (summed);
        2. a comment ``HBR = 10 [m]`` (NASA CARA's convention);
        3. one ``Operator Hard Body Radius =`` comment per object (Space-Track), summed;
        4. one ``Exclusion Volume Radius =`` comment per object (CSpOC CDMs), summed -
           the radii CSpOC's own Pc uses (see docs/collision-probability.md).
        """
        from .tolerant import EXCLUSION_COMMENT, HBR_COMMENT, parse_hbr_comment

        h1, h2 = self.object1.hbr_m, self.object2.hbr_m
        if h1 is not None and h2 is not None:
            return h1 + h2, "CDM HBR keywords"
        # a comment's own unit is honoured (``HBR = 0.02 [km]`` is 20 m); one that is not a
        # number or not a length is skipped (a tolerant read warns about it)
        for c in list(self.header.comments) + list(self.relative.comments) + self.object1.comments:
            if c.upper().lstrip().startswith("OPERATOR"):
                continue
            value = parse_hbr_comment(c, HBR_COMMENT)[0]
            if value is not None:
                return value, "CDM HBR comment"
        for pattern, label in ((HBR_COMMENT, "CDM operator hard-body radii"),
                               (EXCLUSION_COMMENT, "CDM exclusion volume radii")):
            per_object = []
            for o in self.objects:
                for c in o.comments:
                    value = parse_hbr_comment(c, pattern)[0]
                    if value is not None:
                        per_object.append(value)
                        break
            if len(per_object) == 2:
                return sum(per_object), label
        return None, ""

    def check(self) -> None:
        """Raise :class:`CDMError` unless every mandatory keyword is present."""
        from .validate import check_cdm

        check_cdm(self)

    def to_dict(self) -> dict:
        """Every keyword as JSON-ready data, in the units the CDM standard prescribes.

        Blocks map keyword -> value (numbers stay numbers; epochs are ISO-8601 UTC with
        a ``Z``; 2.0 list keywords are lists); ``units`` maps each keyword present that
        has a unit to it (``"MISS_DISTANCE": "m"``, ``"X": "km"``, ``"CR_R": "m**2"``).

        >>> from orbitwatch.conjunction.cdm import conjunction_cdm, CdmObjectInfo
        >>> import numpy as np
        >>> c = conjunction_cdm(tca="2024-01-02T03:04:05.5", r1_km=[7000, 0, 0], v1_km_s=[0, 7.5, 0],
        ...                     r2_km=[7000, 0.1, 0], v2_km_s=[0, 0, 7.5], object1=CdmObjectInfo("1"),
        ...                     object2=CdmObjectInfo("2"), cov1_km=np.eye(6) * 1e-6, cov2_km=np.eye(6) * 1e-6,
        ...                     creation_date="2024-01-01T00:00:00")
        >>> d = c.to_dict()
        >>> d["relative"]["TCA"], d["relative"]["MISS_DISTANCE"], d["units"]["MISS_DISTANCE"]
        ('2024-01-02T03:04:05.500Z', 100.0, 'm')
        """
        units: dict[str, str] = {}

        def block(b: Block | None) -> dict:
            out = {}
            if b is None:
                return out
            for k, v in b.values.items():
                out[k] = _json_value(v)
                kw = lookup(k)
                if kw is not None and kw.unit:
                    units[k] = kw.unit
            return out

        objects = []
        for o in self.objects:
            objects.append({name: block(o.blocks.get(name)) for name in BLOCK_ORDER[2:] if name in o.blocks})
        return {"version": self.version, "source": self.source, "header": block(self.header),
                "relative": block(self.relative), "objects": objects, "comments": self.comments,
                "units": units, "time_system": "UTC"}
