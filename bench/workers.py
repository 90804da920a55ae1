"""Re-checks per second with N worker processes sharing one PostgreSQL, and checks run twice.

The emulator runs as its own process. N posts (spread over X, Mastodon, Truth Social and
Bluesky) are captured once by this process; then, for each worker count, that many
``archiver worker`` processes are started and left idle, every post is made due at once, and
the clock runs until every post has one more check. Each round counts, per post, the checks
recorded (exactly one more is right: a second one is a check run twice) and the observations
workers threw away because another worker had taken the post over ("lease lost").

Two upstream conditions: ``--latency 0`` (the emulator answers at once: the workers, the
database and the emulator compete for the CPU) and ``--latency 0.1`` (every answer takes
100 ms, as a real platform's does; each worker keeps ``--concurrency`` requests in flight, so
one worker is bound by the platform's latency and more workers add throughput until the CPU
runs out).

    .venv/bin/python bench/workers.py --database-url postgresql://… [--posts 2000]
        [--workers 1,2,3] [--latency 0,0.1] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import fresh_archive, running_emulator, seed
from rawlimits import machine_line

from archiver.db.models import Check, Post


def prepare(database_url: str, overrides: str, urls: list[str], folder: Path) -> Engine:
    """A fresh schema holding every post, each captured once (by this process)."""
    import asyncio

    from archiver.worker import Worker

    settings, engine = fresh_archive(
        urls,
        folder,
        database_url=database_url,
        upstream_overrides=overrides,
        screenshots=False,
        check_concurrency=64,
        recheck_schedule="1d",
    )

    async def first_captures() -> None:
        worker = Worker(settings, clock=lambda: datetime.now(UTC))
        await worker.drain()
        await worker.stop()

    asyncio.run(first_captures())
    return engine


def checks_per_post(engine: Engine) -> dict[str, int]:
    """How many checks each post has."""
    query = select(Check.post_id, func.count()).group_by(Check.post_id)
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def total_checks(engine: Engine) -> int:
    """How many checks are recorded."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Check)).scalar_one())


def worker_supports_port() -> bool:
    """Whether ``archiver worker`` takes ``--port`` (its metrics listener)."""
    found = subprocess.run(
        [sys.executable, "-m", "archiver", "worker", "--help"], capture_output=True, text=True
    )
    return "--port" in found.stdout


@contextmanager
def workers(count: int, env: dict[str, str], folder: Path) -> Iterator[list[Path]]:
    """``count`` worker processes, started and idle; their log files."""
    extra = ["--port", "0"] if worker_supports_port() else []
    processes, logs = [], []
    try:
        for n in range(count):
            log = folder / f"worker-{n}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "archiver", "worker", *extra],
                        cwd=folder,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            logs.append(log)
        deadline = time.monotonic() + 60
        while not all("worker running" in log.read_text(errors="replace") for log in logs):
            if any(process.poll() is not None for process in processes):
                raise SystemExit(f"a worker exited: {logs[0].read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start within a minute")
            time.sleep(0.1)
        yield logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def one_round(engine: Engine, env: dict[str, str], count: int, posts: int) -> dict[str, float]:
    """Re-check every post with ``count`` workers; the rate and what ran twice."""
    before = checks_per_post(engine)
    with tempfile.TemporaryDirectory() as folder, workers(count, env, Path(folder)) as logs:
        expected = sum(before.values()) + posts
        with engine.begin() as connection:
            connection.execute(update(Post).values(next_check_at=datetime.now(UTC)))
        started = time.perf_counter()
        deadline = started + 600
        while total_checks(engine) < expected and time.perf_counter() < deadline:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        time.sleep(1.0)  # anything run twice would land now
        lost = sum(log.read_text(errors="replace").count("lease lost") for log in logs)
    after = checks_per_post(engine)
    twice = sum(max(0, after.get(post_id, 0) - seen - 1) for post_id, seen in before.items())
    missed = sum(1 for post_id, seen in before.items() if after.get(post_id, 0) == seen)
    with engine.begin() as connection:  # idle until the next round makes them due
        later = datetime.now(UTC) + timedelta(days=1)
        connection.execute(update(Post).values(next_check_at=later))
    return {
        "seconds": elapsed,
        "rate": posts / elapsed,
        "twice": twice,
        "missed": missed,
        "lost": lost,
    }


def set_latency(control: str, seconds: float) -> None:
    """Make every upstream answer take ``seconds`` (0: none)."""
    with httpx.Client(timeout=30) as client:
        client.delete(f"{control}/failures").raise_for_status()
        if seconds > 0:
            origins = client.get(f"{control}/origins").raise_for_status().json()
            for origin in origins:  # every platform origin the emulator plays
                body = {"mode": "hang", "seconds": seconds, "origin": origin}
                client.post(f"{control}/failures", json=body).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL URL (dropped!)")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,3", help="worker counts, comma-separated")
    parser.add_argument("--latency", default="0,0.1", help="upstream answer delays in seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="ARCHIVER_CHECK_CONCURRENCY")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    latencies = [float(n) for n in args.latency.split(",")]
    with running_emulator() as (_, overrides, control):
        print(f"{machine_line()}; {args.posts} posts")
        urls = seed(control, args.posts)
        with tempfile.TemporaryDirectory() as folder:
            engine = prepare(args.database_url, overrides, urls, Path(folder))
            env = {
                **os.environ,
                "ARCHIVER_DATABASE_URL": args.database_url,
                "ARCHIVER_UPSTREAM_OVERRIDES": overrides,
                "ARCHIVER_SCREENSHOTS": "false",
                "ARCHIVER_RECHECK_SCHEDULE": "1d",
                "ARCHIVER_CHECK_CONCURRENCY": str(args.concurrency),
                "ARCHIVER_DATA_DIR": folder,
                "ARCHIVER_SCREENSHOTS_DIR": str(Path(folder) / "screenshots"),
            }
            print(
                f"{'latency':>8} {'workers':>8} {'re-checks/s':>12} {'x one':>6}"
                f" {'run twice':>10} {'missed':>7} {'lease lost':>11}"
            )
            for latency in latencies:
                set_latency(control, latency)
                one = None
                for count in counts:
                    figures = one_round(engine, env, count, args.posts)
                    one = one or figures["rate"]
                    print(
                        f"{latency:>7.2f}s {count:>8} {figures['rate']:>12.1f}"
                        f" {figures['rate'] / one:>6.2f} {figures['twice']:>10.0f}"
                        f" {figures['missed']:>7.0f} {figures['lost']:>11.0f}",
                        flush=True,
                    )
            set_latency(control, 0)
            engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
