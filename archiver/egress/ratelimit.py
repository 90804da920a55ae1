"""Remembering per host when a platform told us to come back. No I/O."""

from __future__ import annotations

from datetime import datetime, timedelta

from archiver.errors import EgressRateLimited
from archiver.ratelimits import parse_retry_after

#: How long to leave a host alone after a 429 that named no time, and the longest we ever wait.
DEFAULT_BACKOFF = timedelta(seconds=60)
MAX_BACKOFF = timedelta(days=1)


class Backoff:
    """Which hosts asked us to come back later, and when (per host name, any port)."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    def check(self, host: str, now: datetime) -> None:
        """Raise EgressRateLimited if ``host``'s time has not come yet."""
        until = self._until.get(host)
        if until is None:
            return
        if now >= until:
            del self._until[host]
            return
        raise EgressRateLimited(
            f"{host} asked us to wait until {until.isoformat()}; nothing was sent", until
        )

    def note(
        self, host: str, status: int, headers: tuple[tuple[str, str], ...], now: datetime
    ) -> None:
        """After a 429 (or a 503 with Retry-After), leave ``host`` alone until it said."""
        has_retry_after = any(name.lower() == "retry-after" for name, _ in headers)
        if status != 429 and not (status == 503 and has_retry_after):
            return
        until = parse_retry_after(headers, now)
        if until is None and status == 429:
            until = now + DEFAULT_BACKOFF
        if until is not None and until > now:
            self._until[host] = min(until, now + MAX_BACKOFF)
