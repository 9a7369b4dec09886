"""Keyword = Value Notation (CCSDS 502.0-B-3 section 7.4, shared by OEM, OPM, OMM and CDM).

A KVN line is ``KEYWORD = value [unit]``, ``COMMENT text``, a bare structural
keyword (``META_START``), a blank line, or - in ephemeris blocks - a raw data
line that starts with a digit or a sign.  Keywords are upper case; blanks around
``=`` are optional.

>>> split_kvn_line("X = 6655.9942 [km]")[:3]
('X', '6655.9942', 'km')
>>> split_kvn_line("STOP_TIME=1996-12-30T01:28:02.267")[:3]
('STOP_TIME', '1996-12-30T01:28:02.267', None)
>>> split_kvn_line("COMMENT  State Vector")[:3]
('COMMENT', 'State Vector', None)
>>> split_kvn_line("OBJECT_NAME = [bold]SAT[/x]").text
'[bold]SAT[/x]'
>>> units_match("km**2/s", "KM**2/S")
True
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..errors import InputFileError

_KV = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_UNIT = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]$")
_BARE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*$")


class KVNLine(NamedTuple):
    """One KVN line: ``value`` without a trailing ``[unit]``; ``text`` is the whole value as written
    (text values such as ``OBJECT_NAME = [bold]SAT[/x]`` carry no unit)."""

    key: str
    value: str
    unit: str | None
    text: str = ""


def split_unit(value: str) -> tuple[str, str | None]:
    """``'6655.9942 [km]'`` -> ``('6655.9942', 'km')``."""
    m = _UNIT.match(value)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return value, None


def split_kvn_line(line: str) -> KVNLine | None:
    """One non-blank KVN line as (key, value, unit); a bare keyword has value ``''``; None for anything else."""
    s = line.strip()
    if s.startswith("COMMENT") and (len(s) == 7 or s[7] in " \t"):
        return KVNLine("COMMENT", s[7:].strip(), None, s[7:].strip())
    m = _KV.match(s)
    if m:
        value, unit = split_unit(m.group(2))
        return KVNLine(m.group(1), value, unit, m.group(2))
    m = _BARE.match(s)
    if m:
        return KVNLine(m.group(1), "", None, "")
    return None


def is_data_line(stripped: str) -> bool:
    """A raw data line (an ephemeris or covariance row) starts with a digit, a sign or a point."""
    return bool(stripped) and (stripped[0].isdigit() or stripped[0] in "+-.")


def units_match(given: str, expected: str) -> bool:
    """Units compare without case or blanks (``km**2/s`` = ``KM**2/S``)."""
    norm = lambda u: re.sub(r"\s+", "", u).lower()  # noqa: E731
    return norm(given) == norm(expected)


def decode_text(data: bytes, name: str, *, what: str = "message") -> str:
    """Text of ``data``: binary content (NUL bytes) or non-UTF-8 bytes are an
    :class:`~orbitwatch.errors.InputFileError` naming ``name``; a byte-order mark is dropped."""
    if b"\x00" in data[:65536]:
        raise InputFileError(name, f"binary content, not a text {what}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(name, f"not UTF-8 text; a CCSDS {what} is ASCII text") from None
    return text.lstrip("\ufeff")


def read_text(path, *, what: str = "message") -> str:
    """Text of the file at ``path`` (see :func:`decode_text`); a missing file is ``FileNotFoundError``."""
    p = Path(path)
    return decode_text(p.read_bytes(), str(path), what=what)
