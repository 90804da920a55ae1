"""Request dependencies: a database session per request, the API key, the clock, the
archive's signing key."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from archiver.api import limits
from archiver.api.intake import REVOKED, Caller, KnownKeys
from archiver.db.models import ApiKey
from archiver.db.session import transaction
from archiver.errors import ConfigError, Unauthorized
from archiver.services import keys
from archiver.signing import ArchiveKey, load_or_create_key

log = logging.getLogger("archiver.api")


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


def bearer_token(request: Request) -> str:
    """The key in ``Authorization: Bearer KEY``, or 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("this request needs an API key: send Authorization: Bearer KEY")
    return token.strip()


def require_key(request: Request, session: WriteSessionDep, now: NowDep) -> ApiKey:
    """The API key in ``Authorization: Bearer KEY``, or 401; a write past the key's rate
    limit is 429 (``archiver.api.limits``)."""
    record = keys.authenticate(session=session, secret=bearer_token(request), now=now)
    if record is None:
        raise Unauthorized(REVOKED)
    limits.charge_write(request, record.id)
    return record


async def require_submitter(request: Request, now: NowDep) -> Caller:
    """Like :func:`require_key`, for the submission route: a key this process has already
    authenticated is taken from memory (``archiver.api.intake``: its batch re-reads it)."""
    token = bearer_token(request)
    known: KnownKeys = request.app.state.intake.known_keys
    key_hash = keys.hash_key(token)
    caller = known.get(key_hash)
    if caller is None:
        factory: sessionmaker[Session] = request.app.state.write_session_factory

        def authenticate() -> ApiKey | None:
            with transaction(factory) as session:
                return keys.authenticate(session=session, secret=token, now=now)

        record = await run_in_threadpool(authenticate)
        if record is None:
            raise Unauthorized(REVOKED)
        caller = known.remember(key_hash, record)
    limits.charge_write(request, caller.id)
    return caller


KeyDep = Annotated[ApiKey, Depends(require_key)]
SubmitterDep = Annotated[Caller, Depends(require_submitter)]


def signing_key(request: Request) -> ArchiveKey:
    """The archive's signing key, made on first use and then kept by the process; a key file
    that cannot be read is a 500 naming it (ours to mend, and never replaced by a new key)."""
    key: ArchiveKey | None = request.app.state.signing_key
    if key is None:
        try:
            key = load_or_create_key(request.app.state.settings.signing_key_file)
        except ConfigError as exc:
            log.error("the signing key cannot be used: %s", exc)
            raise HTTPException(500, f"the archive's signing key cannot be used: {exc}") from exc
        request.app.state.signing_key = key
    return key


SigningKeyDep = Annotated[ArchiveKey, Depends(signing_key)]


def utc_now() -> datetime:
    """The wall clock in UTC."""
    return datetime.now(UTC)
