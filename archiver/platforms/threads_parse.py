"""Reading Threads' answers: the public post page (its ``og:`` tags and the JSON of its
``<script type="application/json" data-sjs>`` blobs, where the post is the object whose
``code`` is the shortcode, wherever it sits) and the Graph API error envelope of its oEmbed.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from archiver.domain import Media, MediaType, PostData
from archiver.platforms._values import author, counts, epoch, integer, items, obj, string
from archiver.platforms.html_page import Page, Script, find_object, json_scripts

WEB: Final = "https://www.threads.com"
#: Graph API error codes that mean "slow down" (application, user, page and custom limits).
THROTTLE_CODES: Final = frozenset({4, 17, 32, 613, 80001})
#: Graph API error codes that mean a token is needed (tokenless access withdrawn).
TOKEN_CODES: Final = frozenset({102, 104, 190})
#: The code Meta's oEmbed answers for a post it will not embed (missing, private, deleted).
INVALID_PARAMETER: Final = 100
_METRICS: Final = (
    ("direct_reply_count", "replies"),
    ("repost_count", "reposts"),
    ("quote_count", "quotes"),
    ("reshare_count", "shares"),
)


@dataclass(frozen=True, slots=True)
class GraphError:
    """A Graph API error envelope: ``{"error": {"message", "type", "code", …}}``."""

    code: int | None
    type: str
    message: str


def post_url(username: str | None, code: str) -> str:
    """The canonical address of a post: by its author when known, else ``/t/{code}``."""
    return f"{WEB}/@{username}/post/{code}" if username else f"{WEB}/t/{code}"


def is_threads_page(page: Page) -> bool:
    """Whether the page is one of Threads' own (its ``og:`` tags name Threads), as opposed to
    a login wall, a bot check or a gateway's page, which carry none."""
    site = page.meta.get("og:site_name", "").strip().lower()
    return site == "threads" or page.meta.get("al:ios:app_name", "").lower() == "threads"


def _sjs(script: Script) -> bool:
    return script.type == "application/json" and "data-sjs" in script.attributes


def find_post(page: Page, code: str) -> dict[str, Any] | None:
    """The post object whose ``code`` is ``code`` in any of the page's data blobs."""

    def wanted(node: dict[str, Any]) -> bool:
        return node.get("code") == code and (
            "caption" in node or "taken_at" in node or "user" in node
        )

    for blob in json_scripts(page, _sjs):
        found = find_object(blob, wanted)
        if found is not None:
            return found
    return None


def read_post(node: Mapping[str, Any], page: Page) -> PostData | None:
    """A post object as a post, or ``None`` if it is not one."""
    code = string(node.get("code"))
    if code is None:
        return None
    user = obj(node.get("user"))
    username = string(user.get("username"))
    caption = obj(node.get("caption"))
    text = caption.get("text") if isinstance(caption.get("text"), str) else ""
    extra: dict[str, Any] = {"source": "page", "code": code}
    for name, value in (
        ("pk", string(node.get("pk")) or integer(node.get("pk"))),
        ("media_type", integer(node.get("media_type"))),
        (
            "is_verified",
            user.get("is_verified") if isinstance(user.get("is_verified"), bool) else None,
        ),
        ("og_title", page.meta.get("og:title")),
    ):
        if value is not None:
            extra[name] = value
    metrics = counts(node, (("like_count", "likes"),))
    metrics |= counts(obj(node.get("text_post_app_info")), _METRICS)
    return PostData(
        post_id=code,
        url=post_url(username, code),
        text=str(text),
        author=author(
            string(user.get("pk")) or _digits(user.get("pk")),
            username,
            string(user.get("full_name")) or _name(page, username),
            f"{WEB}/@{username}" if username else None,
        ),
        posted_at=epoch(node.get("taken_at")),
        media=_media(node),
        metrics=metrics,
        extra=extra,
    )


def _name(page: Page, username: str | None) -> str | None:
    """The author's display name from the page's ``og:title``, "{name} (@{user}) on Threads"."""
    title = page.meta.get("og:title", "")
    suffix = f" (@{username}) on Threads"
    name = title.removesuffix(suffix).strip() if username and title.endswith(suffix) else ""
    return name or None


def _digits(value: object) -> str | None:
    number = integer(value)
    return None if number is None else str(number)


def _largest(candidates: object) -> dict[str, Any] | None:
    """The largest of a list of ``{url, width, height}`` renditions with a URL."""
    found = [c for c in map(obj, items(candidates)) if string(c.get("url"))]
    if not found:
        return None
    return max(
        found, key=lambda c: (integer(c.get("width")) or 0) * (integer(c.get("height")) or 0)
    )


def _one(node: Mapping[str, Any]) -> Media | None:
    """The media of one post or carousel item: its best video, else its best picture."""
    image = _largest(obj(node.get("image_versions2")).get("candidates"))
    video = _largest(node.get("video_versions"))
    best = video or image
    if best is None:
        return None
    return Media(
        MediaType.VIDEO if video else MediaType.PHOTO,
        str(best["url"]),
        alt=string(node.get("accessibility_caption")),
        width=integer(best.get("width")),
        height=integer(best.get("height")),
        preview_url=string(image.get("url")) if video and image else None,
    )


def _media(node: Mapping[str, Any]) -> tuple[Media, ...]:
    carousel = [obj(item) for item in items(node.get("carousel_media"))]
    found = [_one(item) for item in carousel] if carousel else [_one(node)]
    return tuple(media for media in found if media is not None)


def graph_error(payload: Mapping[str, Any] | None) -> GraphError | None:
    """The Graph API error in a body, or ``None`` if it carries none."""
    error = obj((payload or {}).get("error"))
    if not error:
        return None
    return GraphError(
        integer(error.get("code")), str(error.get("type") or ""), str(error.get("message") or "")
    )


def is_oembed(payload: Mapping[str, Any] | None) -> bool:
    """Whether a body is an oEmbed answer (a ``rich`` embed with its markup)."""
    return (
        payload is not None and payload.get("type") == "rich" and bool(string(payload.get("html")))
    )
