"""The FastAPI application, built by ``create_app(settings)``: nothing is made at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

import archiver
from archiver.api import bodies, head, openapi, problems, security
from archiver.api.deps import utc_now
from archiver.api.intake import Intake
from archiver.api.limits import WriteLimiter
from archiver.api.routes import (
    articles,
    events,
    exports,
    health,
    memento,
    metrics,
    oembed,
    pages,
    posts,
    signing,
    snapshots,
    webhooks,
)
from archiver.chromium import find_chromium
from archiver.config import Settings, load_settings
from archiver.db.session import create_db_engine, create_session_factory
from archiver.egress import Egress
from archiver.errors import ConfigError
from archiver.gctune import tune_for_server
from archiver.storage import open_stores
from archiver.worker import Worker


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    worker: bool = False,
    poll_seconds: float = 1.0,
) -> FastAPI:
    """Build the app for ``settings``: engine, session factories, routes and error handlers;
    with ``worker=True`` its lifespan also runs the capture worker in this process.

    The database must already be migrated (``archiver serve`` migrates before it starts).
    """
    engine = create_db_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            app.state.chromium = find_chromium(settings.chromium)
        except ConfigError:
            app.state.chromium = None
        if worker:
            app.state.worker = Worker(settings, clock=clock, poll_seconds=poll_seconds)
            app.state.worker.start()
        try:
            yield
        finally:
            if app.state.worker is not None:
                await app.state.worker.stop()
            await app.state.egress.aclose()
            engine.dispose()

    app = FastAPI(
        title="Archiver",
        version=archiver.__version__,
        summary="Preserves social media posts and proves what they said, and when.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.write_session_factory = create_session_factory(engine, write=True)
    app.state.clock = clock
    app.state.chromium = None
    app.state.worker = None
    app.state.signing_key = None  # read (or made) on first use: archiver.api.deps.signing_key
    stores = open_stores(settings)  # a bucket that cannot be used stops the start here
    app.state.blobs = stores.blobs
    app.state.screenshots = stores.screenshots
    app.state.egress = Egress(settings)  # article pages are fetched through the gate too
    app.state.write_limiter = WriteLimiter(settings.write_rate_limit)
    app.state.intake = Intake(app.state.write_session_factory, clock)
    problems.install(app)
    bodies.install(app)  # inside the security headers, so a 413 gets them too
    security.install(app)
    head.install(app)
    metrics.install(app)  # last middleware (outermost): it times all the others
    app.include_router(posts.router)
    app.include_router(snapshots.router)
    app.include_router(events.router)
    app.include_router(health.router)
    app.include_router(webhooks.router)
    app.include_router(articles.router)
    app.include_router(exports.router)
    app.include_router(memento.router)
    app.include_router(oembed.router)
    app.include_router(signing.router)
    app.include_router(pages.router)  # last: its routes are the broadest
    openapi.install(app)  # errors as problem+json, the bearer scheme (SPEC §5)
    return app


def api_from_environment() -> FastAPI:
    """The API alone, with settings from the environment: what each process of
    ``archiver serve --no-worker --processes N`` runs."""
    app = create_app(load_settings(), worker=False)
    tune_for_server()
    return app
