"""End to end for Threads and YouTube: ``archiver serve`` (a real process) captures a post of
each from the platform emulator through the outbound gate, downloads its media, keeps the
page it read as the raw evidence, and screenshots the platform's embed page in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import ServiceClient, serving, until
from tests.test_end_to_end import sha256, wait_for, wait_for_screenshot

pytestmark = pytest.mark.slow

THREADS_TEXT = 'Zoning board says "no" </script> & again.\n\nMinutes are out.'
YOUTUBE_TEXT = "Council meeting, 2 May 2024\n\nFull recording & agenda."


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def test_a_threads_post_and_a_youtube_video_are_captured_with_screenshots(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """Each becomes live with the exact text, its media and a screenshot of its embed page."""
    world = emulator.world
    thread = world.add_post(
        "threads", "citydesk", THREADS_TEXT, name="City Desk",
        media=[{"type": "photo", "alt": "The hall", "width": 1200, "height": 900}],
    )  # fmt: skip
    video = world.add_post("youtube", "citydeskvideo", YOUTUBE_TEXT, name="City Desk Video")
    expected = {
        thread.url: (THREADS_TEXT, "citydesk", thread.url, f"{thread.url}/embed"),
        f"https://youtu.be/{video.id}": (
            YOUTUBE_TEXT,
            "citydeskvideo",
            video.url,
            f"https://www.youtube.com/embed/{video.id}",
        ),
    }
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        submitted = {url: client.submit(url) for url in expected}
        for url, post_id in submitted.items():
            text, handle, raw_url, page_url = expected[url]
            post = wait_for(client, post_id, "live")
            assert post["author"]["handle"] == handle
            snapshot = client.get(post["latest_snapshot"]["url"]).json()
            assert snapshot["text"] == text
            assert snapshot["raw"]["source_url"] == raw_url
            raw = client.get(snapshot["raw"]["url"])
            assert sha256(raw.content) == snapshot["raw"]["sha256"]
            assert len(snapshot["media"]) == 1
            media = snapshot["media"][0]
            assert media["sha256"] == sha256(client.get(media["download_url"]).content)
            shot = wait_for_screenshot(client, snapshot["id"])
            checks = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]
            assert shot["source"] == "platform", checks[0]["screenshot_error"]
            assert shot["page_url"] == page_url
            png = client.get(shot["url"]).content
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
            assert sha256(png) == shot["sha256"]
            assert shot["width"] > 100 and 50 < shot["height"] <= 8000


def test_a_deleted_threads_post_and_a_private_video_are_suspected(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """Gone answers are suspicions first: deleted for Threads, protected for YouTube."""
    world = emulator.world
    thread = world.add_post("threads", "citydesk", "soon gone")
    world.delete_post("threads", thread.id)
    video = world.add_post("youtube", "citydeskvideo", "soon private")
    world.set_variant("youtube", video.id, "private")
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        for url, reason in ((thread.url, "deleted"), (video.url, "protected")):
            post_id = client.submit(url)
            post = wait_for_suspicion(client, post_id)
            assert (post["status"], post["suspected_status"]) == ("pending", reason)


def wait_for_suspicion(client: ServiceClient, post_id: str) -> dict[str, Any]:
    """Poll a post until a status is suspected."""
    post: dict[str, Any] = until(
        "a suspected status",
        lambda: (
            (found := client.get(f"/api/v1/posts/{post_id}").json())["suspected_status"] and found
        ),
        seconds=60,
    )
    return post
