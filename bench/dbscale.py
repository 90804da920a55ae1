"""The database at N posts (default 1,000,000): its queries timed, with their plans.

Due-check picking, reading a post, lists, search, Memento, events and pages, timed through the
real code paths.

A fresh database is made by the real migrations and filled by ``bench/dbscale_load.py``
(posts over X, Mastodon and Bluesky, mostly live, tags on a share, 1-3 snapshots and ~5 checks
each, events; ~0.7 % of posts due now). Then each query runs ``--repeat`` times: picking due
checks through ``repository.claim_due_posts`` in a transaction rolled back afterwards (the data
stays as loaded), everything else through the real ASGI app. Every SQL statement a query sends
is explained; full table scans and whole-result sorts are flagged. SPEC §8 targets: picking
due checks <= 10 ms, ``GET /api/v1/posts/{id}`` <= 20 ms, on SQLite and PostgreSQL.

    .venv/bin/python bench/dbscale.py [--posts 1000000] [--database sqlite|postgres|both]
        [--pg-url postgresql://...] [--keep] [--repeat 50]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dbscale_load as load

from archiver.api.app import create_app
from archiver.config import load_settings
from archiver.db import migrate, repository
from archiver.db.base import Base
from archiver.db.models import Post
from archiver.db.session import create_db_engine, create_session_factory, sqlite_path
from archiver.services.pagination import encode_cursor

PG_URL = "postgresql://archiver:archiver@127.0.0.1:5432/archiver_bench"
#: Posts claimed per pick: the worker's default (``ARCHIVER_CHECK_CONCURRENCY``).
CLAIM = 32
LEASE = timedelta(minutes=5)
#: A query stops repeating after this many seconds (at least 5 runs).
BUDGET = 15.0


@dataclass(slots=True)
class Figure:
    """One query's timings (ms) and what its plans showed."""

    name: str
    samples: list[float]
    target: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


class Recorder:
    """Keeps the SQL statements (with their parameters) engines send while it is on."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] | None = None

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if self.statements is not None and statement.lstrip().upper().startswith(
            ("SELECT", "UPDATE", "WITH")
        ):
            self.statements.append((statement, params))

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, Any]]]:
        self.statements = []
        try:
            yield self.statements
        finally:
            self.statements = None


def explain(connection: Connection, statement: str, params: Any) -> list[str]:
    """The plan of one statement, a line per step."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return [str(row[3]) for row in rows]
    return [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params).all()]


#: What a plan line says about an access: a full table scan, a sort of a whole result, an index.
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)(?: USING ROWID SEARCH)?$")
_PG_SCAN = re.compile(r"Seq Scan on (\w+)")
_PG_SORT = re.compile(r"->  Sort .*rows=(\d+)")
_TABLE = re.compile(r"(?:SEARCH|SCAN|Scan on|Scan using \w+ on|Scan Backward using \w+ on) (\w+)")
_INDEX = re.compile(r"(?:USING (?:COVERING )?INDEX|using|Index Scan on) (\w+)")


def plan_notes(plans: list[list[str]]) -> list[str]:
    """Flags for the figures table: ``SCAN table`` (a full scan of one of our tables),
    ``SORT table`` (a sort of a whole result read from that table: SQLite's temporary B-tree
    for an ORDER BY, a PostgreSQL sort of more than 1,000 rows estimated), and the ``ix_``
    indexes used."""
    notes: list[str] = []
    for plan in plans:
        tables = [t for line in plan for t in _TABLE.findall(line) if t in Base.metadata.tables]
        for line in plan:
            scan = _SQLITE_SCAN.search(line.strip()) or _PG_SCAN.search(line)
            if scan and scan.group(1) in Base.metadata.tables:
                notes.append(f"SCAN {scan.group(1)}")
            sort = _PG_SORT.search(line)
            if "USE TEMP B-TREE FOR ORDER BY" in line or (sort and int(sort.group(1)) > 1000):
                notes.append(f"SORT {tables[0] if tables else '?'}")
            notes += [f"ix:{name}" for name in _INDEX.findall(line) if name.startswith("ix_")]
    return list(dict.fromkeys(notes))


def timed(name: str, action: Callable[[int], object], target: float | None, repeat: int) -> Figure:
    """Run ``action(i)`` up to ``repeat`` times (within the budget); milliseconds each."""
    action(0)  # warm: the first call compiles statements and reads pages in
    samples: list[float] = []
    started = time.perf_counter()
    for i in range(repeat):
        if i >= 5 and time.perf_counter() - started > BUDGET:
            break
        begin = time.perf_counter()
        action(i + 1)
        samples.append((time.perf_counter() - begin) * 1000)
    return Figure(name, samples, target)


def prepare(url: str, posts: int, keep: bool) -> tuple[Engine, datetime]:
    """A database holding ``posts`` posts: the kept one when ``--keep`` finds it, else fresh."""
    engine = create_db_engine(url)
    found = load.loaded(engine) if keep and _has_tables(engine) else None
    if found is not None and found[0] == posts:
        before = migrate.current_revision(engine)
        started = time.perf_counter()
        migrate.upgrade(engine)
        if migrate.current_revision(engine) != before:
            print(f"  kept database migrated {before} -> head in", end=" ")
            print(f"{time.perf_counter() - started:.1f} s")
        print(f"  kept database: {posts:,} posts loaded at {found[1]:%Y-%m-%d %H:%M} UTC")
        return engine, found[1]
    engine.dispose()
    engine = load.fresh(url)
    anchor = datetime.now(UTC).replace(microsecond=0)
    loaded = load.load(engine, posts, anchor=anchor)
    engine.dispose()
    rows = ", ".join(f"{table} {count:,}" for table, count in loaded.counts.items())
    print(f"  loaded in {loaded.seconds:.0f} s ({posts / loaded.seconds:,.0f} posts/s): {rows}")
    return create_db_engine(url), anchor


def _has_tables(engine: Engine) -> bool:
    return migrate.current_revision(engine) is not None


def size(engine: Engine) -> str:
    """The database's size on disk."""
    if engine.dialect.name == "sqlite":
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        assert path is not None
        files = [path, Path(f"{path}-wal")]
        total = sum(f.stat().st_size for f in files if f.exists())
    else:
        with engine.connect() as connection:
            total = connection.scalar(text("SELECT pg_database_size(current_database())")) or 0
    return f"{total / 2**30:.2f} GiB"


def claim(engine: Engine, anchor: datetime, *, with_batch: bool = False) -> list[str]:
    """One due pick as the worker makes it (a write transaction), rolled back afterwards."""
    session = create_session_factory(engine, write=True)()
    try:
        ids = repository.claim_due_posts(
            session=session, now=anchor, lease_until=anchor + LEASE, limit=CLAIM
        )
        if with_batch:
            repository.posts_to_observe(session=session, post_ids=ids)
        return ids
    finally:
        session.rollback()
        session.close()


def due_pick_plan(engine: Engine, anchor: datetime, recorder: Recorder) -> list[str]:
    """The plan of the due pick's SELECT."""
    with recorder.recording() as statements:
        claim(engine, anchor)
    with engine.connect() as connection:
        return explain(connection, *statements[0])


def queries(
    client: TestClient, engine: Engine, anchor: datetime, picks: list[tuple[str, str, str]]
) -> list[tuple[str, float | None, Callable[[int], object]]]:
    """Every query of the bench: name, target (ms), and how to run its i-th repetition."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Post.id, Post.submitted_at, Post.author_handle).where(
                Post.id.in_([p for p, _, _ in picks])
            )
        ).all()
    at = {row.id: row.submitted_at for row in rows}
    authors = [row.author_handle for row in rows if row.author_handle]

    def read(action: Callable[[Session], object]) -> object:
        with create_session_factory(engine)() as session:
            return action(session)

    def pick(i: int) -> tuple[str, str, str]:
        return picks[i % len(picks)]

    def get(path: str | Callable[[int], str], status: int = 200, **headers: str) -> Any:
        def run(i: int) -> None:
            where = path(i) if callable(path) else path
            answer = client.get(where, headers=headers, follow_redirects=False)
            assert answer.status_code == status, (where, answer.status_code, answer.text[:200])

        return run

    def posts(**params: str) -> Any:
        return get("/api/v1/posts?" + urlencode(params))

    since = (anchor - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    when = "Tue, 01 Jan 2030 00:00:00 GMT"
    return [
        (f"due pick (claim_due_posts, {CLAIM})", 10.0, lambda i: claim(engine, anchor)),
        ("worker claim (+ posts, newest snapshots)", None,
         lambda i: claim(engine, anchor, with_batch=True)),
        ("queue depth (repository.queue_depth)", None,
         lambda i: read(lambda s: repository.queue_depth(session=s, now=anchor))),
        ("posts by status (repository.posts_by_status)", None,
         lambda i: read(lambda s: repository.posts_by_status(session=s))),
        ("GET /api/v1/posts/{id}", 20.0, get(lambda i: f"/api/v1/posts/{pick(i)[0]}")),
        ("GET /api/v1/posts (first page, 50)", None, posts()),
        ("  ?cursor= (a page anywhere)", None,
         get(lambda i: "/api/v1/posts?cursor=" + encode_cursor(at[pick(i)[0]], pick(i)[0]))),
        ("  ?status=live", None, posts(status="live")),
        ("  ?status=deleted", None, posts(status="deleted")),
        ("  ?platform=bluesky", None, posts(platform="bluesky")),
        (f"  ?tag={load.COMMON_TAG} (5 %)", None, posts(tag=load.COMMON_TAG)),
        (f"  ?tag={load.TOPIC_TAG} (0.05 %)", None, posts(tag=load.TOPIC_TAG)),
        (f"  ?tag={load.RARE_TAG} (0.005 %)", None, posts(tag=load.RARE_TAG)),
        ("  ?author=", None,
         get(lambda i: "/api/v1/posts?author=" + authors[i % len(authors)])),
        (f"  ?status=deleted&platform=x&tag={load.COMMON_TAG}", None,
         posts(status="deleted", platform="x", tag=load.COMMON_TAG)),
        (f"  ?q={load.COMMON_WORD} (a third of texts)", None, posts(q=load.COMMON_WORD)),
        (f"  ?q={load.RARE_WORD} (1 in 100,000)", None, posts(q=load.RARE_WORD)),
        ("GET /api/v1/posts/{id}/checks", None,
         get(lambda i: f"/api/v1/posts/{pick(i)[0]}/checks")),
        ("GET /api/v1/posts/{id}/snapshots", None,
         get(lambda i: f"/api/v1/posts/{pick(i)[0]}/snapshots")),
        ("GET /api/v1/posts/{id}/events", None,
         get(lambda i: f"/api/v1/posts/{pick(i)[0]}/events")),
        ("GET /api/v1/snapshots/{id}", None, get(lambda i: f"/api/v1/snapshots/{pick(i)[2]}")),
        ("GET /s/{id} (snapshot page)", None, get(lambda i: f"/s/{pick(i)[2]}")),
        ("GET /p/{id} (post page)", None, get(lambda i: f"/p/{pick(i)[0]}")),
        ("GET /timemap/link/{url}", None, get(lambda i: f"/timemap/link/{pick(i)[1]}")),
        ("GET /timegate/{url}", None,
         get(lambda i: f"/timegate/{pick(i)[1]}", 302, **{"Accept-Datetime": when})),
        ("GET /api/v1/events", None, get("/api/v1/events")),
        ("  ?kind=deleted", None, get("/api/v1/events?kind=deleted")),
        ("  ?since= (a day ago)", None, get("/api/v1/events?since=" + since)),
        ("GET /events (page)", None, get("/events")),
        ("GET /healthz (anomaly windows)", None, get("/healthz")),
        ("GET /metrics", None, get("/metrics")),
    ]  # fmt: skip


def bench(url: str, posts: int, keep: bool, repeat: int, folder: Path) -> list[Figure]:
    """Load (or reuse) one database, then time and explain every query."""
    engine, anchor = prepare(url, posts, keep)
    print(f"  size on disk: {size(engine)}")
    recorder = Recorder()
    recorder.attach(engine)
    print("  due pick plan:")
    for line in due_pick_plan(engine, anchor, recorder):
        print(f"    {line}")
    settings = load_settings(
        database_url=url, data_dir=folder / "data", screenshots_dir=folder / "screenshots"
    )
    figures = []
    app = create_app(settings, clock=lambda: anchor)
    recorder.attach(app.state.engine)
    picks = load.sample(engine, 200)
    with TestClient(app) as client:
        for name, target, action in queries(client, engine, anchor, picks):
            with recorder.recording() as statements:
                action(0)
            with engine.connect() as connection:
                plans = [explain(connection, s, p) for s, p in dict(statements).items()]
            figure = timed(name, action, target, repeat)
            figure.notes = plan_notes(plans)
            figures.append(figure)
            print(f"  {name:<48} {figure.median:9.2f} ms", flush=True)
    engine.dispose()
    return figures


def report(backend: str, figures: list[Figure]) -> None:
    """The figures as a Markdown table."""
    print(f"\n{backend}\n")
    print("| query | median ms | p99 ms | runs | target | met? | plan |")
    print("| --- | ---: | ---: | ---: | --- | --- | --- |")
    for f in figures:
        target = f"<= {f.target:g} ms" if f.target else "-"
        met = ("yes" if f.p99 <= f.target else "NO") if f.target else "-"
        plan = " ".join(f.notes) or "-"
        print(
            f"| {f.name.strip()} | {f.median:.2f} | {f.p99:.2f} | {len(f.samples)} "
            f"| {target} | {met} | {plan} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument(
        "--database", choices=["sqlite", "postgres", "both"], default="both", help="default both"
    )
    parser.add_argument("--pg-url", default=PG_URL, help=f"a database to empty (default {PG_URL})")
    parser.add_argument(
        "--sqlite-path",
        type=Path,
        default=Path(tempfile.gettempdir()) / "archiver-dbscale",
        help="folder of the SQLite file (dbscale-N.db)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse a database already loaded with --posts posts (migrated to head first), "
        "and keep it afterwards; without it the database is loaded afresh and emptied after",
    )
    parser.add_argument("--repeat", type=int, default=50, help="runs per query (default 50)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores,", end=" ")
    print(f"Python {platform.python_version()}; {args.posts:,} posts")
    targets = []
    if args.database in ("sqlite", "both"):
        targets.append(("SQLite", f"sqlite:///{args.sqlite_path}/dbscale-{args.posts}.db"))
    if args.database in ("postgres", "both"):
        targets.append(("PostgreSQL", args.pg_url))
    with tempfile.TemporaryDirectory() as folder:
        for backend, url in targets:
            print(f"{backend}:")
            figures = bench(url, args.posts, args.keep, args.repeat, Path(folder))
            report(backend, figures)
            if not args.keep:
                load.empty(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
