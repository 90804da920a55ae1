"""Events, and each platform's recent answers for the anomaly guard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from archiver.db.models import (
    Check,
    Event,
    Post,
)
from archiver.detect.anomaly import Window
from archiver.domain import CheckOutcome, EventKind, Platform


def add_event(*, session: Session, event: Event, now: datetime) -> Event:
    """Record a confirmed change of a post."""
    session.add(event)
    session.flush()
    return event


def platform_window(*, session: Session, platform: Platform, since: datetime) -> Window:
    """One platform's checks since ``since``: distinct posts checked, and distinct posts whose
    newest answer in the window was "gone" (errors and rate limits are not counted)."""
    evidence_outcomes = [CheckOutcome.UNCHANGED, CheckOutcome.CHANGED, CheckOutcome.GONE]
    newest = (
        select(Check.post_id, func.max(Check.checked_at).label("at"))
        .join(Post, Post.id == Check.post_id)
        .where(Post.platform == platform, Check.checked_at >= since)
        .where(Check.outcome.in_(evidence_outcomes))
        .group_by(Check.post_id)
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
    """Events newest first (by ``confirmed_at``), filtered, after the keyset cursor."""
    query = select(Event)
    if post_id is not None:
        query = query.where(Event.post_id == post_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if since is not None:
        query = query.where(Event.confirmed_at >= since)
    if after is not None:
        at, event_id = after
        query = query.where(
            or_(Event.confirmed_at < at, and_(Event.confirmed_at == at, Event.id < event_id))
        )
    query = query.order_by(Event.confirmed_at.desc(), Event.id.desc()).limit(limit)
    return list(session.scalars(query))
