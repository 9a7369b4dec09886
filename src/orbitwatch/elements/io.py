"""Format detection and the one entry point for reading and writing element sets.

Whole-file problems and record problems are told apart:

* a problem with the whole input (binary data, UTF-16 or other non-UTF-8 text,
  gzip data that fails, a CCSDS OEM/OPM/CDM given for element sets, no element
  sets at all) raises :class:`~orbitwatch.errors.InputFileError` at once, in
  strict and non-strict mode alike;
* a bad record is returned in ``rejected`` (one
  :class:`~orbitwatch.errors.ElementSetError` each, naming file, line, field and
  reason) while the good records load, or raised with ``strict=True``.

Both are :class:`~orbitwatch.errors.DataError`. The format parsers
(:func:`~orbitwatch.elements.parse_tle`, ``parse_omm_*``) only do the second;
:func:`parse_elements` and :func:`read_elements` do both.

>>> from importlib.resources import files
>>> res = read_elements(files("orbitwatch") / "data/sample/catalog-2023-10-09.3le.gz")
>>> len(res.elements), len(res.rejected)
(26140, 0)
>>> parse_elements("", source="empty.tle")
Traceback (most recent call last):
...
orbitwatch.errors.InputFileError: empty.tle: file: no element sets in the file (it is empty)
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

from ..errors import InputFileError, InputNotFoundError, InvalidRequestError
from .omm import (parse_omm_csv, parse_omm_json, parse_omm_kvn, parse_omm_xml, write_omm_csv,
                  write_omm_json, write_omm_kvn, write_omm_xml)
from .sets import ElementSets
from .text import check_text, decode_input, other_kind
from .tle import ParseResult, parse_tle, write_tle

_TLE_LINE = re.compile(r"^[ \t]*[12] ", re.MULTILINE)

FORMATS = ("tle", "3le", "omm-kvn", "omm-xml", "omm-json", "omm-csv")
#: formats :func:`format_elements` writes ('tle' is 2-line, 'celestrak' bare-name 3-line)
WRITE_FORMATS = ("3le", "tle", "2le", "celestrak", "omm-kvn", "omm-xml", "omm-json", "omm-csv")
_EXT = {".tle": "tle", ".3le": "tle", ".2le": "tle", ".txt": None, ".kvn": "omm-kvn", ".omm": None,
        ".xml": "omm-xml", ".json": "omm-json", ".csv": "omm-csv"}


def detect_format(text: str, name: str = "") -> str:
    """Guess the format from the file name, then from the first non-blank characters."""
    suffixes = [s.lower() for s in Path(name).suffixes if s.lower() != ".gz"]
    if suffixes and _EXT.get(suffixes[-1]):
        return _EXT[suffixes[-1]]
    head = text[:65536].lstrip("\ufeff \t\r\n")[:4096]
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


def _check_format(format: str | None) -> str | None:
    if format is None:
        return None
    fmt = str(format).lower()
    if fmt in ("2le",):
        fmt = "tle"
    if fmt not in FORMATS:
        raise InvalidRequestError("format", f"unknown element-set format {format!r}; expected one of "
                                            f"{', '.join(FORMATS)}", format)
    return fmt


def parse_elements(text: str | bytes, format: str | None = None, source: str = "<string>",
                   strict: bool = False) -> ParseResult:
    """Parse text (or the bytes of a file, gzip allowed) in any supported format; see :func:`read_elements`."""
    fmt = _check_format(format)
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = decode_input(bytes(text), source)
    else:
        check_text(text, source)
    kind = other_kind(text)
    if kind is not None:
        raise InputFileError(source, f"this is {kind}, not element sets (TLE/3LE or OMM)")
    if not text.strip():
        raise InputFileError(source, "no element sets in the file (it is empty)")
    fmt = fmt or detect_format(text, source)
    if fmt in ("tle", "3le"):
        if _TLE_LINE.search(text) is None:
            # not one line 1 or line 2: a text file of another kind, not a TLE file with bad records
            n = sum(1 for line in text.splitlines() if line.strip())
            raise InputFileError(source, f"no element sets in the file: none of its {n} non-blank line(s) is "
                                         "a TLE line 1 or 2, and it is not OMM (KVN, XML, JSON or CSV)")
        res = parse_tle(text, source, strict)
    elif fmt == "omm-kvn":
        res = parse_omm_kvn(text, source, strict)
    elif fmt == "omm-xml":
        res = parse_omm_xml(text, source, strict)
    elif fmt == "omm-json":
        res = parse_omm_json(text, source, strict)
    else:
        res = parse_omm_csv(text, source, strict)
    if not len(res.elements) and not res.rejected:
        raise InputFileError(source, "no element sets in the file")
    return res


def read_elements(path: str | os.PathLike, format: str | None = None, strict: bool = False) -> ParseResult:
    """Read element sets from a file (``.gz`` transparently).

    The format is detected from the extension or the contents when ``format`` is
    None. Returns ``(elements, rejected)``: the good records and one
    :class:`~orbitwatch.errors.ElementSetError` per bad record, naming the file,
    line, field and reason. With ``strict=True`` the first bad record raises.

    A file that does not exist or cannot be opened is an
    :class:`~orbitwatch.errors.InputNotFoundError`; a file that is not element sets (binary, UTF-16, an OEM,
    empty, ...) an :class:`~orbitwatch.errors.InputFileError`, in either mode.
    """
    path = Path(path)
    _check_format(format)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputNotFoundError.from_os_error(path, exc) from None
    return parse_elements(raw, format, source=str(path), strict=strict)


def format_elements(es: ElementSets, format: str = "3le", *, originator: str | None = None,
                    creation_date=None) -> str:
    """Text of ``es`` in ``format`` ('3le', 'tle' (2-line), 'celestrak', or an omm-* format).

    ``originator`` and ``creation_date`` fill the CCSDS header of OMM KVN and XML
    (see :func:`~orbitwatch.elements.write_omm_kvn`).
    """
    fmt = str(format).lower()
    if fmt == "3le":
        return write_tle(es, "3le")
    if fmt in ("tle", "2le"):
        return write_tle(es, "tle")
    if fmt == "celestrak":
        return write_tle(es, "celestrak")
    if fmt == "omm-kvn":
        return write_omm_kvn(es, originator=originator, creation_date=creation_date)
    if fmt == "omm-xml":
        return write_omm_xml(es, originator=originator, creation_date=creation_date)
    if fmt == "omm-json":
        return write_omm_json(es)
    if fmt == "omm-csv":
        return write_omm_csv(es)
    raise InvalidRequestError("format", f"unknown element-set format {format!r}; expected one of "
                                        f"{', '.join(WRITE_FORMATS)}", format)


def write_elements(es: ElementSets, path: str | os.PathLike, format: str | None = None, *,
                   originator: str | None = None, creation_date=None) -> None:
    """Write ``es`` to ``path``; the format comes from the extension when not given."""
    path = Path(path)
    if format is None:
        suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
        ext = suffixes[-1] if suffixes else ""
        format = {".3le": "3le", ".tle": "celestrak", ".kvn": "omm-kvn", ".xml": "omm-xml",
                  ".json": "omm-json", ".csv": "omm-csv"}.get(ext, "3le")
    text = format_elements(es, format, originator=originator, creation_date=creation_date)
    if path.suffix.lower() == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
