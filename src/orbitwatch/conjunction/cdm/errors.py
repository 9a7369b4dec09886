"""The typed error every CDM reader and writer raises."""

from __future__ import annotations

from ...errors import DataError


class CDMError(DataError):
    """A CCSDS Conjunction Data Message that cannot be read or written.

    Attributes
    ----------
    source : str
        File name (or ``"<string>"``) the message came from.
    line : int or None
        1-based line number of the offending line (KVN and XML both), or None
        when the problem is the absence of something (then ``line`` is where the
        block that should have held it ends, when known).
    keyword : str
        The CDM keyword at fault, e.g. ``"TCA"``, ``"CRDOT_T"``; ``"-"`` for a
        problem with the message as a whole.
    reason : str
        Human-readable reason.
    """

    def __init__(self, source: str, line: int | None, keyword: str, reason: str):
        super().__init__(source, line, keyword, reason)

    @property
    def keyword(self) -> str:
        """The CDM keyword at fault (the generic ``field``)."""
        return self.field

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.keyword, self.reason))
