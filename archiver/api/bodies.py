"""Request body size limits for the JSON API: 413 problem+json before anything is parsed.

A write under ``/api/`` may carry at most :data:`JSON_MAX_BYTES` (an article,
:data:`ARTICLE_JSON_MAX_BYTES`: a 10 MB article with room for JSON escaping). A declared
``Content-Length`` over the cap is refused before a byte is read; a body without one (chunked)
is read up to the cap and refused as soon as it passes it. Either way the route never runs, so
nothing is stored. The submission form (``POST /``) has its own, smaller cap.
"""

from __future__ import annotations

from typing import Final

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archiver import urls
from archiver.api.limits import WRITE_METHODS
from archiver.api.problems import problem_response
from archiver.errors import PayloadTooLarge
from archiver.services.articles import MAX_ARTICLE_BYTES

#: The largest JSON body of a write (a post, a webhook, a check, a quote link).
JSON_MAX_BYTES: Final = 1_000_000
#: The largest JSON body of ``POST /api/v1/articles``: the article twice over, for escaping.
ARTICLE_JSON_MAX_BYTES: Final = 2 * MAX_ARTICLE_BYTES + JSON_MAX_BYTES
_ARTICLES: Final = urls.API + "/articles"


def body_cap(method: str, path: str) -> int | None:
    """The most bytes a request's body may have, or ``None`` when this layer sets no cap."""
    if method.upper() not in WRITE_METHODS or not path.startswith(urls.API + "/"):
        return None
    return ARTICLE_JSON_MAX_BYTES if path.rstrip("/") == _ARTICLES else JSON_MAX_BYTES


class BodyLimit:
    """ASGI middleware: read a capped request's body whole (refusing it past the cap), then
    hand it to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = body_cap(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if cap is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _refuse(scope, receive, send, cap)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                await _refuse(scope, receive, send, cap)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, cap: int) -> None:
    error = PayloadTooLarge(
        f"the request body is larger than {cap / 1_000_000:g} MB; nothing was read or stored"
    )
    response = problem_response(
        Request(scope, receive),
        status=error.status_code,
        title=error.title,
        detail=error.detail,
        slug=error.type_slug,
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Cap the request bodies of ``app``'s JSON writes."""
    app.add_middleware(BodyLimit)
