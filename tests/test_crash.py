"""Crash consistency: the whole ``archiver serve`` (API and worker in one process) is SIGKILLed
at random moments while posts are being submitted, captured and re-checked, and started again.

Afterwards every submission that got a 2xx is captured exactly once (one snapshot, one
``changed`` check per post), no observation is recorded twice (between any two checks of a post
the platform was asked again: each check has its own fetch), and every stored artifact is
whole: ``archiver verify`` passes and every blob file under its SHA-256 name hashes to it.

Every upstream answer takes 0.2 s (an emulator ``hang``), so observations are in flight at
almost any moment; posts are re-checked every second. Between runs the test lets the killed
process's leases run out, as five minutes of waiting would (``archiver.worker.LEASE`` has no
setting to shorten it; ``tests/test_workers.py`` does the same).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import httpx
import pytest
from sqlalchemy import Engine, select, update

from archiver.config import Settings
from archiver.db.models import Check, Post, Snapshot
from archiver.domain import CheckOutcome, PostStatus
from archiver.emulator import EmulatorServer
from tests.service import create_key, free_port, service_env

pytestmark = pytest.mark.slow

SYNDICATION: Final = "https://cdn.syndication.twimg.com"
POSTS: Final = 30
CRASHES: Final = 5
ENV: Final = {"ARCHIVER_RECHECK_SCHEDULE": "1s", "ARCHIVER_SCREENSHOTS": "false"}


@contextmanager
def service(settings: Settings, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """``archiver serve`` with its worker; yields its base URL; SIGKILLed on the way out."""
    port = free_port()
    with (cwd / f"service-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "archiver", "serve", "--port", str(port)],
            cwd=cwd,
            env=service_env(settings, env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the service exited at start"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start within 60 s"
            time.sleep(0.05)
        yield base
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


class Submitter(threading.Thread):
    """Submits the URLs still waiting, one by one, until the service dies under it."""

    def __init__(self, base: str, auth: dict[str, str], waiting: deque[str],
                 accepted: dict[str, str], rng: random.Random) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.base, self.auth, self.waiting, self.accepted, self.rng = (
            base, auth, waiting, accepted, rng
        )  # fmt: skip

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while self.waiting:
                url = self.waiting[0]
                try:
                    answer = client.post("/api/v1/posts", json={"url": url}, headers=self.auth)
                except httpx.HTTPError:
                    return  # killed mid-request: not accepted, submitted again after restart
                if answer.status_code not in (200, 202):
                    return
                self.accepted[url] = answer.json()["id"]
                self.waiting.popleft()
                time.sleep(self.rng.uniform(0, 0.08))


def expire_leases(engine: Engine) -> None:
    """Let every lease run out, as five minutes of waiting would."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(
            update(Post).where(Post.lease_until.is_not(None)).values(lease_until=past)
        )


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fetches(emulator: EmulatorServer) -> dict[str, list[datetime]]:
    """When the platform was asked for each post's data, by X post ID."""
    found: dict[str, list[datetime]] = {}
    for request in emulator.world.requests(SYNDICATION):
        post_id = request.path.split("id=", 1)[1].split("&", 1)[0]
        found.setdefault(post_id, []).append(datetime.fromisoformat(request.at))
    return found


def whole_blobs(root: Path) -> tuple[int, int]:
    """Every blob file hashes to its name; how many blobs, and leftover ``.incoming-`` files."""
    blobs = leftovers = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith(".incoming-"):
            leftovers += 1
            continue
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, path
        blobs += 1
    return blobs, leftovers


def test_killed_at_random_moments_the_service_loses_and_doubles_nothing(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """SIGKILL during captures and re-checks, restart, repeat; then count and verify."""
    seed = int(os.environ.get("ARCHIVER_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    auth = create_key(settings, tmp_path)
    with EmulatorServer() as emulator:
        world = emulator.world
        infos = [world.add_post("x", f"crash{n}", f"Crash post {n}") for n in range(POSTS)]
        ids = {info.url: info.id for info in infos}
        world.add_failure("hang", origin=SYNDICATION, seconds=0.2)
        env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **ENV}
        waiting, accepted = deque(ids), dict[str, str]()
        kills: list[datetime] = []
        for _ in range(CRASHES):
            with service(settings, tmp_path, env) as base:
                submitter = Submitter(base, auth, waiting, accepted, rng)
                submitter.start()
                time.sleep(rng.uniform(0.3, 2.5))
                kills.append(datetime.now(UTC))
            submitter.join(timeout=30)
            expire_leases(engine)
        with service(settings, tmp_path, env) as base:
            Submitter(base, auth, waiting, accepted, rng).run()
            assert not waiting, "the last run could not submit everything"
            deadline = time.monotonic() + 60
            while len(captured(engine)) < len(accepted):
                assert time.monotonic() < deadline, "not every accepted post was captured"
                time.sleep(0.2)
            time.sleep(1.5)  # a few re-checks more, then the last kill
        requests = fetches(emulator)

    per_post = captured(engine)
    lost = [url for url, post_id in accepted.items() if per_post.get(post_id, (0, 0))[0] == 0]
    doubled = [url for url, post_id in accepted.items() if max(per_post.get(post_id, (0, 0))) > 1]
    in_flight = sum(  # kills that came while a fetch was being answered (each takes 0.2 s)
        any(kill - timedelta(seconds=0.2) <= at <= kill for ats in requests.values() for at in ats)
        for kill in kills
    )
    checks = check_times(engine)
    for url, post_id in accepted.items():  # every check has its own fetch since the last one
        asked = sorted(requests.get(ids[url], []))
        previous = datetime.min.replace(tzinfo=UTC)
        for checked_at in checks[post_id]:
            assert any(previous < at <= checked_at for at in asked), (url, checked_at)
            previous = checked_at
    with engine.connect() as connection:
        rows = connection.execute(select(Post.url, Post.status)).all()
    assert len(rows) == POSTS and {status for _, status in rows} == {PostStatus.LIVE}
    verify = subprocess.run([sys.executable, "-m", "archiver", "verify"], cwd=tmp_path,
                            env=service_env(settings), capture_output=True, text=True,
                            check=False)  # fmt: skip
    blobs, leftovers = whole_blobs(settings.data_dir / "blobs")
    print(f"\nseed {seed}: {CRASHES} crash runs (+1 final), {in_flight} mid-fetch, "
          f"{len(accepted)} accepted, "
          f"{len(lost)} lost, {len(doubled)} duplicated, {sum(map(len, checks.values()))} "
          f"checks, {blobs} blobs whole, {leftovers} .incoming leftovers")  # fmt: skip
    assert (lost, doubled) == ([], [])
    assert len(accepted) == POSTS
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert in_flight > 0


def captured(engine: Engine) -> dict[str, tuple[int, int]]:
    """Per post with a snapshot: how many snapshots, and how many ``changed`` checks."""
    with engine.connect() as connection:
        snapshots = connection.scalars(select(Snapshot.post_id)).all()
        changed = connection.scalars(
            select(Check.post_id).where(Check.outcome == CheckOutcome.CHANGED)
        ).all()
    return {
        post_id: (snapshots.count(post_id), changed.count(post_id)) for post_id in set(snapshots)
    }


def check_times(engine: Engine) -> dict[str, list[datetime]]:
    """Each post's check times, oldest first."""
    found: dict[str, list[datetime]] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(Check.post_id, Check.checked_at).order_by(Check.checked_at)
        )
        for post_id, checked_at in rows:
            found.setdefault(post_id, []).append(aware(checked_at))
    return found
