"""Telegram public channels: recognising message URLs, and observing messages through the
post widget Telegram serves to embeds.

Accepted: ``t.me`` and ``telegram.me`` (also ``www.``) with ``/{channel}/{id}`` and the
channel preview form ``/s/{channel}/{id}``; query strings (``?single``, ``?embed=1``) are
ignored. Private channels (``t.me/c/{internal}/{id}``) need an account and are not claimed,
nor are invite, sticker and other service links. Channel names are case-insensitive, so the
key is ``{channel lower-cased}/{id}``.

Fetching asks ``t.me/{channel}/{id}?embed=1&mode=tme`` (HTML). The widget shows the message
(``div.tgme_widget_message[data-post]``), or an error in its place: "Post not found" →
deleted; any other error → unavailable, its words kept as evidence. A page that shows
neither, is not labelled HTML, or is cut short is a failure, never evidence.
"""

from __future__ import annotations

import re
from typing import Final

from archiver.domain import (
    Failed,
    FailureKind,
    Observation,
    Platform,
    PostData,
    PostRef,
    ScreenshotTarget,
)
from archiver.platforms._http import HTML_HEADERS, ClockedAdapter, host_of
from archiver.platforms._values import GoneReason
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.html_page import is_html
from archiver.platforms.telegram_parse import WEB, complete, read_widget

_HOSTS: Final = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me"})
#: Channel usernames: a letter, then letters, digits and underscores, 4 to 32 in all.
_PATH: Final = re.compile(r"/(?:s/)?(?P<channel>[A-Za-z][A-Za-z0-9_]{3,31})/(?P<id>\d{1,12})/?")
#: First path segments that are Telegram's own links, never a channel.
_RESERVED: Final = frozenset(
    {
        "joinchat", "addstickers", "addemoji", "addtheme", "addlist", "share", "proxy",
        "socks", "login", "setlanguage", "boost", "contact", "invoice", "iv", "bg",
    }
)  # fmt: skip


def widget_url(channel: str, post_id: str) -> str:
    """The post widget's address for one message."""
    return f"{WEB}/{channel}/{post_id}?embed=1&mode=tme"


class TelegramAdapter(ClockedAdapter):
    """Recognises public Telegram channel message URLs and observes them through the post
    widget."""

    platform: Platform = Platform.TELEGRAM
    display_name: str = "Telegram (public channels)"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The post widget itself, cropped to the message."""
        channel = ref.author_handle or ref.key.split("/", 1)[0]
        return ScreenshotTarget(
            url=widget_url(channel, ref.post_id),
            selector=".tgme_widget_message, .tgme_widget_message_wrap",
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one public channel message, or ``None``."""
        parts = split_url(url)
        if parts is None or parts.netloc not in _HOSTS:
            return None
        found = _PATH.fullmatch(parts.path)
        if found is None or found["channel"].lower() in _RESERVED:
            return None
        channel, post_id = found["channel"], found["id"]
        return PostRef(
            platform=self.platform,
            key=f"{channel.lower()}/{post_id}",
            post_id=post_id,
            canonical_url=f"{WEB}/{channel}/{post_id}",
            author_handle=channel,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the message; see the module docstring."""
        channel = ref.author_handle or ref.key.split("/", 1)[0]
        calls = self._exchanges(fetcher)
        exchange = await calls.get(widget_url(channel, ref.post_id), headers=HTML_HEADERS)
        if isinstance(exchange, Failed):
            return exchange
        if exchange.status != 200:
            return calls.unexpected(exchange)
        where = host_of(exchange.url)
        if not is_html(exchange) or not complete(exchange.body):
            said = f"HTTP 200 from {where} is not the whole widget page"
            return calls.failed(FailureKind.UPSTREAM, said)
        read = read_widget(exchange.body, channel, ref.post_id)
        if read is None:
            said = f"the page from {where} shows neither the message nor an error"
            return calls.failed(FailureKind.UPSTREAM, said)
        if isinstance(read, GoneReason):
            return calls.gone(read.reason, read.evidence)
        return calls.live(read, exchange)
