"""The ``archiver`` command: serve, migrate, manage keys, submit posts.

Every subcommand builds settings once, from the environment, and passes them down. Expected
failures (bad configuration, bad input) print one sentence and exit 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

import archiver
from archiver.config import Settings, load_settings
from archiver.db import migrate, repository
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import ApiKeyRole
from archiver.errors import ArchiverError
from archiver.ids import normalize_id
from archiver.services import bulk, keys
from archiver.services.articles import ArticleView

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(UTC)


def progress_bar(*, hide: bool = False) -> Progress:
    """A progress bar on stderr, shown only on a terminal and gone once done."""
    return Progress(console=errors, transient=True, disable=hide or not errors.is_terminal)


def prepare(settings: Settings) -> None:
    """Create the data folders and bring the database schema up to date."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.screenshots_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if before != after:
        errors.print(f"Database migrated from {before or 'empty'} to {after}.")


@contextmanager
def database(settings: Settings, *, write: bool) -> Iterator[sessionmaker[Session]]:
    """Migrate, then give a session factory on the configured database; dispose after."""
    prepare(settings)
    engine = create_db_engine(settings.database_url)
    try:
        yield create_session_factory(engine, write=write)
    finally:
        engine.dispose()


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


def cmd_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver keys create NAME [--role]``: print the new key once."""
    with database(settings, write=True) as factory, transaction(factory) as session:
        new = keys.create_key(
            session=session, name=args.name, role=ApiKeyRole(args.role), now=_now()
        )
        key_id = new.record.id
    errors.print(f"Created {args.role} key {key_id} ({args.name}). It is shown only this once:")
    print(new.secret)
    return 0


def cmd_keys_list(settings: Settings, _args: argparse.Namespace) -> int:
    """``archiver keys list``: every key, without secrets."""
    with database(settings, write=False) as factory, transaction(factory) as session:
        rows = keys.list_keys(session=session)
        table = Table("id", "name", "role", "starts", "created", "last used", "revoked")
        for row in rows:
            table.add_row(
                row.id,
                row.name,
                row.role.value,
                row.prefix + "…",
                f"{row.created_at:%Y-%m-%d %H:%M}",
                f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "",
                f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
            )
    console.print(
        table if rows else "No API keys yet: create one with `archiver keys create NAME`."
    )
    return 0


def cmd_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver keys revoke ID``."""
    with database(settings, write=True) as factory, transaction(factory) as session:
        done = keys.revoke_key(session=session, key_id=args.key_id, now=_now())
    if not done:
        errors.print(f"archiver: there is no active key {args.key_id}.")
        return 1
    console.print(f"Revoked key {args.key_id}.")
    return 0


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
                local = bulk.LocalSubmitter(factory, _now())
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
    finally:
        await worker.stop()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver export --format F (--post ID | --tag T | --all) -o PATH``."""
    from archiver.api.routes.exports import api_shapes
    from archiver.services import export
    from archiver.services.export_wacz import write_wacz
    from archiver.storage import LocalBlobStore

    if [bool(args.post), args.tag is not None, args.all].count(True) != 1:
        errors.print("archiver: choose what to export: --post ID (repeatable), --tag T or --all.")
        return 2
    selection = export.Selection(tuple(args.post or ()), args.tag, args.all)
    target = Path(args.output)
    with database(settings, write=False) as factory, factory() as session:
        post_ids = export.resolve(session=session, selection=selection)
        with progress_bar() as progress:
            task = progress.add_task(f"Exporting {len(post_ids)} post(s)", total=len(post_ids))
            options: dict[str, Any] = {
                "shapes": api_shapes(args.base_url.rstrip("/")),
                "selection": selection,
                "now": _now(),
                "advance": partial(progress.advance, task),
            }
            if args.format == "wacz":
                options |= {
                    "blobs": LocalBlobStore(settings.data_dir / "blobs"),
                    "screenshots": LocalBlobStore(settings.screenshots_dir),
                    "title": selection.title(),
                }
            items = export.bundles(session=session, post_ids=post_ids)
            count = export.write_file(
                target,
                partial(write_wacz, items=items, **options)
                if args.format == "wacz"
                else partial(export.write_text, args.format, items=items, **options),
            )
    size = target.stat().st_size
    console.print(f"Exported {count} post(s) to {target} ({args.format}, {size:,} bytes).")
    return 0


def cmd_verify(settings: Settings, _args: argparse.Namespace) -> int:
    """``archiver verify``: recompute every stored artifact's SHA-256; exit 1 on any fault."""
    from archiver.services import fixity
    from archiver.storage import LocalBlobStore

    with database(settings, write=False) as factory, factory() as session:
        refs = fixity.references(session=session)
    stores = {
        fixity.BLOBS: LocalBlobStore(settings.data_dir / "blobs"),
        fixity.SCREENSHOTS: LocalBlobStore(settings.screenshots_dir),
    }
    with progress_bar() as progress:
        task = progress.add_task("Verifying stored artifacts", total=len(refs))
        report = fixity.audit(refs, stores, advance=lambda: progress.advance(task))
    console.print(
        f"Checked {report.checked} artifacts ({report.bytes:,} bytes): {report.intact} intact, "
        f"{len(report.missing)} missing, {len(report.mismatched)} mismatched."
    )
    if report.ok:
        return 0
    for problem in report.problems:
        console.print(f"{problem.fault.value.upper()} {problem.store}/{problem.sha256}")
        for referrer in problem.referrers:
            console.print(f"  named by {referrer}")
    errors.print(f"archiver: {len(report.problems)} stored artifact(s) failed the audit.")
    return 1


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


def cmd_article(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver article URL|FILE``: read an article, capture the posts it names, and print
    its quote report."""
    from archiver.api.deps import utc_now
    from archiver.services import articles
    from archiver.storage import LocalBlobStore
    from archiver.worker import Worker

    path = Path(args.target)
    prepare(settings)

    async def run() -> articles.ArticleView:
        worker = Worker(settings, clock=utc_now)
        try:
            if path.is_file():
                given = articles.file_article(path.read_bytes(), path.suffix, url=args.url)
            else:
                given = await articles.fetch_article(args.target, worker.egress)
            doc = articles.read(given)
            raw = await asyncio.to_thread(
                LocalBlobStore(settings.data_dir / "blobs").put, given.body
            )
            with transaction(worker.sessions) as session:
                article = articles.ingest(
                    session=session, given=given, doc=doc, raw_sha256=raw.sha256,
                    submitted_by=None, now=utc_now(),
                )  # fmt: skip
                article_id = article.id
                waiting = articles.uncaptured(
                    articles.get_view(session=session, article_id=article_id)
                )
            if waiting and not args.no_capture:
                with Progress(console=errors, transient=True) as progress:
                    task = progress.add_task("Capturing the posts it names", total=len(waiting))
                    for post_id in waiting:
                        await worker.check_now(post_id)
                        progress.advance(task)
            with worker.readers() as session:
                return articles.get_view(session=session, article_id=article_id)
        finally:
            await worker.stop()

    view = asyncio.run(run())
    print_report(view)
    return 0


def print_report(view: ArticleView) -> None:
    """The quote report of an article, for a terminal."""
    article = view.article
    console.print(f"[bold]{article.title or article.url or 'Article'}[/bold]  ({article.id})")
    if article.byline or article.published_at:
        when = f"{article.published_at:%Y-%m-%d}" if article.published_at else ""
        console.print(f"{article.byline or ''} {when}".strip())
    if not view.quotes:
        console.print("No quotes of posts found.")
    for number, quote in enumerate(view.quotes, 1):
        post = view.posts.get(quote.post_id or "")
        verdict = quote.fidelity.value if quote.fidelity else "not judged"
        console.print(f"\n{number}. [{quote.kind.value}] {verdict}: “{quote.text}”")
        if post is not None:
            since = " — changed since" if quote.post_changed_since else ""
            console.print(f"   post {post.id} ({post.status.value}{since}) {post.canonical_url}")
        elif quote.unresolved_reason:
            console.print(f"   unresolved: {quote.unresolved_reason}")
        for change in quote.changes or []:
            console.print(f"   editorial: {change.get('note') or change.get('kind')}")
        if quote.diff and quote.diff.get("readable"):
            console.print(f"   diff: {quote.diff['readable']}")


def cmd_demo(_settings: Settings, args: argparse.Namespace) -> int:
    """``archiver demo``: emulator + service + demo posts, no internet needed."""
    from archiver.demo import run_demo

    return run_demo(
        host=args.host, port=args.port, folder=Path(args.folder), once=args.once, prepare=prepare
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="archiver", description=archiver.__doc__)
    parser.add_argument("--version", action="version", version=f"archiver {archiver.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API and web pages")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--no-worker", action="store_true", help="serve the API only; run `archiver worker` apart"
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("worker", help="run the capture worker only").set_defaults(
        handler=cmd_worker
    )

    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=cmd_migrate
    )

    key_parser = commands.add_parser("keys", help="manage API keys")
    key_commands = key_parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = key_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("name", help="who or what the key is for")
    create.add_argument(
        "--role", choices=[role.value for role in ApiKeyRole], default=ApiKeyRole.SUBMITTER.value
    )
    create.set_defaults(handler=cmd_keys_create)
    key_commands.add_parser("list", help="list keys").set_defaults(handler=cmd_keys_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", help="the key's ID, from `archiver keys list`")
    revoke.set_defaults(handler=cmd_keys_revoke)

    demo = commands.add_parser("demo", help="capture demo posts from a local platform emulator")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--folder", default="data/demo", help="the demo's own database and files")
    demo.add_argument("--once", action="store_true", help="stop once every post is captured")
    demo.set_defaults(handler=cmd_demo)

    check = commands.add_parser("check", help="re-check one post now")
    check.add_argument("post_id", metavar="POST_ID")
    check.set_defaults(handler=cmd_check)

    submit = commands.add_parser("submit", help="submit post URLs for capture")
    submit.add_argument("urls", nargs="+", metavar="URL")
    add_submit_options(submit)
    submit.set_defaults(handler=cmd_submit)

    bulk_import = commands.add_parser(
        "import", help="submit every URL of a text file (one a line) or a CSV with a url column"
    )
    bulk_import.add_argument("file", metavar="FILE")
    add_submit_options(bulk_import)
    bulk_import.set_defaults(handler=cmd_import)

    exporting = commands.add_parser("export", help="export posts as WACZ, JSON or CSV")
    exporting.add_argument("--format", required=True, choices=["wacz", "json", "csv"])
    exporting.add_argument("--post", action="append", metavar="ID", help="a post (repeatable)")
    exporting.add_argument("--tag", metavar="T", help="every post with this tag")
    exporting.add_argument("--all", action="store_true", help="every post")
    exporting.add_argument("-o", "--output", required=True, metavar="PATH")
    exporting.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the service's public address, for the citation links (http://127.0.0.1:8000)",
    )
    exporting.set_defaults(handler=cmd_export)

    commands.add_parser(
        "verify", help="recompute every stored artifact's SHA-256; exit 1 on any fault"
    ).set_defaults(handler=cmd_verify)

    article = commands.add_parser(
        "article", help="read an article for the posts it quotes and print its quote report"
    )
    article.add_argument("target", metavar="URL|FILE", help="the article's URL, or a saved file")
    article.add_argument("--url", help="the address of an article given as a file")
    article.add_argument(
        "--no-capture", action="store_true", help="do not capture the posts it names now"
    )
    article.set_defaults(handler=cmd_article)
    return parser


def add_submit_options(parser: argparse.ArgumentParser) -> None:
    """The options ``submit`` and ``import`` share."""
    parser.add_argument("--tag", action="append", help="tag the posts (repeatable)")
    parser.add_argument("--wait", action="store_true", help="wait until each post is captured")
    parser.add_argument(
        "--timeout", type=float, default=120, help="seconds --wait waits at most (120)"
    )
    parser.add_argument("--server", metavar="URL", help="submit to this running Archiver")
    parser.add_argument("--key", help="its API key (default: $ARCHIVER_API_KEY)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``archiver`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        code: int = args.handler(settings, args)
    except ArchiverError as exc:
        errors.print(f"archiver: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    return code
