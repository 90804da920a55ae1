"""One Starlette app for every emulated origin: the local port a request arrived on
(``scope["server"][1]``) says which real origin it plays. Each request to an emulated origin
is logged, then answered normally or in the failure mode that applies to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archiver.emulator import (
    bluesky,
    control,
    faults,
    mastodon,
    media,
    news,
    reddit,
    telegram,
    threads,
    wayback,
    web,
    x,
    x_embed,
    youtube,
)
from archiver.emulator.common import (
    Ctx,
    Handler,
    Origin,
    iso_ms,
    json_response,
    now,
)
from archiver.emulator.model import RequestRecord
from archiver.emulator.world import World

CONTROL: Final = Origin("control", "control")
HANDLERS: Final[dict[str, Handler]] = {
    "x-syndication": x.handle_syndication,
    "x-publish": x_embed.handle_publish,
    "x-platform": x_embed.handle_platform,
    "mastodon": mastodon.handle,
    "bsky-api": bluesky.handle_api,
    "bsky-embed": bluesky.handle_embed,
    "reddit": reddit.handle,
    "reddit-embed": reddit.handle_embed,
    "telegram": telegram.handle,
    "threads-web": threads.handle_web,
    "threads-graph": threads.handle_graph,
    "youtube": youtube.handle,
    "ytimg": youtube.handle_thumbnail,
    "media": media.handle,
    "news": news.handle,
    "web": web.handle,
    "web-oembed": web.handle_oembed,
    "wayback": wayback.handle,
    "control": control.handle,
}
PostKey = Callable[[Request, Ctx], "tuple[str, str] | None"]
POST_KEYS: Final[dict[str, PostKey]] = {
    "x-syndication": x.post_key,
    "x-publish": x.post_key,
    "x-platform": x.post_key,
    "mastodon": mastodon.post_key,
    "bsky-api": bluesky.post_key,
    "bsky-embed": bluesky.post_key,
    "reddit": reddit.post_key,
    "reddit-embed": reddit.post_key,
    "telegram": telegram.post_key,
    "threads-web": threads.post_key,
    "threads-graph": threads.post_key,
    "youtube": youtube.post_key,
    "web": web.post_key,
    "web-oembed": web.post_key,
}
METHODS: Final = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(
    world: World,
    ports: Mapping[int, Origin],
    directory: Mapping[str, str],
    stopping: threading.Event,
) -> Starlette:
    """The app. ``ports`` maps a local port to the origin it plays (filled in once the sockets
    are bound); ``directory`` maps each real origin to its local origin; ``stopping`` is set
    when the server stops."""

    async def endpoint(request: Request) -> Response:
        server = request.scope.get("server") or ("", 0)
        origin = ports.get(int(server[1]))
        if origin is None:
            return json_response({"error": f"port {server[1]} plays no origin"}, 421)
        ctx = Ctx(world, origin, directory, stopping)
        handler = HANDLERS[origin.kind]
        if origin.kind == "control":
            return await handler(request, ctx)
        path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        if request.url.query:
            path += "?" + request.url.query
        world.log_request(
            RequestRecord(
                origin=origin.url,
                local_origin=directory.get(origin.url, f"http://{server[0]}:{server[1]}"),
                method=request.method,
                path=path,
                headers=dict(request.headers.items()),
                at=iso_ms(now()),
            )
        )
        key_of = POST_KEYS.get(origin.kind)
        failure = world.take_failure(origin.url, key_of(request, ctx) if key_of else None)
        if failure is not None:
            return await faults.apply(failure, request, ctx, handler)
        return await handler(request, ctx)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
