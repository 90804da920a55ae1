"""When to look at a post next: the re-check schedule and back-off after failures.

Pure: no I/O; the caller passes the clock in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

#: Back-off after failed observations: 1 min, doubling, at most 6 hours.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)


def next_scheduled(anchor: datetime, offsets: Sequence[timedelta], now: datetime) -> datetime:
    """The first ``anchor + offset`` after ``now``; past the last, its interval repeats.

    With offsets ``10m, 1h, 1d`` the checks fall at +10m, +1h, +1d, +2d, +3d…
    """
    if not offsets:
        raise ValueError("a schedule needs at least one offset")
    for offset in offsets:
        if anchor + offset > now:
            return anchor + offset
    last = offsets[-1]
    interval = last - offsets[-2] if len(offsets) > 1 else last
    elapsed = now - (anchor + last)
    steps: int = elapsed // interval + 1
    return anchor + last + steps * interval


def backoff(failures: int) -> timedelta:
    """How long to wait after ``failures`` consecutive failed observations (1 or more)."""
    exponent = min(max(failures, 1) - 1, 20)
    wait: timedelta = BACKOFF_FIRST * (1 << exponent)
    return min(wait, BACKOFF_MAX)


def after_failure(now: datetime, failures: int, retry_after: datetime | None = None) -> datetime:
    """When to try again after a failure: the back-off, or later if the platform asked."""
    due = now + backoff(failures)
    return max(due, retry_after) if retry_after is not None else due


#: The largest spread given to one post's regular checks, so thousands do not fire at once.
JITTER_MAX = timedelta(minutes=10)


def jitter(post_id: str, interval: timedelta) -> timedelta:
    """A stable delay for one post: up to a tenth of ``interval`` (at most ``JITTER_MAX``),
    derived from the post's ID so the same post always lands at the same place."""
    spread = min(interval / 10, JITTER_MAX)
    fraction = int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return spread * fraction


def next_regular(
    post_id: str, anchor: datetime, offsets: Sequence[timedelta], now: datetime
) -> datetime:
    """The next scheduled check of a post, with its stable jitter."""
    due = next_scheduled(anchor, offsets, now)
    previous = max((anchor + o for o in offsets if anchor + o < due), default=anchor)
    return due + jitter(post_id, due - previous)


class Holds:
    """Remote services held back after failures, one back-off each, so that an outage or a
    rate limit costs one request per back-off rather than one per queued request: after a
    failed attempt that reached the service, ``after_failure`` of its failures in a row (or
    later, when it asked); after one the outbound gate did not send (the service had asked
    us to wait), until then. A success starts its count again."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}  # service → when it may be asked again
        self._failures: dict[str, int] = {}  # service → failed attempts in a row

    def holding(self, service: str, now: datetime) -> bool:
        """Whether ``service`` is still being left alone at ``now``."""
        until = self._until.get(service)
        return until is not None and until > now

    def failed(
        self, service: str, now: datetime, *, retry_after: datetime | None = None, sent: bool = True
    ) -> datetime:
        """Note a failed attempt; when ``service`` may be asked again."""
        if sent:
            self._failures[service] = self._failures.get(service, 0) + 1
            until = after_failure(now, self._failures[service], retry_after)
        else:
            until = retry_after or after_failure(now, 1)
        self._until[service] = until
        return until

    def succeeded(self, service: str) -> None:
        """Note an attempt that worked: the next failure backs off from the start."""
        self._failures.pop(service, None)
