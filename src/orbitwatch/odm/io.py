"""Read and write ODMs in either form: the form is detected from the content (``<`` = XML)."""

from __future__ import annotations

from pathlib import Path

from ..ccsds.kvn import decode_text
from ..ccsds.problems import Problems
from ..ccsds.xml import is_xml
from ..errors import InvalidRequestError
from .errors import ODMError

FORMATS = ("kvn", "xml")


def _content(source) -> tuple[str, str]:
    if isinstance(source, (bytes, bytearray)):
        return decode_text(bytes(source), "<bytes>", what="ODM"), "<bytes>"
    return str(source), "<string>"


def parse_oem(content: str | bytes, source: str | None = None, *, problems: Problems | None = None):
    """An :class:`~orbitwatch.odm.model.OEM` from KVN or XML content (text or bytes)."""
    text, name = _content(content)
    name = source or name
    if is_xml(text):
        from .oem_xml import parse_oem_xml

        return parse_oem_xml(text.encode("utf-8"), name, problems=problems)
    from .oem_kvn import parse_oem_kvn

    return parse_oem_kvn(text, name, problems=problems)


def read_oem(path, *, problems: Problems | None = None):
    """Read an OEM file (KVN or XML). Errors are :class:`ODMError` naming file, line, keyword and reason."""
    p = Path(path)
    text = decode_text(p.read_bytes(), str(path), what="OEM")
    return parse_oem(text, str(path), problems=problems)


def parse_opm(content: str | bytes, source: str | None = None, *, problems: Problems | None = None):
    """An :class:`~orbitwatch.odm.opm.OPM` from KVN or XML content."""
    from .opm import parse_opm_kvn, parse_opm_xml

    text, name = _content(content)
    name = source or name
    if is_xml(text):
        return parse_opm_xml(text.encode("utf-8"), name, problems=problems)
    return parse_opm_kvn(text, name, problems=problems)


def read_opm(path, *, problems: Problems | None = None):
    """Read an OPM file (KVN or XML)."""
    p = Path(path)
    text = decode_text(p.read_bytes(), str(path), what="OPM")
    return parse_opm(text, str(path), problems=problems)


def check_format(fmt: str) -> str:
    f = str(fmt).strip().lower()
    if f not in FORMATS:
        raise InvalidRequestError("format", f"unknown ODM format {fmt!r}; choose from {', '.join(FORMATS)}", fmt)
    return f


def format_of(path) -> str | None:
    """``'xml'`` or ``'kvn'`` from a file name's extension (None when it says neither)."""
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".xml":
        return "xml"
    if suffix in (".kvn", ".oem", ".opm", ".txt"):
        return "kvn"
    return None


def dumps(message, fmt: str, **kwargs) -> str:
    """Text of an OEM or OPM in ``fmt`` ('kvn' or 'xml')."""
    fmt = check_format(fmt)
    return message.to_xml(**kwargs) if fmt == "xml" else message.to_kvn()


def write_message(message, path, fmt: str | None = None, **kwargs) -> Path:
    """Write an OEM or OPM to ``path`` in ``fmt`` (default: from the extension, else the form it was read in)."""
    fmt = check_format(fmt or format_of(path) or getattr(message, "format", "kvn"))
    p = Path(path)
    p.write_text(dumps(message, fmt, **kwargs), encoding="utf-8")
    return p


write_oem = write_message
write_opm = write_message

__all__ = ["parse_oem", "read_oem", "parse_opm", "read_opm", "write_oem", "write_opm", "dumps", "ODMError"]
