"""Reading Bluesky's AppView answers: a post thread into ``PostData`` (link facets expanded
over UTF-8 byte offsets, embeds into media, quotes and link cards) and its XRPC errors.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from archiver.domain import LinkedPost, Media, MediaType, PostData, PostStatus
from archiver.platforms._values import (
    GoneReason,
    author,
    counts,
    integer,
    items,
    obj,
    present,
    string,
    timestamp,
)
from archiver.platforms.html_text import shows_url

_DEFS: Final = "app.bsky.feed.defs"
_LINK: Final = "app.bsky.richtext.facet#link"
_POST_COLLECTION: Final = "app.bsky.feed.post"
_METRICS: Final = (
    ("replyCount", "replies"),
    ("repostCount", "reposts"),
    ("likeCount", "likes"),
    ("quoteCount", "quotes"),
    ("bookmarkCount", "bookmarks"),
)
_QUOTE_STATES: Final = {
    "app.bsky.embed.record#viewNotFound": "not_found",
    "app.bsky.embed.record#viewBlocked": "blocked",
    "app.bsky.embed.record#viewDetached": "detached",
}


def web_url(uri: str, handle: str | None = None) -> str | None:
    """The bsky.app address of a post's AT-URI (by ``handle`` if given, else the URI's DID),
    or ``None`` if the URI does not name a post."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or parts[1] != _POST_COLLECTION:
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def xrpc_error(payload: Mapping[str, Any] | None) -> tuple[str, str]:
    """The ``(error, message)`` of an XRPC error body; empty strings when absent."""
    body = payload or {}
    return str(body.get("error") or ""), str(body.get("message") or "")


def read_thread(payload: Mapping[str, Any]) -> PostData | GoneReason | None:
    """A ``getPostThread`` answer as the post, the reason it is not shown (``DELETED`` stands
    for "not found", which the author's account may refine), or ``None`` if unrecognisable."""
    thread = obj(payload.get("thread"))
    kind = thread.get("$type")
    if kind == f"{_DEFS}#notFoundPost" or thread.get("notFound") is True:
        return GoneReason(PostStatus.DELETED, "Bluesky answers notFoundPost for the post.")
    if kind == f"{_DEFS}#blockedPost" or thread.get("blocked") is True:
        return GoneReason(PostStatus.UNAVAILABLE, "Bluesky answers blockedPost: a block hides it.")
    if kind not in (None, f"{_DEFS}#threadViewPost"):
        return None
    return read_post(obj(thread.get("post")))


def read_post(post: Mapping[str, Any]) -> PostData | None:
    """A ``postView`` as a post, or ``None`` if it is not one."""
    uri, record = string(post.get("uri")), obj(post.get("record"))
    if uri is None or not isinstance(record.get("text"), str):
        return None
    did, rkey = uri.removeprefix("at://").split("/")[0], uri.rsplit("/", 1)[-1]
    who = obj(post.get("author"))
    handle = string(who.get("handle"))
    handle = None if handle == "handle.invalid" else handle
    text, links = post_text(record)
    media, quoted, extra = _embed(obj(post.get("embed")))
    extra.update({"did": string(who.get("did")) or did, "cid": post.get("cid"), "uri": uri})
    if links:
        extra["links"] = links
    labels = [string(obj(label).get("val")) for label in items(post.get("labels"))]
    labels += [string(obj(label).get("val")) for label in items(who.get("labels"))]
    if any(labels):
        extra["labels"] = [label for label in labels if label]
    parent = string(obj(obj(record.get("reply")).get("parent")).get("uri"))
    return PostData(
        post_id=rkey,
        url=web_url(uri, handle) or f"https://bsky.app/profile/{handle or did}/post/{rkey}",
        text=text,
        author=author(
            who.get("did"),
            handle,
            who.get("displayName"),
            f"https://bsky.app/profile/{handle or string(who.get('did'))}" if who else None,
        ),
        posted_at=timestamp(record.get("createdAt")),
        lang=next(iter(s for s in items(record.get("langs")) if isinstance(s, str)), None),
        media=media,
        metrics=counts(post, _METRICS),
        quoted_post=quoted,
        reply_to=LinkedPost(parent, web_url(parent)) if parent else None,
        extra=extra,
    )


def post_text(record: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The record's text with each link facet's shortened text replaced by its full URI, and
    every link URI. Facet offsets count UTF-8 bytes; a facet that is out of range, overlaps
    another or splits a character is left alone."""
    data = str(record.get("text") or "").encode("utf-8")
    spans: list[tuple[int, int, str]] = []
    for facet in map(obj, items(record.get("facets"))):
        index = obj(facet.get("index"))
        start, end = integer(index.get("byteStart")), integer(index.get("byteEnd"))
        uri = next(
            (
                string(f.get("uri"))
                for f in map(obj, items(facet.get("features")))
                if f.get("$type") == _LINK and string(f.get("uri"))
            ),
            None,
        )
        if uri and start is not None and end is not None and 0 <= start <= end <= len(data):
            spans.append((start, end, uri))
    out, position = bytearray(), 0
    for start, end, uri in sorted(spans):
        try:
            visible = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if start < position:
            continue
        out += data[position:start] + (uri if shows_url(visible, uri) else visible).encode()
        position = end
    out += data[position:]
    return out.decode("utf-8", errors="replace"), [uri for _, _, uri in sorted(spans)]


def _embed(view: Mapping[str, Any]) -> tuple[tuple[Media, ...], LinkedPost | None, dict[str, Any]]:
    """Media, the quoted post and extra fields (a link card, a quote's state) of an embed view."""
    kind = view.get("$type")
    extra: dict[str, Any] = {}
    if kind == "app.bsky.embed.recordWithMedia#view":
        media, _, extra = _embed(obj(view.get("media")))
        _, quoted, quote_extra = _embed(obj(view.get("record")))
        return media, quoted, extra | quote_extra
    if kind == "app.bsky.embed.record#view":
        record = obj(view.get("record"))
        state = _QUOTE_STATES.get(str(record.get("$type")))
        if state:
            extra["quote_state"] = state
        return (), _quoted(record) if record else None, extra
    if kind == "app.bsky.embed.external#view":
        extra["external"] = present(obj(view.get("external")), ("uri", "title", "description"))
        return (), None, extra
    if kind == "app.bsky.embed.images#view":
        images = map(obj, items(view.get("images")))
        photos = [_media(MediaType.PHOTO, i.get("fullsize"), i, i.get("thumb")) for i in images]
        return tuple(p for p in photos if p), None, extra
    if kind == "app.bsky.embed.video#view":
        video = _media(MediaType.VIDEO, view.get("playlist"), view, view.get("thumbnail"))
        return (video,) if video else (), None, extra
    return (), None, extra


def _media(kind: MediaType, url: object, view: Mapping[str, Any], preview: object) -> Media | None:
    link = string(url)
    if link is None:
        return None
    ratio = obj(view.get("aspectRatio"))
    width, height = integer(ratio.get("width")), integer(ratio.get("height"))
    return Media(kind, link, string(view.get("alt")), width, height, string(preview))


def _quoted(record: Mapping[str, Any]) -> LinkedPost | None:
    uri = string(record.get("uri"))
    if uri is None:
        return None
    value = obj(record.get("value"))
    text = post_text(value)[0] if isinstance(value.get("text"), str) else None
    return LinkedPost(uri, web_url(uri), string(obj(record.get("author")).get("handle")), text)
