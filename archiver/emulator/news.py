"""A news site: the pages of articles that quote posts, as a newsroom's server sends them.

``World.add_article`` puts a page at a path with the bytes and ``Content-Type`` given (so a test
can send a page in a legacy charset, or one declared only in a ``<meta>``); every other path is
the site's 404 page.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator.common import Ctx

#: The emulated newsroom (``.example`` is reserved: it can never be a real site).
NEWS_ORIGIN: Final = "https://www.ledger-gazette.example"
_NOT_FOUND: Final = (
    b"<!doctype html><html><head><title>Page not found | The Ledger-Gazette</title></head>"
    b"<body><h1>We could not find that page.</h1></body></html>"
)


async def handle(request: Request, ctx: Ctx) -> Response:
    """Serve an article page (GET/HEAD), or the 404 page."""
    if request.method not in ("GET", "HEAD"):
        return Response(b"", 405, headers={"Allow": "GET, HEAD"})
    page = ctx.world.article(request.url.path)
    if page is None:
        return Response(_NOT_FOUND, 404, media_type="text/html; charset=utf-8")
    body, content_type = page
    return Response(body, 200, headers={"Content-Type": content_type})
