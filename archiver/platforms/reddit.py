"""Reddit: recognising submission URLs, and observing submissions through Reddit's ``.json``
listings.

Accepted: ``reddit.com`` (also ``www.``, ``old.``, ``new.``, ``np.``, ``m.``, ``i.``,
``embed.`` and ``redditmedia.com``) with ``/r/{sub}/comments/{id}[/{slug}]``,
``/user/{name}/comments/{id}[/{slug}]`` (or ``/u/``) and ``/comments/{id}[/{slug}]``, and the
short link ``https://redd.it/{id}``. The key is the submission's base-36 id.

A **comment permalink** (``…/comments/{id}/{slug}/{comment_id}/`` or ``…/comment/{comment_id}``)
is not claimed: Archiver archives submissions, and taking the submission in the comment's
place would archive words the archivist did not point at. Share links (``/r/{sub}/s/{code}``)
are not claimed either: resolving them needs the network.

Fetching asks ``www.reddit.com/comments/{id}/.json?raw_json=1`` (the submission and one
comment; ``raw_json`` keeps text unescaped) with the cookies anonymous readers of adult and
gated subreddits send (``over18=1``, ``_options`` opting in to gated subreddits). The
submission itself says when it is gone: ``removed_by_category`` "deleted"/"author" or a
``[deleted]`` body → deleted; any other category or a ``[removed]`` body → withheld (the
category named in the evidence). Reddit's JSON errors speak for a whole subreddit: 403
``private`` → protected, 403 ``quarantined`` and 404 ``banned`` → withheld; a 404 without a
reason → deleted. An HTML page where JSON was asked for (an IP block, a login wall, the
over-18 interstitial) and 429 are failures, never evidence.
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
from archiver.platforms._http import (
    ClockedAdapter,
    NotJson,
    json_body,
    json_object,
)
from archiver.platforms._values import GoneReason
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.reddit_parse import WEB, error_reason, read_listing

EMBED: Final = "https://embed.reddit.com"
#: What an anonymous reader's browser sends so adult and gated subreddits answer.
REQUEST_HEADERS: Final = {
    "Accept": "application/json",
    "Cookie": "over18=1; _options=%7B%22pref_gated_sr_optin%22%3Atrue%7D",
}

_HOSTS: Final = frozenset(
    {
        f"{prefix}reddit.com"
        for prefix in ("", "www.", "old.", "new.", "np.", "m.", "i.", "sh.", "embed.")
    }
    | {"redditmedia.com", "www.redditmedia.com"}
)
_SHORT_HOST: Final = "redd.it"
_ID: Final = r"(?P<id>[0-9A-Za-z]{1,13})"
_SUB: Final = r"[A-Za-z0-9][A-Za-z0-9_]{1,20}"
_USER: Final = r"[A-Za-z0-9_-]{1,20}"
_PATH: Final = re.compile(
    rf"/(?:r/(?P<sub>{_SUB})/|(?:user|u)/(?P<user>{_USER})/)?comments/{_ID}"
    r"(?:/[^/?#]{1,300})?/?",
    re.ASCII,
)
_SHORT_PATH: Final = re.compile(rf"/{_ID}/?", re.ASCII)
_SELECTOR: Final = "shreddit-embed, article, main"


def _path(post_id: str, sub: str | None = None, user: str | None = None) -> str:
    """``/r/{sub}/comments/{id}/``, ``/user/{name}/comments/{id}/`` or ``/comments/{id}/``."""
    where = f"/r/{sub}" if sub else f"/user/{user}" if user else ""
    return f"{where}/comments/{post_id}/"


def listing_url(post_id: str) -> str:
    """Reddit's JSON for one submission (and at most one comment)."""
    return f"{WEB}/comments/{post_id}/.json?raw_json=1&limit=1"


class RedditAdapter(ClockedAdapter):
    """Recognises Reddit submission URLs and observes submissions through ``.json``."""

    platform: Platform = Platform.REDDIT
    display_name: str = "Reddit"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """Reddit's embed page for the submission, under its subreddit when the permalink
        Reddit gave names this submission."""
        path = _path(ref.post_id)
        permalink = data.extra.get("permalink")
        found = _PATH.fullmatch(permalink) if isinstance(permalink, str) else None
        if found is not None and found["id"].lower() == ref.post_id:
            path = _path(ref.post_id, found["sub"], found["user"])
        return ScreenshotTarget(url=f"{EMBED}{path}?embed=true", selector=_SELECTOR)

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one Reddit submission, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None:
            return None
        if parts.netloc == _SHORT_HOST:
            found = _SHORT_PATH.fullmatch(parts.path)
        elif parts.netloc in _HOSTS:
            found = _PATH.fullmatch(parts.path)
        else:
            return None
        if found is None:
            return None
        post_id = found["id"].lower()
        sub, user = found.groupdict().get("sub"), found.groupdict().get("user")
        return PostRef(
            platform=self.platform,
            key=post_id,
            post_id=post_id,
            canonical_url=f"{WEB}{_path(post_id, sub, user)}",
            author_handle=user,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the submission; see the module docstring."""
        calls = self._exchanges(fetcher)
        exchange = await calls.get(listing_url(ref.post_id), headers=REQUEST_HEADERS)
        if isinstance(exchange, Failed):
            return exchange
        if exchange.status in (403, 404):
            said = error_reason(exchange.status, json_object(exchange))
            if said is not None:
                return calls.gone(said.reason, said.evidence)
        if exchange.status != 200:
            return calls.unexpected(exchange)
        try:
            payload = json_body(exchange)
        except NotJson:
            return calls.not_json(exchange)
        read = read_listing(payload, ref.post_id)
        if read is None:
            return calls.failed(FailureKind.UPSTREAM, "Reddit answered no submission we know")
        if isinstance(read, GoneReason):
            return calls.gone(read.reason, read.evidence)
        return calls.live(read, exchange)
