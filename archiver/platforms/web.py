"""Any web page (``web``), read from its own HTML, OpenGraph tags and oEmbed. Last in the
registry: it takes every public http(s) URL that no platform adapter claimed.

Accepted: see :mod:`archiver.platforms.web_url` (public hosts only; the key is the normalised
URL, or ``host/`` and its SHA-256 past 500 characters).

Fetching GETs the page through the outbound gate, which follows and checks redirects:

- 200: an HTML page is read (:mod:`archiver.platforms.web_parse`), then its oEmbed discovery
  link, if it has one, is fetched through the gate too; oEmbed trouble is recorded in the
  post's ``extra``, never a failed capture. A bot check or firewall page in the page's place
  (Cloudflare, DataDome, Imperva, HUMAN…) is a failure. A file that is not HTML (a PDF, a
  picture, JSON) is live as a file (both told apart in :mod:`archiver.platforms.web_answer`).
- 404 and 410 are gone, deleted, and so is a redirect from the page to its site's front page
  (how many sites retire a page); 451 is withheld.
- 401, 403 and a redirect to a login page are ``auth_required``: a login wall or a site that
  turns logged-out readers away says nothing about the page. A consent wall, 429 (rate
  limited, with the time the site gave), 5xx and any other status are failures too.

A login wall served with status 200 (a paywall's teaser) is what logged-out readers see, and is
kept as the page: a generic page cannot be told from its wall.
"""

from __future__ import annotations

import asyncio
from typing import Final

from archiver.domain import (
    Failed,
    FailureKind,
    HttpExchange,
    Observation,
    Platform,
    PostData,
    PostRef,
    PostStatus,
    ScreenshotTarget,
)
from archiver.platforms._http import (
    MAX_PAGE_BYTES,
    ClockedAdapter,
    Exchanges,
    host_of,
    json_object,
)
from archiver.platforms.base import Fetcher
from archiver.platforms.html_decode import decode_html
from archiver.platforms.html_page import Page, read_page
from archiver.platforms.web_answer import bot_wall, is_page, read_file, redirected_to
from archiver.platforms.web_parse import oembed_link, read_oembed
from archiver.platforms.web_parse import read_page as read_web_page
from archiver.platforms.web_text import main_text
from archiver.platforms.web_url import Refused, page_url

#: What a reader's browser asks for: a page first, but any file the URL is.
PAGE_HEADERS: Final = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
#: Hex digits of the URL's SHA-256 that make the post ID.
POST_ID_HEX: Final = 16
_GONE: Final = {
    404: (PostStatus.DELETED, "Not Found"),
    410: (PostStatus.DELETED, "Gone"),
    451: (PostStatus.WITHHELD, "Unavailable For Legal Reasons"),
}


def refusal(url: str) -> str | None:
    """Why ``url`` is not taken as a web page (a clause), or ``None`` if it is."""
    found = page_url(url)
    return found.reason if isinstance(found, Refused) else None


class WebAdapter(ClockedAdapter):
    """Takes any public web page and observes it through its HTML and oEmbed."""

    platform: Platform = Platform.WEB
    display_name: str = "any web page (oEmbed/OpenGraph)"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The page itself, whole (the screenshot code caps its size)."""
        return ScreenshotTarget(url=ref.canonical_url, selector="body")

    def match(self, url: str) -> PostRef | None:
        """Take ``url`` as a web page if it is a public http(s) URL.

        The post ID is the first 16 hex digits of the SHA-256 of the normalised URL: a page
        has no ID of its own, its URL is shown beside it anyway (``canonical_url``), and a
        short fixed-length ID reads better in lists, exports and file names than a URL of up
        to 2,000 characters would (64 bits: no collision in any archive).
        """
        found = page_url(url)
        if isinstance(found, Refused):
            return None
        return PostRef(
            platform=self.platform,
            key=found.key,
            post_id=found.digest[:POST_ID_HEX],
            canonical_url=found.url,
            host=found.host,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the page; see the module docstring."""
        calls = self._exchanges(fetcher)
        answer = await calls.get(ref.canonical_url, headers=PAGE_HEADERS, max_bytes=MAX_PAGE_BYTES)
        if isinstance(answer, Failed):
            return answer
        where = f"HTTP {answer.status} from {host_of(answer.url)}"
        if answer.status in _GONE:
            reason, name = _GONE[answer.status]
            return calls.gone(reason, f"{where} ({name}): the page is no longer there.")
        if answer.status == 429 or answer.status >= 500:
            return calls.unexpected(answer)
        wall = bot_wall(answer)
        if wall is not None:
            return calls.failed(FailureKind.UPSTREAM, f"{where} is {wall}, not the page")
        if answer.status in (401, 403):
            said = f"{where}: the site asks for a login or turns logged-out readers away"
            return calls.failed(FailureKind.AUTH_REQUIRED, said)
        if answer.status not in (200, 203):
            return calls.unexpected(answer)
        return await _read(calls, ref, answer)


async def _read(calls: Exchanges, ref: PostRef, answer: HttpExchange) -> Observation:
    """A 200 answer: where redirects led, then the page or the file."""
    detour = redirected_to(ref.canonical_url, answer)
    where = host_of(answer.url)
    if detour == "front page":
        said = f"{ref.canonical_url} now redirects to the front page of {where}: the page is gone."
        return calls.gone(PostStatus.DELETED, said)
    if detour is not None:
        kind = FailureKind.AUTH_REQUIRED if detour == "login" else FailureKind.UPSTREAM
        return calls.failed(kind, f"{where} sends a reader of the page to its {detour} page")
    if not is_page(answer):
        data = read_file(ref.post_id, ref.canonical_url, answer)
        if data is None:
            said = f"HTTP {answer.status} from {where} is labelled JSON but is not JSON"
            return calls.failed(FailureKind.UPSTREAM, said)
        return calls.live(data, answer)
    page, main = await asyncio.to_thread(_parse, answer)
    oembed, oembed_error = await _oembed(calls, page, answer.url)
    data = read_web_page(
        ref.post_id, ref.canonical_url, answer.url, page, main, oembed, oembed_error
    )
    return calls.live(data, answer)


def _parse(answer: HttpExchange) -> tuple[Page, str | None]:
    """The page's metadata and main text (CPU work for seconds on the largest pages: run in a
    thread, away from the event loop)."""
    markup = decode_html(answer.body, answer.content_type)
    return read_page(markup), main_text(markup)


async def _oembed(
    calls: Exchanges, page: Page, base: str
) -> tuple[dict[str, str] | None, str | None]:
    """The page's oEmbed fields, or why they could not be had (``None`` both: no oEmbed)."""
    link = oembed_link(page, base)
    if link is None:
        return None, None
    exchange = await calls.get(link)
    if isinstance(exchange, Failed):
        return None, exchange.detail
    where = f"HTTP {exchange.status} from {host_of(exchange.url)}"
    if exchange.status != 200:
        return None, where
    fields = read_oembed(json_object(exchange))
    return (fields, None) if fields is not None else (None, f"{where} is not oEmbed JSON")
