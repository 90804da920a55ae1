"""X (Twitter): recognising post URLs and canonicalising them.

Accepted: ``twitter.com`` and ``x.com`` (with ``www.``, ``m.`` or ``mobile.``) and the
embed-fixer mirrors (``fxtwitter.com``, ``vxtwitter.com``, ``fixupx.com``, ``fixvx.com``, with
``d.``, ``m.`` or ``www.``). Paths ``/{user}/status/{id}``, ``/{user}/statuses/{id}``,
``/i/web/status/{id}``, ``/i/status/{id}`` and ``/statuses/{id}``, optionally followed by
``/photo/N``, ``/video/N``, a two-letter translation code or a slash. ``t.co`` short links are
not recognised: resolving them needs the network.
"""

from __future__ import annotations

import re
from typing import Final

from archiver.domain import Platform, PostRef
from archiver.platforms.base import split_url

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


class XAdapter:
    """Recognises X (Twitter) post URLs."""

    platform: Platform = Platform.X
    display_name: str = "X (Twitter)"

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
