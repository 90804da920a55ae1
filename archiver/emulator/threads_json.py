"""Threads' data as its post page embeds it: shortcodes and numeric ids, media renditions on
``scontent.cdninstagram.com``, and the post node inside the ``RelayPrefetchedStreamCache``
envelope of a ``<script type="application/json" data-sjs>`` blob.

Shortcodes are Instagram's: the numeric media id (``pk``) written in base 64 with the
alphabet ``A-Z a-z 0-9 - _``. Field names follow the page (``code``, ``pk``, ``taken_at`` in
Unix seconds, ``caption.text``, ``user{username, pk, is_verified}``, ``like_count``,
``image_versions2.candidates``, ``video_versions``, ``carousel_media``,
``text_post_app_info``); values are invented.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from archiver.emulator import idgen, media
from archiver.emulator.model import MediaItem, Post

if TYPE_CHECKING:
    from archiver.emulator.world import World

WEB: Final = "https://www.threads.com"
CDN: Final = "https://scontent.cdninstagram.com"
_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: Instagram's id epoch (2011-08-24T21:07:01.721Z) in milliseconds.
_IG_EPOCH_MS: Final = 1314220021721
_MEDIA_TYPES: Final = {"text": 19, "image": 1, "video": 2, "carousel": 8}
Register = Callable[[str, media.MediaFile], None]


def shortcode(pk: int) -> str:
    """A media id as its shortcode."""
    chars = []
    while True:
        pk, rest = divmod(pk, 64)
        chars.append(_ALPHABET[rest])
        if not pk:
            return "".join(reversed(chars))


def pk_of(code: str) -> int:
    """A shortcode's media id (the inverse of ``shortcode``)."""
    value = 0
    for char in code:
        value = value * 64 + _ALPHABET.index(char)
    return value


def new_code(moment: datetime, sequence: int) -> str:
    """A fresh shortcode: an Instagram-style id of the time, a shard and a sequence."""
    elapsed = max(0, idgen.millis(moment) - _IG_EPOCH_MS)
    return shortcode((elapsed << 23) | ((sequence % 8192) << 10) | (sequence & 0x3FF))


def is_code(text: str) -> bool:
    """Whether ``text`` can be a shortcode."""
    return 5 <= len(text) <= 64 and all(char in _ALPHABET for char in text)


def user_pk(handle: str) -> str:
    """A numeric user id derived from a username (case-insensitive)."""
    return str(10**10 + idgen.number("threads-user", handle.lower()) % (9 * 10**10))


def find(world: World, code: str) -> Post | None:
    """The Threads post with this shortcode, or ``None``."""
    try:
        return world.post("threads", code)
    except KeyError:
        return None


def post_url(post: Post) -> str:
    """The post's permalink."""
    return f"{WEB}/@{post.account.handle}/post/{post.id}"


def avatar_url(handle: str) -> str:
    """A profile picture's URL on the CDN."""
    key = idgen.number("threads-avatar", handle.lower())
    return f"{CDN}/v/t51.2885-19/{key % 10**17}_{key % 10**15}_n.jpg?stp=dst-jpg_s150x150"


def attach(item: MediaItem, seed: str, register: Register) -> None:
    """Give a picture or video its CDN files (a video also gets its poster picture)."""
    number = idgen.number("threads-media", seed)
    item.media_id = str(number % 10**19)
    item.key = idgen.hex_key(32, "threads-media", seed)
    picture = f"{CDN}/v/t51.29350-15/{number % 10**17}_{number % 10**16}_{number % 10**15}_n.jpg"
    item.urls["preview" if item.type in ("video", "gif") else "full"] = picture + "?stp=dst-jpg"
    register(picture, media.MediaFile("jpeg", seed))
    if item.type in ("video", "gif"):
        video = f"{CDN}/o1/v/t16/f2/m69/{item.key}.mp4"
        item.urls["mp4"] = video + "?efg=eyJ2ZW5jb2RlX3RhZyI6InZ0c192b2RfdXJsZ2VuIn0"
        register(video, media.MediaFile("mp4", seed))


def _renditions(item: MediaItem, url: str) -> list[dict[str, Any]]:
    """The largest rendition first, then a smaller one, as the page lists them."""
    small = max(1, item.width // 2), max(1, item.height // 2)
    return [
        {"url": url, "width": item.width, "height": item.height},
        {"url": url, "width": small[0], "height": small[1]},
    ]


def media_json(item: MediaItem) -> dict[str, Any]:
    """The media fields of one picture or video (a post's own, or a carousel item's)."""
    picture = item.urls.get("full") or item.urls.get("preview") or ""
    data: dict[str, Any] = {
        "image_versions2": {"candidates": _renditions(item, picture)},
        "original_width": item.width,
        "original_height": item.height,
        "video_versions": None,
        "accessibility_caption": item.alt or None,
    }
    if "mp4" in item.urls:
        data["video_versions"] = [
            {"type": 101, **rendition} for rendition in _renditions(item, item.urls["mp4"])
        ]
        data["media_type"] = _MEDIA_TYPES["video"]
    else:
        data["media_type"] = _MEDIA_TYPES["image"]
    return data


def post_json(post: Post) -> dict[str, Any]:
    """The post node of the page's data."""
    account, version = post.account, post.current
    pk = pk_of(post.id)
    items = [item for item in version.media if item.urls]
    node: dict[str, Any] = {
        "pk": str(pk),
        "id": f"{pk}_{account.id}",
        "code": post.id,
        "taken_at": int(post.created_at.timestamp()),
        "like_count": post.likes,
        "caption": {"text": version.text, "pk": str(pk + 1)} if version.text else None,
        "user": {
            "pk": account.id,
            "id": account.id,
            "username": account.handle,
            "is_verified": account.verified,
            "profile_pic_url": account.avatar_url,
        },
        "image_versions2": {"candidates": []},
        "video_versions": None,
        "carousel_media": None,
        "media_type": _MEDIA_TYPES["text"],
        "text_post_app_info": {
            "direct_reply_count": post.replies,
            "repost_count": post.reposts,
            "quote_count": post.quotes,
            "reshare_count": 0,
            "is_post_unavailable": False,
        },
    }
    if len(items) == 1:
        node.update(media_json(items[0]))
    elif items:
        node["carousel_media"] = [
            {"pk": str(pk + 10 + index), **media_json(item)} for index, item in enumerate(items)
        ]
        node["media_type"] = _MEDIA_TYPES["carousel"]
    return node


def thread_blob(world: World, post: Post | None) -> str:
    """The ``data-sjs`` script body carrying the post's thread (its parent first, when it
    replies to one), or an empty result when there is no post to show."""
    edges: list[dict[str, Any]] = []
    if post is not None:
        parent = find(world, post.reply_to_id) if post.reply_to_id else None
        thread = [post_json(p) for p in (parent, post) if p is not None]
        edges.append(
            {
                "node": {
                    "__typename": "XDTPostThread",
                    "id": post_json(post)["id"],
                    "thread_items": [{"post": item, "line_type": "line"} for item in thread],
                }
            }
        )
    key = idgen.hex_key(16, "threads-preloader", post.id if post else "none")
    result = {"data": {"data": {"edges": edges}}, "extensions": {"is_final": True}}
    cache = [
        "RelayPrefetchedStreamCache",
        "next",
        [],
        [f"adp_BarcelonaPostPageQuery_{key}", {"__bbox": {"complete": True, "result": result}}],
    ]
    return script_json(
        {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [cache]}}]]]}
    )


def config_blob() -> str:
    """Another ``data-sjs`` blob every page carries: settings, no post."""
    config = {
        "define": [["BarcelonaConfig", [], {"app_id": "238260118697367", "locale": "en_US"}, 1]]
    }
    return script_json({"require": [["ScheduledServerJS", "handle", None, [{"__bbox": config}]]]})


def script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (``</`` can never close it)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
