"""Apply and inspect Alembic migrations from code (``archiver migrate``, service start, tests)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

import archiver

#: What the migrations make that the models do not describe: the full-text search indexes
#: (SQLite's FTS5 table with its shadow tables and triggers, PostgreSQL's GIN index).
SEARCH_OBJECTS = "snapshots_fts"


def include_name(name: str | None, type_: str, parent_names: Mapping[str, str | None]) -> bool:
    """Whether autogenerate and drift checks compare this database object with the models:
    everything but the full-text search indexes."""
    return not (name or "").startswith(SEARCH_OBJECTS)


def migrations_dir() -> Path:
    """Where the migration scripts are: inside an installed wheel, or at the repository top."""
    package = Path(archiver.__file__).resolve().parent
    for candidate in (package / "_migrations", package.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("Archiver's migrations folder is missing from this installation")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointed at our scripts and at ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


#: The advisory lock key migrations hold on PostgreSQL (any fixed 64-bit number; "archiver").
_LOCK = 0x61726368697665


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction to migrate on, committed when the block ends.

    On SQLite, foreign keys are off meanwhile and checked before the commit, as SQLite's own
    recipe for changing a table asks: a batch migration copies a table and drops the old one,
    and with foreign keys on, that drop deletes (or nulls) every row referring to it — rebuilding
    ``events`` in 0005 took every webhook delivery with it.

    On PostgreSQL the transaction first takes an advisory lock: processes that start together
    (API processes and workers of one installation) migrate one after another, and those
    after the first find nothing left to do.
    """
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # outside any transaction: inside one, SQLite ignores the pragma
            _pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, pragma: str) -> None:
    # On the driver's connection: SQLAlchemy would begin a transaction first.
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (default: the newest)."""
    config = alembic_config(engine)
    with migration_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default: empty)."""
    config = alembic_config(engine)
    with migration_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision among the scripts."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
