"""Bluesky: the public AppView XRPC methods on ``public.api.bsky.app`` (getPostThread,
getPosts, getProfile, resolveHandle) and the embed service on ``embed.bsky.app``.

A missing post (deleted, never existed, author taken down or deactivated) answers
``400 {"error":"NotFound","message":"Post not found: at://…"}``. Record text carries
client-shortened links; the full URL is only in the link facet, at UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import pages
from archiver.emulator.bluesky_json import (
    TAKEN_DOWN,
    hidden_from_logged_out,
    post_json,
    uri_of,
    visible,
)
from archiver.emulator.common import Ctx, html_response, iso_ms, json_response, query, text_response
from archiver.emulator.model import Account, Post
from archiver.emulator.text import escape_html

if TYPE_CHECKING:
    from archiver.emulator.world import World

DEFS: Final = "app.bsky.feed.defs"
_AT_URI: Final = re.compile(r"at://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]+)")
_WEB_URL: Final = re.compile(
    r"https://(?:www\.)?bsky\.app/profile/([^/]+)/post/([A-Za-z0-9._:~-]+)/?"
)


def error(name: str, message: str, status: int = 400) -> Response:
    """An XRPC error body."""
    return json_response({"error": name, "message": message}, status)


def resolve(world: World, authority: str) -> str | None:
    """A DID for a handle or DID, or ``None``."""
    account = world.account("bluesky", authority)
    return account.id if account else None


def find(world: World, uri: str) -> tuple[str, Post | None] | None:
    """``(uri with the DID when resolvable, post or None)`` for an AT-URI or bsky.app URL."""
    found = _AT_URI.fullmatch(uri) or _WEB_URL.fullmatch(uri)
    if not found:
        return None
    authority, rkey = found.groups()
    did = resolve(world, authority)
    if did is None:
        return f"at://{authority}/app.bsky.feed.post/{rkey}", None
    return f"at://{did}/app.bsky.feed.post/{rkey}", world.bsky_post(did, rkey)


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which post a request is about, for per-post failure modes."""
    path = request.url.path
    found = _AT_URI.fullmatch(
        query(request, "uri") or query(request, "url") or ""
    ) or _WEB_URL.fullmatch(query(request, "url") or "")
    if path.startswith("/embed/did:"):
        return ("bluesky", path.rsplit("/", 1)[-1])
    return ("bluesky", found.group(2)) if found else None


async def handle_api(request: Request, ctx: Ctx) -> Response:
    """``/xrpc/…`` on public.api.bsky.app."""
    world, method = ctx.world, request.url.path.removeprefix("/xrpc/")
    if not request.url.path.startswith("/xrpc/"):
        return text_response("Not Found", 404)
    with world.lock:
        if method == "com.atproto.identity.resolveHandle":
            handle = query(request, "handle")
            if not handle:
                return error("InvalidRequest", 'Error: Params must have the property "handle"')
            did = resolve(world, handle)
            return (
                json_response({"did": did})
                if did
                else error("InvalidRequest", "Unable to resolve handle")
            )
        if method == "app.bsky.actor.getProfile":
            return _profile(world, query(request, "actor") or "")
        if method == "app.bsky.feed.getPosts":
            found_posts = [find(world, uri) for uri in request.query_params.getlist("uris")[:25]]
            shown = [p for _, p in filter(None, found_posts) if p is not None and visible(p)]
            return json_response({"posts": [post_json(world, p) for p in shown]})
        if method == "app.bsky.feed.getPostThread":
            return _thread(world, request)
    return error("MethodNotImplemented", "Method Not Implemented", 501)


def _profile(world: World, actor: str) -> Response:
    if not actor:
        return error("InvalidRequest", 'Error: Params must have the property "actor"')
    account: Account | None = world.account("bluesky", actor)
    if account is None:
        return error("InvalidRequest", "Profile not found")
    if account.state in TAKEN_DOWN:
        return error("AccountTakedown", "Account has been suspended")
    if account.state == "deactivated":
        return error("AccountDeactivated", "Account is deactivated")
    return json_response(
        {
            "did": account.id,
            "handle": account.handle,
            "displayName": account.name,
            "avatar": account.avatar_url,
            "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
            "labels": [],
            "createdAt": iso_ms(account.created_at),
            "description": account.bio,
            "indexedAt": iso_ms(account.created_at),
            "followersCount": account.followers,
            "followsCount": account.following,
            "postsCount": account.post_count,
        }
    )


def _thread(world: World, request: Request) -> Response:
    uri = query(request, "uri")
    if not uri:
        return error("InvalidRequest", 'Error: Params must have the property "uri"')
    found = find(world, uri) if uri.startswith("at://") else None
    if found is None:
        return error("InvalidRequest", "Error: uri must be a valid at-uri")
    full_uri, post = found
    if post is None or not visible(post):
        return error("NotFound", f"Post not found: {full_uri}")
    if post.variant == "not_found_post":
        return json_response(
            {"thread": {"$type": f"{DEFS}#notFoundPost", "uri": full_uri, "notFound": True}}
        )
    if post.variant == "blocked":
        author = {"did": post.account.id, "viewer": {"blockedBy": False, "blocking": "at://"}}
        return json_response(
            {
                "thread": {
                    "$type": f"{DEFS}#blockedPost",
                    "uri": full_uri,
                    "blocked": True,
                    "author": author,
                }
            }
        )
    thread: dict[str, Any] = {"$type": f"{DEFS}#threadViewPost", "post": post_json(world, post)}
    height = query(request, "parentHeight") or "80"
    if post.reply_to_id and height.isdigit() and int(height) > 0:
        parent = world.bsky_rkey(post.reply_to_id)
        if parent is not None and visible(parent):
            thread["parent"] = {"$type": f"{DEFS}#threadViewPost", "post": post_json(world, parent)}
        else:
            parent_uri = f"at://{post.account.id}/app.bsky.feed.post/{post.reply_to_id}"
            thread["parent"] = {
                "$type": f"{DEFS}#notFoundPost",
                "uri": uri_of(parent) if parent else parent_uri,
                "notFound": True,
            }
    thread["replies"] = []
    return json_response({"thread": thread})


async def handle_embed(request: Request, ctx: Ctx) -> Response:
    """embed.bsky.app: ``/embed/DID/app.bsky.feed.post/RKEY`` and ``/oembed``."""
    world, path = ctx.world, request.url.path
    if path == "/static/embed.js":
        return text_response("/* emulated embed.js */\n", content_type="text/javascript")
    with world.lock:
        if path == "/oembed":
            url = query(request, "url") or ""
            if (query(request, "format") or "json") != "json":
                return text_response("Invalid format", 501)
            found = find(world, url)
            if found is None:
                return text_response(f"Expected 'url' to be bsky.app URL or AT-URI: {url}", 400)
            post = found[1]
        elif found_embed := re.fullmatch(r"/embed/(did:[^/]+)/app\.bsky\.feed\.post/([^/]+)", path):
            post = world.bsky_post(*found_embed.groups())
        else:
            return text_response("Not Found", 404)
        if post is None or not visible(post):
            return text_response("post not found", 404)
        if hidden_from_logged_out(post) or post.variant == "blocked":
            return text_response("post is not publicly accessible", 403)
        quote_html = blockquote(post) if path == "/oembed" else ""
        if path != "/oembed":
            return html_response(_card(world, post))
    maxwidth = query(request, "maxwidth") or ""
    width = max(220, min(600, int(maxwidth))) if maxwidth.isdigit() else 600
    return json_response(
        {
            "type": "rich",
            "version": "1.0",
            "author_name": f"{post.account.name} (@{post.account.handle})",
            "author_url": f"https://bsky.app/profile/{post.account.handle}",
            "provider_url": "Bluesky Social",
            "cache_age": 86400,
            "width": width,
            "height": None,
            "html": quote_html,
        }
    )


def blockquote(post: Post) -> str:
    """The ``<blockquote class="bluesky-embed">`` snippet."""
    did, rkey, version = post.account.id, post.id, post.current
    link = f"https://bsky.app/profile/{did}/post/{rkey}?ref_src=embed"
    text = escape_html(version.text).replace("\n", "<br>")
    if version.media or post.quoted_id:
        text += f'<br><br><a href="{link}">[image or embed]</a>'
    return (
        f'<blockquote class="bluesky-embed" data-bluesky-uri="{uri_of(post)}" '
        f'data-bluesky-cid="{version.cid}"><p lang="{post.lang}">{text}</p>&mdash; '
        f'<a href="https://bsky.app/profile/{did}?ref_src=embed">{escape_html(post.account.name)} '
        f'(@{post.account.handle})</a> <a href="{link}">{iso_ms(post.created_at)}</a></blockquote>'
        '<script async src="https://embed.bsky.app/static/embed.js" charset="utf-8"></script>'
    )


def _card(world: World, post: Post) -> str:
    view = post_json(world, post).get("embed", {})
    images = [image["fullsize"] for image in view.get("images", [])]
    card = pages.Card(
        provider="Bluesky",
        name=post.account.name,
        handle=f"@{post.account.handle}",
        avatar=post.account.avatar_url,
        lang=post.lang,
        text_html=escape_html(post.current.text).replace("\n", "<br>"),
        date=post.created_at.strftime("%B %-d, %Y at %-I:%M %p"),
        permalink=f"https://bsky.app/profile/{post.account.handle}/post/{post.id}",
        images=images,
    )
    return pages.card_page(card)
