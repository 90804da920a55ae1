"""Engines and sessions, built from settings by a factory (never at import time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for bare ``postgresql://`` URLs (SQLAlchemy assumes psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or ``None`` for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


WRITE_OPTION = "archiver_writes"

#: What the database raises when it cannot be had right now: the server is down or unreachable,
#: a connection broke, the pool ran dry, SQLite stayed locked past its busy timeout. The API
#: answers 503 (nothing stored); the worker logs it and tries again at its next poll.
UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)


def describe_unavailable(exc: BaseException) -> str:
    """One line saying why the database could not be had (no SQL, no parameters)."""
    origin = getattr(exc, "orig", None) or exc
    first = str(origin).strip().splitlines()
    return f"{type(origin).__name__}: {first[0]}" if first else type(origin).__name__


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and on its own terms, which breaks SAVEPOINTs; hand
    # transaction control to SQLAlchemy (the recipe in SQLAlchemy's SQLite dialect docs).
    dbapi_connection.isolation_level = None
    # WAL lets readers run beside the writer; synchronous=FULL makes every commit durable
    # across power loss, not only process crashes (an accepted submission is never lost).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_normal_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock when they begin (IMMEDIATE), so two writers queue on the
    # busy timeout instead of one failing with "database is locked" when its read snapshot
    # went stale under WAL. Readers begin DEFERRED and never block anyone.
    mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str, *, fsync_every_commit: bool = True) -> Engine:
    """Create an engine for ``url``; for SQLite, make its folder and set durable pragmas.

    ``fsync_every_commit=False`` (the worker's engine) keeps SQLite's WAL commits durable
    across crashes of the process but not across a power cut: what a worker records is an
    observation it can make again (the post's schedule rolls back with it), while submissions,
    which must never be lost, go through engines that sync every commit.
    """
    url = normalize_database_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        if not fsync_every_commit:
            event.listen(engine, "connect", _sqlite_normal_sync)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def create_session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit.

    ``write=True`` is for sessions that will write: on SQLite they begin IMMEDIATE.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
