"""Running Archiver: ``serve``, ``worker``, ``migrate``, ``check`` and ``demo``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from pathlib import Path

import archiver
from archiver.cli.common import console, database, errors, prepare
from archiver.config import Settings
from archiver.db import repository
from archiver.gctune import tune_for_server
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

    if args.processes < 1:
        errors.print("archiver: --processes must be at least 1.")
        return 2
    if args.processes > 1 and not args.no_worker:
        errors.print(
            "archiver: --processes above 1 serves the API only: add --no-worker and run"
            " `archiver worker` beside it."
        )
        return 2
    prepare(settings)
    role = "API only" if args.no_worker else "API and capture worker"
    if args.processes > 1:
        role += f", {args.processes} processes"
    console.print(f"Archiver {archiver.__version__} on http://{args.host}:{args.port} ({role})")
    if args.processes > 1:  # each process builds its app from the same environment
        uvicorn.run(
            "archiver.api.app:api_from_environment",
            factory=True,
            workers=args.processes,
            host=args.host,
            port=args.port,
            log_level="info",
        )
        return 0
    app = create_app(settings, worker=not args.no_worker)
    tune_for_server()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver worker``: migrate, then run the capture worker until interrupted, with its
    ``/healthz`` and ``/metrics`` on ``--host``/``--port`` (in the same event loop)."""
    import uvicorn

    from archiver.api.deps import utc_now
    from archiver.api.routes.metrics import operations_app
    from archiver.worker import Worker

    try:  # bound first: a port in use stops the command before anything else starts
        listener = _listen(args.host, args.port)
    except OSError as exc:
        errors.print(
            f"archiver: cannot listen on {args.host}:{args.port} "
            f"({exc.strerror or exc}); give this worker another --port (0 picks a free one).",
            markup=False,
        )
        return 1
    prepare(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    host, port = listener.getsockname()[:2]
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    async def run() -> None:
        worker = Worker(settings, clock=utc_now)
        tune_for_server()
        config = uvicorn.Config(
            operations_app(worker), log_config=None, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        worker.start()
        console.print(
            f"Archiver {archiver.__version__} worker running; /healthz and /metrics on "
            f"{address}; Ctrl-C stops it."
        )
        logging.getLogger("archiver.worker").info("/healthz and /metrics on %s", address)
        try:
            await server.serve(sockets=[listener])
        finally:
            await worker.stop()

    try:
        asyncio.run(run())
    finally:
        listener.close()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: a free port); raises OSError when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)  # from now on connections wait for the server, not refused
    except OSError:
        listener.close()
        raise
    return listener


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
        tune_for_server()
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
