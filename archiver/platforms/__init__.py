"""Platform adapters and their ordered registry.

The first adapter whose ``match(url)`` claims a URL handles it. Order matters: adapters for
known hosts come before Mastodon, which recognises post URLs on any host.
"""

from __future__ import annotations

from archiver.domain import PostRef
from archiver.platforms.base import PlatformAdapter
from archiver.platforms.bluesky import BlueskyAdapter
from archiver.platforms.mastodon import MastodonAdapter
from archiver.platforms.x import XAdapter

ADAPTERS: tuple[PlatformAdapter, ...] = (XAdapter(), BlueskyAdapter(), MastodonAdapter())


def match_url(url: str) -> PostRef | None:
    """Return the post a URL names, from the first adapter that claims it, or ``None``."""
    for adapter in ADAPTERS:
        ref = adapter.match(url)
        if ref is not None:
            return ref
    return None


def supported_platforms() -> list[str]:
    """Names of the platforms whose post URLs are recognised, in registry order."""
    return [adapter.display_name for adapter in ADAPTERS]


__all__ = ["ADAPTERS", "PlatformAdapter", "match_url", "supported_platforms"]
