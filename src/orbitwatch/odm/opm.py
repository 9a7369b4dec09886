"""Orbit Parameter Messages (CCSDS 502.0-B-3 section 3): one state, with Keplerian elements,
spacecraft parameters, covariance, maneuvers and user-defined parameters; KVN and XML.

KVN and XML are both read into one flat sequence of (line, keyword, value, unit)
and built by one function, so the two forms obey the same rules: keywords belong
to their section by name, a comment belongs to the section of the keyword after
it, a maneuver starts at ``MAN_EPOCH_IGNITION`` (or at a maneuver keyword seen
twice), units in brackets must be the standard's.

>>> from orbitwatch.odm import parse_opm
>>> opm = parse_opm('''CCSDS_OPM_VERS = 2.0
... CREATION_DATE = 2000-06-03T05:33:00.000
... ORIGINATOR = GSOC
... OBJECT_NAME = EUTELSAT W4
... OBJECT_ID = 2000-028A
... CENTER_NAME = EARTH
... REF_FRAME = TOD
... TIME_SYSTEM = UTC
... EPOCH = 2006-06-03T00:00:00.000
... X = 6655.9942 [km]
... Y = -40218.5751 [km]
... Z = -82.9177 [km]
... X_DOT = 3.11548208 [km/s]
... Y_DOT = 0.47042605 [km/s]
... Z_DOT = -0.00101495 [km/s]
... MAN_EPOCH_IGNITION = 2000-06-03T09:00:34.1
... MAN_DURATION = 132.60 [s]
... MAN_DELTA_MASS = -18.418 [kg]
... MAN_REF_FRAME = J2000
... MAN_DV_1 = -0.02325700 [km/s]
... MAN_DV_2 = 0.01683160 [km/s]
... MAN_DV_3 = -0.00893444 [km/s]
... ''')
>>> opm.metadata.object_name, len(opm.maneuvers), opm.maneuvers[0].duration_s
('EUTELSAT W4', 1, 132.6)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ccsds import timesystems as _ts
from ..ccsds.epochs import EpochError, format_epoch, parse_epoch
from ..ccsds.kvn import split_kvn_line, units_match
from ..ccsds.problems import Problems
from ..ccsds.xml import NDM_NAMESPACE, elements, local, parse_xml, text
from .errors import ODMError
from .keywords import (COV_KEYS, HEADER_KEYS, HEADER_V3_ONLY, OPM_KEPLER_KEYS, OPM_MANEUVER_KEYS, OPM_META_KEYS,
                       OPM_META_REQUIRED, OPM_SPACECRAFT_KEYS, OPM_UNITS, OPM_VERSIONS, STATE_KEYS)
from .model import Covariance, ODMHeader, OEMMetadata, iso_z

__all__ = ["OPM", "Maneuver", "parse_opm_kvn", "parse_opm_xml", "write_opm_kvn", "write_opm_xml"]

_SECTION = {**{k: "header" for k in ("CCSDS_OPM_VERS",) + HEADER_KEYS},
            **{k: "metadata" for k in OPM_META_KEYS},
            **{k: "state" for k in ("EPOCH",) + STATE_KEYS},
            **{k: "keplerian" for k in OPM_KEPLER_KEYS},
            **{k: "spacecraft" for k in OPM_SPACECRAFT_KEYS},
            **{k: "covariance" for k in ("COV_REF_FRAME",) + COV_KEYS},
            **{k: "maneuver" for k in OPM_MANEUVER_KEYS}}


def _section(key: str) -> str | None:
    if key.startswith("USER_DEFINED_"):
        return "user"
    return _SECTION.get(key)


@dataclass
class Maneuver:
    """One maneuver: ignition epoch (message time system), duration s, mass change kg, frame, delta-v km/s."""

    epoch_ignition: np.datetime64 | None = None
    epoch_text: str | None = None
    duration_s: float | None = None
    delta_mass_kg: float | None = None
    ref_frame: str | None = None
    dv_km_s: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    comments: list[str] = field(default_factory=list)
    line: int | None = None

    def to_dict(self, time_system: str = "UTC") -> dict[str, Any]:
        out: dict[str, Any] = {"epoch_ignition": self.epoch_text, "time_system": time_system}
        if self.epoch_ignition is not None and _ts.is_supported(time_system):
            out["epoch_ignition_utc"] = iso_z(_ts.to_utc(np.array([self.epoch_ignition]), time_system)[0])
        out.update({"duration_s": self.duration_s, "delta_mass_kg": self.delta_mass_kg,
                    "man_ref_frame": self.ref_frame, "dv_km_s": [None if np.isnan(x) else float(x)
                                                                 for x in self.dv_km_s]})
        if self.comments:
            out["comments"] = list(self.comments)
        return out


@dataclass
class OPM:
    """An Orbit Parameter Message (see the module docstring)."""

    header: ODMHeader
    metadata: OEMMetadata
    epoch: np.datetime64 | None = None
    epoch_text: str | None = None
    position_km: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    velocity_km_s: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    keplerian: dict[str, float] = field(default_factory=dict)
    spacecraft: dict[str, float] = field(default_factory=dict)
    covariance: Covariance | None = None
    maneuvers: list[Maneuver] = field(default_factory=list)
    user_defined: dict[str, str] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)   # section -> comments
    source: str = "<string>"
    format: str = "KVN"

    @property
    def version(self) -> str:
        return self.header.version

    def problems(self) -> list[ODMError]:
        """Rules beyond syntax (known time system and frame)."""
        from ..ccsds.timesystems import KNOWN_TIME_SYSTEMS
        from .keywords import is_known_frame

        out = []
        md = self.metadata
        if md.time_system and md.time_system.upper() not in KNOWN_TIME_SYSTEMS:
            out.append(ODMError(self.source, md.lines.get("TIME_SYSTEM"), "TIME_SYSTEM",
                                f"{md.time_system!r} is not a CCSDS time system"))
        if md.ref_frame and not is_known_frame(md.ref_frame):
            out.append(ODMError(self.source, md.lines.get("REF_FRAME"), "REF_FRAME",
                                f"{md.ref_frame!r} is not a reference frame of the SANA registry"))
        return out

    def to_kvn(self) -> str:
        return write_opm_kvn(self)

    def to_xml(self, **kwargs) -> str:
        return write_opm_xml(self, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        md = self.metadata
        out: dict[str, Any] = {"type": "OPM", "source": self.source, "format": self.format,
                               "header": self.header.to_dict(), "metadata": dict(md.values),
                               "epoch": self.epoch_text, "time_system": md.time_system, "ref_frame": md.ref_frame,
                               "position_km": self.position_km.tolist(), "velocity_km_s": self.velocity_km_s.tolist()}
        if self.epoch is not None and _ts.is_supported(md.time_system):
            out["epoch_utc"] = iso_z(_ts.to_utc(np.array([self.epoch]), md.time_system)[0])
        if self.keplerian:
            out["keplerian"] = {f"{k.lower()}_{_unit_suffix(k)}".rstrip("_"): v for k, v in self.keplerian.items()}
        if self.spacecraft:
            out["spacecraft"] = {f"{k.lower()}_{_unit_suffix(k)}".rstrip("_"): v for k, v in self.spacecraft.items()}
        if self.covariance is not None:
            out["covariance"] = self.covariance.to_dict(md.time_system)
        out["maneuvers"] = [m.to_dict(md.time_system) for m in self.maneuvers]
        if self.user_defined:
            out["user_defined"] = dict(self.user_defined)
        if any(self.comments.values()):
            out["comments"] = {k: list(v) for k, v in self.comments.items() if v}
        return out


def _unit_suffix(key: str) -> str:
    u = OPM_UNITS.get(key, "")
    return {"km": "km", "deg": "deg", "km**3/s**2": "km3_s2", "kg": "kg", "m**2": "m2"}.get(u, "")


# --------------------------------------------------------------------------- one builder for KVN and XML

def _build(items: list[tuple[int | None, str, str, str | None]], source: str, problems: Problems,
           fmt: str) -> OPM:
    """items: (line, key, value, unit) in message order, version first as CCSDS_OPM_VERS."""
    header = ODMHeader(version="")
    md = OEMMetadata()
    opm = OPM(header=header, metadata=md, source=source, format=fmt)
    pending: list[str] = []
    last_section = "header"
    cov_vals: dict[str, float] = {}
    cov_line = None
    cov_frame = None
    man: Maneuver | None = None
    state_seen: dict[str, int] = {}
    first = True
    for line, key, value, unit in items:
        if key == "COMMENT":
            pending.append(value)
            continue
        if first:
            first = False
            if key != "CCSDS_OPM_VERS":
                problems.add(line, "CCSDS_OPM_VERS", f"not an OPM: the first keyword must be CCSDS_OPM_VERS, "
                                                     f"found {key}")
                return opm
        sec = _section(key)
        if sec is None:
            problems.add(line, key, "not an OPM keyword")
            continue
        if sec == "maneuver" and (key == "MAN_EPOCH_IGNITION" or man is None or _man_has(man, key)):
            man = Maneuver(line=line)
            opm.maneuvers.append(man)
        if pending:
            if sec == "maneuver":
                man.comments.extend(pending)
            elif sec == "covariance":
                opm.comments.setdefault("covariance", []).extend(pending)
            elif sec == "header":
                header.comments.extend(pending)
            elif sec == "metadata":
                md.comments.extend(pending)
            else:
                opm.comments.setdefault(sec, []).extend(pending)
            pending = []
        last_section = sec
        if unit is not None and key in OPM_UNITS:
            want = OPM_UNITS[key]
            if not want or not units_match(unit, want):
                problems.add(line, key, f"unit [{unit}] is not the standard's "
                                        f"{'[' + want + ']' if want else '(no unit: dimensionless)'}")
        if sec == "header":
            if key == "CCSDS_OPM_VERS":
                if value not in OPM_VERSIONS:
                    problems.add(line, key, f"version {value!r} is not one of {', '.join(OPM_VERSIONS)}")
                header.version = value
            else:
                if key in HEADER_V3_ONLY and header.version != "3.0":
                    problems.add(line, key, f"{key} exists from OPM 3.0 on; this message is version "
                                            f"{header.version}")
                setattr(header, key.lower(), value)
            continue
        if sec == "metadata":
            if key in md.values:
                problems.add(line, key, f"given twice (first at line {md.lines.get(key)})")
            md.values[key] = value
            md.lines[key] = line
            if key == "REF_FRAME_EPOCH":
                t = _epoch(problems, line, key, value)
                if t is not None:
                    md.epochs[key] = t
            continue
        if sec == "user":
            opm.user_defined[key[len("USER_DEFINED_"):]] = value
            continue
        if sec == "state" and key == "EPOCH":
            opm.epoch_text = value
            opm.epoch = _epoch(problems, line, key, value)
            state_seen[key] = line
            continue
        if sec == "covariance" and key == "COV_REF_FRAME":
            cov_frame = value
            cov_line = cov_line or line
            continue
        if sec == "maneuver" and key in ("MAN_EPOCH_IGNITION", "MAN_REF_FRAME"):
            if key == "MAN_REF_FRAME":
                man.ref_frame = value
            else:
                man.epoch_text = value
                man.epoch_ignition = _epoch(problems, line, key, value)
            continue
        x = _number(problems, line, key, value)
        if sec == "state":
            idx = STATE_KEYS.index(key)
            (opm.position_km if idx < 3 else opm.velocity_km_s)[idx % 3] = x
            state_seen[key] = line
        elif sec == "keplerian":
            opm.keplerian[key] = x
        elif sec == "spacecraft":
            opm.spacecraft[key] = x
        elif sec == "covariance":
            cov_vals[key] = x
            cov_line = cov_line or line
        elif sec == "maneuver":
            if key == "MAN_DURATION":
                man.duration_s = x
            elif key == "MAN_DELTA_MASS":
                man.delta_mass_kg = x
            else:
                man.dv_km_s[int(key[-1]) - 1] = x
    if pending:  # comments at the very end belong to the last section
        opm.comments.setdefault(last_section, []).extend(pending)
    if first:
        problems.add(None, "CCSDS_OPM_VERS", "empty: no CCSDS_OPM_VERS")
        return opm
    for req in ("CREATION_DATE", "ORIGINATOR"):
        if not getattr(header, req.lower()):
            problems.add(None, req, "missing from the header")
    for req in OPM_META_REQUIRED:
        if req not in md.values:
            problems.add(None, req, "missing from the metadata")
    for req in ("EPOCH",) + STATE_KEYS:
        if req not in state_seen:
            problems.add(None, req, "missing from the state vector")
    if opm.keplerian:
        anomaly = [k for k in ("TRUE_ANOMALY", "MEAN_ANOMALY") if k in opm.keplerian]
        if len(anomaly) != 1:
            problems.add(None, "TRUE_ANOMALY", "the Keplerian elements give exactly one of TRUE_ANOMALY and "
                                               "MEAN_ANOMALY")
        for req in ("SEMI_MAJOR_AXIS", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "GM"):
            if req not in opm.keplerian:
                problems.add(None, req, "missing from the Keplerian elements")
    if cov_vals or cov_frame:
        missing = [k for k in COV_KEYS if k not in cov_vals]
        if missing:
            problems.add(cov_line, missing[0], "missing from the covariance matrix (21 elements)")
        else:
            m = np.zeros((6, 6))
            i = 0
            for r in range(6):
                for c in range(r + 1):
                    m[r, c] = m[c, r] = cov_vals[COV_KEYS[i]]
                    i += 1
            opm.covariance = Covariance(epoch=None, matrix=m, ref_frame=cov_frame,
                                        comments=opm.comments.pop("covariance", []), line=cov_line)
    for mv in opm.maneuvers:
        for req, ok in (("MAN_EPOCH_IGNITION", mv.epoch_text is not None), ("MAN_REF_FRAME", mv.ref_frame),
                        ("MAN_DV_1", not np.isnan(mv.dv_km_s[0])), ("MAN_DV_2", not np.isnan(mv.dv_km_s[1])),
                        ("MAN_DV_3", not np.isnan(mv.dv_km_s[2]))):
            if not ok:
                problems.add(mv.line, req, "missing from the maneuver")
    return opm


def _man_has(man: Maneuver, key: str) -> bool:
    return {"MAN_DURATION": man.duration_s is not None, "MAN_DELTA_MASS": man.delta_mass_kg is not None,
            "MAN_REF_FRAME": man.ref_frame is not None, "MAN_DV_1": not np.isnan(man.dv_km_s[0]),
            "MAN_DV_2": not np.isnan(man.dv_km_s[1]), "MAN_DV_3": not np.isnan(man.dv_km_s[2])}.get(key, False)


def _epoch(problems: Problems, line, key, value):
    try:
        return parse_epoch(value)
    except EpochError as exc:
        if not exc.out_of_range:  # e.g. MET day 0000-023: kept as text, no datetime64
            problems.add(line, key, f"{exc.reason}: {value!r}")
        return None


def _number(problems: Problems, line, key, value) -> float:
    try:
        x = float(value)
        if np.isfinite(x):
            return x
    except ValueError:
        pass
    problems.add(line, key, f"not a number: {value!r}")
    return float("nan")


def parse_opm_kvn(text_: str, source: str = "<string>", *, problems: Problems | None = None) -> OPM:
    """An OPM from KVN text."""
    problems = Problems(source, ODMError) if problems is None else problems
    items = []
    for i, raw in enumerate(text_.splitlines(), 1):
        s = raw.strip()
        if not s:
            continue
        kv = split_kvn_line(s)
        if kv is None:
            problems.add(i, "-", f"not a KVN line: {s[:60]!r}")
            continue
        key, value, unit, raw = kv
        if unit is not None and (key not in OPM_UNITS or key == "MAN_REF_FRAME"):
            value, unit = raw, None  # text values carry no unit: "[...]" at their end is part of the text
        items.append((i, key, value, unit))
    return _build(items, source, problems, "KVN")


def parse_opm_xml(data: bytes | str, source: str = "<string>", *, problems: Problems | None = None) -> OPM:
    """An OPM from NDM/XML."""
    problems = Problems(source, ODMError) if problems is None else problems
    root = parse_xml(data, source, ODMError)
    if local(root.tag) != "opm":
        problems.add(root.sourceline, "opm", f"not an OPM: the root element is <{local(root.tag)}>")
        return OPM(header=ODMHeader(), metadata=OEMMetadata(), source=source, format="XML")
    items: list = [(root.sourceline, "CCSDS_OPM_VERS", root.get("version", ""), None)]
    kids = list(elements(root))
    names = [local(c.tag) for c in kids]
    if names != ["header", "body"]:
        problems.add(root.sourceline, "body", f"an <opm> holds <header> then <body>; found {', '.join(names)}")
    for c in kids:
        if local(c.tag) == "header":
            items += [(h.sourceline, local(h.tag), text(h), h.get("units")) for h in elements(c)]
        elif local(c.tag) == "body":
            segs = list(elements(c))
            if len(segs) != 1 or local(segs[0].tag) != "segment":
                problems.add(c.sourceline, "segment", "an OPM <body> holds one <segment>")
            for seg in segs[:1]:
                parts = list(elements(seg))
                pnames = [local(p.tag) for p in parts]
                if pnames != ["metadata", "data"]:
                    problems.add(parts[1].sourceline if len(parts) > 1 else seg.sourceline, pnames[1]
                                 if len(pnames) > 1 else "data",
                                 f"a <segment> holds <metadata> then <data>; found {', '.join(pnames)}")
                for p in parts:
                    for el in elements(p):
                        tag = local(el.tag)
                        if tag in ("stateVector", "keplerianElements", "spacecraftParameters", "covarianceMatrix",
                                   "maneuverParameters", "userDefinedParameters"):
                            for sub in elements(el):
                                st = local(sub.tag)
                                if st == "USER_DEFINED":
                                    st = "USER_DEFINED_" + (sub.get("parameter") or "")
                                items.append((sub.sourceline, st, text(sub), sub.get("units")))
                        else:
                            items.append((el.sourceline, tag, text(el), el.get("units")))
    return _build(items, source, problems, "XML")


# --------------------------------------------------------------------------- writing

def _u(key: str) -> str:
    u = OPM_UNITS.get(key, "")
    return f" [{u}]" if u else ""


def write_opm_kvn(opm: OPM) -> str:
    """KVN text of an OPM (standard units in brackets, floats as their shortest round-trip text)."""
    h, md = opm.header, opm.metadata
    kv = lambda k, v: f"{k:<18} = {v}"  # noqa: E731
    out = [kv("CCSDS_OPM_VERS", h.version or "2.0")]
    out += [f"COMMENT {c}".rstrip() for c in h.comments]
    if h.classification is not None:
        out.append(kv("CLASSIFICATION", h.classification))
    out += [kv("CREATION_DATE", h.creation_date), kv("ORIGINATOR", h.originator)]
    if h.message_id is not None:
        out.append(kv("MESSAGE_ID", h.message_id))
    out.append("")
    out += [f"COMMENT {c}".rstrip() for c in md.comments]
    out += [kv(k, md.values[k]) for k in OPM_META_KEYS if k in md.values]
    out.append("")
    out += [f"COMMENT {c}".rstrip() for c in opm.comments.get("state", [])]
    out.append(kv("EPOCH", opm.epoch_text or (format_epoch(opm.epoch) if opm.epoch is not None else "")))
    for i, k in enumerate(STATE_KEYS):
        x = (opm.position_km if i < 3 else opm.velocity_km_s)[i % 3]
        out.append(kv(k, repr(float(x)) + _u(k)))
    for sec, keys, vals in (("keplerian", OPM_KEPLER_KEYS, opm.keplerian),
                            ("spacecraft", OPM_SPACECRAFT_KEYS, opm.spacecraft)):
        if vals:
            out.append("")
            out += [f"COMMENT {c}".rstrip() for c in opm.comments.get(sec, [])]
            out += [kv(k, repr(float(vals[k])) + _u(k)) for k in keys if k in vals]
    if opm.covariance is not None:
        cov = opm.covariance
        out.append("")
        out += [f"COMMENT {c}".rstrip() for c in cov.comments]
        if cov.ref_frame:
            out.append(kv("COV_REF_FRAME", cov.ref_frame))
        i = 0
        for r in range(6):
            for c in range(r + 1):
                out.append(kv(COV_KEYS[i], repr(float(cov.matrix[r, c])) + _u(COV_KEYS[i])))
                i += 1
    for mv in opm.maneuvers:
        out.append("")
        out += [f"COMMENT {c}".rstrip() for c in mv.comments]
        out.append(kv("MAN_EPOCH_IGNITION", mv.epoch_text or ""))
        if mv.duration_s is not None:
            out.append(kv("MAN_DURATION", repr(mv.duration_s) + _u("MAN_DURATION")))
        if mv.delta_mass_kg is not None:
            out.append(kv("MAN_DELTA_MASS", repr(mv.delta_mass_kg) + _u("MAN_DELTA_MASS")))
        if mv.ref_frame is not None:
            out.append(kv("MAN_REF_FRAME", mv.ref_frame))
        for j in range(3):
            if not np.isnan(mv.dv_km_s[j]):
                out.append(kv(f"MAN_DV_{j + 1}", repr(float(mv.dv_km_s[j])) + _u(f"MAN_DV_{j + 1}")))
    if opm.user_defined or opm.comments.get("user"):
        out.append("")
        out += [f"COMMENT {c}".rstrip() for c in opm.comments.get("user", [])]
        out += [kv(f"USER_DEFINED_{k}", v) for k, v in opm.user_defined.items()]
    return "\n".join(out) + "\n"


def write_opm_xml(opm: OPM, *, qualified: bool = True) -> str:
    """NDM/XML text of an OPM (qualified NDM/XML 2.0.0 form by default, like the OEM writer)."""
    from lxml import etree

    from .oem_xml import write_header

    ns = NDM_NAMESPACE if qualified else None
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
    sub = etree.SubElement
    root = etree.Element(q("opm"), nsmap={None: ns} if ns else None)
    root.set("id", "CCSDS_OPM_VERS")
    root.set("version", opm.header.version or "2.0")
    write_header(root, opm.header, q)
    seg = sub(sub(root, q("body")), q("segment"))
    md = sub(seg, q("metadata"))
    for c in opm.metadata.comments:
        sub(md, q("COMMENT")).text = c
    for k in OPM_META_KEYS:
        if k in opm.metadata.values:
            sub(md, q(k)).text = opm.metadata.values[k]
    data = sub(seg, q("data"))

    def block(tag, comments, pairs):
        el = sub(data, q(tag))
        for c in comments:
            sub(el, q("COMMENT")).text = c
        for k, v in pairs:
            sub(el, q(k)).text = v
        return el

    sv = [("EPOCH", opm.epoch_text or "")] + [
        (k, repr(float((opm.position_km if i < 3 else opm.velocity_km_s)[i % 3]))) for i, k in enumerate(STATE_KEYS)]
    block("stateVector", opm.comments.get("state", []), sv)
    if opm.keplerian:
        block("keplerianElements", opm.comments.get("keplerian", []),
              [(k, repr(float(opm.keplerian[k]))) for k in OPM_KEPLER_KEYS if k in opm.keplerian])
    if opm.spacecraft:
        block("spacecraftParameters", opm.comments.get("spacecraft", []),
              [(k, repr(float(opm.spacecraft[k]))) for k in OPM_SPACECRAFT_KEYS if k in opm.spacecraft])
    if opm.covariance is not None:
        cov = opm.covariance
        pairs = [("COV_REF_FRAME", cov.ref_frame)] if cov.ref_frame else []
        i = 0
        for r in range(6):
            for c in range(r + 1):
                pairs.append((COV_KEYS[i], repr(float(cov.matrix[r, c]))))
                i += 1
        block("covarianceMatrix", cov.comments, pairs)
    for mv in opm.maneuvers:
        pairs = [("MAN_EPOCH_IGNITION", mv.epoch_text or "")]
        if mv.duration_s is not None:
            pairs.append(("MAN_DURATION", repr(mv.duration_s)))
        if mv.delta_mass_kg is not None:
            pairs.append(("MAN_DELTA_MASS", repr(mv.delta_mass_kg)))
        if mv.ref_frame is not None:
            pairs.append(("MAN_REF_FRAME", mv.ref_frame))
        pairs += [(f"MAN_DV_{j + 1}", repr(float(mv.dv_km_s[j]))) for j in range(3) if not np.isnan(mv.dv_km_s[j])]
        block("maneuverParameters", mv.comments, pairs)
    if opm.user_defined or opm.comments.get("user"):
        el = sub(data, q("userDefinedParameters"))
        for c in opm.comments.get("user", []):
            sub(el, q("COMMENT")).text = c
        for k, v in opm.user_defined.items():
            u = sub(el, q("USER_DEFINED"))
            u.set("parameter", k)
            u.text = v
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
