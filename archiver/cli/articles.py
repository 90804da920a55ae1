"""``archiver article``: read an article, capture what it quotes, print the quote report."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from rich.markup import escape
from rich.progress import Progress

from archiver.cli.common import console, errors, prepare
from archiver.config import Settings
from archiver.db.session import transaction
from archiver.services.articles import ArticleView
from archiver.web.invisible import reveal_text


def cmd_article(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver article URL|FILE``: read an article, capture the posts it names, and print
    its quote report."""
    from archiver.api.deps import utc_now
    from archiver.services import articles
    from archiver.storage import open_stores
    from archiver.worker import Worker

    path = Path(args.target)
    prepare(settings)
    blobs = open_stores(settings).blobs

    async def run() -> articles.ArticleView:
        worker = Worker(settings, clock=utc_now)
        try:
            if path.is_file():
                given = articles.file_article(path.read_bytes(), path.suffix, url=args.url)
            else:
                given = await articles.fetch_article(args.target, worker.egress)
            doc = articles.read(given)
            raw = await asyncio.to_thread(blobs.put, given.body)
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


def _shown(value: object) -> str:
    """Archived text for the terminal: Rich markup in it escaped, hidden characters marked."""
    return escape(reveal_text(str(value)))


def print_report(view: ArticleView) -> None:
    """The quote report of an article, for a terminal (archived text is hostile: ``_shown``)."""
    article = view.article
    console.print(
        f"[bold]{_shown(article.title or article.url or 'Article')}[/bold]  ({article.id})"
    )
    if article.byline or article.published_at:
        when = f"{article.published_at:%Y-%m-%d}" if article.published_at else ""
        console.print(f"{_shown(article.byline or '')} {when}".strip())
    if not view.quotes:
        console.print("No quotes of posts found.")
    for number, quote in enumerate(view.quotes, 1):
        post = view.posts.get(quote.post_id or "")
        verdict = quote.fidelity.value if quote.fidelity else "not judged"
        console.print(f"\n{number}. \\[{quote.kind.value}] {verdict}: “{_shown(quote.text)}”")
        if post is not None:
            since = " — changed since" if quote.post_changed_since else ""
            console.print(
                f"   post {post.id} ({post.status.value}{since}) {_shown(post.canonical_url)}"
            )
        elif quote.unresolved_reason:
            console.print(f"   unresolved: {_shown(quote.unresolved_reason)}")
        for change in quote.changes or []:
            console.print(f"   editorial: {_shown(change.get('note') or change.get('kind'))}")
        if quote.diff and quote.diff.get("readable"):
            console.print(f"   diff: {_shown(quote.diff['readable'])}")
