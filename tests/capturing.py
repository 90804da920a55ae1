"""Capturing posts for real, for tests of what is done with them afterwards: the ``archiver``
command pointed at the test's database, and the platform emulator as upstream."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from archiver.cli import main
from archiver.config import Settings
from archiver.db.models import Post, Snapshot
from archiver.emulator import EmulatorServer

X_TEXT = "The river budget vote is postponed to Thursday; the agenda is out. #localgov"


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the command at the test's database and folders."""
    monkeypatch.setenv("ARCHIVER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ARCHIVER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARCHIVER_SCREENSHOTS_DIR", str(settings.screenshots_dir))
    monkeypatch.delenv("ARCHIVER_API_KEY", raising=False)
    return settings


@pytest.fixture
def emulator(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """The platform emulator as every upstream; captures without screenshots unless a test
    turns them back on."""
    with EmulatorServer() as server:
        monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", server.overrides)
        monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "false")
        yield server


def submit_and_wait(*urls: str) -> None:
    """``archiver submit URL... --wait``, which must capture every one."""
    assert main(["submit", *urls, "--wait"]) == 0


def post_id_of(engine: Engine, url: str) -> str:
    """The ID of the post stored for ``url``."""
    with engine.connect() as connection:
        post_id: str = connection.execute(select(Post.id).where(Post.url == url)).scalar_one()
    return post_id


def snapshots_of(engine: Engine, post_id: str) -> list[Snapshot]:
    """A post's snapshots (detached rows)."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        rows = session.scalars(select(Snapshot).where(Snapshot.post_id == post_id)).all()
        session.expunge_all()
        return list(rows)


def wacz_validate(path: Path) -> str:
    """Run Webrecorder's ``wacz validate`` on a file; return its output (it must pass)."""
    done = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"Validation succeeded", output), output
    return output


def verified_clean(capsys: pytest.CaptureFixture[str]) -> int:
    """Run ``archiver verify`` and check that it finds every artifact intact; how many it
    checked (at least a raw body, a WARC, a photo, a screenshot and an article)."""
    capsys.readouterr()
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"Checked (\d+) artifacts", out)
    assert found is not None, out
    checked = int(found.group(1))
    assert checked >= 5  # raw body, WARC, photo, screenshot, article
    assert f"{checked} intact, 0 missing, 0 mismatched" in out
    return checked
