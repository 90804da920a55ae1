"""The generic web adapter's pure parts: which URLs it takes and how it writes them down, how a
page's main text and metadata become a post, and how bot walls and detours are told from the
page; plus the adapter over a recorded network for answers the emulator does not give."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from archiver.domain import Failed, FailureKind, HttpExchange, Live, Platform
from archiver.platforms import match_url, refusal
from archiver.platforms.html_page import read_page
from archiver.platforms.web import WebAdapter
from archiver.platforms.web_answer import bot_wall, redirected_to
from archiver.platforms.web_parse import read_page as read_web_page
from archiver.platforms.web_text import MAX_ELEMENTS, TEXT_MAX_CHARS, capped, main_text
from archiver.platforms.web_url import MAX_KEY_CHARS
from tests.platforms.recorded import NOW, Answer, RecordedFetcher, clock, text_answer

STORY = "".join(
    f"<p>Paragraph {n} of the story, long enough for an extractor to take it as text.</p>"
    for n in range(8)
)


def exchange(
    url: str,
    body: bytes = b"",
    *,
    status: int = 200,
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html"),),
    redirects: tuple[str, ...] = (),
) -> HttpExchange:
    """An answer as the gate returns it, ``redirects`` the URLs that led to it."""

    def one(where: str, code: int, answer: bytes) -> HttpExchange:
        return HttpExchange("GET", where, (), code, "", headers, answer, "HTTP/1.1", None, NOW, 1.0)

    hops = tuple(one(hop, 301, b"") for hop in redirects)
    return replace(one(url, status, body), redirects=hops)


# --- Which URLs ---------------------------------------------------------------------------


def test_tracking_parameters_go_and_the_rest_keep_their_order() -> None:
    ref = match_url(
        "https://Example.com/story?b=2&utm_source=feed&a=1&fbclid=x&mc_cid=y&mc_eid=z"
        "&gclid=g&igshid=i&ref_src=twsrc&a=3#section"
    )
    assert ref is not None and ref.platform is Platform.WEB
    assert ref.canonical_url == ref.key == "https://example.com/story?b=2&a=1&a=3"
    assert ref.host == "example.com"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://localhost/x", "localhost is a name of this machine"),
        ("http://10.0.0.1/x", "10.0.0.1 is a private address"),
        ("http://127.0.0.1:8000/admin", "loopback address"),
        ("http://[::1]/", "loopback address"),
        ("http://169.254.169.254/latest/", "link-local address"),
        ("https://printer.local/", "local-network"),
        ("https://db.prod.internal/", "private-network name"),
        ("https://wiki/", "not a full domain name"),
        ("https://editor:hunter2@example.com/", "user name or password"),
        ("ftp://example.com/file", "only http and https"),
    ],
)
def test_urls_no_one_may_fetch_are_refused_with_the_reason(url: str, says: str) -> None:
    assert match_url(url) is None
    assert says in refusal(url)


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://mastodon.social/@Gargron/109381419155468433", Platform.MASTODON),
        ("https://hachyderm.io/@someone/109381419155468433", Platform.MASTODON),
        ("https://x.com/jack/status/20?utm_source=x", Platform.X),
        ("https://bsky.app/profile/alice.bsky.social/post/3l4omssdl632g", Platform.BLUESKY),
        ("https://redd.it/160onpq", Platform.REDDIT),
        ("https://t.me/durov/43", Platform.TELEGRAM),
        ("https://www.threads.com/t/DHV7vTivqWD", Platform.THREADS),
        ("https://youtu.be/dQw4w9WgXcQ", Platform.YOUTUBE),
        ("https://hachyderm.io/about", Platform.WEB),
    ],
)
def test_posts_still_go_to_their_platforms_adapter(url: str, platform: Platform) -> None:
    ref = match_url(url)
    assert ref is not None and ref.platform is platform


def test_a_long_url_is_keyed_by_host_and_hash() -> None:
    """Past 500 characters the key is ``host/SHA-256``; the canonical URL stays whole."""
    url = "https://example.com/q?" + "x" * (MAX_KEY_CHARS + 100)
    ref = match_url(url)
    assert ref is not None
    digest = hashlib.sha256(url.encode()).hexdigest()
    assert (ref.key, ref.canonical_url) == (f"example.com/{digest}", url)
    assert ref.post_id == digest[:16]
    assert len(ref.key) <= 600 and len(ref.post_id) <= 512


# --- Main text and metadata ----------------------------------------------------------------


def test_the_main_text_leaves_menus_and_footers_out() -> None:
    html = (
        "<html><body><nav><a href='/'>Home</a> <a href='/a'>About us</a></nav>"
        f"<article><h1>Headline</h1>{STORY}<p>A line<br>broken in two.</p></article>"
        "<footer>Copyright 2024 · Privacy · Terms</footer></body></html>"
    )
    text = main_text(html)
    assert text is not None
    assert text.startswith("Headline\n\nParagraph 0 of the story")
    assert "A line\nbroken in two." in text
    assert "About us" not in text and "Privacy" not in text


def test_a_page_with_too_many_elements_is_not_read_for_its_text() -> None:
    """Bounded work on hostile markup: the elements are counted before anything is parsed."""
    html = "<html><body>" + "<i>x</i>" * (MAX_ELEMENTS + 1) + "</body></html>"
    assert main_text(html) is None


def test_text_past_the_cap_is_cut_at_a_paragraph() -> None:
    paragraph = "word " * 199 + "end."
    text = "\n\n".join([paragraph] * (TEXT_MAX_CHARS // len(paragraph) + 5))
    cut, was_cut = capped(text)
    assert was_cut and len(cut) <= TEXT_MAX_CHARS
    assert cut.endswith("end.") and text.startswith(cut)
    assert capped("short") == ("short", False)


def page_data(html: str, main: str | None = None) -> tuple[str, dict[str, object]]:
    data = read_web_page(
        "id", "https://example.com/a", "https://example.com/a", read_page(html), main, None, None
    )
    return data.text, {"author": data.author, "edited_at": data.edited_at, **data.extra}


def test_the_title_is_not_repeated_and_the_description_stands_in_for_missing_text() -> None:
    head = (
        '<head><title>Site | Headline</title><meta property="og:title" content="Headline">'
        '<meta name="description" content="What the page is about."></head>'
    )
    assert page_data(head, "Headline\n\nThe text.")[0] == "Headline\n\nThe text."
    text, extra = page_data(head, None)
    assert text == "Headline\n\nWhat the page is about."
    assert extra["main_text"] is False


def test_the_author_and_times_come_from_the_meta_tags() -> None:
    html = (
        '<head><meta name="author" content="Jane Doe">'
        '<meta property="article:author" content="https://example.com/jane">'
        '<meta property="article:published_time" content="2024-05-01T10:00:00Z">'
        '<meta property="article:modified_time" content="2024-05-01T10:00:00Z"></head>'
    )
    _, extra = page_data(html)
    author = extra["author"]
    assert author is not None
    assert (author.name, author.url) == ("Jane Doe", "https://example.com/jane")  # type: ignore[attr-defined]
    assert extra["edited_at"] is None  # modified when published: no edit


def test_a_long_page_says_its_text_was_cut() -> None:
    text, extra = page_data("<title>T</title>", "x " * TEXT_MAX_CHARS)
    assert len(text) <= TEXT_MAX_CHARS
    assert extra["text_cut"] is True
    assert extra["text_length"] == len("T\n\n" + "x " * TEXT_MAX_CHARS)


# --- Walls and detours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "wall"),
    [
        (exchange("https://e.com/", b"<html></html>", headers=(("cf-mitigated", "challenge"),)),
         "Cloudflare's bot check"),
        (exchange("https://e.com/", b"<title>Just a moment...</title>"), "Cloudflare's bot check"),
        (exchange("https://e.com/", b"<script src='https://ct.captcha-delivery.com/c.js'>"),
         "DataDome's bot check"),
        (exchange("https://e.com/", b"<p>Incapsula incident ID: 123</p>"), "Imperva's firewall"),
        (exchange("https://e.com/", b"<title>Just a moment...</title>" + b"<p>text</p>" * 9000),
         None),
        (exchange("https://e.com/", b"<title>A page</title>"), None),
    ],
    ids=["header", "title", "datadome", "imperva", "a large page is the site's", "a page"],
)  # fmt: skip
def test_bot_walls_are_told_from_pages(answer: HttpExchange, wall: str | None) -> None:
    assert bot_wall(answer) == wall


@pytest.mark.parametrize(
    ("final", "where"),
    [
        ("https://example.com/account/login?next=/news/a", "login"),
        ("https://example.com/users/sign_in", "login"),
        ("https://consent.example.com/?continue=x", "consent"),
        ("https://example.com/", "front page"),
        ("https://www.example.com/", "front page"),
        ("https://example.com/news/a-new-slug", None),
        ("https://other.example/", None),
    ],
)
def test_where_redirects_led_instead_of_the_page(final: str, where: str | None) -> None:
    answer = exchange(final, redirects=("https://example.com/news/a",))
    assert redirected_to("https://example.com/news/a", answer) == where
    assert redirected_to("https://example.com/news/a", exchange(final)) is None


@pytest.mark.parametrize("front", ["/", "/index.html", "/home", "/en/", "/pt-br"])
def test_a_front_page_under_another_name_redirected_to_slash_is_not_removed(front: str) -> None:
    answer = exchange("https://example.com/", redirects=(f"https://example.com{front}",))
    assert redirected_to(f"https://example.com{front}", answer) is None


# --- The adapter over a recorded network -----------------------------------------------------


async def test_a_403_bot_check_is_upstream_trouble_not_a_login_wall() -> None:
    url = "https://example.com/news/a"
    ref = match_url(url)
    assert ref is not None
    fetcher = RecordedFetcher(
        {url: text_answer("<html>…</html>", 403, {"cf-mitigated": "challenge"})}
    )
    observation = await WebAdapter(clock=clock).fetch(ref, fetcher)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert "Cloudflare" in observation.detail
    assert fetcher.headers_sent[0]["Accept"].endswith("*/*;q=0.8")


async def test_an_unlabelled_html_answer_is_read_as_a_page() -> None:
    url = "https://example.com/old"
    ref = match_url(url)
    assert ref is not None
    body = f"<!DOCTYPE html><html><head><title>Old page</title></head><body>{STORY}</body></html>"
    fetcher = RecordedFetcher({url: Answer(200, body.encode())})
    observation = await WebAdapter(clock=clock).fetch(ref, fetcher)
    assert isinstance(observation, Live)
    assert observation.data.text.startswith("Old page\n\nParagraph 0 of the story")
    assert observation.data.posted_at is None
