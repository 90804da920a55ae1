"""The ``archiver`` command: serve, migrate, manage keys, submit posts.

Every subcommand builds settings once, from the environment, and passes them down. Expected
failures (bad configuration, bad input) print one sentence and exit 1 or 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

import archiver
from archiver.config import Settings, load_settings
from archiver.db import migrate, repository
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import ApiKeyRole
from archiver.errors import ApiError, ArchiverError
from archiver.ids import normalize_id
from archiver.services import keys, submissions
from archiver.services.articles import ArticleView

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def _now() -> datetime:
    return datetime.now(UTC)


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
    """``archiver submit URL...``: store each post for capture; report each one."""
    failed = 0
    with database(settings, write=True) as factory:
        for url in args.urls:
            try:
                with transaction(factory) as session:
                    result = submissions.submit_post(
                        session=session, url=url, tags=args.tag or (), now=_now()
                    )
                    post = result.post
                    verb = "queued" if result.created else "already archived as"
                    console.print(f"{verb} {post.id}  {post.platform.value}  {post.canonical_url}")
            except ApiError as exc:
                failed += 1
                errors.print(f"archiver: {exc.detail}")
    return 1 if failed else 0


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
    submit.add_argument("--tag", action="append", help="tag the posts (repeatable)")
    submit.set_defaults(handler=cmd_submit)

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
