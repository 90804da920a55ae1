"""YouTube: the watch page (``og:`` tags, ``itemprop`` metadata and the
``ytInitialPlayerResponse`` script), oEmbed and the embed player page on ``www.youtube.com``,
and thumbnails on ``i.ytimg.com``. What each state of a video answers: see ``youtube_json``.

oEmbed errors are bare text, as YouTube sends them: ``404 Not Found``, ``401 Unauthorized``
(embedding disabled), ``403 Forbidden`` (private), ``400 Bad Request``.
"""

from __future__ import annotations

import json
import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import idgen, media, pages
from archiver.emulator.common import Ctx, html_response, json_response, query, text_response
from archiver.emulator.model import Post
from archiver.emulator.text import escape_html
from archiver.emulator.youtube_json import (
    STATES,
    Shown,
    oembed_json,
    player_json,
    shown,
    thumbnail,
    title_and_description,
    upload_date,
    watch_url,
)

_PATH_ID: Final = re.compile(r"/(?:embed|shorts|live)/([A-Za-z0-9_-]{11})/?")
_THUMB: Final = re.compile(r"/vi/([A-Za-z0-9_-]{11})/(\w+)\.jpg")
_OEMBED_ERRORS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
}


def video_id_of(url: str) -> str | None:
    """The video a YouTube URL names (``watch?v=``, ``youtu.be/``, ``/embed/``…), or ``None``."""
    parts = urlsplit(url)
    if (parts.hostname or "").endswith("youtu.be"):
        candidate = parts.path.strip("/")
    elif parts.path.rstrip("/") == "/watch":
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    else:
        found = _PATH_ID.fullmatch(parts.path)
        candidate = found.group(1) if found else ""
    return candidate if re.fullmatch(r"[A-Za-z0-9_-]{11}", candidate) else None


def _find(ctx: Ctx, video_id: str | None) -> Post | None:
    if video_id is None:
        return None
    try:
        return ctx.world.post("youtube", video_id)
    except KeyError:
        return None


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which video a request is about, for per-post failure modes."""
    path = request.url.path
    url = query(request, "url") or "" if path == "/oembed" else str(request.url)
    video_id = video_id_of(url)
    return ("youtube", video_id) if video_id else None


async def handle(request: Request, ctx: Ctx) -> Response:
    """The watch page, oEmbed and the embed page."""
    path = request.url.path
    with ctx.world.lock:
        if path == "/oembed":
            return _oembed(ctx, request)
        if path.rstrip("/") == "/watch" or path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = video_id_of(str(request.url))
            if video_id is None:
                return html_response(pages.notice_page("YouTube", "404 Not Found"), 404)
            post = _find(ctx, video_id)
            if path.startswith("/embed/"):
                return html_response(_embed_page(post, video_id, shown(post)))
            return html_response(watch_page(post, video_id, shown(post)))
    return html_response(pages.notice_page("YouTube", "404 Not Found"), 404)


async def handle_thumbnail(request: Request, ctx: Ctx) -> Response:
    """``i.ytimg.com/vi/{id}/{name}.jpg``: a JPEG for every video that exists."""
    found = _THUMB.fullmatch(request.url.path)
    if found is None or _find(ctx, found.group(1)) is None:
        return text_response("Not Found", 404)
    body, content_type = media.render(media.MediaFile("jpeg", "youtube:" + found.group(1)))
    return Response(body, 200, {"content-type": content_type, "cache-control": "max-age=7200"})


def rate_limited(retry_after: int) -> Response:
    """Too many requests: a 429 page with ``Retry-After``."""
    response = html_response(
        pages.notice_page("YouTube", "Our systems have detected unusual traffic."), 429
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def auth_required(request: Request) -> Response:
    """The bot check: the watch page asks to sign in (``LOGIN_REQUIRED``), oEmbed says 401."""
    if request.url.path == "/oembed":
        return text_response("Unauthorized", 401, content_type="text/html; charset=utf-8")
    video_id = video_id_of(str(request.url)) or "xxxxxxxxxxx"
    return html_response(watch_page(None, video_id, Shown("bot_check", *STATES["bot_check"])))


def _oembed(ctx: Ctx, request: Request) -> Response:
    url = query(request, "url")
    video_id = video_id_of(url) if url else None
    if video_id is None:
        return _oembed_error(400)
    if (query(request, "format") or "json") != "json":
        return text_response("Not Implemented", 501, content_type="text/html; charset=utf-8")
    post = _find(ctx, video_id)
    state = shown(post)
    if post is None or state.oembed_status != 200:
        return _oembed_error(404 if post is None else state.oembed_status)
    return json_response(oembed_json(post, video_id))


def _oembed_error(status: int) -> Response:
    return text_response(_OEMBED_ERRORS[status], status, content_type="text/html; charset=utf-8")


def watch_page(post: Post | None, video_id: str, state: Shown) -> str:
    """The watch page: metadata when the video can be shown, and the player response."""
    player = json.dumps(player_json(post, video_id, state), ensure_ascii=False)
    player = player.replace("</", "<\\/")
    nonce = idgen.base62(22, "nonce", video_id)
    script = (
        f'<script nonce="{nonce}">var ytInitialPlayerResponse = {player};'
        "var meta = document.createElement('meta'); meta.name = 'referrer';</script>"
        f'<script nonce="{nonce}">var ytInitialData = {{"contents":{{}}}};</script>'
    )
    if post is None or state.status in ("ERROR", "LOGIN_REQUIRED"):
        return pages.document(" - YouTube", f'<div id="player"></div>{script}')
    title, description = title_and_description(post)
    url = watch_url(video_id)
    meta = {
        "og:site_name": "YouTube",
        "og:url": url,
        "og:title": title,
        "og:image": thumbnail(video_id, "maxresdefault"),
        "og:description": description[:160],
        "og:type": "video.other",
    }
    published = upload_date(post)
    microdata = (
        '<div itemscope itemtype="http://schema.org/VideoObject">'
        f'<meta itemprop="name" content="{escape_html(title)}">'
        f'<meta itemprop="description" content="{escape_html(description[:160])}">'
        f'<meta itemprop="datePublished" content="{published}">'
        f'<meta itemprop="uploadDate" content="{published}">'
        f'<link itemprop="thumbnailUrl" href="{thumbnail(video_id, "maxresdefault")}">'
        '<span itemprop="author" itemscope itemtype="http://schema.org/Person">'
        f'<link itemprop="url" href="http://www.youtube.com/@{escape_html(post.account.handle)}">'
        f'<link itemprop="name" content="{escape_html(post.account.name)}"></span></div>'
    )
    body = f'<link rel="canonical" href="{url}"><div id="player"></div>{microdata}{script}'
    return pages.document(f"{title} - YouTube", body, meta=meta)


def _embed_page(post: Post | None, video_id: str, state: Shown) -> str:
    if post is None or state.status != "OK" or state.state == "embedding_disabled":
        said = "Video unavailable"
        if state.state == "embedding_disabled":
            said += ". Playback on other websites has been disabled by the video owner."
        return pages.notice_page("YouTube", said)
    title, _ = title_and_description(post)
    body = (
        '<div id="player" class="html5-video-player" style="max-width:640px">'
        f'<a class="ytp-title-link" href="{watch_url(video_id)}">{escape_html(title)}</a>'
        f'<div class="ytp-title-channel">{escape_html(post.account.name)}</div>'
        f'<img src="{thumbnail(video_id)}" alt="" style="width:100%;display:block">'
        '<button class="ytp-large-play-button" aria-label="Play">▶</button></div>'
    )
    return pages.document(f"{title} - YouTube", body)
