"""Reading YouTube's answers: the watch page's ``ytInitialPlayerResponse`` (its
``playabilityStatus``, ``videoDetails`` and ``microformat.playerMicroformatRenderer``) and
``itemprop`` metadata, and the oEmbed JSON, into ``PostData``; and what a playability status
and its reason say about a video that is not shown.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from archiver.domain import Author, Media, MediaType, PostData, PostStatus
from archiver.platforms._values import GoneReason, integer, items, obj, string, timestamp
from archiver.platforms.html_page import Page, assigned_json

WEB: Final = "https://www.youtube.com"
#: Reason wording (lower-cased, curly apostrophes straightened) and what it means, in order.
_ERROR_REASONS: Final = (
    ("has been terminated", PostStatus.SUSPENDED),
    ("terms of service", PostStatus.SUSPENDED),
    ("community guidelines", PostStatus.SUSPENDED),
    ("has been closed", PostStatus.UNAVAILABLE),
    ("copyright", PostStatus.WITHHELD),
    ("in your country", PostStatus.WITHHELD),
    ("removed by the uploader", PostStatus.DELETED),
    ("isn't available anymore", PostStatus.DELETED),
    ("video unavailable", PostStatus.DELETED),
)
_WITHHELD_REASONS: Final = ("in your country", "copyright", "confirm your age", "age-restricted")


@dataclass(frozen=True, slots=True)
class Playability:
    """The player's verdict: ``status`` (``OK``, ``ERROR``, ``LOGIN_REQUIRED``,
    ``UNPLAYABLE``…) and what it said (reason and subreason, joined)."""

    status: str
    said: str

    @property
    def lowered(self) -> str:
        """What it said, lower-cased with curly apostrophes straightened, for matching."""
        return self.said.lower().replace("\u2019", "'")


def watch_url(video_id: str) -> str:
    """The canonical watch page of a video."""
    return f"{WEB}/watch?v={video_id}"


def player_response(page: Page) -> dict[str, Any] | None:
    """The page's ``ytInitialPlayerResponse`` object, or ``None`` (a consent or bot wall)."""
    found = assigned_json(page, "ytInitialPlayerResponse")
    return found if isinstance(found, dict) and "playabilityStatus" in found else None


def _text(value: object) -> str:
    """A YouTube text object (``simpleText`` or ``runs``) or a string, as plain text."""
    if isinstance(value, str):
        return value
    text = obj(value)
    simple = string(text.get("simpleText"))
    if simple is not None:
        return simple
    return "".join(str(obj(run).get("text") or "") for run in items(text.get("runs")))


def playability(player: Mapping[str, Any]) -> Playability:
    """The playability status and what it says (reason, then the error screen's subreason)."""
    status = obj(player.get("playabilityStatus"))
    screen = obj(obj(status.get("errorScreen")).get("playerErrorMessageRenderer"))
    parts = [
        _text(status.get("reason")) or _text(screen.get("reason")),
        _text(screen.get("subreason")),
    ]
    return Playability(
        str(status.get("status") or ""), ": ".join(p.strip() for p in parts if p.strip())
    )


def gone_reason(verdict: Playability) -> GoneReason | None:
    """What a non-``OK`` verdict says about the video: ``None`` when it says nothing we can
    stand on (a bot check, a live stream not started, a status we do not know)."""
    said = verdict.lowered
    evidence = f"YouTube's player answers {verdict.status}: “{verdict.said}”"
    if verdict.status == "ERROR":
        reason = next((r for phrase, r in _ERROR_REASONS if phrase in said), PostStatus.UNAVAILABLE)
        return GoneReason(reason, evidence)
    if verdict.status == "LOGIN_REQUIRED" and "private" in said:
        return GoneReason(PostStatus.PROTECTED, evidence)
    if verdict.status in ("LOGIN_REQUIRED", "UNPLAYABLE") and any(
        phrase in said for phrase in _WITHHELD_REASONS
    ):
        return GoneReason(PostStatus.WITHHELD, evidence)
    return None


def read_video(
    video_id: str, player: Mapping[str, Any], page: Page, oembed: Mapping[str, Any] | None
) -> PostData | None:
    """The video as a post (title, a blank line, the description), or ``None`` if the page
    names no video."""
    details = obj(player.get("videoDetails"))
    micro = obj(obj(player.get("microformat")).get("playerMicroformatRenderer"))
    embed = oembed or {}
    if details.get("videoId") not in (None, video_id):
        return None
    title = (
        string(embed.get("title"))
        or string(details.get("title"))
        or _text(micro.get("title"))
        or page.meta.get("og:title")
    )
    if not title:
        return None
    full = details.get("shortDescription")  # the whole description, despite its name
    description: str = (
        full
        if isinstance(full, str)
        else _text(micro.get("description")) or page.meta.get("description", "")
    )
    text = f"{title}\n\n{description}" if description.strip() else title
    extra: dict[str, Any] = {"source": "watch_page"}
    verdict = playability(player)
    if verdict.status != "OK":
        extra["playability"] = {"status": verdict.status, "reason": verdict.said}
    for name, value in (
        ("length_seconds", integer(details.get("lengthSeconds"))),
        ("category", string(micro.get("category"))),
        ("is_live_content", details.get("isLiveContent")),
        ("playable_in_embed", obj(player.get("playabilityStatus")).get("playableInEmbed")),
    ):
        if value is not None:
            extra[name] = value
    published = (
        micro.get("publishDate")
        or micro.get("uploadDate")
        or page.meta.get("datepublished")
        or page.meta.get("uploaddate")
    )
    views = integer(details.get("viewCount"))
    return PostData(
        post_id=video_id,
        url=watch_url(video_id),
        text=text,
        author=_author(details, micro, embed),
        posted_at=timestamp(published),
        media=_thumbnail(details, embed),
        metrics={} if views is None else {"views": views},
        extra=extra,
    )


def _author(
    details: Mapping[str, Any], micro: Mapping[str, Any], embed: Mapping[str, Any]
) -> Author | None:
    url = string(embed.get("author_url")) or string(micro.get("ownerProfileUrl"))
    path = urlsplit(url).path if url else ""
    handle = path.removeprefix("/@") if path.startswith("/@") else None
    channel = string(details.get("channelId")) or string(micro.get("externalChannelId"))
    name = string(embed.get("author_name")) or string(details.get("author"))
    if not (channel or handle or name):
        return None
    profile = f"{WEB}/@{handle}" if handle else f"{WEB}/channel/{channel}" if channel else None
    return Author(channel, handle, name, profile)


def _thumbnail(details: Mapping[str, Any], embed: Mapping[str, Any]) -> tuple[Media, ...]:
    """The video's largest thumbnail, as its picture (the video itself is not downloadable)."""
    thumbs = [
        t
        for t in map(obj, items(obj(details.get("thumbnail")).get("thumbnails")))
        if string(t.get("url"))
    ]
    if thumbs:
        best = max(
            thumbs, key=lambda t: (integer(t.get("width")) or 0) * (integer(t.get("height")) or 0)
        )
        return (
            Media(
                MediaType.PHOTO,
                str(best["url"]),
                None,
                integer(best.get("width")),
                integer(best.get("height")),
            ),
        )
    url = string(embed.get("thumbnail_url"))
    if url is None:
        return ()
    size = integer(embed.get("thumbnail_width")), integer(embed.get("thumbnail_height"))
    return (Media(MediaType.PHOTO, url, None, *size),)
