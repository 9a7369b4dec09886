"""Object names: how a name pattern picks objects, and how specs resolve to catalog numbers.

The rules (the same in the library, ``catalog list --name``, ``propagate`` and the service):

1. a name given exactly (case-insensitive) always matches that object first, so any
   name ``catalog list`` prints can be given back, brackets and all
   (``STARLINK-11748 [DTC]``);
2. ``/regex/`` is a regular expression (Python syntax, case-insensitive, searched
   anywhere in the name);
3. with ``*`` (any characters) or ``?`` (one character), a glob over the whole name;
   every other character, brackets included, is itself;
4. otherwise, a case-insensitive substring of the name.

>>> names = np.array(["STARLINK-11748 [DTC]", "STARLINK-1007", "ISS (ZARYA)", "COSMOS 2251 DEB"])
>>> name_mask(names, "starlink-11748 [dtc]").tolist()
[True, False, False, False]
>>> name_mask(names, "*[DTC]*").tolist()
[True, False, False, False]
>>> name_mask(names, "/^COSMOS \\\\d+ DEB$/").tolist()
[False, False, False, True]
>>> name_mask(names, "/[unclosed/")
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: name: '/[unclosed/' is not a valid regular expression: ...
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from ..errors import InvalidRequestError

#: the rules in one paragraph, for --help texts and API documentation
NAME_RULES = ("An exact name (case-insensitive) always matches first, brackets and all; '/regex/' is a "
              "regular expression; a pattern with '*' (any characters) or '?' (one character) is a glob over "
              "the whole name, every other character literal (brackets too); anything else matches as a "
              "substring. Case is ignored.")
#: how object specs (positional arguments naming objects) resolve
SPEC_RULES = ("Catalog numbers (25544, Alpha-5 T0000), names, globs ('STARLINK*'), /regex/, or comma lists "
              "of them (a name or /regex/ containing a comma must be given alone). " + NAME_RULES)


def is_regex(pattern: str) -> bool:
    return len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/")


def name_matcher(pattern: str, *, field: str = "name") -> Callable[[str], bool]:
    """A predicate on one name for a glob, /regex/ or substring (rules 2-4; the caller applies rule 1).

    A bad regular expression is an :class:`~orbitwatch.errors.InvalidRequestError`
    naming ``field`` and the pattern.
    """
    if is_regex(pattern):
        try:
            rx = re.compile(pattern[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise InvalidRequestError(field, f"{pattern!r} is not a valid regular expression: {exc}",
                                      pattern) from None
        return lambda s: rx.search(s) is not None
    if "*" in pattern or "?" in pattern:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        rx = re.compile(body, re.IGNORECASE | re.DOTALL)
        return lambda s: rx.fullmatch(s) is not None
    folded = pattern.casefold()
    return lambda s: folded in s.casefold()


def check_name_pattern(pattern: str | None, *, field: str = "name") -> str | None:
    """``pattern`` stripped, after checking that it can be used (a /regex/ compiles); None stays None."""
    if pattern is None:
        return None
    p = str(pattern).strip()
    name_matcher(p, field=field)
    return p


def name_mask(names, pattern: str, *, field: str = "name") -> np.ndarray:
    """Boolean mask of ``names`` matching ``pattern`` by the rules above (exact name first)."""
    names = np.asarray(names)
    if names.size == 0:
        return np.zeros(names.shape, dtype=bool)
    pattern = str(pattern).strip()
    uniq, inv = np.unique(names.ravel(), return_inverse=True)
    folded = pattern.casefold()
    exact = np.fromiter((str(u).strip().casefold() == folded for u in uniq), dtype=bool, count=len(uniq))
    if exact.any():
        return exact[inv].reshape(names.shape)
    match = name_matcher(pattern, field=field)
    hits = np.fromiter((match(str(u)) for u in uniq), dtype=bool, count=len(uniq))
    return hits[inv].reshape(names.shape)
