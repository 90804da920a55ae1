"""The web pages in a real Chromium against a real ``archiver serve`` and the platform
emulator: submitting through the form, following the capture, copying the Robust Link,
the screenshot loading, no console errors, and hostile archived text staying inert."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from archiver.chromium import find_chromium
from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import ServiceClient, serving

CHROMIUM = find_chromium(None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (install chromium)"),
]
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
TEXT = "The north bridge reopens on Friday at 6 a.m. #traffic"


@pytest.fixture
def browser() -> Iterator[Browser]:
    """A headless Chromium driven by Playwright."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors, script errors and dialogs are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def wait_for_screenshot(client: ServiceClient, post_id: str, seconds: float = 90) -> dict[str, Any]:
    """The post's newest snapshot once it is live and its screenshot is attached."""
    deadline = time.monotonic() + seconds
    while True:
        post = client.get(f"/api/v1/posts/{post_id}").json()
        if post["status"] == "live" and post["latest_snapshot"]:
            snapshot: dict[str, Any] = client.get(post["latest_snapshot"]["url"]).json()
            if snapshot["screenshot"]:
                return snapshot
        assert time.monotonic() < deadline, f"no screenshot within {seconds} s: {post}"
        time.sleep(0.3)


def test_pages_in_a_real_browser(settings: Settings, tmp_path: Path, browser: Browser) -> None:
    """A post submitted through the form (key typed in) appears live on the front page; its
    snapshot page loads the screenshot, and the copy button copies the Robust Link; a post of
    hostile markup shows as text and runs nothing; no page logs an error."""
    with EmulatorServer() as emulator:
        post = emulator.world.add_post("x", "citydesk", TEXT, name="City Desk")
        hostile = emulator.world.add_post("mastodon", "prankster", HOSTILE, name=HOSTILE)
        env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides}
        with serving(settings, tmp_path, env, timeout=60) as client:
            base = str(client.base_url).rstrip("/")
            key = client.auth_headers["Authorization"].removeprefix("Bearer ")
            context = browser.new_context()
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            watched = Watched(context.new_page())
            page = watched.page

            # 1. Submit through the form, with the key typed in; the key is kept.
            page.goto(base + "/")
            page.fill("#submit-url", post.url)
            page.fill("#submit-key", key)
            page.click("#submit-form button[type=submit]")
            link = page.wait_for_selector("#submit-status a", timeout=15_000)
            assert link is not None
            post_id = (link.get_attribute("href") or "").removeprefix("/p/")
            assert page.evaluate("localStorage.getItem('archiver.apiKey')") == key

            # 2. The front page follows the capture until the post is live.
            page.wait_for_selector(
                f'li.capture[data-post-id="{post_id}"][data-status="live"]', timeout=90_000
            )
            assert TEXT in page.inner_text(f'li.capture[data-post-id="{post_id}"]')

            # 3. Its snapshot page: the screenshot loads, the Robust Link is copied.
            snapshot = wait_for_screenshot(client, post_id)
            page.goto(f"{base}/s/{snapshot['id']}")
            page.wait_for_function(
                "() => { const i = document.getElementById('screenshot');"
                " return i && i.complete && i.naturalWidth > 0; }",
                timeout=15_000,
            )
            assert page.inner_text("blockquote.post-text") == TEXT
            page.bring_to_front()
            button = 'button[data-copy="cite-robust"]'
            page.click(button)
            page.wait_for_selector(f"{button}[data-copied]", timeout=5_000)
            robust = snapshot["citation"]["robust_link_html"]
            assert page.get_attribute(button, "data-copied") == robust
            assert page.evaluate("navigator.clipboard.readText()") == robust
            assert 'data-versionurl="' + f"{base}/s/{snapshot['id']}" in robust

            # 4. Hostile markup: shown literally everywhere, nothing runs.
            hostile_id = client.submit(hostile.url)
            wait_for_screenshot(client, hostile_id)
            emulator.world.edit_post("mastodon", hostile.id, f"{HOSTILE} Updated.")
            checked = client.post(
                f"/api/v1/posts/{hostile_id}/checks?wait=true", headers=client.auth_headers
            )
            assert checked.json()["outcome"] == "changed", checked.text
            evil = wait_for_screenshot(client, hostile_id)
            for path in ("/", f"/p/{hostile_id}", f"/s/{evil['id']}", "/events"):
                page.goto(base + path)
                page.wait_for_load_state("load")
                assert page.locator("img[src='x']").count() == 0, path
                assert HOSTILE in page.inner_text("main"), path
            page.goto(f"{base}/s/{evil['id']}")
            assert page.inner_text("blockquote.post-text") == f"{HOSTILE} Updated."
            page.goto(f"{base}/events")
            assert page.inner_text("ol.feed ins") == " Updated."
            page.wait_for_timeout(500)  # an onerror would have fired by now
            assert watched.dialogs == []
            assert watched.problems == []
            context.close()
