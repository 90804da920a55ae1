"""The work queue as ``/metrics`` reads it: posts due, held by workers, and posts by status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from archiver.db.models import Post
from archiver.domain import PostStatus

#: At most this many due posts are counted at one scrape (the rest of a larger backlog is not).
QUEUE_COUNT_LIMIT: Final = 100_000


@dataclass(frozen=True, slots=True)
class QueueDepth:
    """Among the (at most ``QUEUE_COUNT_LIMIT``) posts due longest: how many no worker holds
    (``due``), how many a worker holds (``leased``), and the oldest ``next_check_at`` of the
    ones no worker holds (``None``: nothing waits)."""

    due: int
    leased: int
    oldest_due: datetime | None

    @property
    def capped(self) -> bool:
        """Whether the count stopped at the limit (the backlog may be larger)."""
        return self.due + self.leased >= QUEUE_COUNT_LIMIT


def queue_depth(*, session: Session, now: datetime, limit: int = QUEUE_COUNT_LIMIT) -> QueueDepth:
    """Count the due posts the way ``claim_due_posts`` picks them (``next_check_at <= now``,
    free when no lease or an expired one), in one query.

    It walks the ``next_check_at`` index from the oldest due post and stops after ``limit``
    rows, so a scrape costs the same over a backlog of ten thousand or ten million. Leases
    are taken from the front of that order, so the leased posts are among those rows too.
    """
    window = (
        select(Post.next_check_at, Post.lease_until)
        .where(Post.next_check_at <= now)
        .order_by(Post.next_check_at)
        .limit(limit)
        .subquery()
    )
    free = or_(window.c.lease_until.is_(None), window.c.lease_until < now)
    due, leased, oldest = session.execute(
        select(
            func.count().filter(free),
            func.count().filter(window.c.lease_until >= now),
            func.min(window.c.next_check_at).filter(free),
        )
    ).one()
    return QueueDepth(due=int(due), leased=int(leased), oldest_due=oldest)


def posts_by_status(*, session: Session) -> dict[PostStatus, int]:
    """How many posts are in each status (one ``GROUP BY`` over the ``status`` index: it reads
    every post's index entry, about a second per ten million posts on PostgreSQL)."""
    rows = session.execute(select(Post.status, func.count()).group_by(Post.status)).all()
    return {status: int(count) for status, count in rows}
