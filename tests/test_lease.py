"""An observation that outlived its lease records nothing: the worker that took the post over
records the one observation that counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from archiver.config import Settings, load_settings
from archiver.db.models import Check, Post
from archiver.db.session import create_session_factory, transaction
from archiver.emulator import EmulatorServer
from archiver.services import submissions
from archiver.services.capture import observe
from archiver.worker import Worker
from tests.conftest import count_rows


async def test_an_observation_whose_lease_was_taken_over_records_nothing(
    settings: Settings, engine: Engine
) -> None:
    """With another worker's lease on the post, the late observation is dropped."""
    with EmulatorServer() as emulator:
        post = emulator.world.add_post("x", "councilwatch", "Leases keep checks single.")
        with transaction(create_session_factory(engine, write=True)) as session:
            post_id = submissions.submit_post(
                session=session, url=post.url, now=datetime.now(UTC)
            ).post.id
        mine = datetime.now(UTC) + timedelta(minutes=5)
        theirs = mine + timedelta(seconds=1)
        with engine.begin() as connection:
            connection.execute(update(Post).values(lease_until=theirs))
        worker = Worker(
            load_settings(
                database_url=settings.database_url,
                data_dir=settings.data_dir,
                screenshots_dir=settings.screenshots_dir,
                upstream_overrides=emulator.override_map,
                screenshots=False,
            ),
            clock=lambda: datetime.now(UTC),
        )
        try:
            assert await observe(post_id, worker.deps, lease=mine) is None
            assert count_rows(engine, Check) == 0
            summary = await observe(post_id, worker.deps, lease=theirs)
            assert summary is not None
            assert summary.status.value == "live"
            assert count_rows(engine, Check) == 1

            # The same for a re-check that finds the post unchanged (recorded without
            # loading objects): the late one is dropped, the holder's is recorded once.
            with engine.begin() as connection:
                connection.execute(update(Post).values(lease_until=theirs))
            assert await observe(post_id, worker.deps, lease=mine) is None
            assert count_rows(engine, Check) == 1
            again = await observe(post_id, worker.deps, lease=theirs)
            assert again is not None
            assert again.outcome.value == "unchanged"
            assert again.snapshot_id is None
            assert count_rows(engine, Check) == 2
            with engine.connect() as connection:
                row = connection.execute(
                    select(Post.lease_until, Post.last_checked_at, Post.next_check_at)
                ).one()
            assert row.lease_until is None
            assert row.last_checked_at is not None
            assert row.next_check_at is not None
            assert row.next_check_at > row.last_checked_at
        finally:
            await worker.stop()
