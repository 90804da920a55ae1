"""What the platform adapters share about HTTP: one observation's exchanges, the failures that
tell us nothing, JSON bodies and the "come back later" headers.

``retry_after_from`` and ``json_body`` are pure; ``Exchanges.get`` is the one place an adapter
calls the fetcher, so every exchange lands in the observation, in order, and an
``EgressError`` becomes a ``Failed`` value instead of an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit

from archiver.domain import (
    Failed,
    FailureKind,
    Gone,
    HttpExchange,
    Live,
    PostData,
    PostStatus,
)
from archiver.errors import (
    EgressError,
    EgressRateLimited,
    EgressRefused,
    EgressTimeout,
    EgressTooLarge,
)
from archiver.platforms.base import Fetcher

#: Cap on a JSON answer: posts are kilobytes; anything near this is not what we asked for.
MAX_JSON_BYTES: Final = 2 * 1024 * 1024
JSON_HEADERS: Final = {"Accept": "application/json"}
#: A reset header above this is an epoch timestamp, below it a number of seconds from now.
_EPOCH_THRESHOLD: Final = 1_000_000_000

_EGRESS_KINDS: Final = (
    (EgressTimeout, FailureKind.TIMEOUT),
    (EgressTooLarge, FailureKind.TOO_LARGE),
    (EgressRefused, FailureKind.REFUSED),
    (EgressRateLimited, FailureKind.RATE_LIMITED),
)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the adapters' default clock)."""
    return datetime.now(UTC)


class NotJson(ValueError):
    """A body that should have been JSON was not (or was cut short)."""


def json_body(exchange: HttpExchange) -> Any:
    """The exchange's body parsed as JSON; raises ``NotJson`` when it is not JSON."""
    try:
        return json.loads(exchange.body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise NotJson(f"the answer from {host_of(exchange.url)} is not JSON") from exc


def json_object(exchange: HttpExchange) -> dict[str, Any] | None:
    """The body as a JSON object, or ``None`` when it is not JSON or not an object."""
    try:
        value = json_body(exchange)
    except NotJson:
        return None
    return value if isinstance(value, dict) else None


def host_of(url: str) -> str:
    """The host part of ``url``, for messages."""
    return urlsplit(url).hostname or url


def retry_after_from(exchange: HttpExchange, now: datetime) -> datetime | None:
    """When the platform said to come back, from ``Retry-After`` (seconds or an HTTP date),
    ``X-RateLimit-Reset`` / ``x-rate-limit-reset`` (ISO timestamp or epoch seconds) or
    ``RateLimit-Reset`` (epoch seconds, or seconds from now when small); ``None`` if none says.

    A time already past comes back as ``now``.
    """
    for name in ("retry-after", "x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        value = exchange.header(name)
        when = _reset_time(value.strip(), now) if value else None
        if when is not None:
            return max(when, now)
    return None


def _reset_time(value: str, now: datetime) -> datetime | None:
    try:
        number = float(value)
    except ValueError:
        return _timestamp(value)
    if number < 0 or number != number or number > 1e12:
        return None
    if number >= _EPOCH_THRESHOLD:
        return datetime.fromtimestamp(number, UTC)
    return now + timedelta(seconds=number)


def _timestamp(value: str) -> datetime | None:
    """An ISO 8601 timestamp or an HTTP date, as aware UTC."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def failure_kind(error: EgressError) -> FailureKind:
    """The failure kind of an outbound request that did not complete."""
    for cls, kind in _EGRESS_KINDS:
        if isinstance(error, cls):
            return kind
    return FailureKind.NETWORK


class Exchanges:
    """The exchanges of one observation, in the order made, and the values built from them."""

    def __init__(self, fetcher: Fetcher, now: datetime) -> None:
        self._fetcher = fetcher
        self.now = now
        self.made: list[HttpExchange] = []

    async def get(
        self, url: str, *, headers: Mapping[str, str] | None = None
    ) -> HttpExchange | Failed:
        """GET ``url`` (JSON expected) and record the exchange, or the failure when none came."""
        try:
            exchange = await self._fetcher.get(
                url, headers=headers or JSON_HEADERS, max_bytes=MAX_JSON_BYTES
            )
        except EgressError as exc:
            retry = exc.retry_after if isinstance(exc, EgressRateLimited) else None
            return self.failed(failure_kind(exc), f"{host_of(url)}: {exc}", retry)
        self.made.append(exchange)
        return exchange

    def failed(self, kind: FailureKind, detail: str, retry_after: datetime | None = None) -> Failed:
        """A failure carrying every exchange made so far."""
        return Failed(kind, detail, retry_after, tuple(self.made))

    def gone(self, reason: PostStatus, evidence: str) -> Gone:
        """A "gone" answer carrying every exchange made so far."""
        return Gone(reason, evidence, tuple(self.made))

    def live(self, data: PostData, source: HttpExchange) -> Live:
        """A live answer read from ``source``, carrying every exchange made so far."""
        return Live(data, tuple(self.made), source_url=source.url)

    def unexpected(self, exchange: HttpExchange) -> Failed:
        """The failure for a status the adapter has no meaning for: 429 is a rate limit (with
        the platform's retry time), 401 asks for authentication, the rest is upstream trouble."""
        where = host_of(exchange.url)
        if exchange.status == 429:
            retry = retry_after_from(exchange, self.now)
            return self.failed(FailureKind.RATE_LIMITED, f"HTTP 429 from {where}", retry)
        if exchange.status == 401:
            return self.failed(FailureKind.AUTH_REQUIRED, f"HTTP 401 from {where}")
        return self.failed(FailureKind.UPSTREAM, f"HTTP {exchange.status} from {where}")

    def not_json(self, exchange: HttpExchange) -> Failed:
        """The failure for an answer that should have been JSON and was not, or was cut short."""
        return self.failed(
            FailureKind.UPSTREAM,
            f"HTTP {exchange.status} from {host_of(exchange.url)} is not the JSON expected",
        )
