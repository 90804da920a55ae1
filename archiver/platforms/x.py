"""X (Twitter): recognising post URLs and canonicalising them.

Accepted: ``twitter.com`` and ``x.com`` (with ``www.``, ``m.`` or ``mobile.``) and the
embed-fixer mirrors (``fxtwitter.com``, ``vxtwitter.com``, ``fixupx.com``, ``fixvx.com``, with
``d.``, ``m.`` or ``www.``). Paths ``/{user}/status/{id}``, ``/{user}/statuses/{id}``,
``/i/web/status/{id}``, ``/i/status/{id}`` and ``/statuses/{id}``, optionally followed by
``/photo/N``, ``/video/N``, a two-letter translation code or a slash. ``t.co`` short links are
not recognised: resolving them needs the network.

Fetching reads the syndication endpoint X's own embeds use (``cdn.syndication.twimg.com``, with
the token :mod:`archiver.platforms.xtoken` computes). A 404 means deleted; a tombstone says why
else the post is hidden. An edited post named by an older id is fetched again by its newest
id. When the syndication call fails (never when it says "gone"), X's oEmbed endpoint is asked
instead; if that fails too, the first failure stands.
"""

from __future__ import annotations

import re
from dataclasses import replace
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
from archiver.platforms._http import ClockedAdapter, Exchanges, json_object
from archiver.platforms._values import GoneReason
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.x_parse import read_oembed, read_tweet
from archiver.platforms.xtoken import syndication_token

SYNDICATION_URL: Final = "https://cdn.syndication.twimg.com/tweet-result"
OEMBED_URL: Final = "https://publish.twitter.com/oembed"

_HOSTS: Final = frozenset(
    {
        f"{prefix}{domain}"
        for domain in ("twitter.com", "x.com")
        for prefix in ("", "www.", "m.", "mobile.")
    }
    | {
        f"{prefix}{domain}"
        for domain in ("fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com")
        for prefix in ("", "d.", "m.", "www.")
    }
)

#: First path segments that are X's own pages, never a user's screen name.
_RESERVED: Final = frozenset(
    {
        "i", "home", "search", "hashtag", "explore", "settings", "messages", "notifications",
        "intent", "share", "compose", "login", "logout", "signup", "tos", "privacy", "statuses",
    }
)  # fmt: skip

_PATH: Final = re.compile(
    r"/(?:(?:i/web/status|i/status|statuses)|(?P<user>\w{1,50})/status(?:es)?)"
    r"/(?P<id>\d{1,25})"
    r"(?:/(?:photo|video)/\d{1,2}|/[a-z]{2})?/?",
    re.ASCII,
)


def syndication_url(post_id: str) -> str:
    """The syndication endpoint's address for one post."""
    return f"{SYNDICATION_URL}?id={post_id}&lang=en&token={syndication_token(post_id)}"


def oembed_url(post_id: str) -> str:
    """X's oEmbed address for one post."""
    return f"{OEMBED_URL}?url=https://twitter.com/i/status/{post_id}&omit_script=1&dnt=true"


class XAdapter(ClockedAdapter):
    """Recognises X (Twitter) post URLs and observes posts through the syndication endpoint."""

    platform: Platform = Platform.X
    display_name: str = "X (Twitter)"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """X's embed page (x.com shows logged-out browsers a login wall)."""
        return ScreenshotTarget(
            url=f"https://platform.twitter.com/embed/Tweet.html?id={data.post_id or ref.post_id}",
            selector="article",
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one X post, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None or parts.netloc not in _HOSTS:
            return None
        found = _PATH.fullmatch(parts.path)
        if found is None:
            return None
        user, post_id = found["user"], found["id"]
        if user is not None and user.lower() in _RESERVED:
            return None
        path = f"{user}/status" if user is not None else "i/status"
        return PostRef(
            platform=self.platform,
            key=post_id,
            post_id=post_id,
            canonical_url=f"https://x.com/{path}/{post_id}",
            author_handle=user,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the post: syndication first, its newest version if edited, oEmbed on failure."""
        calls = self._exchanges(fetcher)
        first = await _syndication(calls, ref.post_id)
        if isinstance(first, Failed):
            return await _oembed_fallback(calls, ref.post_id, first)
        if isinstance(first, GoneReason):
            return calls.gone(first.reason, first.evidence)
        data, source = first
        newest = data.edit_history_ids[-1] if data.edit_history_ids else data.post_id
        if newest == data.post_id:
            return calls.live(data, source)
        stale = {"requested_id": ref.post_id, "is_stale_edit": True}
        latest = await _syndication(calls, newest)
        if isinstance(latest, tuple):
            latest_data, latest_source = latest
            return calls.live(_with_extra(latest_data, stale), latest_source)
        # The version asked for is live but its newest one could not be read: keep what we have.
        said = latest.detail if isinstance(latest, Failed) else latest.evidence
        note = {"latest_id": newest, "latest_unreadable": said}
        return calls.live(_with_extra(data, stale | note), source)


def _with_extra(data: PostData, extra: dict[str, object]) -> PostData:
    return replace(data, extra={**data.extra, **extra})


async def _syndication(
    calls: Exchanges, post_id: str
) -> tuple[PostData, HttpExchange] | GoneReason | Failed:
    """Read one post from the syndication endpoint."""
    exchange = await calls.get(syndication_url(post_id))
    if isinstance(exchange, Failed):
        return exchange
    if exchange.status == 404:
        return GoneReason(
            PostStatus.DELETED,
            "HTTP 404 from the syndication endpoint: the post does not exist or was deleted.",
        )
    if exchange.status != 200:
        return calls.unexpected(exchange)
    payload = json_object(exchange)
    if payload is None:
        return calls.not_json(exchange)
    read = read_tweet(payload, post_id)
    if read is None:
        return calls.failed(FailureKind.UPSTREAM, "the syndication answer is not a post we know")
    return read if isinstance(read, GoneReason) else (read, exchange)


async def _oembed_fallback(calls: Exchanges, post_id: str, failure: Failed) -> Observation:
    """Ask oEmbed after the syndication endpoint failed; the first failure stands if it fails."""
    exchange = await calls.get(oembed_url(post_id))
    if isinstance(exchange, HttpExchange) and exchange.status == 200:
        payload = json_object(exchange)
        data = read_oembed(payload, post_id) if payload is not None else None
        if data is not None:
            return calls.live(data, exchange)
    return calls.failed(failure.kind, failure.detail, failure.retry_after)
