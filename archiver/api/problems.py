"""RFC 9457 problem details for every error under ``/api/``; a friendly HTML page for the web
pages; plain text for the other machine-read paths (Memento, oEmbed, operations)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from archiver import urls
from archiver.api.rendering import error_page, is_page_path
from archiver.db.session import UNAVAILABLE, describe_unavailable
from archiver.errors import ApiError, ServiceUnavailable
from archiver.storage import StorageError

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger("archiver.api")


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render an error as problem+json under ``/api/``, as HTML for the web pages, as plain
    text elsewhere."""
    if is_page_path(request.url.path):
        return error_page(request, status=status, title=title, detail=detail, headers=headers)
    if not request.url.path.startswith(urls.API + "/") and request.url.path != urls.API:
        return PlainTextResponse(
            f"{status} {title}: {detail}\n", status_code=status, headers=headers
        )
    body = {
        "type": urls.problem_type(slug) if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, str, str]:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return 400, "Bad request", "the request body is not valid JSON", "bad-request"
    parts = []
    for error in errors[:5]:
        location = ".".join(str(item) for item in error.get("loc", ()) if item != "body")
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return 422, "Unprocessable content", "; ".join(parts), "unprocessable-content"


def install(app: FastAPI) -> None:
    """Attach the error handlers to ``app``."""

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        headers = exc.headers or None
        return problem_response(
            request,
            status=exc.status_code,
            title=exc.title,
            detail=exc.detail,
            slug=exc.type_slug,
            headers=headers,
        )

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        status, title, detail, slug = _describe_validation(exc)
        return problem_response(request, status=status, title=title, detail=detail, slug=slug)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        phrase = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        if exc.status_code == 404 and detail == phrase:
            detail = f"nothing at {request.url.path}"
        return problem_response(
            request,
            status=exc.status_code,
            title=phrase,
            detail=detail,
            slug="",
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # The transaction was rolled back (or never began): nothing of this request is stored,
        # so a client that retries later loses nothing.
        log.warning(
            "%s %s: the database is unavailable (%s)",
            request.method,
            request.url.path,
            describe_unavailable(exc),
        )
        return await api_error(
            request,
            ServiceUnavailable(
                "the database is unavailable right now; nothing was stored: try again later"
            ),
        )

    async def storage_unavailable(request: Request, exc: Exception) -> Response:
        # An artifact could not be read or written (the object store did not answer).
        log.warning("%s %s: the artifact store failed (%s)", request.method, request.url.path, exc)
        return await api_error(
            request,
            ServiceUnavailable("the artifact store is unavailable right now: try again later"),
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StorageError, storage_unavailable)
    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, database_unavailable)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
