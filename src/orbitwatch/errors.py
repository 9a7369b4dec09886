"""Typed errors shared by every layer.

Library code raises these; the CLI and the service map them to exit codes and
HTTP statuses through one table (``orbitwatch.cli.errors``), never by message text.
"""

from __future__ import annotations


class OrbitwatchError(Exception):
    """Base class of every error orbitwatch raises on purpose."""


class ElementSetError(OrbitwatchError, ValueError):
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
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
        self.record = record
        self.text = text
        where = source
        if line is not None:
            where += f":{line}"
        elif record is not None:
            where += f" record {record}"
        super().__init__(f"{where}: {field}: {reason}")

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.field, self.reason,
                             self.record, self.text))


class PropagationError(OrbitwatchError):
    """A propagation request that cannot be served at all (not a per-object status)."""


class StoreError(OrbitwatchError):
    """A storage-layer failure (bad URL, migration failure, ...)."""


class NotFoundError(OrbitwatchError, LookupError):
    """A requested object, catalog number or record does not exist."""
