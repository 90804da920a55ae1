"""Engines and sessions, built from settings by a factory (never at import time)."""

from __future__ import annotations

import sqlite3
import threading
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
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_normal_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: How long a writer waits for SQLite's write lock before the database counts as unavailable.
SQLITE_BUSY_SECONDS = 30

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(database: str) -> threading.Lock:
    """The in-process lock of one SQLite database's writers (one per file, for every engine)."""
    with _write_locks_guard:
        return _write_locks.setdefault(database, threading.Lock())


class _WriterConnection(sqlite3.Connection):
    """A SQLite connection that lets go of its database's in-process write lock when its
    transaction ends (commit, rollback or close), whichever thread ends it."""

    archiver_held: threading.Lock | None = None

    def hold(self, lock: threading.Lock) -> None:
        if not lock.acquire(timeout=SQLITE_BUSY_SECONDS):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        self.archiver_held = lock

    def let_go(self) -> None:
        held, self.archiver_held = self.archiver_held, None
        if held is not None:
            held.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.let_go()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the write lock when they begin (IMMEDIATE), so two writers queue instead of
    # one failing with "database is locked" when its read snapshot went stale under WAL.
    # Writers of this process queue first on an in-process lock: SQLite's own busy handler
    # waits by sleeping (up to 100 ms at a time), which under load costs far more than the
    # transactions it waits for. Readers begin DEFERRED and never block anyone.
    writes = bool(connection.get_execution_options().get(WRITE_OPTION))
    if writes:
        raw = connection.connection.dbapi_connection
        if isinstance(raw, _WriterConnection) and raw.archiver_held is None:
            database = str(connection.engine.url.database or ":memory:")
            raw.hold(_write_lock(database))
    try:
        connection.exec_driver_sql(f"BEGIN {'IMMEDIATE' if writes else 'DEFERRED'}")
    except BaseException:
        if writes and isinstance(raw, _WriterConnection):
            raw.let_go()
        raise


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
        connect_args = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_SECONDS,
            "factory": _WriterConnection,
        }
        engine = create_engine(url, connect_args=connect_args)
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
