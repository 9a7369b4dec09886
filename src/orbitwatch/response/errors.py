"""Typed errors of the disaster-response domain (bad fleet files, bad activations).

Both are :class:`~orbitwatch.errors.DataError`, so every front end's table maps them
to "data error" without knowing them.
"""

from __future__ import annotations

from ..errors import DataError


class FleetError(DataError):
    """A bad row in a fleet file: which file, line and field, and why."""

    def __init__(self, source: str, line: int | None, field: str, reason: str):
        super().__init__(source, line, field, reason)

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.field, self.reason))


class ActivationError(DataError):
    """A Charter activation that cannot be planned: which input, which field, and why."""

    def __init__(self, source: str, field: str, reason: str):
        super().__init__(source, None, field, reason)

    def __reduce__(self):
        return (type(self), (self.source, self.field, self.reason))
