"""YouTube's data as the watch page embeds it: video and channel ids, and the
``ytInitialPlayerResponse`` object (``playabilityStatus``, ``videoDetails``,
``microformat.playerMicroformatRenderer``) for each state a video can be in.

A post's text is the video's title, a blank line, then its description. What each state
answers (field names and reasons as YouTube serves them; values invented):

* live: ``OK``; ``embedding_disabled`` variant: ``OK``, but oEmbed answers 401.
* deleted: ``ERROR`` "This video isn't available anymore"; oEmbed 404.
* ``terminated`` variant, account ``suspended``/``takedown``: ``ERROR`` "This video is no
  longer available because the YouTube account associated with this video has been
  terminated."; oEmbed 404.
* ``removed`` variant: ``ERROR`` "This video has been removed for violating YouTube's Terms of
  Service"; oEmbed 404.
* account ``deactivated``: ``ERROR`` "… the YouTube account associated with this video has been
  closed."; oEmbed 404.
* ``private`` variant, account ``protected``: ``LOGIN_REQUIRED`` "This video is private";
  oEmbed 403.
* ``geo_blocked`` variant, account ``withheld``: ``UNPLAYABLE`` "Video unavailable" with the
  subreason "The uploader has not made this video available in your country"; oEmbed 200.
* ``copyright_blocked`` variant: ``UNPLAYABLE``, subreason "… who has blocked it in your
  country on copyright grounds"; oEmbed 200.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from archiver.emulator import idgen
from archiver.emulator.model import Post
from archiver.emulator.text import escape_html

WEB: Final = "https://www.youtube.com"
THUMBS: Final = "https://i.ytimg.com"
_PACIFIC: Final = timezone(timedelta(hours=-7))
_GONE_ACCOUNT: Final = (
    "This video is no longer available because the YouTube account associated with this "
    "video has been {}."
)
#: (status, reason, subreason, oEmbed status) per state.
STATES: Final[dict[str, tuple[str, str, str, int]]] = {
    "live": ("OK", "", "", 200),
    "embedding_disabled": ("OK", "", "", 401),
    "deleted": ("ERROR", "This video isn't available anymore", "", 404),
    "terminated": ("ERROR", _GONE_ACCOUNT.format("terminated"), "", 404),
    "closed": ("ERROR", _GONE_ACCOUNT.format("closed"), "", 404),
    "removed": (
        "ERROR",
        "This video has been removed for violating YouTube's Terms of Service",
        "",
        404,
    ),
    "private": ("LOGIN_REQUIRED", "This video is private", "", 403),
    "geo_blocked": (
        "UNPLAYABLE",
        "Video unavailable",
        "The uploader has not made this video available in your country",
        200,
    ),
    "copyright_blocked": (
        "UNPLAYABLE",
        "Video unavailable",
        "This video contains content from Example Records, who has blocked it in your "
        "country on copyright grounds",
        200,
    ),
    "bot_check": ("LOGIN_REQUIRED", "Sign in to confirm you\u2019re not a bot", "", 401),
}
_ACCOUNT_STATES: Final = {
    "suspended": "terminated",
    "takedown": "terminated",
    "deactivated": "closed",
    "protected": "private",
    "withheld": "geo_blocked",
}


@dataclass(frozen=True)
class Shown:
    """How a video shows: its state's playability and oEmbed status."""

    state: str
    status: str
    reason: str
    subreason: str
    oembed_status: int


def shown(post: Post | None) -> Shown:
    """The state a video (or a missing one) is shown in."""
    if post is None or post.deleted:
        state = "deleted"
    elif post.account.state in _ACCOUNT_STATES:
        state = _ACCOUNT_STATES[post.account.state]
    elif post.variant in STATES:
        state = post.variant
    else:
        state = "live"
    return Shown(state, *STATES[state])


def new_id(moment: datetime, sequence: int) -> str:
    """A fresh 11-character video id (64 bits in base64url, as YouTube's are)."""
    raw = idgen.digest("youtube-video", moment.isoformat(), sequence)[:8]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def is_video_id(text: str) -> bool:
    """Whether ``text`` is an 11-character video id."""
    return len(text) == 11 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def channel_id(handle: str) -> str:
    """A channel id (``UC`` and 22 base64url characters) derived from a handle."""
    raw = idgen.digest("youtube-channel", handle.lower())[:16]
    return "UC" + base64.urlsafe_b64encode(raw).decode()[:22]


def watch_url(video_id: str) -> str:
    """The canonical watch page of a video."""
    return f"{WEB}/watch?v={video_id}"


def thumbnail(video_id: str, name: str = "hqdefault") -> str:
    """A thumbnail's URL on i.ytimg.com."""
    return f"{THUMBS}/vi/{video_id}/{name}.jpg"


def title_and_description(post: Post) -> tuple[str, str]:
    """The video's title and description (the text's first paragraph, and the rest)."""
    title, _, description = post.current.text.partition("\n\n")
    return title, description


def player_json(post: Post | None, video_id: str, state: Shown) -> dict[str, Any]:
    """The ``ytInitialPlayerResponse`` object of a watch page."""
    playability: dict[str, Any] = {"status": state.status, "playableInEmbed": state.status == "OK"}
    if state.reason:
        playability["reason"] = state.reason
        screen: dict[str, Any] = {"reason": {"simpleText": state.reason}}
        if state.subreason:
            screen["subreason"] = {"runs": [{"text": state.subreason}]}
        playability["errorScreen"] = {"playerErrorMessageRenderer": screen}
    if state.state == "embedding_disabled":
        playability["playableInEmbed"] = False
    data: dict[str, Any] = {
        "responseContext": {"visitorData": idgen.base62(24, "visitor", video_id)},
        "playabilityStatus": playability,
    }
    if post is None or state.status in ("ERROR", "LOGIN_REQUIRED"):
        return data
    title, description = title_and_description(post)
    account = post.account
    seconds = 60 + idgen.number("length", video_id) % 3600
    data["videoDetails"] = {
        "videoId": video_id,
        "title": title,
        "lengthSeconds": str(seconds),
        "channelId": account.id,
        "isOwnerViewing": False,
        "shortDescription": description,
        "isCrawlable": True,
        "thumbnail": {
            "thumbnails": [
                {"url": thumbnail(video_id, "default"), "width": 120, "height": 90},
                {"url": thumbnail(video_id, "hqdefault"), "width": 480, "height": 360},
                {"url": thumbnail(video_id, "maxresdefault"), "width": 1280, "height": 720},
            ]
        },
        "allowRatings": True,
        "viewCount": str(post.likes * 37 + post.replies),
        "author": account.name,
        "isPrivate": False,
        "isLiveContent": False,
    }
    published = upload_date(post)
    data["microformat"] = {
        "playerMicroformatRenderer": {
            "title": {"simpleText": title},
            "description": {"simpleText": description},
            "lengthSeconds": str(seconds),
            "ownerProfileUrl": f"http://www.youtube.com/@{account.handle}",
            "externalChannelId": account.id,
            "isFamilySafe": True,
            "availableCountries": [] if state.state == "geo_blocked" else ["GB", "US"],
            "isUnlisted": False,
            "category": "News & Politics",
            "publishDate": published,
            "uploadDate": published,
            "ownerChannelName": account.name,
        }
    }
    return data


def upload_date(post: Post) -> str:
    """When the video was published, as the watch page writes it (``-07:00``: Pacific)."""
    pacific = post.created_at.astimezone(_PACIFIC)
    return pacific.strftime("%Y-%m-%dT%H:%M:%S-07:00")


def oembed_json(post: Post, video_id: str) -> dict[str, Any]:
    """The oEmbed answer for a video."""
    title, _ = title_and_description(post)
    return {
        "title": title,
        "author_name": post.account.name,
        "author_url": f"{WEB}/@{post.account.handle}",
        "type": "video",
        "height": 113,
        "width": 200,
        "version": "1.0",
        "provider_name": "YouTube",
        "provider_url": f"{WEB}/",
        "thumbnail_height": 360,
        "thumbnail_width": 480,
        "thumbnail_url": thumbnail(video_id),
        "html": (
            f'<iframe width="200" height="113" src="{WEB}/embed/{video_id}?feature=oembed" '
            'frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; '
            'gyroscope; picture-in-picture; web-share" referrerpolicy='
            f'"strict-origin-when-cross-origin" allowfullscreen title="{escape_html(title)}">'
            "</iframe>"
        ),
    }
