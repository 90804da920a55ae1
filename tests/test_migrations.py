"""Migrations: an empty database goes to head, back to empty, and to head again, and the
models and the migration scripts describe the same schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from archiver.db import migrate
from archiver.db.models import Base
from archiver.db.session import create_db_engine
from tests.conftest import private_postgres_url, reset_postgres


def empty_database(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url = private_postgres_url()
    reset_postgres(url)
    return url


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_go_up_down_and_up_without_drift(backend: str, tmp_path: Path) -> None:
    """An empty database migrates to head, down to base, up again, and matches the models."""
    engine = create_db_engine(empty_database(backend, tmp_path))
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        migrate.downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrate.include_name}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_scheduler_and_list_indexes_exist(backend: str, tmp_path: Path) -> None:
    """The indexes that due-check picking, lists and lookups rely on are created."""
    engine = create_db_engine(empty_database(backend, tmp_path))
    try:
        migrate.upgrade(engine)
        inspector = inspect(engine)
        post_indexes = {tuple(ix["column_names"]) for ix in inspector.get_indexes("posts")}
        assert {("next_check_at",), ("status",), ("submitted_at", "id")} <= post_indexes
        uniques = {tuple(uq["column_names"]) for uq in inspector.get_unique_constraints("posts")}
        assert ("platform", "post_key") in uniques
    finally:
        engine.dispose()


def test_migrations_ship_inside_the_package_or_beside_it() -> None:
    """The migration scripts are found from the installed package."""
    folder = migrate.migrations_dir()
    assert (folder / "env.py").is_file()
    assert any(folder.glob("versions/0001_*.py"))
