"""Claiming rows of a due queue (``next_attempt_at``): webhook deliveries, timestamps and
corroborations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session


def oldest_due(model: Any, *where: ColumnElement[bool], now: datetime, limit: int) -> Select[str]:
    """The IDs of ``model``'s rows due at ``now`` (and matching ``where``), oldest due first,
    at most ``limit``: what ``hold_due`` takes."""
    return (
        select(model.id)
        .where(model.next_attempt_at <= now, *where)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
    )


def hold_due(*, session: Session, model: Any, due: Select[str], hold_until: datetime) -> list[str]:
    """Take the rows whose IDs ``due`` selects (their ``model``'s due queue, oldest first,
    limited) and return their IDs.

    Claiming moves ``next_attempt_at`` to ``hold_until``, so no other worker takes them
    meanwhile and a crashed worker's claim simply runs out. On PostgreSQL the rows are locked
    with ``SKIP LOCKED`` so concurrent workers never claim the same one; SQLite runs one
    writer and its write transaction (IMMEDIATE) already serialises claims.
    """
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=model)
    ids = list(session.scalars(due))
    if ids:
        session.execute(update(model).where(model.id.in_(ids)).values(next_attempt_at=hold_until))
    return ids


def release_held(*, session: Session, model: Any, ids: Sequence[str], due: datetime) -> None:
    """Give claimed rows of ``model``'s queue back, due at ``due`` (nothing was done with
    them)."""
    if ids:
        session.execute(update(model).where(model.id.in_(list(ids))).values(next_attempt_at=due))
