"""CCSDS Conjunction Data Messages (CCSDS 508.0-B-1), KVN and XML, both directions.

>>> cdm = read_cdm("conjunction.cdm")          # KVN or XML, told apart by content
>>> cdm.tca, cdm.miss_distance_m, cdm.object1.cov6_rtn_km
>>> text = write_cdm(cdm, "xml")

Every keyword of the 1.0 standard is read and written (header, relative
metadata/data, both objects' metadata, OD and additional parameters, state vectors,
RTN covariances with the extended 7x7/8x8/9x9 lower triangles), comments included;
CDM 2.0-draft keywords round trip too.  Bad input raises :class:`CDMError` with the
file, line, keyword and reason.
"""

from __future__ import annotations

from pathlib import Path

from .build import ObjectInfo, conjunction_cdm
from .errors import CDMError
from .kvn import parse_kvn, read_kvn, write_kvn
from .model import Block, Cdm, CdmObject
from .schema import KEYWORDS, Keyword
from .xml import NDM_NAMESPACE, parse_xml, read_xml, write_xml

__all__ = [
    "CDMError", "Cdm", "CdmObject", "Block", "Keyword", "KEYWORDS", "NDM_NAMESPACE",
    "read_cdm", "parse_cdm", "write_cdm", "read_kvn", "parse_kvn", "write_kvn", "read_xml",
    "parse_xml", "write_xml", "detect_format", "conjunction_cdm", "ObjectInfo",
]


def detect_format(text: str | bytes) -> str:
    """``"xml"`` when the content starts with ``<`` (after blanks/BOM), else ``"kvn"``."""
    head = text[:200]
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    return "xml" if head.lstrip("\ufeff \t\r\n").startswith("<") else "kvn"


def parse_cdm(text: str | bytes, source: str = "<string>") -> Cdm:
    """Parse a CDM given as text (KVN or XML, detected)."""
    if detect_format(text) == "xml":
        return parse_xml(text, source)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return parse_kvn(text, source)


def read_cdm(path) -> Cdm:
    """Read a CDM file (KVN or XML, detected from the content)."""
    p = Path(path)
    data = p.read_bytes()
    if detect_format(data) == "xml":
        return parse_xml(data, p.name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_kvn(text, p.name)


def write_cdm(cdm: Cdm, fmt: str = "kvn", namespace: bool = False) -> str:
    """The CDM as ``"kvn"`` or ``"xml"`` text."""
    fmt = fmt.lower()
    if fmt == "kvn":
        return write_kvn(cdm)
    if fmt == "xml":
        return write_xml(cdm, namespace=namespace)
    raise ValueError(f"unknown CDM format {fmt!r}; expected 'kvn' or 'xml'")
