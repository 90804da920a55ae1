"""Posts, their tags, and what is counted about them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Integer,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload

from archiver.db.models import (
    Event,
    Post,
    PostTag,
    Snapshot,
)
from archiver.db.repository.keyset import older_than
from archiver.domain import EventKind, Platform, PostRef, PostStatus


def get_post(*, session: Session, post_id: str) -> Post | None:
    """The post with this ID, or ``None``."""
    return session.get(Post, post_id)


def find_post(*, session: Session, platform: Platform, post_key: str) -> Post | None:
    """The post already stored for this platform key, or ``None``."""
    return session.scalars(
        select(Post).where(Post.platform == platform, Post.post_key == post_key)
    ).one_or_none()


def find_posts(
    *, session: Session, keys: Sequence[tuple[Platform, str]]
) -> dict[tuple[Platform, str], Post]:
    """The posts already stored under these platform keys, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    query = (
        select(Post)
        .where(Post.post_key.in_({key for _, key in wanted}))
        .options(selectinload(Post.tags))
    )
    return {
        (post.platform, post.post_key): post
        for post in session.scalars(query)
        if (post.platform, post.post_key) in wanted
    }


def new_post(
    *, ref: PostRef, url: str, recheck: str | None, submitted_by: str | None, now: datetime
) -> Post:
    """A pending post whose first capture is due at once, not yet added to a session."""
    return Post(
        url=url,
        canonical_url=ref.canonical_url,
        platform=ref.platform,
        platform_post_id=ref.post_id,
        post_key=ref.key,
        host=ref.host,
        status=PostStatus.PENDING,
        submitted_at=now,
        next_check_at=now,
        recheck=recheck,
        submitted_by=submitted_by,
        tags=[],  # known to be empty: reading them later needs no query
    )


def add_post(
    *,
    session: Session,
    ref: PostRef,
    url: str,
    recheck: str | None,
    submitted_by: str | None,
    now: datetime,
) -> Post:
    """Insert a pending post whose first capture is due at once, and flush it."""
    post = new_post(ref=ref, url=url, recheck=recheck, submitted_by=submitted_by, now=now)
    session.add(post)
    session.flush()
    return post


def add_tags(*, session: Session, post: Post, tags: Sequence[str], flush: bool = True) -> None:
    """Give a post the tags it does not have yet (flushed unless ``flush=False``)."""
    if not tags:
        return
    have = {tag.tag for tag in post.tags}
    for tag in dict.fromkeys(tags):
        if tag not in have:
            post.tags.append(PostTag(post_id=post.id, tag=tag))
    if flush:
        session.flush()


def list_posts(
    *,
    session: Session,
    limit: int,
    after: tuple[datetime, str] | None = None,
    status: PostStatus | None = None,
    platform: Platform | None = None,
    author: str | None = None,
    tag: str | None = None,
    text: str | None = None,
) -> list[Post]:
    """Posts newest first, filtered, starting after the ``(submitted_at, id)`` keyset cursor.

    Newest first is ``ix_posts_submitted_at_id``; with a status or a platform, the index of
    that column and the time (``ix_posts_status_submitted_at_id``,
    ``ix_posts_platform_submitted_at_id``), so a page never sorts the whole selection.
    """
    query = select(Post)
    if status is not None:
        query = query.where(Post.status == status)
    if platform is not None:
        query = query.where(Post.platform == platform)
    if author is not None:
        query = query.where(func.lower(Post.author_handle) == author.lower())
    if tag is not None:
        query = query.where(tagged(session, tag))
    if text is not None:
        query = query.where(text_search(session, text))
    if after is not None:
        query = query.where(older_than(Post.submitted_at, Post.id, after))
    query = query.order_by(Post.submitted_at.desc(), Post.id.desc()).limit(limit)
    return list(session.scalars(query.options(selectinload(Post.tags))))


#: Up to this many matches (posts with a tag, snapshots with the words searched), the posts
#: matching are gathered first, from an index of the tag or the words, then read newest first
#: by their primary key; past it, posts are walked newest first and each is tested until the
#: page is full. The database cannot choose by itself: SQLite keeps no statistics (Archiver
#: never runs ANALYZE), and PostgreSQL's estimate for a rare word prefix is far too high (it
#: walked every post for a word in 14 snapshots: 15 s at a million posts). Both ways cost
#: about the same near a few thousand matches per million posts (``bench/dbscale.py``).
FEW = 5000
#: On PostgreSQL, words its statistics show in at least this share of the snapshots are
#: walked for at once (a page is found within ~100 pages of posts, at any size of archive).
COMMON = 0.01


def _few(post_ids: Iterable[str]) -> list[str] | None:
    """The distinct IDs among at most ``FEW + 1`` given, or ``None`` when more than ``FEW``."""
    found = list(post_ids)
    return None if len(found) > FEW else sorted(set(found))


def tagged(session: Session, tag: str) -> ColumnElement[bool]:
    """Posts with this tag: gathered from ``ix_post_tags_tag_post_id``, or on SQLite, for a
    tag of more than ``FEW`` posts, each post probed by the primary key of ``post_tags``."""
    probe = exists().where(PostTag.post_id == Post.id, PostTag.tag == tag)
    if session.get_bind().dialect.name != "sqlite":
        return probe  # PostgreSQL's statistics tell a common tag from a rare one
    few = _few(session.scalars(select(PostTag.post_id).where(PostTag.tag == tag).limit(FEW + 1)))
    return probe if few is None else Post.id.in_(few)


#: Words of a search beyond this many are ignored.
SEARCH_WORDS = 16
_SEARCH_WORD = re.compile(r"[^\W_]+")


def text_search(session: Session, words: str) -> ColumnElement[bool]:
    """Posts with a snapshot whose text holds every word of ``words`` (each as a word prefix,
    case folded): SQLite's FTS5 index or PostgreSQL's text-search index, both made by
    migration 0006. Only the letters and digits of ``words`` are used, so no search syntax
    passes through; with none, nothing matches.

    Words in at most ``FEW`` snapshots: their posts are gathered from the index first. More:
    posts are walked newest first, each tested (on SQLite against the matches, gathered once).
    """
    found = _SEARCH_WORD.findall(words.lower())[:SEARCH_WORDS]
    if not found:
        return false()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        expression = " ".join(f'"{word}"*' for word in found)
        matching = sql(
            "SELECT s.post_id FROM snapshots_fts"
            " JOIN snapshots AS s ON s.rowid = snapshots_fts.rowid"
            " WHERE snapshots_fts MATCH :words LIMIT :few"
        ).bindparams(words=expression, few=FEW + 1)
        few = _few(session.scalars(matching))
        if few is not None:
            return Post.id.in_(few)
        rowids = sql("SELECT rowid FROM snapshots_fts WHERE snapshots_fts MATCH :words")
        rowids = rowids.bindparams(words=expression)
        return exists().where(
            Snapshot.post_id == Post.id,
            literal_column("snapshots.rowid").in_(rowids.columns(rowid=Integer())),
        )
    if dialect == "postgresql":
        expression = " & ".join(f"{word}:*" for word in found)
        query = func.to_tsquery(literal("simple", REGCONFIG), expression)
        vector = func.to_tsvector(literal("simple", REGCONFIG), Snapshot.text)
        matches = vector.bool_op("@@")(query)
        walk = exists().where(Snapshot.post_id == Post.id, matches)
        # Common words are known from the statistics of the GIN index's expression; asking
        # the index for the first FEW + 1 matches of one cost 0.3 s (a lossy bitmap).
        if _planned_share(session, expression) >= COMMON:
            return walk
        few = _few(session.scalars(select(Snapshot.post_id).where(matches).limit(FEW + 1)))
        return walk if few is None else Post.id.in_(few)
    patterns = [Snapshot.text.ilike(f"%{word}%") for word in found]  # no index: other databases
    return exists().where(Snapshot.post_id == Post.id, *patterns)


_PLANNED = sql(
    "EXPLAIN (FORMAT JSON) SELECT 1 FROM snapshots"
    " WHERE to_tsvector('simple'::regconfig, text) @@ to_tsquery('simple'::regconfig, :query)"
)
_SNAPSHOTS = sql("SELECT reltuples FROM pg_class WHERE oid = 'snapshots'::regclass")


def _planned_share(session: Session, expression: str) -> float:
    """PostgreSQL's estimate (planned, not run) of the share of snapshots a text query
    matches: close for common words (the statistics keep the most common ones), a default of
    at most 0.5 % for the others; 0 before the table's first ANALYZE."""
    plan = session.scalar(_PLANNED, {"query": expression})
    total = session.scalar(_SNAPSHOTS) or 0
    return float(plan[0]["Plan"]["Plan Rows"]) / total if total > 0 else 0.0


def count_snapshots(*, session: Session, post_id: str) -> int:
    """How many snapshots a post has."""
    return (
        session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.post_id == post_id)
        )
        or 0
    )


def count_events(*, session: Session, post_id: str, kind: EventKind) -> int:
    """How many events of one kind a post has had.

    Counted over the post's events (``ix_events_post_id_confirmed_at``) with the kind tested
    per row: with ``kind`` in the WHERE clause SQLite, knowing no statistics, took the index
    of the kind and walked every edit of the archive (60 ms at a million posts).
    """
    return (
        session.scalar(
            select(func.count(case((Event.kind == kind, 1)))).where(Event.post_id == post_id)
        )
        or 0
    )


def post_counts(*, session: Session, post_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Each post's snapshot count and count of ``edited`` events (posts without either left
    out): two grouped queries for a whole page, each over the posts' own rows."""
    if not post_ids:
        return {}
    snapshots: dict[str, int] = {
        row[0]: row[1]
        for row in session.execute(
            select(Snapshot.post_id, func.count())
            .where(Snapshot.post_id.in_(post_ids))
            .group_by(Snapshot.post_id)
        )
    }
    edits: dict[str, int] = {
        row[0]: row[1]
        for row in session.execute(
            select(Event.post_id, func.count(case((Event.kind == EventKind.EDITED, 1))))
            .where(Event.post_id.in_(post_ids))
            .group_by(Event.post_id)
        )
    }
    return {
        post_id: (snapshots.get(post_id, 0), edits.get(post_id, 0))
        for post_id in post_ids
        if post_id in snapshots or post_id in edits
    }


def latest_snapshot(*, session: Session, post_id: str) -> Snapshot | None:
    """A post's newest snapshot, or ``None`` before its first capture."""
    return session.scalars(
        select(Snapshot)
        .where(Snapshot.post_id == post_id)
        .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
        .limit(1)
    ).first()
