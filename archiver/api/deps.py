"""Request dependencies: a database session per request, the API key, the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from archiver.api import limits
from archiver.db.models import ApiKey
from archiver.errors import Unauthorized
from archiver.services import keys


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request. Writing routes commit it themselves before returning, so
    an accepted submission is durable before the client hears about it; whatever is left
    uncommitted when the request ends is rolled back.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """Like :func:`get_session`, for routes that write (on SQLite it takes the write lock)."""
    factory: sessionmaker[Session] = request.app.state.write_session_factory
    with factory() as session:
        yield session


async def get_now(request: Request) -> datetime:
    """The current time in UTC, from the app's clock (tests may pass their own)."""
    now: datetime = request.app.state.clock()
    return now


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
NowDep = Annotated[datetime, Depends(get_now)]


def require_key(request: Request, session: WriteSessionDep, now: NowDep) -> ApiKey:
    """The API key in ``Authorization: Bearer KEY``, or 401; a write past the key's rate
    limit is 429 (``archiver.api.limits``)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("this request needs an API key: send Authorization: Bearer KEY")
    record = keys.authenticate(session=session, secret=token.strip(), now=now)
    if record is None:
        raise Unauthorized("the API key is not valid or has been revoked")
    limits.charge_write(request, record)
    return record


KeyDep = Annotated[ApiKey, Depends(require_key)]


def utc_now() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)
