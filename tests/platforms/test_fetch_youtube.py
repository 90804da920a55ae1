"""Observing YouTube videos served by the platform emulator, through the real outbound gate:
title and description from oEmbed and the watch page's player response, the upload date and
channel, the thumbnail, each state the player and oEmbed report, and the failures that must
never read as gone."""

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
    PostData,
    PostStatus,
)
from archiver.egress import Egress
from archiver.emulator import EmulatorServer, World
from archiver.platforms import match_url
from archiver.platforms.html_page import read_page
from archiver.platforms.youtube import YouTubeAdapter, oembed_url
from archiver.platforms.youtube_parse import player_response
from tests.emulator_fixtures import control, failure, fetch, observe
from tests.platforms.recorded import Answer, RecordedFetcher, clock, json_answer

WEB = "https://www.youtube.com"
TEXT = 'Flood briefing </script> & "update"\n\nLine one of the description.\nLine two.'


async def test_a_live_video_is_read_in_full(world: World, settings: Settings) -> None:
    """Title and description, channel, upload date and thumbnail; the page is the raw source."""
    made = world.add_post(
        "youtube", "citydeskvideo", TEXT, name="City Desk Video",
        created_at="2024-05-02T18:30:00Z",
    )  # fmt: skip
    observation = await observe(settings, f"https://youtu.be/{made.id}")
    assert isinstance(observation, Live), observation
    data = observation.data
    assert data.text == TEXT
    assert (data.post_id, data.url) == (made.id, f"{WEB}/watch?v={made.id}")
    assert data.author is not None
    assert (data.author.id, data.author.handle, data.author.name) == (
        made.account_id, "citydeskvideo", "City Desk Video",
    )  # fmt: skip
    assert data.posted_at == datetime(2024, 5, 2, 18, 30, tzinfo=UTC)
    (thumb,) = data.media
    assert (thumb.type, thumb.width, thumb.height) == (MediaType.PHOTO, 1280, 720)
    assert [e.url for e in observation.exchanges] == [data.url, oembed_url(made.id)]
    assert observation.source_url == data.url
    async with Egress(settings, timeout=10) as gate:
        picture = await gate.get(thumb.url)
    assert (picture.status, picture.content_type) == (200, "image/jpeg")


async def test_a_title_only_video_has_no_blank_line(world: World, settings: Settings) -> None:
    """A video without a description is its title alone."""
    made = world.add_post("youtube", "citydeskvideo", "Just a title")
    observation = await observe(settings, f"{WEB}/shorts/{made.id}")
    assert isinstance(observation, Live)
    assert observation.data.text == "Just a title"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda w, vid: w.delete_post("youtube", vid), PostStatus.DELETED),
        (lambda w, vid: w.set_variant("youtube", vid, "terminated"), PostStatus.SUSPENDED),
        (lambda w, _: w.suspend("youtube", "citydeskvideo"), PostStatus.SUSPENDED),
        (lambda w, vid: w.set_variant("youtube", vid, "removed"), PostStatus.SUSPENDED),
        (lambda w, vid: w.set_variant("youtube", vid, "private"), PostStatus.PROTECTED),
        (lambda w, _: w.protect("youtube", "citydeskvideo"), PostStatus.PROTECTED),
        (lambda w, vid: w.set_variant("youtube", vid, "geo_blocked"), PostStatus.WITHHELD),
        (lambda w, vid: w.set_variant("youtube", vid, "copyright_blocked"), PostStatus.WITHHELD),
        (lambda w, _: w.takedown("youtube", "citydeskvideo"), PostStatus.SUSPENDED),
    ],
    ids=[
        "deleted", "terminated", "account-suspended", "removed-tos", "private",
        "account-private", "geo-blocked", "copyright-blocked", "account-taken-down",
    ],
)  # fmt: skip
async def test_each_state_youtube_reports_is_its_gone_reason(
    world: World, settings: Settings, change: object, reason: PostStatus
) -> None:
    """The player's status and reason, with oEmbed's answer, give the right reason."""
    made = world.add_post("youtube", "citydeskvideo", TEXT)
    change(world, made.id)  # type: ignore[operator]
    observation = await observe(settings, made.url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is reason, observation.evidence
    assert "YouTube's player answers" in observation.evidence


async def test_embedding_disabled_is_live_and_says_so(world: World, settings: Settings) -> None:
    """oEmbed's 401 for a playable video means embedding is off, not that it is gone."""
    made = world.add_post("youtube", "citydeskvideo", TEXT)
    world.set_variant("youtube", made.id, "embedding_disabled")
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live), observation
    assert observation.data.text == TEXT
    assert observation.data.extra["embeddable"] is False
    assert observation.exchanges[1].status == 401


@pytest.mark.parametrize(
    ("mode", "options", "kind"),
    [
        ("rate_limit", {}, FailureKind.RATE_LIMITED),
        ("error", {"status": 503}, FailureKind.UPSTREAM),
        ("error", {"status": 404}, FailureKind.UPSTREAM),
        ("login_wall", {}, FailureKind.UPSTREAM),
        ("auth_required", {}, FailureKind.AUTH_REQUIRED),
        ("truncated", {}, FailureKind.UPSTREAM),
        ("wrong_type", {}, FailureKind.UPSTREAM),
        ("hang", {"seconds": 3}, FailureKind.TIMEOUT),
    ],
    ids=["429", "503", "html-404", "consent-wall", "bot-check", "truncated", "wrong-type", "hang"],
)
async def test_a_deleted_video_behind_a_failure_is_never_gone(
    world: World, settings: Settings, mode: str, options: dict[str, int], kind: FailureKind
) -> None:
    """A deleted video whose watch page and oEmbed fail reads as that failure, not gone."""
    made = world.add_post("youtube", "citydeskvideo", TEXT)
    world.delete_post("youtube", made.id)
    world.add_failure(mode, platform="youtube", post_id=made.id, **options)
    await failure(settings, made.url, kind, timeout=1.0)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (Answer(503, b"Service Unavailable"), FailureKind.UPSTREAM),
        (Answer(429, b"", (("Retry-After", "60"),)), FailureKind.RATE_LIMITED),
        (json_answer({"type": "video", "title": "Still here"}), FailureKind.UPSTREAM),
    ],
    ids=["oembed-503", "oembed-429", "oembed-still-embeds"],
)
async def test_the_players_error_needs_oembeds_refusal(
    server: EmulatorServer,
    world: World,
    client: httpx.Client,
    answer: Answer,
    kind: FailureKind,
) -> None:
    """The deleted video's real watch page (ERROR), replayed with an oEmbed that does not
    refuse it: the deletion is not concluded."""
    made = world.add_post("youtube", "citydeskvideo", TEXT)
    world.delete_post("youtube", made.id)
    page = fetch(client, server, made.url)
    routes = {
        made.url: Answer(200, page.content, (("Content-Type", page.headers["content-type"]),)),
        oembed_url(made.id): answer,
    }
    ref = match_url(made.url)
    assert ref is not None
    observation = await YouTubeAdapter(clock=clock).fetch(ref, RecordedFetcher(routes))
    assert isinstance(observation, Failed), observation
    assert observation.kind is kind, observation.detail


def test_the_watch_page_carries_metadata_and_the_player_response(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """og: tags, itemprop dates and ytInitialPlayerResponse with videoDetails and microformat."""
    made = world.add_post("youtube", "citydeskvideo", TEXT, created_at="2024-05-02T18:30:00Z")
    page = read_page(fetch(client, server, made.url).content)
    assert page.meta["og:site_name"] == "YouTube"
    assert page.meta["datepublished"] == "2024-05-02T11:30:00-07:00"
    player = player_response(page)
    assert player is not None
    assert player["playabilityStatus"]["status"] == "OK"
    details = player["videoDetails"]
    assert (details["videoId"], details["title"]) == (made.id, TEXT.split("\n\n")[0])
    assert details["shortDescription"] == TEXT.split("\n\n", 1)[1]
    assert player["microformat"]["playerMicroformatRenderer"]["uploadDate"].startswith("2024")


def test_oembed_answers_as_youtube_does(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """oEmbed: JSON for a live video, bare 401/403/404 text otherwise."""
    made = world.add_post("youtube", "citydeskvideo", TEXT)
    embed = fetch(client, server, oembed_url(made.id)).json()
    assert (embed["type"], embed["provider_name"]) == ("video", "YouTube")
    assert embed["author_url"] == f"{WEB}/@citydeskvideo"
    assert f"/embed/{made.id}?feature=oembed" in embed["html"]
    for variant, status in (("embedding_disabled", 401), ("private", 403)):
        world.set_variant("youtube", made.id, variant)
        assert fetch(client, server, oembed_url(made.id)).status_code == status
    world.delete_post("youtube", made.id)
    answer = fetch(client, server, oembed_url(made.id))
    assert (answer.status_code, answer.text) == (404, "Not Found")


def test_the_embed_page_is_the_screenshot_target(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """The screenshot target is the embed player page, which shows the title and thumbnail."""
    made = world.add_post("youtube", "citydeskvideo", "Frame <b>me</b>")
    ref = match_url(made.url)
    assert ref is not None
    data = PostData(post_id=made.id, url=made.url, text="", author=None, posted_at=None)
    target = YouTubeAdapter().screenshot_target(ref, data)
    assert target.url == f"{WEB}/embed/{made.id}"
    answer = fetch(client, server, target.url)
    assert answer.status_code == 200
    assert 'id="player"' in answer.text
    assert "Frame &lt;b&gt;me&lt;/b&gt;" in answer.text


@pytest.mark.parametrize(
    ("platform", "handle", "variant"),
    [("threads", "citydesk", "private"), ("youtube", "citydeskvideo", "geo_blocked")],
)
def test_the_control_api_drives_threads_and_youtube(
    server: EmulatorServer, world: World, client: httpx.Client, platform: str, handle: str,
    variant: str,
) -> None:  # fmt: skip
    """Posts, edits, variants, deletions and per-post failures work over the control API."""
    made = control(client, server, "POST", "/control/posts",
                   json={"platform": platform, "handle": handle, "text": "Hello"})  # fmt: skip
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]
    base = f"/control/posts/{platform}/{post_id}"
    assert control(client, server, "POST", f"{base}/edit", json={"text": "Hi"}).status_code == 200
    answer = control(client, server, "POST", f"{base}/variant", json={"variant": variant})
    assert answer.status_code == 200
    bad = control(client, server, "POST", f"{base}/variant", json={"variant": "nonsense"})
    assert bad.status_code == 400
    failure = control(client, server, "POST", f"{base}/failure", json={"mode": "rate_limit"})
    assert failure.status_code == 201
    assert fetch(client, server, made.json()["url"]).status_code == 429
    assert control(client, server, "POST", f"{base}/delete").json()["first_id"] == post_id
