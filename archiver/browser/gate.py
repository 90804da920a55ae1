"""Every request a page makes goes through the outbound gate (SPEC §7).

The browser never touches the network itself: :class:`RequestGate` answers each routed request
by fetching it with :class:`archiver.egress.Egress` (which applies overrides, follows and checks
every redirect hop, and refuses private addresses) and fulfilling it with what came back.
Redirects are followed by the gate, never by Chromium: a request fulfilled with a 3xx status
would be followed by the browser *without* routing. Other schemes, other methods, service
workers, WebSockets, downloads (an ``attachment``, or a type no page has) and navigations away
from the captured page are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request, Route, WebSocketRoute

from archiver.domain import HttpExchange
from archiver.egress import Egress
from archiver.errors import EgressError, EgressRefused, EgressTimeout

#: The largest body fetched for one resource of a page.
RESOURCE_MAX_BYTES = 20_000_000
FORWARDED_METHODS = frozenset({"GET", "HEAD", "POST"})
#: What a page or frame may be (besides images); Chromium would save anything else as a file.
PAGE_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "text/plain", "text/xml", "application/xml",
     "application/json", "image/svg+xml"}
)  # fmt: skip
#: Request headers passed on from the page (Origin, for CORS); cookies, Referer and the
#: browser's User-Agent are not: the gate sends its own honest User-Agent.
FORWARDED_HEADERS = frozenset({"accept", "accept-language", "content-type", "origin"})
_DROPPED_RESPONSE_HEADERS = frozenset(
    {
        "alt-svc",
        "connection",
        "content-encoding",  # the gate hands back decoded bytes
        "content-length",
        "keep-alive",
        "location",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


@dataclass
class PageState:
    """What one page's routing knows: whether a navigation is expected, and what was refused.

    ``deadline`` is in event-loop time; no fetch for the page outlives it (None: no limit).
    """

    deadline: float | None = None
    armed: bool = False
    document_error: str | None = None
    document_refused: bool = False
    refused: list[str] = field(default_factory=list)
    fetched: int = 0


class RequestGate:
    """Answers a browser context's routed requests through an :class:`Egress`."""

    def __init__(self, egress: Egress, *, max_bytes: int = RESOURCE_MAX_BYTES) -> None:
        self._egress = egress
        self._max_bytes = max_bytes

    async def handle(self, route: Route, state: PageState) -> None:
        """Fetch ``route``'s request through the gate and fulfill it, or abort it."""
        request = route.request
        url = request.url
        document = request.is_navigation_request() and _in_main_frame(request)
        if document and not state.armed:
            # A script, link or download trying to leave the captured page: ERR_ABORTED keeps
            # the page where it is (any other error would replace it with an error page).
            state.refused.append(url)
            await _abort(route, "aborted")
            return
        if document:
            state.armed = False
        if urlsplit(url).scheme.lower() not in {"http", "https"}:
            await self._refuse(route, state, document, f"{url[:80]!r} is not an http(s) URL")
            return
        method = request.method.upper()
        if method not in FORWARDED_METHODS:
            await self._refuse(route, state, document, f"{method} requests are not forwarded")
            return
        try:
            exchange = await self._fetch(request, method, state)
        except EgressRefused as exc:
            await self._refuse(route, state, document, str(exc))
            return
        except EgressError as exc:
            if document:
                state.document_error = str(exc)
            await _abort(route, "timedout" if isinstance(exc, EgressTimeout) else "failed")
            return
        state.fetched += 1
        download = _download(exchange) if request.is_navigation_request() else None
        if download is not None and document:
            await self._refuse(route, state, document, f"{url[:80]!r} is {download}, not a page")
            return
        if download is not None:
            state.refused.append(url)  # a frame's download: the browser gets nothing to save
            await _fulfill(route, status=204, headers={}, body=b"")
            return
        await _fulfill(
            route, status=exchange.status, headers=_response_headers(exchange), body=exchange.body
        )

    async def _fetch(self, request: Request, method: str, state: PageState) -> HttpExchange:
        headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
        content = request.post_data_buffer if method == "POST" else None
        try:
            async with asyncio.timeout_at(state.deadline):
                return await self._egress.request(
                    method, request.url, headers=headers, content=content, max_bytes=self._max_bytes
                )
        except TimeoutError:
            raise EgressTimeout(f"{method} {request.url}: the capture's deadline passed") from None

    async def _refuse(self, route: Route, state: PageState, document: bool, reason: str) -> None:
        state.refused.append(route.request.url)
        if document:
            state.document_refused = True
            state.document_error = reason
        await _abort(route, "blockedbyclient")


async def refuse_everything(route: Route) -> None:
    """A route handler for pages that must not load anything at all (Archiver's own card)."""
    await _abort(route, "blockedbyclient")


async def close_websocket(websocket: WebSocketRoute) -> None:
    """A WebSocket route handler: close it without ever connecting to the server."""
    with contextlib.suppress(PlaywrightError):
        await websocket.close(code=1008, reason="refused by Archiver's outbound gate")


def _in_main_frame(request: Request) -> bool:
    try:
        return request.frame.parent_frame is None
    except PlaywrightError:  # a service worker's request has no frame (and is blocked anyway)
        return False


def _download(exchange: HttpExchange) -> str | None:
    """Why a navigation's answer would be saved as a file rather than shown, if it would."""
    disposition = (exchange.header("content-disposition") or "").strip().lower()
    if disposition.startswith("attachment"):
        return "a download (Content-Disposition: attachment)"
    kind = (exchange.header("content-type") or "").split(";", 1)[0].strip().lower()
    if kind and kind not in PAGE_TYPES and not kind.startswith("image/"):
        return f"a download ({kind[:60]})"
    return None


def _response_headers(exchange: HttpExchange) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in exchange.response_headers:
        key = name.lower()
        if key in _DROPPED_RESPONSE_HEADERS:
            continue
        if key in headers:
            headers[key] += ("\n" if key == "set-cookie" else ", ") + value
        else:
            headers[key] = value
    return headers


async def _fulfill(route: Route, *, status: int, headers: dict[str, str], body: bytes) -> None:
    with contextlib.suppress(PlaywrightError):  # the page may have gone meanwhile
        await route.fulfill(status=status, headers=headers, body=body)


async def _abort(route: Route, code: str) -> None:
    with contextlib.suppress(PlaywrightError):
        await route.abort(code)
