"""``/metrics`` and ``/healthz`` on every process (SPEC §5 "Operations").

The API's metrics are read from the real app (in-process) and from a real ``archiver serve``
whose worker observes posts of the platform emulator: checks by platform and outcome (a
rate-limited and a failing upstream among them), new snapshots, upstream exchanges by host and
status class, requests by route template. The queue gauges are read over posts made due by
hand, on a fixed clock. An ``archiver worker --port 0`` process answers both routes with its own
counts, and refuses a port already in use. A database that does not answer leaves ``/metrics``
answering. The text is read with Prometheus's own parser.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import make_url

import archiver
from archiver import telemetry
from archiver.api.app import create_app
from archiver.config import Settings
from archiver.db import repository
from archiver.db.models import Check, Post
from archiver.db.session import create_session_factory, transaction
from archiver.domain import CheckOutcome
from archiver.emulator import EmulatorServer
from archiver.services.submissions import submit_post
from tests.service import free_port, service_env, serving, until

QUIET = {"ARCHIVER_RECHECK_SCHEDULE": "1h", "ARCHIVER_SCREENSHOTS": "false"}
NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


class Scrape:
    """One ``/metrics`` answer, parsed: ``value(name, **labels)`` sums the matching samples."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples called ``name`` whose labels include ``labels`` (0 if none)."""
        return sum(
            sample.value
            for sample in self.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )

    def has(self, name: str) -> bool:
        """Whether any sample is called ``name``."""
        return any(sample.name == name for sample in self.samples)

    def labels(self, name: str, label: str) -> set[str]:
        """The values of ``label`` among the samples called ``name``."""
        return {sample.labels[label] for sample in self.samples if sample.name == name}


def scrape(client: httpx.Client | TestClient) -> Scrape:
    """GET ``/metrics`` (no key), check its type, parse it."""
    answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == telemetry.CONTENT_TYPE
    return Scrape(answer.text)


def submit(engine: Engine, urls: list[str], now: datetime) -> list[str]:
    """Store posts for capture, as the API would; their IDs."""
    with transaction(create_session_factory(engine, write=True)) as session:
        return [submit_post(session=session, url=url, now=now).post.id for url in urls]


def outcomes(engine: Engine) -> dict[tuple[str, str], int]:
    """Checks recorded, by (platform, outcome)."""
    query = (
        select(Post.platform, Check.outcome, func.count())
        .join(Post, Post.id == Check.post_id)
        .group_by(Post.platform, Check.outcome)
    )
    with engine.connect() as connection:
        return {
            (platform.value, outcome.value): count
            for platform, outcome, count in connection.execute(query).all()
        }


def is_live(client: httpx.Client, post_id: str) -> bool:
    """Whether the service says the post is live."""
    return bool(client.get(f"/api/v1/posts/{post_id}").json()["status"] == "live")


def test_metrics_are_public_prometheus_text_with_routes_as_templates(
    client: TestClient, auth: dict[str, str]
) -> None:
    """``/metrics`` needs no key, is the Prometheus text format, counts requests by route
    template (a path no route serves is ``other``), and names no key, post or URL path."""
    post_url = "https://x.com/councilwatch/status/1785"
    created = client.post("/api/v1/posts", json={"url": post_url}, headers=auth)
    assert created.status_code == 202
    post_id = created.json()["id"]
    client.get(f"/api/v1/posts/{post_id}")
    client.head(f"/api/v1/posts/{post_id}")
    client.get("/no/such/page/ABCDEF")

    found = scrape(client)
    route = "/api/v1/posts/{post_id}"
    assert found.value("archiver_build_info", version=archiver.__version__) == 1
    assert found.value("archiver_http_requests_total", method="POST", route="/api/v1/posts") >= 1
    assert found.value("archiver_http_requests_total", method="GET", route=route) >= 1
    assert found.value("archiver_http_requests_total", method="HEAD", route=route) >= 1
    assert found.value("archiver_http_requests_total", route="other", status="404") >= 1
    assert found.has("archiver_http_request_duration_seconds_bucket")
    assert found.value("archiver_database_up") == 1
    assert found.value("archiver_worker_running") == 0  # this app runs no worker
    assert not found.has("archiver_browser_pages_max")
    assert found.value("archiver_posts", status="pending") == 1
    assert found.labels("archiver_platform_degraded", "platform") >= {"x", "mastodon", "bluesky"}
    secret = auth["Authorization"].removeprefix("Bearer ")
    for private in (secret, post_id, "councilwatch", "/no/such/page"):
        assert private not in found.text


def test_queue_gauges_follow_the_posts_made_due(settings: Settings, engine: Engine) -> None:
    """Posts due (and not held), held by a worker, and the longest wait, on a fixed clock; a
    post due later, or held under a lease that ran out, counts as it should."""
    urls = [f"https://x.com/queue/status/{n}" for n in range(1, 6)]
    ids = submit(engine, urls, NOON - timedelta(hours=1))
    due_at = {
        ids[0]: (NOON - timedelta(minutes=10), None),  # due longest
        ids[1]: (NOON - timedelta(minutes=5), None),
        ids[2]: (NOON - timedelta(minutes=2), NOON - timedelta(seconds=1)),  # lease ran out
        ids[3]: (NOON - timedelta(minutes=20), NOON + timedelta(minutes=5)),  # held
        ids[4]: (NOON + timedelta(hours=1), None),  # not due yet
    }
    with transaction(create_session_factory(engine, write=True)) as session:
        for post_id, (next_check_at, lease_until) in due_at.items():
            session.execute(
                update(Post)
                .where(Post.id == post_id)
                .values(next_check_at=next_check_at, lease_until=lease_until)
            )
    with TestClient(create_app(settings, clock=lambda: NOON)) as client:
        found = scrape(client)
    assert found.value("archiver_queue_due") == 3
    assert found.value("archiver_queue_leased") == 1
    assert found.value("archiver_queue_oldest_due_age_seconds") == 600
    assert found.value("archiver_posts", status="pending") == 5

    with create_session_factory(engine)() as session:  # the count stops at its limit
        capped = repository.queue_depth(session=session, now=NOON, limit=2)
        later = repository.queue_depth(session=session, now=NOON - timedelta(hours=1))
    assert (capped.due + capped.leased, capped.oldest_due) == (2, NOON - timedelta(minutes=10))
    assert (later.due, later.leased, later.oldest_due) == (0, 0, None)


def test_degraded_platforms_are_flagged(settings: Settings, engine: Engine) -> None:
    """A platform whose answers look like an outage is ``archiver_platform_degraded 1``."""
    ids = submit(engine, [f"https://x.com/outage/status/{n}" for n in range(1, 7)], NOON)
    with transaction(create_session_factory(engine, write=True)) as session:
        for post_id in ids:
            check = Check(post_id=post_id, checked_at=NOON, outcome=CheckOutcome.GONE)
            repository.add_check(session=session, check=check)
    with TestClient(create_app(settings, clock=lambda: NOON + timedelta(minutes=1))) as client:
        found = scrape(client)
    assert found.value("archiver_platform_degraded", platform="x") == 1
    assert found.value("archiver_platform_degraded", platform="bluesky") == 0


def test_a_process_running_the_worker_reports_it_and_its_browser_pool(settings: Settings) -> None:
    """With the worker in the process: the scheduler runs and the browser pool is sized."""
    with TestClient(create_app(settings, worker=True, poll_seconds=30)) as client:
        found = scrape(client)
        health = client.get("/healthz")
    assert found.value("archiver_worker_running") == 1
    assert found.value("archiver_browser_pages_max") == settings.capture_concurrency
    assert found.value("archiver_browser_pages_in_use") == 0
    assert health.status_code == 200 and health.json()["worker"] == "running"


def test_metrics_answer_when_the_database_does_not(
    settings: Settings, tmp_path: Path, database_url: str
) -> None:
    """No database (a closed port; a SQLite path that is a folder): ``/metrics`` still
    answers, with ``archiver_database_up 0`` and nothing read from the database;
    ``/healthz`` says 503."""
    if database_url.startswith("sqlite"):
        folder = tmp_path / "not-a-database"
        folder.mkdir()
        unreachable = f"sqlite:///{folder}"
    else:
        real = make_url(database_url)
        unreachable = real.set(port=free_port()).render_as_string(hide_password=False)
    gone = settings.model_copy(update={"database_url": unreachable})
    with TestClient(create_app(gone)) as client:
        found = scrape(client)
        health = client.get("/healthz")
    assert found.value("archiver_database_up") == 0
    for name in ("archiver_queue_due", "archiver_posts", "archiver_platform_degraded"):
        assert not found.has(name), name
    assert found.has("archiver_build_info")
    assert health.status_code == 503 and health.json()["database"].startswith("error")


def test_host_labels_are_bounded() -> None:
    """Past its limit every new host is ``other``; the hosts named first keep their names."""
    hosts = telemetry.HostLabels(limit=2)
    assert [hosts(h) for h in ("a.example", "b.example", "c.example", "a.example")] == [
        "a.example",
        "b.example",
        "other",
        "a.example",
    ]


@pytest.mark.slow
def test_checks_are_counted_by_platform_and_outcome(
    settings: Settings, tmp_path: Path, engine: Engine, emulator: EmulatorServer
) -> None:
    """A real ``archiver serve``: first captures, a re-check, a deletion, a failing and a
    rate-limited upstream each show under their platform and outcome, with the snapshots made,
    the time taken and the upstream exchanges by host and status class."""
    world = emulator.world
    x_post = world.add_post("x", "councilwatch", "The vote is on Tuesday.")
    masto = world.add_post("mastodon", "archivist", "Minutes are online.")
    bsky = world.add_post("bluesky", "newsroom.example.com", "Live from the council.")
    failing = world.add_post("bluesky", "newsroom.example.com", "This one fails upstream.")
    limited = world.add_post("mastodon", "archivist", "This one is rate limited.")
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **QUIET}
    with serving(settings, tmp_path, env) as client:
        first = [client.submit(info.url) for info in (x_post, masto, bsky)]
        until("first captures", lambda: all(is_live(client, p) for p in first))
        world.delete_post("mastodon", masto.id)
        for post_id in first[:2]:  # X unchanged, Mastodon gone
            asked = client.post(f"/api/v1/posts/{post_id}/checks", headers=client.auth_headers)
            assert asked.status_code == 202, asked.text
        rechecked = {("x", "unchanged"), ("mastodon", "gone")}
        until("the re-checks", lambda: rechecked <= set(outcomes(engine)))
        # Then the faults (a 429 makes the gate hold back every request to that host).
        world.add_failure("error", platform="bluesky", post_id=failing.id, status=503)
        world.add_failure("rate_limit", platform="mastodon", post_id=limited.id)
        client.submit(failing.url)
        client.submit(limited.url)
        expected = {
            ("x", "changed"): 1,
            ("x", "unchanged"): 1,
            ("mastodon", "changed"): 1,
            ("mastodon", "gone"): 1,
            ("mastodon", "rate_limited"): 1,
            ("bluesky", "changed"): 1,
            ("bluesky", "error"): 1,
        }
        until("every check recorded", lambda: outcomes(engine) == expected)
        found = scrape(client)
        health = client.get("/healthz")

    for (platform, outcome), count in expected.items():
        assert found.value("archiver_checks_total", platform=platform, outcome=outcome) == count
    for platform, count in {"x": 2, "mastodon": 3, "bluesky": 2}.items():
        assert found.value("archiver_check_duration_seconds_count", platform=platform) == count
        assert found.value("archiver_captures_total", platform=platform) == 1
    upstream = "archiver_upstream_request_duration_seconds_count"
    assert found.value(upstream, host="cdn.syndication.twimg.com", code="2xx") >= 2
    assert found.value(upstream, host=masto.host, code="4xx") >= 2  # the 404 and the 429
    assert found.value(upstream, code="5xx") >= 1  # the failing Bluesky post
    assert found.value("archiver_queue_due") == 0
    assert found.value("archiver_worker_running") == 1
    assert found.value("archiver_posts", status="live") == 3
    assert health.json()["worker"] == "running"


@pytest.mark.slow
def test_a_worker_process_serves_its_own_health_and_metrics(
    settings: Settings, tmp_path: Path, engine: Engine, emulator: EmulatorServer
) -> None:
    """``archiver worker --port 0`` prints its address and answers ``/healthz`` and
    ``/metrics`` there with its own checks; a second worker on that port is refused with one
    sentence."""
    posts = [emulator.world.add_post("x", f"worker{n}", f"Post {n}") for n in range(3)]
    env = service_env(
        settings,
        {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, "PYTHONUNBUFFERED": "1", **QUIET},
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "archiver", "worker", "--port", "0"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def address() -> str | None:
            assert process.poll() is None, log_path.read_text()[-3000:]
            for line in log_path.read_text().splitlines():
                if "worker running" in line:
                    return line.split(" on ", 1)[1].split(";", 1)[0]
            return None

        base = until("the worker's address", address)
        submit(engine, [post.url for post in posts], datetime.now(UTC))
        with httpx.Client(base_url=base, timeout=10) as worker:
            until("every post checked", lambda: sum(outcomes(engine).values()) == 3)
            found = scrape(worker)
            health = worker.get("/healthz")
        assert found.value("archiver_checks_total", platform="x", outcome="changed") == 3
        assert found.value("archiver_captures_total", platform="x") == 3
        assert found.value("archiver_worker_running") == 1
        assert found.value("archiver_database_up") == 1
        assert health.status_code == 200
        report = health.json()
        assert (report["status"], report["database"], report["worker"]) == ("ok", "ok", "running")
        assert report["browser"] is None  # screenshots are off
        assert report["degraded_platforms"] == []

        port = base.rsplit(":", 1)[1]
        taken = subprocess.run(
            [sys.executable, "-m", "archiver", "worker", "--port", port],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert taken.returncode == 1
        assert taken.stderr.strip().count("\n") == 0, taken.stderr
        assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr
    finally:
        process.kill()
        process.wait(timeout=30)
