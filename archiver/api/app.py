"""The FastAPI application, built by ``create_app(settings)``: nothing is made at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

import archiver
from archiver.api import problems
from archiver.api.deps import utc_now
from archiver.api.routes import health, posts
from archiver.chromium import find_chromium
from archiver.config import Settings
from archiver.db.session import create_db_engine, create_session_factory
from archiver.errors import ConfigError


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """Build the app for ``settings``: engine, session factory, routes and error handlers.

    The database must already be migrated (``archiver serve`` migrates before it starts).
    """
    engine = create_db_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            app.state.chromium = find_chromium(settings.chromium)
        except ConfigError:
            app.state.chromium = None
        yield
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
    problems.install(app)
    app.include_router(posts.router)
    app.include_router(health.router)
    return app
