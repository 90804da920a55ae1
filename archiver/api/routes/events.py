"""Events: ``/api/v1/posts/{id}/events`` and the feed ``/api/v1/events``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from archiver import urls
from archiver.api.deps import SessionDep
from archiver.api.schemas.posts import EventList, EventOut
from archiver.db.models import Event
from archiver.domain import EventKind
from archiver.errors import UnprocessableContent
from archiver.services import events, posts

router = APIRouter(prefix=urls.API, tags=["events"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=200)]


def event_out(event: Event) -> EventOut:
    """The API shape of an event."""
    return EventOut(
        id=event.id,
        post_id=event.post_id,
        kind=event.kind,
        before_snapshot_id=event.before_snapshot_id,
        after_snapshot_id=event.after_snapshot_id,
        first_observed_at=event.first_observed_at,
        confirmed_at=event.confirmed_at,
        diff=event.diff,
        article_id=event.article_id,
    )


@router.get("/posts/{post_id}/events", responses={404: PROBLEM, 422: PROBLEM})
def post_events(
    post_id: str, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> EventList:
    """A post's events, newest first."""
    post = posts.get(session=session, post_id=post_id).post
    rows, next_cursor = events.page(session=session, limit=limit, cursor=cursor, post_id=post.id)
    return EventList(items=[event_out(e) for e in rows], next=next_cursor)


def rfc3339_time(name: str, text: str) -> datetime:
    """``text`` read as an RFC 3339 time with a zone, or a 422 (a number is not a time)."""
    try:
        value = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise UnprocessableContent(
            f"{name} is not an RFC 3339 time such as 2020-07-01T13:59:00Z"
        ) from None
    if value.tzinfo is None:
        raise UnprocessableContent(f"{name} needs a time zone, e.g. 2020-07-01T13:59:00Z")
    return value


Since = Annotated[
    str | None,
    Query(
        max_length=64,
        description="an RFC 3339 time with a zone, e.g. 2020-07-01T13:59:00Z",
        json_schema_extra={"format": "date-time"},
    ),
]


@router.get("/events", responses={422: PROBLEM})
def all_events(
    session: SessionDep,
    kind: EventKind | None = None,
    since: Since = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EventList:
    """Every post's events, newest first; ``since`` is an RFC 3339 time with a zone."""
    rows, next_cursor = events.page(
        session=session,
        limit=limit,
        cursor=cursor,
        kind=kind,
        since=rfc3339_time("since", since) if since is not None else None,
    )
    return EventList(items=[event_out(e) for e in rows], next=next_cursor)
