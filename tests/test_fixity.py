"""The fixity audit: ``archiver verify`` recomputes the SHA-256 of every artifact the database
names, passes on a clean store, and names every missing or altered one (exit 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archiver.cli import main
from archiver.config import Settings
from archiver.db import repository
from archiver.db.models import Article
from archiver.emulator import EmulatorServer
from archiver.services import fixity
from archiver.storage import LocalBlobStore
from tests import capturing
from tests.capturing import (
    X_TEXT,
    post_id_of,
    snapshots_of,
    submit_and_wait,
)

cli_env = capturing.cli_env  # the fixtures
emulator = capturing.emulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the audit reads bytes, not pictures


def flip_a_byte(path: Path) -> None:
    """Change one byte of a stored file in place (bit rot, or tampering)."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def archive_with_every_kind_of_artifact(
    emulator: EmulatorServer, engine: Engine, settings: Settings, tmp_path: Path
) -> tuple[str, str]:
    """A captured post with a photo and a screenshot, and an article: the post's ID and the
    snapshot's."""
    post = emulator.world.add_post(
        "x", "councilwatch", X_TEXT, media=[{"type": "photo", "width": 800, "height": 600}]
    )
    submit_and_wait(post.url)
    post_id = post_id_of(engine, post.url)
    [snapshot] = snapshots_of(engine, post_id)
    shot = LocalBlobStore(settings.screenshots_dir).put(PNG)
    with Session(engine) as session, session.begin():
        check = repository.checks_of_post(session=session, post_id=post_id)[0]
        repository.attach_screenshot(
            session=session,
            snapshot_id=snapshot.id,
            check_id=check.id,
            sha256=shot.sha256,
            width=10,
            height=10,
            source="platform",
            browser_version="test",
            taken_at=datetime.now(UTC),
            page_url=None,
            error=None,
        )
    page = tmp_path / "story.html"
    page.write_text("<html><body><article><p>Nothing quoted.</p></article></body></html>")
    assert main(["article", str(page), "--no-capture"]) == 0
    return post_id, snapshot.id


def test_verify_passes_on_a_clean_store_and_names_each_bad_artifact(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Clean: exit 0 with the counts. Then a flipped byte in the screenshot and in the raw
    body, and a missing article and media file: exit 1, each named with who names it."""
    post_id, snapshot_id = archive_with_every_kind_of_artifact(emulator, engine, cli_env, tmp_path)
    checked = capturing.verified_clean(capsys)

    [snapshot] = snapshots_of(engine, post_id)
    blobs = LocalBlobStore(cli_env.data_dir / "blobs")
    screenshots = LocalBlobStore(cli_env.screenshots_dir)
    with Session(engine) as session:
        article_raw = session.scalars(select(Article.raw_sha256)).one()
    assert snapshot.screenshot_sha256 and snapshot.raw_sha256 and article_raw
    flip_a_byte(screenshots.path(snapshot.screenshot_sha256))
    flip_a_byte(blobs.path(snapshot.raw_sha256))
    blobs.path(article_raw).unlink()
    blobs.path(snapshot.media[0]["sha256"]).unlink()

    assert main(["verify"]) == 1
    out, err = capsys.readouterr()
    assert f"{checked - 4} intact, 2 missing, 2 mismatched" in out
    owner = f"snapshot {snapshot_id} (post {post_id})"
    assert f"MISMATCHED screenshots/{snapshot.screenshot_sha256}" in out
    assert f"named by {owner}: screenshot" in out
    assert f"MISMATCHED blobs/{snapshot.raw_sha256}" in out
    assert f"named by {owner}: raw body" in out
    assert f"MISSING blobs/{article_raw}" in out and ": raw bytes" in out
    assert f"named by {owner}: media {snapshot.media[0]['url']}" in out
    assert err.strip() == "archiver: 4 stored artifact(s) failed the audit."


def test_a_blob_named_twice_is_read_once_and_reported_with_both_names(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings
) -> None:
    """A snapshot and the check that made it share one WARC: one read, two referrers."""
    post = emulator.world.add_post("mastodon", "archivist", "Desks at the archive.")
    submit_and_wait(post.url)
    post_id = post_id_of(engine, post.url)
    [snapshot] = snapshots_of(engine, post_id)
    with Session(engine) as session:
        refs = fixity.references(session=session)
    assert snapshot.warc_sha256
    named = refs[(fixity.BLOBS, snapshot.warc_sha256)]
    assert any(n.startswith(f"snapshot {snapshot.id}") for n in named)
    assert any(n.startswith("check ") for n in named)
    stores = {
        fixity.BLOBS: LocalBlobStore(cli_env.data_dir / "blobs"),
        fixity.SCREENSHOTS: LocalBlobStore(cli_env.screenshots_dir),
    }
    report = fixity.audit(refs, stores)
    assert report.ok and report.checked == len(refs) == report.intact
