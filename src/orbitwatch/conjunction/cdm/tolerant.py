"""Reading the CDMs operators actually receive: quirks accepted when unambiguous, each
with a warning.

Real messages carry things the standard does not allow but whose meaning is clear,
and NASA CARA's own readers accept them (its test CDMs among them).  The strict
readers (:func:`~orbitwatch.conjunction.cdm.read_cdm` without ``warnings``) refuse
them; given a ``warnings`` list, the readers accept each of the following and append
one :class:`CdmWarning` naming the file, line and keyword and saying what was assumed:

==========================================  ===============================================
quirk                                       read as
==========================================  ===============================================
a unit label of another kind of quantity    the value in the CDM unit of the keyword (a
(``RELATIVE_VELOCITY_R = -0.1 [m]``)        velocity cannot be in metres: the label is wrong)
another spelling of the CDM unit            the value in the CDM unit
(``[m/sec]``, ``[meters]``)
an empty unit label ``[]``                   the value in the CDM unit
a unit cut short (``= 85.4 [``, ``[m/``)    the value in the CDM unit, when what is left of
                                            the label is the start of the CDM unit
``NaN`` as an optional value                the keyword is absent
a label on a keyword that has no unit       the label is ignored (``[-]``, ``[n/a]`` are
                                            accepted without a warning, as before)
an incomplete relative state vector         the relative state is absent (orbitwatch
                                            computes it from the object states)
``COMMENT HBR = 20`` without a unit         metres (CARA's convention)
``COMMENT HBR = NaN`` (not a number)        the comment is ignored (the hard-body radius
                                            then comes from the next source)
==========================================  ===============================================

What stays an error in both modes: a mandatory value that is absent, ``NaN`` or not
a number; a unit of the same kind but another scale than the standard's
(``MISS_DISTANCE = 0.7 [km]``: the value may be in km or the label may be wrong, and
orbitwatch does not guess which); a unit cut short whose remains do not start the CDM
unit (``[km`` on a m/s keyword); a unit label that is not understood (``[furlong]``).

>>> unit_scale("m**2/s"), unit_scale("km"), unit_scale("m/sec") == unit_scale("m/s")
((1.0, (('L', 2), ('T', -1))), (1000.0, (('L', 1),)), True)
>>> unit_scale("furlong") is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import CDMError
from .schema import Keyword

__all__ = ["CdmWarning", "unit_scale", "judge_unit", "judge_cut_unit", "is_nan_text", "check_hbr_comment",
           "HBR_COMMENT", "EXCLUSION_COMMENT", "parse_hbr_comment", "radius_from_text"]


@dataclass(frozen=True)
class CdmWarning:
    """One assumption a tolerant read made: where (file, line, keyword) and what was assumed."""

    source: str
    line: int | None
    keyword: str
    message: str

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.keyword}: {self.message}"

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "keyword": self.keyword, "message": self.message}


# ------------------------------------------------------------------------------------------------ units
# each symbol: (scale to SI-like base, dimensions); the CDM uses m, km, s, kg, W, d, deg, %
_L, _T, _M, _A = "L", "T", "M", "A"
_SYMBOLS: dict[str, tuple[float, dict[str, int]]] = {
    "m": (1.0, {_L: 1}), "meter": (1.0, {_L: 1}), "meters": (1.0, {_L: 1}), "metre": (1.0, {_L: 1}),
    "metres": (1.0, {_L: 1}), "km": (1000.0, {_L: 1}), "cm": (0.01, {_L: 1}), "mm": (0.001, {_L: 1}),
    "s": (1.0, {_T: 1}), "sec": (1.0, {_T: 1}), "secs": (1.0, {_T: 1}), "second": (1.0, {_T: 1}),
    "seconds": (1.0, {_T: 1}), "min": (60.0, {_T: 1}), "h": (3600.0, {_T: 1}), "hr": (3600.0, {_T: 1}),
    "d": (86400.0, {_T: 1}), "day": (86400.0, {_T: 1}), "days": (86400.0, {_T: 1}),
    "kg": (1.0, {_M: 1}), "g": (0.001, {_M: 1}),
    "w": (1.0, {_M: 1, _L: 2, _T: -3}),
    "deg": (1.0, {_A: 1}), "degree": (1.0, {_A: 1}), "degrees": (1.0, {_A: 1}),
    "rad": (180.0 / math.pi, {_A: 1}),
    "%": (0.01, {}), "1": (1.0, {}),
}
_TOKEN = re.compile(r"\s*(\*\*|\^|\*|/|\(|\)|[A-Za-z%]+|[+-]?\d+)")


def unit_scale(unit: str) -> tuple[float, tuple[tuple[str, int], ...]] | None:
    """(scale, dimensions) of a unit label, or None when it is not understood.

    Accepts the CDM's notation (``m**2/s``, ``m**3/(kg*s)``) and a few common
    spellings (``sec``, ``meters``, ``^`` for powers); case does not matter.
    """
    text = unit.strip().lower()
    if not text:
        return None
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return None
        tokens.append(m.group(1))
        pos = m.end()
    tokens.append("")
    i = 0

    def expr():
        nonlocal i
        scale, dims = term()
        while tokens[i] in ("*", "/"):
            op = tokens[i]
            i += 1
            s2, d2 = term()
            sign = 1 if op == "*" else -1
            scale *= s2 ** sign
            for k, v in d2.items():
                dims[k] = dims.get(k, 0) + sign * v
        return scale, dims

    def term():
        nonlocal i
        tok = tokens[i]
        if tok == "(":
            i += 1
            scale, dims = expr()
            if tokens[i] != ")":
                raise ValueError("unbalanced")
            i += 1
        elif tok in _SYMBOLS:
            i += 1
            scale, d = _SYMBOLS[tok]
            dims = dict(d)
        else:
            raise ValueError(tok)
        if tokens[i] in ("**", "^"):
            i += 1
            try:
                p = int(tokens[i])
            except ValueError:
                raise ValueError("power") from None
            i += 1
            scale = scale ** p
            dims = {k: v * p for k, v in dims.items()}
        return scale, dims

    try:
        scale, dims = expr()
    except (ValueError, IndexError):
        return None
    if tokens[i] != "":
        return None
    return float(scale), tuple(sorted((k, v) for k, v in dims.items() if v))


def _cdm_unit(kw: Keyword) -> str:
    return kw.unit if kw.unit is not None else "1"


def _label(kw: Keyword) -> str:
    return f"[{kw.unit}]" if kw.unit is not None else "(a plain number)"


def judge_unit(kw: Keyword, label: str, source: str, line: int | None, warnings: list[CdmWarning]) -> None:
    """A unit label that is not the CDM unit's spelling, in a tolerant read: append a
    warning when its meaning is clear, raise :class:`CDMError` when it is ambiguous
    (a unit of the same kind at another scale)."""
    name = kw.name
    shown = label.strip()
    if kw.unit is None and shown.lower() in ("", "n/a", "-"):
        return
    if shown == "":
        warnings.append(CdmWarning(source, line, name, f"empty unit label []: value read in the CDM unit {_label(kw)}"))
        return
    want = unit_scale(_cdm_unit(kw))
    got = unit_scale(shown)
    if got is None:
        raise CDMError(source, line, name, f"unit [{shown}] is not understood and is not the CDM unit {_label(kw)}: "
                                           f"the unit of the value is unknown")
    if want is not None and got[1] == want[1]:
        if math.isclose(got[0], want[0], rel_tol=1e-12):
            if kw.unit is None:
                warnings.append(CdmWarning(source, line, name, f"keyword takes no unit; [{shown}] ignored"))
            else:
                warnings.append(CdmWarning(source, line, name, f"unit spelled [{shown}]: the CDM unit [{kw.unit}]"))
            return
        if kw.unit is None:
            raise CDMError(source, line, name, f"keyword takes no unit, found [{shown}], which would scale the value: "
                                               f"the value may or may not be scaled and is not guessed")
        raise CDMError(source, line, name, f"unit [{shown}] is not the CDM unit [{kw.unit}]; both measure the same "
                                           f"kind of quantity, so the value may be in either and is not guessed")
    if kw.unit is None:
        warnings.append(CdmWarning(source, line, name, f"keyword takes no unit; [{shown}] ignored"))
    else:
        warnings.append(CdmWarning(source, line, name, f"unit [{shown}] cannot measure {name} (a quantity in "
                                                       f"{kw.unit}): value read in the CDM unit [{kw.unit}]"))


def judge_cut_unit(kw: Keyword, fragment: str, source: str, line: int | None,
                   warnings: list[CdmWarning]) -> None:
    """A unit label cut short (``85.4 [`` or ``85.4 [m/``): accepted with a warning when
    what is left is the start of the CDM unit, else an ambiguous-unit error."""
    frag = fragment.replace(" ", "").lower()
    unit = (kw.unit or "").replace(" ", "").lower()
    if unit.startswith(frag):
        warnings.append(CdmWarning(source, line, kw.name, f"unit cut short ([{fragment.strip()}): value read in the "
                                                          f"CDM unit {_label(kw)}"))
        return
    raise CDMError(source, line, kw.name, f"unit cut short ([{fragment.strip()}) and not the start of the CDM unit "
                                          f"{_label(kw)}: the unit of the value is unknown")


def is_nan_text(text: str) -> bool:
    """``NaN`` (any case, with or without sign) as a value."""
    return text.strip().lstrip("+-").lower() == "nan"


#: a hard-body radius in a comment: ``HBR = 20 [m]``, ``Operator Hard Body Radius = 5 [m]``
HBR_COMMENT = re.compile(r"^\s*(?:OPERATOR\s+)?(?:HARD\s+BODY\s+RADIUS|HBR)\s*[=:]\s*(.*?)\s*$", re.IGNORECASE)
#: an exclusion-volume radius in a comment (CSpOC CDMs, one per object)
EXCLUSION_COMMENT = re.compile(r"^\s*EXCLUSION[ _]VOLUME[ _]RADIUS\s*[=:]\s*(.*?)\s*$", re.IGNORECASE)
_NUMBER_UNIT = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:\[\s*([^\]]*?)\s*(?:\].*)?)?\s*$")


def radius_from_text(text: str) -> tuple[float | None, str | None, str | None]:
    """(radius in m or None, problem or None, note or None) of ``"20 [m]"``-like text: a number
    with an optional length unit (none: metres, noted)."""
    nm = _NUMBER_UNIT.match(text)
    if not nm:
        return None, f"value {text.strip()!r} is not a number", None
    value = float(nm.group(1))
    unit = nm.group(2)
    if unit is None or unit.strip() == "":
        return value, None, "no unit: metres assumed"
    sc = unit_scale(unit)
    if sc is None or sc[1] != (("L", 1),):
        return None, f"unit [{unit}] is not a length", None
    return value * sc[0], None, None


def parse_hbr_comment(comment: str, pattern: re.Pattern = HBR_COMMENT) -> tuple[float | None, str | None, str | None]:
    """(radius in m or None, problem or None, unit note or None) of an HBR comment;
    (None, None, None) when the comment is not about a hard-body radius.

    >>> parse_hbr_comment("HBR = 20 [m]"), parse_hbr_comment("HBR = 0.02 [km]")[0]
    ((20.0, None, None), 20.0)
    >>> parse_hbr_comment("HBR = 20")
    (20.0, None, 'no unit: metres assumed')
    >>> parse_hbr_comment("HBR = NaN")[1]
    "value 'NaN' is not a number"
    """
    m = pattern.match(comment)
    if not m:
        return None, None, None
    return radius_from_text(m.group(1))


def check_hbr_comment(comment: str, source: str, line: int | None, warnings: list[CdmWarning]) -> None:
    """Warn about a hard-body-radius comment (``HBR = ...``, ``Exclusion Volume Radius =
    ...``) that a read interprets (no unit: metres) or ignores (not a number, not a length)."""
    for pattern, label in ((HBR_COMMENT, "COMMENT HBR"), (EXCLUSION_COMMENT, "COMMENT EXCLUSION_VOLUME_RADIUS")):
        value, problem, note = parse_hbr_comment(comment, pattern)
        if problem is not None:
            warnings.append(CdmWarning(source, line, label, f"{problem}: the comment is ignored (the hard-body "
                                                            f"radius comes from the next source)"))
        elif note is not None:
            warnings.append(CdmWarning(source, line, label, note + " (CARA's convention)"))
