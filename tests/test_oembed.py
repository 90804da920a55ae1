"""oEmbed: a snapshot as a ``rich`` embed, found by its page or by the post's URL, that reads
right with no script, escapes the archived text and outlives the post on its platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.db import repository
from archiver.db.models import Check, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.domain import CheckOutcome, PostStatus
from archiver.services import submissions

BASE = "http://testserver"
URL = "https://x.com/mayor/status/101"
T1 = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
SEEN = T2 + timedelta(days=2)
FIRST, SECOND = "AAAAAAAAAAA1", "AAAAAAAAAAA2"
HOSTILE = 'Vote <script>alert("x")</script> <img src=x onerror=alert(1)>\nsecond & "line"'


class Page(HTMLParser):
    """The text a reader sees with no script, and every tag with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text = ""
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("br", "p"):
            self.text += "\n"

    def handle_data(self, data: str) -> None:
        self.text += data


def archive(engine: Engine, *texts: str, status: PostStatus = PostStatus.LIVE) -> str:
    """The post at URL with one snapshot per text (a day apart) and a live check at SEEN."""
    with transaction(create_session_factory(engine, write=True)) as session:
        post = submissions.submit_post(session=session, url=URL, now=T1).post
        post.status = status
        for n, text in enumerate(texts):
            repository.add_snapshot(
                session=session,
                snapshot=Snapshot(
                    id=(FIRST, SECOND)[n],
                    post_id=post.id,
                    captured_at=T1 + timedelta(days=n),
                    text=text,
                    author_name="The Mayor",
                    author_handle="mayor",
                    posted_at=T1 - timedelta(hours=1),
                    lang="en",
                    software_version="t",
                ),
            )
        check = Check(post_id=post.id, checked_at=SEEN, outcome=CheckOutcome.UNCHANGED)
        repository.add_check(session=session, check=check)
        later = SEEN + timedelta(days=1)
        gone = Check(post_id=post.id, checked_at=later, outcome=CheckOutcome.GONE, reason=status)
        if status is not PostStatus.LIVE:
            repository.add_check(session=session, check=gone)
        return post.id


def embed(client: TestClient, url: str, **params: str) -> dict[str, object]:
    response = client.get("/oembed", params={"url": url, "format": "json", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, object] = response.json()
    return body


def test_oembed_shape(client: TestClient, engine: Engine) -> None:
    archive(engine, "Polls close at 8pm.")
    body = embed(client, f"{BASE}/s/{FIRST}")
    assert body["version"] == "1.0"
    assert body["type"] == "rich"
    assert body["provider_name"] == "Archiver"
    assert body["provider_url"] == BASE
    assert body["author_name"] == "The Mayor"
    assert body["author_url"] == "https://x.com/mayor"
    assert body["title"] == "The Mayor (@mayor): “Polls close at 8pm.”"
    assert body["width"] == 550
    assert body["height"] is None
    assert isinstance(body["cache_age"], int)
    assert isinstance(body["html"], str)
    assert body["html"].startswith(f'<blockquote class="archiver-embed" cite="{BASE}/s/{FIRST}">')
    assert embed(client, f"/s/{FIRST}", maxwidth="400")["width"] == 400


def test_the_embed_reads_right_with_no_script(client: TestClient, engine: Engine) -> None:
    archive(engine, "Polls close at 8pm.\nVote early.")
    page = Page(str(embed(client, URL)["html"]))
    lines = [line.strip() for line in page.text.splitlines() if line.strip()]
    assert lines == [
        "Polls close at 8pm.",
        "Vote early.",
        "— The Mayor @mayor, posted on X on 1 July 2026, 11:00 UTC",
        "Archived by Archiver on 1 July 2026, 12:00 UTC",
        "The original was last seen live on 4 July 2026, 12:00 UTC, as archived here.",
    ]
    assert not any(tag == "script" for tag, _ in page.tags)
    links = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert links == [URL, f"{BASE}/s/{FIRST}"]


def test_hostile_text_is_escaped(client: TestClient, engine: Engine) -> None:
    archive(engine, HOSTILE)
    html = str(embed(client, URL)["html"])
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    page = Page(html)
    assert [tag for tag, _ in page.tags] == ["blockquote", "p", "br", "p", "a", "p", "a", "p"]
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    assert 'Vote <script>alert("x")</script> <img src=x onerror=alert(1)>' in page.text
    assert 'second & "line"' in page.text


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/s/{SECOND}",
        f"https://archive.example.org/s/{SECOND}",
        f"/s/{SECOND}",
        "/s/aaaa-aaaa-aaa2",  # an ID as a person types it
        URL,
        "https://twitter.com/mayor/status/101?s=20",
    ],
)
def test_lookup_by_snapshot_page_or_post_url(client: TestClient, engine: Engine, url: str) -> None:
    archive(engine, "first words", "second words")
    html = str(embed(client, url)["html"])
    assert f'cite="{BASE}/s/{SECOND}"' in html
    assert "second words" in html


def test_an_older_snapshot_says_the_post_changed_since(client: TestClient, engine: Engine) -> None:
    archive(engine, "first words", "second words")
    text = Page(str(embed(client, f"/s/{FIRST}")["html"])).text
    assert "first words" in text and "second words" not in text
    assert "it has changed since this snapshot" in text


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (PostStatus.DELETED, "the post has since been deleted"),
        (PostStatus.SUSPENDED, "the account has since been suspended"),
        (PostStatus.WITHHELD, "the post has since been withheld"),
    ],
)
def test_the_embed_outlives_the_post(
    client: TestClient, engine: Engine, status: PostStatus, says: str
) -> None:
    archive(engine, "Polls close at 8pm.", status=status)
    for url in (URL, f"/s/{FIRST}"):
        text = Page(str(embed(client, url)["html"])).text
        assert "Polls close at 8pm." in text
        assert f"The original was last seen live on 4 July 2026, 12:00 UTC; {says}." in text


def test_oembed_errors(client: TestClient, engine: Engine) -> None:
    archive(engine, "hello")
    assert client.get("/oembed", params={"url": URL, "format": "xml"}).status_code == 501
    assert client.get("/oembed").status_code == 400
    assert client.get("/oembed", params={"url": " "}).status_code == 400
    for unknown in ("https://x.com/mayor/status/999", "/s/ZZZZZZZZZZZZ", "https://example.com/"):
        response = client.get("/oembed", params={"url": unknown})
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/plain")
