"""Re-checks per second through the platform APIs (no screenshots), against the emulator.

The emulator runs as its own process. N posts (spread over X, Mastodon, Truth Social and
Bluesky) are captured once, then all made due at once and re-checked by one worker; the figure
is re-checks per second of that second drain (every answer unchanged, as most re-checks are).

The raw limit, measured in the same run: the upstream requests that drain made (read from the
emulator's request log) sent again by plain ``httpx.AsyncClient``s (one per origin, as the
gate's pools), 64 at a time (as the worker), over HTTP/1.1 keep-alive; requests/s divided by
the requests one re-check makes gives the raw re-checks/s, and Archiver/raw says what share of
it Archiver reaches (see rawlimits.py).

    .venv/bin/python bench/recheck.py [--posts 2000] [--database-url postgresql://…] [--quick]
                                      [--photos N]

``--photos N`` gives every post N photos and runs each database twice: with the photos asked for
again on each re-check (``ARCHIVER_MEDIA_RECHECK``, the default: one conditional GET per photo,
answered ``304``) and without.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import fresh_archive, running_emulator, seed
from rawlimits import LOG_CAP, Record, Timed, clear_log, machine_line, read_log, replay

from archiver.db.models import Check, Post
from archiver.worker import Worker

CONCURRENCY = 64


def run(
    overrides: str,
    control: str,
    urls: list[str],
    database_url: str,
    folder: Path,
    *,
    media_recheck: bool = True,
) -> tuple[float, int, list[Record]]:
    """Capture every URL, then time one drain re-checking all of them; return its seconds,
    the re-checks it made and the upstream requests they sent (the emulator's log)."""
    settings, engine = fresh_archive(
        urls,
        folder,
        database_url=database_url,
        upstream_overrides=overrides,
        screenshots=False,
        check_concurrency=CONCURRENCY,
        media_recheck=media_recheck,
    )

    def make_due(*where: Any) -> None:
        with engine.begin() as connection:
            connection.execute(update(Post).where(*where).values(next_check_at=datetime.now(UTC)))

    async def drains() -> tuple[float, int, list[Record]]:
        worker = Worker(settings, clock=lambda: datetime.now(UTC))
        await worker.drain()  # first captures
        make_due()
        clear_log(control)
        started = time.perf_counter()
        await worker.drain()
        elapsed = time.perf_counter() - started
        with engine.connect() as connection:
            checks = connection.execute(select(func.count()).select_from(Check)).scalar_one()
        try:
            records = read_log(control)
        except OverflowError:  # re-check again, untimed, a slice at a time, to see every request
            records = []
            with engine.connect() as connection:
                ids = connection.execute(select(Post.id).order_by(Post.id)).scalars().all()
            for start in range(0, len(ids), LOG_CAP // 4):
                make_due(Post.id.in_(ids[start : start + LOG_CAP // 4]))
                clear_log(control)
                await worker.drain()
                records += read_log(control)
        await worker.stop()
        return elapsed, checks - len(urls), records

    elapsed, rechecks, records = asyncio.run(drains())
    engine.dispose()
    return elapsed, rechecks, records


def report(backend: str, rechecks: int, seconds: float, requests: int, raw: Timed) -> str:
    """The figure the docs quote, then the raw limit and the ratio."""
    per = requests / rechecks if rechecks else 0.0
    rate = rechecks / seconds
    raw_rate = raw.rate / per if per else 0.0
    return (
        f"{backend:<12} {rechecks:>6} re-checks  {seconds:7.2f} s  {rate:7.1f} re-checks/s\n"
        f"{'  raw httpx':<12} {raw.count:>6} requests   {raw.seconds:7.2f} s"
        f"  {raw.rate:7.1f} requests/s = {raw_rate:7.1f} re-checks/s ({per:.2f} requests each"
        f", {raw.failed} failed)  Archiver/raw {rate / raw_rate if raw_rate else 0:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=None, help="default 2000 (200 with --quick)")
    parser.add_argument("--database-url", action="append", default=[], help="repeatable")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--photos", type=int, default=0, help="photos per post (default 0)")
    args = parser.parse_args()
    posts = args.posts if args.posts is not None else 200 if args.quick else 2000
    with running_emulator() as (_, overrides, control):
        print(machine_line())
        urls = seed(control, posts, photos=args.photos)
        modes = (True, False) if args.photos else (True,)
        for target in ["sqlite", *args.database_url]:
            for media_recheck in modes:
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite:///{folder}/archive.db" if target == "sqlite" else target
                    seconds, rechecks, records = run(
                        overrides, control, urls, url, Path(folder), media_recheck=media_recheck
                    )
                    raw = replay(records, overrides, CONCURRENCY)
                    name = url.split(":", 1)[0] + ("" if media_recheck else "/off")
                    print(report(name, rechecks, seconds, len(records), raw))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
