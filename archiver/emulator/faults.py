"""What a failure mode answers, in each platform family's own words.

* ``rate_limit``: 429 with the family's body and rate-limit headers (X ``x-rate-limit-*``
  epoch; Mastodon ``X-RateLimit-*`` with an ISO reset; Bluesky ``RateLimit-*`` epoch; Reddit
  ``x-ratelimit-*`` with the reset in seconds; Telegram, Threads, web pages and the Wayback
  Machine ``Retry-After``; Meta's Graph API its throttling error, code 4, without a time).
* ``error``: the given 4xx/5xx status (500 and 503 with the family's JSON; others an HTML
  gateway page; a 429 this way is a proxy's, with ``Retry-After: retry_after_seconds``).
* ``auth_required``: Mastodon 401 ``This API requires an authenticated user`` (web pages
  redirect to the sign-in page); X and Bluesky their 401s; Threads pages redirect to
  ``/login``, Meta's Graph API asks for a token (code 104); YouTube's bot check (the watch page
  ``LOGIN_REQUIRED``, oEmbed 401); the web publication a subscribers-only 401; media 403.
* ``non_json``: 200 ``text/html`` garbage (a bot-wall page).
* ``login_wall``: 200 ``text/html``, the family's "sign in to see this" page.
* ``wrong_type``: the normal answer (status and body) labelled ``text/html`` (an HTML
  answer: labelled ``application/json``).
* ``truncated``: the normal answer with its headers, body cut in half.
* ``reset``: no answer: the connection is reset (TCP RST) once the request is read.
* ``hang``: the normal answer after ``seconds`` (never, when none are given).
* ``redirect_loop``: 302 to the same URL one hop further (``loop=N``), for ever.
* ``download``: 200 ``application/octet-stream`` with ``Content-Disposition: attachment``.
"""

from __future__ import annotations

import asyncio
import math
import socket
import struct
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.emulator import pages, threads, web, youtube
from archiver.emulator.common import Ctx, Handler, html_response, iso_us, json_response, now
from archiver.emulator.common import text_response as text
from archiver.emulator.model import Failure

_RELABELLED_HEADERS = frozenset({"content-type", "content-length"})
_ERRORS: dict[tuple[str, int], dict[str, Any]] = {
    ("x", 500): {"errors": [{"message": "Internal error", "code": 131}]},
    ("x", 503): {"errors": [{"message": "Over capacity", "code": 130}]},
    ("mastodon", 500): {"error": "We're sorry, but something went wrong on our end."},
    ("mastodon", 503): {"error": "Remote data could not be fetched"},
    ("bluesky", 500): {"error": "InternalServerError", "message": "Internal Server Error"},
    ("bluesky", 503): {"error": "NotEnoughResources", "message": "Not Enough Resources"},
    ("reddit", 500): {"message": "Internal Server Error", "error": 500},
    ("reddit", 503): {"message": "Service Unavailable", "error": 503},
    ("meta-graph", 500): threads.GRAPH_ERRORS[500],
    ("meta-graph", 503): threads.GRAPH_ERRORS[503],
}


def rate_limited(family: str, retry_after: int) -> Response:
    """A 429 as the family sends it."""
    reset = now() + timedelta(seconds=retry_after)
    epoch = str(int(reset.timestamp()))
    body: dict[str, Any]
    if family == "x":
        body = {"errors": [{"message": "Rate limit exceeded", "code": 88}]}
        headers = {
            "x-rate-limit-limit": "500",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": epoch,
        }
        return json_response(body, 429, headers)
    if family == "mastodon":
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": iso_us(reset),
        }
        return json_response({"error": "Too many requests"}, 429, headers)
    if family == "bluesky":
        body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
        headers = {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": epoch,
            "RateLimit-Policy": "3000;w=300",
        }
        return json_response(body, 429, headers)
    if family == "reddit":
        headers = {
            "x-ratelimit-used": "100",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(retry_after),
        }
        return json_response({"message": "Too Many Requests", "error": 429}, 429, headers)
    if family in ("telegram", "wayback"):
        response = text("Too Many Requests: retry later", 429)
        response.headers["Retry-After"] = str(retry_after)
        return response
    if family == "threads":
        return threads.rate_limited(retry_after)
    if family == "meta-graph":
        return threads.graph_throttled()
    if family == "youtube":
        return youtube.rate_limited(retry_after)
    if family == "web":
        return web.rate_limited(retry_after)
    return text("Too Many Requests", 429)


def server_error(family: str, status: int) -> Response:
    """A 4xx/5xx answer as the family sends it."""
    body = _ERRORS.get((family, status))
    if body is not None:
        return json_response(body, status)
    return html_response(
        f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center>"
        "<hr><center>nginx</center></body></html>",
        status,
    )


def auth_required(family: str, request: Request) -> Response:
    """What an origin answers an unauthenticated caller when it requires authentication."""
    if family == "mastodon":
        if request.url.path.startswith("/api/"):
            return json_response({"error": "This API requires an authenticated user"}, 401)
        return RedirectResponse("/auth/sign_in", 302)
    if family == "x":
        return json_response(
            {"errors": [{"code": 32, "message": "Could not authenticate you."}]}, 401
        )
    if family == "bluesky":
        return json_response({"error": "AuthMissing", "message": "Authentication Required"}, 401)
    if family == "reddit":
        return json_response({"message": "Unauthorized", "error": 401}, 401)
    if family == "telegram":
        return text("Unauthorized", 401)
    if family in ("threads", "meta-graph"):
        return threads.auth_required(request)
    if family == "youtube":
        return youtube.auth_required(request)
    if family == "web":
        return web.auth_required()
    return text("Forbidden", 403)


_LOGIN_WALLS: dict[str, tuple[str, str]] = {
    "x": ("Log in to X / X", "Don't miss what's happening. People on X are the first to know."),
    "mastodon": ("Mastodon", "Log in to see this. This server requires you to be logged in."),
    "bluesky": ("Bluesky", "Sign in to view this. The author has chosen to show it to users only."),
    "reddit": ("Reddit - Dive into anything", "Log in to Reddit to continue."),
    "telegram": ("Telegram: Log in", "Log in to Telegram to view this channel."),
    "threads": ("Threads • Log in", "Log in with your Instagram account to see more."),
    "youtube": ("Before you continue to YouTube", "We use cookies and data to run our services."),
}


def login_wall(family: str) -> Response:
    """A 200 HTML page asking the reader to sign in, where data was expected."""
    title, said = _LOGIN_WALLS.get(family, ("Sign in", "Sign in to continue."))
    body = (
        f'<main><h1>{title}</h1><p>{said}</p><form action="/login" method="post">'
        '<input name="username" autocomplete="username"><input name="password" type="password">'
        "<button>Log in</button></form></main>"
    )
    return html_response(pages.document(title, body))


def reset_connection(request: Request) -> Response:
    """Abort the request's connection with a TCP RST (SO_LINGER 0); the response returned is
    never sent. Falls back to a bare 502 if the server's transport cannot be reached."""
    cycle = getattr(request.receive, "__self__", None)  # uvicorn's RequestResponseCycle
    transport = getattr(cycle, "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if transport is None or sock is None:
        return text("connection reset (emulated)", 502)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return text("", 502)


def redirect_loop(request: Request) -> Response:
    """A 302 to the same path and query with the hop counter ``loop`` one higher: a chain of
    redirects that never ends (and never repeats a URL, so no loop detection sees it)."""
    params = dict(request.query_params)
    hop = int(params["loop"]) + 1 if params.get("loop", "").isdigit() else 1
    return RedirectResponse(f"{request.url.path}?{urlencode({**params, 'loop': hop})}", 302)


def download() -> Response:
    """A file to save, where a page or data was expected."""
    headers = {"Content-Disposition": 'attachment; filename="post.bin"'}
    return Response(b"PK\x03\x04" + bytes(60), 200, headers, "application/octet-stream")


async def apply(failure: Failure, request: Request, ctx: Ctx, handler: Handler) -> Response:
    """Answer ``request`` in failure mode ``failure``."""
    family = ctx.origin.family
    if failure.mode == "hang":
        seconds = failure.seconds if failure.seconds is not None else math.inf
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if ctx.stopping.is_set():
                return text("The emulator is stopping", 503)
            await asyncio.sleep(min(0.05, left))
        return await handler(request, ctx)
    if failure.mode == "truncated":
        response = await handler(request, ctx)
        body = bytes(response.body)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body[: len(body) // 2], status_code=response.status_code, headers=headers)
    if failure.mode == "wrong_type":
        response = await handler(request, ctx)
        headers = {
            k: v for k, v in response.headers.items() if k.lower() not in _RELABELLED_HEADERS
        }
        was_html = response.headers.get("content-type", "").startswith("text/html")
        headers["content-type"] = "application/json" if was_html else "text/html; charset=utf-8"
        return Response(bytes(response.body), status_code=response.status_code, headers=headers)
    if failure.mode == "non_json":
        return html_response(pages.garbage_page())
    if failure.mode == "login_wall":
        return login_wall(family)
    if failure.mode == "reset":
        return reset_connection(request)
    if failure.mode == "redirect_loop":
        return redirect_loop(request)
    if failure.mode == "download":
        return download()
    if failure.mode == "rate_limit":
        return rate_limited(family, failure.retry_after_seconds)
    if failure.mode == "auth_required":
        return auth_required(family, request)
    if failure.status == 429:
        response = server_error(family, 429)
        response.headers["Retry-After"] = str(failure.retry_after_seconds)
        return response
    return server_error(family, failure.status)
