"""``archiver demo``: the whole thing working with no internet.

Steps:
1. start the local platform emulator with a handful of realistic posts;
2. point a demo service (its own SQLite under ``data/demo``) at it through upstream overrides;
3. submit every demo post, and a demo news article (from the emulated news site) quoting two;
4. serve the API with the capture worker, and print each post's status once captured, and
   where the article's quote report is;
5. keep serving until Ctrl-C (or stop at once with ``--once``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.table import Table

from archiver.api.app import create_app
from archiver.config import Settings, load_settings
from archiver.db import repository
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.domain import PostStatus
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.emulator.demo import seed_demo_article
from archiver.services import articles, submissions
from archiver.storage import open_stores

console = Console(highlight=False, soft_wrap=True)


def demo_settings(folder: Path, overrides: dict[str, str]) -> Settings:
    """Settings of the demo service: its own database and folders, the emulator upstream."""
    return load_settings(
        database_url=f"sqlite:///{folder / 'archive.db'}",
        data_dir=folder,
        screenshots_dir=folder / "screenshots",
        upstream_overrides=overrides,
    )


def submit_all(settings: Settings, urls: list[str]) -> list[str]:
    """Submit each URL as the API would; returns the post IDs."""
    engine = create_db_engine(settings.database_url)
    try:
        with transaction(create_session_factory(engine, write=True)) as session:
            now = datetime.now(UTC)
            return [
                submissions.submit_post(session=session, url=url, tags=["demo"], now=now).post.id
                for url in urls
            ]
    finally:
        engine.dispose()


async def read_article(settings: Settings, url: str) -> str:
    """Read the demo article as ``POST /api/v1/articles`` would; returns its ID."""
    async with Egress(settings) as egress:
        given = await articles.fetch_article(url, egress)
    doc = articles.read(given)
    raw = open_stores(settings).blobs.put(given.body)
    engine = create_db_engine(settings.database_url)
    try:
        with transaction(create_session_factory(engine, write=True)) as session:
            article = articles.ingest(
                session=session,
                given=given,
                doc=doc,
                raw_sha256=raw.sha256,
                submitted_by=None,
                now=datetime.now(UTC),
            )
            return article.id
    finally:
        engine.dispose()


def report(settings: Settings, post_ids: list[str]) -> bool:
    """Print each post's state; ``True`` once none is pending any more."""
    engine = create_db_engine(settings.database_url)
    table = Table("post", "platform", "status", "archived text")
    done = True
    try:
        with create_session_factory(engine)() as session:
            for post_id in post_ids:
                post = repository.get_post(session=session, post_id=post_id)
                if post is None:
                    continue
                latest = repository.latest_snapshot(session=session, post_id=post_id)
                done = done and post.status is not PostStatus.PENDING
                text = (latest.text if latest else "").replace("\n", " ")
                table.add_row(
                    post.id,
                    post.platform.value,
                    post.status.value,
                    text[:60] + ("…" if len(text) > 60 else ""),
                )
    finally:
        engine.dispose()
    if done:
        console.print(table)
    return done


async def _watch(
    settings: Settings,
    post_ids: list[str],
    article_id: str,
    base: str,
    server: uvicorn.Server,
    once: bool,
) -> None:
    while not server.started:
        await asyncio.sleep(0.1)
    for _ in range(600):
        if await asyncio.to_thread(report, settings, post_ids):
            break
        await asyncio.sleep(0.5)
    console.print(f"\nAPI docs: {base}/docs   demo posts: {base}/api/v1/posts?tag=demo")
    console.print(f"Quote report of the demo article: {base}/api/v1/articles/{article_id}")
    if once:
        server.should_exit = True
    else:
        console.print("Serving until Ctrl-C.")


def run_demo(
    *, host: str, port: int, folder: Path, once: bool, prepare: Callable[[Settings], None]
) -> int:
    """Run the demo (``prepare`` migrates the database, as the CLI does for every command)."""
    with EmulatorServer() as emulator:
        seeded = emulator.world.seed_demo()
        settings = demo_settings(folder, emulator.override_map)
        prepare(settings)
        post_ids = submit_all(settings, [info.url for info in seeded.values()])
        article_id = asyncio.run(read_article(settings, seed_demo_article(emulator.world, seeded)))
        console.print(
            f"Platform emulator up; {len(post_ids)} demo posts and a news article submitted."
        )
        config = uvicorn.Config(
            create_app(settings, worker=True, poll_seconds=0.5),
            host=host,
            port=port,
            log_level="warning",
        )
        server = uvicorn.Server(config)

        async def main() -> None:
            watcher = asyncio.create_task(
                _watch(settings, post_ids, article_id, f"http://{host}:{port}", server, once)
            )
            await server.serve()
            watcher.cancel()

        asyncio.run(main())
    return 0
