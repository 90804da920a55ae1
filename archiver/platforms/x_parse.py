"""Reading X's answers: the syndication endpoint's tweet JSON (or its tombstone) and the oEmbed
JSON, into ``PostData`` or the reason the post cannot be shown.

Pure: no I/O.
"""

from __future__ import annotations

import re
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
from archiver.platforms.html_text import html_to_text

_TCO: Final = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_PIC_LINK: Final = re.compile(r"\s*\bpic\.(?:twitter|x)\.com/[A-Za-z0-9]+\s*$")
_OEMBED_DATE: Final = re.compile(r">([^<>]{3,40}?)</a>\s*</blockquote>")
_METRICS: Final = (
    ("favorite_count", "likes"),
    ("conversation_count", "replies"),
    ("reply_count", "replies"),
    ("retweet_count", "reposts"),
    ("quote_count", "quotes"),
    ("bookmark_count", "bookmarks"),
)
#: Tombstone wording (lower-cased) and what it means, checked in order; "Tweet" wording
#: until 2023, "Post" after.
_TOMBSTONES: Final = (
    ("deleted by the", PostStatus.DELETED),
    ("suspended account", PostStatus.SUSPENDED),
    ("account that no longer exists", PostStatus.UNAVAILABLE),
    ("limits who can view", PostStatus.PROTECTED),
    ("protected", PostStatus.PROTECTED),
    ("age-restricted", PostStatus.WITHHELD),
    ("withheld", PostStatus.WITHHELD),
    ("violated the", PostStatus.UNAVAILABLE),
)
_UNAVAILABLE_REASONS: Final = {"protected": PostStatus.PROTECTED, "suspended": PostStatus.SUSPENDED}


def status_url(handle: str | None, post_id: str) -> str:
    """The canonical address of a post: ``x.com/{handle}/status/{id}``, or ``/i/status/``."""
    return f"https://x.com/{handle or 'i'}/status/{post_id}"


def tombstone_reason(text: str | None) -> GoneReason:
    """What a tombstone's text says about the post (without its trailing "Learn more")."""
    said = (text or "").strip().removesuffix("Learn more").strip()
    lowered = said.lower()
    reason = next((r for phrase, r in _TOMBSTONES if phrase in lowered), PostStatus.UNAVAILABLE)
    if not said:
        return GoneReason(reason, "X shows a tombstone without any text for this post.")
    return GoneReason(reason, f"X shows a tombstone: “{said}”")


def read_tweet(payload: Mapping[str, Any], requested_id: str) -> PostData | GoneReason | None:
    """A syndication answer as a post, the reason it is gone, or ``None`` if unrecognisable."""
    if not payload:
        said = "The syndication endpoint answers an empty object for this post."
        return GoneReason(PostStatus.UNAVAILABLE, said)
    kind = payload.get("__typename")
    if kind == "TweetTombstone":
        return tombstone_reason(string(obj(obj(payload.get("tombstone")).get("text")).get("text")))
    if kind == "TweetUnavailable":
        said = str(payload.get("reason") or "")
        reason = _UNAVAILABLE_REASONS.get(said.lower(), PostStatus.UNAVAILABLE)
        if said.lower().startswith("nsfw"):
            reason = PostStatus.WITHHELD
        return GoneReason(reason, f"X says the post is unavailable (reason: {said or 'none'}).")
    if kind == "TweetWithVisibilityResults":
        return read_tweet(obj(payload.get("tweet")), requested_id)
    if kind not in (None, "Tweet") or not isinstance(payload.get("text"), str):
        return None
    return _post(payload, requested_id)


def _post(tweet: Mapping[str, Any], requested_id: str) -> PostData:
    post_id = string(tweet.get("id_str")) or requested_id
    user = obj(tweet.get("user"))
    handle = string(user.get("screen_name"))
    extra: dict[str, Any] = {"source": "syndication"}
    extra.update(present(tweet, ("possibly_sensitive", "isEdited", "isStaleEdit")))
    if "note_tweet" in tweet and _note_text(tweet) is None:
        extra["truncated"] = True  # a long post whose full text the endpoint left out
    return PostData(
        post_id=post_id,
        url=status_url(handle, post_id),
        text=tweet_text(tweet),
        author=author(
            user.get("id_str"),
            handle,
            user.get("name"),
            f"https://x.com/{handle}" if handle else None,
        ),
        posted_at=timestamp(tweet.get("created_at")),
        lang=string(tweet.get("lang")),
        media=tweet_media(tweet),
        metrics=counts(tweet, _METRICS),
        quoted_post=_quoted(tweet),
        reply_to=_reply_to(tweet),
        edit_history_ids=edit_ids(tweet),
        extra=extra,
    )


def tweet_text(tweet: Mapping[str, Any]) -> str:
    """What a reader sees: the displayable range, t.co links expanded, the trailing media link
    dropped, HTML escapes undone; a long post's full text when the payload carries it."""
    entities = obj(tweet.get("entities"))
    note = _note_text(tweet)
    if note is not None:
        text = _unescape(note)
        urls = items(entities.get("urls")) + items(obj(_note(tweet).get("entity_set")).get("urls"))
    else:
        text = _displayed(str(tweet.get("text") or ""), tweet)
        urls = items(entities.get("urls"))
    media_links = {string(obj(m).get("url")) for m in items(entities.get("media"))}
    media_links |= {string(obj(m).get("url")) for m in items(tweet.get("mediaDetails"))}
    text = _drop_trailing(text, {link for link in media_links if link})
    expanded = {
        string(obj(u).get("url")): string(obj(u).get("expanded_url")) for u in urls if obj(u)
    }
    return _TCO.sub(lambda m: expanded.get(m.group(0)) or m.group(0), text).strip()


def _note(tweet: Mapping[str, Any]) -> dict[str, Any]:
    note = obj(tweet.get("note_tweet"))
    return obj(obj(note.get("note_tweet_results")).get("result")) or note


def _note_text(tweet: Mapping[str, Any]) -> str | None:
    return string(_note(tweet).get("text"))


def _unescape(text: str) -> str:
    """Undo the escaping X applies to ``<``, ``>`` and ``&`` in post text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _displayed(raw: str, tweet: Mapping[str, Any]) -> str:
    """The ``display_text_range`` of the text, unescaped. Indices count code points of the
    unescaped text; if the entities only line up with the escaped text, cut that instead."""
    plain = _unescape(raw)
    bounds = [integer(i) for i in items(tweet.get("display_text_range"))]
    if len(bounds) != 2 or bounds[0] is None or bounds[1] is None:
        return plain
    start, end = bounds
    if plain != raw and _entities_fit(raw, tweet) and not _entities_fit(plain, tweet):
        return _unescape(raw[start:end])
    return plain[start:end]


def _entities_fit(text: str, tweet: Mapping[str, Any]) -> bool:
    """Whether the entities' indices point at their own text in ``text``."""
    entities = obj(tweet.get("entities"))
    expected = [(u.get("indices"), u.get("url")) for u in map(obj, items(entities.get("urls")))]
    expected += [
        (m.get("indices"), f"@{m.get('screen_name')}")
        for m in map(obj, items(entities.get("user_mentions")))
    ]
    checked = 0
    for indices, want in expected:
        bounds = [integer(i) for i in items(indices)]
        if len(bounds) != 2 or bounds[0] is None or not isinstance(want, str):
            continue
        checked += 1
        if text[bounds[0] : bounds[1]].lower() != want.lower():
            return False
    return checked > 0


def _drop_trailing(text: str, links: set[str]) -> str:
    text = text.rstrip()
    while found := next((link for link in links if text.endswith(link)), None):
        text = text.removesuffix(found).rstrip()
    return text


def tweet_media(tweet: Mapping[str, Any]) -> tuple[Media, ...]:
    """Photos, videos and GIFs from ``mediaDetails``: a video's best MP4, its poster as preview."""
    found: list[Media] = []
    for detail in map(obj, items(tweet.get("mediaDetails"))):
        kind, picture = detail.get("type"), string(detail.get("media_url_https"))
        size = obj(detail.get("original_info"))
        alt, width, height = (
            string(detail.get("ext_alt_text")),
            integer(size.get("width")),
            integer(size.get("height")),
        )
        if kind == "photo" and picture:
            found.append(Media(MediaType.PHOTO, picture, alt, width, height))
        elif kind in ("video", "animated_gif"):
            best = _best_variant(items(obj(detail.get("video_info")).get("variants")))
            media_type = MediaType.GIF if kind == "animated_gif" else MediaType.VIDEO
            if best:
                found.append(Media(media_type, best, alt, width, height, preview_url=picture))
    return tuple(found)


def _best_variant(variants: list[Any]) -> str | None:
    """The MP4 with the highest bitrate, else any variant (an HLS playlist)."""
    usable = [v for v in map(obj, variants) if string(v.get("url"))]
    mp4 = [v for v in usable if v.get("content_type") == "video/mp4"]
    if mp4:
        return str(max(mp4, key=lambda v: integer(v.get("bitrate")) or 0)["url"])
    return str(usable[0]["url"]) if usable else None


def edit_ids(tweet: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids of every version of the post, oldest first (the newest is the current one)."""
    control = obj(tweet.get("edit_control"))
    ids = items(control.get("edit_tweet_ids")) or items(
        obj(control.get("edit_control_initial")).get("edit_tweet_ids")
    )
    return tuple(i for i in ids if isinstance(i, str) and i)


def _linked(tweet: Mapping[str, Any], post_id: str | None, handle: str | None) -> LinkedPost:
    text = tweet_text(tweet) if isinstance(tweet.get("text"), str) else None
    return LinkedPost(post_id, status_url(handle, post_id) if post_id else None, handle, text)


def _quoted(tweet: Mapping[str, Any]) -> LinkedPost | None:
    quoted = obj(tweet.get("quoted_tweet"))
    if not quoted:
        return None
    handle = string(obj(quoted.get("user")).get("screen_name"))
    return _linked(quoted, string(quoted.get("id_str")), handle)


def _reply_to(tweet: Mapping[str, Any]) -> LinkedPost | None:
    parent = obj(tweet.get("parent"))
    post_id = string(tweet.get("in_reply_to_status_id_str")) or string(parent.get("id_str"))
    if post_id is None:
        return None
    handle = string(tweet.get("in_reply_to_screen_name")) or string(
        obj(parent.get("user")).get("screen_name")
    )
    same = string(parent.get("id_str")) in (None, post_id)
    return _linked(parent if same else {}, post_id, handle)


def read_oembed(payload: Mapping[str, Any], post_id: str) -> PostData | None:
    """An oEmbed answer as a post (text from the blockquote's paragraph), or ``None``."""
    html = string(payload.get("html"))
    if html is None:
        return None
    text = _PIC_LINK.sub("", html_to_text(html, first_paragraph=True))
    author_url = string(payload.get("author_url"))
    handle = author_url.rstrip("/").rsplit("/", 1)[-1] if author_url else None
    extra: dict[str, Any] = {"source": "oembed"}
    if oembed_url := string(payload.get("url")):
        extra["oembed_url"] = oembed_url
    if dated := _OEMBED_DATE.search(html):
        extra["date_text"] = dated.group(1).strip()
    return PostData(
        post_id=post_id,
        url=status_url(handle, post_id),
        text=text.strip(),
        author=author(
            None, handle, payload.get("author_name"), f"https://x.com/{handle}" if handle else None
        ),
        posted_at=None,
        extra=extra,
    )
