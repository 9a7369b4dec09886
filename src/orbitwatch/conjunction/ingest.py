"""CDM ingest: conjunction data messages into event tracks, the CDM's Pc beside orbitwatch's.

Operators receive a CDM again and again for one encounter as tracking improves. Each
message ingested becomes one update of the *event track* of its encounter (same pair,
TCA within the tolerance of :mod:`orbitwatch.conjunction.tracks`), stored through the
store's event-history API (``store.record_conjunctions``). Every update keeps

* the CDM's own ``COLLISION_PROBABILITY`` (``source_pc``) and orbitwatch's recomputed Pc
  (``pc``): the recommended Pc of :func:`~orbitwatch.conjunction.pc.assess_cdm` (Foster
  2D, 3D-Nc or Monte Carlo by CARA's rules), or Foster's when no Pc can be recommended,
  with ``pc_method`` saying which;
* TCA, miss distance, its RTN components and the relative speed (the CDM's own values;
  what the CDM leaves out is computed from the two states), ``covariance_source = "CDM"``;
* the ages of the two orbit determinations at TCA: TCA minus ``OD_EPOCH``, else minus
  ``TIME_LASTOB_END`` (the last observation), else unknown (NaN).

Order and clock: a batch is recorded oldest ``CREATION_DATE`` first, one run per CDM, and
each run's clock is its CDM's creation date (``computed_at`` and ``as_of`` of the run), so
replaying old messages builds the history they describe: a track goes ``past`` when a
later message is created after its TCA. A message already recorded (same originator and
``MESSAGE_ID``, in the store or earlier in the batch) is skipped and reported as a
duplicate, so ingesting a folder twice changes nothing.

Bad files (what a batch does with them):

* default (tolerant reading, :mod:`orbitwatch.conjunction.cdm.tolerant`): the quirks of
  real messages that are unambiguous are accepted, each with a :class:`CdmWarning`; a
  file that still cannot be read or assessed is reported with every problem (file,
  line, keyword, reason) and the good files are recorded (the CLI exits 3, partial);
* ``strict``: the readers accept nothing beyond the standard, and every file is read and
  assessed before anything is recorded: one bad file and nothing is recorded.

A run is one transaction of the store, so what is recorded is always whole CDMs.

>>> from orbitwatch.conjunction.cdm import conjunction_cdm, CdmObjectInfo
>>> import numpy as np
>>> c = conjunction_cdm(tca="2024-01-02T03:04:05", r1_km=[7000, 0, 0], v1_km_s=[0, 7.5, 0],
...                     r2_km=[7000, 0.1, 0], v2_km_s=[0, 0, 7.5], object1=CdmObjectInfo("25544"),
...                     object2=CdmObjectInfo("30337"), cov1_km=np.eye(6) * 1e-6, cov2_km=np.eye(6) * 1e-6,
...                     creation_date="2024-01-01T00:00:00", message_id="M1")
>>> ev = cdm_events([c])
>>> len(ev), int(ev.norad_1[0]), int(ev.norad_2[0]), round(float(ev.miss_km[0]), 3)
(1, 25544, 30337, 0.1)
>>> cdm_source_ref(c)
'ORBITWATCH:M1'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import DataError, InputNotFoundError, OrbitwatchError
from ..progress import Progress, ProgressCallback, as_progress
from .cdm import CDMError, CdmWarning, validate_cdm
from .pc import PcRequest, assess_cdm
from .pc.assess import FOSTER_2D

__all__ = ["CdmEvents", "cdm_events", "cdm_source_ref", "CdmIngestRequest", "IngestedCdm", "RejectedCdm",
           "IngestReport", "ingest_cdms", "FOSTER_NOT_VALIDATED", "COVARIANCE_SOURCE_CDM"]

#: ``pc_method`` of an update whose Pc is Foster's because no Pc could be recommended
FOSTER_NOT_VALIDATED = f"{FOSTER_2D}, not validated (no recommendation)"
#: ``covariance_source`` of every CDM update
COVARIANCE_SOURCE_CDM = "CDM"

_STATES = ("r1_teme_km", "v1_teme_km_s", "r2_teme_km", "v2_teme_km_s")


def _iso(t) -> str | None:
    from ..timeutil import format_iso

    if t is None or np.isnat(np.datetime64(t, "ns")):
        return None
    return format_iso(np.datetime64(t, "ns"), 3) + "Z"


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def cdm_source_ref(cdm) -> str:
    """The reference an update keeps to its CDM: ``ORIGINATOR:MESSAGE_ID`` (a message id
    is unique per originator, CCSDS 508.0-B-1 3.2)."""
    return f"{cdm.originator}:{cdm.message_id}"


def _designator(cdm, idx: int) -> int:
    obj = cdm.objects[idx]
    text = obj.designator.strip()
    try:
        value = int(text)
        if value <= 0:
            raise ValueError
        return value
    except ValueError:
        meta = obj.blocks.get("metadata")
        line = meta.lines.get("OBJECT_DESIGNATOR") if meta is not None else None
        raise CDMError(cdm.source, line, "OBJECT_DESIGNATOR",
                       f"OBJECT{idx + 1} designator {text!r} is not a catalog number: event tracks are kept by "
                       f"catalog number") from None


def _age_days(cdm, idx: int) -> float:
    """TCA minus the OD epoch (``OD_EPOCH``, else the last observation ``TIME_LASTOB_END``), days; NaN if unknown."""
    obj = cdm.objects[idx]
    for key in ("OD_EPOCH", "TIME_LASTOB_END"):
        t = obj.value(key)
        if t is not None:
            return float((np.datetime64(cdm.tca, "ns") - np.datetime64(t, "ns")).astype(np.int64)) / 86400e9
    return math.nan


@dataclass(eq=False)
class CdmEvents:
    """CDMs as the columns of :class:`~orbitwatch.conjunction.ConjunctionEvents` that the
    event history reads, one row per CDM (object 1 is the CDM's OBJECT1).

    ``r1_teme_km`` ... hold each object's *inertial* state at TCA (EME2000, km, km/s)
    rather than TEME: the event history uses these states only for the orbital periods
    behind its matching tolerance, which any inertial frame gives alike (EME2000 and
    TEME differ by a rotation of well under a degree).  ``source_pc`` is the CDM's own
    ``COLLISION_PROBABILITY`` (NaN when it has none), ``pc`` orbitwatch's recomputed Pc
    and ``pc_method`` which method gave it.
    """

    norad_1: np.ndarray
    norad_2: np.ndarray
    name_1: np.ndarray
    name_2: np.ndarray
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
    age_1_days: np.ndarray
    age_2_days: np.ndarray
    pc: np.ndarray
    pc_max: np.ndarray
    source_pc: np.ndarray
    pc_method: np.ndarray
    source_ref: np.ndarray
    creation_date: np.ndarray

    def __len__(self) -> int:
        return len(self.norad_1)

    def __getitem__(self, idx) -> "CdmEvents":
        if isinstance(idx, (int, np.integer)):
            idx = np.array([idx])
        return CdmEvents(**{k: v[idx] for k, v in self.__dict__.items()})

    def to_records(self) -> list[dict]:
        """One JSON-ready mapping per CDM: ISO times with Z, units in the keys."""
        out = []
        for i in range(len(self)):
            out.append({
                "norad_1": int(self.norad_1[i]), "norad_2": int(self.norad_2[i]), "name_1": str(self.name_1[i]),
                "name_2": str(self.name_2[i]), "tca": _iso(self.tca[i]), "creation_date": _iso(self.creation_date[i]),
                "miss_km": _num(self.miss_km[i]), "radial_km": _num(self.radial_km[i]),
                "in_track_km": _num(self.in_track_km[i]), "cross_track_km": _num(self.cross_track_km[i]),
                "rel_speed_km_s": _num(self.rel_speed_km_s[i]), "age_1_days": _num(self.age_1_days[i]),
                "age_2_days": _num(self.age_2_days[i]), "pc": _num(self.pc[i]), "pc_max": _num(self.pc_max[i]),
                "pc_method": str(self.pc_method[i]), "source_pc": _num(self.source_pc[i]),
                "source_ref": str(self.source_ref[i])})
        return out


def _row(cdm, assessment) -> dict[str, Any]:
    from .pc.encounter import relative_rtn

    s = assessment.states
    n1, n2 = _designator(cdm, 0), _designator(cdm, 1)
    rtn = cdm.relative_position_rtn_m
    if rtn is None:           # the CDM leaves the relative state out: object 2 relative to object 1, RTN of 1
        rtn_km = relative_rtn(s.r1_km, s.v1_km_s, s.r2_km, s.v2_km_s)[0]
    else:
        rtn_km = rtn / 1000.0
    speed = cdm.relative_speed_m_s
    speed_km_s = float(np.linalg.norm(s.v2_km_s - s.v1_km_s)) if speed is None else speed / 1000.0
    rec = assessment.recommended
    t = assessment.pc2d
    if rec.given:
        pc, method = rec.pc, rec.method
    else:
        pc, method = (float(t.foster[0]) if t.foster is not None else math.nan), FOSTER_NOT_VALIDATED
    source_pc = cdm.collision_probability
    # the *_teme_km columns get the EME2000 states of assess_cdm (CDM states are ITRF, EME2000 or GCRF):
    # record_conjunctions only derives the orbital periods behind its matching tolerance from them, and
    # any inertial frame gives the same periods
    return {
        "norad_1": n1, "norad_2": n2, "name_1": cdm.object1.name, "name_2": cdm.object2.name,
        "tca": np.datetime64(cdm.tca, "ns"), "miss_km": cdm.miss_distance_m / 1000.0,
        "radial_km": float(rtn_km[0]), "in_track_km": float(rtn_km[1]), "cross_track_km": float(rtn_km[2]),
        "rel_speed_km_s": speed_km_s, "r1_teme_km": s.r1_km, "v1_teme_km_s": s.v1_km_s, "r2_teme_km": s.r2_km,
        "v2_teme_km_s": s.v2_km_s, "age_1_days": _age_days(cdm, 0), "age_2_days": _age_days(cdm, 1),
        "pc": math.nan if pc is None else float(pc),
        "pc_max": float(t.max_pc[0]) if t.max_pc is not None else math.nan,
        "source_pc": math.nan if source_pc is None else float(source_pc), "pc_method": method,
        "source_ref": cdm_source_ref(cdm), "creation_date": np.datetime64(cdm.creation_date, "ns"),
    }


def _columns(rows: list[dict]) -> CdmEvents:
    if not rows:
        empty = {k: np.zeros(0) for k in ("miss_km", "radial_km", "in_track_km", "cross_track_km", "rel_speed_km_s",
                                          "age_1_days", "age_2_days", "pc", "pc_max", "source_pc")}
        empty.update({k: np.zeros((0, 3)) for k in _STATES})
        empty.update({k: np.zeros(0, np.int64) for k in ("norad_1", "norad_2")})
        empty.update({k: np.zeros(0, "datetime64[ns]") for k in ("tca", "creation_date")})
        empty.update({k: np.zeros(0, "U1") for k in ("name_1", "name_2", "pc_method", "source_ref")})
        return CdmEvents(**empty)
    cols = {}
    for k in rows[0]:
        vals = [r[k] for r in rows]
        if k in _STATES:
            cols[k] = np.array([np.asarray(v, float) for v in vals]).reshape(len(rows), 3)
        elif k in ("norad_1", "norad_2"):
            cols[k] = np.array(vals, dtype=np.int64)
        elif k in ("tca", "creation_date"):
            cols[k] = np.array(vals, dtype="datetime64[ns]")
        elif k in ("name_1", "name_2", "pc_method", "source_ref"):
            cols[k] = np.array([str(v) for v in vals])
        else:
            cols[k] = np.array(vals, dtype=np.float64)
    return CdmEvents(**cols)


def cdm_events(cdms: Sequence, assessments: Sequence | None = None, *, request: PcRequest | None = None,
               hbr_table=None) -> CdmEvents:
    """The event columns of parsed CDMs (one row each), recomputing the Pc of each with
    :func:`~orbitwatch.conjunction.pc.assess_cdm` unless its assessment is given."""
    request = request or PcRequest()
    rows = []
    for i, cdm in enumerate(cdms):
        a = assessments[i] if assessments is not None else assess_cdm(cdm, hbr_table=hbr_table, request=request)
        rows.append(_row(cdm, a))
    return _columns(rows)


# ------------------------------------------------------------------------------------------------ the batch
@dataclass(frozen=True)
class CdmIngestRequest:
    """What an ingest may be asked: ``strict`` reading (and all-or-nothing recording) and
    the options of the recomputed Pc (a :class:`~orbitwatch.conjunction.pc.PcRequest`,
    validated when built).

    >>> CdmIngestRequest().strict, CdmIngestRequest(pc=PcRequest(three_d=False)).pc.three_d
    (False, False)
    """

    strict: bool = False
    pc: PcRequest = field(default_factory=PcRequest)

    def __post_init__(self):
        from ..errors import InvalidRequestError

        object.__setattr__(self, "strict", bool(self.strict))
        if not isinstance(self.pc, PcRequest):
            raise InvalidRequestError("pc", "must be a PcRequest", self.pc)


@dataclass(frozen=True)
class IngestedCdm:
    """One CDM that was read and assessed, and what became of it: ``new`` (a new track),
    ``updated`` (an update of a known track), ``duplicate`` (already recorded: skipped),
    or ``not recorded`` (a strict batch with a bad file)."""

    file: str
    source_ref: str
    event: dict
    outcome: str
    track_id: int | None = None
    run_id: int | None = None
    warnings: tuple[CdmWarning, ...] = ()

    def to_dict(self) -> dict:
        return {"file": self.file, "source_ref": self.source_ref, "outcome": self.outcome, "track_id": self.track_id,
                "run_id": self.run_id, **{k: v for k, v in self.event.items() if k != "source_ref"},
                "warnings": [w.to_dict() for w in self.warnings]}


def _problem_dict(exc: BaseException) -> dict:
    if isinstance(exc, OrbitwatchError):
        return exc.to_dict()
    out = {"type": type(exc).__name__, "message": str(exc)}
    filename = getattr(exc, "filename", None)
    if filename is not None:
        out["source"] = str(filename)
    return out


@dataclass(frozen=True)
class RejectedCdm:
    """A file that could not be ingested, with every problem found (each a
    :class:`~orbitwatch.errors.DataError` naming file, line, keyword and reason, or the
    OS error of a file that cannot be read)."""

    file: str
    problems: tuple[BaseException, ...]
    warnings: tuple[CdmWarning, ...] = ()

    def to_dict(self) -> dict:
        return {"file": self.file, "problems": [_problem_dict(e) for e in self.problems],
                "warnings": [w.to_dict() for w in self.warnings]}


@dataclass
class IngestReport:
    """The outcome of :func:`ingest_cdms`: every file ingested or rejected, the warnings
    of the tolerant reads, and whether anything was recorded."""

    strict: bool
    ingested: list[IngestedCdm] = field(default_factory=list)
    rejected: list[RejectedCdm] = field(default_factory=list)

    @property
    def recorded(self) -> list[IngestedCdm]:
        """The CDMs recorded by this ingest (new tracks and updates)."""
        return [x for x in self.ingested if x.outcome in ("new", "updated")]

    @property
    def warnings(self) -> list[CdmWarning]:
        return [w for x in self.ingested for w in x.warnings] + [w for x in self.rejected for w in x.warnings]

    @property
    def status(self) -> str:
        """``ok`` (nothing rejected), ``partial`` (some rejected, the rest ingested) or
        ``failed`` (nothing ingested because of rejected files)."""
        if not self.rejected:
            return "ok"
        return "partial" if any(x.outcome != "not recorded" for x in self.ingested) else "failed"

    def to_dict(self) -> dict:
        return {
            "strict": self.strict, "status": self.status, "n_files": len(self.ingested) + len(self.rejected),
            "n_recorded": len(self.recorded),
            "n_duplicates": sum(x.outcome == "duplicate" for x in self.ingested),
            "ingested": [x.to_dict() for x in self.ingested], "rejected": [x.to_dict() for x in self.rejected],
            "units": {"miss_km": "km", "radial_km": "km (object 2 relative to object 1, RTN of object 1)",
                      "in_track_km": "km", "cross_track_km": "km", "rel_speed_km_s": "km/s", "age_*_days": "days",
                      "tca": "UTC", "creation_date": "UTC",
                      "pc": "probability (orbitwatch's recomputed Pc; pc_method says which)",
                      "source_pc": "probability (the CDM's COLLISION_PROBABILITY)",
                      "pc_max": "probability (maximum over covariance scaling)"},
        }


class _Problems(Exception):
    def __init__(self, problems: tuple, warnings: tuple):
        super().__init__(problems[0] if problems else "")
        self.problems = problems
        self.warnings = warnings


def _read_one(path: Path, strict: bool) -> tuple:
    """(cdm, warnings) of one file; its read problems are raised together as one :class:`_Problems`."""
    v = validate_cdm(path, tolerant=not strict)
    if v.problems:
        raise _Problems(tuple(v.problems), tuple(v.warnings))
    try:
        _designator(v.cdm, 0), _designator(v.cdm, 1)
    except CDMError as exc:
        raise _Problems((exc,), tuple(v.warnings)) from None
    return v.cdm, tuple(v.warnings)


def _plain_row(cdm) -> dict:
    """What a CDM says of its event, without orbitwatch's Pc (for duplicates, which are not assessed)."""
    spc = cdm.collision_probability
    return {"norad_1": _designator(cdm, 0), "norad_2": _designator(cdm, 1), "name_1": cdm.object1.name,
            "name_2": cdm.object2.name, "tca": _iso(cdm.tca), "creation_date": _iso(cdm.creation_date),
            "miss_km": cdm.miss_distance_m / 1000.0, "pc": None, "pc_method": "", "source_pc": spc,
            "source_ref": cdm_source_ref(cdm)}


def _stored_refs(store, lo: int, hi: int) -> set[str]:
    refs: set[str] = set()
    for tr in store.tracks(norad_ids=[lo, hi]):
        if (tr.norad_lo, tr.norad_hi) != (lo, hi):
            continue
        refs.update(u.source_ref for u in store.track(tr.track_id).updates if u.source == "cdm")
    return refs


def ingest_cdms(store, paths: Iterable, *, request: CdmIngestRequest | None = None, strict: bool | None = None,
                hbr_table=None, progress: Progress | ProgressCallback | None = None) -> IngestReport:
    """Read CDM files into event tracks of ``store`` (an :class:`~orbitwatch.store.Store`,
    or anything with its ``record_conjunctions``, ``tracks`` and ``track``).

    ``paths`` are files (expand folders first). ``request`` (or the shortcut ``strict``)
    chooses strict or tolerant reading and the Pc options. Returns an
    :class:`IngestReport`; files that cannot be read or assessed are in its ``rejected``
    list (never raised), and with ``strict`` one of them means nothing is recorded.
    ``progress`` gets ``update(done, total, stage)`` per file ("reading", "assessing",
    "recording") and can cancel between files (:class:`~orbitwatch.errors.CancelledError`; the CDMs
    recorded before stay recorded, each whole).
    """
    if request is None:
        request = CdmIngestRequest(strict=bool(strict))
    elif strict is not None and bool(strict) != request.strict:
        from ..errors import InvalidRequestError

        raise InvalidRequestError("strict", "give strict in the request or as the keyword, not both differently",
                                  strict)
    prog = as_progress(progress)
    files = [Path(p) for p in paths]
    report = IngestReport(strict=request.strict)
    parsed: list[tuple[int, Path, Any, tuple]] = []
    for i, p in enumerate(files):
        prog.check()
        prog.update(i, len(files), "reading")
        try:
            cdm, warnings = _read_one(p, request.strict)
        except _Problems as exc:
            report.rejected.append(RejectedCdm(p.name, exc.problems, exc.warnings))
            continue
        except (DataError, InputNotFoundError, OSError) as exc:
            report.rejected.append(RejectedCdm(p.name, (exc,)))
            continue
        parsed.append((i, p, cdm, warnings))
    prog.update(len(files), len(files), "reading")
    # oldest message first: each run's clock is its CDM's creation date
    parsed.sort(key=lambda g: (np.datetime64(g[2].creation_date, "ns"), g[0]))
    seen: dict[tuple[int, int], set[str]] = {}
    todo: list[tuple[int, Path, Any, CdmEvents, dict, tuple]] = []
    done: list[tuple[int, IngestedCdm]] = []        # (place in the oldest-first order, outcome)
    for k, (_, p, cdm, warnings) in enumerate(parsed):
        prog.check()
        prog.update(k, len(parsed), "assessing")
        ref = cdm_source_ref(cdm)
        n1, n2 = _designator(cdm, 0), _designator(cdm, 1)
        pair = (min(n1, n2), max(n1, n2))
        if pair not in seen:
            seen[pair] = _stored_refs(store, *pair)
        if ref in seen[pair]:          # recorded before, or earlier in this batch: not assessed again
            done.append((k, IngestedCdm(p.name, ref, _plain_row(cdm), "duplicate", warnings=warnings)))
            continue
        try:
            a = assess_cdm(cdm, hbr_table=hbr_table, request=request.pc)
        except DataError as exc:
            report.rejected.append(RejectedCdm(p.name, (exc,), warnings))
            continue
        ev = _columns([_row(cdm, a)])
        seen[pair].add(ref)
        todo.append((k, p, cdm, ev, ev.to_records()[0], warnings))
    prog.update(len(parsed), len(parsed), "assessing")
    if request.strict and report.rejected:      # all or nothing
        for k, p, cdm, ev, row, warnings in todo:
            done.append((k, IngestedCdm(p.name, row["source_ref"], row, "not recorded", warnings=warnings)))
        report.ingested = [x for _, x in sorted(done, key=lambda d: d[0])]
        return report
    for j, (k, p, cdm, ev, row, warnings) in enumerate(todo):
        prog.check()
        prog.update(j, len(todo), "recording")
        clock = np.datetime64(cdm.creation_date, "ns")
        run = store.record_conjunctions(
            ev, kind="cdm", computed_at=clock, as_of=clock, label=p.name, source_ref=[row["source_ref"]],
            source_pc=ev.source_pc, pc_method=str(ev.pc_method[0]), covariance_source=COVARIANCE_SOURCE_CDM)
        if run.new:
            outcome, track_id = "new", run.new[0]
        elif run.updated:
            outcome, track_id = "updated", run.updated[0]
        else:       # its TCA is already before the message's own creation date: the track went past at once
            mine = store.tracks(run_id=run.run_id)
            track_id = mine[0].track_id if mine else None
            outcome = "updated" if mine and mine[0].n_updates > 1 else "new"
        done.append((k, IngestedCdm(p.name, row["source_ref"], row, outcome, track_id, run.run_id, warnings)))
        report.ingested = [x for _, x in sorted(done, key=lambda d: d[0])]
    report.ingested = [x for _, x in sorted(done, key=lambda d: d[0])]
    prog.update(len(todo), len(todo), "recording")
    return report
