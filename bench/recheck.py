"""Re-checks per second through the platform APIs (no screenshots), against the emulator.

The emulator runs as its own process. N posts (spread over X, Mastodon, Truth Social and
Bluesky) are captured once, then all made due at once and re-checked by one worker; the figure
is re-checks per second of that second drain (every answer unchanged, as most re-checks are).

    .venv/bin/python bench/recheck.py [--posts 2000] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import seed, start_emulator

from archiver.config import load_settings
from archiver.db import migrate
from archiver.db.models import Check, Post
from archiver.db.session import (
    create_db_engine,
    create_session_factory,
    transaction,
)
from archiver.services import submissions
from archiver.worker import Worker


def run(overrides: str, urls: list[str], database_url: str, folder: Path) -> tuple[float, int]:
    """Capture every URL, then time one drain re-checking all of them."""
    settings = load_settings(
        database_url=database_url,
        data_dir=folder,
        screenshots_dir=folder / "screenshots",
        upstream_overrides=overrides,
        screenshots=False,
        check_concurrency=64,
    )
    engine = create_db_engine(settings.database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(engine)
    with transaction(create_session_factory(engine, write=True)) as session:
        for url in urls:
            submissions.submit_post(session=session, url=url, now=datetime.now(UTC))

    async def drains() -> float:
        worker = Worker(settings, clock=lambda: datetime.now(UTC))
        await worker.drain()  # first captures
        with engine.begin() as connection:
            connection.execute(update(Post).values(next_check_at=datetime.now(UTC)))
        started = time.perf_counter()
        await worker.drain()
        elapsed = time.perf_counter() - started
        await worker.stop()
        return elapsed

    elapsed = asyncio.run(drains())
    with engine.connect() as connection:
        checks = connection.execute(select(func.count()).select_from(Check)).scalar_one()
    engine.dispose()
    return elapsed, checks - len(urls)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--database-url", action="append", default=[], help="repeatable")
    args = parser.parse_args()
    emulator, overrides, control = start_emulator()
    try:
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores,", end=" ")
        print(f"Python {platform.python_version()}")
        urls = seed(control, args.posts)
        with tempfile.TemporaryDirectory() as folder:
            targets = [f"sqlite:///{folder}/archive.db", *args.database_url]
            for url in targets:
                seconds, rechecks = run(overrides, urls, url, Path(folder))
                backend = url.split(":", 1)[0]
                print(
                    f"{backend:<12} {rechecks:>6} re-checks  {seconds:7.2f} s"
                    f"  {rechecks / seconds:7.1f} re-checks/s"
                )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
