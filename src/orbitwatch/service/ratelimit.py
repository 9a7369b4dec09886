"""Rate limits per API key (or session user) and per client address: token buckets in the API
process (each API worker process keeps its own), answered with 429 and ``Retry-After``.

>>> b = TokenBuckets(per_minute=2)
>>> b.take("k", now=0.0), b.take("k", now=0.0), b.take("k", now=0.0) > 0
(0.0, 0.0, True)
>>> b.take("k", now=30.0)     # one token back after 30 s
0.0
"""

from __future__ import annotations

import math
import threading
import time

from ..errors import OrbitwatchError


class RateLimited(OrbitwatchError):
    """Too many requests from one key or address (429, with ``Retry-After``)."""

    _fields = ("scope", "limit_per_minute", "retry_after_s")

    def __init__(self, scope: str, limit_per_minute: int, retry_after_s: float):
        self.scope, self.limit_per_minute = scope, limit_per_minute
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        super().__init__(f"rate limit of {limit_per_minute} requests per minute per {scope} reached; "
                         f"retry after {self.retry_after_s} s")


class TokenBuckets:
    """``per_minute`` requests per minute per name, bursts up to the same number."""

    def __init__(self, per_minute: int, max_names: int = 100_000):
        self.per_minute = int(per_minute)
        self.rate = self.per_minute / 60.0
        self.max_names = max_names
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, name: str, now: float | None = None) -> float:
        """Take one token: 0.0 when allowed, else the seconds until a token is back."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(name, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[name] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_names:  # forget the fullest (idle) buckets
                    for k in list(self._buckets)[: self.max_names // 10]:
                        self._buckets.pop(k, None)
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1.0 - tokens) / self.rate
