"""Reddit's wire shapes: a submission's ``.json`` listing (``[submission listing, comment
listing]``), its ids, permalinks and media URLs (``i.redd.it``, ``preview.redd.it``,
``v.redd.it``), and the JSON error bodies.

A post's text is its title, a blank line, then its Markdown body (``selftext``), rendered to
``selftext_html`` with markdown-it (CommonMark, raw HTML escaped, as Reddit escapes it). How
each state of the world looks:

* deleted by its author → ``author``/``selftext`` ``[deleted]``, ``removed_by_category``
  ``deleted``;
* variants ``removed_moderator``, ``removed_reddit``, ``removed_copyright`` → ``selftext``
  ``[removed]`` and the category (``moderator``, ``reddit``, ``copyright_takedown``);
* the author's account ``suspended``/``takedown`` → removed by Reddit (category ``reddit``);
  ``deactivated`` (account deleted) → ``author`` ``[deleted]``, the post still readable;
* variants ``private_sub``, ``quarantined``, ``banned_sub`` → 403/403/404 JSON with the
  ``reason``; ``nsfw`` → redirected to ``/over18`` without the ``over18=1`` cookie;
  ``gated`` → 403 ``gated`` without the ``_options`` opt-in cookie.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from markdown_it import MarkdownIt

from archiver.emulator import idgen, media
from archiver.emulator.model import MediaItem, Post

WEB: Final = "https://www.reddit.com"
NOT_FOUND: Final = {"message": "Not Found", "error": 404}
#: Variant → the JSON error the listing answers (status, body).
SUBREDDIT_ERRORS: Final = {
    "private_sub": (403, {"reason": "private", "message": "Forbidden", "error": 403}),
    "quarantined": (
        403,
        {
            "reason": "quarantined",
            "quarantine_message": "This community is quarantined.",
            "message": "Forbidden",
            "error": 403,
        },
    ),
    "banned_sub": (404, {"reason": "banned", "message": "Not Found", "error": 404}),
}
GATED: Final = (403, {"reason": "gated", "message": "Forbidden", "error": 403})
REMOVED: Final = {
    "removed_moderator": "moderator",
    "removed_reddit": "reddit",
    "removed_copyright": "copyright_takedown",
}
_MARKDOWN: Final = MarkdownIt("commonmark", {"html": False})
_SLUG: Final = re.compile(r"[^a-z0-9]+")
Register = Callable[[str, media.MediaFile], None]


def new_id(moment: datetime, sequence: int) -> str:
    """A submission id for ``moment``: base 36, growing with time as Reddit's do."""
    return idgen.base36((int(moment.timestamp()) - 1_100_000_000) * 64 + sequence % 64)


def account_id(handle: str) -> str:
    """An account's fullname (``t2_…``), derived from its name."""
    return "t2_" + idgen.base36(idgen.number("reddit-user", handle.lower()) % 36**8)


def split_text(text: str) -> tuple[str, str]:
    """A post's title and Markdown body (the text after the first blank line)."""
    title, _, body = text.partition("\n\n")
    return title.strip(), body.strip()


def slug(title: str) -> str:
    """The permalink's slug: lower-case words joined by ``_``, at most 50 characters."""
    return _SLUG.sub("_", title.lower()).strip("_")[:50].rstrip("_") or "post"


def permalink(post: Post) -> str:
    """``/r/{sub}/comments/{id}/{slug}/``."""
    return f"/r/{post.community}/comments/{post.id}/{slug(split_text(post.current.text)[0])}/"


def post_url(post: Post) -> str:
    """The submission's page on www.reddit.com."""
    return f"{WEB}{permalink(post)}"


def api_url(post: Post) -> str:
    """The submission's ``.json`` listing."""
    return f"{WEB}/comments/{post.id}/.json?raw_json=1"


def make_media(item: MediaItem, seed: str, register: Register) -> None:
    """Give an attachment its Reddit URLs and register their files."""
    item.key = idgen.base36(idgen.number("reddit-media", seed) % 36**13)
    item.media_id = item.key
    signature = idgen.hex_key(40, "reddit-preview", seed)
    item.urls["preview"] = (
        f"https://preview.redd.it/{item.key}.jpeg?width={item.width}&format=pjpg&auto=webp"
        f"&s={signature}"
    )
    register(item.urls["preview"], media.MediaFile("jpeg", seed))
    if item.type == "image":
        item.urls["full"] = f"https://i.redd.it/{item.key}.jpeg"
        register(item.urls["full"], media.MediaFile("jpeg", seed))
        return
    base = f"https://v.redd.it/{item.key}"
    item.urls["page"] = base
    item.urls["mp4"] = f"{base}/DASH_720.mp4?source=fallback"
    item.urls["hls"] = f"{base}/HLSPlaylist.m3u8"
    register(item.urls["mp4"], media.MediaFile("mp4", seed))
    register(item.urls["hls"], media.MediaFile("m3u8", seed, media.media_playlist("DASH_720.mp4")))


def listing(post: Post, parent: Post | None, *, raw_json: bool) -> list[dict[str, Any]]:
    """The ``.json`` answer: the submission's listing (``parent``: the submission a crosspost
    shares) and an empty comment listing. Without ``raw_json`` Reddit HTML-escapes its text
    fields, as it does."""
    data = submission(post)
    if parent is not None:
        data["crosspost_parent_list"] = [submission(parent)]
    if not raw_json:
        for key in ("title", "selftext"):
            data[key] = html.escape(data[key], quote=False)
        if data["selftext_html"] is not None:
            data["selftext_html"] = html.escape(data["selftext_html"], quote=False)
    return [
        _listing([{"kind": "t3", "data": data}], dist=1),
        _listing([], dist=None),
    ]


def _listing(children: list[dict[str, Any]], *, dist: int | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": None,
            "dist": dist,
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


def _render(markdown: str) -> str | None:
    if not markdown:
        return None
    return f'<!-- SC_OFF --><div class="md">{_MARKDOWN.render(markdown)}</div><!-- SC_ON -->'


def submission(post: Post) -> dict[str, Any]:
    """A submission's ``t3`` data as Reddit serves it to logged-out readers."""
    version, account = post.current, post.account
    title, body = split_text(version.text)
    images = [item for item in version.media if item.type == "image"]
    videos = [item for item in version.media if item.type in ("video", "gif")]
    links = [item for item in version.media if item.type == "external"]
    category = REMOVED.get(post.variant)
    if account.state in ("suspended", "takedown"):
        category = category or "reddit"
    author = "[deleted]" if account.state == "deactivated" else account.handle
    if post.deleted:
        category, author = "deleted", "[deleted]"
    is_self = not (images or videos or links)
    selftext = body
    if category is not None:
        selftext = ("[deleted]" if category == "deleted" else "[removed]") if is_self else ""
    data: dict[str, Any] = {
        "approved_at_utc": None,
        "subreddit": post.community,
        "selftext": selftext,
        "title": title,
        "subreddit_name_prefixed": f"r/{post.community}",
        "name": f"t3_{post.id}",
        "upvote_ratio": 0.97,
        "ups": post.likes,
        "score": post.likes,
        "downs": 0,
        "num_comments": post.replies,
        "num_crossposts": post.reposts,
        "created": post.created_at.timestamp(),
        "created_utc": post.created_at.timestamp(),
        "edited": version.at.timestamp() if len(post.versions) > 1 else False,
        "is_self": is_self,
        "is_video": bool(videos),
        "over_18": post.variant == "nsfw",
        "spoiler": False,
        "locked": False,
        "stickied": False,
        "subreddit_id": "t5_" + idgen.base36(idgen.number("sub", post.community.lower()) % 36**6),
        "id": post.id,
        "permalink": permalink(post),
        "domain": f"self.{post.community}",
        "url": post_url(post),
        "removed_by_category": category,
        "link_flair_text": None,
        "distinguished": None,
        "thumbnail": "self" if is_self else "default",
        "selftext_html": _render(selftext),
        "media": None,
        "secure_media": None,
        "author": author,
    }
    if author != "[deleted]":
        data["author_fullname"] = account.id
    if post.quoted_id is not None:
        data["crosspost_parent"] = f"t3_{post.quoted_id}"
    if category is None and not is_self:
        data.update(_attachments(post, images, videos, links))
    return data


def _attachments(
    post: Post, images: list[MediaItem], videos: list[MediaItem], links: list[MediaItem]
) -> dict[str, Any]:
    """The fields an image, gallery, video or link post adds."""
    if len(images) > 1:
        return {
            "is_gallery": True,
            "url": f"{WEB}/gallery/{post.id}",
            "domain": "reddit.com",
            "gallery_data": {
                "items": [
                    {"media_id": item.key, "id": index + 1, "caption": item.alt}
                    for index, item in enumerate(images)
                ]
            },
            "media_metadata": {
                item.key: {
                    "status": "valid",
                    "e": "Image",
                    "m": "image/jpeg",
                    "p": [],
                    "s": {"y": item.height, "x": item.width, "u": item.urls["preview"]},
                    "id": item.key,
                }
                for item in images
            },
        }
    if images:
        image = images[0]
        return {
            "post_hint": "image",
            "url": image.urls["full"],
            "url_overridden_by_dest": image.urls["full"],
            "domain": "i.redd.it",
            "preview": _preview(image),
        }
    if videos:
        video = videos[0]
        reddit_video = {
            "reddit_video": {
                "bitrate_kbps": 2400,
                "fallback_url": video.urls["mp4"],
                "height": video.height,
                "width": video.width,
                "hls_url": video.urls["hls"],
                "duration": 12,
                "is_gif": video.type == "gif",
                "transcoding_status": "completed",
            }
        }
        return {
            "post_hint": "hosted:video",
            "url": video.urls["page"],
            "domain": "v.redd.it",
            "media": reddit_video,
            "secure_media": reddit_video,
            "preview": _preview(video),
        }
    link = links[0].link
    return {
        "post_hint": "link",
        "url": link["uri"],
        "url_overridden_by_dest": link["uri"],
        "domain": link["uri"].split("/")[2] if link["uri"].count("/") >= 2 else link["uri"],
    }


def _preview(item: MediaItem) -> dict[str, Any]:
    source = {"url": item.urls["preview"], "width": item.width, "height": item.height}
    return {"images": [{"source": source, "resolutions": [], "id": item.key}], "enabled": True}
