"""API keys, by their hashes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archiver.db.models import (
    ApiKey,
)
from archiver.domain import ApiKeyRole


def add_api_key(
    *, session: Session, name: str, role: ApiKeyRole, key_hash: str, prefix: str, now: datetime
) -> ApiKey:
    """Store a new API key by its hash."""
    key = ApiKey(name=name, role=role, key_hash=key_hash, prefix=prefix, created_at=now)
    session.add(key)
    session.flush()
    return key


def find_api_key(*, session: Session, key_hash: str) -> ApiKey | None:
    """The key with this hash, revoked or not, or ``None``."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).one_or_none()


def unrevoked_key_ids(*, session: Session, key_ids: Iterable[str]) -> set[str]:
    """Which of these keys exist and are not revoked, in one query."""
    wanted = set(key_ids)
    if not wanted:
        return set()
    query = select(ApiKey.id).where(ApiKey.id.in_(wanted), ApiKey.revoked_at.is_(None))
    return set(session.scalars(query))


def list_api_keys(*, session: Session) -> list[ApiKey]:
    """Every API key, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def touch_api_key(*, session: Session, key_id: str, now: datetime) -> None:
    """Record that a key was just used."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


def revoke_api_key(*, session: Session, key_id: str, now: datetime) -> bool:
    """Revoke a key; ``False`` when there is no such unrevoked key."""
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))
