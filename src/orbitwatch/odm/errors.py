"""The typed error of every ODM (OEM, OPM) reader and writer."""

from __future__ import annotations

from ..errors import DataError


class ODMError(DataError):
    """A CCSDS Orbit Data Message that cannot be read: where, which keyword, and why.

    Attributes
    ----------
    source : str
        File name (or ``"<string>"``) the message came from.
    line : int or None
        1-based line number of the offending line (KVN and XML both); None when
        the problem is something missing at the end of the message.
    keyword : str
        The ODM keyword at fault (``"Z"``, ``"TIME_SYSTEM"``, ``"CY_Y"``), or ``"-"``
        for the message as a whole. Also available as the generic ``field``.
    reason : str
        Human-readable reason.

    >>> e = ODMError("a.oem", 44, "Z", "not a number: 'x'")
    >>> str(e), e.keyword, e.to_dict()["line"]
    ("a.oem:44: Z: not a number: 'x'", 'Z', 44)
    """

    def __init__(self, source: str, line: int | None, keyword: str, reason: str):
        super().__init__(source, line, keyword, reason)

    @property
    def keyword(self) -> str:
        """The ODM keyword at fault (the generic ``field``)."""
        return self.field

    def to_dict(self):
        out = super().to_dict()
        out["keyword"] = self.field
        return out

    def __reduce__(self):
        return (type(self), (self.source, self.line, self.keyword, self.reason))
