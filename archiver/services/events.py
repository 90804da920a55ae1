"""Reading events: one post's, or every post's, newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Event
from archiver.domain import EventKind
from archiver.services.pagination import decode_cursor, encode_cursor


def page(
    *,
    session: Session,
    limit: int,
    cursor: str | None,
    post_id: str | None = None,
    kind: EventKind | None = None,
    since: datetime | None = None,
) -> tuple[list[Event], str | None]:
    """A page of events, newest first, and the cursor of the next page (or ``None``)."""
    after = decode_cursor(cursor) if cursor else None
    rows = repository.list_events(
        session=session, limit=limit + 1, after=after, post_id=post_id, kind=kind, since=since
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, encode_cursor(last.confirmed_at, last.id) if last else None
