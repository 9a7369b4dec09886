"""Typed errors of the disaster-response domain (bad fleet files, bad activations).

Both subclass :class:`~orbitwatch.errors.OrbitwatchError` and ``ValueError`` so the CLI's
single exit-code table maps them to "data error" without knowing them.
"""

from __future__ import annotations

from ..errors import OrbitwatchError


class FleetError(OrbitwatchError, ValueError):
    """A bad row in a fleet file: which file, line and field, and why."""

    def __init__(self, source: str, line: int | None, field: str, reason: str):
        self.source, self.line, self.field, self.reason = source, line, field, reason
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {field}: {reason}")

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.field, self.reason))


class ActivationError(OrbitwatchError, ValueError):
    """A Charter activation that cannot be planned: which input, which field, and why."""

    def __init__(self, source: str, field: str, reason: str):
        self.source, self.field, self.reason = source, field, reason
        super().__init__(f"{source}: {field}: {reason}")

    def __reduce__(self):
        return (type(self), (self.source, self.field, self.reason))
