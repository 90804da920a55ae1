"""``HEAD`` for every ``GET`` route (RFC 9110 §9.3.2): Memento clients ask a TimeGate with
``HEAD``, link checkers ask pages so. The request is answered as the ``GET`` would be —
status and headers, ``Content-Length`` included — without the body.

And a 405's ``Allow`` names every method of the resource (RFC 9110 §15.5.6), ``HEAD`` with
``GET``: Starlette names only those of the first route of the path, so ``DELETE
/api/v1/posts`` would say ``Allow: POST`` though ``GET`` is served there too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, routing
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The order methods are listed in ``Allow``.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HeadAsGet:
    """ASGI middleware: run a ``HEAD`` request as ``GET`` and drop the body it produces."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # only the last (empty) body message is passed on
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def _flat_routes(routes: Iterable[Any]) -> list[Any]:
    # FastAPI ≥ 0.16x keeps included routers whole; ``iter_route_contexts`` flattens them.
    flatten = getattr(routing, "iter_route_contexts", None)
    return list(flatten(list(routes))) if flatten is not None else list(routes)


def allowed_methods(routes: Iterable[Any], path: str) -> list[str]:
    """Every method some route serves at ``path`` (``HEAD`` wherever ``GET`` is)."""
    methods: set[str] = set()
    for route in _flat_routes(routes):
        regex, served = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and served and regex.match(path):
            methods |= set(served)
    if "GET" in methods:
        methods.add("HEAD")
    return [method for method in _METHODS if method in methods] + sorted(
        methods.difference(_METHODS)
    )


class AllowEveryMethod:
    """ASGI middleware: a 405's ``Allow`` lists every method served at the request's path."""

    def __init__(self, app: ASGIApp, *, routes: Any) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods = allowed_methods(self.routes(), scope["path"])
                if methods:
                    MutableHeaders(scope=message)["Allow"] = ", ".join(methods)
            await send(message)

        await self.app(scope, receive, with_allow)


def install(app: FastAPI) -> None:
    """Answer ``HEAD`` on every ``GET`` route of ``app``; list every method in a 405's
    ``Allow``."""
    app.add_middleware(AllowEveryMethod, routes=lambda: app.routes)
    app.add_middleware(HeadAsGet)
