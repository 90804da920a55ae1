"""YouTube: recognising video URLs and observing videos through the watch page and oEmbed.

Accepted: ``youtube.com/watch?v={id}`` (the parameter anywhere in the query), ``/shorts/{id}``,
``/embed/{id}``, ``/live/{id}`` on ``youtube.com`` (``www.``, ``m.``, ``music.``),
``youtu.be/{id}`` and ``youtube-nocookie.com/embed/{id}``. The key is the 11-character video
id; the canonical URL is ``https://www.youtube.com/watch?v={id}``.

Fetching reads the watch page's ``ytInitialPlayerResponse`` (description, upload date,
channel, and the player's verdict, ``playabilityStatus``), then oEmbed (title and author).
``OK`` is live, and so is a video whose oEmbed answers 401 because its owner disabled
embedding. ``ERROR`` with oEmbed 404 is gone: deleted ("isn't available anymore", "Video
unavailable"), suspended (account terminated, removed for violating the Terms of Service) or
unavailable (account closed). ``LOGIN_REQUIRED`` "This video is private" with oEmbed 401/403 is
protected; a geographic, copyright or age block is withheld. Anything else — no player
response (a consent wall), a sign-in demand that is not about privacy (the bot check), 429,
5xx, an oEmbed answer that contradicts the page — is a failure, never gone.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Final
from urllib.parse import parse_qs, quote

from archiver.domain import (
    Failed,
    FailureKind,
    HttpExchange,
    Observation,
    Platform,
    PostData,
    PostRef,
    PostStatus,
    ScreenshotTarget,
)
from archiver.platforms._http import (
    HTML_HEADERS,
    MAX_PAGE_BYTES,
    ClockedAdapter,
    Exchanges,
    host_of,
    json_object,
)
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.html_page import Page, is_html, read_page
from archiver.platforms.youtube_parse import (
    gone_reason,
    playability,
    player_response,
    read_video,
    watch_url,
)

OEMBED_URL: Final = "https://www.youtube.com/oembed"
_VIDEO_ID: Final = re.compile(r"[A-Za-z0-9_-]{11}", re.ASCII)
_YOUTUBE_HOSTS: Final = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
)
_NOCOOKIE_HOSTS: Final = frozenset({"youtube-nocookie.com", "www.youtube-nocookie.com"})
_SHORT_HOSTS: Final = frozenset({"youtu.be", "www.youtu.be"})
_PATH: Final = re.compile(r"/(?P<kind>shorts|embed|live)/(?P<id>[^/]+)/?", re.ASCII)
#: The oEmbed answers that confirm the player's verdict, by the status it points to.
_NOT_FOUND: Final = frozenset({400, 404})
_CONFIRMS: Final = {
    PostStatus.PROTECTED: frozenset({401, 403}),
    PostStatus.WITHHELD: frozenset({200, 400, 401, 403, 404}),
}


def oembed_url(video_id: str) -> str:
    """YouTube's oEmbed address for a video."""
    return f"{OEMBED_URL}?url={quote(watch_url(video_id), safe='')}&format=json"


def _video_id(host: str, path: str, query: str) -> str | None:
    """The id a URL names, before it is checked."""
    if host in _SHORT_HOSTS:
        return path.strip("/") if path.count("/") <= 2 else None
    if host in _YOUTUBE_HOSTS and path.rstrip("/") == "/watch":
        values = parse_qs(query).get("v") or []
        return values[0] if len(values) == 1 else None
    found = _PATH.fullmatch(path)
    if found is None or (host in _NOCOOKIE_HOSTS and found["kind"] != "embed"):
        return None
    return found["id"]


class YouTubeAdapter(ClockedAdapter):
    """Recognises YouTube video URLs and observes videos through the watch page and oEmbed."""

    platform: Platform = Platform.YOUTUBE
    display_name: str = "YouTube"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The embed player page, which shows the title, channel and thumbnail logged out."""
        return ScreenshotTarget(
            url=f"https://www.youtube.com/embed/{ref.post_id}",
            selector="#player, .html5-video-player, body",
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one YouTube video, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None or parts.netloc not in _YOUTUBE_HOSTS | _NOCOOKIE_HOSTS | _SHORT_HOSTS:
            return None
        video_id = _video_id(parts.netloc, parts.path, parts.query)
        if video_id is None or not _VIDEO_ID.fullmatch(video_id):
            return None
        return PostRef(
            platform=self.platform,
            key=video_id,
            post_id=video_id,
            canonical_url=watch_url(video_id),
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the video; see the module docstring."""
        calls = self._exchanges(fetcher)
        page = await calls.get(ref.canonical_url, headers=HTML_HEADERS, max_bytes=MAX_PAGE_BYTES)
        if isinstance(page, Failed):
            return page
        if page.status != 200:
            return calls.unexpected(page)
        where = host_of(page.url)
        parsed = read_page(page.body) if is_html(page) else None
        player = player_response(parsed) if parsed is not None else None
        if parsed is None or player is None:
            said = f"the page from {where} carries no player response (a consent or bot wall?)"
            return calls.failed(FailureKind.UPSTREAM, said)
        oembed = await calls.get(oembed_url(ref.post_id))
        if isinstance(oembed, Failed):
            return oembed
        verdict = playability(player)
        gone = gone_reason(verdict) if verdict.status != "OK" else None
        if gone is not None:
            # A block is the player's word alone (oEmbed still embeds a geo-blocked video);
            # a private or removed video needs oEmbed's refusal too.
            if oembed.status in _CONFIRMS.get(gone.reason, _NOT_FOUND):
                return calls.gone(gone.reason, f"{gone.evidence}; oEmbed answers {oembed.status}.")
            if oembed.status != 200:
                return calls.unexpected(oembed)
            said = f"{gone.evidence}, yet oEmbed still embeds the video"
            return calls.failed(FailureKind.UPSTREAM, said)
        if verdict.status == "LOGIN_REQUIRED":
            said = f"YouTube asks to sign in: “{verdict.said}”"
            return calls.failed(FailureKind.AUTH_REQUIRED, said)
        return _live(calls, ref.post_id, player, parsed, page, oembed)


def _live(
    calls: Exchanges,
    video_id: str,
    player: dict[str, Any],
    parsed: Page,
    page: HttpExchange,
    oembed: HttpExchange,
) -> Observation:
    """A playable video (or one the player names without a verdict we can stand on): oEmbed
    must embed it, or refuse to because its owner disabled embedding (401)."""
    embeddable = True
    if oembed.status in (401, 403):
        embeddable, payload = False, None
    elif oembed.status == 200:
        payload = json_object(oembed)
        if payload is None:
            return calls.not_json(oembed)
    else:
        return calls.unexpected(oembed)
    data = read_video(video_id, player, parsed, payload)
    if data is None:
        return calls.failed(FailureKind.UPSTREAM, "the watch page names no video we can read")
    if not embeddable:
        data = replace(data, extra={**data.extra, "embeddable": False})
    return calls.live(data, page)
