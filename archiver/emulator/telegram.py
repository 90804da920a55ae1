"""Telegram public channels on ``t.me``: the post widget (``/{channel}/{id}?embed=1``, also
under ``/s/``), the message page, and the message's files on ``cdn4.telesco.pe``.

An account is a channel (handle: its username, name: its title); message ids are unique
across the world here, and a message is found only under its own channel. A deleted message,
an unknown one, or any of a channel that is ``suspended``, ``takedown`` or ``deactivated``
answers the widget's ``200`` page with ``<div class="tgme_widget_message_error">Post not
found</div>``. An edited message carries "edited" in its meta line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import idgen, media
from archiver.emulator.common import Ctx, html_response, query
from archiver.emulator.model import MediaItem, Post
from archiver.emulator.text import escape_html, tokens

if TYPE_CHECKING:
    from archiver.emulator.world import World

WEB: Final = "https://t.me"
CDN: Final = "https://cdn4.telesco.pe"
_PATH: Final = re.compile(r"/(?:s/)?([A-Za-z][A-Za-z0-9_]{3,31})/(\d{1,12})/?")
_MENTION: Final = re.compile(r"(?<![\w@])@([A-Za-z][A-Za-z0-9_]{3,31})(?!\w)")
_GONE_STATES: Final = ("suspended", "takedown", "deactivated")
_STYLE: Final = """
body{margin:0;padding:8px;background:#fff;font:14px/1.4 system-ui,-apple-system,Roboto,
Helvetica,Arial,sans-serif;color:#000}
.tgme_widget_message{display:flex;gap:8px;max-width:520px}
.tgme_widget_message_user img{width:40px;height:40px;border-radius:50%}
.tgme_widget_message_bubble{flex:1;border-radius:12px;padding:8px 12px;
box-shadow:0 1px 2px rgba(0,0,0,.2)}
.tgme_widget_message_owner_name{font-weight:600;color:#3a6d99;text-decoration:none}
.tgme_widget_message_photo_wrap{display:block;background-size:cover;background-position:center;
margin:6px -12px;height:220px}
.tgme_widget_message_video{width:100%}
.tgme_widget_message_text{margin:6px 0;word-wrap:break-word}
.tgme_widget_message_info{color:#a0acb6;font-size:12px;text-align:right}
.tgme_widget_message_error{padding:16px;color:#8c8c8c;text-align:center}
"""
Register = Callable[[str, media.MediaFile], None]


def channel_id(handle: str) -> str:
    """A channel's peer id (``-100…``), derived from its username."""
    return f"-100{idgen.number('telegram-channel', handle.lower()) % 10**10}"


def post_url(post: Post) -> str:
    """The message's ``t.me`` address."""
    return f"{WEB}/{post.account.handle}/{post.id}"


def widget_url(post: Post) -> str:
    """The message's post widget."""
    return f"{post_url(post)}?embed=1&mode=tme"


def make_media(item: MediaItem, seed: str, register: Register) -> None:
    """Give an attachment its ``cdn4.telesco.pe`` URLs and register their files."""
    item.key = idgen.base62(43, "telegram-file", seed)
    item.urls["thumb"] = f"{CDN}/file/{item.key}.jpg"
    register(item.urls["thumb"], media.MediaFile("jpeg", seed))
    if item.type == "image":
        item.urls["full"] = item.urls["thumb"]
        return
    item.urls["mp4"] = f"{CDN}/file/{item.key}.mp4?token={idgen.hex_key(16, 'tg', seed)}"
    register(item.urls["mp4"], media.MediaFile("mp4", seed))


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which message a request is about, for per-post failure modes."""
    found = _PATH.fullmatch(request.url.path)
    return ("telegram", found.group(2)) if found else None


def _find(world: World, channel: str, message_id: str) -> Post | None:
    """The message, if it is shown: found under its own channel, not deleted, and its
    channel still there."""
    try:
        post = world.post("telegram", message_id)
    except KeyError:
        return None
    if post.account.handle.lower() != channel.lower():
        return None
    if post.deleted or post.account.state in _GONE_STATES:
        return None
    return post


async def handle(request: Request, ctx: Ctx) -> Response:
    """t.me: the post widget (``?embed=1``) and the message page."""
    found = _PATH.fullmatch(request.url.path)
    if found is None:
        return html_response(_document("Telegram", '<div class="tgme_page">Not found</div>'), 404)
    channel, message_id = found.groups()
    with ctx.world.lock:
        post = _find(ctx.world, channel, message_id)
        if post is None:
            error = '<div class="tgme_widget_message_error">Post not found</div>'
            return html_response(_document("Telegram Widget", _wrap(error)))
        if query(request, "embed") == "1" or request.url.path.startswith("/s/"):
            return html_response(_document("Telegram Widget", _wrap(_message(post))))
        return html_response(_page(post))


def _document(title: str, body: str, meta: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="utf-8">\n'
        f"    <title>{escape_html(title)}</title>\n"
        '    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"    {meta}<style>{_STYLE}</style>\n  </head>\n"
        '  <body class="widget_frame_base tgme_widget body_widget_post emoji_image nodark">\n'
        f"    {body}\n  </body>\n</html>\n"
    )


def _wrap(inner: str) -> str:
    return f'<div class="tgme_widget_message_wrap js-widget_message_wrap">{inner}</div>'


def text_html(source: str) -> str:
    """Message text as the widget renders it: escaped, links, mentions and hashtags as
    anchors, line breaks as ``<br/>``."""
    out, position = [], 0
    for token in tokens(source, _MENTION):
        out.append(escape_html(source[position : token.start]))
        shown = escape_html(source[token.start : token.end])
        if token.kind == "link":
            href = escape_html(token.value)
            out.append(f'<a href="{href}" target="_blank" rel="noopener">{shown}</a>')
        elif token.kind == "mention":
            out.append(f'<a href="{WEB}/{escape_html(token.value)}">{shown}</a>')
        else:
            out.append(f'<a href="?q={quote("#" + token.value)}">{shown}</a>')
        position = token.end
    out.append(escape_html(source[position:]))
    return "".join(out).replace("\n", "<br/>")


def _media_html(post: Post) -> str:
    parts = []
    for item in post.current.media:
        if item.type == "image":
            parts.append(
                f'<a class="tgme_widget_message_photo_wrap" href="{post_url(post)}?single" '
                f"style=\"width:{item.width}px;background-image:url('{item.urls['full']}')\">"
                '<div class="tgme_widget_message_photo"></div></a>'
            )
        elif "mp4" in item.urls:
            parts.append(
                f'<a class="tgme_widget_message_video_player" href="{post_url(post)}">'
                '<i class="tgme_widget_message_video_thumb" style="background-image:url(\''
                f'{item.urls["thumb"]}\')"></i><div class="tgme_widget_message_video_wrap">'
                f'<video src="{escape_html(item.urls["mp4"])}" class="tgme_widget_message_video'
                ' js-message_video" width="100%" height="100%"></video></div></a>'
            )
    return "".join(parts)


def _message(post: Post) -> str:
    account, version = post.account, post.current
    channel = escape_html(account.handle)
    edited = "edited " if len(post.versions) > 1 else ""
    text = (
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">'
        f"{text_html(version.text)}</div>"
        if version.text
        else ""
    )
    moment = post.created_at.isoformat(timespec="seconds")
    return (
        f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{channel}/{post.id}" data-post-id="{post.id}" '
        f'data-peer="c{account.id.removeprefix("-100")}">'
        f'<div class="tgme_widget_message_user"><a href="{WEB}/{channel}">'
        f'<img src="{escape_html(account.avatar_url)}" alt=""></a></div>'
        '<div class="tgme_widget_message_bubble">'
        '<div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="{WEB}/{channel}">'
        f'<span dir="auto">{escape_html(account.name)}</span></a></div>'
        f"{_media_html(post)}{text}"
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">{post.likes}</span>'
        f'<span class="tgme_widget_message_meta">{edited}'
        f'<a class="tgme_widget_message_date" href="{WEB}/{channel}/{post.id}">'
        f'<time datetime="{moment}" class="time">{post.created_at:%H:%M}</time></a>'
        "</span></div></div></div></div>"
    )


def _page(post: Post) -> str:
    """The message page ``t.me/{channel}/{id}``: Open Graph tags and a link to the app."""
    account = post.account
    meta = (
        f'<meta property="og:title" content="{escape_html(account.name)}">'
        f'<meta property="og:description" content="{escape_html(post.current.text)}">'
        f'<meta property="og:image" content="{escape_html(account.avatar_url)}">'
    )
    body = (
        f'<div class="tgme_page"><div class="tgme_page_title">{escape_html(account.name)}</div>'
        f'<a class="tgme_action_button_new" href="tg://resolve?domain={account.handle}'
        f'&amp;post={post.id}">View in Telegram</a></div>'
    )
    return _document(f"Telegram: View @{account.handle}", body, meta)
