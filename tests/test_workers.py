"""Capture workers as real processes (``archiver worker``) against the platform emulator: several
workers share one PostgreSQL without doing a check twice, a worker killed mid-check loses
nothing, and a post leased by a crashed worker is not fetched again while its lease holds.

Posts are submitted straight into the database (``submissions.submit_post``), as the API would;
every worker logs ``post ID: outcome`` lines to its own file under the test's folder. A lease
lasts ``archiver.worker.LEASE`` (five minutes), which no setting shortens: the tests expire one
by setting ``posts.lease_until`` in the past, as five minutes of waiting would.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from archiver.config import Settings
from archiver.db.models import Check, Post, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.domain import PostStatus
from archiver.emulator import EmulatorServer, PostInfo
from archiver.services.submissions import submit_post
from tests.service import service_env, until

pytestmark = pytest.mark.slow

SYNDICATION = "https://cdn.syndication.twimg.com"
#: No re-check falls inside a test: every post is observed once unless a test says otherwise.
QUIET = {"ARCHIVER_RECHECK_SCHEDULE": "1h", "ARCHIVER_SCREENSHOTS": "false"}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


class Workers:
    """``archiver worker`` processes of one test; each logs to ``worker-NAME.log``."""

    def __init__(self, settings: Settings, cwd: Path, env: dict[str, str]) -> None:
        self.settings = settings
        self.cwd = cwd
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def log(self, name: str) -> str:
        """What worker ``name`` printed so far."""
        return (self.cwd / f"worker-{name}.log").read_text(errors="replace")

    def start(self, name: str) -> subprocess.Popen[bytes]:
        """Start worker ``name`` and wait until it runs its scheduler."""
        with (self.cwd / f"worker-{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "archiver", "worker", "--port", "0"],
                cwd=self.cwd,
                env=service_env(self.settings, self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"worker {name} exited: {self.log(name)[-3000:]}")
            return "worker running" in self.log(name)

        until(f"worker {name} to start", ready)
        return process

    def kill(self, name: str) -> None:
        """SIGKILL worker ``name``: a crash, not a polite shutdown."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def kill_all(self) -> None:
        """SIGKILL every worker still running."""
        for name in self.processes:
            self.kill(name)

    def observed(self, name: str) -> list[str]:
        """The post IDs worker ``name`` logged an outcome for."""
        return [
            line.split(" post ", 1)[1].split(":", 1)[0]
            for line in self.log(name).splitlines()
            if "archiver.worker post " in line and "(status " in line
        ]


@pytest.fixture
def workers(settings: Settings, tmp_path: Path, emulator: EmulatorServer) -> Iterator[Workers]:
    """Starts worker processes on the test's database; kills all of them afterwards."""
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **QUIET}
    group = Workers(settings, tmp_path, env)
    try:
        yield group
    finally:
        group.kill_all()


def submit(engine: Engine, urls: Sequence[str]) -> list[str]:
    """Store posts for capture in one transaction; their IDs, in order."""
    with transaction(create_session_factory(engine, write=True)) as session:
        now = datetime.now(UTC)
        return [submit_post(session=session, url=url, now=now).post.id for url in urls]


def data_requests(emulator: EmulatorServer, post: PostInfo) -> int:
    """How often the emulator was asked for an X post's data (its syndication URL)."""
    wanted = f"/tweet-result?id={post.id}&"
    return sum(r.path.startswith(wanted) for r in emulator.world.requests(SYNDICATION))


def per_post(engine: Engine, model: type[Check] | type[Snapshot]) -> dict[str, int]:
    """How many rows of ``model`` each post has."""
    query = select(model.post_id, func.count()).group_by(model.post_id)
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def post_row(engine: Engine, post_id: str) -> Post:
    """A post as stored now."""
    with create_session_factory(engine)() as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post


def is_live(engine: Engine, post_id: str) -> bool:
    """Whether a post is live now."""
    return post_row(engine, post_id).status is PostStatus.LIVE


def expire_lease(engine: Engine, post_id: str) -> None:
    """Let a post's lease run out, as five minutes of waiting would (``worker.LEASE`` has no
    setting to shorten it)."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(create_session_factory(engine, write=True)) as session:
        session.execute(update(Post).where(Post.id == post_id).values(lease_until=past))


def hang_data(emulator: EmulatorServer, post: PostInfo) -> None:
    """Make the post's first data request hang, so a worker stays mid-check on it."""
    emulator.world.add_failure("hang", platform="x", post_id=post.id, seconds=60, count=1)


ON_POSTGRESQL = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def interleaving(workers: Workers, emulator: EmulatorServer, *, concurrency: int) -> None:
    """Keep every worker claiming over and over for a few seconds, so their claims interleave
    (by default one worker may drain 60 posts in less than a second, between two polls of
    another, and the claims never meet): few posts per claim and a 30 ms answer."""
    workers.env["ARCHIVER_CHECK_CONCURRENCY"] = str(concurrency)
    emulator.world.add_failure("hang", origin=SYNDICATION, seconds=0.03)


def leased_unchecked(engine: Engine) -> set[str]:
    """Posts held by a lease that still runs and observed by nobody yet."""
    checked = select(Check.post_id)
    query = select(Post.id).where(Post.lease_until > datetime.now(UTC), Post.id.not_in(checked))
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())


@ON_POSTGRESQL
@pytest.mark.parametrize("count", [2, 3])
def test_workers_on_postgresql_observe_every_due_post_exactly_once(
    engine: Engine, emulator: EmulatorServer, workers: Workers, count: int
) -> None:
    """Two or three worker processes on one PostgreSQL observe each of 60 due posts exactly
    once: one check, one snapshot and one upstream request per post, each logged by one
    worker."""
    posts = [emulator.world.add_post("x", f"shared{n}", f"Post number {n}") for n in range(60)]
    interleaving(workers, emulator, concurrency=1)
    names = [chr(ord("a") + n) for n in range(count)]
    for name in names:
        workers.start(name)
    ids = submit(engine, [post.url for post in posts])  # due for every worker at once

    until("every post live", lambda: all(is_live(engine, i) for i in ids), seconds=40)
    assert per_post(engine, Check) == dict.fromkeys(ids, 1)
    assert per_post(engine, Snapshot) == dict.fromkeys(ids, 1)
    assert {post.id: data_requests(emulator, post) for post in posts} == {
        post.id: 1 for post in posts
    }
    observed = {name: workers.observed(name) for name in names}
    assert sorted(chain.from_iterable(observed.values())) == sorted(ids)  # each logged once
    for name in names:
        assert "Traceback" not in workers.log(name), workers.log(name)[-3000:]
    print("posts observed per worker:", {name: len(seen) for name, seen in observed.items()})


@ON_POSTGRESQL
def test_a_killed_workers_leased_posts_are_taken_up_by_the_others(
    engine: Engine, emulator: EmulatorServer, workers: Workers
) -> None:
    """A worker holding four leases (its checks hung upstream) is SIGKILLed while two others
    drain 80 more posts. They leave its four posts alone while the leases hold and observe
    them once the leases run out: every post ends with exactly one check and one snapshot;
    only the four killed mid-fetch were asked for twice."""
    held = [emulator.world.add_post("x", f"held{n}", f"Held post {n}") for n in range(4)]
    for post in held:
        hang_data(emulator, post)
    workers.env["ARCHIVER_CHECK_CONCURRENCY"] = "16"  # four requests per host at once
    workers.start("doomed")
    held_ids = submit(engine, [post.url for post in held])
    until("four checks in flight", lambda: all(data_requests(emulator, p) == 1 for p in held))

    rest = [emulator.world.add_post("x", f"many{n}", f"Shared post {n}") for n in range(80)]
    interleaving(workers, emulator, concurrency=4)
    workers.start("a")
    workers.start("b")
    rest_ids = submit(engine, [post.url for post in rest])
    until("the survivors to observe a few", lambda: len(workers.observed("a")) >= 3)
    workers.kill("doomed")
    until("every other post live", lambda: all(is_live(engine, i) for i in rest_ids), seconds=40)
    assert leased_unchecked(engine) == set(held_ids)  # still held by the dead worker's leases
    assert all(data_requests(emulator, post) == 1 for post in held)

    for post_id in held_ids:
        expire_lease(engine, post_id)  # five minutes later, as far as the leases are concerned
    until("the held posts live", lambda: all(is_live(engine, i) for i in held_ids), seconds=40)
    ids = held_ids + rest_ids
    assert per_post(engine, Check) == dict.fromkeys(ids, 1)
    assert per_post(engine, Snapshot) == dict.fromkeys(ids, 1)
    assert [data_requests(emulator, post) for post in held] == [2, 2, 2, 2]
    assert all(data_requests(emulator, post) == 1 for post in rest)
    by_survivors = workers.observed("a") + workers.observed("b")
    assert sorted(by_survivors) == sorted(ids)  # each post logged once, by a survivor
    assert workers.observed("doomed") == []


def test_a_worker_killed_mid_check_loses_nothing(
    engine: Engine, emulator: EmulatorServer, workers: Workers
) -> None:
    """A worker SIGKILLed mid-check records nothing; after its lease, the next records one check."""
    post = emulator.world.add_post("x", "crashy", "Observed while the worker dies")
    hang_data(emulator, post)
    [post_id] = submit(engine, [post.url])
    workers.start("doomed")
    until("the check in flight", lambda: data_requests(emulator, post) == 1)
    leased = post_row(engine, post_id).lease_until
    assert leased is not None and leased > datetime.now(UTC)
    workers.kill("doomed")
    emulator.world.clear_failures()
    assert per_post(engine, Check) == {}
    assert per_post(engine, Snapshot) == {}
    assert post_row(engine, post_id).status is PostStatus.PENDING

    expire_lease(engine, post_id)  # five minutes later, as far as the lease is concerned
    workers.start("heir")
    until("the post live", lambda: is_live(engine, post_id))
    assert per_post(engine, Check) == {post_id: 1}
    assert per_post(engine, Snapshot) == {post_id: 1}
    assert data_requests(emulator, post) == 2  # the killed attempt and the one recorded
    assert workers.observed("heir") == [post_id]
    assert post_row(engine, post_id).lease_until is None


def test_a_leased_post_is_not_fetched_by_another_worker_while_the_lease_holds(
    engine: Engine, emulator: EmulatorServer, workers: Workers
) -> None:
    """A post leased by a hung, then killed, worker is fetched by no peer until its lease ends."""
    held = emulator.world.add_post("x", "holder", "Leased by the first worker")
    hang_data(emulator, held)
    [held_id] = submit(engine, [held.url])
    workers.start("holder")
    until("the check in flight", lambda: data_requests(emulator, held) == 1)
    workers.start("peer")

    # The peer drains other posts beside the hung check, and leaves the leased one alone.
    [beside] = submit(engine, [emulator.world.add_post("x", "other", "Beside it").url])
    until("the peer to observe another post", lambda: beside in workers.observed("peer"))
    assert data_requests(emulator, held) == 1
    assert workers.observed("peer") == [beside]

    # The holder crashes; the peer keeps draining and still leaves the leased post alone.
    workers.kill("holder")
    [after] = submit(engine, [emulator.world.add_post("x", "later", "After the crash").url])
    until("the peer to drain again", lambda: after in workers.observed("peer"))
    assert data_requests(emulator, held) == 1
    assert workers.observed("peer") == [beside, after]
    assert held_id not in per_post(engine, Check)
    assert post_row(engine, held_id).status is PostStatus.PENDING

    expire_lease(engine, held_id)  # five minutes later, as far as the lease is concerned
    until("the held post live", lambda: is_live(engine, held_id))
    assert per_post(engine, Check) == {held_id: 1, beside: 1, after: 1}
    assert per_post(engine, Snapshot) == {held_id: 1, beside: 1, after: 1}
    assert data_requests(emulator, held) == 2
    assert workers.observed("peer") == [beside, after, held_id]
