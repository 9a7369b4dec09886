"""What an Orbit Ephemeris Message holds: header, segments (metadata, states, covariances), comments.

Values are kept as the message wrote them: keyword text in the metadata, epochs
as ``datetime64[ns]`` readings in the segment's own ``TIME_SYSTEM``, numbers as
float64 in the CCSDS units (km, km/s, km/s**2, km**2...).  Conversions (UTC,
frames) are views computed on demand, so writing a message back gives the same
values in the same time system and frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ccsds import timesystems as _ts
from ..ccsds.epochs import format_epoch
from ..errors import InvalidRequestError
from ..timeutil import format_iso


def iso_z(t) -> str | None:
    """ISO-8601 UTC text with a ``Z`` (None for NaT/None)."""
    if t is None or np.isnat(np.datetime64(t, "ns")):
        return None
    return format_iso(t, 6) + "Z"


@dataclass
class ODMHeader:
    """Header of an ODM: version, creation date, originator (3.0: message id, classification), comments."""

    version: str = "2.0"
    creation_date: str = ""
    originator: str = ""
    message_id: str | None = None
    classification: str | None = None
    comments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {"version": self.version, "creation_date": self.creation_date, "originator": self.originator}
        if self.message_id is not None:
            out["message_id"] = self.message_id
        if self.classification is not None:
            out["classification"] = self.classification
        if self.comments:
            out["comments"] = list(self.comments)
        return out


@dataclass
class OEMMetadata:
    """One segment's metadata: keyword -> text as written, with parsed epochs and line numbers."""

    values: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    epochs: dict[str, np.datetime64] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int | None = None

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    @property
    def object_name(self) -> str:
        return self.values.get("OBJECT_NAME", "")

    @property
    def object_id(self) -> str:
        return self.values.get("OBJECT_ID", "")

    @property
    def center_name(self) -> str:
        return self.values.get("CENTER_NAME", "")

    @property
    def ref_frame(self) -> str:
        return self.values.get("REF_FRAME", "")

    @property
    def time_system(self) -> str:
        return self.values.get("TIME_SYSTEM", "")

    @property
    def interpolation(self) -> str | None:
        v = self.values.get("INTERPOLATION")
        return v.strip().upper() if v else None

    @property
    def interpolation_degree(self) -> int | None:
        v = self.values.get("INTERPOLATION_DEGREE")
        try:
            return int(v) if v is not None else None
        except ValueError:
            return None


@dataclass
class Covariance:
    """One 6x6 position-velocity covariance (km**2, km**2/s, km**2/s**2), symmetric."""

    epoch: np.datetime64 | None
    matrix: np.ndarray
    ref_frame: str | None = None
    comments: list[str] = field(default_factory=list)
    epoch_text: str | None = None
    line: int | None = None

    def to_dict(self, time_system: str = "UTC") -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.epoch is not None:
            out["epoch"] = self.epoch_text or format_epoch(self.epoch)
            out["time_system"] = time_system
            if _ts.is_supported(time_system):
                out["epoch_utc"] = iso_z(_ts.to_utc(np.array([self.epoch]), time_system)[0])
        if self.ref_frame:
            out["cov_ref_frame"] = self.ref_frame
        out["units"] = "km**2, km**2/s, km**2/s**2 (rows x, y, z, x_dot, y_dot, z_dot)"
        out["matrix"] = self.matrix.tolist()
        if self.comments:
            out["comments"] = list(self.comments)
        return out


@dataclass
class OEMSegment:
    """One metadata block and its ephemeris data (and covariances)."""

    metadata: OEMMetadata
    epochs: np.ndarray                       # (K,) datetime64[ns] in metadata.time_system
    position_km: np.ndarray                  # (K, 3)
    velocity_km_s: np.ndarray                # (K, 3)
    acceleration_km_s2: np.ndarray | None = None   # (K, 3); NaN rows where a line gave none
    covariances: list[Covariance] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    lines: np.ndarray | None = None          # (K,) 1-based line of each state in the source
    epoch_decimals: int = 3                  # fractional digits the data epochs were written with

    def __len__(self) -> int:
        return int(self.epochs.shape[0])

    @property
    def object_id(self) -> str:
        return self.metadata.object_id

    @property
    def object_name(self) -> str:
        return self.metadata.object_name

    @property
    def time_system(self) -> str:
        return self.metadata.time_system

    @property
    def frame(self) -> str:
        return self.metadata.ref_frame

    @property
    def has_accelerations(self) -> bool:
        return self.acceleration_km_s2 is not None and bool(np.isfinite(self.acceleration_km_s2).any())

    def _convertible(self) -> None:
        if not _ts.is_supported(self.time_system):
            raise InvalidRequestError(
                "time_system", f"{self.time_system!r} cannot be converted to UTC; supported: "
                f"{', '.join(_ts.SUPPORTED_TIME_SYSTEMS)}", self.time_system)

    @property
    def tai_ns(self) -> np.ndarray:
        """Data epochs on the continuous TAI scale (int64 ns since 1970-01-01 TAI)."""
        self._convertible()
        return _ts.to_tai_ns(self.epochs, self.time_system)

    @property
    def epochs_utc(self) -> np.ndarray:
        """Data epochs in UTC, ``datetime64[ns]``."""
        self._convertible()
        return _ts.to_utc(self.epochs, self.time_system)

    def _meta_epoch(self, key: str) -> np.datetime64 | None:
        return self.metadata.epochs.get(key)

    def span(self) -> tuple[np.datetime64, np.datetime64]:
        """START_TIME and STOP_TIME in the segment's time system."""
        return self._meta_epoch("START_TIME"), self._meta_epoch("STOP_TIME")

    def usable_span(self) -> tuple[np.datetime64, np.datetime64]:
        """USEABLE_START/STOP_TIME (START/STOP_TIME when absent), in the segment's time system."""
        start, stop = self.span()
        us = self._meta_epoch("USEABLE_START_TIME")
        ue = self._meta_epoch("USEABLE_STOP_TIME")
        return (us if us is not None else start), (ue if ue is not None else stop)

    def usable_span_tai_ns(self) -> tuple[int, int]:
        self._convertible()
        a, b = self.usable_span()
        out = _ts.to_tai_ns(np.array([a, b], dtype="datetime64[ns]"), self.time_system)
        return int(out[0]), int(out[1])

    def usable_span_utc(self) -> tuple[np.datetime64, np.datetime64]:
        self._convertible()
        a, b = self.usable_span()
        out = _ts.to_utc(np.array([a, b], dtype="datetime64[ns]"), self.time_system)
        return out[0], out[1]

    def step_s(self) -> float:
        """Median spacing of the data epochs in seconds (NaN with fewer than two states)."""
        if len(self) < 2:
            return float("nan")
        d = np.diff(self.epochs.astype(np.int64)) / 1e9
        d = d[d > 0]
        return float(np.median(d)) if d.size else float("nan")

    def to_dict(self, *, states: bool = False) -> dict[str, Any]:
        """Metadata, span, step and counts (and every state with ``states=True``), JSON-ready."""
        md = self.metadata
        out: dict[str, Any] = {
            "object_name": md.object_name, "object_id": md.object_id, "center_name": md.center_name,
            "ref_frame": md.ref_frame, "time_system": md.time_system,
            "metadata": dict(md.values), "states": len(self),
            "step_s": None if np.isnan(self.step_s()) else self.step_s(),
            "interpolation": md.interpolation, "interpolation_degree": md.interpolation_degree,
            "has_accelerations": self.has_accelerations, "covariances": len(self.covariances),
        }
        if _ts.is_supported(md.time_system):
            a, b = self.usable_span_utc()
            out["usable_start_utc"], out["usable_stop_utc"] = iso_z(a), iso_z(b)
            if len(self):
                u = self.epochs_utc
                out["first_state_utc"], out["last_state_utc"] = iso_z(u[0]), iso_z(u[-1])
        if md.comments:
            out["metadata_comments"] = list(md.comments)
        if self.comments:
            out["comments"] = list(self.comments)
        if states:
            from ..ccsds.epochs import format_epochs

            out["data"] = {
                "epoch": format_epochs(self.epochs, self.epoch_decimals),
                "position_km": self.position_km.tolist(),
                "velocity_km_s": self.velocity_km_s.tolist(),
            }
            if self.has_accelerations:
                out["data"]["acceleration_km_s2"] = self.acceleration_km_s2.tolist()
            out["covariance"] = [c.to_dict(md.time_system) for c in self.covariances]
        return out


@dataclass
class OEM:
    """An Orbit Ephemeris Message: header and one or more segments.

    >>> from orbitwatch.odm import parse_oem
    >>> text = '''CCSDS_OEM_VERS = 2.0
    ... CREATION_DATE = 2024-01-01T00:00:00
    ... ORIGINATOR = EXAMPLE
    ... META_START
    ... OBJECT_NAME = SAT
    ... OBJECT_ID = 2024-001A
    ... CENTER_NAME = EARTH
    ... REF_FRAME = EME2000
    ... TIME_SYSTEM = UTC
    ... START_TIME = 2024-01-01T00:00:00
    ... STOP_TIME = 2024-01-01T00:01:00
    ... META_STOP
    ... 2024-01-01T00:00:00 7000.0 0.0 0.0 0.0 7.5 0.0
    ... 2024-01-01T00:01:00 6995.9 450.0 0.0 -0.27 7.49 0.0
    ... '''
    >>> oem = parse_oem(text)
    >>> len(oem.segments), oem.segments[0].object_name, oem.segments[0].step_s()
    (1, 'SAT', 60.0)
    """

    header: ODMHeader
    segments: list[OEMSegment]
    source: str = "<string>"
    format: str = "KVN"

    @property
    def version(self) -> str:
        return self.header.version

    def object_ids(self) -> list[str]:
        """Object ids in order of first appearance."""
        return list(dict.fromkeys(s.object_id for s in self.segments))

    def states(self) -> int:
        return sum(len(s) for s in self.segments)

    def trajectories(self, *, frame: str | None = None):
        """One :class:`~orbitwatch.odm.interpolation.OEMTrajectory` per object (segments joined)."""
        from .interpolation import trajectories

        return trajectories([self], frame=frame)

    def interpolate(self, times, **kwargs):
        """States of every object at ``times`` (see :func:`orbitwatch.odm.interpolation.interpolate`)."""
        from .interpolation import interpolate

        return interpolate([self], times, **kwargs)

    def to_kvn(self) -> str:
        from .oem_kvn import write_oem_kvn

        return write_oem_kvn(self)

    def to_xml(self, **kwargs) -> str:
        from .oem_xml import write_oem_xml

        return write_oem_xml(self, **kwargs)

    def to_frame(self, frame: str) -> "OEM":
        """The same message with every segment's states in ``frame`` (see :mod:`orbitwatch.odm.frames`)."""
        from .frames import oem_to_frame

        return oem_to_frame(self, frame)

    def problems(self) -> list:
        """Every rule the message breaks beyond syntax (order, spans, values), as ODMErrors."""
        from .validate import check_oem

        return check_oem(self)

    def to_dict(self, *, states: bool = False) -> dict[str, Any]:
        """Header and segments, JSON-ready (positions km, velocities km/s, times ISO with Z for UTC)."""
        return {"type": "OEM", "source": self.source, "format": self.format, "header": self.header.to_dict(),
                "objects": self.object_ids(), "states": self.states(),
                "segments": [s.to_dict(states=states) for s in self.segments]}
