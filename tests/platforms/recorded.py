"""A recorded network for adapter tests: a stand-in for the outbound gate that answers each URL
with a stored response (status, headers, body) or raises the egress error a real gate would.

It replaces the network, not our code: adapters get real ``HttpExchange`` objects and must read
them exactly as they read live ones. Unknown URLs fail the test loudly, and every URL asked is
kept, in order, so tests can check what an adapter requested.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from archiver.domain import HttpExchange
from archiver.errors import EgressError, EgressTooLarge

FIXTURES = Path(__file__).parent / "fixtures"
#: The fixed moment every recorded exchange starts at, and the clock adapters are given.
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    """A JSON fixture, parsed (``name`` relative to ``tests/platforms/fixtures``)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def clock() -> datetime:
    """The adapters' clock in tests: always ``NOW``."""
    return NOW


@dataclass(frozen=True, slots=True)
class Answer:
    """One recorded response."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def json_answer(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Answer:
    """A JSON response."""
    extra = tuple((headers or {}).items())
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Answer(status, body, (("Content-Type", "application/json; charset=utf-8"), *extra))


def fixture_answer(name: str, status: int = 200) -> Answer:
    """A JSON fixture file served byte for byte."""
    body = (FIXTURES / name).read_bytes()
    return Answer(status, body, (("Content-Type", "application/json; charset=utf-8"),))


def text_answer(text: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Answer:
    """A non-JSON (HTML) response."""
    extra = tuple((headers or {}).items())
    return Answer(status, text.encode(), (("Content-Type", "text/html; charset=utf-8"), *extra))


Route = Answer | EgressError


class RecordedFetcher:
    """Answers GETs from ``routes`` (URL → answer or error to raise) and records each URL."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.asked: list[str] = []
        self.headers_sent: list[dict[str, str]] = []

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpExchange:
        """Answer ``url`` as recorded; an unrecorded URL is a test failure."""
        self.asked.append(url)
        self.headers_sent.append(dict(headers or {}))
        if url not in self.routes:
            raise AssertionError(f"unexpected request: {url}")
        route = self.routes[url]
        if isinstance(route, EgressError):
            raise route
        if max_bytes is not None and len(route.body) > max_bytes:
            raise EgressTooLarge(f"{url}: body over {max_bytes} bytes")
        return HttpExchange(
            method="GET",
            url=url,
            request_headers=tuple((headers or {}).items()),
            status=route.status,
            reason=HTTPStatus(route.status).phrase,
            response_headers=route.headers,
            body=route.body,
            http_version="HTTP/1.1",
            ip_address="192.0.2.10",
            started_at=NOW,
            elapsed_ms=12.5,
        )
