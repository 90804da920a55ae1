"""Apply and inspect Alembic migrations from code (``archiver migrate``, service start, tests)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (default: the newest)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default: empty)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision among the scripts."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
