"""The web pages through the ASGI app, on SQLite and PostgreSQL: each page shows what is
archived, errors are friendly HTML, hostile archived text stays inert, and the security and
Memento headers are sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archiver.api.security import CONTENT_SECURITY_POLICY
from archiver.db import repository
from archiver.db.models import Article, Check, Event, Post, Quote, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.detect.diff import word_diff
from archiver.domain import CheckOutcome, EventKind, Fidelity, PostStatus, QuoteKind
from archiver.services import submissions
from tests.conftest import count_rows

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
BEFORE = "The river budget vote is on Tuesday."
AFTER = "The river budget vote is postponed to Friday."


@dataclass
class Seeded:
    """IDs of what :func:`seed` stored."""

    post: str
    first: str
    second: str
    pending: str
    hostile: str
    hostile_snapshot: str
    article: str


def _snapshot(post: Post, snapshot_id: str, at: datetime, text: str, **more: object) -> Snapshot:
    return Snapshot(
        id=snapshot_id, post_id=post.id, captured_at=at, text=text, software_version="0.9.0",
        author_handle=post.author_handle, author_name=post.author_name, posted_at=post.posted_at,
        **more,
    )  # fmt: skip


def seed(engine: Engine) -> Seeded:
    """A live X post edited once (two snapshots, checks, an edit), a pending post, a post
    with hostile text and author that was deleted, and an article quoting the first post."""
    with transaction(create_session_factory(engine, write=True)) as session:
        post = submissions.submit_post(
            session=session, url="https://x.com/councilwatch/status/1785", now=NOON
        ).post
        post.status, post.author_handle = PostStatus.LIVE, "councilwatch"
        post.author_name, post.posted_at = "City Council Watch", NOON - timedelta(hours=1)
        post.first_captured_at = NOON
        first = _snapshot(
            post, "1111AAAA2222", NOON, BEFORE, raw_sha256="a" * 64, warc_sha256="b" * 64,
            screenshot_sha256="c" * 64, screenshot_width=550, screenshot_height=300,
            screenshot_source="platform", browser_version="Chromium 131.0",
            raw_content_type="application/json",
            media=[{"type": "photo", "url": "https://pbs.example/1.jpg", "sha256": "d" * 64}],
        )  # fmt: skip
        second = _snapshot(post, "3333BBBB4444", NOON + timedelta(hours=6), AFTER)
        for snapshot in (first, second):
            repository.add_snapshot(session=session, snapshot=snapshot)
        for hours in (1, 2, 3):
            repository.add_check(
                session=session,
                check=Check(
                    post_id=post.id, checked_at=NOON + timedelta(hours=hours),
                    outcome=CheckOutcome.UNCHANGED,
                ),
            )  # fmt: skip
        repository.add_event(
            session=session,
            event=Event(
                post_id=post.id, kind=EventKind.EDITED, before_snapshot_id=first.id,
                after_snapshot_id=second.id, first_observed_at=second.captured_at,
                confirmed_at=second.captured_at,
                diff={"reasons": ["text"], **word_diff(BEFORE, AFTER).to_json()},
            ),
            now=NOON,
        )  # fmt: skip
        pending = submissions.submit_post(
            session=session, url="https://x.com/mayor/status/999", now=NOON + timedelta(minutes=1)
        ).post
        hostile = submissions.submit_post(
            session=session, url="https://x.com/troll/status/666", now=NOON + timedelta(minutes=2)
        ).post
        hostile.status, hostile.author_name, hostile.author_handle = (
            PostStatus.DELETED, HOSTILE, "troll",
        )  # fmt: skip
        evil = _snapshot(hostile, "6666CCCC7777", NOON, HOSTILE)
        repository.add_snapshot(session=session, snapshot=evil)
        repository.add_event(
            session=session,
            event=Event(
                post_id=hostile.id, kind=EventKind.EDITED, first_observed_at=NOON,
                confirmed_at=NOON + timedelta(minutes=5),
                diff={"reasons": ["text"], **word_diff("hello", HOSTILE).to_json()},
            ),
            now=NOON,
        )  # fmt: skip
        article = _article(session, post, first, second)
        return Seeded(post.id, first.id, second.id, pending.id, hostile.id, evil.id, article)


def _article(session: Session, post: Post, first: Snapshot, second: Snapshot) -> str:
    article = repository.add_article(
        session=session,
        article=Article(
            url="https://news.example.com/river", title="River budget delayed", source="url",
            submitted_at=NOON + timedelta(hours=7),
        ),
    )  # fmt: skip
    repository.name_post(session=session, article_id=article.id, post_id=post.id, position=0)
    common = {"article_id": article.id, "post_id": post.id, "post_status": PostStatus.LIVE}
    quotes = [
        Quote(position=0, kind=QuoteKind.EMBED, text=AFTER, fidelity=Fidelity.VERBATIM,
              span=AFTER, matched_snapshot_id=second.id, post_changed_since=False, **common),
        Quote(position=1, kind=QuoteKind.INLINE, text="the [council's] river budget vote",
              fidelity=Fidelity.EDITORIAL, span="The river budget vote",
              changes=[{"kind": "insertion", "quote": "[council's]", "post": "",
                        "note": "[council's] is inserted in brackets"}],
              matched_snapshot_id=second.id, post_changed_since=False, **common),
        Quote(position=2, kind=QuoteKind.ATTRIBUTION, text="The river budget vote is on Monday",
              fidelity=Fidelity.ALTERED, span="The river budget vote is on Tuesday",
              diff=word_diff("The river budget vote is on Tuesday",
                             "The river budget vote is on Monday").to_json(),
              matched_snapshot_id=first.id, post_changed_since=True, **common),
        Quote(position=3, kind=QuoteKind.INLINE, text=HOSTILE, fidelity=Fidelity.UNVERIFIABLE,
              article_id=article.id, unresolved_reason="no post matches " + HOSTILE),
    ]  # fmt: skip
    for quote in quotes:
        repository.add_quote(session=session, quote=quote)
    return article.id


def soup(response: Response) -> BeautifulSoup:
    """The page, parsed; after checking it is a page at all."""
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


@pytest.fixture
def seeded(client: TestClient, engine: Engine) -> Seeded:
    """The seeded archive (the app is already up on the same database)."""
    return seed(engine)


# --- The front page -----------------------------------------------------------------------


def test_front_page_lists_recent_captures_with_their_status(
    client: TestClient, seeded: Seeded
) -> None:
    """The front page shows the form, and each capture with its status badge and timeline."""
    response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    assert page.find("form", id="submit-form")["action"] == "/"
    assert page.find("input", attrs={"name": "key", "type": "password"}) is not None
    rows = {li["data-post-id"]: li for li in page.select("#recent li.capture")}
    assert list(rows)[:3] == [seeded.hostile, seeded.pending, seeded.post]  # newest first
    assert rows[seeded.post].select_one(".badge-live").get_text() == "live"
    assert rows[seeded.pending].select_one(".badge-pending").get_text() == "pending"
    assert rows[seeded.hostile].select_one(".badge-deleted") is not None
    assert rows[seeded.post].find("a", href=f"/p/{seeded.post}") is not None
    assert AFTER in rows[seeded.post].get_text()


def test_front_page_search_uses_the_api_filters(client: TestClient, seeded: Seeded) -> None:
    """The search box filters by archived text (the API's ``q``) and by status."""
    found = soup(client.get("/", params={"q": "postponed"}))
    assert [li["data-post-id"] for li in found.select("li.capture")] == [seeded.post]
    assert found.find("input", id="q")["value"] == "postponed"
    deleted = soup(client.get("/", params={"status": "deleted", "q": ""}))
    assert [li["data-post-id"] for li in deleted.select("li.capture")] == [seeded.hostile]
    nothing = client.get("/", params={"q": "no such words anywhere"})
    assert "No capture matches" in nothing.text


def test_the_form_submits_a_post_with_the_key_as_a_field(
    client: TestClient, engine: Engine, auth: dict[str, str]
) -> None:
    """Without script the form posts the URL and key; the post is stored and the browser is
    sent to its timeline. The key is never shown back."""
    key = auth["Authorization"].removeprefix("Bearer ")
    response = client.post(
        "/", data={"url": "https://x.com/jack/status/20", "key": key}, follow_redirects=False
    )
    assert response.status_code == 303
    post_id = response.headers["location"].removeprefix("/p/")
    assert client.get(f"/api/v1/posts/{post_id}").json()["platform"] == "x"
    assert key not in client.get(response.headers["location"]).text


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"url": "https://x.com/jack/status/21", "key": "arch_wrong"}, 401, "not valid"),
        ({"url": "https://x.com/jack/status/21"}, 401, "Give an API key"),
        ({"url": "http://localhost/not/a/post", "key": "KEY"}, 422, "cannot be archived"),
    ],
)
def test_a_refused_form_says_why_and_stores_nothing(
    client: TestClient,
    auth: dict[str, str],
    engine: Engine,
    fields: dict[str, str],
    status: int,
    says: str,
) -> None:
    """A bad key or URL gets the front page again with the reason; no post is stored, and
    the key typed is not echoed."""
    key = auth["Authorization"].removeprefix("Bearer ")
    fields = {k: (key if v == "KEY" else v) for k, v in fields.items()}
    response = client.post("/", data=fields)
    assert response.status_code == status
    assert says in soup(response).find(id="submit-status").get_text()
    assert count_rows(engine, Post) == 0
    assert fields.get("key", "@@") not in response.text


def test_an_oversized_or_odd_form_is_refused(client: TestClient, engine: Engine) -> None:
    """A form body too large, or not URL-encoded, is refused with an HTML page."""
    huge = client.post("/", data={"url": "https://x.com/a/status/1", "key": "k" * 20_000})
    assert huge.status_code == 413
    assert soup(huge).find("h1").get_text() == "Payload too large"
    odd = client.post("/", json={"url": "https://x.com/a/status/1", "key": "k"})
    assert odd.status_code == 422
    crowded = client.post("/", data={f"f{n}": "x" for n in range(30)})
    assert crowded.status_code == 422
    assert count_rows(engine, Post) == 0


# --- Post, snapshot, article and events pages ----------------------------------------------


def test_post_page_shows_the_timeline_in_order_with_the_edit_diff(
    client: TestClient, seeded: Seeded
) -> None:
    """Snapshots, checks (runs of unchanged ones folded) and the edit, in time order; the
    edit's words struck and inserted; the latest screenshot."""
    page = soup(client.get(f"/p/{seeded.post}"))
    entries = [li.get_text(" ", strip=True) for li in page.select("ol.timeline > li")]
    assert len(entries) == 4
    assert "Snapshot 1111-AAAA-2222" in entries[0]
    assert "3 checks found it unchanged" in entries[1]
    assert "Snapshot 3333-BBBB-4444" in entries[2]
    assert "edited" in entries[3]
    assert [d.get_text() for d in page.select("ol.timeline del")] == ["on Tuesday"]
    assert [i.get_text() for i in page.select("ol.timeline ins")] == ["postponed to Friday"]
    image = page.select_one("figure.shot img")
    assert image["src"] == f"/api/v1/snapshots/{seeded.first}/screenshot.png"
    assert page.select_one(".badge-live") is not None
    times = page.find_all("time")
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", t["datetime"]) for t in times)


def test_snapshot_page_is_citable(client: TestClient, seeded: Seeded) -> None:
    """The snapshot page shows the screenshot, text, author, times, platform link, every
    artifact's hash, how it was captured, and a cite box with a Robust Link."""
    response = client.get(f"/s/{seeded.first}")
    page = soup(response)
    text = page.get_text(" ", strip=True)
    assert page.select_one("blockquote.post-text").get_text() == BEFORE
    assert page.find("img", id="screenshot")["src"].endswith(f"{seeded.first}/screenshot.png")
    assert "City Council Watch" in text and "@councilwatch" in text
    assert page.find("a", href="https://x.com/councilwatch/status/1785") is not None
    for digest in ("a" * 64, "b" * 64, "c" * 64, "d" * 64):
        assert f"sha256:{digest}" in text
    assert "Archiver 0.9.0" in text and "Chromium 131.0" in text
    assert "the platform's page" in text
    assert {t["datetime"] for t in page.find_all("time")} >= {
        "2024-05-01T11:00:00Z",
        "2024-05-01T12:00:00Z",
    }
    assert "newest snapshot" in page.select_one(".notice").get_text()  # it was edited since
    link = page.select_one(".cite .preview a")
    assert link["href"] == link["data-originalurl"] == "https://x.com/councilwatch/status/1785"
    assert link["data-versionurl"] == f"http://testserver/s/{seeded.first}"
    assert link["data-versiondate"] == "2024-05-01"
    code = BeautifulSoup(page.find(id="cite-robust").get_text(), "html.parser").find("a")
    assert code.attrs == link.attrs
    assert page.find(id="cite-apa").get_text().startswith("City Council Watch [@councilwatch].")
    assert page.find(id="cite-mla") is not None and page.find(id="cite-chicago") is not None
    assert len(page.select("button.copy[data-copy]")) == 5


def test_snapshot_page_sends_memento_headers_and_an_oembed_link(
    client: TestClient, seeded: Seeded
) -> None:
    """Memento-Datetime is the capture time (RFC 1123); Link names the original, TimeGate and
    TimeMap; the head links the oEmbed of the page."""
    response = client.get(f"/s/{seeded.second}")
    assert response.headers["memento-datetime"] == "Wed, 01 May 2024 18:00:00 GMT"
    original = "https://x.com/councilwatch/status/1785"
    assert response.headers["link"] == (
        f'<{original}>; rel="original", '
        f'<http://testserver/timegate/{original}>; rel="timegate", '
        f'<http://testserver/timemap/link/{original}>; rel="timemap"; '
        'type="application/link-format"'
    )
    alternate = soup(response).find("link", type="application/json+oembed")
    href = urlsplit(alternate["href"])
    assert f"{href.scheme}://{href.netloc}{href.path}" == "http://testserver/oembed"
    assert parse_qs(href.query) == {
        "url": [f"http://testserver/s/{seeded.second}"],
        "format": ["json"],
    }
    assert soup(response).select_one(".notice") is None  # the newest, and the post is live


def test_snapshot_page_says_when_the_post_is_gone(client: TestClient, seeded: Seeded) -> None:
    """A snapshot of a deleted post says the post is gone."""
    notice = soup(client.get(f"/s/{seeded.hostile_snapshot}")).select_one(".notice-gone")
    assert "deleted" in notice.get_text()


def test_article_page_shows_each_quote_and_its_verdict(client: TestClient, seeded: Seeded) -> None:
    """Each quote beside the archived words, with its fidelity, listed editorial changes, the
    diff of an alteration, the post's status and whether it changed since."""
    page = soup(client.get(f"/a/{seeded.article}"))
    assert page.find("h1").get_text() == "River budget delayed"
    quotes = page.select("section.quote")
    badges = [q.select_one("h2 .badge").get_text() for q in quotes]
    assert badges == ["verbatim", "editorial", "altered", "unverifiable"]
    assert "[council's] is inserted in brackets" in quotes[1].select_one("ul.changes").get_text()
    assert [d.get_text() for d in quotes[2].select("del")] == ["Tuesday"]
    assert [i.get_text() for i in quotes[2].select("ins")] == ["Monday"]
    assert "changed since" in quotes[2].get_text()
    assert "changed since" not in quotes[0].get_text()
    assert quotes[2].find("a", href=f"/s/{seeded.first}") is not None
    assert quotes[0].select_one(".badge-live") is not None


def test_events_page_pages_through_changes_newest_first(
    client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    """The feed lists every event newest first, 25 a page, with the cursor for the next."""
    with transaction(create_session_factory(engine, write=True)) as session:
        for minutes in range(30):
            repository.add_event(
                session=session,
                event=Event(
                    post_id=seeded.pending, kind=EventKind.DELETED,
                    first_observed_at=NOON, confirmed_at=NOON + timedelta(days=1, minutes=minutes),
                ),
                now=NOON,
            )  # fmt: skip
    first = soup(client.get("/events"))
    entries = first.select("ol.feed > li")
    assert len(entries) == 25
    stamps = [li.find("time")["datetime"] for li in entries]
    assert stamps == sorted(stamps, reverse=True)
    older = first.find("a", rel="next")["href"]
    rest = soup(client.get(older)).select("ol.feed > li")
    assert len(rest) == 7  # the last 5 deletions, the first post's edit and the hostile one
    assert rest[-2].find("a", href=f"/p/{seeded.post}") is not None
    assert [d.get_text() for d in rest[-2].select("del")] == ["on Tuesday"]
    edits = soup(client.get("/events", params={"kind": "edited"})).select("ol.feed > li")
    assert len(edits) == 2


# --- Errors, hostile text and headers ------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/p/7K3Q9MZDA2XF", "/s/7K3Q-9MZD-A2XF", "/a/NOTANID", "/no/such/page", "/static/x"]
)
def test_unknown_pages_get_a_friendly_html_404(client: TestClient, path: str) -> None:
    """An unknown ID or path gets an HTML page that says so and offers a way on."""
    response = client.get(path)
    assert response.status_code == 404
    page = soup(response)
    assert page.find("h1").get_text() == "Not found"
    assert page.find("a", href="/") is not None
    assert page.find("form", role="search") is not None


def test_bad_page_input_gets_an_html_page_and_api_errors_stay_problems(
    client: TestClient,
) -> None:
    """A bad filter on a page is an HTML 422; the API keeps problem+json; Memento paths keep
    plain text."""
    bad = client.get("/events", params={"kind": "exploded"})
    assert bad.status_code == 422
    assert "exploded" in soup(bad).find("p", class_="lead").get_text()
    api = client.get("/api/v1/posts/NOTANID")
    assert api.headers["content-type"] == "application/problem+json"
    assert (
        client.get("/timegate/https://x.com/a/status/1")
        .headers["content-type"]
        .startswith("text/plain")
    )


def test_hostile_archived_text_renders_inert(client: TestClient, seeded: Seeded) -> None:
    """Archived text, author names, diffs and quotes holding markup are shown as text on
    every page: no element is made of them."""
    for path in (
        "/",
        f"/p/{seeded.hostile}",
        f"/s/{seeded.hostile_snapshot}",
        "/events",
        f"/a/{seeded.article}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert HOSTILE not in response.text, path
        assert "<script>alert" not in response.text and "<img src=x" not in response.text, path
        page = soup(response)
        assert not page.find_all("script", src=False), path  # no inline script at all
        assert not page.find_all("img", src="x"), path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, path
        assert HOSTILE in page.get_text(), path  # shown literally
    apa = soup(client.get(f"/s/{seeded.hostile_snapshot}")).find(id="cite-robust").get_text()
    assert "&lt;script&gt;" in apa  # the Robust Link's own text is escaped too


def test_pages_and_api_send_the_security_headers(client: TestClient, seeded: Seeded) -> None:
    """Pages carry the strict CSP; every response carries nosniff and the referrer policy;
    artifacts keep their own sandbox policy; the API docs are left without ours."""
    for path in ("/", f"/s/{seeded.first}", "/events", "/nothing", "/api/v1/posts"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
    docs = client.get("/docs")
    assert "content-security-policy" not in docs.headers
    assert docs.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in client.get("/openapi.json").headers


def test_artifacts_keep_their_sandbox_policy(
    client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    """An artifact's own ``default-src 'none'; sandbox`` is not replaced by the pages'."""
    stored = client.app.state.blobs.put(b'{"text": "hi"}')  # type: ignore[attr-defined]
    with transaction(create_session_factory(engine, write=True)) as session:
        snapshot = repository.get_snapshot(session=session, snapshot_id=seeded.second)
        assert snapshot is not None
        snapshot.raw_sha256 = stored.sha256
    raw = client.get(f"/api/v1/snapshots/{seeded.second}/raw")
    assert raw.status_code == 200
    assert raw.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert raw.headers["x-content-type-options"] == "nosniff"


def test_static_files_are_served_with_exact_types(client: TestClient) -> None:
    """The stylesheet and script the pages link are served, typed, and linked versioned."""
    css = client.get("/static/archiver.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    js = client.get("/static/archiver.js")
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "navigator.clipboard" in js.text
    page = soup(client.get("/"))
    assert page.find("link", rel="stylesheet")["href"].startswith("/static/archiver.css?v=")
    assert page.find("script")["src"].startswith("/static/archiver.js?v=")


def test_snapshot_api_carries_the_citation(client: TestClient, seeded: Seeded) -> None:
    """``GET /api/v1/snapshots/{id}`` has ``citation`` with the absolute permanent URL."""
    body = client.get(f"/api/v1/snapshots/{seeded.first}").json()
    citation = body["citation"]
    assert citation["url"] == f"http://testserver/s/{seeded.first}"
    assert f'data-versionurl="http://testserver/s/{seeded.first}"' in citation["robust_link_html"]
    assert citation["apa"].endswith(citation["url"])
    assert "x.com/councilwatch/status/1785" in citation["mla"]
    assert citation["chicago"].startswith("City Council Watch (@councilwatch), ")
    listed = client.get(f"/api/v1/posts/{seeded.post}/snapshots").json()
    assert [s["citation"]["url"].rsplit("/", 1)[1] for s in listed] == [seeded.first, seeded.second]
