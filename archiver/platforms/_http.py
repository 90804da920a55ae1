"""What the platform adapters share about HTTP: one observation's exchanges, the failures that
tell us nothing, JSON bodies and the "come back later" headers.

``retry_after_from`` and ``json_body`` are pure; ``Exchanges.get`` is the one place an adapter
calls the fetcher, so every exchange lands in the observation, in order, and an
``EgressError`` becomes a ``Failed`` value instead of an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
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
from archiver.ratelimits import parse_retry_after

#: Cap on a JSON answer: posts are kilobytes; anything near this is not what we asked for.
MAX_JSON_BYTES: Final = 2 * 1024 * 1024
#: Cap on a platform's HTML page read for its data (a watch page runs to a megabyte or two).
MAX_PAGE_BYTES: Final = 8 * 1024 * 1024
HTML_HEADERS: Final = {"Accept": "text/html,application/xhtml+xml", "Accept-Language": "en"}
JSON_HEADERS: Final = {"Accept": "application/json"}
_JSON_TYPES: Final = frozenset({"application/json", "text/json"})

_EGRESS_KINDS: Final = (
    (EgressTimeout, FailureKind.TIMEOUT),
    (EgressTooLarge, FailureKind.TOO_LARGE),
    (EgressRefused, FailureKind.REFUSED),
    (EgressRateLimited, FailureKind.RATE_LIMITED),
)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the adapters' default clock)."""
    return datetime.now(UTC)


class ClockedAdapter:
    """What every adapter shares: the clock its observations are timed by (``utc_now``, or a
    test's), and a fresh record of an observation's exchanges."""

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def _exchanges(self, fetcher: Fetcher) -> Exchanges:
        """The record of one observation's exchanges, made through ``fetcher``, timed now."""
        return Exchanges(fetcher, self._clock())


class NotJson(ValueError):
    """A body that should have been JSON was not (or was cut short)."""


def declares_json(exchange: HttpExchange) -> bool:
    """Whether the answer says it is JSON (``application/json``, ``…+json``), or says
    nothing: a body labelled as something else (an HTML page) is not the JSON asked for,
    whatever it parses as."""
    declared = exchange.header("content-type")
    if not declared:
        return True
    media_type = declared.split(";", 1)[0].strip().lower()
    return media_type in _JSON_TYPES or media_type.endswith("+json")


def json_body(exchange: HttpExchange) -> Any:
    """The exchange's body parsed as JSON; raises ``NotJson`` when it is not JSON or is
    labelled as something else."""
    if not declares_json(exchange):
        declared = exchange.header("content-type")
        raise NotJson(f"the answer from {host_of(exchange.url)} is {declared}, not JSON")
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
    """When the platform said to come back (see ``archiver.ratelimits``); never before now."""
    when = parse_retry_after(exchange.response_headers, now)
    return None if when is None else max(when, now)


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
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int = MAX_JSON_BYTES,
    ) -> HttpExchange | Failed:
        """GET ``url`` (JSON expected, unless ``headers`` ask for something else) and record
        the exchange, or the failure when none came."""
        try:
            exchange = await self._fetcher.get(
                url, headers=headers or JSON_HEADERS, max_bytes=max_bytes
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
