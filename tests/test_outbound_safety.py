"""Outbound safety, table-driven (SPEC §7): every hostile target of ``tests.hostile.TARGETS`` is
tried through (a) the Egress HTTP client, (b) the browser gate, as a page load and as the
sub-resources of an allowed page, (c) article fetch through ``POST /api/v1/articles``, and (d) a
webhook's target. Private addresses are refused (``ALLOW_PRIVATE_ADDRESSES=false``, built
explicitly); a loopback listener in a thread, at whose port the private targets point, proves
that no byte reached it, and the gate's sockets prove no connection went to any other
non-global address. A summary (tried / refused / reached per class) is printed at the end.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from archiver.api.app import create_app
from archiver.browser import BrowserPool, ScreenshotFailed
from archiver.chromium import find_chromium
from archiver.config import Settings
from archiver.db.models import Article, Event, Post, WebhookDelivery
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import ApiKeyRole, EventKind, Platform, PostStatus
from archiver.errors import EgressError, EgressRefused
from archiver.services import webhooks
from tests.conftest import count_rows, make_key
from tests.hostile import (
    ALLOWED,
    PUBLIC,
    TARGETS,
    Listener,
    Origin,
    Outside,
    RecordingEgress,
    Resolver,
    Target,
)

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
#: Per class: [tried, refused, reached].
SUMMARY: dict[str, list[int]] = {}


@dataclass(frozen=True)
class Outcome:
    """How one row went in one class."""

    target: Target
    refused: bool
    reached: bool
    detail: str


class Witness:
    """Reads the listener and the outside world before and after one row."""

    def __init__(self, listener: Listener, outside: Outside) -> None:
        self.listener, self.outside = listener, outside
        self.before = (0, 0, 0)

    def start(self) -> None:
        connections, received = self.listener.seen()
        self.before = (connections, len(received), len(self.outside.private()))

    def check(self) -> bool:
        """Whether anything reached the listener or a private address since :meth:`start`."""
        connections, received = self.listener.seen()
        return (connections, len(received), len(self.outside.private())) != self.before

    async def reached(self, settle: float = 0.05) -> bool:
        """:meth:`check`, after a pause (a connection the kernel took may not be accepted yet)."""
        await asyncio.sleep(settle)
        return self.check()


def record(name: str, outcomes: list[Outcome]) -> None:
    """Add a class's outcomes to the summary, then fail on any row not refused or reached."""
    SUMMARY[name] = [
        len(outcomes),
        sum(o.refused for o in outcomes),
        sum(o.reached for o in outcomes),
    ]
    bad = [f"{o.target.name}: {o.detail}" for o in outcomes if o.reached or not o.refused]
    assert not bad, f"{name}: " + "; ".join(bad)
    assert len(outcomes) == len(TARGETS)


@pytest.fixture(scope="module", autouse=True)
def summary(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the table of what was tried, refused and reached once the module is done."""
    yield
    lines = [f"{'class':<40} {'tried':>5} {'refused':>7} {'reached':>7}"]
    lines += [f"{name:<40} {t:>5} {r:>7} {x:>7}" for name, (t, r, x) in SUMMARY.items()]
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_sep("-", "outbound safety: hostile targets per class")
        for line in lines:
            reporter.write_line(line)


@pytest.fixture
def listener() -> Iterator[Listener]:
    """The loopback listener nothing may reach."""
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def origin(listener: Listener) -> Iterator[Origin]:
    """The allowed origin; ``/embed/N`` is a page with row N's target as its sub-resources."""
    pages = []
    for index, target in enumerate(TARGETS):
        url, _ = target.format(listener.port, index)
        pages.append(
            f'<!DOCTYPE html><title>row</title><p id="ok">ok</p><img src="{html.escape(url)}">'
            f'<iframe src="{html.escape(url)}"></iframe><script>fetch({json.dumps(url)})'
            ".catch(() => {});</script>"
        )
    server = Origin(listener.port, pages)
    yield server
    server.close()


def gate_settings(origin: Origin, **values: Any) -> Settings:
    """Private addresses refused; only ``ALLOWED`` goes (by override) to the local origin."""
    return Settings(
        _env_file=None,
        allow_private_addresses=False,
        upstream_overrides={ALLOWED: origin.url},
        **values,
    )


def backend(database_url: str) -> str:
    """``sqlite`` or ``postgresql``, for the summary."""
    return database_url.split(":", 1)[0].split("+", 1)[0]


def rows(listener: Listener) -> Iterator[tuple[Target, str, str]]:
    """Each target with its URL (pointing at the listener) and its tag."""
    for index, target in enumerate(TARGETS):
        url, tag = target.format(listener.port, index)
        yield target, url, tag


# --- (a) the Egress HTTP client -----------------------------------------------------------


async def test_the_http_client_refuses_every_target(listener: Listener, origin: Origin) -> None:
    """Each target is refused (the rebinding name is connected only at its checked answer)."""
    outside, resolver = Outside(), Resolver()
    witness = Witness(listener, outside)
    outcomes = []
    settings = gate_settings(origin)
    async with RecordingEgress(settings, outside=outside, resolver=resolver, timeout=5) as egress:
        for target, url, _ in rows(listener):
            resolver.reset()
            witness.start()
            attempts = len(outside.attempts)
            try:
                exchange = await egress.get(url)
                refused, detail = False, f"answered HTTP {exchange.status}"
            except EgressRefused as exc:
                refused, detail = True, str(exc)
            except EgressError as exc:  # only the rebinding row: its checked, public answer
                tried = outside.attempts[attempts:]
                refused = tried == [PUBLIC] and resolver.calls == ["rebind.test"]
                detail = f"{type(exc).__name__}: {exc} (connected to {tried})"
            if target.name == "redirect chain":
                refused = refused and any(p.startswith("/hop/") for p in origin.paths)
            outcomes.append(Outcome(target, refused, await witness.reached(), detail))
    record("a. Egress HTTP client", outcomes)


# --- (b) the browser gate -----------------------------------------------------------------

needs_chromium = pytest.mark.skipif(find_chromium(None) is None, reason="no Chromium found")


@needs_chromium
async def test_the_browser_refuses_every_target(listener: Listener, origin: Origin) -> None:
    """As a page: the load fails naming the gate. As an image, a frame and a fetch of an
    allowed page: nothing is answered."""
    outside, resolver = Outside(), Resolver()
    witness = Witness(listener, outside)
    loads, parts = [], []
    settings = gate_settings(origin)
    egress = RecordingEgress(settings, outside=outside, resolver=resolver, timeout=5)
    async with egress, BrowserPool(settings, egress) as pool:
        for index, (target, url, tag) in enumerate(rows(listener)):
            resolver.reset()
            witness.start()
            try:
                await pool.screenshot_page(url, selector=None, deadline=10)
                refused, detail = False, "the page loaded"
            except ScreenshotFailed as exc:
                detail = str(exc)
                refused = "refused by the outbound gate" in detail or (
                    target.name == "DNS rebinding" and PUBLIC in detail
                )
            loads.append(Outcome(target, refused, await witness.reached(0.3), detail))

            resolver.reset()
            witness.start()
            async with pool.open_page() as routed:
                await routed.goto(f"{ALLOWED}/embed/{index}", timeout=10)
                await routed.page.wait_for_timeout(300)
                refused_urls = list(routed.state.refused)
            answered = egress.answered(tag)
            gated = [u for u in refused_urls if tag in u] + [u for u, _ in egress.log if tag in u]
            scheme_only = target.name in {"file", "gopher"}  # Chromium never even asks for them
            refused = not answered and (bool(gated) or scheme_only)
            detail = f"answered {answered}" if answered else f"refused {gated[:3]}"
            parts.append(Outcome(target, refused, await witness.reached(0.3), detail))
    record("b1. browser gate: page load", loads)
    record("b2. browser gate: sub-resources", parts)


# --- (c) article fetch through the API ----------------------------------------------------


def test_article_fetch_refuses_every_target(
    listener: Listener, origin: Origin, database_url: str, tmp_path: Path
) -> None:
    """``POST /api/v1/articles {url}`` answers 422 or 502 with a clear detail; nothing is stored."""
    outside, resolver = Outside(), Resolver()
    witness = Witness(listener, outside)
    settings = gate_settings(
        origin,
        database_url=database_url,
        data_dir=tmp_path / "data",
        screenshots_dir=tmp_path / "shots",
    )
    engine = create_db_engine(database_url)
    headers = {"Authorization": f"Bearer {make_key(engine)}"}
    app = create_app(settings)
    app.state.egress = RecordingEgress(settings, outside=outside, resolver=resolver, timeout=5)
    outcomes = []
    with TestClient(app) as client:
        for target, url, _ in rows(listener):
            resolver.reset()
            witness.start()
            response = client.post("/api/v1/articles", json={"url": url}, headers=headers)
            problem = response.headers.get("content-type") == "application/problem+json"
            detail = response.json().get("detail", "") if problem else response.text[:200]
            refused = problem and (
                (response.status_code == 422 and ("refused" in detail or "scheme" in detail))
                or (response.status_code == 502 and target.name == "DNS rebinding")
            )
            time.sleep(0.05)
            reached = witness.check()
            outcomes.append(Outcome(target, refused, reached, f"{response.status_code} {detail}"))
    stored = (count_rows(engine, Article), count_rows(engine, Post))
    blobs = list((tmp_path / "data").rglob("*.*"))
    engine.dispose()
    assert stored == (0, 0) and blobs == [], (stored, blobs)
    record(f"c. article fetch API ({backend(database_url)})", outcomes)


# --- (d) webhook targets ------------------------------------------------------------------


def record_event(engine: Engine) -> None:
    """Store a post and a confirmed event, and queue its deliveries to every webhook."""
    with transaction(create_session_factory(engine, write=True)) as session:
        post = Post(
            url="https://x.com/jack/status/20",
            canonical_url="https://x.com/jack/status/20",
            platform=Platform.X,
            platform_post_id="20",
            post_key="20",
            status=PostStatus.DELETED,
            submitted_at=NOW - timedelta(days=2),
        )
        session.add(post)
        session.flush()
        event = Event(
            post_id=post.id,
            kind=EventKind.DELETED,
            first_observed_at=NOW - timedelta(hours=1),
            confirmed_at=NOW - timedelta(minutes=5),
        )
        session.add(event)
        webhooks.enqueue(session=session, event=event, now=NOW)


async def test_webhooks_never_deliver_to_a_target(
    listener: Listener, origin: Origin, database_url: str, tmp_path: Path
) -> None:
    """Each target is refused when it is registered (not http/https) or when it is delivered
    to (the gate refuses the address; a redirect is not followed)."""
    outside, resolver = Outside(), Resolver()
    witness = Witness(listener, outside)
    settings = gate_settings(origin, database_url=database_url, data_dir=tmp_path / "data")
    engine = create_db_engine(database_url)
    admin = {"Authorization": f"Bearer {make_key(engine, ApiKeyRole.ADMIN)}"}
    registered: dict[str, tuple[Target, str]] = {}
    outcomes = []
    with TestClient(create_app(settings)) as client:
        for target, url, tag in rows(listener):
            body = {"url": url, "secret": "a secret of sixteen+", "kinds": ["*"]}
            response = client.post("/api/v1/webhooks", json=body, headers=admin)
            if response.status_code == 201:
                registered[response.json()["id"]] = (target, tag)
            else:
                detail = f"{response.status_code} at registration: {response.json()['detail']}"
                outcomes.append(Outcome(target, response.status_code == 422, False, detail))
    record_event(engine)
    witness.start()
    async with RecordingEgress(settings, outside=outside, resolver=resolver, timeout=5) as egress:
        sessions = create_session_factory(engine, write=True)
        assert await webhooks.deliver_due(sessions=sessions, egress=egress, now=NOW) == len(
            registered
        )
    reached_any = await witness.reached(0.2)
    with create_session_factory(engine)() as session:
        for delivery in session.scalars(select(WebhookDelivery)):
            target, tag = registered[delivery.webhook_id]
            error = delivery.last_error or ""
            refused = delivery.status.value != "delivered" and (
                "refused" in error
                or (target.name == "DNS rebinding" and PUBLIC in error)
                or (target.name == "redirect chain" and "redirects are not followed" in error)
            )
            reached = reached_any and tag.encode() in listener.seen()[1]
            outcomes.append(Outcome(target, refused, reached, f"delivery: {error}"))
    engine.dispose()
    outcomes.sort(key=lambda o: TARGETS.index(o.target))
    record(f"d. webhook targets ({backend(database_url)})", outcomes)
    assert not reached_any, listener.seen()
