"""Corroboration: an independent copy of each new snapshot's post, made by another archive at
our request (``ARCHIVER_CORROBORATE=wayback``: the Internet Archive's Wayback Machine, through
Save Page Now, ``archiver.services.wayback``), so that a reader need not take Archiver's word
alone for what the post said.

Steps:
1. ``request`` queues a copy of the post's canonical URL by each service (a row due at once).
   The capture calls it once a new snapshot is committed, before its screenshot, so the copy
   is made as close to our capture as can be. Snapshots from before corroboration was turned
   on are not sent: a copy made now would show the post as it is now, not as they saw it;
2. ``Corroborator.corroborate_due`` claims the due rows in one short transaction (moved out of
   the queue for a while, so no other worker takes them) and, one at a time, asks the archive
   for the copy (a row without a job) or how its job is going (``POLL_EVERY`` after the last
   time): the archive's job name and when it accepted it are kept;
3. a finished job ends the row: ``success`` with the copy's address and the time the archive
   gives it (its own clock), or ``error`` with the archive's reason (``status_ext`` and its
   words), e.g. the page was not found or was captured too often today. A job still pending
   ``PENDING_LIMIT`` after it was accepted is given up, in an error that says so; the
   archive's last answer is kept as received;
4. the archive unreachable, answering 429 or 5xx or something that is not SPN2's, or failing
   for a reason of its own (a lost job is asked for again) counts an attempt on that row, and
   the archive is left alone until its back-off is over (1 minute, doubling, at most 6 hours,
   or later when it sent ``Retry-After``): the rest of the claimed rows wait with it, unsent.
   Nothing is given up for that.

A capture never waits for the archive and never fails for it: the snapshot is committed first,
and a corroboration is a row of its own. The keys are sent to the archive and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from archiver import telemetry
from archiver.cadence import Holds
from archiver.db import repository
from archiver.db.models import CorroborationStatus, SnapshotCorroboration
from archiver.services import wayback
from archiver.services.wayback import Accepted, Captured, Pending, WaybackRefusal
from archiver.services.webhooks import Sender

log = logging.getLogger("archiver.corroboration")

#: Requests claimed per round, and how long a claim holds them.
CLAIM_LIMIT = 20
CLAIM_HOLD = timedelta(minutes=5)
#: How long after the last answer a pending job is asked about again, and how long after the
#: archive accepted it the job is given up.
POLL_EVERY = timedelta(seconds=15)
PENDING_LIMIT = timedelta(minutes=10)


def request(
    *, session: Session, snapshot_id: str, url: str, services: Sequence[str], now: datetime
) -> int:
    """Queue a copy of ``url`` for the snapshot by each service (step 1)."""
    if not services:
        return 0
    return repository.request_corroborations(
        session=session, snapshot_id=snapshot_id, url=url, services=services, now=now
    )


def error_of(row: SnapshotCorroboration) -> str | None:
    """What went wrong, in words: why it ended in error, or the last attempt's failure while
    it is pending."""
    if row.status is CorroborationStatus.ERROR:
        said = row.message or "no reason given"
        return f"{said} ({row.status_ext})" if row.status_ext and row.status_ext != said else said
    return row.last_error if row.status is CorroborationStatus.PENDING else None


@dataclass(frozen=True, slots=True)
class _Job:
    """One claimed request: the URL to copy, and the archive's job once it has one."""

    id: str
    url: str
    job_id: str | None
    submitted_at: datetime | None


_Outcome = Accepted | Pending | Captured | WaybackRefusal
#: How each answer is counted for ``/metrics`` (a job accepted is a copy not made yet).
_RESULTS: dict[type, str] = {
    Accepted: "pending",
    Pending: "pending",
    Captured: "done",
    WaybackRefusal: "refused",
}


class Corroborator:
    """Asks the Wayback Machine for the due copies (steps 2 to 4); one per worker, which
    remembers in memory whether the archive is being left alone."""

    def __init__(
        self,
        *,
        keys: SecretStr,
        sessions: sessionmaker[Session],
        sender: Sender,
        write_lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self.keys = keys
        self.sessions = sessions
        self.sender = sender
        self.write_lock = write_lock or nullcontext()
        self.holds = Holds()

    async def corroborate_due(self, now: datetime) -> int:
        """Make every request due at ``now`` (up to ``CLAIM_LIMIT``); how many rows ended,
        in success or in error."""
        if self.holds.holding(wayback.SERVICE, now):
            return 0
        jobs = await asyncio.to_thread(self._claim, now)
        ended = 0
        for index, job in enumerate(jobs):
            try:
                outcome = await self._attempt(job, now)
            except wayback.WaybackUnavailable as failure:
                telemetry.record_third_party(wayback.SERVICE, "retried")
                waiting = [later.id for later in jobs[index + 1 :]]
                await asyncio.to_thread(self._failed, job, failure, waiting, now)
                return ended
            self.holds.succeeded(wayback.SERVICE)
            telemetry.record_third_party(wayback.SERVICE, _RESULTS[type(outcome)])
            ended += await asyncio.to_thread(self._record, job, outcome, now)
        return ended

    async def _attempt(self, job: _Job, now: datetime) -> _Outcome:
        try:
            if job.job_id is None:
                return await wayback.submit(self.sender, self.keys, job.url, now)
            return await wayback.status(self.sender, self.keys, job.job_id, now)
        except WaybackRefusal as refusal:
            return refusal

    def _claim(self, now: datetime) -> list[_Job]:
        with self.write_lock, self.sessions() as session, session.begin():
            rows = repository.claim_due_corroborations(
                session=session,
                service=wayback.SERVICE,
                now=now,
                hold_until=now + CLAIM_HOLD,
                limit=CLAIM_LIMIT,
            )
            return [_Job(row.id, row.url, row.job_id, row.submitted_at) for row in rows]

    def _record(self, job: _Job, outcome: _Outcome, now: datetime) -> bool:
        """Keep what the archive said; whether the row ended."""
        with self.write_lock, self.sessions() as session, session.begin():
            row = repository.get_corroboration(session=session, corroboration_id=job.id)
            if row is None:  # its snapshot's post was deleted meanwhile
                return False
            if isinstance(outcome, Accepted):
                row.job_id, row.submitted_at, row.answer = outcome.job_id, now, outcome.answer
                row.attempted(now, due=now + POLL_EVERY)
                return False
            if isinstance(outcome, Pending):
                row.answer = outcome.answer
                give_up_at = (job.submitted_at or now) + PENDING_LIMIT
                if now < give_up_at:
                    row.attempted(now, due=min(now + POLL_EVERY, give_up_at))
                    return False
                minutes = round(PENDING_LIMIT.total_seconds() / 60)
                outcome = WaybackRefusal(
                    f"the Internet Archive was still capturing it {minutes} minutes after "
                    f"accepting the request (job {job.job_id}), so Archiver stopped waiting"
                )
            if isinstance(outcome, Captured):
                row.status = CorroborationStatus.SUCCESS
                row.archived_url, row.archived_at = outcome.archived_url, outcome.archived_at
                row.answer = outcome.answer
                log.info("%s: copied by the Wayback Machine at %s", row.url, row.archived_url)
            else:
                row.status = CorroborationStatus.ERROR
                row.status_ext, row.message = outcome.status_ext, str(outcome)
                row.answer = outcome.answer or row.answer
                log.warning("%s: no Wayback Machine copy: %s", row.url, outcome)
            row.attempted(now)
            return True

    def _failed(
        self,
        job: _Job,
        failure: wayback.WaybackUnavailable,
        waiting: list[str],
        now: datetime,
    ) -> None:
        until = self.holds.failed(
            wayback.SERVICE, now, retry_after=failure.retry_after, sent=failure.sent
        )
        with self.write_lock, self.sessions() as session, session.begin():
            row = repository.get_corroboration(session=session, corroboration_id=job.id)
            if row is not None:
                row.attempted(now, error=str(failure), due=until, sent=failure.sent)
                if failure.restart:  # the archive lost the job: ask for the copy again
                    row.job_id, row.submitted_at = None, None
            repository.release_corroborations(session=session, ids=waiting, due=until)
