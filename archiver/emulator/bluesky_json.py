"""Bluesky's views: ``postView`` with its author (``profileViewBasic``), the post record
(text, byte-offset facets, reply refs, blob-ref embeds) and the hydrated embed views (images,
video, external, record, recordWithMedia)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from archiver.emulator import idgen
from archiver.emulator.common import iso_ms
from archiver.emulator.model import MediaItem, Post

if TYPE_CHECKING:
    from archiver.emulator.world import World

TAKEN_DOWN: Final = ("suspended", "takedown", "withheld")


def visible(post: Post | None) -> bool:
    """Whether the AppView serves the post."""
    return bool(
        post and not post.deleted and post.account.state not in (*TAKEN_DOWN, "deactivated")
    )


def hidden_from_logged_out(post: Post) -> bool:
    """Whether the author opted out of logged-out visibility."""
    return post.account.state == "protected" or post.variant == "no_unauthenticated"


def uri_of(post: Post) -> str:
    """The post's AT-URI (DID authority)."""
    return f"at://{post.account.id}/app.bsky.feed.post/{post.id}"


def author_json(post: Post) -> dict[str, Any]:
    """profileViewBasic of the author (with ``!no-unauthenticated`` when opted out)."""
    account = post.account
    labels = []
    if hidden_from_logged_out(post):
        labels.append(
            {
                "src": account.id,
                "uri": f"at://{account.id}/app.bsky.actor.profile/self",
                "cid": idgen.cid(("profile", account.id)),
                "val": "!no-unauthenticated",
                "cts": iso_ms(account.created_at),
            }
        )
    return {
        "did": account.id,
        "handle": account.handle,
        "displayName": account.name,
        "avatar": account.avatar_url,
        "associated": {"chat": {"allowIncoming": "following"}},
        "labels": labels,
        "createdAt": iso_ms(account.created_at),
    }


def _blob(item: MediaItem, mime: str) -> dict[str, Any]:
    size = 20000 + idgen.number("size", item.cid) % 400000
    return {"$type": "blob", "ref": {"$link": item.cid}, "mimeType": mime, "size": size}


def _embeds(world: World, post: Post) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The record-level embed and its hydrated view."""
    version = post.current
    images = [m for m in version.media if m.type in ("image", "gif")]
    video = next((m for m in version.media if m.type == "video"), None)
    external = next((m for m in version.media if m.type == "external"), None)
    record: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    if images:
        ratio = [
            {"alt": m.alt, "aspectRatio": {"width": m.width, "height": m.height}} for m in images
        ]
        record = {
            "$type": "app.bsky.embed.images",
            "images": [
                {**r, "image": _blob(m, "image/jpeg")} for r, m in zip(ratio, images, strict=True)
            ],
        }
        view = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {"thumb": m.urls["thumb"], "fullsize": m.urls["full"], **r}
                for r, m in zip(ratio, images, strict=True)
            ],
        }
    elif video:
        aspect = {"width": video.width, "height": video.height}
        record = {
            "$type": "app.bsky.embed.video",
            "video": _blob(video, "video/mp4"),
            "aspectRatio": aspect,
        }
        view = {
            "$type": "app.bsky.embed.video#view",
            "cid": video.cid,
            "playlist": video.urls["playlist"],
            "thumbnail": video.urls["thumb"],
            "aspectRatio": aspect,
        }
    elif external:
        record = {"$type": "app.bsky.embed.external", "external": external.link}
        view = {"$type": "app.bsky.embed.external#view", "external": external.link}
    if post.quoted_id:
        quoted = world.bsky_rkey(post.quoted_id)
        uri = (
            uri_of(quoted)
            if quoted
            else f"at://{post.account.id}/app.bsky.feed.post/{post.quoted_id}"
        )
        ref = {
            "$type": "app.bsky.embed.record",
            "record": {"uri": uri, "cid": quoted.current.cid if quoted else ""},
        }
        if quoted is not None and visible(quoted):
            inner = post_json(world, quoted, nested=True)
            inner_view = {
                "$type": "app.bsky.embed.record#viewRecord",
                "uri": uri,
                "cid": inner["cid"],
                "author": inner["author"],
                "value": inner["record"],
                "labels": [],
                "likeCount": quoted.likes,
                "replyCount": quoted.replies,
                "repostCount": quoted.reposts,
                "quoteCount": quoted.quotes,
                "indexedAt": inner["indexedAt"],
                "embeds": [inner["embed"]] if "embed" in inner else [],
            }
        else:
            inner_view = {
                "$type": "app.bsky.embed.record#viewNotFound",
                "uri": uri,
                "notFound": True,
            }
        record_view = {"$type": "app.bsky.embed.record#view", "record": inner_view}
        if record is None:
            record, view = ref, record_view
        else:
            record = {"$type": "app.bsky.embed.recordWithMedia", "record": ref, "media": record}
            view = {
                "$type": "app.bsky.embed.recordWithMedia#view",
                "record": record_view,
                "media": view,
            }
    return record, view


def post_json(world: World, post: Post, *, nested: bool = False) -> dict[str, Any]:
    """postView of the current version."""
    version = post.current
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "createdAt": iso_ms(post.created_at),
        "langs": [post.lang],
        "text": version.text,
    }
    if version.facets:
        record["facets"] = version.facets
    parent = world.bsky_rkey(post.reply_to_id) if post.reply_to_id else None
    if parent is not None:
        ref = {"uri": uri_of(parent), "cid": parent.current.cid}
        record["reply"] = {"root": ref, "parent": ref}
    embed_record, embed_view = _embeds(world, post) if not nested else (None, None)
    if embed_record:
        record["embed"] = embed_record
    data: dict[str, Any] = {
        "uri": uri_of(post),
        "cid": version.cid,
        "author": author_json(post),
        "record": record,
    }
    if embed_view:
        data["embed"] = embed_view
    data.update(
        bookmarkCount=0,
        replyCount=post.replies,
        repostCount=post.reposts,
        likeCount=post.likes,
        quoteCount=post.quotes,
        indexedAt=iso_ms(version.at),
        viewer={"threadMuted": False, "embeddingDisabled": False},
        labels=[],
    )
    return data
