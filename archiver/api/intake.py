"""Group commit for ``POST /api/v1/posts``: the submissions waiting at the same moment are
stored in one transaction, with one hand-off to a worker thread and one commit for them all.

A submission is checked and recognised in the event loop (a bad one is answered 422 there and
never waits), then joins the queue. While one batch is being written, the next one gathers;
when the write finishes, the whole queue (up to ``MAX_BATCH``) is written at once. Every caller
hears back only after the commit that stored its post, so "accepted" still means durable. A
batch that meets a post stored meanwhile by another process is rolled back and written again
one submission at a time, which settles such races as a single submission does.

Keys: the submission route authenticates a bearer key once per process and remembers it
(``KnownKeys``), so a request in steady use needs no database round trip before it joins the
queue. The batch itself re-reads its keys: a key revoked since it was remembered stores
nothing and is answered 401, at once, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from archiver.db import repository
from archiver.db.models import ApiKey
from archiver.domain import ApiKeyRole
from archiver.errors import Unauthorized
from archiver.services import keys, posts, submissions

#: Submissions written in one transaction at most.
MAX_BATCH: Final = 256
#: Keys remembered at most; past it the memory starts afresh.
MAX_KEYS: Final = 1_000
REVOKED: Final = "the API key is not valid or has been revoked"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated key, as the submission route needs it."""

    id: str
    role: ApiKeyRole


@dataclass(frozen=True, slots=True)
class Accepted:
    """A stored submission: the post's view, and whether this submission created it."""

    view: posts.PostView
    created: bool


class KnownKeys:
    """Keys this process has authenticated, by their hashes, and when each was last recorded
    as used (``last_used_at`` is kept to the minute). Used from the event loop only."""

    def __init__(self) -> None:
        self._callers: dict[str, Caller] = {}
        self._touched: dict[str, datetime | None] = {}

    def get(self, key_hash: str) -> Caller | None:
        """The remembered key with this hash, or ``None``."""
        return self._callers.get(key_hash)

    def remember(self, key_hash: str, record: ApiKey) -> Caller:
        """Remember a key just authenticated (and its use just recorded)."""
        if len(self._callers) >= MAX_KEYS:
            self._callers.clear()
            self._touched.clear()
        caller = self._callers[key_hash] = Caller(id=record.id, role=record.role)
        self._touched[record.id] = record.last_used_at
        return caller

    def forget(self, key_ids: set[str]) -> None:
        """Forget revoked keys: their next request is authenticated afresh (and refused)."""
        self._callers = {h: c for h, c in self._callers.items() if c.id not in key_ids}
        for key_id in key_ids:
            self._touched.pop(key_id, None)

    def stale(self, key_ids: set[str], now: datetime) -> list[str]:
        """The keys whose use is due to be recorded again."""
        due = []
        for key_id in key_ids:
            last = self._touched.get(key_id)
            if last is None or not timedelta(0) <= now - last < keys.TOUCH_EVERY:
                due.append(key_id)
        return due

    def touched(self, key_ids: Sequence[str], now: datetime) -> None:
        """Note that these keys' use was recorded at ``now``."""
        for key_id in key_ids:
            self._touched[key_id] = now


@dataclass(frozen=True, slots=True)
class _Item:
    wanted: submissions.Wanted
    caller: Caller
    answer: asyncio.Future[Accepted]


class Intake:
    """The submission queue of one process (see the module docstring)."""

    def __init__(
        self, write_sessions: sessionmaker[Session], clock: Callable[[], datetime]
    ) -> None:
        self.known_keys = KnownKeys()
        self._sessions = write_sessions
        self._clock = clock
        self._queue: list[_Item] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, wanted: submissions.Wanted, caller: Caller) -> Accepted:
        """Store ``wanted`` with the next batch; return once it is committed."""
        answer: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        self._queue.append(_Item(wanted, caller, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await asyncio.shield(answer)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            callers = {item.caller.id for item in batch}
            now = self._clock()
            stale = self.known_keys.stale(callers, now)
            try:
                outcomes = await run_in_threadpool(self._write, batch, stale, now)
            except Exception as exc:  # the database is down, a disk is full…: all fail alike
                for item in batch:
                    if not item.answer.done():
                        item.answer.set_exception(exc)
                continue
            revoked = callers - {
                i.caller.id for i, o in zip(batch, outcomes, strict=True) if o is not None
            }
            self.known_keys.forget(revoked)
            self.known_keys.touched([key_id for key_id in stale if key_id not in revoked], now)
            for item, outcome in zip(batch, outcomes, strict=True):
                if item.answer.done():
                    continue
                if outcome is None:
                    item.answer.set_exception(Unauthorized(REVOKED))
                else:
                    item.answer.set_result(outcome)

    def _write(
        self, batch: Sequence[_Item], stale: Sequence[str], now: datetime
    ) -> list[Accepted | None]:
        """Store a batch in one transaction; ``None`` for submissions whose key was revoked."""
        with self._sessions() as session:
            live = repository.unrevoked_key_ids(
                session=session, key_ids={item.caller.id for item in batch}
            )
            kept = [item.wanted for item in batch if item.caller.id in live]
            try:
                stored = submissions.store_many(session=session, wanted=kept, now=now)
            except IntegrityError:
                session.rollback()
                stored = submissions.store_each(session=session, wanted=kept, now=now)
            for key_id in stale:
                if key_id in live:
                    repository.touch_api_key(session=session, key_id=key_id, now=now)
            views = _views(session, stored)
            session.commit()
        found = iter(views)
        return [next(found) if item.caller.id in live else None for item in batch]


def _views(session: Session, stored: Sequence[submissions.Submission]) -> list[Accepted]:
    """Each stored submission's view: what a new post shows is known; posts already stored
    are read in three queries for the whole batch."""
    for result in stored:
        _ = result.post.tags  # loaded now: the views are read after the session has closed
    known = posts.page_views(
        session=session, posts=[result.post for result in stored if not result.created]
    )
    by_id = {view.post.id: view for view in known}
    return [
        Accepted(
            view=posts.view_new(result.post) if result.created else by_id[result.post.id],
            created=result.created,
        )
        for result in stored
    ]
