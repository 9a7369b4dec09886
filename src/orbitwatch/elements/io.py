"""Format detection and the one entry point for reading and writing element sets."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from ..errors import ElementSetError
from .omm import (parse_omm_csv, parse_omm_json, parse_omm_kvn, parse_omm_xml, write_omm_csv,
                  write_omm_json, write_omm_kvn, write_omm_xml)
from .sets import ElementSets
from .tle import ParseResult, parse_tle, write_tle

FORMATS = ("tle", "3le", "omm-kvn", "omm-xml", "omm-json", "omm-csv")
_EXT = {".tle": "tle", ".3le": "tle", ".2le": "tle", ".txt": None, ".kvn": "omm-kvn", ".omm": None,
        ".xml": "omm-xml", ".json": "omm-json", ".csv": "omm-csv"}


def detect_format(text: str, name: str = "") -> str:
    """Guess the format from the file name, then from the first non-blank characters."""
    suffixes = [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]
    if suffixes and _EXT.get(suffixes[-1]):
        return _EXT[suffixes[-1]]
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("<"):
        return "omm-xml"
    if head.startswith(("[", "{")):
        return "omm-json"
    if "CCSDS_OMM_VERS" in head:
        return "omm-kvn"
    first = head.splitlines()[0] if head else ""
    if first.upper().startswith(("OBJECT_NAME,", "NORAD_CAT_ID,", "CCSDS_OMM_VERS,")) or (
            first.count(",") >= 5 and "EPOCH" in first.upper()):
        return "omm-csv"
    return "tle"


def parse_elements(text: str | bytes, format: str | None = None, source: str = "<string>",
                   strict: bool = False) -> ParseResult:
    """Parse text in any supported format; see :func:`read_elements`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    fmt = format or detect_format(text, source)
    if fmt in ("tle", "3le", "2le"):
        return parse_tle(text, source, strict)
    if fmt == "omm-kvn":
        return parse_omm_kvn(text, source, strict)
    if fmt == "omm-xml":
        return parse_omm_xml(text, source, strict)
    if fmt == "omm-json":
        return parse_omm_json(text, source, strict)
    if fmt == "omm-csv":
        return parse_omm_csv(text, source, strict)
    raise ValueError(f"unknown element-set format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read_elements(path: str | os.PathLike, format: str | None = None, strict: bool = False) -> ParseResult:
    """Read element sets from a file (``.gz`` transparently).

    The format is detected from the extension or the contents when ``format`` is
    None. Returns ``(elements, rejected)``: the good records and one
    :class:`~orbitwatch.errors.ElementSetError` per bad record, naming the file,
    line, field and reason. With ``strict=True`` the first bad record raises.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ElementSetError(str(path), None, "file", exc.strerror or str(exc)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ElementSetError(str(path), None, "file", f"corrupt gzip data: {exc}") from None
    return parse_elements(raw, format, source=str(path), strict=strict)


def format_elements(es: ElementSets, format: str = "3le") -> str:
    """Text of ``es`` in ``format`` ('3le', 'tle' (2-line), 'celestrak', or an omm-* format)."""
    if format == "3le":
        return write_tle(es, "3le")
    if format in ("tle", "2le"):
        return write_tle(es, "tle")
    if format == "celestrak":
        return write_tle(es, "celestrak")
    if format == "omm-kvn":
        return write_omm_kvn(es)
    if format == "omm-xml":
        return write_omm_xml(es)
    if format == "omm-json":
        return write_omm_json(es)
    if format == "omm-csv":
        return write_omm_csv(es)
    raise ValueError(f"unknown element-set format {format!r}")


def write_elements(es: ElementSets, path: str | os.PathLike, format: str | None = None) -> None:
    """Write ``es`` to ``path``; the format comes from the extension when not given."""
    path = Path(path)
    if format is None:
        ext = path.suffix.lower()
        format = {".3le": "3le", ".tle": "celestrak", ".kvn": "omm-kvn", ".xml": "omm-xml",
                  ".json": "omm-json", ".csv": "omm-csv"}.get(ext, "3le")
    text = format_elements(es, format)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
