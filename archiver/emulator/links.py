"""Real-world URLs of the emulated things: post permalinks and API URLs, avatars, and each
platform's media URLs (registered with the world so the media origins can serve them).

Payloads always carry the *real* origins (``https://pbs.twimg.com/…``); a client reaches the
emulator through its upstream overrides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from archiver.emulator import idgen, media, reddit_json, telegram, threads_json, web, youtube_json
from archiver.emulator.model import Account, MediaItem, Post
from archiver.emulator.x import syndication_url

MASTODON_MEDIA_BASES = {
    "mastodon.social": "https://files.mastodon.social",
    "truthsocial.com": "https://static-assets-1.truthsocial.com/tmtg:prime-ts-assets",
}
Register = Callable[[str, media.MediaFile], None]


def media_base(host: str) -> str:
    """Where a Mastodon-style host keeps its files (its own ``/system`` unless known)."""
    return MASTODON_MEDIA_BASES.get(host, f"https://{host}/system")


def post_url(post: Post, version_id: str | None = None) -> str:
    """The post's permalink on the platform's website."""
    handle = post.account.handle
    if post.platform == "x":
        return f"https://x.com/{handle}/status/{version_id or post.current.id}"
    if post.platform == "bluesky":
        return f"https://bsky.app/profile/{handle}/post/{post.id}"
    if post.platform == "reddit":
        return reddit_json.post_url(post)
    if post.platform == "telegram":
        return telegram.post_url(post)
    if post.platform == "threads":
        return threads_json.post_url(post)
    if post.platform == "youtube":
        return youtube_json.watch_url(post.id)
    if post.platform == "web":
        return web.page_url(post)
    posts = "posts/" if post.platform == "truthsocial" else ""
    return f"https://{post.host}/@{handle}/{posts}{post.id}"


def at_uri(post: Post) -> str:
    """A Bluesky post's AT-URI (DID authority)."""
    return f"at://{post.account.id}/app.bsky.feed.post/{post.id}"


def api_url(post: Post, version_id: str | None = None) -> str:
    """The platform's JSON endpoint for the post."""
    if post.platform == "x":
        return syndication_url(version_id or post.current.id)
    if post.platform == "bluesky":
        uri = quote(at_uri(post), safe="")
        return (
            "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread"
            f"?uri={uri}&depth=0&parentHeight=0"
        )
    if post.platform == "reddit":
        return reddit_json.api_url(post)
    if post.platform == "telegram":  # an HTML widget, no JSON API
        return telegram.widget_url(post)
    if post.platform == "threads":  # no JSON API: the post page carries the data
        return threads_json.post_url(post)
    if post.platform == "youtube":
        return f"https://www.youtube.com/oembed?url={quote(youtube_json.watch_url(post.id))}"
    if post.platform == "web":  # no API: the page carries the data
        return web.page_url(post)
    return f"https://{post.host}/api/v1/statuses/{post.id}"


def avatar(account: Account, register: Register) -> str:
    """Make, register and return the account's avatar URL."""
    key = idgen.hex_key(16, "avatar", account.platform, account.host, account.handle)
    if account.platform == "x":
        url = f"https://pbs.twimg.com/profile_images/{account.id}/{key}_normal.jpg"
    elif account.platform == "bluesky":
        blob = idgen.cid(("avatar", account.id), raw=True)
        url = f"https://cdn.bsky.app/img/avatar/plain/{account.id}/{blob}@jpeg"
    elif account.platform == "reddit":
        url = f"https://i.redd.it/snoovatar/avatars/{key}.png"
    elif account.platform == "telegram":
        url = f"https://cdn4.telesco.pe/file/{key}.jpg"
    elif account.platform == "threads":
        url = threads_json.avatar_url(account.handle)
    elif account.platform == "youtube":
        url = f"https://yt3.ggpht.com/ytc/{idgen.base62(40, 'yt-avatar', key)}=s88-c-k-no-rj"
    elif account.platform == "web":
        url = web.avatar_url(key)
    else:
        extension = "jpeg" if account.platform == "truthsocial" else "png"
        path = f"accounts/avatars/{idgen.split_digits(account.id)}/original/{key}.{extension}"
        url = f"{media_base(account.host)}/{path}"
    register(url, media.MediaFile("png" if url.endswith(".png") else "jpeg", url))
    return url


def make_media(
    post: Post, spec: dict[str, Any], index: int, sequence: int, register: Register
) -> MediaItem:
    """Build one attachment of ``post`` from a control-API spec and register its files."""
    kind = spec["type"]
    seed = f"{post.platform}:{post.id}:{index}:{sequence}"
    item = MediaItem(
        type=kind,
        key="",
        media_id="",
        alt=str(spec.get("alt", "")),
        width=int(spec.get("width", 1280 if kind != "image" else 1200)),
        height=int(spec.get("height", 720 if kind != "image" else 800)),
    )
    if kind == "external":
        item.link = {
            "uri": str(spec.get("url") or spec.get("uri") or "https://example.org/"),
            "title": str(spec.get("title", "Example page")),
            "description": str(spec.get("description", "")),
        }
        return item
    if post.platform == "x":
        _x_media(item, seed, post.created_at, sequence, register)
    elif post.platform == "bluesky":
        _bluesky_media(item, post.account.id, seed, register)
    elif post.platform == "reddit":
        reddit_json.make_media(item, seed, register)
    elif post.platform == "telegram":
        telegram.make_media(item, seed, register)
    elif post.platform == "threads":
        threads_json.attach(item, seed, register)
    elif post.platform == "web":
        web.make_media(item, seed, register)
    else:
        _mastodon_media(item, post.host, seed, post.created_at, sequence, register)
    return item


def _x_media(
    item: MediaItem, seed: str, moment: datetime, sequence: int, register: Register
) -> None:
    item.media_id = idgen.x_snowflake(moment, sequence)
    item.key = idgen.base62(15, "xmedia", seed)
    mid, key = item.media_id, item.key
    if item.type == "image":
        item.urls["full"] = f"https://pbs.twimg.com/media/{key}.jpg"
    elif item.type == "gif":
        item.urls["thumb"] = f"https://pbs.twimg.com/tweet_video_thumb/{key}.jpg"
        item.urls["mp4"] = f"https://video.twimg.com/tweet_video/{key}.mp4"
    else:
        base = f"https://video.twimg.com/ext_tw_video/{mid}/pu"
        item.urls["thumb"] = f"https://pbs.twimg.com/ext_tw_video_thumb/{mid}/pu/img/{key}.jpg"
        item.urls["m3u8"] = f"{base}/pl/{key}.m3u8?tag=12"
        item.urls["mp4_low"] = f"{base}/vid/avc1/640x360/{key}.mp4?tag=12"
        item.urls["mp4"] = f"{base}/vid/avc1/1280x720/{key}.mp4?tag=12"
        segment = f"/ext_tw_video/{mid}/pu/vid/avc1/640x360/{key}.mp4"
        register(item.urls["m3u8"], media.MediaFile("m3u8", seed, media.media_playlist(segment)))
    for role, url in item.urls.items():
        if role != "m3u8":
            register(url, media.MediaFile("jpeg" if url.endswith(".jpg") else "mp4", seed))


def _bluesky_media(item: MediaItem, did: str, seed: str, register: Register) -> None:
    item.cid = idgen.cid(("blob", seed), raw=True)
    if item.type == "image":
        item.urls["full"] = f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{item.cid}@jpeg"
        item.urls["thumb"] = f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did}/{item.cid}@jpeg"
        register(item.urls["full"], media.MediaFile("jpeg", seed))
        return
    base = f"https://video.bsky.app/watch/{quote(did, safe='')}/{item.cid}"
    item.urls["playlist"] = f"{base}/playlist.m3u8"
    item.urls["thumb"] = f"{base}/thumbnail.jpg"
    register(
        item.urls["playlist"],
        media.MediaFile("m3u8", seed, media.master_playlist("360p/video.m3u8")),
    )
    register(
        f"{base}/360p/video.m3u8", media.MediaFile("m3u8", seed, media.media_playlist("video0.ts"))
    )
    register(f"{base}/360p/video0.ts", media.MediaFile("ts", seed))
    register(item.urls["thumb"], media.MediaFile("jpeg", seed))


def _mastodon_media(
    item: MediaItem, host: str, seed: str, moment: datetime, sequence: int, register: Register
) -> None:
    item.media_id = idgen.mastodon_snowflake(moment, sequence)
    item.key = idgen.hex_key(16, "mmedia", seed)
    folder = f"{media_base(host)}/media_attachments/files/{idgen.split_digits(item.media_id)}"
    if item.type == "image":
        extension = "jpeg" if host == "truthsocial.com" else "png"
        item.urls["full"] = f"{folder}/original/{item.key}.{extension}"
        register(item.urls["full"], media.MediaFile(extension, seed))
    else:
        item.urls["full"] = f"{folder}/original/{item.key}.mp4"
        register(item.urls["full"], media.MediaFile("mp4", seed))
    item.urls["preview"] = f"{folder}/small/{item.key}.jpeg"
    register(item.urls["preview"], media.MediaFile("jpeg", seed))
