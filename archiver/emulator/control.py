"""The control API: JSON over HTTP on the control origin, the same operations as the
``World`` methods. Errors answer ``{"error": "…"}`` with 400 (bad input) or 404 (no such
post or account).

Routes (all under ``/control``)::

    GET    /control                                   this list, the origins, the overrides
    GET    /control/origins                           {real origin: local origin}
    POST   /control/accounts                          {platform, handle, name?, host?, bio?, ...}
    POST   /control/accounts/{platform}/{handle}/{action}   suspend|protect|withhold|takedown|
                                                      deactivate|reinstate|restore ({host?})
    GET    /control/posts                             every post's ids and URLs
    POST   /control/posts                             {platform, handle, text, name?, host?, id?,
                                                      html?, facets?, media?, quoted_id?,
                                                      reply_to_id?, lang?, created_at?,
                                                      community?, likes?...}
    GET    /control/posts/{platform}/{id}             one post's ids and URLs
    POST   /control/posts/{platform}/{id}/edit        {text, html?, facets?, media?}
    POST   /control/posts/{platform}/{id}/delete      (and /restore)
    POST   /control/posts/{platform}/{id}/variant     {variant}
    POST   /control/posts/{platform}/{id}/counts      {likes?, replies?, reposts?, quotes?}
    POST   /control/posts/{platform}/{id}/failure     {mode, count?, status?, ...}
    POST   /control/articles                          {path, html, content_type?}: a news page
    POST   /control/media                             {url, change: replace|reencode}: the file
                                                      behind a media URL changes
    GET    /control/failures                          failure modes in force
    POST   /control/failures                          {mode, origin? | platform+post_id?, count?,
                                                      status?, retry_after_seconds?, seconds?}
    DELETE /control/failures                          back to normal
    GET    /control/requests?origin=                  requests received, oldest first
    DELETE /control/requests                          forget them
    POST   /control/settings                          {strict_x_token?}
    GET    /control/wayback                           the Save Page Now stand-in: its keys, the
                                                      saves it took (with their forms), its jobs
    POST   /control/wayback                           {keys?, pending_polls?}: accept these keys
                                                      (access:secret); new jobs answer pending
                                                      for that many polls before success
    POST   /control/wayback/failures                  {status_ext, message?, count?, at?}: the
                                                      next count saves (at "save", the default)
                                                      or jobs (at "status") fail with SPN2's
                                                      error:… code and message
    DELETE /control/wayback/failures                  saves and jobs succeed again
    POST   /control/seed-demo                         demo posts, by name
    POST   /control/reset                             empty world

The Wayback Machine's 429 and 503 answers are failure modes of its origin, like any other:
``POST /control/failures {"mode": "rate_limit", "origin": "https://web.archive.org",
"retry_after_seconds": 600}`` or ``{"mode": "error", "status": 503, …}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator.common import Ctx, iso_ms, json_response
from archiver.emulator.model import Account

_POST_ACTION = re.compile(r"/control/posts/(\w+)/([^/]+)(?:/(\w+))?")
_ACCOUNT_ACTION = re.compile(r"/control/accounts/(\w+)/([^/]+)/(\w+)")
_FAILURE_FIELDS = ("count", "status", "retry_after_seconds", "seconds")
_POST_FIELDS = (
    "name",
    "host",
    "id",
    "html",
    "facets",
    "media",
    "quoted_id",
    "reply_to_id",
    "lang",
    "created_at",
    "community",
    "likes",
    "replies",
    "reposts",
    "quotes",
)


def account_json(account: Account) -> dict[str, Any]:
    """An account as the control API shows it."""
    data = asdict(account)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = iso_ms(value)
    return data


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


async def handle(request: Request, ctx: Ctx) -> Response:
    """Every route of the control origin."""
    try:
        return await _route(request, ctx, await _body(request))
    except KeyError as error:
        return json_response({"error": str(error.args[0] if error.args else error)}, 404)
    except (ValueError, TypeError) as error:
        return json_response({"error": str(error)}, 400)


async def _route(request: Request, ctx: Ctx, body: dict[str, Any]) -> Response:
    world, path, method = ctx.world, request.url.path.rstrip("/"), request.method
    if path in ("", "/control") and method == "GET":
        lines = (line.strip() for line in (__doc__ or "").splitlines())
        routes = [line for line in lines if line.startswith(("GET ", "POST ", "DELETE "))]
        return json_response({"routes": routes, "origins": dict(ctx.directory)})
    if path == "/control/origins":
        return json_response(dict(ctx.directory))
    if path == "/control/reset" and method == "POST":
        world.reset()
        return json_response({"ok": True})
    if path == "/control/seed-demo" and method == "POST":
        return json_response({name: info.as_dict() for name, info in world.seed_demo().items()})
    if path == "/control/settings" and method == "POST":
        if "strict_x_token" in body:
            world.strict_x_token = bool(body["strict_x_token"])
        return json_response({"strict_x_token": world.strict_x_token})
    if path == "/control/wayback":
        if method == "POST":
            world.wayback.configure(keys=body.get("keys"), pending_polls=body.get("pending_polls"))
        return json_response(world.wayback.as_dict())
    if path == "/control/wayback/failures":
        if method == "DELETE":
            world.wayback.clear_failures()
            return json_response({"ok": True})
        planned = world.wayback.add_failure(
            str(body["status_ext"]),
            body.get("message"),
            count=int(body.get("count", 1)),
            at=str(body.get("at", "save")),
        )
        return json_response(asdict(planned), 201)
    if path == "/control/requests":
        if method == "DELETE":
            world.clear_requests()
            return json_response({"ok": True})
        records = world.requests(request.query_params.get("origin"))
        return json_response([record.as_dict() for record in records])
    if path == "/control/failures":
        if method == "DELETE":
            world.clear_failures()
            return json_response({"ok": True})
        if method == "POST":
            return _add_failure(ctx, body, body.get("platform"), body.get("post_id"))
        return json_response([failure.as_dict() for failure in world.failures()])
    if path == "/control/accounts" and method == "POST":
        account = world.add_account(
            str(body.pop("platform")), str(body.pop("handle")), body.pop("name", None), **body
        )
        return json_response(account_json(account), 201)
    if (found := _ACCOUNT_ACTION.fullmatch(path)) and method == "POST":
        platform, handle, action = found.groups()
        account = world.set_account_state(platform, handle, action, host=body.get("host"))
        return json_response(account_json(account))
    if path == "/control/articles" and method == "POST":
        url = world.add_article(
            str(body["path"]),
            str(body["html"]),
            str(body.get("content_type") or "text/html; charset=utf-8"),
        )
        return json_response({"url": url}, 201)
    if path == "/control/media" and method == "POST":
        file = world.change_media(str(body["url"]), str(body.get("change")))
        return json_response({"url": body["url"], "seed": file.seed, "quality": file.quality})
    if path == "/control/posts":
        if method == "POST":
            extra = {key: body[key] for key in _POST_FIELDS if key in body}
            info = world.add_post(
                str(body["platform"]), str(body["handle"]), str(body["text"]), **extra
            )
            return json_response(info.as_dict(), 201)
        return json_response([info.as_dict() for info in world.posts()])
    if found := _POST_ACTION.fullmatch(path):
        return _post_action(request, ctx, body, *found.groups())
    return json_response({"error": f"no control route {method} {path}"}, 404)


def _post_action(
    request: Request,
    ctx: Ctx,
    body: dict[str, Any],
    platform: str,
    post_id: str,
    action: str | None,
) -> Response:
    world = ctx.world
    if action is None and request.method == "GET":
        post = world.post(platform, post_id)
        data = world.info(post).as_dict()
        data.update(deleted=post.deleted, variant=post.variant, account_state=post.account.state)
        return json_response(data)
    if request.method != "POST":
        return json_response({"error": "use POST"}, 405)
    if action == "edit":
        media = body.get("media")
        info = world.edit_post(
            platform,
            post_id,
            str(body["text"]),
            html=body.get("html"),
            facets=body.get("facets"),
            media=media,
        )
    elif action == "delete":
        info = world.delete_post(platform, post_id)
    elif action == "restore":
        info = world.restore_post(platform, post_id)
    elif action == "variant":
        info = world.set_variant(platform, post_id, str(body.get("variant", "normal")))
    elif action == "counts":
        info = world.set_counts(platform, post_id, **body)
    elif action == "failure":
        return _add_failure(ctx, body, platform, post_id)
    else:
        return json_response({"error": f"unknown action {action}"}, 404)
    return json_response(info.as_dict())


def _add_failure(ctx: Ctx, body: dict[str, Any], platform: Any, post_id: Any) -> Response:
    options = {key: body[key] for key in _FAILURE_FIELDS if body.get(key) is not None}
    failure = ctx.world.add_failure(
        str(body.get("mode", "")),
        origin=body.get("origin"),
        platform=str(platform) if platform else None,
        post_id=str(post_id) if post_id else None,
        **options,
    )
    return json_response(failure.as_dict(), 201)
