"""Observing posts in the test's process, as the worker does (``capture.observe``), against the
platform emulator: for tests of what one observation records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from archiver.config import Settings, load_settings
from archiver.db.models import Check, Event, Post, Snapshot
from archiver.db.session import create_session_factory
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.services.capture import CaptureDeps, CheckSummary, observe
from archiver.storage import LocalBlobStore


@dataclass
class Rig:
    """What observing needs, on the test's database and the module's emulator."""

    settings: Settings
    engine: Engine
    emulator: EmulatorServer

    async def observe(self, post_id: str, deadline: float = 10.0) -> CheckSummary:
        """Observe the post once, as the worker would, through a fresh gate."""
        async with Egress(self.settings, timeout=deadline) as gate:
            summary = await observe(post_id, self.deps(gate))
        assert summary is not None
        return summary

    def deps(self, gate: Egress) -> CaptureDeps:
        return CaptureDeps(
            settings=self.settings,
            sessions=create_session_factory(self.engine, write=True),
            readers=create_session_factory(self.engine),
            blobs=LocalBlobStore(self.settings.data_dir / "blobs"),
            fetcher=gate,
            clock=lambda: datetime.now(UTC),
        )

    def state(self, post_id: str) -> tuple[Post, int, int]:
        """The post as stored, and how many snapshots and events it has."""
        with create_session_factory(self.engine)() as session:
            post = session.get(Post, post_id)
            assert post is not None
            snapshots = len(
                session.scalars(select(Snapshot.id).where(Snapshot.post_id == post_id)).all()
            )
            events = len(session.scalars(select(Event.id).where(Event.post_id == post_id)).all())
            return post, snapshots, events

    def check(self, check_id: str) -> Check:
        with create_session_factory(self.engine)() as session:
            check = session.get(Check, check_id)
            assert check is not None
            return check


def routed_rig(settings: Settings, engine: Engine, emulator: EmulatorServer) -> Rig:
    """A rig on the test's database and folders, every platform sent to ``emulator``; no
    screenshots, no re-check due for an hour."""
    routed = load_settings(
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        screenshots_dir=settings.screenshots_dir,
        upstream_overrides=emulator.overrides,
        screenshots=False,
        recheck_schedule="1h",
    )
    return Rig(routed, engine, emulator)
