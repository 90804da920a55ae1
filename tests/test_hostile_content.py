"""Hostile archived content is shown inert everywhere and its hidden characters visibly; the
browser that screenshots hostile pages is bounded.

* Pages, oEmbed and citations (SQLite and PostgreSQL): a post whose text and author carry
  script, event handlers, ``javascript:`` links, CSS injection, bidi controls and zero-width
  characters, seeded through the repository. No element is made of it; ``/s/`` marks every
  hidden character and says how many there are; the API's text and the raw body stay exact.
  The same pages in a real Chromium, with and without the CSP: nothing runs.
* The browser (real Chromium, the platform emulator): a 100 KB post, a page far taller and
  wider than the cap, an endless redirect chain, a page that never answers, one that never
  finishes loading, a script that never yields and a download each end within the deadline,
  with Archiver's card and the reason; ``file:``, ``data:`` and ``javascript:`` go nowhere.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from archiver.browser import BrowserPool, CardData, ScreenshotFailed, render_card_html
from archiver.browser.page import MAX_HEIGHT, MAX_WIDTH
from archiver.chromium import find_chromium
from archiver.cli.articles import print_report
from archiver.config import Settings, load_settings
from archiver.db import repository
from archiver.db.models import Article, Event, Quote, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.detect.diff import word_diff
from archiver.domain import EventKind, Fidelity, Live, PostStatus, QuoteKind
from archiver.egress import Egress
from archiver.emulator import EmulatorServer, PostInfo
from archiver.platforms import adapter_for, match_url
from archiver.services import articles, screens, submissions
from archiver.storage import LocalBlobStore
from archiver.web.invisible import count, reveal_text

CHROMIUM = find_chromium(None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found")
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MARKUP = (
    "<script>window.__pwned = 'script'; alert('script')</script>",
    "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">",
    "<a href=\"javascript:window.__pwned = 'link'\">click me</a>",
    "<svg onload=\"window.__pwned = 'svg'\"></svg>",
    "</style><style>body{display:none}</style>",
    '" style="position:fixed;inset:0;background:red" onmouseover="alert(1)" x="',
    '</textarea></title><!-- {{ 7 * 7 }} <base href="https://evil.example/">',
    "[/] [bold red]rich markup[/bold red] [link=https://evil.example]a link[/link] \x1b[2J",
)
HIDDEN = "Pay \u202e$001\u202c now, ad\u200bmin\u2060 \ufeffok"  # 5 hidden characters (+ ESC)
TEXT = "\n".join([*MARKUP, HIDDEN])
NAME = "<b onmouseover=\"alert('name')\">Mallory</b> \u202egnp.exe\u202c"
HANDLE = "mallory\u200b"
RAW = json.dumps({"text": TEXT, "user": {"name": NAME}}, ensure_ascii=False).encode()


@dataclass
class Seeded:
    post: str
    snapshot: str
    article: str


def seed(engine: Engine, blobs: Path) -> Seeded:
    """A post edited from "hello" to the hostile text by a hostile author, and an article
    quoting it; the raw body is stored as the platform sent it."""
    raw = LocalBlobStore(blobs).put(RAW)
    with transaction(create_session_factory(engine, write=True)) as session:
        post = submissions.submit_post(
            session=session, url="https://x.com/mallory/status/4242", now=NOON
        ).post
        post.status, post.author_handle, post.author_name = PostStatus.LIVE, HANDLE, NAME
        post.posted_at, post.first_captured_at = NOON - timedelta(hours=1), NOON
        common = {"post_id": post.id, "software_version": "0.9.0", "author_name": NAME,
                  "author_handle": HANDLE, "posted_at": post.posted_at}  # fmt: skip
        first = Snapshot(id="5555DDDD8888", captured_at=NOON, text="hello", **common)
        second = Snapshot(
            id="5555EEEE9999", captured_at=NOON + timedelta(hours=1), text=TEXT,
            raw_sha256=raw.sha256, raw_content_type="application/json", **common,
        )  # fmt: skip
        for snapshot in (first, second):
            repository.add_snapshot(session=session, snapshot=snapshot)
        repository.add_event(
            session=session,
            event=Event(
                post_id=post.id, kind=EventKind.EDITED, before_snapshot_id=first.id,
                after_snapshot_id=second.id, first_observed_at=second.captured_at,
                confirmed_at=second.captured_at,
                diff={"reasons": ["text"], **word_diff("hello", TEXT).to_json()},
            ),
            now=NOON,
        )  # fmt: skip
        article = repository.add_article(
            session=session,
            article=Article(url="https://news.example.com/a", title=NAME, byline=NAME,
                            source="url", submitted_at=NOON),
        )  # fmt: skip
        repository.name_post(session=session, article_id=article.id, post_id=post.id, position=0)
        quote = Quote(
            article_id=article.id, post_id=post.id, post_status=PostStatus.LIVE, position=0,
            kind=QuoteKind.INLINE, text=TEXT, span=TEXT, fidelity=Fidelity.VERBATIM,
            matched_snapshot_id=second.id, post_changed_since=False, context=TEXT,
        )  # fmt: skip
        session.add(quote)
        return Seeded(post.id, second.id, article.id)


@pytest.fixture
def seeded(client: TestClient, engine: Engine, settings: Settings) -> Seeded:
    """The hostile archive (the app is already up on the same database)."""
    return seed(engine, settings.data_dir / "blobs")


def page_paths(seeded: Seeded) -> list[str]:
    return ["/", f"/p/{seeded.post}", f"/s/{seeded.snapshot}", "/events", f"/a/{seeded.article}"]


def assert_inert(html: str, path: str) -> BeautifulSoup:
    """No element, attribute or link was made of archived text; no hidden character is left."""
    page = BeautifulSoup(html, "html.parser")
    scripts = [s.get("src", "") for s in page.find_all("script")]
    assert all(src.startswith("/static/archiver.js") for src in scripts), (path, scripts)
    assert not page.find_all(["style", "svg", "base", "textarea", "iframe"]), path
    assert not page.find_all("img", src="x") and not page.find_all("b"), path
    for element in page.find_all(True):
        assert not [a for a in element.attrs if a.startswith("on") or a == "style"], element
        assert not str(element.get("href", "")).lower().startswith("javascript"), element
    assert count(html) == 0, path  # every hidden character is shown as a marker
    assert "\u27e8U+202E\u27e9" in page.get_text(), path
    return page


def test_pages_show_hostile_text_inert_and_literally(client: TestClient, seeded: Seeded) -> None:
    """Every page shows the markup as text (none becomes an element) and marks the hidden
    characters: the front page's excerpt, the timeline, the snapshot, the edit, the quote."""
    for path in page_paths(seeded):
        response = client.get(path)
        assert response.status_code == 200, path
        shown = assert_inert(response.text, path).get_text()
        assert MARKUP[0] in shown and "Mallory</b>" in shown, path
        if path != "/":  # the front page shows the first 280 characters
            assert all(reveal_text(piece) in shown for piece in MARKUP), path
            assert reveal_text(HIDDEN) in shown, path


def test_snapshot_page_makes_hidden_characters_visible(client: TestClient, seeded: Seeded) -> None:
    """``/s/`` puts a titled marker in place of each hidden character and says how many the
    text and the author hold; the API's text and the raw body keep them exactly."""
    page = BeautifulSoup(client.get(f"/s/{seeded.snapshot}").text, "html.parser")
    quote = page.select_one("blockquote.post-text")
    assert quote is not None and quote.get_text() == reveal_text(TEXT)
    marks = quote.select("mark.hidden-char")
    codes = ("001B", "202E", "202C", "200B", "2060", "FEFF")
    assert [m.get_text() for m in marks] == [f"\u27e8U+{code}\u27e9" for code in codes]
    assert marks[1]["title"].startswith("U+202E RIGHT-TO-LEFT OVERRIDE: an invisible")
    assert all(m["dir"] == "ltr" for m in marks)
    notice = " ".join(page.select_one("#hidden-notice").get_text().split())
    assert "This text holds 6 invisible or direction-changing characters" in notice
    assert "(U+001B, U+202E, U+202C, U+200B, U+2060, U+FEFF)" in notice
    assert "The author's name or handle holds 3 (U+202E, U+202C, U+200B)" in notice
    assert "\u27e8U+202E\u27e9gnp.exe\u27e8U+202C\u27e9" in page.find("h1").get_text()
    assert page.title is not None and "mallory\u27e8U+200B\u27e9" in page.title.get_text()

    api = client.get(f"/api/v1/snapshots/{seeded.snapshot}").json()
    assert api["text"] == TEXT
    assert api["author"]["name"] == NAME and api["author"]["handle"] == HANDLE
    raw = client.get(api["raw"]["url"])
    assert raw.content == RAW and "\u202e".encode() in raw.content


def test_citations_and_oembed_are_inert_and_show_hidden_characters(
    client: TestClient, seeded: Seeded
) -> None:
    """The citation strings and the oEmbed title and HTML are plain escaped text, with the
    hidden characters written as markers: pasted elsewhere they read as what they hold."""
    cited = client.get(f"/api/v1/snapshots/{seeded.snapshot}").json()["citation"]
    for style in ("apa", "mla", "chicago"):
        assert count(cited[style]) == 0 and "\u27e8U+202E\u27e9gnp.exe" in cited[style], style
    assert "<script>window.__pwned" in cited["mla"]  # literally, as the post says
    link = BeautifulSoup(cited["robust_link_html"], "html.parser")
    assert [tag.name for tag in link.find_all(True)] == ["a"]
    anchor = link.find("a")
    assert set(anchor.attrs) == {"href", "data-originalurl", "data-versionurl", "data-versiondate"}
    assert anchor["href"] == "https://x.com/mallory/status/4242"
    assert anchor.get_text().startswith("<b onmouseover=")

    embed = client.get("/oembed", params={"url": cited["url"], "format": "json"}).json()
    assert count(embed["title"], embed["author_name"], embed["html"]) == 0
    assert embed["author_url"] == "https://x.com/mallory%E2%80%8B"
    html = BeautifulSoup(embed["html"], "html.parser")
    assert {tag.name for tag in html.find_all(True)} <= {"blockquote", "p", "a", "br", "em"}
    for tag in html.find_all(True):
        assert not [a for a in tag.attrs if a.startswith("on") or a == "style"], tag
        assert tag.name != "a" or tag["href"].startswith(("https://", "http://testserver/"))
    shown = html.get_text()
    assert all(reveal_text(piece) in shown for piece in MARKUP) and reveal_text(HIDDEN) in shown


@needs_chromium
def test_pages_run_nothing_in_a_real_browser(client: TestClient, seeded: Seeded) -> None:
    """In Chromium, with the CSP and without it (escaping alone must hold), no script of the
    archived text runs, no dialog opens, the page stays visible and the markers are seen."""
    from playwright.sync_api import Route, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        dialogs: list[str] = []
        for csp in (True, False):
            context = browser.new_context()

            def serve(route: Route, csp: bool = csp) -> None:
                answer = client.get(route.request.url.removeprefix("http://archiver.test"))
                headers = {k: v for k, v in answer.headers.items()
                           if csp or k != "content-security-policy"}  # fmt: skip
                route.fulfill(status=answer.status_code, headers=headers, body=answer.content)

            context.route("http://archiver.test/**", serve)
            page = context.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for path in page_paths(seeded):
                page.goto(f"http://archiver.test{path}", wait_until="load")
                page.hover("main")  # an onmouseover would fire now
                page.wait_for_timeout(150)  # an onerror would have fired by now
                assert page.evaluate("window.__pwned") is None, (csp, path)
                assert page.evaluate("getComputedStyle(document.body).display") != "none"
                assert MARKUP[0] in page.inner_text("main"), (csp, path)
            box = page.locator("blockquote.post-text mark.hidden-char").first.bounding_box()
            assert box is not None and box["width"] > 20 and box["height"] > 5
            context.close()
        browser.close()
    assert dialogs == []


def test_the_terminal_report_prints_hostile_text_literally(
    engine: Engine, seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    """``archiver article`` prints archived text as it is: Rich markup in it stays text (and
    cannot crash the command), hidden characters are marked, escape codes are dropped."""
    with create_session_factory(engine)() as session:
        print_report(articles.get_view(session=session, article_id=seeded.article))
    out = capsys.readouterr().out
    assert "[/] [bold red]rich markup[/bold red] [link=https://evil.example]a link" in out
    assert "<script>window.__pwned" in out and "\u27e8U+202E\u27e9" in out
    assert count(out) == 0 and "\u27e8U+001B\u27e9[2J" in out and "[inline] verbatim" in out


# --- Archiver's card ----------------------------------------------------------------------


def test_card_shows_the_hidden_characters_and_cuts_a_huge_text() -> None:
    """The card marks hidden characters, counts them in its note, and shows at most the first
    5,000 characters of a 100 KB text, saying so."""
    url = "https://x.com/mallory/status/4242"
    card = CardData(platform="X", author_name=NAME, author_handle=HANDLE, posted_at=NOON,
                    text=TEXT, captured_at=NOON, post_url=url)  # fmt: skip
    html = render_card_html(card)
    page = BeautifulSoup(html, "html.parser")
    assert len(page.find_all("style")) == 1 and not page.find_all(["script", "svg", "img", "b"])
    assert count(html) == 0 and all(reveal_text(p) in page.get_text() for p in MARKUP)
    assert len(page.select("#archiver-card mark")) == 9
    assert "holds 9 invisible or direction-changing characters" in " ".join(page.text.split())
    huge = render_card_html(dataclasses.replace(card, text="word " * 20_000))
    assert "it is 100,000 characters long" in huge and len(huge) < 12_000


# --- The bounded browser ------------------------------------------------------------------

#: The pool's deadline here (20 s in service; enough for a clipped 8,000-pixel shot on a
#: loaded machine): the captures below end by it, as their recorded reasons show ("timeout
#: loading the embed page", "deadline").
DEADLINE = 10.0
#: Not a speed bound (how long a capture takes depends on the machine's load): only turns a
#: capture that never ends into a failing test instead of a stuck run.
HANG_GUARD = 120.0
TWITTER = "https://platform.twitter.com"
#: A Mastodon post's HTML is put into its embed page as it is: a hostile platform page.
BUSY = "<p>busy</p><script>while (true) {}</script>"
HUGE = (
    "<p>huge</p><style>article.card{max-width:none!important;width:100000px}</style>"
    '<div style="width:100000px;height:100000px;background:linear-gradient(red,blue)"></div>'
)
ESCAPES = """<p>escapes</p><meta http-equiv="refresh" content="0;url=file:///etc/passwd">
<iframe src="data:text/html,<script>parent.window.__pwned = 'frame'</script>"></iframe>
<script>
for (const to of ["file:///etc/passwd", "data:text/html,<b>data</b>",
                  "javascript:window.__pwned = 'javascript'"]) {
  try { window.open(to); } catch (e) {}
  setTimeout(() => { location.href = to; }, 10);
}
navigator.serviceWorker.register("/sw.js").catch(() => {});
const frame = document.createElement("iframe");
document.body.appendChild(frame);
frame.contentWindow.navigator.serviceWorker.register("/sw.js").catch(() => {});
</script>"""


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator, shared by the module's browser tests."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
async def pool(emulator: EmulatorServer) -> AsyncIterator[BrowserPool]:
    """A browser pool with a short deadline whose gate reaches the emulator only."""
    emulator.world.reset()
    settings = load_settings(upstream_overrides=emulator.override_map)
    async with (
        Egress(settings) as egress,
        BrowserPool(settings, egress, page_deadline=DEADLINE) as browsers,
    ):
        yield browsers


def embed_url(post: PostInfo) -> str:
    if post.platform == "x":
        return f"{TWITTER}/embed/Tweet.html?id={post.id}"
    return f"https://{post.host}/@{post.handle}/{post.id}/embed"


async def take(emulator: EmulatorServer, post: PostInfo, pool: BrowserPool, tmp: Path) -> Any:
    """Capture ``post`` from the emulator, then screenshot it as a capture does."""
    ref = match_url(post.url)
    assert ref is not None
    async with Egress(load_settings(upstream_overrides=emulator.override_map)) as gate:
        live = await adapter_for(ref).fetch(ref, gate)
    assert isinstance(live, Live), live
    shooting = screens.take(ref, live, browser=pool, store=LocalBlobStore(tmp),
                            captured_at=NOON, media_sha256=[])  # fmt: skip
    return await asyncio.wait_for(shooting, HANG_GUARD)


@needs_chromium
async def test_a_huge_post_or_page_is_clipped_to_the_cap(
    pool: BrowserPool, emulator: EmulatorServer
) -> None:
    """A 100 KB post and a page 100,000 pixels wide and tall are shot within the deadline,
    clipped to the cap (4,000 by 1,200 CSS pixels, twice that in the PNG)."""
    for post, wide in (
        (emulator.world.add_post("x", "alice", "word " * 20_000, name="Alice"), False),
        (emulator.world.add_post("mastodon", "bob", "huge", html=HUGE), True),
    ):
        shooting = pool.screenshot_page(embed_url(post), selector="article.card")
        shot = await asyncio.wait_for(shooting, HANG_GUARD)
        assert shot.source == "platform" and shot.height == MAX_HEIGHT * 2
        assert (shot.width == MAX_WIDTH * 2) is wide and shot.width <= MAX_WIDTH * 2


@needs_chromium
@pytest.mark.parametrize(
    ("platform", "mode", "reason"),
    [
        ("x", "redirect_loop", "could not be fetched: .*too many redirects"),
        ("x", "download", r"refused .*is a download \(Content-Disposition: attachment\)"),
        pytest.param("x", "hang", "could not be fetched: .*deadline", marks=pytest.mark.slow),
        pytest.param("mastodon", BUSY, "timeout loading the embed page", marks=pytest.mark.slow),
    ],
    ids=["redirect-loop", "download", "never-answers", "script-never-yields"],
)
async def test_a_hostile_embed_page_ends_in_the_card_with_the_reason(
    pool: BrowserPool, emulator: EmulatorServer, tmp_path: Path,
    platform: str, mode: str, reason: str,
) -> None:  # fmt: skip
    """An endless redirect chain, a download, a page that never answers and a script that
    never yields each end within the deadline in Archiver's card, the reason recorded; the
    pool goes on working."""
    post = emulator.world.add_post(platform, "carol", "hostile", name="Carol",
                                   html=mode if platform == "mastodon" else None)  # fmt: skip
    if platform == "x":
        emulator.world.add_failure(mode, origin=TWITTER)
    taken = await take(emulator, post, pool, tmp_path)
    assert taken.shot.source == "archiver_card" and (tmp_path / taken.sha256[:2]).exists()
    assert taken.platform_error is not None
    assert re.search(reason, taken.platform_error), taken.platform_error
    emulator.world.clear_failures()
    fine = emulator.world.add_post("x", "dave", "after the storm")
    assert (await pool.screenshot_page(embed_url(fine), selector="article.card")).height > 50


@needs_chromium
@pytest.mark.slow
async def test_a_page_that_never_finishes_loading_is_shot_in_time(
    pool: BrowserPool, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """An embed page whose avatar never arrives is shot once the image's fetch is given up."""
    post = emulator.world.add_post("x", "erin", "the avatar never comes", name="Erin")
    emulator.world.add_failure("hang", origin="https://pbs.twimg.com")
    taken = await take(emulator, post, pool, tmp_path)
    assert taken.shot.height > 50, taken.platform_error
    assert taken.shot.source == "platform" or taken.platform_error


@needs_chromium
async def test_no_navigation_or_service_worker_leaves_the_page(
    pool: BrowserPool, emulator: EmulatorServer
) -> None:
    """``file:``, ``data:`` and ``javascript:`` are refused as pages to shoot; a page opening
    or redirecting to them, or registering a service worker, stays where it is."""
    for url in ("file:///etc/passwd", "data:text/html,<p>x</p>", "javascript:alert(1)"):
        with pytest.raises(ScreenshotFailed, match="not an http"):
            await pool.screenshot_page(url, selector=None)
    post = emulator.world.add_post("mastodon", "frank", "escapes", html=ESCAPES)
    async with pool.open_page() as routed:
        await routed.goto(embed_url(post), timeout=DEADLINE)
        await routed.page.wait_for_timeout(500)
        assert routed.page.url == embed_url(post)
        assert await routed.page.evaluate("window.__pwned") is None
        registered = "navigator.serviceWorker.getRegistrations().then((found) => found.length)"
        assert await routed.page.evaluate(registered) == 0
        assert len(routed.page.context.pages) == 1  # no window was opened
    paths = [r.path for r in emulator.world.requests()]
    assert not [p for p in paths if "sw.js" in p or "passwd" in p], paths
