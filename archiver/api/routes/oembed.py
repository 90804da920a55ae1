"""oEmbed provider: ``GET /oembed?url=…&format=json`` → a ``rich`` embed of an archived
snapshot, named by its snapshot page or by a post URL in any form (then the newest snapshot).

Only JSON is offered: ``format=xml`` is declined with 501, as the oEmbed spec allows.
Errors are plain text (this is not an ``/api/`` route).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from archiver import urls
from archiver.api.deps import SessionDep
from archiver.api.routes.memento import base_url
from archiver.errors import BadRequest
from archiver.services import embeds

router = APIRouter(tags=["oembed"])


@router.get(
    urls.oembed(),
    response_class=JSONResponse,
    responses={
        400: {"content": {"text/plain": {}}, "description": "no url given"},
        404: {"content": {"text/plain": {}}, "description": "no archived snapshot at that url"},
        501: {"content": {"text/plain": {}}, "description": "a format other than json"},
    },
)
def oembed(
    request: Request,
    session: SessionDep,
    url: Annotated[str | None, Query(max_length=2048)] = None,
    format: Annotated[str, Query(max_length=20)] = "json",  # the oEmbed name
    maxwidth: Annotated[int | None, Query(ge=1)] = None,
    maxheight: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    """The oEmbed ``rich`` embed of a snapshot: readable with no script, and still there after
    the post is gone from its platform."""
    if format.lower() != "json":
        raise HTTPException(501, f"the {format!r} format is not offered; ask for format=json")
    if not url or not url.strip():
        raise BadRequest("the url parameter is required: a snapshot page or post URL")
    source = embeds.find_source(session=session, url=url)
    body = embeds.oembed(source, base=base_url(request), maxwidth=maxwidth)
    return JSONResponse(body, headers={"Cache-Control": f"public, max-age={embeds.CACHE_AGE}"})
