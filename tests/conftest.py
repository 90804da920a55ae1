"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured),
settings pointing at temporary folders, the real app behind a test client, and an API key."""

from __future__ import annotations

import atexit
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from archiver import telemetry
from archiver.api.app import create_app
from archiver.config import Settings, load_settings
from archiver.db import migrate
from archiver.db.models import Base
from archiver.db.session import (
    create_db_engine,
    create_session_factory,
    normalize_database_url,
    transaction,
)
from archiver.domain import ApiKeyRole
from archiver.services import keys

POSTGRES_URL = os.environ.get("ARCHIVER_TEST_DATABASE_URL")
NO_POSTGRES = "PostgreSQL tests need ARCHIVER_TEST_DATABASE_URL (e.g. postgresql://u:p@host/db)"

M = TypeVar("M", bound=Base)


def reset_postgres(url: str) -> None:
    """Leave the PostgreSQL test database with nothing in it."""
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_db_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@cache
def private_postgres_url() -> str:
    """A database of this test process's own, beside ``ARCHIVER_TEST_DATABASE_URL``'s (made
    once, dropped at exit), so that test runs side by side never empty each other's tables."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    url = make_url(normalize_database_url(POSTGRES_URL))
    name = f"{url.database}_{os.getpid()}"
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    atexit.register(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "archive.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL test database, emptied and migrated to head once per session."""
    url = private_postgres_url()
    reset_postgres(url)
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database for one test."""
    if request.param == "sqlite":
        path = tmp_path / "archive.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the test's database and temporary folders (no stray .env is read)."""
    monkeypatch.chdir(tmp_path)
    return load_settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        screenshots_dir=tmp_path / "screenshots",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the test's database, for looking behind the API."""
    engine = create_db_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app, lifespan and all, behind a test client."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def make_key(engine: Engine, role: ApiKeyRole = ApiKeyRole.SUBMITTER) -> str:
    """Create an API key and return its secret."""
    with transaction(create_session_factory(engine)) as session:
        return keys.create_key(
            session=session, name="tests", role=role, now=datetime.now(UTC)
        ).secret


@pytest.fixture
def auth(engine: Engine) -> dict[str, str]:
    """Headers carrying a valid submitter key."""
    return {"Authorization": f"Bearer {make_key(engine)}"}


def count_rows(engine: Engine, model: type[Base]) -> int:
    """How many rows a table holds."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def rows_of(engine: Engine, model: type[M], *where: Any, order_by: Any = None) -> list[M]:
    """The rows of a table (those matching ``where``), in ``order_by`` order, detached."""
    with Session(engine) as session:
        query = select(model).where(*where)
        rows = session.scalars(query if order_by is None else query.order_by(order_by)).all()
        session.expunge_all()
        return list(rows)


@contextmanager
def third_party_counts(service: str) -> Iterator[dict[str, float]]:
    """What ``/metrics`` counts of ``service``'s answers (``archiver_third_party_requests``)
    while the block runs, by result: filled in as the block ends, results that did not move
    left out."""
    registry = telemetry.registry()

    def now() -> dict[str, float]:
        return {
            sample.labels["result"]: sample.value
            for family in registry.collect()
            if family.name == "archiver_third_party_requests"
            for sample in family.samples
            if sample.name.endswith("_total") and sample.labels["service"] == service
        }

    before = now()
    moved: dict[str, float] = {}
    yield moved
    for result, value in now().items():
        if value != before.get(result, 0.0):
            moved[result] = value - before.get(result, 0.0)
