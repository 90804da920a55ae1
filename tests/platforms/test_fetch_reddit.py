"""Observing Reddit submissions from the platform emulator, over real sockets and through the
real outbound gate: the text a reader sees, the Markdown kept, times, media that download,
crossposts, each "gone" signal with its evidence, and the answers that must never read as
gone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.config import Settings
from archiver.domain import (
    FailureKind,
    Gone,
    Live,
    MediaType,
    PostStatus,
)
from archiver.egress import Egress
from archiver.emulator import World
from archiver.platforms import match_url
from archiver.platforms.reddit import RedditAdapter
from tests.emulator_fixtures import failure, observe

AUTHOR = "citydeskeditor"
BODY = "It was <finally> found & restored.\n\nRead it: https://www.example.org/pilot"
TEXT = f'Tom & Jerry\'s "lost" pilot is online\n\n{BODY}'
POSTED = "2024-05-01T18:30:00Z"


async def live(settings: Settings, url: str) -> Live:
    observation = await observe(settings, url)
    assert isinstance(observation, Live), observation
    return observation


async def test_a_self_post_reads_as_title_and_rendered_body(
    settings: Settings, world: World
) -> None:
    """A self post is its title, a blank line and the body as rendered, with the Markdown,
    subreddit, author, time and counts kept."""
    made = world.add_post(
        "reddit", AUTHOR, TEXT, community="localnews", created_at=POSTED, likes=12, replies=3
    )
    observation = await live(settings, made.url)
    data = observation.data
    assert data.text == TEXT
    assert data.post_id == made.id
    assert data.url == made.url
    assert data.author is not None
    assert data.author.handle == AUTHOR
    assert data.author.id is not None and data.author.id.startswith("t2_")
    assert data.author.url == f"https://www.reddit.com/user/{AUTHOR}/"
    assert data.posted_at == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
    assert data.edited_at is None
    assert data.metrics == {"score": 12, "replies": 3, "reposts": 0}
    assert data.extra["selftext"] == BODY
    assert data.extra["subreddit"] == "localnews"
    assert data.media == ()
    assert observation.source_url == (
        f"https://www.reddit.com/comments/{made.id}/.json?raw_json=1&limit=1"
    )


async def test_the_request_carries_the_anonymous_readers_cookies(
    settings: Settings, world: World
) -> None:
    """The listing is asked with raw_json and the over-18 and gated opt-in cookies."""
    made = world.add_post("reddit", AUTHOR, "Cookies")
    await live(settings, made.url)
    [asked] = world.requests("https://www.reddit.com")
    assert asked.path == f"/comments/{made.id}/.json?raw_json=1&limit=1"
    assert "over18=1" in asked.headers["cookie"]
    assert "pref_gated_sr_optin" in asked.headers["cookie"].replace("%22", '"')


async def test_an_edit_gives_its_time_and_the_new_text(settings: Settings, world: World) -> None:
    """An edited submission reads with its new body and the time of the edit."""
    made = world.add_post("reddit", AUTHOR, "Vote moved\n\nThe vote is on Tusday")
    world.edit_post("reddit", made.id, "Vote moved\n\nThe vote is on Tuesday")
    data = (await live(settings, made.url)).data
    assert data.text == "Vote moved\n\nThe vote is on Tuesday"
    assert data.edited_at is not None
    assert data.extra["edited"] is not False


async def test_photo_gallery_and_video_media_download_through_the_gate(
    settings: Settings, world: World
) -> None:
    """An image post's picture, a gallery's pictures and a hosted video's MP4 are named, and
    each downloads through the gate with its own type."""
    photo = world.add_post("reddit", AUTHOR, "Photo", media=[{"type": "photo"}])
    gallery = world.add_post("reddit", AUTHOR, "Two", media=[{"type": "photo"}] * 2)
    video = world.add_post("reddit", AUTHOR, "Clip", media=[{"type": "video"}])
    read = {made.id: (await live(settings, made.url)).data for made in (photo, gallery, video)}
    [picture] = read[photo.id].media
    assert picture.type is MediaType.PHOTO
    assert picture.url.startswith("https://i.redd.it/")
    assert picture.preview_url is not None
    assert picture.preview_url.startswith("https://preview.redd.it/")
    assert [m.type for m in read[gallery.id].media] == [MediaType.PHOTO, MediaType.PHOTO]
    [clip] = read[video.id].media
    assert clip.type is MediaType.VIDEO
    assert clip.url.startswith("https://v.redd.it/") and "DASH_" in clip.url
    async with Egress(settings, timeout=5) as gate:
        for media, kind in ((picture, "image/jpeg"), (clip, "video/mp4")):
            exchange = await gate.get(media.url)
            assert exchange.status == 200
            assert exchange.header("content-type") == kind


async def test_a_crosspost_names_the_submission_it_shares(settings: Settings, world: World) -> None:
    """A crosspost names the shared submission, its author and its text."""
    shared = world.add_post("reddit", "reporter", "The bridge reopens on Monday")
    made = world.add_post("reddit", AUTHOR, "Good news", quoted_id=shared.id)
    quoted = (await live(settings, made.url)).data.quoted_post
    assert quoted is not None
    assert (quoted.id, quoted.author_handle, quoted.text) == (
        shared.id,
        "reporter",
        "The bridge reopens on Monday",
    )
    assert quoted.url == shared.url


@pytest.mark.parametrize(
    ("variant", "reason", "words"),
    [
        ("removed_moderator", PostStatus.WITHHELD, "moderator"),
        ("removed_reddit", PostStatus.WITHHELD, "“reddit”"),
        ("removed_copyright", PostStatus.WITHHELD, "copyright_takedown"),
        ("private_sub", PostStatus.PROTECTED, "private"),
        ("quarantined", PostStatus.WITHHELD, "quarantined"),
        ("banned_sub", PostStatus.WITHHELD, "banned"),
    ],
)
async def test_each_removal_and_closed_subreddit_is_gone_for_its_reason(
    settings: Settings, world: World, variant: str, reason: PostStatus, words: str
) -> None:
    """Removals and closed subreddits are gone for their reason, named in the evidence."""
    made = world.add_post("reddit", AUTHOR, "Soon hidden")
    world.set_variant("reddit", made.id, variant)
    observation = await observe(settings, made.url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is reason
    assert words in observation.evidence
    assert observation.exchanges


async def test_a_post_its_author_deleted_is_deleted(settings: Settings, world: World) -> None:
    """A submission its author deleted is deleted, the category named."""
    made = world.add_post("reddit", AUTHOR, "Regret\n\nSoon gone")
    world.delete_post("reddit", made.id)
    observation = await observe(settings, made.url)
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED
    assert "“deleted”" in observation.evidence


async def test_an_id_reddit_does_not_know_is_deleted(settings: Settings, world: World) -> None:
    """Reddit's plain JSON 404 means no submission has the id: deleted."""
    observation = await observe(settings, "https://redd.it/zzzzzzz")
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED
    assert observation.exchanges[0].status == 404


async def test_a_deleted_account_leaves_the_post_live(settings: Settings, world: World) -> None:
    """When only the author's account is deleted the post is still readable: live."""
    made = world.add_post("reddit", AUTHOR, "Still here\n\nEvery word")
    world.set_account_state("reddit", AUTHOR, "deactivated")
    data = (await live(settings, made.url)).data
    assert data.text == "Still here\n\nEvery word"
    assert data.author is None
    assert data.extra["author_deleted"] is True


@pytest.mark.parametrize(
    ("mode", "options", "kind"),
    [
        ("login_wall", {}, FailureKind.UPSTREAM),
        ("non_json", {}, FailureKind.UPSTREAM),
        ("error", {"status": 403}, FailureKind.UPSTREAM),
        ("error", {"status": 404}, FailureKind.UPSTREAM),
        ("rate_limit", {}, FailureKind.RATE_LIMITED),
        ("error", {"status": 503}, FailureKind.UPSTREAM),
    ],
)
async def test_blocks_walls_and_limits_are_failures_never_gone(
    settings: Settings, world: World, mode: str, options: dict[str, int], kind: FailureKind
) -> None:
    """An HTML block or login wall, an HTML 403/404, a 429 or a 503 tells nothing."""
    made = world.add_post("reddit", AUTHOR, "Still here")
    world.add_failure(mode, platform="reddit", post_id=made.id, **options)
    await failure(settings, made.url, kind, waits=kind is FailureKind.RATE_LIMITED)


async def test_the_screenshot_target_is_the_embed_page_the_emulator_serves(
    settings: Settings, world: World
) -> None:
    """The screenshot target is the submission's embed page, which shows the post."""
    made = world.add_post("reddit", AUTHOR, TEXT, community="localnews")
    observation = await live(settings, made.url)
    ref = match_url(made.url)
    assert ref is not None
    target = RedditAdapter().screenshot_target(ref, observation.data)
    assert target.url == (f"https://embed.reddit.com/r/localnews/comments/{made.id}/?embed=true")
    async with Egress(settings, timeout=5) as gate:
        page = await gate.get(target.url)
    assert page.status == 200
    assert b"<article" in page.body
    assert b"&lt;finally&gt;" in page.body
