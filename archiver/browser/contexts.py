"""Browser contexts reused across captures, wiped between them.

Creating a Chromium context costs far more than a page in an existing one (measured here:
3.5 against 10 screenshots a second), so each page slot keeps one routed context and every
capture opens a fresh page in it. Between captures the context forgets everything a page could
have left behind: cookies, permissions, and the storage (local, session, IndexedDB, cache
storage) of every origin the page touched. (Routing every request already turns Chromium's HTTP
cache off, and service workers are blocked.) A context is
replaced after :data:`RECYCLE_AFTER` captures, after any error, and when the browser changes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from archiver.browser.gate import PageState, close_websocket

#: Captures one context serves before it is closed and a new one made.
RECYCLE_AFTER = 25

Handler = Callable[[Route, PageState], Awaitable[None]]


@dataclass
class _Leased:
    context: BrowserContext
    browser: Browser
    page: Page | None = None
    states: dict[Page, PageState] = field(default_factory=dict)
    origins: set[str] = field(default_factory=set)
    uses: int = 0


class ContextShelf:
    """Idle routed contexts, handed out one capture at a time."""

    def __init__(self, options: dict[str, Any], handler: Handler) -> None:
        self._options = options
        self._handler = handler
        self._idle: list[_Leased] = []

    @asynccontextmanager
    async def page(self, browser: Browser, state: PageState) -> AsyncIterator[Page]:
        """A fresh page, in a clean routed context, whose requests are answered with ``state``."""
        leased = await self._take(browser)
        healthy = False
        try:
            if leased.page is None or leased.page.is_closed():
                leased.page = await leased.context.new_page()
            page = leased.page
            leased.states[page] = state
            yield page
            healthy = True
        finally:
            if leased.page is not None:
                leased.states.pop(leased.page, None)
            healthy = healthy and await self._wipe(leased)
            leased.uses += 1
            if healthy and leased.uses < RECYCLE_AFTER and leased.browser.is_connected():
                self._idle.append(leased)
            else:
                await _quietly(leased.context.close())

    async def close(self) -> None:
        """Close every idle context."""
        idle, self._idle = self._idle, []
        for leased in idle:
            await _quietly(leased.context.close())

    async def _take(self, browser: Browser) -> _Leased:
        while self._idle:
            leased = self._idle.pop()
            if leased.browser is browser and browser.is_connected():
                return leased
            await _quietly(leased.context.close())
        context = await browser.new_context(**self._options)
        leased = _Leased(context, browser)

        async def route(route: Route) -> None:
            page = _page_of(route)
            state = leased.states.get(page) if page is not None else None
            if state is None:  # not one of our pages (a worker, a popup): never fetched
                await route.abort("blockedbyclient")
                return
            leased.origins.add(_origin(route.request.url))
            await self._handler(route, state)

        await context.route("**/*", route)
        await context.route_web_socket(re.compile(".*"), close_websocket)
        return leased

    async def _wipe(self, leased: _Leased) -> bool:
        """Unload the captured page and forget what it left; ``False`` if that failed."""
        page = leased.page
        try:
            if page is None or page.is_closed():
                return False
            await page.goto("about:blank")  # ends the document and its scripts
            session = await leased.context.new_cdp_session(page)
            for origin in leased.origins:
                await session.send(
                    "Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}
                )
            await session.detach()
            await leased.context.clear_cookies()
            await leased.context.clear_permissions()
        except PlaywrightError:
            return False
        leased.origins.clear()
        return True


def _page_of(route: Route) -> Page | None:
    try:
        return route.request.frame.page
    except PlaywrightError:  # service-worker requests have no frame
        return None


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def _quietly(closing: Awaitable[None]) -> None:
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await closing
