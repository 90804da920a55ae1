"""How fast articles are read and their quotes judged (no network: articles given as HTML).

1. reading: ``read_html`` on each fixture article of the test suite (and one 1 MB article);
2. judging: one quote against a 500-character post with three versions;
3. ingesting: N articles (each quoting six archived posts inline and by embed) stored, linked
   and judged through the service layer on a fresh SQLite database.

    .venv/bin/python bench/articles.py [--articles 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from archiver.articles import read_html
from archiver.db import migrate
from archiver.db.models import Snapshot
from archiver.db.session import create_db_engine, create_session_factory, transaction
from archiver.detect.quotes import Version, judge
from archiver.domain import PostStatus
from archiver.services import articles, submissions

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "articles"
POST = (
    "The council met tonight and, after four hours of debate, voted to postpone the river "
    "clean-up budget for the third time this year. Members cited rising costs and a pending "
    "audit of the two contracts awarded last spring without competitive bids. The mayor said "
    "the delay was regrettable but necessary, and promised a decision before the end of June. "
    "Residents who packed the chamber booed the decision; several said they would return for "
    "the next meeting on May 14. Full agenda and minutes: https://example.org/council/agenda"
)


def timed(repeat: int, action: object) -> float:
    """Median milliseconds of ``repeat`` calls of ``action``."""
    assert callable(action)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def bench_reading() -> None:
    for path in sorted(FIXTURES.glob("*.html")):
        html = path.read_text(encoding="utf-8")
        ms = timed(20, lambda html=html: read_html(html))
        print(f"read_html {path.name:<32} {len(html) / 1024:7.1f} KiB {ms:8.2f} ms")
    paragraph = "<p>The committee “said nothing new,” a spokesman told reporters. Filler text.</p>"
    big = "<html><body><article>" + paragraph * (1_000_000 // len(paragraph)) + "</article>"
    ms = timed(3, lambda: read_html(big))
    print(f"read_html {'1 MB of paragraphs':<32} {len(big) / 1024:7.1f} KiB {ms:8.2f} ms")


def bench_judging() -> None:
    versions = [
        Version("a", POST.replace("third", "second"), 0),
        Version("b", POST, 1),
        Version("c", POST.replace("regrettable", "unfortunate"), 2),
    ]
    quote = "the delay was [unfortunate] but necessary... a decision before the end of June"
    ms = timed(200, lambda: judge(quote, versions))
    print(f"judge: one quote, three 500-character versions          {ms:8.2f} ms")


def article_html(urls: list[str], n: int) -> str:
    parts = [f"<html><head><title>Council story {n}</title></head><body><article>"]
    for k, url in enumerate(urls):
        parts.append(
            f"<p>Member {k} wrote on X that “the delay was regrettable but necessary,” in "
            f'<a href="{url}">a post</a>.</p>'
            f'<blockquote class="twitter-tweet"><p>{POST}</p>&mdash; Member {k} (@member{k}) '
            f'<a href="{url}">May 1, 2024</a></blockquote>'
        )
    return "".join(parts) + "</article></body></html>"


def bench_ingest(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{folder}/archive.db")
        migrate.upgrade(engine)
        writes = create_session_factory(engine, write=True)
        now = datetime.now(UTC)
        urls = [f"https://x.com/member{k}/status/{1790000000000000000 + k}" for k in range(6)]
        with transaction(writes) as session:
            for url in urls:
                post = submissions.submit_post(session=session, url=url, now=now).post
                post.status, post.first_captured_at = PostStatus.LIVE, now
                session.add(
                    Snapshot(post_id=post.id, captured_at=now, text=POST, software_version="b")
                )
        pages = [article_html(urls, n) for n in range(count)]
        start = time.perf_counter()
        for html in pages:
            given = articles.given_article(url=None, html=html, text=None)
            doc = articles.read(given)
            with transaction(writes) as session:
                articles.ingest(
                    session=session,
                    given=given,
                    doc=doc,
                    raw_sha256="0" * 64,
                    submitted_by=None,
                    now=now,
                )
        seconds = time.perf_counter() - start
        engine.dispose()
    print(
        f"ingest: {count} articles, 12 quotes each, SQLite   {seconds:7.2f} s"
        f"  {count / seconds:7.1f} articles/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores,", end=" ")
    print(f"Python {platform.python_version()}")
    bench_reading()
    bench_judging()
    bench_ingest(args.articles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
