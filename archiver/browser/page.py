"""One page of a capture: loading it through the gate, and cutting the post out as a PNG."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FloatRect, Page, Response
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archiver.browser.gate import PageState
from archiver.browser.shot import ScreenshotFailed

VIEWPORT_WIDTH = 600
VIEWPORT_HEIGHT = 900
DEVICE_SCALE_FACTOR = 2
#: The largest screenshot, in CSS pixels (twice that in image pixels): a taller or wider post
#: element is clipped to it, never rendered whole (a 100,000-pixel page is not an OOM).
MAX_HEIGHT = 4000
MAX_WIDTH = 2 * VIEWPORT_WIDTH
#: The longest wait for the network to go quiet after the post element is there.
NETWORK_IDLE_SECONDS = 3.0
FONTS_SECONDS = 5.0
CONTEXT_OPTIONS: dict[str, Any] = {
    "viewport": {"width": VIEWPORT_WIDTH, "height": VIEWPORT_HEIGHT},
    "device_scale_factor": DEVICE_SCALE_FACTOR,
    "locale": "en-US",
    "timezone_id": "UTC",
    "reduced_motion": "reduce",
    "color_scheme": "light",
    "service_workers": "block",
    "accept_downloads": False,
}
IMAGES_COMPLETE = "() => Array.from(document.images).every((image) => image.complete)"
_CLOSED = re.compile(
    r"has been closed|target closed|browser closed|target crashed|page crashed"
    r"|connection closed|browser has disconnected",
    re.IGNORECASE,
)
_RECT = """(element) => {
  const box = element.getBoundingClientRect();
  const page = document.documentElement;
  return [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height,
          Math.max(page.scrollWidth, window.innerWidth)];
}"""
_FONTS = "document.fonts.ready.then(() => true)"


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def looks_closed(exc: BaseException) -> bool:
    return type(exc).__name__ == "TargetClosedError" or bool(_CLOSED.search(str(exc)))


@dataclass
class RoutedPage:
    """A page of one capture (in a wiped, reused context) whose every request goes through the
    outbound gate.

    ``deadline`` is in event-loop time; the page's fetches stop a little before it.
    """

    page: Page
    state: PageState
    deadline: float

    async def goto(self, url: str, *, timeout: float) -> Response | None:
        """Load ``url`` (the one main-frame navigation routing lets through) until it is loaded.

        "Loaded" is ``document.readyState == "complete"``: Chromium skips the ``load`` event
        when the page started a navigation (refused here) before it finished loading.
        Raises ScreenshotFailed at once for a URL that is not http(s).
        """
        if urlsplit(url).scheme.lower() not in {"http", "https"}:
            self.state.document_refused = True
            raise ScreenshotFailed(
                f"navigation refused by the outbound gate: {url[:80]!r} is not an http(s) URL"
            )
        end = asyncio.get_running_loop().time() + timeout
        self.state.armed = True
        try:
            response = await self.page.goto(url, wait_until="commit", timeout=timeout * 1000)
        finally:
            self.state.armed = False
        late = PlaywrightTimeoutError(f"{url} did not finish loading within {timeout:g} s")
        try:
            # A script that never yields (``while(true){}``) leaves evaluate() waiting forever.
            async with asyncio.timeout_at(end):
                while await self._ready_state() != "complete":
                    await asyncio.sleep(0.05)
        except TimeoutError:
            raise late from None
        return response

    async def _ready_state(self) -> str:
        try:
            state, address = await self.page.evaluate("[document.readyState, location.href]")
        except PlaywrightError as exc:
            if looks_closed(exc):
                raise
            return "navigating"  # the execution context was replaced under us: ask again
        return "navigating" if address == "about:blank" else str(state)

    def seconds_left(self) -> float:
        """Time left before the page's deadline (at least a millisecond)."""
        return max(0.001, self.deadline - asyncio.get_running_loop().time())


async def capture_png(routed: RoutedPage, selector: str | None, max_height: int) -> bytes:
    """Wait for web fonts, then a PNG of ``selector``'s first element (or the viewport),
    no taller than ``max_height`` CSS pixels and no wider than :data:`MAX_WIDTH`."""
    page = routed.page
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(min(FONTS_SECONDS, routed.seconds_left())):
            await page.evaluate(_FONTS)
    if selector is None:
        clip = FloatRect(x=0, y=0, width=VIEWPORT_WIDTH, height=min(VIEWPORT_HEIGHT, max_height))
    else:
        x, y, width, height, page_width = await page.locator(selector).first.evaluate(
            _RECT, timeout=routed.seconds_left() * 1000
        )
        left, top = max(0, math.floor(x)), max(0, math.floor(y))
        right = min(math.ceil(x + width), math.ceil(page_width), left + MAX_WIDTH)
        bottom = min(math.ceil(y + height), top + max_height)
        if right <= left or bottom <= top:
            raise ScreenshotFailed("the post element has no visible area")
        clip = FloatRect(x=left, y=top, width=right - left, height=bottom - top)
    try:
        return await page.screenshot(
            type="png",
            clip=clip,
            full_page=selector is not None,
            animations="disabled",
            caret="hide",
            scale="device",
            timeout=routed.seconds_left() * 1000,
        )
    except PlaywrightTimeoutError:
        raise ScreenshotFailed("timeout taking the screenshot") from None


async def close_quietly(closing: Awaitable[None]) -> None:
    """Await a close; a dead browser or driver may refuse or hang, which is fine here."""
    with contextlib.suppress(PlaywrightError, TimeoutError):
        async with asyncio.timeout(10):
            await closing
