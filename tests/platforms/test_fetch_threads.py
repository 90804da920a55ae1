"""Observing Threads posts served by the platform emulator, through the real outbound gate: the
post page's data read in full (the right post among others, hostile text kept as text, media
downloadable), its oEmbed's answers, every gone state and the failures that must never read as
gone."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from archiver.config import Settings
from archiver.domain import (
    Failed,
    FailureKind,
    Gone,
    Live,
    MediaType,
    PostData,
    PostStatus,
)
from archiver.egress import Egress
from archiver.emulator import EmulatorServer, World
from archiver.platforms import match_url
from archiver.platforms.html_page import read_page
from archiver.platforms.threads import ThreadsAdapter, oembed_url
from archiver.platforms.threads_parse import find_post
from tests.emulator_fixtures import failure, fetch, observe

GRAPH = "https://graph.threads.net"
WEB = "https://www.threads.com"
HOSTILE = 'Not "markup" </script><script>alert(1)</script> & <img src=x onerror=alert(2)>'


async def test_a_live_post_is_read_in_full(world: World, settings: Settings) -> None:
    """Text, author, time, counts and every carousel item come from the post page's data."""
    made = world.add_post(
        "threads", "citydesk", HOSTILE, name="City Desk",
        media=[{"type": "photo", "alt": "The hall", "width": 1440, "height": 1080},
               {"type": "video", "width": 720, "height": 1280}],
        created_at="2025-03-18T13:48:37Z", likes=120, replies=4, reposts=2, quotes=1,
    )  # fmt: skip
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live), observation
    data = observation.data
    assert data.text == HOSTILE
    assert data.post_id == made.id
    assert data.url == f"{WEB}/@citydesk/post/{made.id}"
    assert data.author is not None
    assert (data.author.handle, data.author.name) == ("citydesk", "City Desk")
    assert data.author.id == made.account_id
    assert data.posted_at == datetime(2025, 3, 18, 13, 48, 37, tzinfo=UTC)
    assert data.metrics == {"likes": 120, "replies": 4, "reposts": 2, "quotes": 1, "shares": 0}
    photo, video = data.media
    assert (photo.type, photo.alt, photo.width, photo.height) == (
        MediaType.PHOTO, "The hall", 1440, 1080,
    )  # fmt: skip
    assert (video.type, video.width, video.height) == (MediaType.VIDEO, 720, 1280)
    assert video.preview_url and video.preview_url.startswith("https://scontent.cdninstagram.com/")
    assert observation.source_url == data.url
    assert [e.url for e in observation.exchanges] == [data.url]  # no oEmbed call when live
    async with Egress(settings, timeout=10) as gate:
        for media in data.media:
            answer = await gate.get(media.url)
            assert answer.status == 200
            assert answer.content_type in ("image/jpeg", "video/mp4")


async def test_the_short_link_and_the_old_host_lead_to_the_same_post(
    world: World, settings: Settings
) -> None:
    """``threads.net/t/{code}`` is read at ``www.threads.com``, whose ``/t/`` redirects to
    the author's URL; the hop is kept."""
    made = world.add_post("threads", "citydesk", "Short and old")
    observation = await observe(settings, f"https://threads.net/t/{made.id}")
    assert isinstance(observation, Live), observation
    assert observation.data.text == "Short and old"
    (page,) = observation.exchanges
    assert [(hop.url, hop.status) for hop in page.redirects] == [
        (f"https://www.threads.com/t/{made.id}", 302),
    ]
    assert page.url == f"{WEB}/@citydesk/post/{made.id}"


async def test_an_edit_is_read_as_the_new_text(world: World, settings: Settings) -> None:
    """After an edit the page carries the new text, under the same shortcode."""
    made = world.add_post("threads", "citydesk", "Tusday")
    world.edit_post("threads", made.id, "Tuesday")
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live)
    assert (observation.data.text, observation.data.post_id) == ("Tuesday", made.id)


@pytest.mark.parametrize(
    "change",
    [
        lambda world, code: world.delete_post("threads", code),
        lambda world, code: world.set_variant("threads", code, "private"),
        lambda world, _: world.protect("threads", "citydesk"),
        lambda world, _: world.suspend("threads", "citydesk"),
    ],
    ids=["deleted", "private-post", "private-account", "suspended-account"],
)
async def test_a_post_threads_will_not_show_is_deleted(
    world: World, settings: Settings, change: object
) -> None:
    """No post on the page and oEmbed's error 100: deleted, saying it may be private."""
    made = world.add_post("threads", "citydesk", "Soon gone")
    change(world, made.id)  # type: ignore[operator]
    observation = await observe(settings, made.url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is PostStatus.DELETED
    assert "deleted, or the account is private" in observation.evidence
    assert [e.url for e in observation.exchanges] == [made.url, oembed_url(made.id)]
    assert observation.exchanges[1].status == 400


@pytest.mark.parametrize(
    ("origin", "mode", "options", "kind"),
    [
        (WEB, "rate_limit", {}, FailureKind.RATE_LIMITED),
        (WEB, "error", {"status": 503}, FailureKind.UPSTREAM),
        (WEB, "error", {"status": 404}, FailureKind.UPSTREAM),
        (WEB, "login_wall", {}, FailureKind.UPSTREAM),
        (WEB, "non_json", {}, FailureKind.UPSTREAM),
        (WEB, "wrong_type", {}, FailureKind.UPSTREAM),
        (WEB, "auth_required", {}, FailureKind.AUTH_REQUIRED),
        (GRAPH, "rate_limit", {}, FailureKind.RATE_LIMITED),
        (GRAPH, "error", {"status": 500}, FailureKind.UPSTREAM),
        (GRAPH, "error", {"status": 429}, FailureKind.RATE_LIMITED),
        (GRAPH, "non_json", {}, FailureKind.UPSTREAM),
        (GRAPH, "auth_required", {}, FailureKind.AUTH_REQUIRED),
        (GRAPH, "hang", {"seconds": 3}, FailureKind.TIMEOUT),
    ],
    ids=lambda value: value.removeprefix("https://") if isinstance(value, str) else None,
)
async def test_a_deleted_post_behind_a_failure_is_never_gone(
    world: World,
    settings: Settings,
    origin: str,
    mode: str,
    options: dict[str, int],
    kind: FailureKind,
) -> None:
    """Whichever of page and oEmbed fails, a deleted post reads as that failure, not gone."""
    made = world.add_post("threads", "citydesk", "Gone, but who can tell")
    world.delete_post("threads", made.id)
    world.add_failure(mode, origin=origin, **options)
    await failure(settings, made.url, kind, timeout=1.0)


async def test_a_page_without_data_while_oembed_embeds_is_a_failure(
    world: World, settings: Settings
) -> None:
    """When the page lost the post's data but oEmbed still embeds it, nothing is concluded."""
    made = world.add_post("threads", "citydesk", "Still here")
    world.set_variant("threads", made.id, "no_page_data")
    observation = await observe(settings, made.url)
    assert isinstance(observation, Failed), observation
    assert observation.kind is FailureKind.UPSTREAM
    assert "oEmbed still embeds it" in observation.detail


def test_the_page_carries_og_tags_and_the_post_among_others(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """The page has Threads' ``og:`` tags and ``data-sjs`` JSON with the reply and its parent."""
    parent = world.add_post("threads", "mayor", "The budget passed")
    reply = world.add_post("threads", "citydesk", "By one vote", reply_to_id=parent.id)
    answer = fetch(client, server, reply.url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    page = read_page(answer.content)
    assert page.meta["og:site_name"] == "Threads"
    assert page.meta["og:description"] == "By one vote"
    assert page.meta["og:url"] == reply.url
    node = find_post(page, reply.id)
    assert node is not None
    assert node["caption"]["text"] == "By one vote"
    assert isinstance(node["taken_at"], int)
    found = find_post(page, parent.id)
    assert found is not None and found["user"]["username"] == "mayor"


def test_oembed_answers_the_embed_or_the_graph_error(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """oEmbed: a ``rich`` embed of the blockquote markup, or 400 with OAuthException 100."""
    made = world.add_post("threads", "citydesk", "Embed me")
    answer = fetch(client, server, oembed_url(made.id))
    assert answer.status_code == 200
    embed = answer.json()
    assert (embed["type"], embed["provider_name"], embed["width"]) == ("rich", "Threads", 658)
    assert f'data-text-post-permalink="{made.url}"' in embed["html"]
    assert "View on Threads" in embed["html"]
    world.delete_post("threads", made.id)
    refused = fetch(client, server, oembed_url(made.id))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("OAuthException", 100)
    missing = fetch(client, server, f"{GRAPH}/v1.0/oembed?url={quote(WEB, safe='')}")
    assert missing.status_code == 400


def test_the_embed_page_shows_the_post_for_screenshots(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """The screenshot target is the post's ``/embed`` page, an ``<article>`` of the post."""
    made = world.add_post("threads", "citydesk", "Frame me <b>now</b>")
    ref = match_url(made.url)
    assert ref is not None
    data = PostData(post_id=made.id, url=made.url, text="", author=None, posted_at=None)
    target = ThreadsAdapter().screenshot_target(ref, data)
    assert target.url == f"{made.url}/embed"
    answer = fetch(client, server, target.url)
    assert answer.status_code == 200
    assert "<article" in answer.text
    assert "Frame me &lt;b&gt;now&lt;/b&gt;" in answer.text


def test_the_page_data_is_script_safe(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Text with ``</script>`` cannot end the data script early: it is escaped as ``<\\/``."""
    made = world.add_post("threads", "citydesk", HOSTILE)
    body = fetch(client, server, made.url).text
    assert "</script><script>alert(1)" not in body
    node = find_post(read_page(body.encode()), made.id)
    assert node is not None and node["caption"]["text"] == HOSTILE
