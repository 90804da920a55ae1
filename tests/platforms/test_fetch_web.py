"""Observing generic web pages served by the emulator (its web publication and its news site),
through the real outbound gate: a page's OpenGraph, JSON-LD and oEmbed read in full, a plain
page, a file that is not HTML, the statuses that say a page is gone and those that never do,
oEmbed trouble that never fails a capture, and hostile pages."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from archiver.config import Settings
from archiver.domain import (
    Failed,
    FailureKind,
    Gone,
    Live,
    MediaType,
    PostStatus,
)
from archiver.egress import Egress
from archiver.emulator import EmulatorServer, World
from archiver.emulator.news import NEWS_ORIGIN
from archiver.platforms import match_url
from archiver.platforms.web import WebAdapter
from tests.emulator_fixtures import fetch, observe

SITE = "https://www.riverside-dispatch.example"
EMBED = "https://embed.riverside-dispatch.example"
TEXT = (
    "The Eastside library reopens after the flood\n\n"
    "After eight months of repairs & <re-wiring>, the Eastside branch opens its doors again on "
    'Monday, with a new children\'s floor and "the same old reading room" </script>.\n\n'
    "Opening hours are unchanged.\n"
    "The archive room stays closed until the autumn.\n\n"
    "The city paid for the repairs out of the flood fund, the library board said in a statement."
)
PUBLISHED = "2024-05-01T18:30:00Z"


def article(world: World, text: str = TEXT, **options: object) -> str:
    """A page of the web publication by Jane Doe, published on ``PUBLISHED``; its URL."""
    made = world.add_post(
        "web",
        "jane-doe",
        text,
        name="Jane Doe",
        created_at=PUBLISHED,
        **options,  # type: ignore[arg-type]
    )
    return made.url


def slug(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


async def test_a_page_is_read_from_opengraph_json_ld_and_oembed(
    world: World, settings: Settings
) -> None:
    """Headline and main text (no menus, byline or "related" box), author, times, language,
    picture; oEmbed's fields beside them; the page is the raw source, oEmbed the second
    exchange."""
    url = article(world, media=[{"type": "image", "alt": "The chamber", "width": 1200}])
    observation = await observe(settings, f"{url}?utm_source=newsletter&fbclid=XYZ#comments")
    assert isinstance(observation, Live), observation
    data = observation.data
    assert data.text == TEXT
    assert data.url == url
    assert data.author is not None
    assert (data.author.name, data.author.handle) == ("Jane Doe", None)
    assert data.author.url == f"{SITE}/author/jane-doe/"
    assert data.posted_at == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
    assert data.edited_at is None
    assert data.lang == "en"
    (picture,) = data.media
    assert (picture.type, picture.alt, picture.width) == (MediaType.PHOTO, "The chamber", 1200)
    assert picture.url.startswith("https://cdn.riverside-dispatch.example/uploads/")
    extra = data.extra
    assert extra["title"] == TEXT.split("\n", 1)[0]
    assert (extra["site_name"], extra["og_type"], extra["schema_type"]) == (
        "Riverside Dispatch",
        "article",
        "NewsArticle",
    )
    assert extra["canonical"] == url
    assert extra["oembed"]["author_name"] == "Jane Doe"
    assert extra["oembed"]["thumbnail_url"] == picture.url
    page, oembed = observation.exchanges
    assert (page.url, observation.source_url) == (url, url)  # the tracking junk never sent
    assert oembed.url.startswith(f"{EMBED}/oembed?url=") and oembed.status == 200
    async with Egress(settings, timeout=10) as gate:
        answer = await gate.get(picture.url)
    assert (answer.status, answer.content_type) == (200, "image/jpeg")


async def test_a_plain_page_is_its_title_and_paragraphs(world: World, settings: Settings) -> None:
    """A page with nothing but ``<title>`` and paragraphs: no oEmbed asked, no author."""
    url = article(world)
    world.set_variant("web", slug(url), "plain")
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    assert observation.data.text == TEXT
    assert (observation.data.author, observation.data.posted_at) == (None, None)
    assert observation.data.media == ()
    assert [e.url for e in observation.exchanges] == [url]


async def test_an_edit_is_the_new_text_with_its_modified_time(
    world: World, settings: Settings
) -> None:
    """An edited page reads as its new text, and ``article:modified_time`` is its edit time."""
    url = article(world)
    world.edit_post("web", slug(url), TEXT.replace("eight months", "nine months"))
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    assert "nine months of repairs" in observation.data.text
    assert observation.data.edited_at is not None
    assert observation.data.posted_at is not None
    assert observation.data.edited_at > observation.data.posted_at


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda world, page: world.delete_post("web", page), 404),
        (lambda world, page: world.set_variant("web", page, "removed"), 410),
    ],
    ids=["404", "410"],
)
async def test_404_and_410_are_deleted_and_say_so(
    world: World, settings: Settings, change: object, status: int
) -> None:
    """The site's 404 or 410 is its own answer: deleted, the evidence naming the status."""
    url = article(world)
    change(world, slug(url))  # type: ignore[operator]
    observation = await observe(settings, url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is PostStatus.DELETED
    assert f"HTTP {status}" in observation.evidence
    assert [(e.url, e.status) for e in observation.exchanges] == [(url, status)]


async def test_a_page_retired_to_the_front_page_is_deleted(
    world: World, settings: Settings
) -> None:
    """A 301 from the page to its site's front page is how many sites remove a page."""
    url = article(world)
    world.set_variant("web", slug(url), "front_page")
    observation = await observe(settings, url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is PostStatus.DELETED
    assert "front page" in observation.evidence
    (page,) = observation.exchanges
    assert [(hop.url, hop.status) for hop in page.redirects] == [(url, 301)]
    assert (page.url, page.status) == (f"{SITE}/", 200)


@pytest.mark.parametrize(
    ("mode", "options", "kind", "retry"),
    [
        ("rate_limit", {"retry_after_seconds": 120}, FailureKind.RATE_LIMITED, True),
        ("error", {"status": 429}, FailureKind.RATE_LIMITED, True),
        ("error", {"status": 503}, FailureKind.UPSTREAM, False),
        ("error", {"status": 500}, FailureKind.UPSTREAM, False),
        ("auth_required", {}, FailureKind.AUTH_REQUIRED, False),
        ("error", {"status": 403}, FailureKind.AUTH_REQUIRED, False),
        ("non_json", {}, FailureKind.UPSTREAM, False),
        ("hang", {"seconds": 3}, FailureKind.TIMEOUT, False),
    ],
    ids=["429", "429-proxy", "503", "500", "401", "403", "bot-check", "hang"],
)
async def test_a_deleted_page_behind_a_failure_is_never_gone(
    world: World,
    settings: Settings,
    mode: str,
    options: dict[str, int],
    kind: FailureKind,
    retry: bool,
) -> None:
    """Whatever stands in the page's way, a deleted page reads as that failure, not gone; a
    rate limit carries the time the site gave."""
    url = article(world)
    world.delete_post("web", slug(url))
    world.add_failure(mode, origin=SITE, **options)
    observation = await observe(settings, url, timeout=1.0)
    assert isinstance(observation, Failed), observation
    assert observation.kind is kind, observation.detail
    assert (observation.retry_after is not None) is retry


@pytest.mark.parametrize(
    ("mode", "options", "said"),
    [
        ("error", {"status": 500}, "HTTP 500"),
        ("error", {"status": 404}, "HTTP 404"),
        ("non_json", {}, "not oEmbed JSON"),
        ("reset", {}, "embed.riverside-dispatch.example"),
        ("hang", {"seconds": 3}, "no complete response"),
    ],
    ids=["500", "404", "html", "reset", "hang"],
)
async def test_oembed_trouble_never_fails_the_capture(
    world: World, settings: Settings, mode: str, options: dict[str, int], said: str
) -> None:
    """The page is read all the same, and ``extra`` says why oEmbed could not be had; what
    is compared between checks (text, picture) does not depend on it."""
    url = article(world, media=[{"type": "image"}])
    world.add_failure(mode, origin=EMBED, **options)
    observation = await observe(settings, url, timeout=1.0)
    assert isinstance(observation, Live), observation
    assert observation.data.text == TEXT
    assert len(observation.data.media) == 1
    assert "oembed" not in observation.data.extra
    assert said in observation.data.extra["oembed_error"]
    assert observation.source_url == url


async def test_a_file_that_is_not_html_is_kept_as_a_file(world: World, settings: Settings) -> None:
    """A PDF is live: its file name, type, size and SHA-256 are its text; its bytes are the
    raw evidence."""
    url = article(world, id="annual-report")
    world.set_variant("web", "annual-report", "pdf")
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    data, (exchange,) = observation.data, observation.exchanges
    assert data.extra["title"] == "annual-report.pdf"
    assert data.extra["content_type"] == "application/pdf"
    assert data.extra["bytes"] == len(exchange.body)
    assert data.text == (
        f"annual-report.pdf\n\napplication/pdf, {len(exchange.body):,} bytes, "
        f"SHA-256 {data.extra['sha256']}"
    )


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ('{"river": "clean-up", "vote": null}', "application/json", '{"river": "clean-up"'),
        ("Minutes of the meeting\nItem 1: the river", "text/plain", "Minutes of the meeting"),
        ("Caf\xe9 ouvert".encode("latin-1"), "text/plain; charset=ISO-8859-1", "Café ouvert"),
    ],
    ids=["json", "text", "latin-1 text"],
)
async def test_text_and_json_files_read_as_their_own_text(
    world: World, settings: Settings, body: str | bytes, content_type: str, expected: str
) -> None:
    url = world.add_article("/files/data", body, content_type)
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    assert observation.data.text.startswith(expected)
    assert observation.data.extra["content_type"] == content_type


async def test_a_body_labelled_json_that_is_not_is_a_failure(
    world: World, settings: Settings
) -> None:
    url = world.add_article("/files/broken.json", '{"cut": "sho', "application/json")
    observation = await observe(settings, url)
    assert isinstance(observation, Failed), observation
    assert observation.kind is FailureKind.UPSTREAM
    assert "not JSON" in observation.detail


async def test_a_page_in_a_legacy_charset_and_json_ld_graph(
    world: World, settings: Settings
) -> None:
    """The charset a page declares is honoured; JSON-LD in an ``@graph`` names the author and
    the dates; a relative ``og:image`` is made absolute."""
    html = (
        '<html lang="fr"><head><meta charset="windows-1252"><title>Le caf\xe9 | Journal</title>'
        '<meta property="og:image" content="/img/cafe.jpg">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Journal"},'
        '{"@type": ["NewsArticle"], "headline": "Le caf\xe9 rouvre",'
        ' "datePublished": "2024-03-02T08:00:00+01:00", "dateModified": "2024-03-03T09:00:00Z",'
        ' "author": [{"@type": "Person", "name": "Ana"}, {"@type": "Person", "name": "Ben"}]}'
        "]}</script></head><body><article><h1>Le caf\xe9 rouvre</h1>"
        + "<p>Le caf\xe9 de la place rouvre ses portes apr\xe8s des mois de travaux.</p>" * 6
        + "</article></body></html>"
    ).encode("cp1252")
    url = world.add_article("/fr/cafe", html, "text/html")
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    data = observation.data
    assert data.text.startswith("Le café rouvre\n\nLe café de la place rouvre ses portes après")
    assert data.author is not None and data.author.name == "Ana, Ben"
    assert data.posted_at == datetime(2024, 3, 2, 7, 0, tzinfo=UTC)
    assert data.edited_at == datetime(2024, 3, 3, 9, 0, tzinfo=UTC)
    assert data.lang == "fr"
    assert [m.url for m in data.media] == [f"{NEWS_ORIGIN}/img/cafe.jpg"]


async def test_an_oembed_link_to_a_private_address_is_refused_and_the_page_kept(
    world: World, settings: Settings
) -> None:
    """A hostile page's discovery link never makes Archiver reach inside the network: the gate
    refuses it, the page is still captured, and nothing was sent there."""
    html = (
        "<html><head><title>Hostile</title>"
        '<link rel="alternate" type="application/json+oembed" '
        'href="http://169.254.169.254/latest/meta-data/?format=json"></head>'
        "<body><p>Nothing to see.</p></body></html>"
    )
    url = world.add_article("/hostile", html)
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    assert "169.254.169.254" in observation.data.extra["oembed_error"]
    assert "refused" in observation.data.extra["oembed_error"]
    assert [e.url for e in observation.exchanges] == [url]


def test_the_screenshot_target_is_the_page_itself(world: World) -> None:
    url = article(world)
    ref = match_url(url)
    assert ref is not None
    target = WebAdapter().screenshot_target(ref, None)  # type: ignore[arg-type]
    assert (target.url, target.selector) == (url, "body")


def test_the_publication_serves_pages_oembed_and_a_front_page(
    world: World, server: EmulatorServer, client: httpx.Client
) -> None:
    """The emulated site as a reader's browser and an oEmbed consumer see it."""
    url = article(world)
    page = fetch(client, server, url)
    assert page.status_code == 200
    assert 'type="application/json+oembed"' in page.text
    assert '"@type": "NewsArticle"' in page.text
    assert url in fetch(client, server, f"{SITE}/").text
    assert fetch(client, server, f"{EMBED}/oembed?url={url}&format=xml").status_code == 501
    world.delete_post("web", slug(url))
    assert fetch(client, server, f"{EMBED}/oembed?url={url}").status_code == 404
    assert url not in fetch(client, server, f"{SITE}/").text
