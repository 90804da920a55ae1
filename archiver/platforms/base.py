"""What every platform adapter is, and the helpers they share for reading URLs.

An adapter alone knows its platform: which URLs name a post, what the canonical URL is, and
(from the capture issue on) how to fetch a post and read the platform's "gone" signals.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import SplitResult, urlsplit

from archiver.domain import Platform, PostRef


class PlatformAdapter(Protocol):
    """One platform's knowledge. Registered in order in ``archiver.platforms.ADAPTERS``."""

    platform: Platform
    #: How people name the platform, for messages ("X (Twitter)").
    display_name: str

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one post of this platform, in any of its forms, or ``None``."""
        ...


def split_url(
    url: str, *, schemes: frozenset[str] = frozenset({"http", "https"})
) -> SplitResult | None:
    """Split ``url`` if its scheme is one of ``schemes`` and it has a host, else ``None``.

    The host comes back lower-cased, without a trailing dot or port; path and query untouched.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not host:
        return None
    return parts._replace(scheme=parts.scheme.lower(), netloc=host)


def strip_host_prefixes(host: str, prefixes: tuple[str, ...]) -> str:
    """Drop one leading label such as ``www.`` or ``mobile.`` from a host."""
    for prefix in prefixes:
        if host.startswith(prefix):
            return host[len(prefix) :]
    return host
