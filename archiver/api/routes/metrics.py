"""``/metrics``: the process's Prometheus metrics (SPEC §5), on the API and on every worker.

What the process did is counted as it happens (``archiver.telemetry``); what the archive holds
is read at each scrape by :class:`StateCollector`: one ping, one query over the due-posts index
for the queue, and every ``SLOW_EVERY`` seconds the posts by status and the degraded
platforms (those two read more rows; between refreshes the last answer is served). A database
that does not answer leaves ``/metrics`` answering: ``archiver_database_up 0`` and none of the
figures read from it.

:func:`install` adds the route, the collector and the request metrics to an app;
:func:`operations_app` is the small app of ``archiver worker`` (``/healthz`` and ``/metrics``).

Like ``/healthz`` it needs no key: nothing here names a key, a post, a path or archived text.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request, Response, routing
from fastapi.responses import PlainTextResponse
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import archiver
from archiver import telemetry
from archiver.api.routes import health
from archiver.chromium import find_chromium
from archiver.db import repository
from archiver.db.session import ping
from archiver.domain import PostStatus
from archiver.errors import ConfigError
from archiver.platforms import ADAPTERS
from archiver.services import watch
from archiver.worker import Worker

#: Seconds between two readings of the posts by status and of the degraded platforms.
SLOW_EVERY: Final = 60.0

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "the metrics in the Prometheus text format (version 0.0.4)",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    """This process's metrics in the Prometheus text format; it answers when the database
    does not (``archiver_database_up 0``)."""
    body = telemetry.exposition(request.app.state.metrics_registry)
    return Response(body, media_type=telemetry.CONTENT_TYPE)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class StateCollector(Collector):
    """What an app's ``state`` shows at scrape time: its worker and browser pool, and the
    archive's queue, statuses and degraded platforms (see the module docstring)."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._slow: tuple[float, list[Metric]] | None = None

    def collect(self) -> Iterator[Metric]:
        """The families of this scrape (``archiver_database_up`` says whether the figures
        read from the database are there)."""
        worker: Worker | None = self._state.worker
        running = worker is not None and worker.running
        yield _gauge(
            "archiver_worker_running",
            "1 while this process runs the capture worker's scheduler, else 0.",
            1 if running else 0,
        )
        browser = worker.browser if worker is not None else None
        if browser is not None:
            yield _gauge(
                "archiver_browser_pages_in_use",
                "Browser pages open now for screenshots.",
                browser.pages_in_use,
            )
            yield _gauge(
                "archiver_browser_pages_max",
                "The most browser pages open at once (ARCHIVER_CAPTURE_CONCURRENCY).",
                browser.max_pages,
            )
        try:
            read, up = self._read_database(), 1
        except SQLAlchemyError:
            read, up = [], 0
        yield _gauge(
            "archiver_database_up",
            "1 when the database answered this scrape, else 0 (and no figure read from it).",
            up,
        )
        yield from read

    def _read_database(self) -> list[Metric]:
        state = self._state
        ping(state.engine)
        now = state.clock()
        limit = repository.QUEUE_COUNT_LIMIT
        with state.session_factory() as session:
            depth = repository.queue_depth(session=session, now=now)
            found: list[Metric] = [
                _gauge(
                    "archiver_queue_due",
                    "Posts due for a check now that no worker holds (of the "
                    f"{limit} posts due longest: a larger backlog is not counted further).",
                    depth.due,
                ),
                _gauge(
                    "archiver_queue_leased",
                    f"Posts due that a worker holds now (of the {limit} posts due longest).",
                    depth.leased,
                ),
                _gauge(
                    "archiver_queue_oldest_due_age_seconds",
                    "How long the longest-waiting due post no worker holds has been due "
                    "(0 when none is).",
                    (now - depth.oldest_due).total_seconds() if depth.oldest_due else 0.0,
                ),
            ]
            at = time.monotonic()
            if self._slow is None or at - self._slow[0] >= SLOW_EVERY:
                self._slow = (at, self._read_slow(session, now))
        return found + self._slow[1]

    def _read_slow(self, session: Session, now: datetime) -> list[Metric]:
        counts = repository.posts_by_status(session=session)
        posts = GaugeMetricFamily(
            "archiver_posts",
            f"Posts by status (read at most every {SLOW_EVERY:g} s).",
            labels=["status"],
        )
        for status in PostStatus:
            posts.add_metric([status.value], counts.get(status, 0))
        degraded = set(watch.degraded_platforms(session, now=now, settings=self._state.settings))
        flags = GaugeMetricFamily(
            "archiver_platform_degraded",
            "1 while a platform's answers look like an outage (no disappearance is confirmed "
            f"on it), else 0 (read at most every {SLOW_EVERY:g} s).",
            labels=["platform"],
        )
        named = [adapter.platform for adapter in ADAPTERS]
        for platform in dict.fromkeys([*named, *degraded]):
            flags.add_metric([platform.value], 1 if platform in degraded else 0)
        return [posts, flags]


def _flat_routes(routes: Iterable[Any]) -> list[Any]:
    flatten = getattr(routing, "iter_route_contexts", None)  # FastAPI ≥ 0.16x nests routers
    return list(flatten(list(routes))) if flatten is not None else list(routes)


class RequestMetrics:
    """ASGI middleware counting each request by method, route template and status, and timing
    it; a path no route serves is ``other`` (so raw paths never become labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._get_routes: list[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless a response starts: an exception on its way out

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            method: str = scope["method"]
            route = scope.get("route")
            template = getattr(route, "path", None) or self._template(scope, method)
            telemetry.record_request(method, template, status, time.perf_counter() - start)

    def _template(self, scope: Scope, method: str) -> str:
        """The route template of a request the router did not mark: ``HEAD`` (run as ``GET``
        on a copy of the scope), or a path no route serves."""
        if method != "HEAD" or "app" not in scope:
            return telemetry.OTHER
        if self._get_routes is None:
            self._get_routes = [
                route
                for route in _flat_routes(scope["app"].router.routes)
                if getattr(route, "path_regex", None) is not None
                and "GET" in (getattr(route, "methods", None) or ())
            ]
        path = scope["path"]
        for route in self._get_routes:
            if route.path_regex.match(path):
                return str(route.path)
        return telemetry.OTHER


def install(app: FastAPI) -> None:
    """Serve ``/metrics`` from ``app`` (its state read at each scrape) and count its requests.

    Install it last: the request metrics then time everything the other middleware does.
    """
    app.state.metrics_registry = telemetry.registry(StateCollector(app.state))
    app.include_router(router)
    app.add_middleware(RequestMetrics)


def operations_app(worker: Worker) -> FastAPI:
    """The app of an ``archiver worker`` process: ``/healthz`` and ``/metrics`` only, on the
    worker's own engine (the same answers as the API's, for this process)."""
    app = FastAPI(
        title="Archiver worker",
        version=archiver.__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = worker.settings
    app.state.engine = worker.engine
    app.state.session_factory = worker.readers
    app.state.clock = worker.clock
    app.state.worker = worker
    try:
        app.state.chromium = find_chromium(worker.settings.chromium)
    except ConfigError:
        app.state.chromium = None
    app.include_router(health.router)
    install(app)
    return app
