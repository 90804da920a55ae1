"""Mastodon and Truth Social: the public statuses API, edit history, instance metadata and
nodeinfo, account lookup, oEmbed, and the post and embed pages.

Deleted, private and unavailable-author statuses answer 404 ``{"error":"Record not found"}``;
the web page answers 410 for suspended accounts and 403 for temporarily suspended (withheld)
ones. Media of hosts other than mastodon.social and truthsocial.com is served under
``/system/``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.emulator import media, pages
from archiver.emulator.common import (
    Ctx,
    html_response,
    json_response,
    long_date,
    query,
)
from archiver.emulator.mastodon_json import account_json, api_visible, history_json, status_json
from archiver.emulator.model import Post
from archiver.emulator.text import plain_from_html

if TYPE_CHECKING:
    from archiver.emulator.world import World

NOT_FOUND: Final = {"error": "Record not found"}
_STATUS: Final = re.compile(r"/api/v1/statuses/(\d+)(/history|/context)?")
_PAGE: Final = re.compile(r"/@(\w[\w.-]*)/(?:posts/)?(\d+)(/embed)?/?")
_AP: Final = re.compile(r"/users/(\w[\w.-]*)/statuses/(\d+)")
_GONE_STATES: Final = ("suspended", "takedown", "deactivated")


def page_status(post: Post | None) -> int:
    """What the web page answers: 200, 404, 410 (suspended) or 403 (temporarily suspended)."""
    if post is None or post.deleted:
        return 404
    if post.account.state in _GONE_STATES:
        return 410
    if post.account.state == "withheld":
        return 403
    return 200 if api_visible(post) else 404


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which status a request is about, for per-post failure modes."""
    platform = "truthsocial" if ctx.origin.host == "truthsocial.com" else "mastodon"
    path = request.url.path
    found = _STATUS.fullmatch(path) or _PAGE.fullmatch(path)
    return (
        (platform, found.groups()[-2] if found.re is _PAGE else found.group(1)) if found else None
    )


async def handle(request: Request, ctx: Ctx) -> Response:
    """Every route of a Mastodon-style host."""
    world, host, path = ctx.world, ctx.origin.host, request.url.path
    truth = host == "truthsocial.com"
    if path.startswith("/system/"):
        return await media.handle(request, ctx)
    with world.lock:
        if found := _STATUS.fullmatch(path):
            post = world.status(host, found.group(1))
            if not api_visible(post) or post is None:
                return json_response(NOT_FOUND, 404)
            if found.group(2) == "/history":
                return json_response(history_json(world, post))
            if found.group(2) == "/context":
                parent = world.status(host, post.reply_to_id) if post.reply_to_id else None
                ancestors = [status_json(world, parent)] if parent and api_visible(parent) else []
                return json_response({"ancestors": ancestors, "descendants": []})
            return json_response(status_json(world, post))
        if path == "/api/v1/accounts/lookup":
            acct = (query(request, "acct") or "").lstrip("@").removesuffix(f"@{host}")
            account = world.account("mastodon", acct, host=host) if acct else None
            if account is None or account.state in ("takedown", "deactivated"):
                return json_response(NOT_FOUND, 404)
            return json_response(account_json(account))
        if path in ("/api/v1/instance", "/.well-known/nodeinfo", "/nodeinfo/2.0"):
            return _instance(world, host, path)
        if path == "/api/oembed":
            return _oembed(world, host, query(request, "url") or "")
        if found := _PAGE.fullmatch(path):
            post = world.status(host, found.group(2))
            if post is not None and post.account.handle.lower() != found.group(1).lower():
                post = None
            status = page_status(post)
            if status != 200 or post is None:
                titles = {
                    404: "The page you are looking for isn't here.",
                    410: "This account has been suspended.",
                    403: "This account is temporarily unavailable.",
                }
                return html_response(pages.notice_page(host, titles[status]), status)
            return html_response(_page(world, post, embed=bool(found.group(3))))
        if found := _AP.fullmatch(path):
            return RedirectResponse(f"/@{found.group(1)}/{found.group(2)}", 302)
    if path.startswith("/api/"):
        return json_response(NOT_FOUND, 404)
    name = "Truth Social" if truth else "Mastodon"
    return html_response(pages.notice_page(name, "The page you are looking for isn't here."), 404)


def _instance(world: World, host: str, path: str) -> Response:
    truth = host == "truthsocial.com"
    version = "3.4.1 (compatible; TruthSocial 1.0.0)" if truth else "4.3.2"
    title = "Truth Social" if truth else host
    accounts = [a for a in world.accounts() if a.host == host]
    posts = sum(a.post_count for a in accounts)
    if path == "/.well-known/nodeinfo":
        href = f"https://{host}/nodeinfo/2.0"
        return json_response(
            {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": href}]}
        )
    if path == "/nodeinfo/2.0":
        return json_response(
            {
                "version": "2.0",
                "software": {"name": "mastodon", "version": version.split()[0]},
                "protocols": ["activitypub"],
                "services": {"outbound": [], "inbound": []},
                "usage": {
                    "users": {
                        "total": len(accounts),
                        "activeMonth": len(accounts),
                        "activeHalfyear": len(accounts),
                    },
                    "localPosts": posts,
                },
                "openRegistrations": not truth,
                "metadata": {"nodeName": title},
            },
            content_type='application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"',
        )
    return json_response(
        {
            "uri": host,
            "title": title,
            "short_description": "",
            "description": "",
            "email": f"admin@{host}",
            "version": version,
            "urls": {"streaming_api": f"wss://{host}"},
            "stats": {"user_count": len(accounts), "status_count": posts, "domain_count": 1},
            "thumbnail": None,
            "languages": ["en"],
            "registrations": not truth,
            "approval_required": False,
            "invites_enabled": True,
            "configuration": {"statuses": {"max_characters": 500, "max_media_attachments": 4}},
            "contact_account": None,
            "rules": [],
        }
    )


def _oembed(world: World, host: str, url: str) -> Response:
    found = _PAGE.search(url)
    post = world.status(host, found.group(2)) if found and host in url else None
    if post is None or not api_visible(post):
        return json_response(NOT_FOUND, 404)
    truth = host == "truthsocial.com"
    embed = f"https://{host}/@{post.account.handle}/{post.id}/embed"
    kind, width = ("truthsocial-embed", 600) if truth else ("mastodon-embed", 400)
    html = (
        f'<iframe src="{embed}" class="{kind}" style="max-width: 100%; border: 0" '
        f'width="{width}" allowfullscreen="allowfullscreen"></iframe>'
        f'<script src="https://{host}/embed.js" async="async"></script>'
    )
    return json_response(
        {
            "type": "rich",
            "version": "1.0",
            "title": f"New status by {post.account.handle}",
            "author_name": post.account.name,
            "author_url": f"https://{host}/@{post.account.handle}",
            "provider_name": host,
            "provider_url": f"https://{host}/",
            "cache_age": 86400,
            "html": html,
            "width": width,
            "height": None,
        }
    )


def _page(world: World, post: Post, *, embed: bool) -> str:
    data = status_json(world, post)
    handle = f"@{post.account.handle}@{post.host}"
    images = [m["preview_url"] for m in data["media_attachments"]]
    card = pages.Card(
        provider="Truth Social" if post.platform == "truthsocial" else "Mastodon",
        name=post.account.name,
        handle=handle,
        avatar=post.account.avatar_url,
        text_html=data["content"],
        date=long_date(post.current.at),
        permalink=data["url"],
        images=images,
        lang=post.lang,
        meta={}
        if embed
        else {
            "og:type": "article",
            "og:title": f"{post.account.name} ({handle})",
            "og:description": plain_from_html(data["content"]),
            "og:url": data["url"],
            "og:image": images[0] if images else post.account.avatar_url,
            "og:published_time": data["created_at"],
            "og:oembed": f"https://{post.host}/api/oembed?url={quote(data['url'], safe='')}",
        },
    )
    return pages.card_page(card)
