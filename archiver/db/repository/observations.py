"""Claiming due posts, and the checks and snapshots they produce."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from archiver.db.models import (
    Check,
    Post,
    Snapshot,
)
from archiver.db.repository.keyset import older_than
from archiver.domain import CheckOutcome, PostStatus


def claim_due_posts(
    *,
    session: Session,
    now: datetime,
    lease_until: datetime,
    limit: int,
    statuses: Sequence[PostStatus] | None = None,
) -> list[str]:
    """Lease up to ``limit`` due posts to this worker and return their IDs.

    Due means ``next_check_at <= now`` and no live lease. On PostgreSQL the rows are locked
    with ``SKIP LOCKED`` so concurrent workers never claim the same post; SQLite runs one
    worker and its write transaction (IMMEDIATE) already serialises claims.
    """
    query = (
        select(Post.id)
        .where(Post.next_check_at <= now)
        .where(or_(Post.lease_until.is_(None), Post.lease_until < now))
        .order_by(Post.next_check_at)
        .limit(limit)
    )
    if statuses is not None:
        query = query.where(Post.status.in_(list(statuses)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(Post).where(Post.id.in_(ids)).values(lease_until=lease_until))
    return ids


def newest_snapshots(*, session: Session, post_ids: Sequence[str]) -> dict[str, Snapshot]:
    """The newest snapshot of each of these posts that has one, in one query."""
    if not post_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=Snapshot.post_id,
            order_by=(Snapshot.captured_at.desc(), Snapshot.id.desc()),
        )
        .label("rank")
    )
    ranked = select(Snapshot, rank).where(Snapshot.post_id.in_(post_ids)).subquery()
    newest = aliased(Snapshot, ranked)
    return {
        snapshot.post_id: snapshot
        for snapshot in session.scalars(select(newest).where(ranked.c.rank == 1))
    }


def posts_to_observe(
    *, session: Session, post_ids: Sequence[str]
) -> list[tuple[Post, Snapshot | None]]:
    """The posts with these IDs (in that order, the missing left out), each with its newest
    snapshot: two queries for a whole claimed batch."""
    if not post_ids:
        return []
    posts = {post.id: post for post in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    latest = newest_snapshots(session=session, post_ids=post_ids)
    return [(posts[post_id], latest.get(post_id)) for post_id in post_ids if post_id in posts]


def record_plain_check(
    *,
    session: Session,
    post_id: str,
    lease: datetime | None,
    check: dict[str, Any],
    post: dict[str, Any],
) -> bool:
    """Record a check that changes nothing but the post's columns ``post`` — two statements,
    no objects loaded — unless the post's lease is no longer ``lease`` (another worker took
    it; ``None``: no lease is checked): then nothing is written and ``False`` comes back."""
    # Core statements with bound parameters: no ORM bookkeeping, and the compiled statements
    # are cached (literal values in ``.values()`` would cost a new cache key every time).
    connection = session.connection()
    posts = Post.metadata.tables["posts"]
    moving = posts.update().where(posts.c.id == bindparam("the_post"))
    if lease is not None:
        moving = moving.where(posts.c.lease_until == bindparam("the_lease"))
    moved = connection.execute(moving, {**post, "the_post": post_id, "the_lease": lease})
    if not moved.rowcount:
        return False
    connection.execute(Check.metadata.tables["checks"].insert(), {**check, "post_id": post_id})
    return True


def add_check(*, session: Session, check: Check) -> Check:
    """Record one observation."""
    session.add(check)
    session.flush()
    return check


def add_snapshot(*, session: Session, snapshot: Snapshot) -> Snapshot:
    """Record one capture."""
    session.add(snapshot)
    session.flush()
    return snapshot


def recent_checks(*, session: Session, post_id: str, limit: int) -> list[Check]:
    """A post's newest checks, oldest first."""
    newest = list(
        session.scalars(
            select(Check)
            .where(Check.post_id == post_id)
            .order_by(Check.checked_at.desc(), Check.id.desc())
            .limit(limit)
        )
    )
    return newest[::-1]


def list_checks(
    *, session: Session, post_id: str, limit: int, after: tuple[datetime, str] | None = None
) -> list[Check]:
    """A post's checks, newest first, after the ``(checked_at, id)`` keyset cursor."""
    query = select(Check).where(Check.post_id == post_id)
    if after is not None:
        query = query.where(older_than(Check.checked_at, Check.id, after))
    query = query.order_by(Check.checked_at.desc(), Check.id.desc()).limit(limit)
    return list(session.scalars(query))


def list_snapshots(*, session: Session, post_id: str) -> list[Snapshot]:
    """A post's snapshots, oldest first."""
    return list(
        session.scalars(
            select(Snapshot)
            .where(Snapshot.post_id == post_id)
            .order_by(Snapshot.captured_at, Snapshot.id)
        )
    )


def get_snapshot(*, session: Session, snapshot_id: str) -> Snapshot | None:
    """The snapshot with this ID, or ``None``."""
    return session.get(Snapshot, snapshot_id)


def attach_screenshot(
    *,
    session: Session,
    snapshot_id: str,
    check_id: str,
    sha256: str | None,
    width: int | None,
    height: int | None,
    source: str | None,
    browser_version: str | None,
    taken_at: datetime | None,
    page_url: str | None,
    error: str | None,
    phash: str | None = None,
) -> None:
    """Complete a snapshot with its screenshot (once: an existing one is never replaced) and
    note on the check why the platform's page was not used, if it was not."""
    if sha256 is not None:
        session.execute(
            update(Snapshot)
            .where(Snapshot.id == snapshot_id, Snapshot.screenshot_sha256.is_(None))
            .values(
                screenshot_sha256=sha256,
                screenshot_width=width,
                screenshot_height=height,
                screenshot_source=source,
                browser_version=browser_version,
                screenshot_taken_at=taken_at,
                screenshot_url=page_url,
                screenshot_phash=phash,
            )
        )
    if error is not None:
        session.execute(update(Check).where(Check.id == check_id).values(screenshot_error=error))


def release_lease(*, session: Session, post_id: str, lease: datetime) -> bool:
    """Give back a post leased until ``lease`` (it is due again as it was) unless another
    worker holds it by now; ``True`` when released."""
    result = session.execute(
        update(Post).where(Post.id == post_id, Post.lease_until == lease).values(lease_until=None)
    )
    return bool(getattr(result, "rowcount", 0))


def request_check(*, session: Session, post_id: str, now: datetime) -> None:
    """Make a post due now (a running check keeps its lease and is not doubled)."""
    session.execute(update(Post).where(Post.id == post_id).values(next_check_at=now))


def lease_post(*, session: Session, post_id: str, now: datetime, lease_until: datetime) -> bool:
    """Lease one post to this process unless another holds it; ``True`` when leased."""
    result = session.execute(
        update(Post)
        .where(Post.id == post_id)
        .where(or_(Post.lease_until.is_(None), Post.lease_until < now))
        .values(lease_until=lease_until)
    )
    return bool(getattr(result, "rowcount", 0))


def first_check_since(*, session: Session, post_id: str, since: datetime) -> Check | None:
    """The post's first check at or after ``since``, if there is one yet."""
    return session.scalars(
        select(Check)
        .where(Check.post_id == post_id, Check.checked_at >= since)
        .order_by(Check.checked_at, Check.id)
        .limit(1)
    ).first()


def snapshots_around(
    *, session: Session, post_id: str, at: datetime
) -> tuple[Snapshot | None, Snapshot | None]:
    """A post's newest snapshot captured at or before ``at`` and its oldest one after it
    (either may be ``None``): the two candidates of a Memento TimeGate."""
    before = session.scalars(
        select(Snapshot)
        .where(Snapshot.post_id == post_id, Snapshot.captured_at <= at)
        .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
        .limit(1)
    ).first()
    after = session.scalars(
        select(Snapshot)
        .where(Snapshot.post_id == post_id, Snapshot.captured_at > at)
        .order_by(Snapshot.captured_at, Snapshot.id)
        .limit(1)
    ).first()
    return before, after


def snapshot_times(*, session: Session, post_id: str) -> list[tuple[str, datetime]]:
    """A post's snapshots as ``(id, captured_at)``, oldest first, without loading their bodies."""
    rows = session.execute(
        select(Snapshot.id, Snapshot.captured_at)
        .where(Snapshot.post_id == post_id)
        .order_by(Snapshot.captured_at, Snapshot.id)
    )
    return [(snapshot_id, captured_at) for snapshot_id, captured_at in rows]


def last_live_check_at(*, session: Session, post_id: str) -> datetime | None:
    """When a check last found the post live (``unchanged`` or ``changed``), or ``None``."""
    return session.scalar(
        select(func.max(Check.checked_at)).where(
            Check.post_id == post_id,
            Check.outcome.in_([CheckOutcome.UNCHANGED, CheckOutcome.CHANGED]),
        )
    )
