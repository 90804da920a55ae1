"""Reading a platform's "come back later" headers (``Retry-After``, rate-limit resets).

Pure: no I/O; the caller passes ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

#: Reset headers after ``Retry-After``, in the order they are trusted.
_RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")
#: Below this a reset value is a number of seconds from now, above it a Unix timestamp.
_EPOCH_THRESHOLD = 10**9


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
