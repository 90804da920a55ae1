"""Running Archiver: ``serve``, ``worker``, ``migrate``, ``check`` and ``demo``."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

import archiver
from archiver.cli.common import console, database, errors, prepare
from archiver.config import Settings
from archiver.db import repository
from archiver.ids import normalize_id


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """``archiver migrate``."""
    prepare(settings)
    console.print("Database is up to date.")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver serve``: migrate, then run the API until interrupted."""
    import uvicorn

    from archiver.api.app import create_app

    prepare(settings)
    role = "API only" if args.no_worker else "API and capture worker"
    console.print(f"Archiver {archiver.__version__} on http://{args.host}:{args.port} ({role})")
    app = create_app(settings, worker=not args.no_worker)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    """``archiver worker``: migrate, then run the capture worker until interrupted."""
    from archiver.api.deps import utc_now
    from archiver.worker import Worker

    prepare(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def run() -> None:
        worker = Worker(settings, clock=utc_now)
        worker.start()
        console.print(f"Archiver {archiver.__version__} worker running; Ctrl-C stops it.")
        try:
            await asyncio.Event().wait()
        finally:
            await worker.stop()

    asyncio.run(run())
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver check POST_ID``: observe one post now and print what was seen."""
    from archiver.api.deps import utc_now
    from archiver.worker import Worker

    post_id = normalize_id(args.post_id)
    if post_id is None:
        errors.print(f"archiver: {args.post_id!r} is not a post ID.")
        return 2
    with database(settings, write=False) as factory, factory() as session:
        if repository.get_post(session=session, post_id=post_id) is None:
            errors.print(f"archiver: there is no post {post_id}.")
            return 1

    async def run() -> int:
        worker = Worker(settings, clock=utc_now)
        try:
            summary = await worker.check_now(post_id)
        finally:
            await worker.stop()
        if summary is None:
            errors.print(f"archiver: post {post_id} is being checked by a worker right now.")
            return 1
        snapshot = f", new snapshot {summary.snapshot_id}" if summary.snapshot_id else ""
        console.print(
            f"{post_id}: {summary.outcome.value}{snapshot}; status {summary.status.value}"
        )
        return 0

    return asyncio.run(run())


def cmd_demo(_settings: Settings, args: argparse.Namespace) -> int:
    """``archiver demo``: emulator + service + demo posts, no internet needed."""
    from archiver.demo import run_demo

    return run_demo(
        host=args.host, port=args.port, folder=Path(args.folder), once=args.once, prepare=prepare
    )
