"""End to end for a web page: ``archiver serve`` (a real process) takes the URL of a page of the
emulated web publication, captures it through the outbound gate (its text, author, picture and
oEmbed, the page as raw evidence) with a Chromium screenshot of the page itself; once the page
is deleted, a re-check asked through the API suspects it, and the follow-up confirms it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import serving, until
from tests.test_end_to_end import sha256, wait_for, wait_for_screenshot

pytestmark = pytest.mark.slow

TEXT = (
    "Council postpones the river clean-up vote again\n\n"
    "The city council & the <mayor> postponed the vote on the river clean-up budget for the "
    'third time this year, citing missing figures from the engineers. "Again" </script>.\n\n'
    "Residents who came to speak were told to return next month, when the committee expects "
    "the engineers' figures."
)
#: Re-checks only when asked; a deletion confirmed by two answers a second apart.
FAST = {
    "ARCHIVER_RECHECK_SCHEDULE": "1d",
    "ARCHIVER_CONFIRM_AFTER": "1s",
    "ARCHIVER_DELETION_CONFIRMATIONS": "2",
}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator (and its web publication) on loopback ports."""
    with EmulatorServer() as server:
        yield server


def test_a_web_page_is_captured_with_a_screenshot_then_found_deleted(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """Live with the exact text, the page as raw evidence and a screenshot of the page; then
    deleted (404) after a re-check and its confirmation, with a ``deleted`` event."""
    world = emulator.world
    page = world.add_post(
        "web", "jane-doe", TEXT, name="Jane Doe", id="river-vote",
        created_at="2024-05-01T18:30:00Z",
        media=[{"type": "image", "alt": "The council chamber", "width": 1200, "height": 800}],
    )  # fmt: skip
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **FAST}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(f"{page.url}?utm_source=newsletter&utm_medium=email")
        assert client.submit(page.url) == post_id  # the same page in another spelling
        post = wait_for(client, post_id, "live")
        assert (post["platform"], post["canonical_url"]) == ("web", page.url)
        assert post["author"]["name"] == "Jane Doe"
        assert post["posted_at"] == "2024-05-01T18:30:00Z"
        snapshot = client.get(post["latest_snapshot"]["url"]).json()
        assert snapshot["text"] == TEXT
        assert snapshot["raw"]["source_url"] == page.url
        raw = client.get(snapshot["raw"]["url"])
        assert sha256(raw.content) == snapshot["raw"]["sha256"]
        assert b'type="application/json+oembed"' in raw.content
        (media,) = snapshot["media"]
        assert media["sha256"] == sha256(client.get(media["download_url"]).content)
        shot = wait_for_screenshot(client, snapshot["id"])
        checks = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]
        assert shot["source"] == "platform", checks[0]["screenshot_error"]
        assert shot["page_url"] == page.url
        png = client.get(shot["url"]).content
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert sha256(png) == shot["sha256"]
        assert shot["width"] > 100 and 50 < shot["height"] <= 8000

        world.delete_post("web", "river-vote")
        recheck = f"/api/v1/posts/{post_id}/checks?wait=true"
        answer = client.post(recheck, headers=client.auth_headers)
        assert answer.status_code == 200, answer.text
        check = answer.json()
        assert (check["outcome"], check["reason"], check["http_status"]) == ("gone", "deleted", 404)
        assert "HTTP 404" in check["evidence"]
        deleted = until(
            "the deletion confirmed",
            lambda: (
                (found := client.get(f"/api/v1/posts/{post_id}").json())["status"] == "deleted"
                and found
            ),
            seconds=60,
        )
        assert deleted["suspected_status"] is None
        events = client.get(f"/api/v1/posts/{post_id}/events").json()["items"]
        assert [event["kind"] for event in events] == ["deleted"]
