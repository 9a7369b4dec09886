"""Check ODMs beyond syntax and list every problem of a file.

:func:`validate_file` reads with a collecting :class:`~orbitwatch.ccsds.Problems`
(so every syntax problem is listed, not only the first), then applies the rules
of 502.0-B-3 that a reader can read past (:func:`check_oem`):

* ``START_TIME <= USEABLE_START_TIME <= USEABLE_STOP_TIME <= STOP_TIME``;
* data epochs inside ``START_TIME .. STOP_TIME`` and strictly increasing;
* ``TIME_SYSTEM`` and ``REF_FRAME`` are values of the SANA registries;
* ``INTERPOLATION`` is HERMITE, LAGRANGE or LINEAR;
* covariance matrices are symmetric positive semi-definite (to rounding);
* XML of version 2.0 also against the NDM/XML 2.0.0 schemas when a schema
  folder is given (:func:`schema_problems`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..ccsds.epochs import format_epoch
from ..ccsds.kvn import decode_text
from ..ccsds.problems import Problems
from ..ccsds.timesystems import KNOWN_TIME_SYSTEMS
from ..ccsds.xml import NDM_NAMESPACE, is_xml, local
from .errors import ODMError
from .keywords import INTERPOLATION_METHODS, is_known_frame
from .model import OEM


def check_oem(oem: OEM) -> list[ODMError]:
    """Problems of a message that was read (rules beyond syntax), in file order."""
    out: list[ODMError] = []
    src = oem.source

    def add(line, key, reason):
        out.append(ODMError(src, line, key, reason))

    for seg in oem.segments:
        md = seg.metadata
        ln = md.lines
        ts = md.time_system.strip().upper()
        if ts and ts not in KNOWN_TIME_SYSTEMS and ts != "TDT":
            add(ln.get("TIME_SYSTEM"), "TIME_SYSTEM", f"{md.time_system!r} is not a CCSDS time system")
        if md.ref_frame and not is_known_frame(md.ref_frame):
            add(ln.get("REF_FRAME"), "REF_FRAME", f"{md.ref_frame!r} is not a reference frame of the SANA registry")
        interp = md.interpolation
        if interp is not None and interp not in INTERPOLATION_METHODS:
            add(ln.get("INTERPOLATION"), "INTERPOLATION", f"{md.get('INTERPOLATION')!r} is not one of "
                                                          f"{', '.join(INTERPOLATION_METHODS)}")
        e = md.epochs
        order = [k for k in ("START_TIME", "USEABLE_START_TIME", "USEABLE_STOP_TIME", "STOP_TIME") if k in e]
        for a, b in zip(order, order[1:]):
            if e[b] < e[a]:
                add(ln.get(b), b, f"{md.values[b]} is before {a} {md.values[a]}")
        if len(seg) and "START_TIME" in e and "STOP_TIME" in e:
            lines = seg.lines if seg.lines is not None else np.zeros(len(seg), dtype=np.int64)
            outside = (seg.epochs < e["START_TIME"]) | (seg.epochs > e["STOP_TIME"])
            for i in np.flatnonzero(outside)[:20]:
                add(int(lines[i]) or None, "EPOCH", f"{format_epoch(seg.epochs[i])} is outside START_TIME .. "
                                                    f"STOP_TIME ({md.values['START_TIME']} .. "
                                                    f"{md.values['STOP_TIME']})")
            bad = np.flatnonzero(np.diff(seg.epochs.astype(np.int64)) <= 0) + 1
            for i in bad[:20]:
                add(int(lines[i]) or None, "EPOCH", f"{format_epoch(seg.epochs[i])} does not increase on the "
                                                    f"state before it (line {int(lines[i - 1])})")
        for cov in seg.covariances:
            m = cov.matrix
            if not np.isfinite(m).all():
                continue
            w = np.linalg.eigvalsh(m)
            if w.min() < -1e-9 * max(abs(w.max()), 1e-300):
                add(cov.line, "COVARIANCE", f"the matrix at EPOCH {cov.epoch_text} is not positive semi-definite "
                                            f"(eigenvalue {w.min():.3g})")
    return out


_WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:ndm="{ns}" targetNamespace="{ns}"
            elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xsd:include schemaLocation="ndmxml-2.0.0-oem-2.0.xsd"/>
  <xsd:include schemaLocation="ndmxml-2.0.0-opm-2.0.xsd"/>
  <xsd:element name="oem" type="ndm:oemType"/>
  <xsd:element name="opm" type="ndm:opmType"/>
</xsd:schema>
"""

_SCHEMAS: dict[str, object] = {}


def load_schema(schema_dir) -> object:
    """The NDM/XML 2.0.0 OEM and OPM schemas of a folder (``ndmxml-2.0.0-{oem,opm,common}-2.0.xsd``)."""
    import xmlschema

    d = Path(schema_dir).resolve()
    key = str(d)
    if key not in _SCHEMAS:
        need = [d / f"ndmxml-2.0.0-{k}-2.0.xsd" for k in ("oem", "opm", "common")]
        missing = [p.name for p in need if not p.is_file()]
        if missing:
            from ..errors import NotFoundError

            raise NotFoundError(f"{schema_dir}: the NDM/XML 2.0.0 schemas are missing ({', '.join(missing)})")
        _SCHEMAS[key] = xmlschema.XMLSchema(_WRAPPER.format(ns=NDM_NAMESPACE), base_url=key + "/")
    return _SCHEMAS[key]


def _qualified(xml: bytes):
    """A copy of a parsed document with every element in the NDM namespace (unqualified input)."""
    from lxml import etree

    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = f"{{{NDM_NAMESPACE}}}{local(el.tag)}"
    for k in [k for k in root.attrib if "noNamespaceSchemaLocation" in k or "schemaLocation" in k]:
        del root.attrib[k]
    etree.cleanup_namespaces(root)
    return root


def schema_problems(xml: bytes | str, schema_dir, source: str = "<string>") -> list[ODMError]:
    """Every place an OEM/OPM 2.0 XML document breaks the NDM/XML 2.0.0 schema (namespace added if absent)."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    schema = load_schema(schema_dir)
    root = _qualified(xml)
    out = []
    for err in schema.iter_errors(root):
        el = getattr(err, "invalid_child", None)
        if el is None:
            el = err.elem
        line = getattr(el, "sourceline", None) if el is not None else None
        key = local(el.tag) if el is not None and isinstance(getattr(el, "tag", None), str) else "-"
        reason = (err.reason or err.message or "does not match the schema").strip().splitlines()[0]
        reason = reason.replace(f"{{{NDM_NAMESPACE}}}", "").replace("ns0:", "")
        out.append(ODMError(source, line, key, f"schema: {reason}"))
    return out


def validate_file(path, *, kind: str | None = None, schema_dir=None) -> tuple[object | None, list[ODMError]]:
    """Read ``path`` listing every problem: ``(message or None, problems)``.

    ``kind`` is 'oem' or 'opm' (default: from the first keyword or root element).
    """
    p = Path(path)
    text = decode_text(p.read_bytes(), str(path), what="ODM")
    kind = kind or _kind(text)
    problems = Problems(str(path), ODMError, collect=True)
    msg = None
    try:
        if kind == "opm":
            from .io import parse_opm

            msg = parse_opm(text, str(path), problems=problems)
        else:
            from .io import parse_oem

            msg = parse_oem(text, str(path), problems=problems)
    except ODMError as exc:  # not well-formed XML: nothing further can be read
        problems.items.append(exc)
    found = list(problems)
    if msg is not None:
        found += msg.problems()
        if schema_dir is not None and is_xml(text) and msg.header.version == "2.0":
            found += schema_problems(text, schema_dir, str(path))
    found.sort(key=lambda e: (e.line is None, e.line or 0))
    return msg, found


@dataclass
class ValidationResult:
    """Every problem of one file: ``valid`` when there is none; ``to_dict()`` for the service."""

    source: str
    kind: str
    problems: list

    @property
    def valid(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"file": self.source, "kind": self.kind.upper(), "valid": self.valid,
                "problems": [p.to_dict() for p in self.problems]}


def validate(path, *, kind: str | None = None, schema_dir=None) -> ValidationResult:
    """:func:`validate_file` as a result object."""
    p = Path(path)
    kind = kind or _kind(decode_text(p.read_bytes(), str(path), what="ODM"))
    _msg, problems = validate_file(path, kind=kind, schema_dir=schema_dir)
    return ValidationResult(str(path), kind, problems)


def _kind(text: str) -> str:
    head = text[:2048]
    if "CCSDS_OPM_VERS" in head or "<opm" in head:
        return "opm"
    return "oem"
