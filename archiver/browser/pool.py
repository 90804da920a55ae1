"""One Chromium per process, shared by every capture: :class:`BrowserPool` (SPEC §7).

Chromium is launched lazily, relaunched when it has died, and never touches the network itself:
every request of every capture is fulfilled through the outbound gate
(:mod:`archiver.browser.gate`). Each page slot keeps a routed context and page that are wiped
between captures (:mod:`archiver.browser.contexts`: a new context per capture tripled the
cost of a screenshot). As a second line of defence Chromium runs behind a dead proxy
(``127.0.0.1:9``, loopback included), so anything that escapes routing fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from uuid import uuid4

from playwright.async_api import (
    Browser,
    Playwright,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archiver.browser.card import CARD_SELECTOR, CardData, render_card_html
from archiver.browser.contexts import ContextShelf
from archiver.browser.gate import (
    RESOURCE_MAX_BYTES,
    PageState,
    RequestGate,
    close_websocket,
    refuse_everything,
)
from archiver.browser.limits import (
    CARD_DEADLINE_SECONDS,
    FETCH_SHARE,
    GRACE_SECONDS,
    LAUNCH_ARGS,
    MARKER_FLAG,
    PAGE_DEADLINE_SECONDS,
)
from archiver.browser.page import (
    CONTEXT_OPTIONS,
    IMAGES_COMPLETE,
    MAX_HEIGHT,
    NETWORK_IDLE_SECONDS,
    RoutedPage,
    capture_png,
    close_quietly,
    first_line,
    looks_closed,
)
from archiver.browser.shot import ScreenshotFailed, Shot, ShotSource, png_size
from archiver.chromium import NOT_FOUND, find_chromium
from archiver.config import Settings
from archiver.egress import Egress
from archiver.errors import ChromiumNotFound


def _utcnow() -> datetime:
    return datetime.now(UTC)


class BrowserPool:
    """Shared Chromium for screenshots: at most ``capture_concurrency`` pages at once.

    Use it as an async context manager or call :meth:`close` at shutdown.
    """

    def __init__(
        self,
        settings: Settings,
        egress: Egress,
        *,
        clock: Callable[[], datetime] | None = None,
        max_resource_bytes: int = RESOURCE_MAX_BYTES,
        page_deadline: float = PAGE_DEADLINE_SECONDS,
    ) -> None:
        self._configured = settings.chromium
        self._concurrency = settings.capture_concurrency
        self._gate = RequestGate(egress, max_bytes=max_resource_bytes)
        self._shelf = ContextShelf(
            {**CONTEXT_OPTIONS, "java_script_enabled": True}, self._gate.handle
        )
        self._clock = clock or _utcnow
        self._page_deadline = page_deadline
        self._executable: Path | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._version: str | None = None
        self._marker = ""
        self._launches = 0
        self._dead = False
        self._lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._pages_in_use = 0
        self._peak_pages_in_use = 0

    async def __aenter__(self) -> BrowserPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- What /healthz and tests see ----------------------------------------------------

    @property
    def version(self) -> str | None:
        """The running (or last) Chromium's version, e.g. ``156.0.8078.79``; None before launch."""
        return self._version

    @property
    def launches(self) -> int:
        """How many times Chromium has been launched (relaunches included)."""
        return self._launches

    @property
    def pages_in_use(self) -> int:
        """How many pages are open now."""
        return self._pages_in_use

    @property
    def max_pages(self) -> int:
        """The most pages it opens at once (``ARCHIVER_CAPTURE_CONCURRENCY``)."""
        return self._concurrency

    @property
    def peak_pages_in_use(self) -> int:
        """The most pages ever open at once."""
        return self._peak_pages_in_use

    @property
    def pid(self) -> int | None:
        """The Chromium browser process's id, found in /proc by our marker flag; else None."""
        if self._browser is None or not self._marker:
            return None
        flag = f"{MARKER_FLAG}{self._marker}".encode()
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
            if not entry.name.isdigit():
                continue
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if flag in arguments and not any(a.startswith(b"--type=") for a in arguments):
                return int(entry.name)
        return None

    def status(self) -> dict[str, Any]:
        """``{"state": "not started"|"running"|"dead", "version": …, "pages_in_use": n}``."""
        if self._browser is not None and self._browser.is_connected():
            state = "running"
        elif self._browser is not None or self._dead:
            state = "dead"
        else:
            state = "not started"
        return {"state": state, "version": self._version, "pages_in_use": self._pages_in_use}

    # --- Captures ---------------------------------------------------------------------------

    async def screenshot_page(
        self,
        url: str,
        *,
        selector: str | None,
        deadline: float | None = None,
        max_height: int = MAX_HEIGHT,
    ) -> Shot:
        """Render ``url`` and screenshot ``selector``'s element (or the viewport) as a PNG,
        within ``deadline`` seconds (the pool's ``page_deadline`` by default).

        Raises ScreenshotFailed with one sentence when the page cannot be rendered.
        """
        limit = self._page_deadline if deadline is None else deadline

        async def attempt(browser: Browser) -> Shot:
            return await self._shoot_page(browser, url, selector, limit, max_height)

        return await self._with_retry(attempt, limit)

    async def screenshot_card(self, card: CardData, *, max_height: int = MAX_HEIGHT) -> Shot:
        """Screenshot Archiver's own card of ``card``; nothing is fetched at all."""

        async def attempt(browser: Browser) -> Shot:
            return await self._shoot_card(browser, card, max_height)

        return await self._with_retry(attempt, CARD_DEADLINE_SECONDS)

    @asynccontextmanager
    async def open_page(
        self, *, deadline: float = PAGE_DEADLINE_SECONDS
    ) -> AsyncIterator[RoutedPage]:
        """A routed page for one capture (taking one of the pool's page slots)."""
        async with self._slot():
            browser = await self._ready()
            async with self._new_page(browser, deadline, card=False) as page:
                yield page

    async def close(self) -> None:
        """Close Chromium and the Playwright driver; the next capture launches them again."""
        await self._shelf.close()
        browser, self._browser = self._browser, None
        if browser is not None:
            await close_quietly(browser.close())
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            await close_quietly(playwright.stop())
        self._dead = False
        self._lock = None
        self._slots = None

    # --- Inside -----------------------------------------------------------------------------

    async def _with_retry(
        self, attempt: Callable[[Browser], Awaitable[Shot]], limit: float
    ) -> Shot:
        """Run ``attempt``; if the browser or page died under it, once more on a fresh one."""
        async with self._slot():
            for _ in range(2):
                browser = await self._ready()
                try:
                    async with asyncio.timeout(limit + GRACE_SECONDS):
                        return await attempt(browser)
                except TimeoutError:
                    raise ScreenshotFailed(f"the page did not render within {limit:g} s") from None
                except PlaywrightError as exc:
                    if browser.is_connected() and not looks_closed(exc):
                        raise ScreenshotFailed(f"the browser failed: {first_line(exc)}") from exc
                    if self._gone(browser):  # else only the page crashed: a new context will do
                        await self._forget(browser)
            raise ScreenshotFailed("the browser died twice while rendering the page")

    def _gone(self, browser: Browser) -> bool:
        """Whether ``browser`` is dead (Playwright may not have noticed a killed process yet)."""
        if not browser.is_connected():
            return True
        return browser is self._browser and Path("/proc").is_dir() and self.pid is None

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        async with self._slots:
            self._pages_in_use += 1
            self._peak_pages_in_use = max(self._peak_pages_in_use, self._pages_in_use)
            try:
                yield
            finally:
                self._pages_in_use -= 1

    async def _ready(self) -> Browser:
        """The running browser, launching (or relaunching) it first if needed."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._browser is not None:
                await self._forget_locked(self._browser)
            return await self._launch()

    async def _launch(self) -> Browser:
        if self._executable is None:
            self._executable = await asyncio.to_thread(find_chromium, self._configured)
            if self._executable is None:
                raise ChromiumNotFound(NOT_FOUND)
        marker = uuid4().hex
        for tries in range(2):
            try:
                if self._playwright is None:
                    self._playwright = await async_playwright().start()
                browser = await self._playwright.chromium.launch(
                    executable_path=str(self._executable),
                    headless=True,
                    args=[*LAUNCH_ARGS, f"{MARKER_FLAG}{marker}"],
                    timeout=30_000,
                )
                break
            except PlaywrightError as exc:  # the driver itself may have died: start a new one
                playwright, self._playwright = self._playwright, None
                if playwright is not None:
                    await close_quietly(playwright.stop())
                if tries:
                    raise ScreenshotFailed(
                        f"Chromium could not be started: {first_line(exc)}"
                    ) from exc
        self._browser, self._marker, self._dead = browser, marker, False
        self._version = browser.version
        self._launches += 1
        return browser

    async def _forget(self, browser: Browser) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            await self._forget_locked(browser)

    async def _forget_locked(self, browser: Browser) -> None:
        if self._browser is browser:
            self._browser, self._dead = None, True
            await close_quietly(browser.close())

    @asynccontextmanager
    async def _new_page(
        self, browser: Browser, deadline: float, *, card: bool
    ) -> AsyncIterator[RoutedPage]:
        """A fresh page routed through the gate (in a reused, wiped context), or for ``card``
        a page in a fresh offline context with JavaScript off."""
        now = asyncio.get_running_loop().time()
        # Fetches end early enough for the page to finish loading and be shot before the end.
        state = PageState(deadline=now + deadline * FETCH_SHARE)
        if not card:
            async with self._shelf.page(browser, state) as page:
                page.set_default_timeout(deadline * 1000)
                yield RoutedPage(page, state, now + deadline)
            return
        context = await browser.new_context(**CONTEXT_OPTIONS, java_script_enabled=False)
        try:
            await context.route("**/*", refuse_everything)
            await context.route_web_socket(re.compile(".*"), close_websocket)
            page = await context.new_page()
            page.set_default_timeout(deadline * 1000)
            yield RoutedPage(page, state, now + deadline)
        finally:
            await close_quietly(context.close())

    async def _shoot_page(
        self, browser: Browser, url: str, selector: str | None, deadline: float, max_height: int
    ) -> Shot:
        async with self._new_page(browser, deadline, card=False) as routed:
            page, state = routed.page, routed.state
            try:
                response = await routed.goto(url, timeout=routed.seconds_left())
            except PlaywrightTimeoutError:
                raise ScreenshotFailed("timeout loading the embed page") from None
            except PlaywrightError as exc:
                if looks_closed(exc) or not browser.is_connected():
                    raise
                if state.document_refused:
                    raise ScreenshotFailed(
                        f"navigation refused by the outbound gate: {state.document_error}"
                    ) from None
                if state.document_error:
                    raise ScreenshotFailed(
                        f"the embed page could not be fetched: {state.document_error}"
                    ) from None
                raise ScreenshotFailed(f"navigation failed: {first_line(exc)}") from None
            if response is None:
                raise ScreenshotFailed("the navigation produced no document")
            if response.status >= 400:
                raise ScreenshotFailed(f"HTTP {response.status} from the embed page")
            if selector is not None:
                try:
                    await page.wait_for_selector(
                        selector, state="visible", timeout=routed.seconds_left() * 1000
                    )
                except PlaywrightTimeoutError:
                    raise ScreenshotFailed("timeout waiting for the post element") from None
            # The document has loaded (images included); wait only for images that scripts
            # added later, instead of a fixed half second of network silence.
            with contextlib.suppress(PlaywrightTimeoutError):
                await page.wait_for_function(
                    IMAGES_COMPLETE,
                    timeout=min(NETWORK_IDLE_SECONDS, routed.seconds_left()) * 1000,
                    polling=50,
                )
            png = await capture_png(routed, selector, max_height)
        return self._shot(png, "platform", url)

    async def _shoot_card(self, browser: Browser, card: CardData, max_height: int) -> Shot:
        async with self._new_page(browser, CARD_DEADLINE_SECONDS, card=True) as routed:
            await routed.page.set_content(
                render_card_html(card), wait_until="load", timeout=routed.seconds_left() * 1000
            )
            png = await capture_png(routed, CARD_SELECTOR, max_height)
        return self._shot(png, "archiver_card", None)

    def _shot(self, png: bytes, source: ShotSource, url: str | None) -> Shot:
        width, height = png_size(png)
        return Shot(
            png=png,
            width=width,
            height=height,
            browser_version=self._version or "",
            source=source,
            url=url,
            taken_at=self._clock(),
        )
