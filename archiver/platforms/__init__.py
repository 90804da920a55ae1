"""Platform adapters and their ordered registry.

The first adapter whose ``match(url)`` claims a URL handles it. Order matters: adapters for
known hosts come first, then Mastodon, which recognises post URLs on any host, and last the
generic web adapter, which takes any public http(s) URL left as a web page.
"""

from __future__ import annotations

from archiver.domain import PostRef
from archiver.platforms import web
from archiver.platforms.base import PlatformAdapter
from archiver.platforms.bluesky import BlueskyAdapter
from archiver.platforms.mastodon import MastodonAdapter
from archiver.platforms.reddit import RedditAdapter
from archiver.platforms.telegram import TelegramAdapter
from archiver.platforms.threads import ThreadsAdapter
from archiver.platforms.x import XAdapter
from archiver.platforms.youtube import YouTubeAdapter

ADAPTERS: tuple[PlatformAdapter, ...] = (
    XAdapter(),
    BlueskyAdapter(),
    RedditAdapter(),
    TelegramAdapter(),
    ThreadsAdapter(),
    YouTubeAdapter(),
    MastodonAdapter(),
    web.WebAdapter(),
)


def match_url(url: str) -> PostRef | None:
    """Return the post a URL names, from the first adapter that claims it, or ``None``."""
    for adapter in ADAPTERS:
        ref = adapter.match(url)
        if ref is not None:
            return ref
    return None


def refusal(url: str) -> str:
    """Why no adapter claims ``url``, as a clause (the web adapter, which takes every public
    http(s) URL, says what is wrong with it)."""
    return web.refusal(url) or "it names no post and no web page Archiver can read"


def adapter_for(ref: PostRef) -> PlatformAdapter:
    """The adapter that handles ``ref``'s platform."""
    for adapter in ADAPTERS:
        if adapter.platform is ref.platform:
            return adapter
    raise LookupError(f"no adapter for platform {ref.platform}")


__all__ = ["ADAPTERS", "PlatformAdapter", "adapter_for", "match_url", "refusal"]
