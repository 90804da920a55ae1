"""A full disk under the screenshots: the capture keeps its data, the check says why the
screenshot is missing, and once there is room again the next re-check (which finds the post
unchanged) takes the screenshot and attaches it to that snapshot.

The screenshots folder is a tiny tmpfs filled to the brim (a real file system answering
ENOSPC); the test is skipped where tmpfs cannot be mounted (not root, no privileges) or no
Chromium is installed.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from archiver.chromium import find_chromium
from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import service_env, serving
from tests.service import until as service_until

pytestmark = pytest.mark.slow


def fill(path: Path) -> None:
    """Write zeros to ``path`` until the file system says it is full."""
    with path.open("wb", buffering=0) as file:
        while True:
            try:
                file.write(b"\0" * 65536)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                return


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs with no room left; unmounted afterwards. Yields the filler file."""
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    mount = tmp_path / "screens"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    filler = mount / "filler"
    try:
        fill(filler)
        yield filler
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


until = partial(service_until, seconds=60)


@pytest.mark.skipif(find_chromium(None) is None, reason="no Chromium found")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_full_disk_costs_the_screenshot_not_the_capture(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer, full_disk: Path
) -> None:
    """No room for the PNG: data recorded, reason on the check; room again: attached later."""
    on_tmpfs = settings.model_copy(update={"screenshots_dir": full_disk.parent / "shots"})
    info = emulator.world.add_post("x", "diskwatch", "Captured while the disk is full")
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, "ARCHIVER_RECHECK_SCHEDULE": "2s"}
    with serving(on_tmpfs, tmp_path, env, timeout=60) as client:
        post_id = client.submit(info.url)

        def first_check() -> dict[str, Any] | None:
            checks = client.get(f"/api/v1/posts/{post_id}/checks").json()["items"]
            first = checks[-1] if checks else None
            return first if first and first["screenshot_error"] else None

        check = until("the capture with its screenshot error", first_check)
        assert check["outcome"] == "changed"
        assert "No space left on device" in check["screenshot_error"]
        assert "/" not in check["screenshot_error"]  # no server path in a public record
        snapshot = client.get(f"/api/v1/snapshots/{check['snapshot_id']}").json()
        assert snapshot["text"] == "Captured while the disk is full"
        assert snapshot["screenshot"] is None
        assert client.get(f"/api/v1/posts/{post_id}").json()["status"] == "live"

        full_disk.unlink()  # room again
        shot = until(
            "the screenshot attached by a later check",
            lambda: client.get(f"/api/v1/snapshots/{snapshot['id']}").json()["screenshot"],
        )
        png = client.get(shot["url"])
        assert hashlib.sha256(png.content).hexdigest() == shot["sha256"]
        snapshots = client.get(f"/api/v1/posts/{post_id}/snapshots").json()
        assert [s["id"] for s in snapshots] == [snapshot["id"]]  # attached, not a new snapshot
    verify = subprocess.run(
        [sys.executable, "-m", "archiver", "verify"],
        cwd=tmp_path,
        env=service_env(on_tmpfs),
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
