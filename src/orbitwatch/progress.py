"""One shape for progress and cancellation of long work (screening, access, imports).

Long library calls take ``progress: Progress | None``. They call
``progress.update(done, total, stage)`` as work completes and ``progress.check()``
between units of work; ``check`` raises :class:`~orbitwatch.errors.CancelledError`
once ``cancel()`` was called (from another thread, a job runner, Ctrl-C).

A front end subclasses nothing: it passes a callback, e.g. a rich progress bar
in the CLI or a database row update in the service's job runner.

>>> seen = []
>>> p = Progress(lambda done, total, stage: seen.append((done, total, stage)))
>>> p.update(1, 4, "windows")
>>> seen
[(1, 4, 'windows')]
>>> p.cancel()
>>> p.check()
Traceback (most recent call last):
...
orbitwatch.errors.CancelledError: cancelled by the caller
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from .errors import CancelledError

#: ``callback(done, total, stage)``: ``total`` may be None when unknown
ProgressCallback = Callable[[float, Optional[float], str], None]


class Progress:
    """Progress reporting and a cancel flag, safe to share between threads."""

    def __init__(self, callback: ProgressCallback | None = None):
        self._callback = callback
        self._cancelled = threading.Event()

    def update(self, done: float, total: float | None = None, stage: str = "") -> None:
        if self._callback is not None:
            self._callback(done, total, stage)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise :class:`CancelledError` when cancellation was asked for."""
        if self._cancelled.is_set():
            raise CancelledError("cancelled by the caller")


def as_progress(progress: "Progress | ProgressCallback | None") -> Progress:
    """Accept a :class:`Progress`, a bare callback, or None (a silent one)."""
    if isinstance(progress, Progress):
        return progress
    return Progress(progress)
