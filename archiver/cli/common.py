"""What every subcommand shares: the two consoles, the clock, progress bars, and a migrated
database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import Progress
from sqlalchemy.orm import Session, sessionmaker

from archiver.config import Settings
from archiver.db import migrate
from archiver.db.session import create_db_engine, create_session_factory

console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)


def now() -> datetime:
    return datetime.now(UTC)


def progress_bar(*, hide: bool = False) -> Progress:
    """A progress bar on stderr, shown only on a terminal and gone once done."""
    return Progress(console=errors, transient=True, disable=hide or not errors.is_terminal)


def prepare(settings: Settings) -> None:
    """Create the data folders and bring the database schema up to date."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.screenshots_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    finally:
        engine.dispose()
    if before != after:
        errors.print(f"Database migrated from {before or 'empty'} to {after}.")


@contextmanager
def database(settings: Settings, *, write: bool) -> Iterator[sessionmaker[Session]]:
    """Migrate, then give a session factory on the configured database; dispose after."""
    prepare(settings)
    engine = create_db_engine(settings.database_url)
    try:
        yield create_session_factory(engine, write=write)
    finally:
        engine.dispose()
