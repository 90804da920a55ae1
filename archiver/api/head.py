"""``HEAD`` for every ``GET`` route (RFC 9110 §9.3.2): Memento clients ask a TimeGate with
``HEAD``, link checkers ask pages so. The request is answered as the ``GET`` would be —
status and headers, ``Content-Length`` included — without the body.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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


def install(app: FastAPI) -> None:
    """Answer ``HEAD`` on every ``GET`` route of ``app``."""
    app.add_middleware(HeadAsGet)
