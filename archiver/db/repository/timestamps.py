"""Trusted timestamps of snapshots, and the queue of those still to be requested."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from archiver.db.models import Post, Snapshot, SnapshotTimestamp
from archiver.db.repository.artifacts import BATCH
from archiver.db.repository.claims import hold_due, oldest_due, release_held
from archiver.ids import new_id


def request_timestamps(
    *, session: Session, snapshot_id: str, tsa_urls: Sequence[str], now: datetime
) -> int:
    """Queue a timestamp of the snapshot by each TSA that has none pending for it, due at
    once; how many were queued."""
    pending = set(
        session.scalars(
            select(SnapshotTimestamp.tsa_url)
            .where(SnapshotTimestamp.snapshot_id == snapshot_id)
            .where(SnapshotTimestamp.next_attempt_at.is_not(None))
        )
    )
    wanted = [url for url in dict.fromkeys(tsa_urls) if url not in pending]
    session.add_all(
        SnapshotTimestamp(
            snapshot_id=snapshot_id, tsa_url=url, requested_at=now, next_attempt_at=now, attempts=0
        )
        for url in wanted
    )
    return len(wanted)


def request_missing_timestamps(
    *,
    session: Session,
    tsa_url: str,
    captured_before: datetime,
    now: datetime,
    limit: int = BATCH,
) -> int:
    """Queue a timestamp by ``tsa_url`` of up to ``limit`` snapshots captured before
    ``captured_before`` that have none from it (stamped or pending), oldest capture first, due
    at once; how many were queued (call it again, in a new transaction, while that is
    ``limit``)."""
    missing = (
        select(Snapshot.id)
        .where(Snapshot.captured_at < captured_before)
        .where(
            ~exists().where(
                SnapshotTimestamp.snapshot_id == Snapshot.id, SnapshotTimestamp.tsa_url == tsa_url
            )
        )
        .order_by(Snapshot.captured_at, Snapshot.id)
        .limit(limit)
    )
    ids = list(session.scalars(missing))
    if ids:
        session.execute(
            insert(SnapshotTimestamp),
            [
                {
                    "id": new_id(),
                    "snapshot_id": snapshot_id,
                    "tsa_url": tsa_url,
                    "requested_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                }
                for snapshot_id in ids
            ],
        )
    return len(ids)


def park_timestamps(
    *, session: Session, configured: Sequence[str], now: datetime, reason: str
) -> tuple[int, int]:
    """Take the pending timestamps of TSAs not in ``configured`` out of the queue (nobody would
    ever ask for them), saying ``reason``; and put back, due at once, the unfinished ones of
    TSAs that are configured (again). How many were parked, and how many put back."""
    unfinished = SnapshotTimestamp.token_sha256.is_(None)
    parked = session.execute(
        update(SnapshotTimestamp)
        .where(unfinished, SnapshotTimestamp.next_attempt_at.is_not(None))
        .where(SnapshotTimestamp.tsa_url.not_in(configured))
        .values(next_attempt_at=None, last_error=reason)
    )
    back = session.execute(
        update(SnapshotTimestamp)
        .where(unfinished, SnapshotTimestamp.next_attempt_at.is_(None))
        .where(SnapshotTimestamp.tsa_url.in_(configured))
        .values(next_attempt_at=now)
    )
    return int(getattr(parked, "rowcount", 0)), int(getattr(back, "rowcount", 0))


def claim_due_timestamps(
    *, session: Session, tsa_url: str, now: datetime, hold_until: datetime, limit: int
) -> list[str]:
    """Take up to ``limit`` timestamps due from ``tsa_url`` and return their IDs, oldest due
    first; claiming holds them until ``hold_until`` (see ``claims.hold_due``)."""
    query = oldest_due(
        SnapshotTimestamp, SnapshotTimestamp.tsa_url == tsa_url, now=now, limit=limit
    )
    return hold_due(session=session, model=SnapshotTimestamp, due=query, hold_until=hold_until)


def release_timestamps(*, session: Session, timestamp_ids: Sequence[str], due: datetime) -> None:
    """Give claimed timestamps back to the queue, due at ``due`` (no attempt was made)."""
    release_held(session=session, model=SnapshotTimestamp, ids=timestamp_ids, due=due)


def timestamp_context(
    *, session: Session, timestamp_id: str
) -> tuple[SnapshotTimestamp, Snapshot, Post] | None:
    """A timestamp with its snapshot and the snapshot's post, or ``None``."""
    row = session.execute(
        select(SnapshotTimestamp, Snapshot, Post)
        .join(Snapshot, Snapshot.id == SnapshotTimestamp.snapshot_id)
        .join(Post, Post.id == Snapshot.post_id)
        .where(SnapshotTimestamp.id == timestamp_id)
    ).one_or_none()
    if row is None:
        return None
    stamp, snapshot, post = row
    return stamp, snapshot, post


def get_timestamp(*, session: Session, timestamp_id: str) -> SnapshotTimestamp | None:
    """The timestamp with this ID, or ``None``."""
    return session.get(SnapshotTimestamp, timestamp_id)


def stamped_timestamps(*, session: Session) -> Iterator[tuple[SnapshotTimestamp, Snapshot]]:
    """Every timestamp whose token is stored, with its snapshot, in ID order (streamed)."""
    query = (
        select(SnapshotTimestamp, Snapshot)
        .join(Snapshot, Snapshot.id == SnapshotTimestamp.snapshot_id)
        .where(SnapshotTimestamp.token_sha256.is_not(None))
        .order_by(SnapshotTimestamp.id)
    )
    rows = session.execute(query.execution_options(yield_per=BATCH))
    yield from ((stamp, snapshot) for stamp, snapshot in rows)


def timestamp_artifact_rows(
    *, session: Session
) -> Iterator[tuple[str, str, str | None, str | None, str | None]]:
    """``(id, snapshot_id, manifest_sha256, token_sha256, chain_sha256)`` of every timestamp
    that stored its manifest."""
    query = (
        select(
            SnapshotTimestamp.id,
            SnapshotTimestamp.snapshot_id,
            SnapshotTimestamp.manifest_sha256,
            SnapshotTimestamp.token_sha256,
            SnapshotTimestamp.chain_sha256,
        )
        .where(SnapshotTimestamp.manifest_sha256.is_not(None))
        .order_by(SnapshotTimestamp.id)
    )
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        yield row.id, row.snapshot_id, row.manifest_sha256, row.token_sha256, row.chain_sha256
