"""Perceptual hashes (issue 11, part 3): every photo and screenshot gets a pHash, and a re-check
tells a photo replaced behind the same address (an ``edited`` event with reason ``media``) from
the same photo re-encoded (no event).

The pictures are the emulator's own JPEGs and PNGs; the re-checks run ``capture.observe`` as the
worker does, against the emulator serving the photos (with ``ETag`` revalidation, as CDNs do).
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from archiver.config import Settings
from archiver.db.models import Event, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.detect.visual import distance, same_picture
from archiver.domain import CheckOutcome, EventKind
from archiver.emulator import EmulatorServer
from archiver.emulator.media import jpeg_bytes, png_bytes
from archiver.perceptual import phash
from archiver.services.submissions import submit_post
from archiver.storage import LocalBlobStore
from tests.conftest import rows_of
from tests.observing import Rig, routed_rig

SEEDS = [f"x:{n}:0:{n}" for n in range(8)]
MAX_DISTANCE = 10


def hashed(data: bytes) -> str:
    found = phash(data)
    assert found is not None and len(found) == 16
    return found


def test_the_same_picture_re_encoded_hashes_near_and_other_pictures_far() -> None:
    for seed in SEEDS:
        first = hashed(png_bytes(seed))
        for other in (
            jpeg_bytes(seed),
            png_bytes(seed, 3),
            jpeg_bytes(seed, 2),
            jpeg_bytes(seed, 4),
        ):
            assert same_picture(first, hashed(other), MAX_DISTANCE), seed
    hashes = {seed: hashed(jpeg_bytes(seed)) for seed in SEEDS}
    nearest = min(distance(hashes[a], hashes[b]) for a, b in itertools.combinations(SEEDS, 2))
    assert nearest > MAX_DISTANCE
    for seed in SEEDS:  # the emulator's replacement of a picture is its negative
        negative = hashed(jpeg_bytes(seed, negative=True))
        assert distance(hashes[seed], negative) > 4 * MAX_DISTANCE


def _png_header_only(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = b"IHDR" + header
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + body + struct.pack(">I", zlib.crc32(body))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a picture at all",
        png_bytes("x:1:0:1")[:60],  # cut short
        jpeg_bytes("x:1:0:1")[:40],
        _png_header_only(100_000, 100_000),  # a decompression bomb: ten gigapixels claimed
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    ],
    ids=["empty", "text", "short-png", "short-jpeg", "bomb", "svg"],
)
def test_what_is_no_readable_picture_has_no_hash(data: bytes) -> None:
    assert phash(data) is None  # and no warning: the suite turns warnings into errors


# --- Re-checks against the emulator ---------------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def rig(settings: Settings, engine: Engine, emulator: EmulatorServer) -> Iterator[Rig]:
    yield routed_rig(settings, engine, emulator)
    emulator.world.clear_failures()


def _snapshots(engine: Engine, post_id: str) -> list[Snapshot]:
    return rows_of(engine, Snapshot, Snapshot.post_id == post_id, order_by=Snapshot.captured_at)


def _events(engine: Engine, post_id: str) -> list[Event]:
    return rows_of(engine, Event, Event.post_id == post_id)


async def _captured(rig: Rig, platform: str, handle: str) -> tuple[str, str, dict[str, Any]]:
    """A post with one photo and a line of text, captured: its ID, photo URL and media entry."""
    info = rig.emulator.world.add_post(
        platform,
        handle,
        "The new footbridge, as it opened this morning.",
        media=[{"type": "image"}],
    )
    with transaction(create_session_factory(rig.engine, write=True)) as session:
        post_id = submit_post(session=session, url=info.url, now=datetime.now(UTC)).post.id
    summary = await rig.observe(post_id)
    assert summary.outcome is CheckOutcome.CHANGED
    [snapshot] = _snapshots(rig.engine, post_id)
    [entry] = snapshot.media
    assert entry["type"] == "photo" and entry["sha256"] and entry["etag"]
    stored = LocalBlobStore(rig.settings.data_dir / "blobs").get(entry["sha256"])
    assert entry["phash"] == hashed(stored)
    return post_id, info.media_urls[0], entry


def _media_requests(rig: Rig, host: str) -> list[dict[str, str]]:
    return [r.headers for r in rig.emulator.world.requests() if r.origin.endswith(host)]


@pytest.mark.parametrize(
    ("platform", "handle", "media_host"),
    [("x", "footbridgefan", "pbs.twimg.com"), ("mastodon", "bridgewatch", "files.mastodon.social")],
)
async def test_a_re_encoded_photo_is_no_edit_and_a_replaced_one_is(
    rig: Rig, platform: str, handle: str, media_host: str
) -> None:
    world = rig.emulator.world
    post_id, photo_url, entry = await _captured(rig, platform, handle)

    world.clear_requests()
    unchanged = await rig.observe(post_id)  # revalidated: the CDN answers 304
    assert unchanged.outcome is CheckOutcome.UNCHANGED
    asked = _media_requests(rig, media_host)
    assert [h.get("if-none-match") for h in asked] == [entry["etag"]]

    world.change_media(photo_url, "reencode")  # other bytes, the same picture
    again = await rig.observe(post_id)
    assert again.outcome is CheckOutcome.UNCHANGED
    assert len(_snapshots(rig.engine, post_id)) == 1 and _events(rig.engine, post_id) == []

    world.change_media(photo_url, "replace")  # another picture behind the same address
    edited = await rig.observe(post_id)
    assert edited.outcome is CheckOutcome.CHANGED
    before, after = _snapshots(rig.engine, post_id)
    assert after.text == before.text and after.id == edited.snapshot_id
    assert after.media[0]["sha256"] != entry["sha256"]
    assert not same_picture(after.media[0]["phash"], entry["phash"], MAX_DISTANCE)
    [event] = _events(rig.engine, post_id)
    assert event.kind is EventKind.EDITED
    assert (event.before_snapshot_id, event.after_snapshot_id) == (before.id, after.id)
    assert event.diff is not None and event.diff["reasons"] == ["media"]
    [change] = event.diff["media"]
    assert change["before_sha256"] == entry["sha256"]
    assert change["after_sha256"] == after.media[0]["sha256"]
    assert change["distance"] > MAX_DISTANCE

    settled = await rig.observe(post_id)  # the new photo is now the one compared
    assert settled.outcome is CheckOutcome.UNCHANGED
    assert len(_events(rig.engine, post_id)) == 1


async def test_a_photo_that_cannot_be_had_is_evidence_of_nothing(rig: Rig) -> None:
    world = rig.emulator.world
    post_id, photo_url, _ = await _captured(rig, "x", "bridgeclosed")
    world.change_media(photo_url, "replace")
    world.add_failure("error", origin="https://pbs.twimg.com", status=503)
    check = await rig.observe(post_id)
    assert check.outcome is CheckOutcome.UNCHANGED
    assert _events(rig.engine, post_id) == []


async def test_media_recheck_off_asks_for_no_photo(rig: Rig) -> None:
    world = rig.emulator.world
    post_id, photo_url, _ = await _captured(rig, "x", "quietbridge")
    rig.settings = rig.settings.model_copy(update={"media_recheck": False})
    world.change_media(photo_url, "replace")
    world.clear_requests()
    check = await rig.observe(post_id)
    assert check.outcome is CheckOutcome.UNCHANGED
    assert _media_requests(rig, "pbs.twimg.com") == []
