"""``/healthz``: can this process serve? And ``/problems/{type}``: what an error type means."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.exc import SQLAlchemyError

import archiver
from archiver import errors
from archiver.api.schemas.operations import Health
from archiver.db.session import ping
from archiver.services import watch

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers (and this process's capture worker, if it runs one, is
    running); 503 otherwise. Names the Chromium in use."""
    try:
        ping(request.app.state.engine)
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    # A missing browser degrades captures, not the API: it is reported, not fatal.
    chromium = request.app.state.chromium
    if chromium is not None and not chromium.exists():
        chromium = None
    worker = request.app.state.worker
    degraded: list[str] = []
    if database == "ok":
        with request.app.state.session_factory() as session:
            degraded = [
                platform.value
                for platform in watch.degraded_platforms(
                    session, now=request.app.state.clock(), settings=request.app.state.settings
                )
            ]
    ok = database == "ok" and (worker is None or worker.running)
    health = Health(
        status="ok" if ok else "unavailable",
        version=archiver.__version__,
        database=database,
        chromium=str(chromium) if chromium else None,
        worker=("running" if worker.running else "stopped") if worker is not None else "off",
        browser=worker.browser.status() if worker is not None and worker.browser else None,
        degraded_platforms=degraded,
    )
    return JSONResponse(health.model_dump(), status_code=200 if ok else 503)


def _problem_types() -> dict[str, type[errors.ApiError]]:
    found: dict[str, type[errors.ApiError]] = {}
    pending: list[type[errors.ApiError]] = [errors.ApiError]
    while pending:
        cls = pending.pop()
        found[cls.type_slug] = cls
        pending.extend(cls.__subclasses__())
    return found


@router.get("/problems/{slug}", response_class=PlainTextResponse, include_in_schema=False)
def problem_type(slug: str) -> PlainTextResponse:
    """Explain one problem ``type`` this API returns."""
    cls = _problem_types().get(slug)
    if cls is None:
        return PlainTextResponse("Unknown problem type.\n", status_code=404)
    return PlainTextResponse(f"{cls.title} ({cls.status_code})\n\n{cls.__doc__ or ''}\n")
