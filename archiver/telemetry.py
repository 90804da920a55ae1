"""Telemetry: the Prometheus instruments a process records into, for ``GET /metrics`` (SPEC §5).

The instruments are made once per process and registered in no global registry: each app that
serves ``/metrics`` (the API, or the small one of ``archiver worker``) builds its own registry
of them with :func:`registry`, beside a collector of its own that reads the database and the
browser pool at scrape time. So every process reports what it did itself: an API-only process
counts requests, a worker process counts checks.

Recording sits on the re-check path, so it is cheap: the label children are bound once per
label combination and kept (a dictionary lookup, then one ``inc``/``observe`` under the child's
lock: about a microsecond each). Label values are bounded here, never taken raw from outside:
upstream hosts by :class:`HostLabels`, HTTP methods to a fixed set; route templates, platforms
and outcomes are few by construction. No label ever holds a key, a URL path or archived text.

This module knows no platform, host or route: callers name them.
"""

from __future__ import annotations

import threading
from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector

import archiver

#: The ``Content-Type`` of the Prometheus text exposition format.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
#: The label value of whatever is not named on its own (hosts past the limit, unknown routes).
OTHER: Final = "other"
#: How many upstream hosts get a label of their own in one process; later ones are ``other``.
HOST_LIMIT: Final = 32
#: HTTP methods named in request metrics; anything else is ``other``.
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# No ``*_created`` series: they double the exposition and Prometheus does not need them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # (untyped upstream)

_CHECK_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_UPSTREAM_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_REQUEST_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

CHECKS: Final = Counter(
    "archiver_checks",
    "Observations of posts recorded (first captures and re-checks), by platform and outcome.",
    ["platform", "outcome"],
    registry=None,
)
CAPTURES: Final = Counter(
    "archiver_captures",
    "New snapshots made (first captures and changed posts), by platform.",
    ["platform"],
    registry=None,
)
SCREENSHOTS: Final = Counter(
    "archiver_screenshots",
    "Screenshots of new snapshots: page (the platform's embed), card (Archiver's own card), "
    "failed (none could be taken), unstored (taken, but the store refused it).",
    ["result"],
    registry=None,
)
CHECK_DURATION: Final = Histogram(
    "archiver_check_duration_seconds",
    "Wall time of one observation, from the fetch to the recorded check (screenshot excluded).",
    ["platform"],
    buckets=_CHECK_BUCKETS,
    registry=None,
)
UPSTREAM_DURATION: Final = Histogram(
    "archiver_upstream_request_duration_seconds",
    "Outbound HTTP exchanges through the gate, one per hop, from sending the request to the "
    f"end of the body; host is the first {HOST_LIMIT} hosts read from (GET/HEAD) in this "
    "process, else other; code is the status class (2xx..5xx) or error (no complete answer).",
    ["host", "code"],
    buckets=_UPSTREAM_BUCKETS,
    registry=None,
)
HTTP_REQUESTS: Final = Counter(
    "archiver_http_requests",
    "HTTP requests answered, by method, route template (other: no route) and status.",
    ["method", "route", "status"],
    registry=None,
)
HTTP_DURATION: Final = Histogram(
    "archiver_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=_REQUEST_BUCKETS,
    registry=None,
)
THIRD_PARTY: Final = Counter(
    "archiver_third_party_requests",
    "Requests to third parties for evidence, by service (tsa: an RFC 3161 timestamp; wayback: "
    "a Save Page Now copy) and result: done (a timestamp stored, a copy made), refused (the "
    "service said no: the request ended in error), pending (a copy not made yet), retried "
    "(unreachable, 429, 5xx: asked again after back-off).",
    ["service", "result"],
    registry=None,
)
BUILD: Final = Info("archiver_build", "The running Archiver.", registry=None)
BUILD.info({"version": archiver.__version__})

_INSTRUMENTS: Final[tuple[Collector, ...]] = (
    BUILD,
    CHECKS,
    CAPTURES,
    SCREENSHOTS,
    THIRD_PARTY,
    CHECK_DURATION,
    UPSTREAM_DURATION,
    HTTP_REQUESTS,
    HTTP_DURATION,
)


def registry(*collectors: Collector) -> CollectorRegistry:
    """A registry of this process's instruments and ``collectors`` (read at each scrape)."""
    made = CollectorRegistry(auto_describe=False)
    for collector in (*_INSTRUMENTS, *collectors):
        made.register(collector)
    return made


def exposition(of: CollectorRegistry) -> bytes:
    """Everything ``of`` holds, in the Prometheus text format (:data:`CONTENT_TYPE`)."""
    return generate_latest(of)


class HostLabels:
    """Bounded label values for hosts: the first ``limit`` hosts named get their own label,
    every later one is :data:`OTHER` (a process reads from a few platform hosts, but news
    sites and Mastodon servers are many)."""

    def __init__(self, limit: int = HOST_LIMIT) -> None:
        self._limit = limit
        self._named: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, host: str) -> str:
        if host in self._named:
            return host
        if len(self._named) >= self._limit:
            return OTHER
        with self._lock:
            if len(self._named) < self._limit:
                self._named.add(host)
        return host if host in self._named else OTHER


#: The process's host labels (every gate of the process shares them).
HOSTS: Final = HostLabels()

_checks: dict[tuple[str, str], tuple[Counter, Histogram]] = {}
_captures: dict[str, Counter] = {}
_screenshots: dict[str, Counter] = {}
_upstream: dict[tuple[str, int], Histogram] = {}
_requests: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def record_check(platform: str, outcome: str, seconds: float) -> None:
    """One recorded observation of a post on ``platform`` that took ``seconds``."""
    bound = _checks.get((platform, outcome))
    if bound is None:
        bound = CHECKS.labels(platform, outcome), CHECK_DURATION.labels(platform)
        _checks[(platform, outcome)] = bound
    bound[0].inc()
    bound[1].observe(seconds)


def record_capture(platform: str) -> None:
    """A new snapshot of a post on ``platform``."""
    bound = _captures.get(platform)
    if bound is None:
        bound = _captures[platform] = CAPTURES.labels(platform)
    bound.inc()


def record_screenshot(result: str) -> None:
    """A screenshot taken (``page``, ``card``) or not (``failed``, ``unstored``)."""
    bound = _screenshots.get(result)
    if bound is None:
        bound = _screenshots[result] = SCREENSHOTS.labels(result)
    bound.inc()


def record_third_party(service: str, result: str) -> None:
    """One answer (or none) from a third party asked for evidence: ``service`` is ``tsa`` or
    ``wayback``; ``result`` is ``done``, ``refused``, ``pending`` or ``retried``."""
    THIRD_PARTY.labels(service, result).inc()


def record_upstream(host: str, status: int | None, seconds: float, *, named: bool) -> None:
    """One outbound exchange with ``host``: its HTTP ``status`` (``None``: no complete answer).
    ``named=False`` keeps the host out of the labels (``other``), e.g. where we deliver to."""
    klass = status // 100 if status is not None and 100 <= status <= 599 else 0
    label = HOSTS(host) if named else OTHER
    bound = _upstream.get((label, klass))
    if bound is None:
        code = f"{klass}xx" if klass else "error"
        bound = _upstream[(label, klass)] = UPSTREAM_DURATION.labels(label, code)
    bound.observe(seconds)


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    """One HTTP request answered by ``route`` (a template such as ``/api/v1/posts/{post_id}``,
    or :data:`OTHER`)."""
    key = (method if method in METHODS else OTHER, route, status)
    bound = _requests.get(key)
    if bound is None:
        bound = HTTP_REQUESTS.labels(*key), HTTP_DURATION.labels(key[0], route)
        _requests[key] = bound
    bound[0].inc()
    bound[1].observe(seconds)
