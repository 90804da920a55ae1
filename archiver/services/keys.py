"""API keys: create one (shown once), authenticate a bearer token, list and revoke.

Keys are 256-bit random tokens, so a plain SHA-256 is a safe way to store them: there is no
password to brute-force, and a lookup by hash is one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import ApiKey
from archiver.domain import ApiKeyRole

KEY_PREFIX = "arch_"


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just created: the stored record and the secret, which is never shown again."""

    record: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    """The SHA-256 (hex) under which a key is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(*, session: Session, name: str, role: ApiKeyRole, now: datetime) -> NewKey:
    """Create and store a key; the caller shows ``secret`` once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a key needs a name of 1 to 100 characters")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    record = repository.add_api_key(
        session=session,
        name=name,
        role=role,
        key_hash=hash_key(secret),
        prefix=secret[: len(KEY_PREFIX) + 4],
        now=now,
    )
    return NewKey(record=record, secret=secret)


#: ``last_used_at`` is kept to the minute (``archiver keys list`` shows minutes): a key in
#: steady use is written at most once a minute, not once per request.
TOUCH_EVERY = timedelta(minutes=1)


def authenticate(*, session: Session, secret: str, now: datetime) -> ApiKey | None:
    """The unrevoked key matching ``secret`` (its use recorded), or ``None``."""
    record = repository.find_api_key(session=session, key_hash=hash_key(secret))
    if record is None or record.revoked_at is not None:
        return None
    last = record.last_used_at
    if last is None or not timedelta(0) <= now - last < TOUCH_EVERY:
        repository.touch_api_key(session=session, key_id=record.id, now=now)
    return record


def list_keys(*, session: Session) -> list[ApiKey]:
    """Every key, oldest first (hashes only; secrets are never stored)."""
    return repository.list_api_keys(session=session)


def revoke_key(*, session: Session, key_id: str, now: datetime) -> bool:
    """Revoke a key at once; ``False`` if no such active key exists."""
    return repository.revoke_api_key(session=session, key_id=key_id, now=now)
