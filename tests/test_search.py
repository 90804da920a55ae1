"""``q``: full-text search over archived text (SQLite FTS5, PostgreSQL text search), the same
words matching the same way on both; search syntax in ``q`` is only ever words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.db import repository
from archiver.db.models import Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.services import submissions

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
TEXTS = {
    "1": "Tonight's vote on the river clean-up budget is POSTPONED.",
    "2": "The council café reopens on Monday; bring your own mug.",
    "3": "Water level this morning at the north bridge",
}


@pytest.fixture
def posts(engine: Engine) -> dict[str, str]:
    """Three captured posts (one with an older and a newer snapshot); their IDs by key."""
    ids = {}
    with transaction(create_session_factory(engine, write=True)) as session:
        for key, words in TEXTS.items():
            post = submissions.submit_post(
                session=session, url=f"https://x.com/desk/status/{key}", now=NOW
            ).post
            ids[key] = post.id
            repository.add_snapshot(
                session=session,
                snapshot=Snapshot(
                    post_id=post.id, captured_at=NOW, text=words, software_version="t"
                ),
            )
        repository.add_snapshot(  # an edit: the old words stay findable
            session=session,
            snapshot=Snapshot(
                post_id=ids["3"],
                captured_at=NOW + timedelta(hours=1),
                text="Flood warning lifted for the north bridge",
                software_version="t",
            ),
        )
    return ids


def found(client: TestClient, q: str) -> set[str]:
    response = client.get("/api/v1/posts", params={"q": q})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("q", "keys"),
    [
        ("postponed", {"1"}),  # case folded
        ("POSTPONED budget", {"1"}),  # every word
        ("postpon", {"1"}),  # a word's beginning
        ("clean-up", {"1"}),  # punctuation splits words, as in the text
        ("tonight's", {"1"}),
        ("north bridge", {"3"}),
        ("water", {"3"}),  # an older snapshot's words
        ("flood", {"3"}),  # the newer one's
        ("café", {"2"}),
        ("the", {"1", "2", "3"}),
        ("budget bridge", set()),  # no single snapshot holds both
        ("ostponed", set()),  # the middle of a word is not a word
    ],
)
def test_words_find_the_posts_whose_archived_text_holds_them(
    client: TestClient, posts: dict[str, str], q: str, keys: set[str]
) -> None:
    """Each word of ``q`` must begin a word of one snapshot of the post."""
    assert found(client, q) == {posts[key] for key in keys}


@pytest.mark.parametrize(
    "q",
    ['"', "*", "NEAR(a b)", "a OR", "-x", "col:x", "'); DROP TABLE posts; --", "^", "   ", "_"],
)
def test_search_syntax_is_only_words(client: TestClient, posts: dict[str, str], q: str) -> None:
    """Quotes, operators, column filters and SQL are read as words (or nothing), never as
    syntax: no error, and the posts are all still there."""
    assert found(client, q) <= set(posts.values())
    assert found(client, "") == set(posts.values())  # an empty q filters nothing
