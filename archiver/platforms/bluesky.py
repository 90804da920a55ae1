"""Bluesky: recognising post URLs and AT-URIs and canonicalising them.

Accepted: ``https://bsky.app/profile/{handle-or-DID}/post/{rkey}`` (also on ``www.bsky.app``,
``main.bsky.dev`` and the ``fxbsky.app`` mirror) and ``at://{handle-or-DID}/app.bsky.feed.post/
{rkey}``. A handle and the DID it resolves to name the same post but stay distinct keys here;
resolving handles needs the network and happens later.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote

from archiver.domain import Platform, PostRef
from archiver.platforms.base import split_url

_HOSTS: Final = frozenset(
    {"bsky.app", "www.bsky.app", "main.bsky.dev", "fxbsky.app", "d.fxbsky.app", "m.fxbsky.app"}
)

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: A handle: a domain name whose last label does not start with a digit (atproto spec).
_HANDLE: Final = re.compile(rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?", re.ASCII)
_DID: Final = re.compile(rf"did:(?:plc:[a-z2-7]{{24}}|web:(?:{_LABEL}\.)+{_LABEL})", re.ASCII)
_RKEY: Final = re.compile(r"[A-Za-z0-9._:~-]{1,512}", re.ASCII)

_WEB_PATH: Final = re.compile(r"/profile/(?P<authority>[^/]{1,600})/post/(?P<rkey>[^/]{1,600})/?")
_AT_URI: Final = re.compile(
    r"(?i:at)://(?P<authority>[^/?#]{1,600})/app\.bsky\.feed\.post/(?P<rkey>[^/?#]{1,600})/?(?:[?#].*)?",
    re.DOTALL,
)


def _authority(raw: str) -> tuple[str, str | None] | None:
    """Return ``(authority, handle or None)`` for a handle or DID, or ``None`` if it is neither."""
    text = unquote(raw)
    if _DID.fullmatch(text):
        return text, None
    handle = text.lower()
    if text.isascii() and len(handle) <= 253 and _HANDLE.fullmatch(handle):
        return handle, handle
    return None


class BlueskyAdapter:
    """Recognises Bluesky post URLs and AT-URIs."""

    platform: Platform = Platform.BLUESKY
    display_name: str = "Bluesky"

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL or AT-URI naming one Bluesky post, in any of its forms, or ``None``."""
        found = _AT_URI.fullmatch(url.strip())
        if found is None:
            parts = split_url(url)
            if parts is None or parts.netloc not in _HOSTS:
                return None
            found = _WEB_PATH.fullmatch(parts.path)
            if found is None:
                return None
        authority = _authority(found["authority"])
        rkey = unquote(found["rkey"])
        if authority is None or rkey in {".", ".."} or not _RKEY.fullmatch(rkey):
            return None
        did_or_handle, handle = authority
        return PostRef(
            platform=self.platform,
            key=f"{did_or_handle}/{rkey}",
            post_id=rkey,
            canonical_url=f"https://bsky.app/profile/{did_or_handle}/post/{rkey}",
            author_handle=handle,
        )
