"""The database briefly unavailable: submissions are refused with 503 (nothing is accepted that
cannot be stored), ``/healthz`` says so, the worker logs and retries, and once the database is
back the same process carries on and captures every submission it accepted.

PostgreSQL sits behind a TCP proxy (``tests/tcpproxy.py``) that the test cuts for a few
seconds under a running ``archiver serve``; SQLite's version of "unavailable" is a write lock
held past the busy timeout.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from archiver.api.app import create_app
from archiver.config import Settings
from archiver.db import session as db_session
from archiver.db.models import Post, Snapshot
from archiver.db.session import sqlite_path
from archiver.emulator import EmulatorServer
from tests.conftest import make_key
from tests.service import serving, until
from tests.tcpproxy import TcpProxy

pytestmark = pytest.mark.slow

QUIET = {"ARCHIVER_RECHECK_SCHEDULE": "1h", "ARCHIVER_SCREENSHOTS": "false"}
OUTAGE_SECONDS = 4.0


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def snapshots_per_post(engine: Engine) -> dict[str, int]:
    """How many snapshots each post has (read past the proxy)."""
    with engine.connect() as connection:
        query = select(Snapshot.post_id, func.count()).group_by(Snapshot.post_id)
        return dict(connection.execute(query).all())


def stored_urls(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.scalars(select(Post.url)))


def assert_refused(answer: httpx.Response) -> None:
    """503 problem+json with Retry-After."""
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers.get("retry-after", 0)) > 0, (answer.text, answer.request.url)
    problem = answer.json()
    assert problem["status"] == 503 and problem["type"].endswith("/service-unavailable")


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_database_outage_refuses_what_it_cannot_store_and_loses_nothing(
    settings: Settings, engine: Engine, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """PostgreSQL cut for a few seconds under a running service, captures in flight."""
    real = make_url(settings.database_url)
    with TcpProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        routed = settings.model_copy(update={"database_url": proxied})
        env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **QUIET}
        with serving(routed, tmp_path, env) as client:
            world = emulator.world
            posts = [world.add_post("x", "outage", f"Post {n} of the outage") for n in range(12)]
            accepted = [client.submit(info.url) for info in posts[:4]]
            until("the first posts captured", lambda: len(snapshots_per_post(engine)) == 4)

            # Four captures are in flight (their answers hang) when the database goes away.
            for info in posts[4:8]:
                world.add_failure("hang", platform="x", post_id=info.id, seconds=2.5, count=1)
            accepted += [client.submit(info.url) for info in posts[4:8]]
            until("the captures in flight", lambda: len(world.requests()) >= 8)
            proxy.cut()
            down_at = time.monotonic()

            for info in posts[8:]:
                answer = client.post(
                    "/api/v1/posts", json={"url": info.url}, headers=client.auth_headers
                )
                assert_refused(answer)
            assert_refused(client.get(f"/api/v1/posts/{accepted[0]}"))
            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["database"].startswith("error")
            assert not stored_urls(engine) & {info.url for info in posts[8:]}  # nothing stored
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
            assert len(snapshots_per_post(engine)) == 4  # the hung captures could not record
            proxy.restore()

            until("the service healthy again", lambda: client.get("/healthz").status_code == 200)
            accepted += [client.submit(info.url) for info in posts[8:]]  # the client retries
            until(
                "every accepted post captured",
                lambda: set(snapshots_per_post(engine)) == set(accepted),
                seconds=30,
            )
            assert snapshots_per_post(engine) == dict.fromkeys(accepted, 1)
            assert client.get("/healthz").json()["worker"] == "running"
    log = "\n".join(path.read_text() for path in tmp_path.glob("service-*.log"))
    assert "the database is unavailable" in log
    assert "the database is available again" in log
    assert "raised an exception" not in log  # no scheduler job died of it
    print(f"proxy connections: {proxy.connections}; accepted {len(accepted)}, captured all once")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_locked_past_its_busy_timeout_is_a_503(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write lock held past the busy timeout refuses a submission with 503, stores nothing,
    and the next submission after the lock is released is accepted."""
    connect = db_session._sqlite_connect

    def short_busy_timeout(dbapi_connection: Any, record: Any) -> None:
        connect(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    monkeypatch.setattr(db_session, "_sqlite_connect", short_busy_timeout)
    auth = {"Authorization": f"Bearer {make_key(engine)}"}
    path = sqlite_path(settings.database_url)
    assert path is not None
    url = "https://x.com/jack/status/20"
    with TestClient(create_app(settings)) as client:
        locker = sqlite3.connect(path, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            assert_refused(client.post("/api/v1/posts", json={"url": url}, headers=auth))
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        assert url not in stored_urls(engine)
        assert client.post("/api/v1/posts", json={"url": url}, headers=auth).status_code == 202
