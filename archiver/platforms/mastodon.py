"""Mastodon and compatible servers (Truth Social among them): recognising post URLs.

Mastodon runs on any host, so this adapter comes last in the registry and recognises the path
shapes alone: ``/@user/{id}``, ``/@user@origin.tld/{id}`` (a remote account seen through this
server; the id is this server's), ``/web/@user/{id}``, ``/users/{user}/statuses/{id}`` and Truth
Social's ``/@user/posts/{id}``, each optionally followed by ``/embed`` or a slash. Status ids
are per server, so the key is ``host/id`` and the host is kept exactly (no ``www.`` stripping).
"""

from __future__ import annotations

import re
from typing import Final

from archiver.domain import Platform, PostRef
from archiver.platforms.base import split_url

#: Domains owned by other platforms: never Mastodon, whatever the path looks like.
NOT_MASTODON_DOMAINS: Final = frozenset(
    {
        "x.com", "twitter.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com",
        "t.co", "bsky.app", "bsky.dev", "fxbsky.app", "threads.net", "threads.com",
        "instagram.com", "facebook.com", "fb.com", "tiktok.com", "youtube.com", "youtu.be",
        "medium.com", "reddit.com", "redd.it", "t.me", "telegram.me", "telegram.org",
        "substack.com", "linkedin.com",
    }
)  # fmt: skip

#: The one host whose canonical post URL keeps the ``/posts/`` segment.
TRUTH_SOCIAL_HOST: Final = "truthsocial.com"

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST: Final = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}", re.ASCII)
_USER: Final = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,98}[A-Za-z0-9_])?"
_PATH: Final = re.compile(
    rf"/(?:(?:web/)?@(?P<user>{_USER}(?:@[A-Za-z0-9-]{{1,63}}(?:\.[A-Za-z0-9-]{{1,63}})+)?)"
    rf"(?:/posts)?|users/(?P<ap_user>{_USER})/statuses)"
    r"/(?P<id>\d{1,25})(?:/embed)?/?",
    re.ASCII,
)


def _ascii_host(host: str) -> str | None:
    """Return ``host`` in its ASCII (punycode) form if it is a valid dotted name, else ``None``."""
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    if len(host) > 253 or not _HOST.fullmatch(host):
        return None
    return host


def _other_platform(host: str) -> bool:
    """Whether ``host`` is, or is under, a domain owned by another platform."""
    return any(host == d or host.endswith(f".{d}") for d in NOT_MASTODON_DOMAINS)


class MastodonAdapter:
    """Recognises post URLs of Mastodon and compatible servers, on any host."""

    platform: Platform = Platform.MASTODON
    display_name: str = "Mastodon (and compatible servers such as Truth Social)"

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one Mastodon-style post, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None:
            return None
        host = _ascii_host(parts.netloc)
        if host is None or _other_platform(host):
            return None
        found = _PATH.fullmatch(parts.path)
        if found is None:
            return None
        user: str = found["user"] or found["ap_user"]
        post_id: str = found["id"]
        posts = "/posts" if host == TRUTH_SOCIAL_HOST else ""
        return PostRef(
            platform=self.platform,
            key=f"{host}/{post_id}",
            post_id=post_id,
            canonical_url=f"https://{host}/@{user}{posts}/{post_id}",
            author_handle=user,
            host=host,
        )
