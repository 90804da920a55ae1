"""Webhooks: admin-only management, signed deliveries to a real receiver, retries with back-off,
the outbound gate's refusal of private receivers, and giving up."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from archiver.config import Settings, load_settings
from archiver.db import repository
from archiver.db.models import Article, DeliveryStatus, Event, Post, WebhookDelivery
from archiver.db.session import create_session_factory, transaction
from archiver.domain import ApiKeyRole, EventKind, Platform, PostStatus
from archiver.egress import USER_AGENT, Egress
from archiver.services import webhooks
from tests.background import BackgroundServer, QuietHandler
from tests.conftest import make_key

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
SECRET = "correct horse battery staple"
PROBLEM_JSON = "application/problem+json"


# --- A real receiver ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and fails the first ``fail``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fail = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server names it so
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    failing = receiver.fail > 0
                    receiver.fail -= 1 if failing else 0
                self.answer(500 if failing else 200, b"boom" if failing else b"thanks")

        self.background = BackgroundServer(Handler)
        self.origin = self.background.origin

    def close(self) -> None:
        self.background.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running receiver, shut down after the test."""
    server = Receiver()
    yield server
    server.close()


# --- Helpers ------------------------------------------------------------------------------


@pytest.fixture
def admin(engine: Engine) -> dict[str, str]:
    """Headers carrying a valid admin key."""
    return {"Authorization": f"Bearer {make_key(engine, ApiKeyRole.ADMIN)}"}


def gate_settings(settings: Settings, **values: Any) -> Settings:
    """The test's settings for an outbound gate, private addresses refused unless told."""
    defaults: dict[str, Any] = {"allow_private_addresses": False, "upstream_overrides": {}}
    return load_settings(database_url=settings.database_url, **(defaults | values))


def register(
    client: TestClient, admin: dict[str, str], url: str, kinds: list[str]
) -> dict[str, Any]:
    """Create a webhook through the API and return its JSON."""
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "secret": SECRET, "kinds": kinds}, headers=admin
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def record_event(engine: Engine, kind: EventKind, *, post_number: int = 1) -> str:
    """Store a post and a confirmed event of ``kind``, queue its deliveries, return its ID."""
    with transaction(create_session_factory(engine, write=True)) as session:
        post = Post(
            url=f"https://x.com/jack/status/{post_number}?s=20",
            canonical_url=f"https://x.com/jack/status/{post_number}",
            platform=Platform.X,
            platform_post_id=str(post_number),
            post_key=str(post_number),
            status=PostStatus.DELETED if kind is EventKind.DELETED else PostStatus.LIVE,
            submitted_at=NOW - timedelta(days=2),
        )
        session.add(post)
        session.flush()
        event = Event(
            post_id=post.id,
            kind=kind,
            first_observed_at=NOW - timedelta(hours=1, microseconds=-250_000),
            confirmed_at=NOW - timedelta(minutes=5),
            diff={"text": {"before": "héllo", "after": None}},
        )
        session.add(event)
        webhooks.enqueue(session=session, event=event, now=NOW)
        return event.id


async def deliver(engine: Engine, egress: Egress, now: datetime) -> int:
    """Run one round of due deliveries at ``now``."""
    sessions = create_session_factory(engine, write=True)
    return await webhooks.deliver_due(sessions=sessions, egress=egress, now=now)


def deliveries(engine: Engine) -> list[WebhookDelivery]:
    """Every delivery row, oldest first."""
    with create_session_factory(engine)() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        return list(session.scalars(query))


def log(client: TestClient, admin: dict[str, str], webhook_id: str) -> list[dict[str, Any]]:
    """A webhook's delivery log as the API shows it."""
    response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# --- Managing webhooks --------------------------------------------------------------------


def test_an_admin_registers_a_webhook_and_its_secret_is_never_echoed(
    client: TestClient, admin: dict[str, str]
) -> None:
    """An admin's POST answers 201 with the webhook and its Location, and no secret anywhere."""
    response = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.test/in", "secret": SECRET, "kinds": ["deleted"]},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/webhooks/{body['id']}"
    assert body["url"] == "https://hooks.example.test/in"
    assert body["kinds"] == ["deleted"] and body["active"] is True
    assert body["created_at"].endswith("Z")
    assert body["links"]["deliveries"] == f"/api/v1/webhooks/{body['id']}/deliveries"
    assert "secret" not in body and SECRET not in response.text
    listed = client.get("/api/v1/webhooks", headers=admin)
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert SECRET not in listed.text


def test_a_submitter_is_forbidden_and_no_key_is_unauthorized(
    client: TestClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    """A submitter key gets 403 and no key gets 401 on every webhook route, as problem+json."""
    created = register(client, admin, "https://hooks.example.test/in", ["*"])
    body = {"url": "https://hooks.example.test/in", "secret": SECRET, "kinds": ["*"]}
    calls = [
        ("POST", "/api/v1/webhooks", body),
        ("GET", "/api/v1/webhooks", None),
        ("DELETE", f"/api/v1/webhooks/{created['id']}", None),
        ("GET", f"/api/v1/webhooks/{created['id']}/deliveries", None),
    ]
    for method, path, payload in calls:
        forbidden = client.request(method, path, json=payload, headers=auth)
        assert forbidden.status_code == 403, (method, path)
        assert forbidden.headers["content-type"] == PROBLEM_JSON
        assert forbidden.json()["detail"] == "managing webhooks needs an admin API key"
        anonymous = client.request(method, path, json=payload)
        assert anonymous.status_code == 401, (method, path)
        assert anonymous.headers["content-type"] == PROBLEM_JSON
    assert len(client.get("/api/v1/webhooks", headers=admin).json()["items"]) == 1


BAD_WEBHOOKS = {
    "ftp URL": ({"url": "ftp://hooks.example.test/in"}, "must be an http or https URL"),
    "no host": ({"url": "https:///in"}, "must name a host"),
    "user in URL": ({"url": "https://me:pw@hooks.example.test/"}, "user name or password"),
    "space in URL": ({"url": "https://hooks.example.test/a b"}, "spaces or control"),
    "URL over 2 KB": ({"url": "https://hooks.example.test/" + "a" * 2030}, "at most 2048"),
    "short secret": ({"secret": "fifteen chars.."}, "16 to 256 characters"),
    "long secret": ({"secret": "s" * 257}, "16 to 256 characters"),
    "unknown kind": ({"kinds": ["deleted", "liked"]}, "'liked' is not an event kind"),
    "no kinds": ({"kinds": []}, "at least one event kind"),
    "star and more": ({"kinds": ["*", "edited"]}, "give it alone"),
    "kinds not a list": ({"kinds": "deleted"}, "kinds"),
    "unknown field": ({"colour": "red"}, "colour"),
}


@pytest.mark.parametrize(("change", "said"), list(BAD_WEBHOOKS.values()), ids=list(BAD_WEBHOOKS))
def test_bad_webhooks_are_refused_with_one_sentence(
    client: TestClient, admin: dict[str, str], change: dict[str, Any], said: str
) -> None:
    """A bad URL, secret, kind list or field is refused with 422 problem+json and nothing kept."""
    body = {"url": "https://hooks.example.test/in", "secret": SECRET, "kinds": ["*"]} | change
    response = client.post("/api/v1/webhooks", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert said in response.json()["detail"]
    assert client.get("/api/v1/webhooks", headers=admin).json()["items"] == []


def test_deleting_a_webhook_drops_its_queue_and_log(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    """DELETE answers 204; the webhook, its log and its pending deliveries are gone."""
    created = register(client, admin, "https://hooks.example.test/in", ["*"])
    record_event(engine, EventKind.DELETED)
    assert len(log(client, admin, created["id"])) == 1
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=admin).status_code == 204
    assert deliveries(engine) == []
    gone = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=admin)
    assert gone.status_code == 404 and gone.headers["content-type"] == PROBLEM_JSON
    again = client.delete(f"/api/v1/webhooks/{created['id']}", headers=admin)
    assert again.status_code == 404


# --- Delivering ---------------------------------------------------------------------------


async def test_a_delivery_is_signed_over_the_exact_body(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """The receiver gets the event as compact sorted JSON whose HMAC-SHA256 matches the header."""
    created = register(client, admin, "https://hooks.example.test/in", ["deleted"])
    event_id = record_event(engine, EventKind.DELETED)
    overrides = {"https://hooks.example.test": receiver.origin}
    async with Egress(gate_settings(settings, upstream_overrides=overrides)) as egress:
        assert await deliver(engine, egress, NOW) == 1
    [got] = receiver.requests
    assert got.path == "/in"
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-archiver-signature"], expected)
    assert got.headers["x-archiver-event"] == "deleted"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == USER_AGENT
    document = json.loads(got.body)
    assert got.body == json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    [delivery] = deliveries(engine)
    assert got.headers["x-archiver-delivery"] == delivery.id
    assert document == {
        "id": event_id,
        "kind": "deleted",
        "post_id": delivery_post_id(engine, event_id),
        "post_url": "https://x.com/jack/status/1",
        "before_snapshot_id": None,
        "after_snapshot_id": None,
        "first_observed_at": "2026-03-04T04:06:07.250000Z",
        "confirmed_at": "2026-03-04T05:01:07Z",
        "diff": {"text": {"before": "héllo", "after": None}},
    }
    [entry] = log(client, admin, created["id"])
    assert (entry["status"], entry["attempts"], entry["last_status"]) == ("delivered", 1, 200)
    assert entry["event_id"] == event_id and entry["next_attempt_at"] is None
    assert entry["last_attempt_at"] == "2026-03-04T05:06:07Z" and entry["last_error"] is None


def delivery_post_id(engine: Engine, event_id: str) -> str:
    """The post of an event."""
    with create_session_factory(engine)() as session:
        event = session.get(Event, event_id)
        assert event is not None
        return event.post_id


async def test_only_webhooks_wanting_the_kind_get_the_event(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """A deleted event goes to the webhooks of kind deleted or "*", not to the edited one."""
    register(client, admin, f"{receiver.origin}/deleted", ["deleted"])
    register(client, admin, f"{receiver.origin}/all", ["*"])
    register(client, admin, f"{receiver.origin}/edits", ["edited", "restored"])
    record_event(engine, EventKind.DELETED)
    record_event(engine, EventKind.SUSPENDED, post_number=2)
    async with Egress(gate_settings(settings, allow_private_addresses=True)) as egress:
        assert await deliver(engine, egress, NOW) == 3
        assert await deliver(engine, egress, NOW + timedelta(days=1)) == 0
    got = sorted((r.path, r.headers["x-archiver-event"]) for r in receiver.requests)
    assert got == [("/all", "deleted"), ("/all", "suspended"), ("/deleted", "deleted")]


async def test_a_quote_changed_event_names_its_article(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """A webhook for quote_changed gets the event with the article whose quote changed."""
    register(client, admin, f"{receiver.origin}/quotes", ["quote_changed"])
    event_id = record_event(engine, EventKind.QUOTE_CHANGED)
    with transaction(create_session_factory(engine, write=True)) as session:
        article = Article(source="text", submitted_at=NOW)
        session.add(article)
        session.flush()
        event = session.get(Event, event_id)
        assert event is not None
        event.article_id = article.id
        article_id = article.id
    async with Egress(gate_settings(settings, allow_private_addresses=True)) as egress:
        assert await deliver(engine, egress, NOW) == 1
    [got] = receiver.requests
    assert got.headers["x-archiver-event"] == "quote_changed"
    document = json.loads(got.body)
    assert (document["kind"], document["article_id"]) == ("quote_changed", article_id)


async def test_a_failing_receiver_is_retried_with_back_off_until_delivered(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """Two 500s are retried after 30 s and then 60 s; the third attempt delivers the same body."""
    created = register(client, admin, f"{receiver.origin}/in", ["*"])
    record_event(engine, EventKind.EDITED)
    receiver.fail = 2
    async with Egress(gate_settings(settings, allow_private_addresses=True)) as egress:
        assert await deliver(engine, egress, NOW) == 1
        [entry] = log(client, admin, created["id"])
        assert (entry["status"], entry["attempts"], entry["last_status"]) == ("pending", 1, 500)
        assert entry["last_error"] == "the receiver answered 500 Internal Server Error: boom"
        assert entry["next_attempt_at"] == "2026-03-04T05:06:37Z"
        second = NOW + timedelta(seconds=30)
        assert await deliver(engine, egress, second - timedelta(seconds=1)) == 0
        assert await deliver(engine, egress, second) == 1
        third = second + timedelta(seconds=60)
        assert await deliver(engine, egress, third - timedelta(seconds=1)) == 0
        assert await deliver(engine, egress, third) == 1
        assert await deliver(engine, egress, third + timedelta(days=1)) == 0
    [entry] = log(client, admin, created["id"])
    assert (entry["status"], entry["attempts"], entry["last_status"]) == ("delivered", 3, 200)
    assert entry["last_error"] is None and entry["next_attempt_at"] is None
    assert len(receiver.requests) == 3
    assert len({r.body for r in receiver.requests}) == 1
    assert len({r.headers["x-archiver-signature"] for r in receiver.requests}) == 1
    assert len({r.headers["x-archiver-delivery"] for r in receiver.requests}) == 1


async def test_a_private_receiver_is_refused_by_the_gate(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """With private addresses refused, a loopback receiver is never contacted; the error is kept."""
    created = register(client, admin, f"{receiver.origin}/in", ["*"])
    record_event(engine, EventKind.DELETED)
    async with Egress(gate_settings(settings)) as egress:
        assert await deliver(engine, egress, NOW) == 1
    assert receiver.requests == []
    [entry] = log(client, admin, created["id"])
    assert (entry["status"], entry["attempts"], entry["last_status"]) == ("pending", 1, None)
    assert "127.0.0.1" in entry["last_error"] and "refused" in entry["last_error"]
    assert entry["next_attempt_at"] == "2026-03-04T05:06:37Z"


async def test_a_delivery_is_given_up_after_ten_attempts(
    client: TestClient,
    admin: dict[str, str],
    engine: Engine,
    settings: Settings,
    receiver: Receiver,
) -> None:
    """A receiver that always fails is tried 10 times, then the delivery is failed for good."""
    created = register(client, admin, f"{receiver.origin}/in", ["*"])
    record_event(engine, EventKind.WITHHELD)
    receiver.fail = 1_000
    now = NOW
    async with Egress(gate_settings(settings, allow_private_addresses=True)) as egress:
        for attempt in range(1, 11):
            assert await deliver(engine, egress, now) == 1, attempt
            now += webhooks.delivery_backoff(attempt)
        assert await deliver(engine, egress, now + timedelta(days=30)) == 0
    assert len(receiver.requests) == 10
    [entry] = log(client, admin, created["id"])
    assert (entry["status"], entry["attempts"], entry["last_status"]) == ("failed", 10, 500)
    assert entry["next_attempt_at"] is None
    [row] = deliveries(engine)
    assert row.status is DeliveryStatus.FAILED


def test_back_off_doubles_from_thirty_seconds_up_to_six_hours() -> None:
    """The wait after n failed attempts is 30 s doubled n-1 times, never more than 6 hours."""
    waits = [webhooks.delivery_backoff(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[9] == timedelta(hours=4, minutes=16)
    assert waits[10] == timedelta(hours=6)
    assert webhooks.delivery_backoff(1_000) == timedelta(hours=6)


def test_queueing_an_event_twice_adds_nothing(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    """Enqueueing the same event again leaves one delivery per webhook."""
    register(client, admin, "https://hooks.example.test/in", ["*"])
    event_id = record_event(engine, EventKind.RESTORED)
    with transaction(create_session_factory(engine, write=True)) as session:
        event = session.get(Event, event_id)
        assert event is not None
        assert webhooks.enqueue(session=session, event=event, now=NOW) == []
    assert len(deliveries(engine)) == 1


def test_the_signature_is_hmac_sha256_of_the_body() -> None:
    """``sign`` gives sha256= and the hex HMAC-SHA256 of the body under the secret."""
    body = b'{"id":"X"}'
    expected = hmac.new(b"0123456789abcdef", body, hashlib.sha256).hexdigest()
    assert webhooks.sign("0123456789abcdef", body) == f"sha256={expected}"


def test_a_claimed_delivery_is_held_and_comes_back_if_never_recorded(
    client: TestClient, admin: dict[str, str], engine: Engine
) -> None:
    """A claim keeps a delivery from other workers; if its worker dies, the claim runs out."""
    register(client, admin, "https://hooks.example.test/in", ["*"])
    record_event(engine, EventKind.DELETED)
    sessions = create_session_factory(engine, write=True)

    def claim(now: datetime) -> list[str]:
        with transaction(sessions) as session:
            return repository.claim_due_deliveries(
                session=session, now=now, hold_until=now + webhooks.CLAIM_HOLD, limit=10
            )

    [first] = claim(NOW)
    assert claim(NOW) == []
    assert claim(NOW + webhooks.CLAIM_HOLD - timedelta(seconds=1)) == []
    assert claim(NOW + webhooks.CLAIM_HOLD) == [first]
