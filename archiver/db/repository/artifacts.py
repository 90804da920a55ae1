"""What exports and the fixity audit read: the posts to export, every check of a post, and
every stored artifact a row names (streamed, so a large archive is never loaded at once)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archiver.db.models import Article, Check, Post, PostTag, Snapshot

#: Rows fetched per round trip when streaming.
BATCH = 1000


def export_post_ids(*, session: Session, tag: str | None = None) -> list[str]:
    """The IDs of every post (or every post with ``tag``), oldest submission first."""
    query = select(Post.id)
    if tag is not None:  # the tag's posts (``ix_post_tags_tag_post_id``), not a walk of all
        query = query.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag == tag)))
    return list(session.scalars(query.order_by(Post.submitted_at, Post.id)))


def checks_of_post(*, session: Session, post_id: str) -> list[Check]:
    """Every check of a post, oldest first."""
    return list(
        session.scalars(
            select(Check).where(Check.post_id == post_id).order_by(Check.checked_at, Check.id)
        )
    )


def snapshot_artifact_rows(
    *, session: Session
) -> Iterator[tuple[str, str, str | None, str | None, str | None, list[dict[str, Any]]]]:
    """``(id, post_id, raw_sha256, warc_sha256, screenshot_sha256, media)`` of every snapshot."""
    query = select(
        Snapshot.id,
        Snapshot.post_id,
        Snapshot.raw_sha256,
        Snapshot.warc_sha256,
        Snapshot.screenshot_sha256,
        Snapshot.media,
    ).order_by(Snapshot.id)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield (
            row.id,
            row.post_id,
            row.raw_sha256,
            row.warc_sha256,
            row.screenshot_sha256,
            (row.media or []),
        )


def check_warc_rows(*, session: Session) -> Iterator[tuple[str, str, str]]:
    """``(id, post_id, warc_sha256)`` of every check that kept a WARC."""
    query = (
        select(Check.id, Check.post_id, Check.warc_sha256)
        .where(Check.warc_sha256.is_not(None))
        .order_by(Check.id)
    )
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield row.id, row.post_id, row.warc_sha256


def article_raw_rows(*, session: Session) -> Iterator[tuple[str, str]]:
    """``(id, raw_sha256)`` of every article whose bytes were kept."""
    query = (
        select(Article.id, Article.raw_sha256)
        .where(Article.raw_sha256.is_not(None))
        .order_by(Article.id)
    )
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield row.id, row.raw_sha256
