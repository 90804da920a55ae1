"""End to end: ``archiver serve`` (a real process) captures posts from the platform emulator
(a real HTTP server) through the outbound gate, and keeps exact, verifiable evidence."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from archiver.perceptual import phash
from tests.service import serving

pytestmark = pytest.mark.slow

X_TEXT = (
    "Tonight's vote on the river budget is postponed & the agenda is out: "
    "https://www.example.org/council/agenda/2024-05-01-river-budget.html #localgov"
)
MASTODON_TEXT = (
    'Tom & Jerry\'s "lost" pilot is <finally> online.\n\nRead it: '
    "https://www.theguardian.com/culture/2024/may/01/tom-and-jerry-lost-pilot-found-archive"
)
TRUTH_TEXT = "Governor signs the water bill. Details: https://www.example.com/news/2024/05/03/bill"
BLUESKY_TEXT = (
    "🦋🌊 Our flood map is live: https://newsroom.example.com/interactive/2024/flood-map-every-street"
    " #floods"
)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def wait_for(
    client: httpx.Client, post_id: str, status: str, seconds: float = 60
) -> dict[str, Any]:
    """Poll a post until it has ``status`` (the worker runs in the service process)."""
    deadline = time.monotonic() + seconds
    while True:
        post: dict[str, Any] = client.get(f"/api/v1/posts/{post_id}").json()
        if post["status"] == status:
            return post
        if time.monotonic() > deadline:
            checks = client.get(f"/api/v1/posts/{post_id}/checks").json()
            raise AssertionError(f"post stayed {post['status']}: {checks}")
        time.sleep(0.2)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_one_post_per_platform_is_captured_with_exact_text_and_evidence(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """A post of each platform becomes live with the exact text, and every hash verifies."""
    world = emulator.world
    x_post = world.add_post(
        "x", "councilwatch", X_TEXT, name="City Council Watch",
        media=[{"type": "photo", "alt": "The chamber", "width": 1200, "height": 800}],
        created_at="2024-05-01T18:30:00.000Z",
    )  # fmt: skip
    mastodon_post = world.add_post(
        "mastodon", "archivist", MASTODON_TEXT, name="The Archivist",
        media=[{"type": "image", "alt": "Desks", "width": 1600, "height": 1200}],
    )  # fmt: skip
    truth_post = world.add_post("truthsocial", "statenewsdesk", TRUTH_TEXT, name="State News")
    bluesky_post = world.add_post(
        "bluesky", "newsroom.example.com", BLUESKY_TEXT, name="Example Newsroom",
        media=[{"type": "image", "alt": "Flood map", "width": 1200, "height": 900}],
    )  # fmt: skip
    expected = {
        x_post.url: (X_TEXT, "councilwatch", 1),
        mastodon_post.url: (MASTODON_TEXT, "archivist", 1),
        truth_post.url: (TRUTH_TEXT, "statenewsdesk", 0),
        bluesky_post.url: (BLUESKY_TEXT, "newsroom.example.com", 1),
    }
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        submitted = {url: client.submit(url) for url in expected}
        for url, post_id in submitted.items():
            text, handle, media_count = expected[url]
            post = wait_for(client, post_id, "live")
            assert post["author"]["handle"] == handle
            assert post["first_captured_at"] is not None
            assert post["next_check_at"] > post["first_captured_at"]
            snapshot = client.get(post["latest_snapshot"]["url"]).json()
            assert snapshot["text"] == text, url
            assert "t.co/" not in snapshot["text"]
            raw = client.get(snapshot["raw"]["url"])
            assert raw.status_code == 200
            assert sha256(raw.content) == snapshot["raw"]["sha256"]
            assert raw.headers["x-content-type-options"] == "nosniff"
            warc = client.get(snapshot["warc"]["url"])
            assert sha256(warc.content) == snapshot["warc"]["sha256"]
            records = list(ArchiveIterator(BytesIO(warc.content)))
            responses = [r for r in records if r.rec_type == "response"]
            assert len([r for r in records if r.rec_type == "request"]) == len(responses)
            targets = {r.rec_headers.get_header("WARC-Target-URI") for r in responses}
            assert snapshot["raw"]["source_url"] in targets  # the real platform URL
            assert all("127.0.0.1" not in target for target in targets)
            assert {r.rec_headers.get_header("WARC-IP-Address") for r in responses} == {"127.0.0.1"}
            assert len(snapshot["media"]) == media_count
            for media in snapshot["media"]:
                body = client.get(media["download_url"]).content
                assert sha256(body) == media["sha256"]
                if media["type"] == "photo":  # what it shows, beside its bytes
                    assert media["phash"] == phash(body), media
                assert media["url"] in targets  # the media exchange is in the same WARC
            checks = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]
            assert checks[0]["outcome"] == "changed"
            assert checks[0]["snapshot_id"] == snapshot["id"]
            shot = wait_for_screenshot(client, snapshot["id"])
            assert shot["source"] == "platform", checks[0]["screenshot_error"]
            png = client.get(shot["url"])
            assert png.headers["content-type"] == "image/png", png.text
            assert png.headers["x-content-type-options"] == "nosniff"
            assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
            assert sha256(png.content) == shot["sha256"]
            assert shot["phash"] == phash(png.content)
            assert shot["width"] > 100
            assert 50 < shot["height"] <= 8000
            assert shot["browser_version"] and shot["page_url"]


def wait_for_screenshot(client: httpx.Client, snapshot_id: str) -> dict[str, Any]:
    """Poll a snapshot until its screenshot is attached (it follows the data)."""
    deadline = time.monotonic() + 60
    while True:
        snapshot = client.get(f"/api/v1/snapshots/{snapshot_id}").json()
        if snapshot["screenshot"]:
            shot: dict[str, Any] = snapshot["screenshot"]
            return shot
        assert time.monotonic() < deadline, "no screenshot within 60 s"
        time.sleep(0.2)


def test_an_unrenderable_embed_page_falls_back_to_archivers_card(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """When the platform's embed page fails, the screenshot is Archiver's card, marked so."""
    post = emulator.world.add_post("x", "councilwatch", "Card me <script>alert(1)</script>")
    emulator.world.add_failure("error", origin="https://platform.twitter.com", status=500)
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(post.url)
        live = wait_for(client, post_id, "live")
        shot = wait_for_screenshot(client, live["latest_snapshot"]["id"])
        assert shot["source"] == "archiver_card"
        assert shot["page_url"] is None
        png = client.get(shot["url"]).content
        assert sha256(png) == shot["sha256"]
        check = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"][0]
        assert "500" in check["screenshot_error"]


def test_screenshots_can_be_turned_off(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """With ARCHIVER_SCREENSHOTS=false a capture keeps its data and has no screenshot."""
    post = emulator.world.add_post("bluesky", "newsroom.example.com", "data only")
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, "ARCHIVER_SCREENSHOTS": "false"}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(post.url)
        live = wait_for(client, post_id, "live")
        time.sleep(1)
        snapshot = client.get(live["latest_snapshot"]["url"]).json()
        assert snapshot["text"] == "data only"
        assert snapshot["screenshot"] is None
        assert client.get("/healthz").json()["browser"] is None


def test_a_post_that_is_gone_is_suspected_not_declared(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """A deleted post is only suspected after one answer; its 404 is kept as evidence."""
    deleted = emulator.world.add_post("x", "someone", "soon gone")
    emulator.world.delete_post("x", deleted.id)
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(deleted.url)
        deadline = time.monotonic() + 60
        while not (post := client.get(f"/api/v1/posts/{post_id}").json())["suspected_status"]:
            assert time.monotonic() < deadline, post
            time.sleep(0.2)
        assert post["status"] == "pending"
        assert post["suspected_status"] == "deleted"
        check = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"][0]
        assert (check["outcome"], check["reason"], check["http_status"]) == ("gone", "deleted", 404)
        warc = client.get(check["warc"]["url"])
        assert sha256(warc.content) == check["warc"]["sha256"]


def test_an_unreachable_platform_is_an_error_and_the_post_stays_pending(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """When the platform answers 503, the check is an error and the post is not called gone."""
    post = emulator.world.add_post("mastodon", "archivist", "still here")
    emulator.world.add_failure("error", origin="https://mastodon.social", status=503)
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(post.url)
        deadline = time.monotonic() + 60
        while not (checks := client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        stored = client.get(f"/api/v1/posts/{post_id}").json()
        assert checks[0]["outcome"] == "error"
        assert stored["status"] == "pending" and stored["suspected_status"] is None
        assert stored["next_check_at"] > checks[0]["checked_at"]


def test_the_demo_captures_every_demo_post(tmp_path: Path) -> None:
    """`archiver demo --once` starts the emulator and the service, captures every post, and
    reads the demo article, whose two quotes end up judged."""
    import subprocess
    import sys

    from tests.service import free_port

    completed = subprocess.run(
        [
            sys.executable, "-m", "archiver", "demo", "--once",
            "--port", str(free_port()), "--folder", str(tmp_path / "demo"),
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.count(" live ") >= 13  # every demo post, on every platform
    assert " pending " not in completed.stdout
    assert "Quote report of the demo article:" in completed.stdout

    import sqlite3

    with sqlite3.connect(tmp_path / "demo" / "archive.db") as db:
        verdicts = sorted(db.execute("SELECT kind, fidelity FROM quotes").fetchall())
    assert verdicts == [("embed", "verbatim"), ("inline", "editorial")]
