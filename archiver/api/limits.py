"""Per-key write rate limits: a token bucket for each API key, kept in this process.

Every write (``POST``, ``PUT``, ``PATCH``, ``DELETE`` under ``/api/v1``, and the submission form)
costs one token of its key's bucket once the key is authenticated; an empty bucket answers
429 with ``Retry-After``. A bucket holds ``ARCHIVER_WRITE_RATE_LIMIT``'s count and refills
evenly over its period (``600/min``: 600 at once, then one every 0.1 s). Admin keys are limited
too. The buckets live in the server process: with several processes each has its own budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from fastapi import Request

from archiver.errors import TooManyRequests
from archiver.units import Rate, format_duration

WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NAMED_PERIODS: Final = {
    timedelta(seconds=1): "second",
    timedelta(minutes=1): "minute",
    timedelta(hours=1): "hour",
    timedelta(days=1): "day",
}
#: Buckets kept before full ones are forgotten (a full bucket is the same as no bucket).
_PRUNE_AT: Final = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class WriteLimiter:
    """Token buckets per API key ID; ``rate=None`` lets everything through. Thread-safe."""

    def __init__(self, rate: Rate | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def charge(self, key_id: str) -> None:
        """Take one token from ``key_id``'s bucket, or raise TooManyRequests."""
        rate = self._rate
        if rate is None:
            return
        capacity = float(rate.count)
        per_second = rate.count / rate.per.total_seconds()
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                if len(self._buckets) >= _PRUNE_AT:
                    self._prune(now, capacity, per_second)
                bucket = self._buckets[key_id] = _Bucket(capacity, now)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = max(1, math.ceil((1.0 - bucket.tokens) / per_second))
        raise TooManyRequests(
            f"this API key may make {rate.count} writes per {_period(rate)}; try again in {wait} s",
            retry_after=wait,
        )

    def _prune(self, now: float, capacity: float, per_second: float) -> None:
        self._buckets = {
            key: bucket
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * per_second < capacity
        }


def _period(rate: Rate) -> str:
    return _NAMED_PERIODS.get(rate.per) or format_duration(rate.per)


def charge_write(request: Request, key_id: str) -> None:
    """Charge key ``key_id`` for ``request`` if it is a write (429 when its budget is spent)."""
    if request.method.upper() in WRITE_METHODS:
        limiter: WriteLimiter = request.app.state.write_limiter
        limiter.charge(key_id)
