"""``archiver keys create|list|revoke``: API keys, shown once and stored hashed."""

from __future__ import annotations

import argparse

from rich.table import Table

from archiver.cli.common import console, database, errors, now
from archiver.config import Settings
from archiver.db.session import transaction
from archiver.domain import ApiKeyRole
from archiver.services import keys


def cmd_keys_create(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver keys create NAME [--role]``: print the new key once."""
    with database(settings, write=True) as factory, transaction(factory) as session:
        new = keys.create_key(
            session=session, name=args.name, role=ApiKeyRole(args.role), now=now()
        )
        key_id = new.record.id
    errors.print(f"Created {args.role} key {key_id} ({args.name}). It is shown only this once:")
    print(new.secret)
    return 0


def cmd_keys_list(settings: Settings, _args: argparse.Namespace) -> int:
    """``archiver keys list``: every key, without secrets."""
    with database(settings, write=False) as factory, transaction(factory) as session:
        rows = keys.list_keys(session=session)
        table = Table("id", "name", "role", "starts", "created", "last used", "revoked")
        for row in rows:
            table.add_row(
                row.id,
                row.name,
                row.role.value,
                row.prefix + "…",
                f"{row.created_at:%Y-%m-%d %H:%M}",
                f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "",
                f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
            )
    console.print(
        table if rows else "No API keys yet: create one with `archiver keys create NAME`."
    )
    return 0


def cmd_keys_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """``archiver keys revoke ID``."""
    with database(settings, write=True) as factory, transaction(factory) as session:
        done = keys.revoke_key(session=session, key_id=args.key_id, now=now())
    if not done:
        errors.print(f"archiver: there is no active key {args.key_id}.")
        return 1
    console.print(f"Revoked key {args.key_id}.")
    return 0
