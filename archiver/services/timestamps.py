"""Trusted timestamps (RFC 3161) of every snapshot, by each Time-Stamp Authority of
``ARCHIVER_TSA_URLS``, requested after the capture and never in its way.

Steps:
1. ``request`` queues a timestamp of a snapshot by each TSA (a row due at once). The capture
   calls it once the new snapshot's screenshot step is over (taken or not), and again when a
   screenshot is attached to it later: the manifest then names one more artifact;
2. ``Stamper.request_missing`` (the worker, as it starts and every hour) queues one for every
   snapshot captured more than ten minutes before that has none from a configured TSA:
   snapshots from before a TSA was configured, or whose capture was cut short between its
   snapshot and its screenshot (a fresher one is left to its capture);
3. ``Stamper.stamp_due`` claims each TSA's due rows in one short transaction (moved out of the
   queue for a while, so no other worker takes them) and, one at a time, builds the
   snapshot's manifest (``archiver.services.manifest``) and stores it, asks the TSA
   (``archiver.services.tsa``), and stores the token and the certificate chain as blobs and
   the row's facts: the TSA's time, serial number, policy, signer, and whether the signer
   chained to a trusted root;
4. a TSA that fails (down, an HTTP error, garbage, a refused address) counts an attempt on
   that row and is left alone until its back-off is over (1 minute, doubling, at most 6
   hours, or later when it sent ``Retry-After``): the rest of its claimed rows wait with it,
   unsent, so an outage costs one request per back-off, not one per snapshot. A TSA that asked
   us to wait gets nothing sent until then. Nothing is ever given up.

A capture never waits for a TSA and never fails for one: the snapshot is committed first, and
a timestamp is a row of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from archiver import telemetry, tsp
from archiver.cadence import Holds
from archiver.db import repository
from archiver.db.models import SnapshotTimestamp
from archiver.services import manifest
from archiver.services.tsa import Stamp, TsaFailure, ask
from archiver.services.webhooks import Sender
from archiver.storage import BlobStore, sha256_hex

#: Timestamps claimed from one TSA per round, and how long a claim holds them.
CLAIM_LIMIT = 20
CLAIM_HOLD = timedelta(minutes=5)
#: Snapshots queued for a missing timestamp per transaction; how long after its capture a
#: snapshot is left to its capture (which queues its own after the screenshot step).
MISSING_BATCH = 1000
SETTLE = timedelta(minutes=10)


def request(*, session: Session, snapshot_id: str, tsa_urls: Sequence[str], now: datetime) -> int:
    """Queue a timestamp of the snapshot by each TSA without one pending (step 1)."""
    if not tsa_urls:
        return 0
    return repository.request_timestamps(
        session=session, snapshot_id=snapshot_id, tsa_urls=tsa_urls, now=now
    )


#: The files of a timestamp: name → (the row's column naming the blob, media type).
FILES = {
    "manifest.json": ("manifest_sha256", "application/json"),
    "token.tsr": ("token_sha256", "application/timestamp-reply"),
    "chain.pem": ("chain_sha256", "application/pem-certificate-chain"),
}


def authority(stamp: SnapshotTimestamp) -> str:
    """The TSA in words: its signing certificate's common name, else the URL's host."""
    if stamp.signer:
        try:
            names = x509.Name.from_rfc4514_string(stamp.signer)
            common = names.get_attributes_for_oid(NameOID.COMMON_NAME)
        except ValueError:
            common = []
        if common:
            return str(common[0].value)
    return urlsplit(stamp.tsa_url).hostname or stamp.tsa_url


@dataclass(frozen=True, slots=True)
class _Job:
    """One claimed timestamp and the manifest to have stamped."""

    timestamp_id: str
    manifest: bytes


#: Why a timestamp is no longer asked for (its TSA left ``ARCHIVER_TSA_URLS``).
PARKED = "not requested any more: this TSA is no longer in ARCHIVER_TSA_URLS"


def status_of(stamp: SnapshotTimestamp) -> str:
    """``stamped``, ``pending`` (in the queue) or ``dropped`` (out of it, unfinished)."""
    if stamp.token_sha256:
        return "stamped"
    return "pending" if stamp.next_attempt_at is not None else "dropped"


def park_unconfigured(
    sessions: sessionmaker[Session],
    tsa_urls: Sequence[str],
    now: datetime,
    write_lock: AbstractContextManager[object] | None = None,
) -> tuple[int, int]:
    """Take the pending timestamps of TSAs no longer configured out of the queue (their rows
    say why instead of waiting forever), and queue again those of TSAs configured again: how
    many of each."""
    with write_lock or nullcontext(), sessions() as session, session.begin():
        return repository.park_timestamps(
            session=session, configured=tsa_urls, now=now, reason=PARKED
        )


class Stamper:
    """Requests the due timestamps (steps 2 to 4); one per worker, which remembers in memory
    which TSAs are backing off."""

    def __init__(
        self,
        *,
        tsa_urls: Sequence[str],
        sessions: sessionmaker[Session],
        blobs: BlobStore,
        sender: Sender,
        roots: Sequence[x509.Certificate],
        write_lock: AbstractContextManager[object] | None = None,
    ) -> None:
        self.tsa_urls = tuple(tsa_urls)
        self.sessions = sessions
        self.blobs = blobs
        self.sender = sender
        self.roots = list(roots)
        self.write_lock = write_lock or nullcontext()
        self.holds = Holds()  # the TSAs left alone for a while after failing

    def request_missing(self, now: datetime) -> int:
        """Queue a timestamp of every snapshot captured more than ``SETTLE`` ago that lacks
        one from a configured TSA (step 2)."""
        queued = 0
        for url in self.tsa_urls:
            batch = MISSING_BATCH
            while batch == MISSING_BATCH:  # a transaction per batch: captures go on meanwhile
                with self.write_lock, self.sessions() as session, session.begin():
                    batch = repository.request_missing_timestamps(
                        session=session,
                        tsa_url=url,
                        captured_before=now - SETTLE,
                        now=now,
                        limit=MISSING_BATCH,
                    )
                queued += batch
        return queued

    async def stamp_due(self, now: datetime) -> int:
        """Request every timestamp due at ``now`` (up to ``CLAIM_LIMIT`` per TSA); how many
        were stored (steps 3 and 4)."""
        done = await asyncio.gather(*(self._round(url, now) for url in self.tsa_urls))
        return sum(done)

    async def _round(self, url: str, now: datetime) -> int:
        if self.holds.holding(url, now):
            return 0
        jobs = await asyncio.to_thread(self._claim, url, now)
        for index, job in enumerate(jobs):
            try:
                stamp = await ask(self.sender, url, job.manifest, self.roots, now)
            except TsaFailure as failure:
                telemetry.record_third_party("tsa", "retried")
                waiting = [later.timestamp_id for later in jobs[index + 1 :]]
                await asyncio.to_thread(self._failed, url, job, failure, waiting, now)
                return index
            self.holds.succeeded(url)
            telemetry.record_third_party("tsa", "done")
            await asyncio.to_thread(self._stored, job, stamp, now)
        return len(jobs)

    def _claim(self, url: str, now: datetime) -> list[_Job]:
        jobs = []
        with self.write_lock, self.sessions() as session, session.begin():
            ids = repository.claim_due_timestamps(
                session=session,
                tsa_url=url,
                now=now,
                hold_until=now + CLAIM_HOLD,
                limit=CLAIM_LIMIT,
            )
            for timestamp_id in ids:
                found = repository.timestamp_context(session=session, timestamp_id=timestamp_id)
                if found is not None:  # always: the foreign key cascades
                    _, snapshot, post = found
                    jobs.append(_Job(timestamp_id, manifest.manifest_of(post, snapshot)))
        for job in jobs:
            self.blobs.put(job.manifest)  # stored before a row names it
        return jobs

    def _stored(self, job: _Job, stamp: Stamp, now: datetime) -> None:
        token_sha256 = self.blobs.put(stamp.token.reply).sha256
        chain_sha256 = self.blobs.put(tsp.pem_bundle(stamp.verdict.chain)).sha256
        signer = stamp.verdict.signer
        with self.write_lock, self.sessions() as session, session.begin():
            row = repository.get_timestamp(session=session, timestamp_id=job.timestamp_id)
            if row is None:  # its snapshot's post was deleted meanwhile
                return
            row.manifest_sha256 = sha256_hex(job.manifest)
            row.token_sha256 = token_sha256
            row.chain_sha256 = chain_sha256
            row.gen_time = stamp.token.gen_time
            row.serial_number = str(stamp.token.serial)
            row.policy = stamp.token.policy
            row.signer = signer.subject.rfc4514_string() if signer is not None else None
            row.verified = stamp.verdict.verified
            row.verify_error = stamp.verdict.problem
            row.attempted(now)

    def _failed(
        self, url: str, job: _Job, failure: TsaFailure, waiting: list[str], now: datetime
    ) -> None:
        until = self.holds.failed(url, now, retry_after=failure.retry_after, sent=failure.sent)
        with self.write_lock, self.sessions() as session, session.begin():
            row = repository.get_timestamp(session=session, timestamp_id=job.timestamp_id)
            if row is not None:
                row.attempted(now, error=str(failure), due=until, sent=failure.sent)
            repository.release_timestamps(session=session, timestamp_ids=waiting, due=until)
