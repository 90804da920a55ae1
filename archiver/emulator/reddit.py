"""Reddit: a submission's ``.json`` listing and page on ``www.reddit.com`` (any of its URL
forms: ``/r/{sub}/comments/{id}/{slug}/``, ``/user/{name}/comments/{id}/``,
``/comments/{id}/``), the over-18 interstitial, and the embed page on ``embed.reddit.com``.

An id that names no submission answers ``404 {"message":"Not Found","error":404}``; how each
state of the world looks is in ``reddit_json``. The ``.json`` answer honours ``raw_json=1``
and the ``over18`` and ``_options`` cookies as Reddit does.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.emulator import pages
from archiver.emulator.common import Ctx, html_response, json_response, long_date, query
from archiver.emulator.model import Post
from archiver.emulator.reddit_json import (
    GATED,
    NOT_FOUND,
    REMOVED,
    SUBREDDIT_ERRORS,
    WEB,
    listing,
    post_url,
    split_text,
    submission,
)
from archiver.emulator.text import escape_html

if TYPE_CHECKING:
    from archiver.emulator.world import World

_POST: Final = re.compile(r"/(?:(?:r|user|u)/[^/]+/)?comments/([0-9a-z]{1,13})(?:/[^/]*)?/?")


def _post_id(path: str) -> tuple[str | None, bool]:
    """The submission id a path names (``None``: it names none), and whether it asks for
    the ``.json`` listing."""
    wants_json = path.endswith(".json")
    found = _POST.fullmatch(path.removesuffix(".json"))
    return (found.group(1) if found else None), wants_json


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which submission a request is about, for per-post failure modes."""
    post_id, _ = _post_id(request.url.path)
    return ("reddit", post_id) if post_id else None


def _find(world: World, post_id: str | None) -> Post | None:
    if post_id is None:
        return None
    try:
        return world.post("reddit", post_id)
    except KeyError:
        return None


def _opted_in(request: Request) -> bool:
    """Whether the ``_options`` cookie opts in to gated subreddits."""
    try:
        options = json.loads(unquote(request.cookies.get("_options", "")))
    except ValueError:
        return False
    return isinstance(options, dict) and options.get("pref_gated_sr_optin") is True


def _hidden(post: Post) -> bool:
    """Whether the submission shows no content (deleted, removed, subreddit closed)."""
    removed = post.variant in REMOVED or post.account.state in ("suspended", "takedown")
    return post.deleted or removed or post.variant in SUBREDDIT_ERRORS


async def handle(request: Request, ctx: Ctx) -> Response:
    """www.reddit.com: ``.json`` listings, post pages and ``/over18``."""
    world, path = ctx.world, request.url.path
    if path == "/over18":
        said = "You must be at least eighteen years old to view this content."
        return html_response(pages.notice_page("Reddit - Over 18?", said))
    post_id, wants_json = _post_id(path)
    with world.lock:
        post = _find(world, post_id)
        if post is None:
            if post_id is not None and wants_json:
                return json_response(NOT_FOUND, 404)
            return html_response(pages.notice_page("Reddit", "Page not found"), 404)
        if not wants_json:
            return _page(world, post)
        if post.variant in SUBREDDIT_ERRORS:
            status, body = SUBREDDIT_ERRORS[post.variant]
            return json_response(body, status)
        if post.variant == "nsfw" and request.cookies.get("over18") != "1":
            asked = f"{WEB}{path}" + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/over18?dest={quote(asked, safe='')}", 302)
        if post.variant == "gated" and not _opted_in(request):
            status, body = GATED
            return json_response(body, status)
        parent = _find(world, post.quoted_id)
        raw = query(request, "raw_json") == "1"
        return json_response(listing(post, parent, raw_json=raw))


async def handle_embed(request: Request, ctx: Ctx) -> Response:
    """embed.reddit.com: the embed page of a submission."""
    post_id, wants_json = _post_id(request.url.path)
    with ctx.world.lock:
        post = _find(ctx.world, post_id)
        if post is None or wants_json:
            return html_response(pages.notice_page("Reddit", "Page not found"), 404)
        return _page(ctx.world, post)


def _page(world: World, post: Post) -> Response:
    """A submission's page (the post page and the embed look alike here)."""
    if _hidden(post) or post.variant in ("nsfw", "gated"):
        status = 404 if post.deleted or post.variant == "banned_sub" else 403
        said = "Sorry, this post is not available." if status == 404 else "This content is hidden."
        return html_response(pages.notice_page("Reddit", said), status)
    data = submission(post)
    title, _ = split_text(post.current.text)
    images = [item.urls["preview"] for item in post.current.media if "preview" in item.urls]
    card = pages.Card(
        provider="Reddit",
        name=f"r/{post.community}",
        handle=f"u/{data['author']}",
        avatar=post.account.avatar_url,
        text_html=f"<strong>{escape_html(title)}</strong>{data['selftext_html'] or ''}",
        date=long_date(post.created_at),
        permalink=post_url(post),
        images=images,
        lang=post.lang,
    )
    return html_response(pages.card_page(card))
