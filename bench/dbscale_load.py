"""The loader of ``bench/dbscale.py``: a database made by the real migrations, filled with N
posts shaped like an archive's (see ``Shape``), fast.

Rows are written below the ORM but into the real schema, nothing of it switched off: on SQLite
by ``executemany`` on the driver's connection in large transactions (every index kept and the
FTS triggers of migration 0006 run for every snapshot), on PostgreSQL by ``COPY`` (every index
kept, the GIN index too). Values are written the way the models write them (UTC timestamps; on
SQLite in SQLAlchemy's text format), so the app reads them back as its own.
"""

from __future__ import annotations

import base64
import itertools
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from archiver.db import migrate
from archiver.db.base import Base
from archiver.db.models import ApiKey, Post
from archiver.db.session import create_db_engine, sqlite_path
from archiver.ids import new_id

#: The columns written, per table, in the order the rows below carry them.
COLUMNS = {
    "posts": "id url canonical_url platform platform_post_id post_key host author_id "
    "author_handle author_name posted_at status suspected_status submitted_at first_captured_at "
    "last_checked_at next_check_at recheck lease_until failure_count",
    "post_tags": "post_id tag",
    "snapshots": "id post_id captured_at text lang author_id author_handle author_name posted_at "
    "media metrics edit_history_ids raw_sha256 raw_content_type warc_sha256 screenshot_sha256 "
    "screenshot_width screenshot_height screenshot_source browser_version screenshot_taken_at "
    "software_version version_id raw_url extra",
    "checks": "id post_id checked_at outcome reason error retry_after http_status elapsed_ms "
    "evidence warc_sha256 snapshot_id",
    "events": "id post_id kind before_snapshot_id after_snapshot_id first_observed_at "
    "confirmed_at diff",
}
TABLES = list(COLUMNS)
#: The API key row that marks a finished load: its prefix holds N, its creation the anchor.
MARKER = "dbscale-load"
PLATFORMS = ("x", "mastodon", "bluesky")
GONE = ("deleted", "suspended", "protected", "withheld", "unavailable")
#: Search words the bench asks for: one in about a third of the texts, one in ~1 in 100,000.
COMMON_WORD = "talo"
RARE_WORD = "quetzal"
#: Tags: one on ~5 % of posts, 500 topics on ~0.04 % each, one on ~1 in 20,000.
COMMON_TAG, TOPIC_TAG, RARE_TAG = "election", "topic-7", "watchlist"
_CROCKFORD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the archive looks like (shares of posts unless said otherwise)."""

    pending: float = 0.003  # the newest posts, not captured yet (due at once)
    due: float = 0.004  # captured posts whose next check is already due
    gone: float = 0.05  # deleted, suspended, protected, withheld or unavailable
    no_recheck: float = 0.01  # ``recheck = 'off'``: never due again
    leased: float = 0.05  # of the due posts: held by a worker right now
    tagged: float = 0.25
    authors: int = 50_000
    days: int = 730  # submissions spread over this many days before the anchor


@dataclass(slots=True)
class Loaded:
    """What a load wrote and how long it took."""

    anchor: datetime
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    seconds: float = 0.0


class Ids:
    """Archiver-style IDs (12 Crockford base32 characters), drawn in bulk from ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.pool, self.at = rng, "", 0

    def __call__(self) -> str:
        if self.at + 12 > len(self.pool):
            raw = base64.b32encode(self.rng.randbytes(15 * 4096)).translate(_CROCKFORD)
            self.pool, self.at = raw.decode(), 0
        self.at += 12
        return self.pool[self.at - 12 : self.at]


def vocabulary(size: int = 3000) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf weights (cumulative), the common search word among the first."""
    rng = random.Random(7)
    syllables = [c + v for c in "bdgklmnprstvz" for v in "aeiou"]
    words: dict[str, None] = {}
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if not word.startswith((COMMON_WORD, RARE_WORD[:4])):
            words[word] = None
    ranked = list(words)
    ranked.insert(8, COMMON_WORD)
    cumulative, total = [], 0.0
    for rank in range(1, len(ranked) + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return ranked, cumulative


def generate(
    n: int, anchor: datetime, seed: int, shape: Shape, stamp: Callable[[datetime], Any]
) -> Iterator[dict[str, list[Any]]]:
    """Rows for ``n`` posts, a few thousand posts' rows at a time (parents before children).

    Datetimes go through ``stamp`` (the writer's form of an aware UTC datetime); JSON columns
    come serialised.
    """
    rng = random.Random(seed)
    new_id = Ids(rng)
    words, cumulative = vocabulary()
    start = anchor - timedelta(days=shape.days)
    step = shape.days * 86400 / max(n, 1)
    first_pending = n - int(n * shape.pending)
    batch: dict[str, list[Any]] = {table: [] for table in TABLES}
    serial = 0
    for i in range(n):
        platform = PLATFORMS[i % 3]
        post_id, number = new_id(), 10**15 + i
        author = int(shape.authors * rng.random() ** 2)  # a few prolific authors
        handle, name, host = f"user{author}", f"User {author}", None
        if platform == "x":
            url, key = f"https://x.com/{handle}/status/{number}", str(number)
        elif platform == "mastodon":
            host = f"social{author % 40}.example"
            url, key = f"https://{host}/@{handle}/{number}", f"{host}/{number}"
        else:
            handle += ".bsky.social"
            url, key = f"https://bsky.app/profile/{handle}/post/{number}", f"{handle}/{number}"
        submitted = start + timedelta(seconds=(i + rng.random()) * step)
        posted = stamp(submitted - timedelta(hours=rng.random() * 48))
        for tag in _tags(rng, shape):
            batch["post_tags"].append((post_id, tag))
        if i >= first_pending:
            batch["posts"].append((
                post_id, url, url, platform, str(number), key, host, None, handle, None, None,
                "pending", None, stamp(submitted), None, None, stamp(submitted), None, None, 0,
            ))  # fmt: skip
            continue
        captured = submitted + timedelta(seconds=2 + rng.random() * 5)
        roll = rng.random()
        status = GONE[int(roll / shape.gone * len(GONE))] if roll < shape.gone else "live"
        last_checked = max(captured, anchor - timedelta(hours=rng.random() * 72))
        lease, recheck, suspected, next_check = None, None, None, None
        if rng.random() < shape.no_recheck:
            recheck = "off"
        elif rng.random() < shape.due:
            next_check = anchor - timedelta(seconds=rng.random() * 7200)
            if rng.random() < shape.leased:
                lease = stamp(anchor + timedelta(seconds=60 + rng.random() * 240))
            elif rng.random() < 0.2:
                suspected = "deleted"
        else:
            next_check = anchor + timedelta(seconds=60 + rng.random() * 7 * 86400)
        batch["posts"].append((
            post_id, url, url, platform, str(number), key, host, str(author), handle, name,
            posted, status, suspected, stamp(submitted), stamp(captured), stamp(last_checked),
            next_check and stamp(next_check), recheck, lease, 0,
        ))  # fmt: skip
        checks = rng.randint(3, 7)
        gone_from = checks if status == "live" else checks - 2
        span = (last_checked - captured) / (checks - 1)
        times = [captured + span * c for c in range(checks)]
        edits = min(gone_from - 1, (rng.random() < 0.3) + (rng.random() < 0.1))
        shots = {0: new_id(), **{c: new_id() for c in rng.sample(range(1, gone_from), edits)}}
        for c, snapshot_id in sorted(shots.items()):
            at = stamp(times[c])
            body = rng.choices(words, cum_weights=cumulative, k=rng.randint(20, 40))
            serial += 1
            if serial % 100_000 == 50_000:
                body[len(body) // 2] = RARE_WORD
            hashes = rng.randbytes(96).hex()
            batch["snapshots"].append((
                snapshot_id, post_id, at, " ".join(body), "en", str(author), handle, name,
                posted, "[]", f'{{"likes": {rng.randrange(5000)}, "reposts": {c}}}', "[]",
                hashes[:64], "application/json", hashes[64:128], hashes[128:], 550, 300 + c,
                "platform", "Chromium 156.0", at, "0.9.0", str(number),
                f"https://api.{platform}.example/{number}", "{}",
            ))  # fmt: skip
        for c, at in enumerate(times):
            roll = rng.random()
            http: int | None = 200
            outcome, reason, error = "unchanged", None, None
            if c in shots:
                outcome = "changed"
            elif c >= gone_from:
                outcome, reason, http = "gone", status, 404
            elif roll < 0.02:
                outcome, error, http = "error", "timeout after 20s", None
            elif roll < 0.03:
                outcome, http = "rate_limited", 429
            batch["checks"].append((
                new_id(), post_id, stamp(at), outcome, reason, error,
                stamp(at + timedelta(minutes=15)) if outcome == "rate_limited" else None, http,
                rng.randint(40, 900), "404 from the API" if reason else None,
                rng.randbytes(32).hex() if roll < 0.5 else None, shots.get(c),
            ))  # fmt: skip
        ordered = sorted(shots.items())
        for (_, before), (c, after) in itertools.pairwise(ordered):
            batch["events"].append((
                new_id(), post_id, "edited", before, after, stamp(times[c]), stamp(times[c]),
                '{"reasons": ["text"], "readable": "edited"}',
            ))  # fmt: skip
        if status != "live":
            batch["events"].append((
                new_id(), post_id, status, ordered[-1][1], None, stamp(times[gone_from]),
                stamp(last_checked), None,
            ))  # fmt: skip
        if len(batch["posts"]) >= 5000:
            yield batch
            batch = {table: [] for table in TABLES}
    yield batch


def _tags(rng: random.Random, shape: Shape) -> list[str]:
    if rng.random() >= shape.tagged:
        return []
    found = {f"topic-{rng.randrange(500)}"}
    if rng.random() < 0.2:
        found.add(COMMON_TAG)
    if rng.random() < 0.0002:
        found.add(RARE_TAG)
    return sorted(found)


def empty(url: str) -> None:
    """Leave nothing in the database at ``url`` (a SQLite file is deleted)."""
    path = sqlite_path(url)
    if path is not None:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def fresh(url: str) -> Engine:
    """An empty database at ``url`` migrated to head by the real migrations."""
    empty(url)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    return engine


def loaded(engine: Engine) -> tuple[int, datetime] | None:
    """``(N, anchor)`` of a finished load in this database, or ``None``."""
    with engine.connect() as connection:
        row = connection.execute(
            select(ApiKey.prefix, ApiKey.created_at).where(ApiKey.name == MARKER)
        ).first()
    return (int(row.prefix), row.created_at) if row else None


def load(
    engine: Engine, posts: int, *, anchor: datetime, seed: int = 1, shape: Shape | None = None
) -> Loaded:
    """Fill a migrated, empty database with ``posts`` posts shaped like ``shape`` (default:
    ``Shape()``), times around ``anchor`` (the bench's "now"); mark the load finished."""
    started = time.perf_counter()
    out = Loaded(anchor=anchor)
    sqlite = engine.dialect.name == "sqlite"
    stamp, write = _sqlite_writer(engine) if sqlite else _postgres_writer(engine)
    for batch in generate(posts, anchor, seed, shape or Shape(), stamp):
        write(batch)
        for table, rows in batch.items():
            out.counts[table] += len(rows)
    write({})  # finish: back to WAL on SQLite, VACUUM ANALYZE on PostgreSQL
    marker = {"id": new_id(), "name": MARKER, "role": "admin", "key_hash": "0" * 64}
    with engine.begin() as connection:
        connection.execute(insert(ApiKey), {**marker, "prefix": str(posts), "created_at": anchor})
    out.seconds = time.perf_counter() - started
    return out


Stamp = Callable[[datetime], Any]
Write = Callable[[dict[str, list[Any]]], None]


def _sqlite_writer(engine: Engine) -> tuple[Stamp, Write]:
    """Rows by ``executemany`` on a connection of its own, big transactions, no fsync (a
    fresh database: nothing to lose); every index and trigger of the schema kept."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    assert path is not None
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-1000000",
                   "foreign_keys=ON", "temp_store=MEMORY"):  # fmt: skip
        connection.execute(f"PRAGMA {pragma}")

    def stamp(value: datetime) -> str:
        # SQLAlchemy's SQLite DateTime format: naive UTC, always with microseconds.
        return value.isoformat(" ", "microseconds")[:26]

    def write(batch: dict[str, list[Any]]) -> None:
        if not batch:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.close()
            return
        connection.execute("BEGIN")
        for table, rows in batch.items():
            names = COLUMNS[table].split()
            marks = ", ".join("?" * len(names))
            statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
            connection.executemany(statement, rows)
        connection.execute("COMMIT")

    return stamp, write


def _postgres_writer(engine: Engine) -> tuple[Stamp, Write]:
    """Rows by ``COPY``, a transaction per batch; every index kept; VACUUM ANALYZE at the end
    (what autovacuum does after a big load, done at once so the figures do not depend on when
    it wakes up)."""
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection

    def write(batch: dict[str, list[Any]]) -> None:
        if not batch:
            raw.close()
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as connection:
                connection.execute(text("VACUUM ANALYZE"))
            return
        with driver.cursor() as cursor:
            for table, rows in batch.items():
                names = ", ".join(COLUMNS[table].split())
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        driver.commit()

    return (lambda value: value), write


def sample(engine: Engine, size: int, seed: int = 2) -> list[tuple[str, str, str]]:
    """About ``size`` posts spread over the archive (captured ones, with a snapshot):
    ``(post id, canonical URL, id of one of its snapshots)``."""
    rng, new_id, found = random.Random(seed), Ids(random.Random(seed)), {}
    snapshots = Base.metadata.tables["snapshots"]
    with engine.connect() as connection:
        for _ in range(size * 2):
            row = connection.execute(
                select(Post.id, Post.canonical_url, snapshots.c.id)
                .join(snapshots, snapshots.c.post_id == Post.id)
                .where(Post.id >= new_id())
                .order_by(Post.id)
                .limit(1)
            ).first()
            if row is not None:
                found[row[0]] = (row[0], row[1], row[2])
            if len(found) >= size:
                break
    picked = list(found.values())
    rng.shuffle(picked)
    return picked


def counts(engine: Engine) -> dict[str, int]:
    """Rows per loaded table."""
    with engine.connect() as connection:
        return {
            table: connection.execute(
                select(func.count()).select_from(Base.metadata.tables[table])
            ).scalar_one()
            for table in TABLES
        }
