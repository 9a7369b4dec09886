"""One place where a reader reports a problem: raise it at once, or list them all.

Readers call ``problems.add(line, keyword, reason)``; the error class is the
message's own (``ODMError``, ``CDMError``), built as ``error_cls(source, line,
keyword, reason)``.  A plain read stops at the first problem; ``validate`` reads
with ``collect=True``, keeps going past bad lines, and reports every problem.

>>> from orbitwatch.errors import DataError
>>> p = Problems("a.oem", DataError, collect=True)
>>> p.add(12, "Z", "not a number: 'x'")
>>> [str(e) for e in p]
["a.oem:12: Z: not a number: 'x'"]
"""

from __future__ import annotations

from typing import Iterator


class Problems:
    """Problems found in one message (see the module docstring)."""

    def __init__(self, source: str, error_cls: type, *, collect: bool = False):
        self.source = source
        self.error_cls = error_cls
        self.collect = collect
        self.items: list = []

    def add(self, line: int | None, keyword: str, reason: str) -> None:
        """Report one problem: raised at once unless collecting."""
        err = self.error_cls(self.source, line, keyword, reason)
        if not self.collect:
            raise err
        self.items.append(err)

    def __iter__(self) -> Iterator:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
