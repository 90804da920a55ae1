"""Reading a platform's "come back later" headers, and remembering them per host. No I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from archiver.errors import EgressRateLimited

#: Reset headers after ``Retry-After``, in the order they are trusted.
_RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")
#: Below this a reset value is a number of seconds from now, above it a Unix timestamp.
_EPOCH_THRESHOLD = 10**9
#: How long to leave a host alone after a 429 that named no time, and the longest we ever wait.
DEFAULT_BACKOFF = timedelta(seconds=60)
MAX_BACKOFF = timedelta(days=1)


def parse_retry_after(headers: Iterable[tuple[str, str]], now: datetime) -> datetime | None:
    """When the server said to come back, from its response headers, or ``None``.

    Understands ``Retry-After`` (delta seconds or an HTTP-date), ``X-RateLimit-Reset`` (an
    ISO 8601 timestamp as Mastodon sends, or a number), and ``RateLimit-Reset`` /
    ``x-rate-limit-reset`` (a Unix timestamp, or delta seconds when below 10^9). ``now`` must be
    timezone-aware; the answer is in UTC.
    """
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.strip().lower(), value.strip())
    retry_after = found.get("retry-after")
    when = None if retry_after is None else _delta_or_http_date(retry_after, now)
    for name in _RESET_HEADERS:
        if when is not None:
            break
        reset = found.get(name)
        when = None if reset is None else _reset(reset, now)
    return when


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _after(now: datetime, seconds: float) -> datetime | None:
    try:
        return (now + timedelta(seconds=seconds)).astimezone(UTC)
    except OverflowError:
        return None


def _aware(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _delta_or_http_date(text: str, now: datetime) -> datetime | None:
    seconds = _number(text)
    if seconds is not None:
        return _after(now, seconds)
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _reset(text: str, now: datetime) -> datetime | None:
    number = _number(text)
    if number is not None and number < _EPOCH_THRESHOLD:
        return _after(now, number)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


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
