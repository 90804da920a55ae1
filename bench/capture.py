"""Captures per second against the local platform emulator, with and without screenshots.

The emulator runs as its own process (as the platforms would); this process runs one capture
worker on a fresh SQLite database, submits N posts (spread over X, Mastodon, Truth Social and
Bluesky) and drains them. Peak memory is the largest summed PSS of this process and its
children (the Playwright driver and Chromium; not the emulator), sampled every 50 ms.

The raw limit, measured in the same run from the emulator's request log of Archiver's drain:
data only, the upstream GETs the captures made (API calls and media) sent again by plain httpx
(as many at a time as the worker, ``ARCHIVER_CHECK_CONCURRENCY``); with screenshots, the embed
pages Archiver's browser loaded, loaded again and shot by plain Playwright with ``--concurrency``
pages (see rawlimits.py), and its peak memory. Archiver/raw is the share of it Archiver reaches.

    .venv/bin/python bench/capture.py [--posts 200] [--screenshot-posts 60] [--concurrency 4]
        [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
from rawlimits import (
    Record,
    chromium_path,
    clear_log,
    machine_line,
    peak_memory,
    raw_screenshots,
    read_log,
    replay,
)
from sqlalchemy import Engine, func, select, text

from archiver.browser import CardData
from archiver.config import Settings, load_settings
from archiver.db import migrate
from archiver.db.models import Post
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import PostStatus
from archiver.services import submissions
from archiver.worker import Worker

PLATFORMS = ("x", "mastodon", "truthsocial", "bluesky")


class Emulator(NamedTuple):
    """The emulator's process, its ``ARCHIVER_UPSTREAM_OVERRIDES`` and its control API URL."""

    process: subprocess.Popen[str]
    overrides: str
    control: str


@contextmanager
def running_emulator() -> Iterator[Emulator]:
    """Run ``python -m archiver.emulator`` until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver.emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        overrides = process.stdout.readline().strip().split("=", 1)[1]
        control = process.stdout.readline().strip().split(": ", 1)[1]
        yield Emulator(process, overrides, control)
    finally:
        process.terminate()
        process.wait(timeout=10)


def fresh_archive(urls: list[str], folder: Path, **options: Any) -> tuple[Settings, Engine]:
    """Settings of an archive in ``folder`` (or in ``database_url``, emptied first), migrated,
    with every URL submitted; and its engine."""
    settings = load_settings(
        **{
            "database_url": f"sqlite:///{folder}/archive.db",
            "data_dir": folder,
            "screenshots_dir": folder / "screenshots",
            **options,
        }
    )
    engine = create_db_engine(settings.database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    with transaction(create_session_factory(engine, write=True)) as session:
        for url in urls:
            submissions.submit_post(session=session, url=url, now=datetime.now(UTC))
    return settings, engine


def seed(control: str, count: int, *, photos: int = 0) -> list[str]:
    """Create ``count`` posts, round-robin over the platforms, each with ``photos`` photos;
    return their URLs."""
    urls = []
    with httpx.Client(timeout=30) as client:
        for n in range(count):
            platform_name = PLATFORMS[n % len(PLATFORMS)]
            handle = "bench.example.com" if platform_name == "bluesky" else f"bench{n % 7}"
            body = {
                "platform": platform_name,
                "handle": handle,
                "text": f"Benchmark post {n}: https://www.example.org/story/{n} #bench",
                "media": [{"type": "image"}] * photos,
            }
            answer = client.post(f"{control}/posts", json=body)
            answer.raise_for_status()
            urls.append(answer.json()["url"])
    return urls


def run(
    overrides: str, urls: list[str], *, screenshots: bool, concurrency: int, pid: int
) -> tuple[float, int, int]:
    """Capture every URL once; return (seconds, live posts, peak PSS bytes). ``pid`` is the
    emulator's, left out of the memory."""
    with tempfile.TemporaryDirectory() as folder:
        settings, engine = fresh_archive(
            urls,
            Path(folder),
            upstream_overrides=overrides,
            screenshots=screenshots,
            capture_concurrency=concurrency,
        )

        async def drain() -> float:
            worker = Worker(settings, clock=lambda: datetime.now(UTC))
            if worker.browser is not None:  # launch outside the timing, as a running service has
                await worker.browser.screenshot_card(_warm_card())
            started = time.perf_counter()
            await worker.drain()
            elapsed = time.perf_counter() - started
            await worker.stop()
            return elapsed

        with peak_memory(os.getpid(), skip=[pid]) as peak:
            elapsed = asyncio.run(drain())
        with engine.connect() as connection:
            live = connection.execute(
                select(func.count()).select_from(Post).where(Post.status == PostStatus.LIVE)
            ).scalar_one()
        engine.dispose()
        return elapsed, live, peak[0]


def _warm_card() -> CardData:
    now = datetime.now(UTC)
    return CardData("X", "warm", "warm", now, "warm-up", now, "https://x.com/warm/status/1")


def raw_line(
    records: list[Record],
    urls: list[str],
    overrides: str,
    *,
    rate: float,
    peak: int,
    shots: bool,
    concurrency: int,
) -> str:
    """The raw limit of the drain just made (at ``rate`` posts/s), and Archiver's share of it."""
    if not shots:
        raw = replay(records, overrides, load_settings().check_concurrency)
        per = raw.count / len(urls)
        raw_rate = raw.rate / per
        return (
            f"  raw httpx {raw.count:>6} requests  {raw.seconds:7.2f} s  {raw.rate:7.1f}"
            f" requests/s = {raw_rate:7.1f} posts/s ({per:.2f} requests each, {raw.failed}"
            f" failed)  Archiver/raw {rate / raw_rate:.2f}"
        )
    pages = raw_screenshots(records, urls, overrides, concurrency)
    return (
        f"  raw Playwright {pages.count:>4} pages  {pages.seconds:7.2f} s  {pages.rate:7.1f}"
        f" posts/s ({concurrency} pages, {pages.failed} failed)  peak memory (PSS)"
        f" {pages.peak_bytes / 2**20:6.0f} MiB  Archiver/raw {rate / pages.rate:.2f},"
        f" memory {peak / pages.peak_bytes:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, help="posts without screenshots (200; --quick 40)")
    parser.add_argument("--screenshot-posts", type=int, help="posts with screenshots (60; 8)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=load_settings().capture_concurrency,
        help="browser pages at once, Archiver's and the raw run's (ARCHIVER_CAPTURE_CONCURRENCY)",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    posts = args.posts if args.posts is not None else 40 if args.quick else 200
    screenshot_posts = args.screenshot_posts
    if screenshot_posts is None:
        screenshot_posts = 8 if args.quick else 60
    print(machine_line(chromium_path() if screenshot_posts else None))
    with running_emulator() as (emulator, overrides, control):
        for label, count, shots in (
            ("data only (no screenshots)", posts, False),
            ("with screenshots", screenshot_posts, True),
        ):
            if not count:
                continue
            urls = seed(control, count)
            clear_log(control)
            seconds, live, peak = run(
                overrides, urls, screenshots=shots, concurrency=args.concurrency, pid=emulator.pid
            )
            print(
                f"{label:<28} {count:>5} posts  {seconds:7.2f} s  {count / seconds:7.1f} posts/s"
                f"  live {live}/{count}  peak memory (PSS) {peak / 2**20:6.0f} MiB"
            )
            try:
                records = read_log(control)
            except OverflowError as exc:
                print(f"  raw limit not measured: {exc} (use fewer posts)", flush=True)
                continue
            line = raw_line(
                records,
                urls,
                overrides,
                rate=count / seconds,
                peak=peak,
                shots=shots,
                concurrency=args.concurrency,
            )
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
