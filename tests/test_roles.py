"""Processes of one installation: several starting together migrate one database once, and
``archiver serve --no-worker --processes N`` serves one port from N processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from archiver.db import migrate
from archiver.db.session import create_db_engine
from tests.conftest import private_postgres_url, reset_postgres
from tests.service import free_port, until

pytestmark = pytest.mark.slow


def archiver(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """Start ``python -m archiver ARGS``."""
    return subprocess.Popen(
        [sys.executable, "-m", "archiver", *args],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.postgres
def test_processes_starting_together_migrate_an_empty_postgresql_once(tmp_path: Path) -> None:
    """Four ``archiver migrate`` started at once on an empty PostgreSQL all succeed (they take
    turns on an advisory lock) and leave it at the newest revision."""
    url = private_postgres_url()
    reset_postgres(url)
    env = {"ARCHIVER_DATABASE_URL": url, "ARCHIVER_DATA_DIR": str(tmp_path)}
    processes = [archiver("migrate", env=env, cwd=tmp_path) for _ in range(4)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    engine = create_db_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    finally:
        engine.dispose()


def test_serve_runs_several_api_processes_on_one_port(tmp_path: Path) -> None:
    """``--processes 2`` answers on one port from two processes; without ``--no-worker`` it
    is refused with one sentence, before anything starts."""
    env = {"ARCHIVER_DATA_DIR": str(tmp_path / "data")}
    refused = archiver("serve", "--processes", "2", env=env, cwd=tmp_path)
    output = refused.communicate(timeout=60)[0]
    assert refused.returncode == 2
    assert "--no-worker" in output and not (tmp_path / "data").exists()

    port = free_port()
    serving = archiver(
        "serve", "--no-worker", "--processes", "2", "--port", str(port), env=env, cwd=tmp_path
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        until("the API to answer", healthy, seconds=60)
        children = subprocess.run(
            ["pgrep", "-P", str(serving.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) >= 2  # two server processes under uvicorn's supervisor
    finally:
        serving.terminate()
        serving.communicate(timeout=30)
