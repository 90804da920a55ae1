"""``archiver submit`` and ``archiver import``: many URLs, locally or to a running server."""

from __future__ import annotations

import argparse
import asyncio
import os
from functools import partial
from pathlib import Path

from rich.table import Table

from archiver.cli.common import console, database, errors, now, progress_bar
from archiver.config import Settings
from archiver.services import bulk


def cmd_submit(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver submit URL... [--wait]``: submit posts; report each one."""
    lines = [bulk.Line(number, url, url) for number, url in enumerate(args.urls, 1)]
    return submit_lines(settings, args, lines, [])


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver import FILE``: submit every URL of a text or CSV file."""
    lines, bad = bulk.read_lines(Path(args.file))
    if not lines and not bad:
        errors.print(f"archiver: {args.file} holds no URLs.")
        return 1
    return submit_lines(settings, args, lines, bad)


def submit_lines(
    settings: Settings, args: argparse.Namespace, lines: list[bulk.Line], bad: list[bulk.Row]
) -> int:
    """Submit each line locally or to ``--server``; with ``--wait``, see each one captured;
    print a table of what became of each. Exit 1 when any failed."""
    tags = args.tag or ()
    with progress_bar(hide=len(lines) < 5) as progress:
        task = progress.add_task("Submitting", total=len(lines))
        advance = partial(progress.advance, task)
        if args.server:
            key = args.key or os.environ.get("ARCHIVER_API_KEY")
            if not key:
                errors.print("archiver: --server needs an API key: --key KEY or ARCHIVER_API_KEY.")
                return 2
            remote = bulk.RemoteSubmitter(args.server, key)
            try:
                rows = bulk.submit_all(remote, lines, tags, advance=advance)
                if args.wait:
                    rows = bulk.wait_all(remote, rows, timeout=args.timeout)
            finally:
                remote.close()
        else:
            with database(settings, write=True) as factory:
                local = bulk.LocalSubmitter(factory, now())
                rows = bulk.submit_all(local, lines, tags, advance=advance)
                if args.wait:
                    asyncio.run(capture_now(settings, bulk.to_capture(rows)))
                    rows = bulk.wait_all(local, rows, timeout=args.timeout)
    rows = sorted(bad + rows, key=lambda row: row.line.number)
    table = Table("#", "url", "result", "post", "status", "detail")
    table.columns[2].no_wrap = table.columns[3].no_wrap = True
    for row in rows:
        values = (row.line.url, row.result.value, row.post_id, row.status, row.detail)
        table.add_row(str(row.line.number), *(value or "" for value in values))
        if row.result is bulk.Result.FAILED:
            errors.print(f"archiver: {row.line.where}: {row.detail}")
    console.print(table)
    console.print(bulk.totals(rows))
    return 1 if bulk.failed(rows) else 0


async def capture_now(settings: Settings, post_ids: list[str]) -> None:
    """Capture these posts here and now, a few at a time (``--wait`` on the local database)."""
    from archiver.api.deps import utc_now
    from archiver.worker import Worker

    worker = Worker(settings, clock=utc_now)
    try:
        with progress_bar() as progress:
            task = progress.add_task("Capturing", total=len(post_ids))
            await bulk.capture_all(
                post_ids, worker.check_now, concurrency=settings.capture_concurrency,
                advance=partial(progress.advance, task),
            )  # fmt: skip
        if worker.stamper is not None:  # one round: the TSAs' answers, or a retry later
            await worker.stamper.stamp_due(utc_now())
        if worker.corroborator is not None:  # one round: the copies asked for (a worker polls)
            await worker.corroborator.corroborate_due(utc_now())
    finally:
        await worker.stop()
