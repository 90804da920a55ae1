"""Captures per second against the local platform emulator, with and without screenshots.

The emulator runs as its own process (as the platforms would); this process runs one capture
worker on a fresh SQLite database, submits N posts (spread over X, Mastodon, Truth Social and
Bluesky) and drains them. Peak memory is the largest summed PSS of this process and its
children (the Playwright driver and Chromium), sampled every 50 ms.

    .venv/bin/python bench/capture.py [--posts 200] [--screenshot-posts 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from archiver.config import load_settings
from archiver.db import migrate
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import PostStatus
from archiver.services import submissions
from archiver.worker import Worker

PLATFORMS = ("x", "mastodon", "truthsocial", "bluesky")


def start_emulator() -> tuple[subprocess.Popen[str], str, str]:
    """Run ``python -m archiver.emulator``; return it, its overrides and its control URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    overrides = process.stdout.readline().strip().split("=", 1)[1]
    control = process.stdout.readline().strip().split(": ", 1)[1]
    return process, overrides, control


def seed(control: str, count: int) -> list[str]:
    """Create ``count`` posts, round-robin over the platforms; return their URLs."""
    urls = []
    with httpx.Client(timeout=30) as client:
        for n in range(count):
            platform_name = PLATFORMS[n % len(PLATFORMS)]
            handle = "bench.example.com" if platform_name == "bluesky" else f"bench{n % 7}"
            body = {
                "platform": platform_name,
                "handle": handle,
                "text": f"Benchmark post {n}: https://www.example.org/story/{n} #bench",
            }
            answer = client.post(f"{control}/posts", json=body)
            answer.raise_for_status()
            urls.append(answer.json()["url"])
    return urls


def _pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_memory_bytes(pid: int) -> int:
    """Memory of a process and all its descendants (Linux /proc), as summed PSS.

    Summed RSS would count the pages Chromium's processes share once per process.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        with contextlib.suppress(OSError):
            total += _pss_bytes(current)
        stack.extend(children.get(current, []))
    return total


def run(overrides: str, urls: list[str], *, screenshots: bool) -> tuple[float, int, int]:
    """Capture every URL once; return (seconds, live posts, peak RSS bytes)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            database_url=f"sqlite:///{folder}/archive.db",
            data_dir=Path(folder),
            screenshots_dir=Path(folder) / "screenshots",
            upstream_overrides=overrides,
            screenshots=screenshots,
        )
        engine = create_db_engine(settings.database_url)
        migrate.upgrade(engine)
        with transaction(create_session_factory(engine, write=True)) as session:
            for url in urls:
                submissions.submit_post(session=session, url=url, now=datetime.now(UTC))
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, tree_memory_bytes(os.getpid()))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        async def drain() -> float:
            worker = Worker(settings, clock=lambda: datetime.now(UTC))
            if worker.browser is not None:  # launch outside the timing, as a running service has
                await worker.browser.screenshot_card(_warm_card())
            started = time.perf_counter()
            await worker.drain()
            elapsed = time.perf_counter() - started
            await worker.stop()
            return elapsed

        elapsed = asyncio.run(drain())
        stop.set()
        sampler.join()
        with engine.connect() as connection:
            from sqlalchemy import func, select

            from archiver.db.models import Post

            live = connection.execute(
                select(func.count()).select_from(Post).where(Post.status == PostStatus.LIVE)
            ).scalar_one()
        engine.dispose()
        return elapsed, live, peak


def _warm_card():  # type: ignore[no-untyped-def]
    from archiver.browser import CardData

    now = datetime.now(UTC)
    return CardData("X", "warm", "warm", now, "warm-up", now, "https://x.com/warm/status/1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200, help="posts captured without screenshots")
    parser.add_argument("--screenshot-posts", type=int, default=60, help="posts with screenshots")
    args = parser.parse_args()
    emulator, overrides, control = start_emulator()
    try:
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores,",
            f"Python {platform.python_version()}",
        )
        for label, count, shots in (
            ("data only (no screenshots)", args.posts, False),
            ("with screenshots", args.screenshot_posts, True),
        ):
            urls = seed(control, count)
            seconds, live, peak = run(overrides, urls, screenshots=shots)
            print(
                f"{label:<28} {count:>5} posts  {seconds:7.2f} s  {count / seconds:7.1f} posts/s"
                f"  live {live}/{count}  peak memory (PSS) {peak / 2**20:6.0f} MiB"
            )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
