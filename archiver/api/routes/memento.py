"""Memento (RFC 7089): ``/timegate/{original}``, ``/timemap/link/{original}`` and
``/timemap/json/{original}``, where the original is a post URL in any of its forms.

The original may arrive with its ``//`` collapsed by a proxy, and with a query string that
belongs to it; both are handled. Errors are plain text (these are not ``/api/`` routes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from archiver import urls
from archiver.api.deps import SessionDep
from archiver.services import memento

router = APIRouter(tags=["memento"])

LINK_FORMAT = memento.LINK_FORMAT
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"content": {"text/plain": {}}, "description": "a bad Accept-Datetime"},
    404: {"content": {"text/plain": {}}, "description": "unknown post, or none captured yet"},
}


def base_url(request: Request) -> str:
    """The service's root as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def _original(request: Request, original: str) -> str:
    return memento.original_url(original, request.url.query)


@router.get(
    urls.timegate("{original:path}"),
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "the closest memento, in Location"}, **ERRORS},
)
def timegate(
    original: str,
    request: Request,
    session: SessionDep,
    accept_datetime: Annotated[str | None, Header()] = None,
) -> RedirectResponse:
    """Redirect to the snapshot page captured closest to ``Accept-Datetime`` (RFC 1123; the
    newest snapshot when absent)."""
    at = memento.parse_accept_datetime(accept_datetime) if accept_datetime is not None else None
    answer = memento.timegate(session=session, original=_original(request, original), at=at)
    base = base_url(request)
    return RedirectResponse(
        base + urls.snapshot_page(answer.snapshot.id),
        status_code=302,
        headers={
            "Vary": "accept-datetime",
            "Link": memento.timegate_links(original=answer.post.canonical_url, base=base),
        },
    )


@router.get(
    urls.timemap_link("{original:path}"),
    response_class=Response,
    responses={200: {"content": {LINK_FORMAT: {}}}, **ERRORS},
)
def timemap_link(original: str, request: Request, session: SessionDep) -> Response:
    """Every snapshot of the post, in ``application/link-format`` (RFC 7089 §5.1)."""
    tm = memento.timemap(session=session, original=_original(request, original))
    body = memento.link_format(tm, base=base_url(request))
    return Response(body, media_type=LINK_FORMAT)


@router.get(
    urls.timemap_json("{original:path}"),
    response_class=JSONResponse,
    responses=ERRORS,
)
def timemap_json(original: str, request: Request, session: SessionDep) -> JSONResponse:
    """Every snapshot of the post, as JSON in the MementoWeb TimeMap shape."""
    tm = memento.timemap(session=session, original=_original(request, original))
    return JSONResponse(memento.json_format(tm, base=base_url(request)))
