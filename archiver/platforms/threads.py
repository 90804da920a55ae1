"""Threads (Meta): recognising post URLs and observing posts through the public post page.

Accepted: ``https://www.threads.com/@{user}/post/{code}`` and ``/t/{code}``, on ``threads.com``
or the older ``threads.net`` (with or without ``www.``), optionally followed by ``/embed``, a
slash or a query. The key is the shortcode (case matters); the canonical URL names the author
when the URL did.

Fetching reads the post page logged out, as Threads serves it to anyone: the post is the
object whose ``code`` is the shortcode in the page's ``data-sjs`` JSON. Threads has no public
JSON API, so a page without the post is only evidence together with the tokenless oEmbed
(``graph.threads.net/v1.0/oembed``): when it refuses the post too (Graph error 100), the post
is gone. Threads answers a deleted post and a private account's post the same way, so both
read as deleted. A page that is not Threads' own (a login wall, a bot check, a gateway's error
page), a redirect to the login page, Graph throttling codes, 429 and 5xx are failures; so is a
page without the post while oEmbed still embeds it.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, urlsplit

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
    HTML_HEADERS,
    MAX_PAGE_BYTES,
    ClockedAdapter,
    Exchanges,
    host_of,
    json_object,
    retry_after_from,
)
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.html_page import is_html, read_page
from archiver.platforms.threads_parse import (
    INVALID_PARAMETER,
    THROTTLE_CODES,
    TOKEN_CODES,
    WEB,
    find_post,
    graph_error,
    is_oembed,
    is_threads_page,
    post_url,
    read_post,
)

OEMBED_URL: Final = "https://graph.threads.net/v1.0/oembed"
_HOSTS: Final = frozenset({"threads.com", "www.threads.com", "threads.net", "www.threads.net"})
_PATH: Final = re.compile(
    r"/(?:@(?P<user>[A-Za-z0-9._]{1,30})/post|t)/(?P<code>[A-Za-z0-9_-]{5,64})(?:/embed)?/?",
    re.ASCII,
)
#: Where Threads sends a logged-out reader it will not serve.
_LOGIN_PATHS: Final = ("/login", "/accounts/login")


def oembed_url(code: str) -> str:
    """The tokenless oEmbed address for a post."""
    return f"{OEMBED_URL}?url={quote(f'{WEB}/t/{code}', safe='')}"


class ThreadsAdapter(ClockedAdapter):
    """Recognises Threads post URLs and observes posts through their public page."""

    platform: Platform = Platform.THREADS
    display_name: str = "Threads"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The post's ``/embed`` page, the one Threads' embed code frames."""
        user = ref.author_handle or (data.author.handle if data.author else None)
        return ScreenshotTarget(
            url=f"{post_url(user, ref.post_id)}/embed", selector="article, main"
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one Threads post, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None or parts.netloc not in _HOSTS:
            return None
        found = _PATH.fullmatch(parts.path)
        if found is None:
            return None
        user = found["user"].lower() if found["user"] else None
        code: str = found["code"]
        return PostRef(
            platform=self.platform,
            key=code,
            post_id=code,
            canonical_url=post_url(user, code),
            author_handle=user,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the post; see the module docstring."""
        calls = self._exchanges(fetcher)
        page = await calls.get(ref.canonical_url, headers=HTML_HEADERS, max_bytes=MAX_PAGE_BYTES)
        if isinstance(page, Failed):
            return page
        if urlsplit(page.url).path.startswith(_LOGIN_PATHS):
            said = f"{host_of(page.url)} sends a logged-out reader to its login page"
            return calls.failed(FailureKind.AUTH_REQUIRED, said)
        if page.status not in (200, 404):
            return calls.unexpected(page)
        if not is_html(page):
            said = f"HTTP {page.status} from {host_of(page.url)} is not the post page expected"
            return calls.failed(FailureKind.UPSTREAM, said)
        parsed = read_page(page.body)
        node = find_post(parsed, ref.post_id)
        data = read_post(node, parsed) if node is not None else None
        if data is not None and page.status == 200:
            return calls.live(data, page)
        if not is_threads_page(parsed):
            said = (
                f"HTTP {page.status} from {host_of(page.url)} is not a Threads page (a login wall?)"
            )
            return calls.failed(FailureKind.UPSTREAM, said)
        return await _without_post(calls, ref.post_id)


async def _without_post(calls: Exchanges, code: str) -> Observation:
    """The page shows no post: gone if oEmbed refuses it too, else a failure."""
    said = "The Threads page shows no post"
    exchange = await calls.get(oembed_url(code))
    if isinstance(exchange, Failed):
        detail = f"{said}, and asking its oEmbed failed: {exchange.detail}"
        return calls.failed(exchange.kind, detail, exchange.retry_after)
    payload = json_object(exchange)
    error = graph_error(payload)
    if exchange.status == 200 and is_oembed(payload):
        detail = f"{said}, yet its oEmbed still embeds it (a page Threads changed?)"
        return calls.failed(FailureKind.UPSTREAM, detail)
    if error is None or exchange.status == 200:
        return _unexpected(calls, exchange)
    if error.code in THROTTLE_CODES:
        retry = retry_after_from(exchange, calls.now)
        detail = f"{said}; its oEmbed is throttled (Graph error {error.code})"
        return calls.failed(FailureKind.RATE_LIMITED, detail, retry)
    if error.code in TOKEN_CODES:
        detail = f"{said}; its oEmbed asks for an access token (Graph error {error.code})"
        return calls.failed(FailureKind.AUTH_REQUIRED, detail)
    if exchange.status == 400 and error.code == INVALID_PARAMETER:
        return calls.gone(
            PostStatus.DELETED,
            f"{said} and its oEmbed refuses it ({error.type} {error.code}: {error.message}): "
            "deleted, or the account is private (Threads does not say which).",
        )
    return _unexpected(calls, exchange)


def _unexpected(calls: Exchanges, exchange: HttpExchange) -> Failed:
    """An oEmbed answer that is neither an embed nor an error we know."""
    return calls.not_json(exchange) if exchange.status == 200 else calls.unexpected(exchange)
