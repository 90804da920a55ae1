"""Threads: the public post pages on ``www.threads.com`` (``threads.net`` redirects there), their
``/embed`` pages, and the tokenless oEmbed on ``graph.threads.net``.

A post page carries ``og:`` tags and ``data-sjs`` JSON with the post (see ``threads_json``);
``/t/{code}`` redirects to the author's URL. A post that cannot be shown (deleted, private
variant, or its account in any state but active) gets Threads' generic page (so does a post
in the ``no_page_data`` variant, whose oEmbed still works): ``og:`` tags of
the site, no post data, status 200. Its oEmbed then answers the Graph API error envelope
``400 {"error":{"message":"Invalid parameter","type":"OAuthException","code":100,…}}``
(shape inferred from the Graph API's convention).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.emulator import idgen, pages
from archiver.emulator.common import Ctx, html_response, json_response, long_date, query
from archiver.emulator.model import Post
from archiver.emulator.text import escape_html
from archiver.emulator.threads_json import WEB, config_blob, find, post_url, thread_blob

if TYPE_CHECKING:
    from archiver.emulator.world import World

_PAGE: Final = re.compile(
    r"/(?:@(?P<user>[A-Za-z0-9._]{1,30})/post|t)/(?P<code>[A-Za-z0-9_-]{1,64})(?P<embed>/embed)?/?"
)
_SITE_DESCRIPTION: Final = (
    "Join Threads to share ideas, ask questions, post random thoughts, and more."
)


def visible(post: Post | None) -> bool:
    """Whether Threads shows the post to a logged-out reader."""
    return (
        post is not None
        and not post.deleted
        and post.variant != "private"
        and post.account.state == "active"
    )


def graph_error(message: str, code: int, status: int = 400, *, transient: bool = False) -> Response:
    """A Graph API error envelope."""
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + idgen.base62(10, "fbtrace", message, code),
    }
    if transient:
        error["is_transient"] = True
    return json_response({"error": error}, status)


#: The Graph API's own 5xx bodies (``is_transient``: try again).
GRAPH_ERRORS: Final[dict[int, dict[str, Any]]] = {
    500: {
        "error": {
            "message": "An unknown error has occurred.",
            "type": "OAuthException",
            "code": 1,
            "is_transient": True,
        }
    },
    503: {
        "error": {
            "message": "(#2) Service temporarily unavailable",
            "type": "OAuthException",
            "code": 2,
            "is_transient": True,
        }
    },
}


def rate_limited(retry_after: int) -> Response:
    """Threads' pages when a reader asks too often: 429 with ``Retry-After``."""
    response = html_response(
        pages.notice_page("Threads", "Please wait a few minutes before you try again."), 429
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def graph_throttled() -> Response:
    """The Graph API's application rate limit (code 4); it names no time to come back."""
    response = graph_error("(#4) Application request limit reached", 4, 403, transient=True)
    response.headers["x-app-usage"] = '{"call_count":100,"total_cputime":3,"total_time":4}'
    return response


def auth_required(request: Request) -> Response:
    """Pages send the reader to ``/login``; the Graph API asks for an access token."""
    if request.url.path.startswith("/v1.0/"):
        return graph_error("An access token is required to request this resource.", 104)
    if request.url.path.rstrip("/") == "/login":
        return login_page()
    return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", 302)


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which post a request is about, for per-post failure modes."""
    path = request.url.path
    if path.rstrip("/") == "/v1.0/oembed":
        path = urlsplit(query(request, "url") or "").path
    found = _PAGE.fullmatch(path)
    return ("threads", found["code"]) if found else None


async def handle_web(request: Request, ctx: Ctx) -> Response:
    """Post pages, ``/t/`` short links, embed pages and the login page."""
    if ctx.origin.host != "www.threads.com":
        target = f"{WEB}{request.url.path}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, 301)
    path = request.url.path
    if path.rstrip("/") == "/login":
        return login_page()
    found = _PAGE.fullmatch(path)
    if found is None:
        return html_response(_generic_page(), 404)
    world = ctx.world
    with world.lock:
        post = find(world, found["code"])
        hidden = post is None or post.variant == "no_page_data" or not visible(post)
        shown = None if hidden else post
        if found["embed"]:
            return html_response(_embed_page(shown))
        if shown is not None and found["user"] is None:
            return RedirectResponse(post_url(shown), 302)
        return html_response(_post_page(world, shown) if shown else _generic_page())


async def handle_graph(request: Request, ctx: Ctx) -> Response:
    """``/v1.0/oembed?url=…`` (tokenless)."""
    if request.url.path.rstrip("/") != "/v1.0/oembed":
        return graph_error("Unknown path components: " + request.url.path, 2500)
    url = query(request, "url")
    if not url:
        return graph_error("(#100) The parameter url is required", 100)
    parts = urlsplit(url)
    found = _PAGE.fullmatch(parts.path)
    host = (parts.hostname or "").removeprefix("www.")
    with ctx.world.lock:
        post = (
            find(ctx.world, found["code"])
            if found and host in ("threads.com", "threads.net")
            else None
        )
        if post is None or not visible(post):
            return graph_error("Invalid parameter", 100)
        permalink = post_url(post)
        html = (
            f'<blockquote class="text-post-media" data-text-post-permalink="{permalink}" '
            f'data-text-post-version="0" id="ig-tp-{post.id}" style=" background:#FFF; '
            "border-width: 1px; border-style: solid; border-color: #00000026; "
            "border-radius: 16px; max-width:650px; margin: 1px; min-width:270px; padding:0; "
            f'width:99.375%;"> <a href="{permalink}" style=" background:#FFFFFF; '
            "line-height:0; padding:0 0; text-align:center; text-decoration:none; width:100%; "
            'font-family: -apple-system, BlinkMacSystemFont, sans-serif;" target="_blank"> '
            '<div style=" padding: 40px; display: flex; flex-direction: column; '
            'align-items: center;"><div style=" font-size: 15px; line-height: 21px; '
            'color: #000000; font-weight: 600; "> View on Threads</div></div></a></blockquote>\n'
            f'<script async src="{WEB}/embed.js"></script>'
        )
    return json_response(
        {
            "type": "rich",
            "version": "1.0",
            "provider_name": "Threads",
            "provider_url": f"{WEB}/",
            "width": 658,
            "html": html,
        }
    )


def login_page() -> Response:
    """Where a logged-out reader is sent when Threads wants a login: no ``og:`` tags."""
    body = (
        '<main><h1>Log in with your Instagram account</h1><form action="/login" method="post">'
        '<input name="username" autocomplete="username"><input name="password" type="password">'
        "<button>Log in</button></form></main>"
    )
    return html_response(pages.document("Threads • Log in", body))


def _generic_page() -> str:
    """What Threads serves where there is no post to show: the site's own ``og:`` tags."""
    meta = {
        "og:site_name": "Threads",
        "og:title": "Threads",
        "og:description": _SITE_DESCRIPTION,
        "og:url": f"{WEB}/",
        "og:type": "website",
    }
    body = f'<main><div id="barcelona-page-layout"></div></main>{_script(config_blob())}'
    return pages.document("Threads", body, meta=meta)


def _post_page(world: World, post: Post) -> str:
    account, version = post.account, post.current
    images = [item.urls.get("full") or item.urls.get("preview", "") for item in version.media]
    images = [url for url in images if url]
    meta = {
        "og:site_name": "Threads",
        "og:type": "article",
        "og:title": f"{account.name} (@{account.handle}) on Threads",
        "og:description": version.text,
        "og:url": post_url(post),
        "og:image": images[0] if images else account.avatar_url,
        "al:ios:app_name": "Threads",
        "al:ios:url": f"barcelona://media?shortcode={post.id}",
    }
    title = f"@{account.handle} on Threads • Threads"
    body = (
        f'<main><div id="barcelona-page-layout">{pages.card_html(_card(post, images))}</div>'
        f"</main>{_script(config_blob())}{_script(thread_blob(world, post))}"
    )
    return pages.document(title, body, meta=meta)


def _embed_page(post: Post | None) -> str:
    if post is None:
        return pages.notice_page("Threads", "This post is unavailable.")
    images = [item.urls.get("full") or item.urls.get("preview", "") for item in post.current.media]
    return pages.card_page(_card(post, [url for url in images if url]))


def _card(post: Post, images: list[str]) -> pages.Card:
    text = escape_html(post.current.text).replace("\n", "<br>")
    return pages.Card(
        provider="Threads",
        name=post.account.name,
        handle=f"@{post.account.handle}",
        avatar=post.account.avatar_url,
        text_html=text,
        date=long_date(post.created_at),
        permalink=post_url(post),
        images=images,
        lang=post.lang,
    )


def _script(blob: str) -> str:
    return (
        f'<script type="application/json" data-content-len="{len(blob)}" data-sjs>{blob}</script>'
    )
