"""What every platform adapter is, and the helpers they share for reading URLs.

An adapter alone knows its platform: which URLs name a post, what the canonical URL is, and
(from the capture issue on) how to fetch a post and read the platform's "gone" signals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Protocol
from urllib.parse import SplitResult, urlsplit

from archiver.domain import (
    HttpExchange,
    Observation,
    Platform,
    PostData,
    PostRef,
    ScreenshotTarget,
)

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST: Final = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}", re.ASCII)


class Fetcher(Protocol):
    """The outbound gate as adapters see it (``archiver.egress.Egress`` implements it).

    ``get`` follows redirects (each hop checked again; the hops are in ``.redirects`` of the
    returned exchange), applies upstream overrides, caps size and time, and raises an
    ``archiver.errors.EgressError`` subclass when no response could be had. Any HTTP status,
    4xx and 5xx included, comes back as an exchange: reading it is the adapter's job.
    """

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpExchange:
        """GET ``url`` through the gate."""
        ...


class PlatformAdapter(Protocol):
    """One platform's knowledge. Registered in order in ``archiver.platforms.ADAPTERS``."""

    platform: Platform
    #: How people name the platform, for messages ("X (Twitter)").
    display_name: str

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one post of this platform, in any of its forms, or ``None``."""
        ...

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The platform's own embed page for this post (logged-out browsers see it as readers
        do), and the element holding the post."""
        ...

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the post: ``Live(data)``, ``Gone(reason, evidence)`` or ``Failed(kind, …)``.

        Every HTTP exchange made goes into the observation's ``exchanges`` (evidence), in the
        order made. Never raises for network trouble: that is ``Failed``.
        """
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


def ascii_host(host: str) -> str | None:
    """Return ``host`` in its ASCII (punycode) form if it is a valid dotted name, else ``None``."""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if len(host) > 253 or not _HOST.fullmatch(host):
        return None
    return host
