"""Events, and each platform's recent answers for the anomaly guard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from archiver.db.models import (
    Check,
    Event,
    Post,
)
from archiver.db.repository.keyset import older_than
from archiver.detect.anomaly import Window
from archiver.domain import CheckOutcome, EventKind, Platform


def add_event(*, session: Session, event: Event, now: datetime) -> Event:
    """Record a confirmed change of a post."""
    session.add(event)
    session.flush()
    return event


def platform_window(*, session: Session, platform: Platform, since: datetime) -> Window:
    """One platform's checks since ``since``: distinct posts checked, and distinct posts whose
    newest answer in the window was "gone" (errors and rate limits are not counted).

    The window's checks are read first, by ``ix_checks_checked_at``, and only then their
    posts: SQLite, which keeps no statistics, otherwise walked every post of the platform and
    its checks (seconds at a million posts). ``MATERIALIZED`` keeps it from merging the two.
    """
    evidence_outcomes = [CheckOutcome.UNCHANGED, CheckOutcome.CHANGED, CheckOutcome.GONE]
    recent = (
        select(Check.post_id, Check.checked_at)
        .where(Check.checked_at >= since, Check.outcome.in_(evidence_outcomes))
        .cte("recent")
    )
    if session.get_bind().dialect.name in ("sqlite", "postgresql"):
        recent = recent.prefix_with("MATERIALIZED")
    # Each post's platform by its primary key: joined, PostgreSQL hashed every post of the
    # platform (a third of the archive) to match a few thousand checks.
    platform_of = select(Post.platform).where(Post.id == recent.c.post_id).scalar_subquery()
    newest = (
        select(recent.c.post_id, func.max(recent.c.checked_at).label("at"))
        .where(platform_of == platform)
        .group_by(recent.c.post_id)
        .subquery()
    )
    rows = session.execute(
        select(Check.outcome).join(
            newest, and_(Check.post_id == newest.c.post_id, Check.checked_at == newest.c.at)
        )
    ).all()
    gone = sum(1 for (outcome,) in rows if outcome is CheckOutcome.GONE)
    return Window(posts_checked=len(rows), posts_gone=gone)


def list_events(
    *,
    session: Session,
    limit: int,
    after: tuple[datetime, str] | None = None,
    post_id: str | None = None,
    kind: EventKind | None = None,
    since: datetime | None = None,
) -> list[Event]:
    """Events newest first (by ``confirmed_at``), filtered, after the keyset cursor: a post's
    by ``ix_events_post_id_confirmed_at``, of one kind by ``ix_events_kind_confirmed_at``,
    all by ``ix_events_confirmed_at``."""
    query = select(Event)
    if post_id is not None:
        query = query.where(Event.post_id == post_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(Event.confirmed_at >= since)
    if after is not None:
        query = query.where(older_than(Event.confirmed_at, Event.id, after))
    query = query.order_by(Event.confirmed_at.desc(), Event.id.desc()).limit(limit)
    return list(session.scalars(query))
