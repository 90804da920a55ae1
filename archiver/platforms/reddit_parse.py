"""Reading Reddit's answers: a submission's ``.json`` listing into ``PostData`` (or the reason
it is no longer shown), and the JSON error bodies that speak for a whole subreddit.

Text is what a reader sees: the title, a blank line, then the body as rendered (from
``selftext_html``; the Markdown source stays in ``extra["selftext"]``). Media are an image
post's picture, a gallery's pictures in order, or a hosted video's fallback MP4.

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
    epoch,
    integer,
    items,
    obj,
    present,
    string,
)
from archiver.platforms.html_text import html_to_text

WEB: Final = "https://www.reddit.com"
#: What Reddit shows in place of a body or author name that is gone.
DELETED_MARK: Final = "[deleted]"
REMOVED_MARK: Final = "[removed]"
#: ``removed_by_category`` values meaning the author took the post down.
_BY_AUTHOR: Final = frozenset({"deleted", "author"})
#: Who removed a post, by ``removed_by_category``, for the evidence sentence.
_REMOVED_BY: Final = {
    "moderator": "by the subreddit's moderators",
    "automod_filtered": "by the subreddit's AutoModerator filter",
    "reddit": "by Reddit",
    "anti_evil_ops": "by Reddit's Anti-Evil Operations team",
    "community_ops": "by Reddit's Community team",
    "copyright_takedown": "after a copyright notice",
    "content_takedown": "by Reddit after a legal notice",
}
#: Subreddit-wide refusals: (HTTP status, ``reason``) → (post status, what it means).
_SUBREDDIT_REASONS: Final = {
    (403, "private"): (PostStatus.PROTECTED, "the subreddit is private"),
    (403, "quarantined"): (PostStatus.WITHHELD, "the subreddit is quarantined"),
    (404, "banned"): (PostStatus.WITHHELD, "the subreddit is banned"),
}
_METRICS: Final = (
    ("score", "score"),
    ("num_comments", "replies"),
    ("num_crossposts", "reposts"),
)
_EXTRA: Final = (
    "name",
    "subreddit",
    "subreddit_id",
    "subreddit_name_prefixed",
    "permalink",
    "selftext",
    "url",
    "domain",
    "is_self",
    "post_hint",
    "over_18",
    "spoiler",
    "locked",
    "stickied",
    "link_flair_text",
    "distinguished",
    "edited",
    "upvote_ratio",
)


def error_reason(status: int, payload: Mapping[str, Any] | None) -> GoneReason | None:
    """What one of Reddit's own JSON error bodies (``{"message", "error": status,
    "reason"?}``) says about the post, or ``None`` if it is not one or says nothing."""
    body = payload or {}
    if integer(body.get("error")) != status:
        return None
    reason = string(body.get("reason"))
    said = f"Reddit answers {status} {string(body.get('message')) or ''}".rstrip()
    if reason is None:
        if status != 404:
            return None
        return GoneReason(PostStatus.DELETED, f"{said}: no post has this id.")
    known = _SUBREDDIT_REASONS.get((status, reason))
    if known is None:
        return None
    verdict, meaning = known
    return GoneReason(verdict, f"{said} with reason “{reason}”: {meaning}.")


def read_listing(payload: object, post_id: str) -> PostData | GoneReason | None:
    """A comments listing (``[submission listing, comment listing]``) as the submission
    ``post_id``, the reason it is no longer shown, or ``None`` if unrecognisable."""
    listings = items(payload)
    first = obj(listings[0]) if listings else {}
    children = items(obj(first.get("data")).get("children"))
    post = next(
        (obj(c).get("data") for c in children if obj(c).get("kind") == "t3"),
        None,
    )
    submission = obj(post)
    if string(submission.get("id")) != post_id or not isinstance(submission.get("title"), str):
        return None
    return removal(submission) or read_submission(submission)


def removal(post: Mapping[str, Any]) -> GoneReason | None:
    """Why Reddit shows a submission without its content, or ``None`` if it is shown.

    An author who deleted only their account leaves the post readable (``author`` is
    ``[deleted]``, the body intact): that post is live.
    """
    category = string(post.get("removed_by_category"))
    body = post.get("selftext")
    if category in _BY_AUTHOR or (category is None and body == DELETED_MARK):
        said = f" (removed_by_category “{category}”)" if category else ""
        return GoneReason(
            PostStatus.DELETED, f"Reddit shows the post as deleted by its author{said}."
        )
    if category is not None or body == REMOVED_MARK:
        who = _REMOVED_BY.get(category or "", "")
        named = f"removed_by_category “{category}”" if category else "no removed_by_category"
        said = f"Reddit shows the post as removed{' ' + who if who else ''} ({named})."
        return GoneReason(PostStatus.WITHHELD, said)
    return None


def read_submission(post: Mapping[str, Any]) -> PostData:
    """A live submission as a post."""
    post_id = str(post.get("id"))
    handle = string(post.get("author"))
    extra = present(post, _EXTRA)
    if handle == DELETED_MARK:
        handle = None
        extra["author_deleted"] = True
    link = link_preview(post)
    if link:
        extra["link_preview"] = link
    edited = epoch(post.get("edited"))
    return PostData(
        post_id=post_id,
        url=permalink_url(post, post_id),
        text=submission_text(post),
        author=author(
            post.get("author_fullname") if handle else None,
            handle,
            None,
            f"{WEB}/user/{handle}/" if handle else None,
        ),
        posted_at=epoch(post.get("created_utc")),
        media=submission_media(post),
        metrics=counts(post, _METRICS),
        quoted_post=_crossposted(post),
        edited_at=edited,
        extra=extra,
    )


def submission_text(post: Mapping[str, Any]) -> str:
    """The title, then (after a blank line) the body as a reader sees it."""
    title = str(post.get("title") or "").strip()
    body = body_text(post)
    return f"{title}\n\n{body}" if body else title


def body_text(post: Mapping[str, Any]) -> str:
    """The body as a reader sees it: the rendered HTML made plain, else the Markdown as is."""
    rendered = post.get("selftext_html")
    if isinstance(rendered, str) and rendered.strip():
        return html_to_text(rendered)
    return str(post.get("selftext") or "").strip()


def permalink_url(post: Mapping[str, Any], post_id: str) -> str:
    """The submission's address on www.reddit.com (its permalink, when it is a path)."""
    path = string(post.get("permalink"))
    if path and path.startswith("/") and not path.startswith("//"):
        return f"{WEB}{path}"
    return f"{WEB}/comments/{post_id}/"


def submission_media(post: Mapping[str, Any]) -> tuple[Media, ...]:
    """A gallery's pictures in order, a hosted video's fallback MP4, or an image post's
    picture (with its preview)."""
    gallery = _gallery(post)
    if gallery:
        return gallery
    video = obj(obj(post.get("secure_media") or post.get("media")).get("reddit_video"))
    source = _preview_source(post)
    fallback = string(video.get("fallback_url"))
    if fallback:
        return (
            Media(
                MediaType.VIDEO,
                fallback,
                width=integer(video.get("width")),
                height=integer(video.get("height")),
                preview_url=string(source.get("url")),
            ),
        )
    if post.get("post_hint") != "image":
        return ()
    picture = string(post.get("url_overridden_by_dest")) or string(post.get("url"))
    preview = string(source.get("url"))
    best = picture if picture and _is_reddit_image(picture) else preview
    if best is None:
        return ()
    return (
        Media(
            MediaType.PHOTO,
            best,
            width=integer(source.get("width")),
            height=integer(source.get("height")),
            preview_url=preview if preview != best else None,
        ),
    )


def link_preview(post: Mapping[str, Any]) -> str | None:
    """The preview picture Reddit made of a linked page (not the post's own media)."""
    if post.get("post_hint") in ("image", "hosted:video") or post.get("is_self") is True:
        return None
    return string(_preview_source(post).get("url"))


def _preview_source(post: Mapping[str, Any]) -> dict[str, Any]:
    images = items(obj(post.get("preview")).get("images"))
    return obj(obj(images[0]).get("source")) if images else {}


def _is_reddit_image(url: str) -> bool:
    return url.startswith(("https://i.redd.it/", "https://preview.redd.it/"))


def _gallery(post: Mapping[str, Any]) -> tuple[Media, ...]:
    """A gallery's items, in ``gallery_data`` order, from ``media_metadata``."""
    if post.get("is_gallery") is not True:
        return ()
    metadata = obj(post.get("media_metadata"))
    found: list[Media] = []
    for entry in map(obj, items(obj(post.get("gallery_data")).get("items"))):
        meta = obj(metadata.get(str(entry.get("media_id"))))
        if meta.get("status") not in (None, "valid"):
            continue
        size = obj(meta.get("s"))
        animated = string(size.get("mp4")) or string(size.get("gif"))
        url = animated or string(size.get("u"))
        if url is None:
            continue
        found.append(
            Media(
                MediaType.GIF if animated else MediaType.PHOTO,
                url,
                alt=string(entry.get("caption")),
                width=integer(size.get("x")),
                height=integer(size.get("y")),
            )
        )
    return tuple(found)


def _crossposted(post: Mapping[str, Any]) -> LinkedPost | None:
    """The submission a crosspost shares, as far as the listing tells."""
    parent = string(post.get("crosspost_parent"))
    if parent is None:
        return None
    shared = obj(next(iter(items(post.get("crosspost_parent_list"))), None))
    parent_id = parent.removeprefix("t3_")
    return LinkedPost(
        parent_id,
        permalink_url(shared, parent_id),
        string(shared.get("author")),
        submission_text(shared) if isinstance(shared.get("title"), str) else None,
    )
