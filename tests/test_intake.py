"""Group commit of submissions (archiver.api.intake): submissions arriving together are stored
in one transaction, and each caller still hears exactly what a lone submission would."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.api.app import create_app
from archiver.config import Settings
from archiver.db.models import Post
from archiver.db.session import create_session_factory, transaction
from archiver.services import keys
from tests.conftest import count_rows, make_key

THREADS = 16


def post_all(
    client: TestClient, requests: list[tuple[str, dict[str, str]]]
) -> list[tuple[int, str]]:
    """Send every (url, headers) submission at once; each answer's status and post id."""

    def one(request: tuple[str, dict[str, str]]) -> tuple[int, str]:
        url, headers = request
        response = client.post("/api/v1/posts", json={"url": url}, headers=headers)
        return response.status_code, response.json().get("id", "")

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, requests))


def test_the_same_post_submitted_at_once_is_created_once(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """Many concurrent submissions of one post (in its different URL forms) store it once: one
    caller hears 202 and every other 200, all with the same id."""
    forms = [
        "https://x.com/jack/status/20",
        "https://twitter.com/jack/status/20",
        "https://mobile.twitter.com/jack/status/20?s=20",
        "https://x.com/i/web/status/20",
    ]
    answers = post_all(client, [(forms[i % len(forms)], auth) for i in range(48)])
    statuses = Counter(status for status, _ in answers)
    assert statuses == {202: 1, 200: 47}
    assert len({post_id for _, post_id in answers}) == 1
    assert count_rows(engine, Post) == 1


def test_many_posts_at_once_are_each_stored_and_answered(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """A burst of distinct posts: every one 202, every id distinct and readable."""
    urls = [f"https://x.com/someone/status/{1000 + n}" for n in range(64)]
    answers = post_all(client, [(url, auth) for url in urls])
    assert {status for status, _ in answers} == {202}
    ids = {post_id for _, post_id in answers}
    assert len(ids) == 64
    assert count_rows(engine, Post) == 64
    for post_id in list(ids)[:5]:
        assert client.get(f"/api/v1/posts/{post_id}").json()["id"] == post_id


def test_a_revoked_key_in_a_busy_moment_stores_nothing(
    client: TestClient, auth: dict[str, str], engine: Engine
) -> None:
    """A key remembered by the process and then revoked is refused (401) even when its
    submissions share a batch with a valid key's; only the valid key's posts are stored."""
    secret = make_key(engine)
    revoked = {"Authorization": f"Bearer {secret}"}
    first = client.post("/api/v1/posts", json={"url": "https://x.com/a/status/1"}, headers=revoked)
    assert first.status_code == 202  # the key is now known to the process
    with transaction(create_session_factory(engine)) as session:
        record = keys.authenticate(session=session, secret=secret, now=datetime.now(UTC))
        assert record is not None
        assert keys.revoke_key(session=session, key_id=record.id, now=datetime.now(UTC))
    requests = [(f"https://x.com/a/status/{100 + n}", revoked) for n in range(20)]
    requests += [(f"https://x.com/b/status/{200 + n}", auth) for n in range(20)]
    answers = post_all(client, requests)
    assert [status for status, _ in answers[:20]] == [401] * 20
    assert [status for status, _ in answers[20:]] == [202] * 20
    assert count_rows(engine, Post) == 21


def test_two_processes_submitting_the_same_posts_create_each_once(
    settings: Settings, engine: Engine
) -> None:
    """Two API processes (two apps, two intake queues) on one database, racing to submit the
    same posts: each post is created exactly once, and no caller sees an error."""
    auth = {"Authorization": f"Bearer {make_key(engine)}"}
    urls = [f"https://x.com/racer/status/{5000 + n}" for n in range(40)]
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:

        def run(client: TestClient) -> list[tuple[int, str]]:
            return post_all(client, [(url, auth) for url in urls])

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(run, [one, two])
    for (status_a, id_a), (status_b, id_b) in zip(first, second, strict=True):
        assert id_a == id_b
        assert sorted([status_a, status_b]) == [200, 202]
    assert count_rows(engine, Post) == 40
