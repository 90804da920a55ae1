"""The capture worker: APScheduler interval jobs that drain due posts from the database, send
the webhook deliveries that are due and, with ``ARCHIVER_TSA_URLS``, request the snapshots'
trusted timestamps (``archiver.services.timestamps``) and, with ``ARCHIVER_CORROBORATE``, their
independent copies (``archiver.services.corroboration``).

The database holds what is due (``posts.next_check_at``) and who holds it (``lease_until``);
APScheduler only wakes the drain every ``poll`` seconds, so nothing is lost when the process
dies: an unfinished post's lease runs out and the next drain takes it again. One worker per
process (``archiver serve`` runs one beside the API; ``archiver worker`` runs one alone);
several may share one PostgreSQL.

When the database cannot be reached (or stays locked), a drain logs it and ends; the next poll
tries again. A post whose observation could not be recorded for that reason is given back (its
lease released) as soon as the database answers, so it is observed again without waiting for
its lease to run out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from archiver.browser import BrowserPool
from archiver.config import Settings
from archiver.db import repository
from archiver.db.models import Post, Snapshot
from archiver.db.session import (
    UNAVAILABLE,
    create_db_engine,
    create_session_factory,
    describe_unavailable,
    transaction,
)
from archiver.egress import Egress
from archiver.services import timestamps, wayback, webhooks
from archiver.services.canaries import Canaries
from archiver.services.capture import CaptureDeps, CheckSummary, observe
from archiver.services.corroboration import Corroborator
from archiver.services.tsa import trusted_roots
from archiver.storage import open_stores

log = logging.getLogger("archiver.worker")

#: How long a worker may hold a post before another may take it (a crash's worst delay).
LEASE = timedelta(minutes=5)
#: How often snapshots without a timestamp from a configured TSA are looked for.
SWEEP_EVERY = timedelta(hours=1)


class Worker:
    """Drains due posts with bounded concurrency; start it inside a running event loop."""

    def __init__(
        self, settings: Settings, *, clock: Callable[[], datetime], poll_seconds: float = 1.0
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.poll_seconds = poll_seconds
        stores = open_stores(settings)  # first: a bucket that cannot be used stops here
        self.engine = create_db_engine(settings.database_url, fsync_every_commit=False)
        self.sessions = create_session_factory(self.engine, write=True)
        self.readers = create_session_factory(self.engine)
        self.egress = Egress(settings)
        # The browser gets its own gate: page loads must not queue behind data fetches.
        self.browser_egress = Egress(settings) if settings.screenshots else None
        self.browser = (
            BrowserPool(settings, self.browser_egress, clock=clock)
            if self.browser_egress is not None
            else None
        )
        self.deps = CaptureDeps(
            settings=settings,
            sessions=self.sessions,
            readers=self.readers,
            blobs=stores.blobs,
            fetcher=self.egress,
            clock=clock,
            browser=self.browser,
            screenshots=stores.screenshots,
            canaries=Canaries(settings.canary_urls, self.egress),
            write_lock=threading.Lock() if settings.is_sqlite else nullcontext(),
        )
        # Trusted timestamps of new snapshots, when TSAs are configured (ARCHIVER_TSA_URLS).
        self.stamper = (
            timestamps.Stamper(
                tsa_urls=settings.tsa_urls,
                sessions=self.sessions,
                blobs=stores.blobs,
                sender=self.egress,
                roots=trusted_roots(settings),
                write_lock=self.deps.write_lock,
            )
            if settings.tsa_urls
            else None
        )
        # Independent copies of new snapshots' posts (ARCHIVER_CORROBORATE=wayback).
        self.corroborator = (
            Corroborator(
                keys=settings.wayback_keys,
                sessions=self.sessions,
                sender=self.egress,
                write_lock=self.deps.write_lock,
            )
            if wayback.SERVICE in settings.corroborate and settings.wayback_keys is not None
            else None
        )
        self._next_sweep: datetime | None = None  # when to queue missing timestamps again
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.completed = 0
        # Posts whose observation could not be recorded (database unavailable): their leases.
        self._stranded: dict[str, datetime] = {}
        self._database_down = False

    @property
    def running(self) -> bool:
        """Whether the scheduler is running."""
        return bool(self.scheduler.running)

    def start(self) -> None:
        """Start draining (and delivering, stamping, corroborating) every ``poll_seconds``, and
        at once."""
        jobs = [
            self.deliver,
            self.stamp,
            *([self.corroborate] if self.corroborator is not None else []),
        ]
        for job in [*jobs, self.drain]:
            self.scheduler.add_job(
                job,
                "interval",
                seconds=self.poll_seconds,
                max_instances=1,
                coalesce=True,
                next_run_time=self.clock(),
                id=job.__name__,
            )
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop taking work; leases of anything unfinished simply run out."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.browser is not None:
            await self.browser.close()
        if self.browser_egress is not None:
            await self.browser_egress.aclose()
        await self.egress.aclose()
        self.engine.dispose()

    def _release_stranded(self) -> None:
        """Give back the posts whose observations could not be recorded."""
        if not self._stranded:
            return
        with transaction(self.sessions) as session:
            for post_id, lease in self._stranded.items():
                repository.release_lease(session=session, post_id=post_id, lease=lease)
        log.info("gave back %d posts to observe again", len(self._stranded))
        self._stranded.clear()

    def _unavailable(self, what: str, exc: BaseException) -> None:
        """Log that the database is unavailable: a warning when it goes, quiet while it stays."""
        if not self._database_down:
            said = describe_unavailable(exc)
            log.warning("%s: the database is unavailable (%s); retrying", what, said)
        self._database_down = True

    def _available(self) -> None:
        """Log that the database answers again, if it did not before."""
        if self._database_down:
            log.warning("the database is available again")
        self._database_down = False

    def _claim(self, limit: int) -> tuple[list[tuple[Post, Snapshot | None]], datetime]:
        """Lease up to ``limit`` due posts; each comes with its newest snapshot."""
        now = self.clock()
        lease = now + LEASE
        with transaction(self.sessions) as session:
            claimed = repository.claim_due_posts(
                session=session, now=now, lease_until=lease, limit=limit
            )
            return repository.posts_to_observe(session=session, post_ids=claimed), lease

    async def deliver(self) -> int:
        """Send the webhook deliveries that are due (each batch claimed, never sent twice)."""
        sent = 0
        try:
            while True:
                batch = await webhooks.deliver_due(
                    sessions=self.sessions, egress=self.egress, now=self.clock()
                )
                sent += batch
                if batch < webhooks.CLAIM_LIMIT:
                    return sent
        except UNAVAILABLE as exc:
            self._unavailable("webhook deliveries", exc)
            return sent

    async def stamp(self) -> int:
        """Request the trusted timestamps that are due; at start and every ``SWEEP_EVERY``,
        first set aside those of TSAs no longer configured and queue those of every snapshot
        that has none from a configured TSA yet. How many were stored."""
        try:
            now = self.clock()
            if self._next_sweep is None or now >= self._next_sweep:
                await asyncio.to_thread(self._sweep_timestamps, now)
                self._next_sweep = now + SWEEP_EVERY
            return 0 if self.stamper is None else await self.stamper.stamp_due(self.clock())
        except UNAVAILABLE as exc:
            self._unavailable("timestamps", exc)
            return 0

    def _sweep_timestamps(self, now: datetime) -> None:
        parked, back = timestamps.park_unconfigured(
            self.sessions, self.settings.tsa_urls, now, self.deps.write_lock
        )
        if parked or back:
            log.info("timestamps of removed TSAs set aside: %d; of TSAs back: %d", parked, back)
        if self.stamper is not None:
            queued = self.stamper.request_missing(now)
            if queued:
                log.info("queued %d snapshot timestamps that were missing", queued)

    async def corroborate(self) -> int:
        """Ask for the independent copies that are due, or how they are going; how many were
        made or refused."""
        if self.corroborator is None:
            return 0
        try:
            return await self.corroborator.corroborate_due(self.clock())
        except UNAVAILABLE as exc:
            self._unavailable("corroborations", exc)
            return 0

    async def drain(self) -> int:
        """Observe every post due now (first captures and re-checks alike), keeping up to
        ``check_concurrency`` observations in flight.

        Posts are claimed ``check_concurrency`` at a time (one transaction each) into a backlog
        that refills the slots as observations finish: one slow answer does not hold the other
        slots idle, so a worker waiting on platforms' latency keeps its whole concurrency busy.
        The drain ends when a claim finds nothing due and nothing is in flight.
        """
        limit = max(1, self.settings.check_concurrency)
        done = 0
        backlog: deque[tuple[tuple[Post, Snapshot | None], datetime]] = deque()
        # Observations in flight, and their results as each finishes (one queue: waiting on
        # the whole set of tasks at every completion costs more than the observations).
        running: set[asyncio.Task[None]] = set()
        finished: asyncio.Queue[CheckSummary | None] = asyncio.Queue()
        in_flight = 0  # started and not yet taken from ``finished``
        more_due = True  # the last claim got every post it asked for

        async def observe_one(loaded: tuple[Post, Snapshot | None], lease: datetime) -> None:
            result = None
            try:
                result = await self._observe_one(loaded, lease)
            finally:
                finished.put_nowait(result)

        try:
            await asyncio.to_thread(self._release_stranded)
            while True:
                if not backlog and (more_due or not in_flight):
                    claimed, lease = await asyncio.to_thread(self._claim, limit)
                    self._available()
                    more_due = len(claimed) == limit
                    backlog.extend((loaded, lease) for loaded in claimed)
                while backlog and in_flight < limit:
                    task = asyncio.create_task(observe_one(*backlog.popleft()))
                    running.add(task)
                    task.add_done_callback(running.discard)
                    in_flight += 1
                if not in_flight:
                    return done
                done += await finished.get() is not None
                in_flight -= 1
        except UNAVAILABLE as exc:
            self._unavailable("drain", exc)
            # What is in flight records itself (or is given back when the database returns).
            await asyncio.gather(*running)
            while not finished.empty():
                done += finished.get_nowait() is not None
            return done
        except asyncio.CancelledError:
            # The process is stopping mid-drain (the job's task is being cancelled anyway):
            # the leases of unfinished and waiting posts run out and another drain takes them.
            for task in running:
                task.cancel()
            log.info("drain stopped mid-way: the worker is shutting down")
            return done

    async def check_now(self, post_id: str) -> CheckSummary | None:
        """Observe one post at once (``archiver check``); ``None`` if another worker holds it."""
        now = self.clock()
        lease = now + LEASE

        def take() -> bool:
            with transaction(self.sessions) as session:
                return repository.lease_post(
                    session=session, post_id=post_id, now=now, lease_until=lease
                )

        if not await asyncio.to_thread(take):
            return None
        return await observe(post_id, self.deps, lease=lease)

    async def _observe_one(
        self, loaded: tuple[Post, Snapshot | None], lease: datetime
    ) -> CheckSummary | None:
        post_id = loaded[0].id
        try:
            summary = await observe(post_id, self.deps, lease=lease, loaded=loaded)
        except UNAVAILABLE as exc:  # nothing was recorded: observe it again once it is back
            self._stranded[post_id] = lease
            self._unavailable(f"post {post_id}", exc)
            return None
        except Exception:  # a bug: log it; the lease runs out and the post is tried again
            log.exception("observing post %s failed", post_id)
            return None
        if summary is None:
            log.warning("post %s: lease lost to another worker; nothing recorded", post_id)
            return None
        self.completed += 1
        log.info("post %s: %s (status %s)", post_id, summary.outcome.value, summary.status.value)
        return summary
