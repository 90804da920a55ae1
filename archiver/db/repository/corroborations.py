"""Independent copies of snapshots by other archives, and the queue of those still to be asked
for or polled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archiver.db.models import CorroborationStatus, SnapshotCorroboration
from archiver.db.repository.claims import hold_due, oldest_due, release_held


def request_corroborations(
    *, session: Session, snapshot_id: str, url: str, services: Sequence[str], now: datetime
) -> int:
    """Queue a copy of ``url`` for the snapshot by each service not yet asked for one, due at
    once; how many were queued."""
    asked = set(
        session.scalars(
            select(SnapshotCorroboration.service).where(
                SnapshotCorroboration.snapshot_id == snapshot_id
            )
        )
    )
    wanted = [service for service in dict.fromkeys(services) if service not in asked]
    session.add_all(
        SnapshotCorroboration(
            snapshot_id=snapshot_id,
            service=service,
            url=url,
            status=CorroborationStatus.PENDING,
            requested_at=now,
            next_attempt_at=now,
            attempts=0,
        )
        for service in wanted
    )
    return len(wanted)


def claim_due_corroborations(
    *, session: Session, service: str, now: datetime, hold_until: datetime, limit: int
) -> list[SnapshotCorroboration]:
    """Take up to ``limit`` requests to ``service`` due at ``now``, oldest due first; claiming
    holds them until ``hold_until`` (see ``claims.hold_due``)."""
    query = oldest_due(
        SnapshotCorroboration, SnapshotCorroboration.service == service, now=now, limit=limit
    )
    ids = hold_due(session=session, model=SnapshotCorroboration, due=query, hold_until=hold_until)
    found = session.scalars(select(SnapshotCorroboration).where(SnapshotCorroboration.id.in_(ids)))
    rows = {row.id: row for row in found}
    return [rows[row_id] for row_id in ids]


def release_corroborations(*, session: Session, ids: Sequence[str], due: datetime) -> None:
    """Give claimed requests back to the queue, due at ``due`` (no attempt was made)."""
    release_held(session=session, model=SnapshotCorroboration, ids=ids, due=due)


def get_corroboration(*, session: Session, corroboration_id: str) -> SnapshotCorroboration | None:
    """The corroboration with this ID, or ``None``."""
    return session.get(SnapshotCorroboration, corroboration_id)
