"""Observing Telegram public channel messages from the platform emulator's post widget, over
real sockets and through the real outbound gate: the text a reader sees, the channel, time,
photos and video that download, the edited mark, "Post not found", and the pages that must
never read as gone."""

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
from archiver.platforms.telegram import TelegramAdapter
from tests.emulator_fixtures import failure, observe

CHANNEL = "citydesklive"
TEXT = (
    "Flood update & <road closures>: https://www.example.org/floods?street=all\n"
    "Thanks @citydeskeditor #floods"
)


async def test_a_message_reads_as_its_readers_see_it(settings: Settings, world: World) -> None:
    """A message gives its plain text (links whole, line breaks kept), channel, title and
    time, read from the widget page."""
    made = world.add_post(
        "telegram", CHANNEL, TEXT, name="City Desk Live", created_at="2024-05-01T12:00:00Z"
    )
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live), observation
    data = observation.data
    assert data.text == TEXT
    assert data.post_id == made.id
    assert data.url == f"https://t.me/{CHANNEL}/{made.id}"
    assert data.author is not None
    assert (data.author.handle, data.author.name, data.author.url) == (
        CHANNEL,
        "City Desk Live",
        f"https://t.me/{CHANNEL}",
    )
    assert data.posted_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert "edited" not in data.extra
    assert observation.source_url == f"https://t.me/{CHANNEL}/{made.id}?embed=1&mode=tme"


async def test_photos_and_video_are_named_and_download(settings: Settings, world: World) -> None:
    """A photo (from its background image) and a video (its <video src>, with its poster)
    are named in page order, and each downloads through the gate."""
    made = world.add_post(
        "telegram", CHANNEL, "Pictures", media=[{"type": "photo"}, {"type": "video"}]
    )
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live)
    photo, video = observation.data.media
    assert photo.type is MediaType.PHOTO
    assert photo.url.startswith("https://cdn4.telesco.pe/file/")
    assert video.type is MediaType.VIDEO
    assert video.preview_url is not None
    async with Egress(settings, timeout=5) as gate:
        for media, kind in ((photo, "image/jpeg"), (video, "video/mp4")):
            exchange = await gate.get(media.url)
            assert exchange.status == 200
            assert exchange.header("content-type") == kind


async def test_an_edited_message_is_marked_edited(settings: Settings, world: World) -> None:
    """An edited message reads with its new text and the widget's edited mark."""
    made = world.add_post("telegram", CHANNEL, "The vote is on Tusday")
    world.edit_post("telegram", made.id, "The vote is on Tuesday")
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live)
    assert observation.data.text == "The vote is on Tuesday"
    assert observation.data.extra["edited"] is True


@pytest.mark.parametrize("form", ["https://t.me/s/{c}/{id}", "https://telegram.me/{c}/{id}"])
async def test_other_url_forms_read_the_same_message(
    settings: Settings, world: World, form: str
) -> None:
    """The channel preview and telegram.me forms read the same message."""
    made = world.add_post("telegram", CHANNEL, "Same message")
    observation = await observe(settings, form.format(c=CHANNEL.upper(), id=made.id))
    assert isinstance(observation, Live), observation
    assert observation.data.text == "Same message"


async def test_a_deleted_message_is_post_not_found(settings: Settings, world: World) -> None:
    """The widget's "Post not found" (HTTP 200) means deleted."""
    made = world.add_post("telegram", CHANNEL, "Soon gone")
    world.delete_post("telegram", made.id)
    observation = await observe(settings, made.url)
    assert isinstance(observation, Gone), observation
    assert observation.reason is PostStatus.DELETED
    assert "Post not found" in observation.evidence
    assert observation.exchanges[0].status == 200


async def test_a_message_asked_under_another_channel_is_not_found(
    settings: Settings, world: World
) -> None:
    """A message id is a channel's own: asked under another channel it is not found."""
    made = world.add_post("telegram", CHANNEL, "Mine")
    observation = await observe(settings, f"https://t.me/someotherchannel/{made.id}")
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED


@pytest.mark.parametrize(
    ("mode", "options", "kind"),
    [
        ("login_wall", {}, FailureKind.UPSTREAM),
        ("non_json", {}, FailureKind.UPSTREAM),
        ("truncated", {}, FailureKind.UPSTREAM),
        ("wrong_type", {}, FailureKind.UPSTREAM),
        ("download", {}, FailureKind.UPSTREAM),
        ("error", {"status": 404}, FailureKind.UPSTREAM),
        ("error", {"status": 502}, FailureKind.UPSTREAM),
        ("rate_limit", {}, FailureKind.RATE_LIMITED),
    ],
)
async def test_pages_without_the_widget_are_failures_never_gone(
    settings: Settings, world: World, mode: str, options: dict[str, int], kind: FailureKind
) -> None:
    """A page with neither the message nor an error, one cut short or mislabelled, an HTML
    error page or a 429 tells nothing."""
    made = world.add_post("telegram", CHANNEL, "Still here")
    world.add_failure(mode, platform="telegram", post_id=made.id, **options)
    await failure(settings, made.url, kind, waits=kind is FailureKind.RATE_LIMITED)


async def test_the_screenshot_target_is_the_widget_with_the_message(
    settings: Settings, world: World
) -> None:
    """The screenshot target is the post widget, which holds the message element."""
    made = world.add_post("telegram", CHANNEL, "Shoot me")
    observation = await observe(settings, made.url)
    assert isinstance(observation, Live)
    ref = match_url(made.url)
    assert ref is not None
    target = TelegramAdapter().screenshot_target(ref, observation.data)
    assert target.url == f"https://t.me/{CHANNEL}/{made.id}?embed=1&mode=tme"
    assert target.selector.startswith(".tgme_widget_message")
    async with Egress(settings, timeout=5) as gate:
        page = await gate.get(target.url)
    assert b'class="tgme_widget_message ' in page.body
