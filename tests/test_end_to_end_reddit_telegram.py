"""End to end for Reddit and Telegram: ``archiver serve`` (a real process) captures a submission
and a channel message from the platform emulator through the outbound gate, downloads their
media, keeps the answer it read as the raw evidence and in a WARC, and screenshots the
platform's embed page in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import serving
from tests.test_end_to_end import sha256, wait_for, wait_for_screenshot

pytestmark = pytest.mark.slow

REDDIT_TEXT = 'Bridge reopens "Monday" & not before\n\nThe council <finally> voted.'
TELEGRAM_TEXT = "Bridge update & <closures>:\nhttps://www.example.org/bridge"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def test_a_reddit_submission_and_a_telegram_message_are_captured_with_screenshots(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """Each becomes live with the exact text, its photo, a WARC naming the platform's real
    URLs, and a screenshot of its embed page taken in Chromium."""
    world = emulator.world
    submission = world.add_post(
        "reddit", "citydeskeditor", REDDIT_TEXT, community="localnews",
        media=[{"type": "photo", "width": 1200, "height": 800}],
    )  # fmt: skip
    message = world.add_post(
        "telegram", "citydesklive", TELEGRAM_TEXT, name="City Desk Live",
        media=[{"type": "photo"}],
    )  # fmt: skip
    expected = {
        f"https://old.reddit.com/r/localnews/comments/{submission.id}/": (
            REDDIT_TEXT,
            "citydeskeditor",
            f"https://embed.reddit.com/r/localnews/comments/{submission.id}/?embed=true",
        ),
        f"https://t.me/s/citydesklive/{message.id}?single": (
            TELEGRAM_TEXT,
            "citydesklive",
            f"https://t.me/citydesklive/{message.id}?embed=1&mode=tme",
        ),
    }
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        submitted = {url: client.submit(url) for url in expected}
        for url, post_id in submitted.items():
            text, handle, embed = expected[url]
            post = wait_for(client, post_id, "live")
            assert post["author"]["handle"] == handle
            snapshot = client.get(post["latest_snapshot"]["url"]).json()
            assert snapshot["text"] == text, url
            raw = client.get(snapshot["raw"]["url"])
            assert sha256(raw.content) == snapshot["raw"]["sha256"]
            warc = client.get(snapshot["warc"]["url"]).content
            responses = [r for r in ArchiveIterator(BytesIO(warc)) if r.rec_type == "response"]
            targets = {r.rec_headers.get_header("WARC-Target-URI") for r in responses}
            assert snapshot["raw"]["source_url"] in targets
            assert all("127.0.0.1" not in target for target in targets)
            [photo] = snapshot["media"]
            assert photo["url"] in targets
            assert sha256(client.get(photo["download_url"]).content) == photo["sha256"]
            checks = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]
            shot = wait_for_screenshot(client, snapshot["id"])
            assert shot["source"] == "platform", checks[0]["screenshot_error"]
            assert shot["page_url"] == embed
            png = client.get(shot["url"]).content
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
            assert sha256(png) == shot["sha256"]
            assert shot["width"] > 100 and 50 < shot["height"] <= 8000
