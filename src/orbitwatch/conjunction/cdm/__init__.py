"""CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN and XML, both directions.

    cdm = read_cdm("conjunction.cdm")          # KVN or XML, told apart by content
    cdm.tca, cdm.miss_distance_m, cdm.object1.cov6_rtn_km
    text = write_cdm(cdm, "xml")
    check = validate_cdm("conjunction.cdm")    # every problem, not only the first
    warnings = []
    cdm = read_cdm("quirky.cdm", warnings=warnings)   # tolerant: unambiguous quirks, one warning each

Every keyword of the 1.0 standard is read and written (header, relative
metadata/data, both objects' metadata, OD and additional parameters, state vectors,
RTN covariances with the extended 7x7/8x8/9x9 lower triangles), comments included;
CDM 2.0-draft keywords round trip too.  Bad input raises :class:`CDMError` with the
file, line, keyword and reason; :func:`validate_cdm` lists all of a message's problems.
Given a ``warnings`` list, the readers accept the quirks of real messages whose meaning
is clear (a unit label of the wrong kind, ``NaN`` optional values, a unit cut short...;
see :mod:`.tolerant`), appending one :class:`CdmWarning` per assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .build import CdmObjectInfo, ObjectInfo, conjunction_cdm
from .errors import CDMError
from .kvn import parse_kvn, read_kvn, write_kvn
from .model import Block, Cdm, CdmObject
from .schema import KEYWORDS, Keyword
from .tolerant import CdmWarning
from .xml import NDM_NAMESPACE, parse_xml, read_xml, write_xml

__all__ = [
    "CDMError", "Cdm", "CdmObject", "Block", "Keyword", "KEYWORDS", "NDM_NAMESPACE",
    "read_cdm", "parse_cdm", "write_cdm", "read_kvn", "parse_kvn", "write_kvn", "read_xml",
    "parse_xml", "write_xml", "detect_cdm_format", "conjunction_cdm", "CdmObjectInfo", "ObjectInfo",
    "validate_cdm", "CdmValidation", "CDM_FORMATS", "CDM_SUFFIXES", "CdmWarning",
]

#: the two encodings of a CDM
CDM_FORMATS = ("kvn", "xml")
#: file name endings read as CDMs when a folder is given
CDM_SUFFIXES = (".cdm", ".kvn", ".xml")


def detect_cdm_format(text: str | bytes) -> str:
    """``"xml"`` when the content starts with ``<`` (after blanks/BOM), else ``"kvn"``.

    >>> detect_cdm_format("<?xml version='1.0'?><cdm/>"), detect_cdm_format("CCSDS_CDM_VERS = 1.0")
    ('xml', 'kvn')
    """
    head = text[:200]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    return "xml" if head.lstrip("\ufeff \t\r\n").startswith("<") else "kvn"


def parse_cdm(text: str | bytes, source: str = "<string>", problems: list[CDMError] | None = None,
              warnings: list[CdmWarning] | None = None) -> Cdm:
    """Parse a CDM given as text (KVN or XML, detected).  With a ``problems`` list,
    every problem is appended to it instead of raising the first; with a ``warnings``
    list the read is tolerant (one :class:`CdmWarning` per assumption)."""
    if detect_cdm_format(text) == "xml":
        return parse_xml(text, source, problems, warnings)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return parse_kvn(text, source, problems, warnings)


def _read_bytes(path) -> tuple[Path, bytes]:
    from ...errors import InputFileError, InputNotFoundError

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:         # missing, a folder, unreadable: "not found", one exit code everywhere
        raise InputNotFoundError.from_os_error(p, exc) from None
    if b"\x00" in data[:8192]:
        raise InputFileError(p.name, "binary content, not a CDM (KVN or XML text)")
    return p, data


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_cdm(path, *, warnings: list[CdmWarning] | None = None) -> Cdm:
    """Read a CDM file (KVN or XML, detected from the content).

    Strict by default: anything the standard does not allow is a :class:`CDMError`.
    With a ``warnings`` list the read is tolerant: the unambiguous quirks of real
    messages are accepted and one :class:`CdmWarning` per assumption is appended
    (a mandatory value that is absent or not a number is still an error).

    >>> read_cdm("no-such.cdm")
    Traceback (most recent call last):
    ...
    orbitwatch.errors.InputNotFoundError: no-such.cdm: no such file
    """
    p, data = _read_bytes(path)
    if detect_cdm_format(data) == "xml":
        return parse_xml(data, p.name, warnings=warnings)
    return parse_kvn(_decode(data), p.name, warnings=warnings)


@dataclass
class CdmValidation:
    """Every problem of one CDM file (``ok`` when there is none), and in a tolerant
    check the assumptions made (``warnings``)."""

    source: str
    cdm: Cdm | None
    problems: list[CDMError] = field(default_factory=list)
    warnings: list[CdmWarning] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        out = {"source": self.source, "ok": self.ok, "problems": [e.to_dict() for e in self.problems]}
        if self.warnings:
            out["warnings"] = [w.to_dict() for w in self.warnings]
        if self.ok and self.cdm is not None:
            out["version"] = self.cdm.version
            out["tca"] = self.cdm.to_dict()["relative"].get("TCA")
        return out


def validate_cdm(path, *, tolerant: bool = False) -> CdmValidation:
    """Check a CDM file and list **all** its problems (file, line, keyword, reason),
    not only the first.  ``tolerant=True`` checks as a tolerant read accepts (see
    :mod:`.tolerant`) and lists its assumptions in ``warnings``.

    Reading errors of the file itself (missing, a folder, binary) are raised as usual."""
    p, data = _read_bytes(path)
    problems: list[CDMError] = []
    warnings: list[CdmWarning] | None = [] if tolerant else None
    if detect_cdm_format(data) == "xml":
        cdm = parse_xml(data, p.name, problems, warnings)
    else:
        cdm = parse_kvn(_decode(data), p.name, problems, warnings)
    return CdmValidation(source=p.name, cdm=cdm, problems=problems, warnings=warnings or [])


def write_cdm(cdm: Cdm, fmt: str = "kvn", namespace: bool = False) -> str:
    """The CDM as ``"kvn"`` or ``"xml"`` text."""
    from ...requests import check_choice

    fmt = check_choice("format", fmt, CDM_FORMATS)
    if fmt == "kvn":
        return write_kvn(cdm)
    return write_xml(cdm, namespace=namespace)
