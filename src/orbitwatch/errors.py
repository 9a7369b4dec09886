"""Typed errors shared by every layer.

Library code raises these; each front end owns its own table from these classes
to what its users see: exit codes in ``orbitwatch.cli.errors``, HTTP statuses in
the service's exception handlers. Nothing maps by message text.

Every error carries structured fields (``source``, ``line``, ``field``,
``reason``, ...) and ``to_dict()`` gives them as a plain mapping, so a JSON
response or a job record states the same detail a terminal prints.

The families (what a front end maps):

==========================  ==========================================  ========  ====
class                       meaning                                     CLI exit  HTTP
==========================  ==========================================  ========  ====
``InvalidRequestError``     the caller asked for something invalid        2       422
``ResourceLimitError``      a request too large to serve (with numbers)   2       413
``DataError``               input data (a file, a message) is malformed   65      422
``NotFoundError``           the object/file/record does not exist         66      404
``InputNotFoundError``      an input file is missing or unreadable        66      404
``ConflictError``           clashes with what exists (file, record)       73      409
``UnavailableError``        a service (database, cluster) cannot be used  69      503
``CancelledError``          long work stopped on request                  130     409
``OrbitwatchError``         anything else raised on purpose               70      500
==========================  ==========================================  ========  ====
"""

from __future__ import annotations

from typing import Any


class OrbitwatchError(Exception):
    """Base class of every error orbitwatch raises on purpose."""

    #: structured fields that ``to_dict`` reports (subclasses extend)
    _fields: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready mapping: type, message and its structured fields."""
        out: dict[str, Any] = {"type": self.kind, "message": str(self)}
        for name in self._fields:
            value = getattr(self, name, None)
            if value is not None:
                out[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
        return out


def _where(source: str | None, line: int | None = None, record: int | None = None) -> str:
    where = source or "<input>"
    if line is not None:
        where += f":{line}"
    elif record is not None:
        where += f" record {record}"
    return where


# --------------------------------------------------------------------------- caller mistakes

class InvalidRequestError(OrbitwatchError, ValueError):
    """A request the library cannot serve as asked: which field, what value, and why.

    ``field`` names the parameter as the library knows it (``"stop"``,
    ``"step_s"``); front ends may translate it to their own spelling.
    """

    _fields = ("field", "value", "reason")

    def __init__(self, field: str, reason: str, value: Any = None):
        self.field = field
        self.reason = reason
        self.value = value
        super().__init__(f"{field}: {reason}")

    def __reduce__(self):
        return (type(self), (self.field, self.reason, self.value))


class ResourceLimitError(InvalidRequestError):
    """A request that would need more than a limit allows (memory, instants, bytes)."""

    _fields = ("field", "value", "reason", "needed", "limit")

    def __init__(self, field: str, reason: str, value: Any = None, needed: float | None = None,
                 limit: float | None = None):
        super().__init__(field, reason, value)
        self.needed = needed
        self.limit = limit

    def __reduce__(self):
        return (type(self), (self.field, self.reason, self.value, self.needed, self.limit))


# --------------------------------------------------------------------------- bad input data

class DataError(OrbitwatchError, ValueError):
    """Input data that cannot be read: which source, line (or record), field, and why."""

    _fields = ("source", "line", "field", "reason", "record")

    def __init__(self, source: str, line: int | None, field: str, reason: str, record: int | None = None):
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
        self.record = record
        super().__init__(f"{_where(source, line, record)}: {field}: {reason}")

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.field, self.reason, self.record))


class ElementSetError(DataError):
    """One bad element-set record: where it is and what is wrong with it.

    Attributes
    ----------
    source : str
        File name (or ``"<string>"``) the record came from.
    line : int or None
        1-based line number of the offending line in ``source`` (for XML and JSON,
        the record's index is given in ``record`` and ``line`` may be None).
    field : str
        Name of the field at fault, e.g. ``"checksum"``, ``"eccentricity"``.
    reason : str
        Human-readable reason.
    record : int or None
        0-based index of the record within the source.
    """

    def __init__(self, source: str, line: int | None, field: str, reason: str,
                 record: int | None = None, text: str | None = None):
        super().__init__(source, line, field, reason, record)
        self.text = text

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.field, self.reason,
                             self.record, self.text))


class InputFileError(DataError):
    """A whole input file that cannot be read as text of the expected kind.

    Raised at once for binary content, a wrong text encoding, or a file of
    another kind (an OEM given where element sets are expected), instead of
    one reject per line.
    """

    def __init__(self, source: str, reason: str, field: str = "file", line: int | None = None):
        super().__init__(source, line, field, reason)

    def __reduce__(self):
        return (type(self), (self.source, self.reason, self.field, self.line))


# --------------------------------------------------------------------------- state of the world

class NotFoundError(OrbitwatchError, LookupError):
    """A requested object, catalog number, file or record does not exist."""


class InputNotFoundError(NotFoundError):
    """An input file that does not exist or cannot be opened: which path and why (one exit code
    everywhere: a missing input is "not found", never "bad data")."""

    _fields = ("source", "field", "reason")

    def __init__(self, source: str, reason: str, field: str = "file"):
        self.source, self.reason, self.field = source, reason, field
        super().__init__(f"{source}: {reason}")

    def __reduce__(self):
        return (type(self), (self.source, self.reason, self.field))

    @classmethod
    def from_os_error(cls, path, exc: OSError) -> "InputNotFoundError":
        what = {FileNotFoundError: "no such file", IsADirectoryError: "is a folder, not a file",
                PermissionError: "permission denied", NotADirectoryError: "a part of the path is not a folder"}
        return cls(str(path), what.get(type(exc), exc.strerror or str(exc)))


class ConflictError(OrbitwatchError):
    """The request clashes with something that exists (an output file, a record)."""

    _fields = ("target", "reason")

    def __init__(self, target: str, reason: str):
        self.target = target
        self.reason = reason
        super().__init__(f"{target}: {reason}")

    def __reduce__(self):
        return (type(self), (self.target, self.reason))


class UnavailableError(OrbitwatchError):
    """A service the request needs (database, Dask scheduler, GPU) cannot be used now."""

    _fields = ("service", "address", "reason")

    def __init__(self, service: str, reason: str, address: str | None = None):
        self.service = service
        self.reason = reason
        self.address = address
        where = f"{service} at {address}" if address else service
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):
        return (type(self), (self.service, self.reason, self.address))


class CancelledError(OrbitwatchError):
    """Long work stopped because its caller asked it to (see :mod:`orbitwatch.progress`)."""


class PropagationError(OrbitwatchError):
    """A propagation request that cannot be served at all (not a per-object status)."""


class StoreError(UnavailableError):
    """A storage-layer failure (bad URL, unreachable server, migration failure, ...)."""

    def __init__(self, reason: str, address: str | None = None):
        self.service, self.reason, self.address = "database", reason, address
        Exception.__init__(self, reason)

    def __reduce__(self):
        return (type(self), (self.reason, self.address))


__all__ = [
    "OrbitwatchError", "InvalidRequestError", "ResourceLimitError", "DataError", "ElementSetError",
    "InputFileError", "NotFoundError", "InputNotFoundError", "ConflictError", "UnavailableError", "CancelledError",
    "PropagationError", "StoreError",
]
