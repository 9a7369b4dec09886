"""Input text: bytes to text, what a file that is not element sets looks like, quoting bad lines.

Whole-file problems are found at once, before any record is parsed, and raised as
one :class:`~orbitwatch.errors.InputFileError` saying what the file looks like:

* binary content (NUL bytes, control characters, the signature of a ZIP, PDF,
  PNG, SQLite ... file), gzip data that fails to decompress;
* a wrong text encoding: UTF-16/UTF-32 (with or without a byte-order mark),
  bytes that are not UTF-8;
* another kind of CCSDS message (an OEM ephemeris, an OPM state, a CDM ...).

>>> decode_input(b"\\xef\\xbb\\xbf0 ISS (ZARYA)\\n", "iss.3le")   # a UTF-8 byte-order mark is dropped
'0 ISS (ZARYA)\\n'
>>> decode_input("hello".encode("utf-16"), "u16.tle")
Traceback (most recent call last):
...
orbitwatch.errors.InputFileError: u16.tle: file: UTF-16 text (it starts with a UTF-16 byte-order mark); ...
>>> quote("X" * 100)
"'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX...' (100 characters)"
"""

from __future__ import annotations

import gzip
import re
import zlib

from ..errors import InputFileError

#: characters of a bad value or line quoted in a message (the rest is elided)
QUOTE_CHARS = 60
#: characters of a bad line kept in an error's ``text`` (what an import log stores)
TEXT_CHARS = 200
#: bytes looked at to tell text from binary
_SAMPLE_BYTES = 65536

_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive"), (b"PK\x05\x06", "an empty ZIP archive"), (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"BZh", "bzip2-compressed data"), (b"\xfd7zXZ\x00", "xz-compressed data"), (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"), (b"\x7fELF", "an executable (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"\x93NUMPY", "a NumPy array file"),
    (b"\x89HDF", "an HDF5 file"), (b"PAR1", "a Parquet file"),
)

#: what other CCSDS navigation messages are, for "this is not element sets" messages
CCSDS_KINDS = {
    "OEM": "a CCSDS OEM ephemeris (states over time)",
    "OPM": "a CCSDS OPM (one state vector)",
    "OCM": "a CCSDS OCM (orbit comprehensive message)",
    "CDM": "a CCSDS CDM (conjunction data message)",
    "TDM": "a CCSDS TDM (tracking data)",
    "AEM": "a CCSDS AEM (attitude ephemeris)",
    "APM": "a CCSDS APM (attitude parameters)",
    "ACM": "a CCSDS ACM (attitude comprehensive message)",
    "RDM": "a CCSDS RDM (re-entry data message)",
}
_KVN_VERS = re.compile(r"CCSDS_([A-Z]{3})_VERS\b")
_XML_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(oem|opm|ocm|cdm|tdm|aem|apm|acm|rdm|omm)[\s>/]")


def quote(text: object, limit: int = QUOTE_CHARS) -> str:
    """``repr`` of ``text`` cut to about ``limit`` characters, with an ellipsis and the full length."""
    s = str(text)
    if len(s) <= limit:
        return repr(s)
    return repr(s[:limit - 2] + "...") + f" ({len(s)} characters)"


def clip(text: str | None, limit: int = TEXT_CHARS) -> str | None:
    """``text`` cut to ``limit`` characters (with an ellipsis), for keeping a bad line in an error."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit - 3] + "..."


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_input(raw: bytes, source: str) -> str:
    """The text of an element-set file's bytes, or :class:`InputFileError` saying what they look like.

    gzip data is decompressed; a UTF-8 byte-order mark is dropped.
    """
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFileError(source, f"gzip data that fails to decompress ({exc})") from None
    if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise InputFileError(source, "UTF-32 text (it starts with a UTF-32 byte-order mark); save it as UTF-8 or ASCII")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(source, "UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8 or ASCII")
    for magic, what in _SIGNATURES:
        if raw.startswith(magic):
            raise InputFileError(source, f"binary data ({what}), not text")
    if raw[:3] == b"\xef\xbb\xbf":
        raw = raw[3:]
    sample = raw[:_SAMPLE_BYTES]
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd and (odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even)
                    or even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd)):
            raise InputFileError(source, "UTF-16 text without a byte-order mark (every other byte is NUL); "
                                         "save it as UTF-8 or ASCII")
        raise InputFileError(source, f"binary data (NUL byte at offset {sample.index(0)}), not text")
    _check_controls(sample.decode("latin-1"), source)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(source, f"not UTF-8 text: byte 0x{raw[exc.start]:02X} on line "
                                     f"{_line_of(raw, exc.start)} (offset {exc.start}) is not valid UTF-8; "
                                     f"save the file as UTF-8 or ASCII") from None


def _check_controls(sample: str, source: str) -> None:
    """Binary data shows as many control characters (other than tab, line and page breaks)."""
    if not sample:
        return
    n_ctl = sum(sample.count(c) for c in _CONTROLS if c in sample)
    if n_ctl > max(8, 0.05 * len(sample)) or (len(sample) < 160 and n_ctl * 4 > len(sample)):
        raise InputFileError(source, f"binary data ({n_ctl} control characters in the first "
                                     f"{len(sample)} characters), not text")


_CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v"] + ["\x7f"]


def check_text(text: str, source: str) -> None:
    """Whole-file checks on text already decoded: NUL bytes and control characters mean binary data."""
    sample = text[:_SAMPLE_BYTES]
    if "\x00" in sample:
        raise InputFileError(source, f"binary data (NUL character at offset {sample.index(chr(0))}), not text")
    _check_controls(sample, source)


def other_kind(text: str) -> str | None:
    """What the text is when it is a CCSDS message other than an OMM (``None`` otherwise).

    Looks at the first keyword line of KVN (``CCSDS_OEM_VERS = ...``) or the root
    element of XML (``<oem ...>``, or a ``<ndm>`` holding no ``<omm>``).
    """
    head = text[:4096]
    for line in head.splitlines()[:40]:
        s = line.strip()
        if not s or s.startswith("COMMENT"):
            continue
        m = _KVN_VERS.match(s)
        if m and m.group(1) != "OMM":
            return CCSDS_KINDS.get(m.group(1), f"a CCSDS {m.group(1)} message")
        break
    if head.lstrip("\ufeff \t\r\n").startswith("<"):
        kinds = [k.upper() for k in _XML_ROOT.findall(head)]
        if kinds and "OMM" not in kinds:
            return CCSDS_KINDS.get(kinds[0], f"a CCSDS {kinds[0]} message")
    return None
