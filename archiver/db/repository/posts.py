"""Posts, their tags, and what is counted about them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, exists, false, func, literal, or_, select
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload

from archiver.db.models import (
    Event,
    Post,
    PostTag,
    Snapshot,
)
from archiver.domain import EventKind, Platform, PostRef, PostStatus


def get_post(*, session: Session, post_id: str) -> Post | None:
    """The post with this ID, or ``None``."""
    return session.get(Post, post_id)


def find_post(*, session: Session, platform: Platform, post_key: str) -> Post | None:
    """The post already stored for this platform key, or ``None``."""
    return session.scalars(
        select(Post).where(Post.platform == platform, Post.post_key == post_key)
    ).one_or_none()


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
    post = Post(
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
    session.add(post)
    session.flush()
    return post


def add_tags(*, session: Session, post: Post, tags: Sequence[str]) -> None:
    """Give a post the tags it does not have yet."""
    if not tags:
        return
    have = {tag.tag for tag in post.tags}
    for tag in dict.fromkeys(tags):
        if tag not in have:
            post.tags.append(PostTag(post_id=post.id, tag=tag))
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
    """Posts newest first, filtered, starting after the ``(submitted_at, id)`` keyset cursor."""
    query = select(Post)
    if status is not None:
        query = query.where(Post.status == status)
    if platform is not None:
        query = query.where(Post.platform == platform)
    if author is not None:
        query = query.where(func.lower(Post.author_handle) == author.lower())
    if tag is not None:
        query = query.where(exists().where(PostTag.post_id == Post.id, PostTag.tag == tag))
    if text is not None:
        query = query.where(text_search(session, text))
    if after is not None:
        at, post_id = after
        query = query.where(
            or_(Post.submitted_at < at, and_(Post.submitted_at == at, Post.id < post_id))
        )
    query = query.order_by(Post.submitted_at.desc(), Post.id.desc()).limit(limit)
    return list(session.scalars(query.options(selectinload(Post.tags))))


#: Words of a search beyond this many are ignored.
SEARCH_WORDS = 16
_SEARCH_WORD = re.compile(r"[^\W_]+")


def text_search(session: Session, words: str) -> ColumnElement[bool]:
    """Posts with a snapshot whose text holds every word of ``words`` (each as a word prefix,
    case folded): SQLite's FTS5 index or PostgreSQL's text-search index, both made by
    migration 0006. Only the letters and digits of ``words`` are used, so no search syntax
    passes through; with none, nothing matches."""
    found = _SEARCH_WORD.findall(words.lower())[:SEARCH_WORDS]
    if not found:
        return false()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        matching = sql(
            "SELECT s.post_id FROM snapshots_fts"
            " JOIN snapshots AS s ON s.rowid = snapshots_fts.rowid"
            " WHERE snapshots_fts MATCH :words"
        ).bindparams(words=" ".join(f'"{word}"*' for word in found))
        return Post.id.in_(matching.columns(post_id=String()))
    if dialect == "postgresql":
        query = func.to_tsquery(literal("simple", REGCONFIG), " & ".join(f"{w}:*" for w in found))
        vector = func.to_tsvector(literal("simple", REGCONFIG), Snapshot.text)
        return exists().where(Snapshot.post_id == Post.id, vector.bool_op("@@")(query))
    patterns = [Snapshot.text.ilike(f"%{word}%") for word in found]  # no index: other databases
    return exists().where(Snapshot.post_id == Post.id, *patterns)


def count_snapshots(*, session: Session, post_id: str) -> int:
    """How many snapshots a post has."""
    return (
        session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.post_id == post_id)
        )
        or 0
    )


def count_events(*, session: Session, post_id: str, kind: EventKind) -> int:
    """How many events of one kind a post has had."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.post_id == post_id, Event.kind == kind)
        )
        or 0
    )


def latest_snapshot(*, session: Session, post_id: str) -> Snapshot | None:
    """A post's newest snapshot, or ``None`` before its first capture."""
    return session.scalars(
        select(Snapshot)
        .where(Snapshot.post_id == post_id)
        .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
        .limit(1)
    ).first()
