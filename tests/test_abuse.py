"""Auth and abuse: roles (submitters write, admins also manage webhooks; anonymous callers write
nothing and make Archiver fetch nothing), per-key write rate limits (429 + ``Retry-After``), and
request body size limits (413 before parsing, from ``Content-Length`` and while reading a
chunked body, with a real server)."""

from __future__ import annotations

import contextlib
import re
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver import urls
from archiver.api.app import create_app
from archiver.api.bodies import ARTICLE_JSON_MAX_BYTES, JSON_MAX_BYTES
from archiver.api.limits import WriteLimiter
from archiver.config import Settings
from archiver.db.models import ApiKey, Article, Check, Post, Webhook
from archiver.domain import ApiKeyRole
from archiver.errors import TooManyRequests
from archiver.services.bulk import Line, RemoteSubmitter, Result
from archiver.units import Rate, parse_rate
from tests.conftest import count_rows, make_key
from tests.hostile import Listener

PROBLEM_JSON = "application/problem+json"
POST_URL = "https://x.com/jack/status/{n}"
WEBHOOK = {"url": "https://hooks.example/in", "secret": "a secret of sixteen+", "kinds": ["*"]}
STORED = (ApiKey, Article, Check, Post, Webhook)


def bearer(engine: Engine, role: ApiKeyRole = ApiKeyRole.SUBMITTER) -> dict[str, str]:
    """Headers with a new key of ``role``."""
    return {"Authorization": f"Bearer {make_key(engine, role)}"}


def rows(engine: Engine) -> dict[str, int]:
    """How many rows each table that a write could fill holds."""
    return {model.__name__: count_rows(engine, model) for model in STORED}


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    """The app with a budget of 3 writes a minute per key."""
    app = create_app(
        settings.model_copy(update={"write_rate_limit": Rate(3, timedelta(minutes=1))})
    )
    with TestClient(app) as client:
        yield client


# --- Roles --------------------------------------------------------------------------------


def test_a_submitter_writes_posts_articles_checks_and_quote_links(
    client: TestClient, engine: Engine
) -> None:
    """Everything but webhooks is open to a submitter key."""
    auth = bearer(engine)
    post = client.post("/api/v1/posts", json={"url": POST_URL.format(n=20)}, headers=auth)
    assert post.status_code == 202, post.text
    check = client.post(f"/api/v1/posts/{post.json()['id']}/checks", headers=auth)
    assert check.status_code == 202, check.text
    text = 'The ferry operator posted that "sailings resume at dawn."\n'
    article = client.post("/api/v1/articles", json={"text": text}, headers=auth)
    assert article.status_code == 202, article.text
    [quote] = article.json()["quotes"]
    where = f"/api/v1/articles/{article.json()['id']}/quotes/{quote['id']}"
    link = client.patch(where, json={"post_url": POST_URL.format(n=21)}, headers=auth)
    assert link.status_code == 200, link.text


def test_only_an_admin_manages_webhooks(client: TestClient, engine: Engine) -> None:
    """A submitter gets 403 on every webhook route (and nothing is made); an admin may."""
    submitter, admin = bearer(engine), bearer(engine, ApiKeyRole.ADMIN)
    assert client.post("/api/v1/webhooks", json=WEBHOOK, headers=submitter).status_code == 403
    created = client.post("/api/v1/webhooks", json=WEBHOOK, headers=admin)
    assert created.status_code == 201, created.text
    where = f"/api/v1/webhooks/{created.json()['id']}"
    for method, path in [
        ("GET", "/api/v1/webhooks"),
        ("GET", f"{where}/deliveries"),
        ("DELETE", where),
    ]:
        refused = client.request(method, path, headers=submitter)
        assert refused.status_code == 403, (method, path)
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert "admin" in refused.json()["detail"]
        assert client.request(method, path, headers=admin).status_code in (200, 204)
    assert count_rows(engine, Webhook) == 0


def test_keys_are_managed_only_from_the_command_line(client: TestClient) -> None:
    """No HTTP route creates, lists or revokes API keys (the one route named for a key only
    reads the public half of the archive's WACZ signing key)."""
    routes = api_routes(client)
    paths = [path for _, path in routes]
    assert "/api/v1/posts" in paths
    assert not [path for path in paths if "key" in path.lower() and path != urls.signing_key()]
    assert [methods for methods, path in routes if path == urls.signing_key()] == [{"GET"}]


def api_routes(client: TestClient) -> list[tuple[set[str], str]]:
    """(methods, path) of every FastAPI route of the app, included routers flattened."""
    contexts = routing.iter_route_contexts(client.app.routes)  # type: ignore[attr-defined]
    return [(set(c.methods or ()), str(c.path)) for c in contexts if isinstance(c.route, APIRoute)]


def write_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) that writes, path parameters filled with an unknown ID."""
    found = []
    for methods, path in api_routes(client):
        for method in sorted(methods & {"POST", "PUT", "PATCH", "DELETE"}):
            found.append((method, re.sub(r"\{[^}]+\}", "ZZZZZZZZZZZZ", path)))
    return found


def test_anonymous_callers_write_nothing(client: TestClient, engine: Engine) -> None:
    """Every write route answers 401 without a key, with a wrong one, and with a revoked one;
    the submission form too; no row changes."""
    before = rows(engine)
    routes = write_routes(client)
    assert {("POST", "/api/v1/posts"), ("POST", "/api/v1/articles"), ("POST", "/")} <= set(routes)
    body = {"url": POST_URL.format(n=20), "text": "x", "post_url": POST_URL.format(n=20)}
    for headers in [{}, {"Authorization": "Bearer arch_wrong"}, {"Authorization": "Basic eA=="}]:
        for method, path in routes:
            if path == "/":
                answer = client.post(path, data={"url": POST_URL.format(n=20)}, headers=headers)
                assert answer.status_code == 401 and "text/html" in answer.headers["content-type"]
                continue
            answer = client.request(method, path, json=body | WEBHOOK, headers=headers)
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
    assert rows(engine) == before


def test_no_route_fetches_a_url_for_an_anonymous_caller(client: TestClient, engine: Engine) -> None:
    """Every GET (oEmbed, Memento, pages, exports…), given the listener's URL or a submitted
    but uncaptured post's URL for each parameter, only reads the archive: the outbound gate is
    never asked and nothing connects."""

    calls: list[str] = []

    class Tripwire:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            raise AssertionError(f"the outbound gate was asked ({name})")

    listener = Listener()
    target = f"http://127.0.0.1:{listener.port}/x"
    app = client.app
    post = client.post("/api/v1/posts", json={"url": POST_URL.format(n=7)}, headers=bearer(engine))
    known = post.json()["canonical_url"]
    real, app.state.egress = app.state.egress, Tripwire()  # type: ignore[attr-defined]
    visited = set()
    try:
        for methods, route in api_routes(client):
            if "GET" not in methods:
                continue
            for url, some_id in [(target, "ZZZZZZZZZZZZ"), (known, post.json()["id"])]:
                path = re.sub(r"\{[^}]+:path\}", url, route)
                path = re.sub(r"\{[^}]+\}", some_id, path)
                answer = client.get(path, params={"url": url, "q": url})
                assert answer.status_code < 500, (path, answer.text)
                visited.add(route)
        assert {"/oembed", "/timegate/{original:path}", "/timemap/link/{original:path}"} < visited
        anonymous = client.post("/api/v1/articles", json={"url": target})
        assert anonymous.status_code == 401
    finally:
        app.state.egress = real  # type: ignore[attr-defined]
        time.sleep(0.1)
        seen = listener.seen()
        listener.close()
    assert calls == [] and seen == (0, b"")


# --- Per-key write rate limits ------------------------------------------------------------


def test_a_key_past_its_write_budget_gets_429_with_retry_after(
    limited: TestClient, engine: Engine
) -> None:
    """Three writes a minute: the fourth is a 429 problem with ``Retry-After`` up to 20
    (one token refills in 20 s) and stores nothing; reads, other keys and anonymous 401s are
    not charged."""
    auth, other = bearer(engine), bearer(engine)
    for n in range(3):
        assert limited.post(
            "/api/v1/posts", json={"url": POST_URL.format(n=n)}, headers=auth
        ).is_success
    assert limited.post("/api/v1/posts", json={"url": POST_URL.format(n=9)}).status_code == 401
    refused = limited.post("/api/v1/posts", json={"url": POST_URL.format(n=3)}, headers=auth)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert 15 <= int(refused.headers["retry-after"]) <= 20  # less if the machine is slow
    problem = refused.json()
    assert problem["status"] == 429 and problem["type"].endswith("/too-many-requests")
    assert "3 writes per minute" in problem["detail"]
    assert count_rows(engine, Post) == 3
    assert limited.get("/api/v1/posts", headers=auth).status_code == 200
    assert limited.post("/api/v1/articles", json={"text": "Hi."}, headers=auth).status_code == 429
    form = limited.post("/", data={"url": POST_URL.format(n=4), "key": auth["Authorization"][7:]})
    assert form.status_code == 429 and 15 <= int(form.headers["retry-after"]) <= 20
    assert "text/html" in form.headers["content-type"]
    assert limited.post(
        "/api/v1/posts", json={"url": POST_URL.format(n=5)}, headers=other
    ).is_success
    assert count_rows(engine, Post) == 4


def test_admin_keys_are_limited_too(limited: TestClient, engine: Engine) -> None:
    """Creating and deleting webhooks spends an admin key's budget like any write."""
    admin = bearer(engine, ApiKeyRole.ADMIN)
    made = [limited.post("/api/v1/webhooks", json=WEBHOOK, headers=admin) for _ in range(2)]
    assert [answer.status_code for answer in made] == [201, 201]
    assert (
        limited.delete(f"/api/v1/webhooks/{made[0].json()['id']}", headers=admin).status_code == 204
    )
    again = limited.delete(f"/api/v1/webhooks/{made[1].json()['id']}", headers=admin)
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    assert limited.get("/api/v1/webhooks", headers=admin).status_code == 200  # a read
    assert count_rows(engine, Webhook) == 1


def test_the_bucket_refills_evenly() -> None:
    """A bucket of 2 a minute: empty after 2, one more after 30 s, the wait counted up."""
    now = [100.0]
    limiter = WriteLimiter(Rate(2, timedelta(minutes=1)), clock=lambda: now[0])
    limiter.charge("k")
    limiter.charge("k")
    with pytest.raises(TooManyRequests) as caught:
        limiter.charge("k")
    assert caught.value.retry_after == 30
    now[0] += 29.5
    with pytest.raises(TooManyRequests) as caught:
        limiter.charge("k")
    assert caught.value.retry_after == 1  # half a second, rounded up
    now[0] += 0.5
    limiter.charge("k")
    limiter.charge("other")
    now[0] += 3600
    limiter.charge("k")
    limiter.charge("k")  # full again, never more than full
    with pytest.raises(TooManyRequests):
        limiter.charge("k")
    unlimited = WriteLimiter(None)
    for _ in range(10_000):
        unlimited.charge("k")


def test_the_bulk_submitter_waits_out_a_429() -> None:
    """``archiver import --server`` sleeps each ``Retry-After`` and sends the write again."""
    answers = [429, 429, 202]

    def server(request: httpx.Request) -> httpx.Response:
        status = answers.pop(0)
        if status == 429:
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "slow"})
        post = {"id": "P1", "status": "pending", "canonical_url": request.url.path}
        return httpx.Response(202, json=post | {"first_captured_at": None})

    slept: list[float] = []
    transport = httpx.MockTransport(server)
    remote = RemoteSubmitter(
        "http://archiver.test",
        "k",
        client=httpx.Client(transport=transport, base_url="http://archiver.test"),
        sleep=slept.append,
    )
    row = remote.submit(Line(1, "line 1", POST_URL.format(n=1)), [])
    assert (row.result, slept, answers) == (Result.QUEUED, [7, 7], [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600/min", Rate(600, timedelta(minutes=1))),
        ("10/s", Rate(10, timedelta(seconds=1))),
        ("1000 / hour", Rate(1000, timedelta(hours=1))),
        ("50/10m", Rate(50, timedelta(minutes=10))),
        ("0", None),
        ("0/min", None),
    ],
)
def test_parses_rates(text: str, expected: Rate | None) -> None:
    """``N/PERIOD`` (a unit word or a duration); ``0`` is no limit."""
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["600", "lots", "10/fortnight", "-1/s", "5/0s", ""])
def test_refuses_bad_rates_in_one_sentence(text: str) -> None:
    """A bad rate is one sentence saying how to write one."""
    with pytest.raises(ValueError, match=r"rate") as caught:
        parse_rate(text)
    assert "\n" not in str(caught.value)


# --- Request body size limits -------------------------------------------------------------


def test_an_oversized_json_body_is_refused_before_it_is_parsed(
    client: TestClient, engine: Engine
) -> None:
    """Over 1 MB (articles: their own, larger cap) is 413 problem+json; nothing is stored,
    with or without a key; the same body just under the cap goes through to validation."""
    auth, admin = bearer(engine), bearer(engine, ApiKeyRole.ADMIN)
    before = rows(engine)
    padding = "x" * JSON_MAX_BYTES
    for path, headers in [
        ("/api/v1/posts", auth),
        ("/api/v1/posts", {}),
        ("/api/v1/webhooks", admin),
        ("/api/v1/posts/ZZZZZZZZZZZZ/checks", auth),
    ]:
        body = {"url": POST_URL.format(n=1), "pad": padding} | (WEBHOOK if "hooks" in path else {})
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 413, (path, answer.text)
        assert answer.headers["content-type"] == PROBLEM_JSON
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.json()["type"].endswith("/payload-too-large")
        assert "1 MB" in answer.json()["detail"]
    article = client.post("/api/v1/articles", json={"text": "Words. " + padding}, headers=auth)
    assert article.status_code == 202, article.text[:200]  # under the article cap
    assert rows(engine) == before | {"Article": 1}
    near = client.post("/api/v1/posts", json={"url": "x" * (JSON_MAX_BYTES - 100)}, headers=auth)
    assert near.status_code == 422  # read and validated, not refused for its size


@pytest.fixture
def live(settings: Settings) -> Iterator[int]:
    """The app behind a real uvicorn on a free loopback port; yields the port."""
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)


def exchange(port: int, head: str, chunks: Iterable[bytes] = ()) -> tuple[bytes, int]:
    """Send ``head`` and then ``chunks`` until the server answers; return the answer and how
    many body bytes were sent before it came."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        sent = 0
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while not answer.endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    return answer, sent


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_sent(
    live: int, engine: Engine
) -> None:
    """A ``Content-Length`` over the cap gets 413 at once, though no byte of body was sent."""
    key = bearer(engine)["Authorization"]
    for path, size in [
        ("/api/v1/posts", JSON_MAX_BYTES + 1),
        ("/api/v1/articles", ARTICLE_JSON_MAX_BYTES + 1),
    ]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: a\r\nAuthorization: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        )
        answer, _ = exchange(live, head)
        assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
        assert b"application/problem+json" in answer
    assert count_rows(engine, Post) == count_rows(engine, Article) == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_cap(live: int, engine: Engine) -> None:
    """A chunked body of 64 MB gets 413 soon after its first megabyte; nothing is stored."""
    key = bearer(engine)["Authorization"]
    head = (
        f"POST /api/v1/posts HTTP/1.1\r\nHost: a\r\nAuthorization: {key}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(1024))
    answer, sent = exchange(live, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert JSON_MAX_BYTES < sent < 32 * JSON_MAX_BYTES
    assert count_rows(engine, Post) == 0
