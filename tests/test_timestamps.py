"""Trusted timestamps of snapshots: a real TSA (``openssl ts -reply`` behind HTTP, tests/tsa.py)
stamps each captured snapshot's manifest through the outbound gate; the API and the snapshot
page show it verified; ``archiver verify --timestamps`` passes, then fails once an artifact or
the manifest is altered, and ``openssl ts -verify`` agrees; a TSA that is down, answers
garbage or asks us to wait never costs the capture and is retried until it stamps."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from archiver import tsp
from archiver.cli import main
from archiver.config import Settings, load_settings
from archiver.db.models import Check, Post, SnapshotTimestamp
from archiver.db.session import create_session_factory, transaction
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.services import manifest, timestamps
from archiver.services.timestamps import Stamper
from archiver.storage import LocalBlobStore
from archiver.worker import Worker
from tests import capturing
from tests.capturing import X_TEXT, post_id_of, snapshots_of, submit_and_wait
from tests.conftest import rows_of, third_party_counts
from tests.service import serving, until
from tests.test_fixity import flip_a_byte
from tests.tsa import NAME, LocalTsa, openssl_verifies

cli_env = capturing.cli_env  # the fixtures
emulator = capturing.emulator

MASTODON_TEXT = "The archive's reading room reopens on Monday, with the 1911 ledgers on show."


@pytest.fixture
def local_tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    """A running Time-Stamp Authority with its own throwaway CA."""
    authority = LocalTsa(tmp_path / "tsa")
    yield authority
    authority.close()


def tsa_environment(overrides: str, authority: LocalTsa) -> dict[str, str]:
    """The variables that point a service at the local TSA, through the outbound gate."""
    return {
        "ARCHIVER_UPSTREAM_OVERRIDES": f"{overrides},{authority.override}",
        "ARCHIVER_TSA_URLS": LocalTsa.URL,
        "ARCHIVER_TSA_CA_FILE": str(authority.ca_file),
    }


def timestamp_rows(engine: Engine) -> list[SnapshotTimestamp]:
    """Every timestamp row, oldest request first (detached)."""
    return rows_of(engine, SnapshotTimestamp, order_by=SnapshotTimestamp.requested_at)


def stored_files(settings: Settings, row: SnapshotTimestamp) -> dict[str, bytes]:
    """The manifest, token and chain of a stamped row, from the blob store."""
    blobs = LocalBlobStore(settings.data_dir / "blobs")
    assert row.manifest_sha256 and row.token_sha256 and row.chain_sha256
    return {
        "data": blobs.get(row.manifest_sha256),
        "token": blobs.get(row.token_sha256),
        "chain": blobs.get(row.chain_sha256),
    }


@pytest.mark.slow
def test_a_captured_snapshot_is_timestamped_and_shown_verified(
    settings: Settings, tmp_path: Path, local_tsa: LocalTsa
) -> None:
    """``archiver serve`` captures a post (screenshot and photo included), then its worker has
    the manifest stamped by the TSA: the API and the snapshot page say verified, the files
    download byte for byte, the manifest names every artifact's hash, and OpenSSL agrees."""
    with EmulatorServer() as platforms:
        post = platforms.world.add_post(
            "mastodon", "archivist", MASTODON_TEXT,
            media=[{"type": "image", "alt": "Ledgers", "width": 800, "height": 600}],
        )  # fmt: skip
        env = tsa_environment(platforms.overrides, local_tsa)
        with serving(settings, tmp_path, env, timeout=60) as client:
            started = datetime.now(UTC)
            post_id = client.submit(post.url)

            def stamped() -> dict[str, Any] | None:
                found: list[dict[str, Any]] = client.get(
                    f"/api/v1/posts/{post_id}/snapshots"
                ).json()
                stamps = found[0]["timestamps"] if found else []
                return found[0] if stamps and stamps[0]["status"] == "stamped" else None

            snapshot = until("the snapshot's timestamp", stamped, seconds=120)
            [stamp] = snapshot["timestamps"]
            assert stamp["verified"] is True and stamp["verify_error"] is None
            assert stamp["authority"] == NAME and stamp["tsa"] == LocalTsa.URL
            assert stamp["signer"] == f"CN={NAME}"
            assert stamp["policy"] == "1.3.6.1.4.1.55555.1.1"
            moment = datetime.fromisoformat(stamp["time"])
            assert started - timedelta(seconds=2) <= moment <= datetime.now(UTC)
            files = {}
            for key in ("manifest", "token", "chain"):
                answer = client.get(stamp["files"][key]["url"])
                assert answer.status_code == 200, answer.text
                assert hashlib.sha256(answer.content).hexdigest() == stamp["files"][key]["sha256"]
                assert answer.headers["x-content-type-options"] == "nosniff"
                files[key] = answer.content
            assert stamp["sha256"] == stamp["files"]["token"]["sha256"]
            assert client.get(stamp["files"]["token"]["url"]).headers["content-type"] == (
                "application/timestamp-reply"
            )
            listed = json.loads(files["manifest"])
            assert listed["snapshot_id"] == snapshot["id"] and listed["post_id"] == post_id
            assert listed["post_url"] == post.url
            assert {a["name"]: a["sha256"] for a in listed["artifacts"]} == {
                "raw": snapshot["raw"]["sha256"],
                "warc": snapshot["warc"]["sha256"],
                "screenshot": snapshot["screenshot"]["sha256"],
                "media-1": snapshot["media"][0]["sha256"],
            }
            assert listed["text_sha256"] == hashlib.sha256(MASTODON_TEXT.encode()).hexdigest()
            assert openssl_verifies(
                tmp_path / "openssl", data=files["manifest"], token=files["token"],
                chain=files["chain"],
            )  # fmt: skip
            page = client.get(f"/s/{snapshot['id']}").text
            assert f"Timestamped by <strong>{NAME}</strong> at" in page
            assert "(verified)." in page and "openssl ts -verify" in page
    assert local_tsa.requests == 1


def test_verify_timestamps_passes_then_fails_after_tampering_and_openssl_agrees(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    local_tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``archiver submit --wait`` captures and stamps; ``archiver verify --timestamps`` passes.
    A flipped byte in the raw body fails it (naming the timestamp and the artifact), and
    OpenSSL refuses a manifest of the bytes as they now are; restored, it passes; a flipped
    byte in the manifest itself fails it, and OpenSSL refuses that manifest too."""
    for name, value in tsa_environment(emulator.overrides, local_tsa).items():
        monkeypatch.setenv(name, value)
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [snapshot] = snapshots_of(engine, post_id_of(engine, post.url))
    [row] = timestamp_rows(engine)
    assert row.verified is True and row.snapshot_id == snapshot.id
    files = stored_files(cli_env, row)
    assert openssl_verifies(tmp_path / "clean", **files)

    capsys.readouterr()
    assert main(["verify", "--timestamps"]) == 0
    out = capsys.readouterr().out
    assert "Checked 1 timestamps: 1 verified, 0 failed." in out
    root = tsp.fingerprint(tsp.load_pem(local_tsa.ca_file.read_bytes())[0])
    assert f"OK timestamp {row.id} of snapshot {snapshot.id} by {LocalTsa.URL}" in out
    assert f"root sha256:{root}" in out

    blobs = LocalBlobStore(cli_env.data_dir / "blobs")
    assert snapshot.raw_sha256
    raw = blobs.path(snapshot.raw_sha256)
    flip_a_byte(raw)
    assert main(["verify", "--timestamps"]) == 1
    out, err = capsys.readouterr()
    assert f"FAILED timestamp {row.id} of snapshot {snapshot.id}" in out
    assert f"the raw {snapshot.raw_sha256} timestamped is missing or changed in storage" in out
    assert "Checked 1 timestamps: 0 verified, 1 failed." in out
    assert err.strip() == ("archiver: 1 stored artifact(s) and 1 timestamp(s) failed the audit.")
    as_now = json.loads(files["data"])
    for artifact in as_now["artifacts"]:
        if artifact["name"] == "raw":
            artifact["sha256"] = hashlib.sha256(raw.read_bytes()).hexdigest()
    describing_now = manifest.canonical(as_now)
    assert not openssl_verifies(tmp_path / "raw", **(files | {"data": describing_now}))

    flip_a_byte(raw)  # back as it was
    assert main(["verify", "--timestamps"]) == 0
    capsys.readouterr()

    assert row.manifest_sha256
    flip_a_byte(blobs.path(row.manifest_sha256))
    assert main(["verify", "--timestamps"]) == 1
    out = capsys.readouterr().out
    assert f"its manifest {row.manifest_sha256} has changed in storage" in out
    altered = blobs.path(row.manifest_sha256).read_bytes()
    assert not openssl_verifies(tmp_path / "manifest", **(files | {"data": altered}))


def test_a_tsa_that_is_down_or_answers_garbage_leaves_the_capture_and_is_retried(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    client: TestClient,
    local_tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Down at capture time: the post is captured all the same and its timestamp waits,
    pending, with the reason. Then garbage, then a 429 asking for ten minutes: each counts an
    attempt and holds that TSA back (nothing is sent while it waits). Then it stamps."""
    for name, value in tsa_environment(emulator.overrides, local_tsa).items():
        monkeypatch.setenv(name, value)
    local_tsa.mode = "down"
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    post_id = post_id_of(engine, post.url)
    [snapshot] = snapshots_of(engine, post_id)
    assert snapshot.raw_sha256 and snapshot.warc_sha256 and snapshot.text == X_TEXT
    [row] = timestamp_rows(engine)
    assert (row.attempts, row.token_sha256, local_tsa.requests) == (1, None, 1)
    assert row.last_error and "disconnected" in row.last_error.lower()
    assert row.last_attempt_at and row.next_attempt_at == row.last_attempt_at + timedelta(minutes=1)
    [shown] = client.get(f"/api/v1/snapshots/{snapshot.id}").json()["timestamps"]
    assert (shown["status"], shown["verified"], shown["time"]) == ("pending", None, None)
    assert shown["last_error"] == row.last_error
    assert shown["files"] == {"manifest": None, "token": None, "chain": None}
    assert "is not there yet" in client.get(f"/s/{snapshot.id}").text

    first_due = row.next_attempt_at
    now = [first_due]
    gate = load_settings(
        database_url=cli_env.database_url,
        upstream_overrides={"http://timestamp.example.net": local_tsa.origin},
    )

    async def rounds() -> None:
        async with Egress(gate, clock=lambda: now[0]) as egress:
            stamper = Stamper(
                tsa_urls=[LocalTsa.URL],
                sessions=create_session_factory(engine, write=True),
                blobs=LocalBlobStore(cli_env.data_dir / "blobs"),
                sender=egress,
                roots=tsp.load_pem(local_tsa.ca_file.read_bytes()),
            )

            async def at(moment: datetime) -> int:
                now[0] = moment
                return await stamper.stamp_due(moment)

            assert await at(first_due - timedelta(seconds=1)) == 0  # not due yet
            assert local_tsa.requests == 1
            local_tsa.mode = "garbage"
            assert await at(first_due) == 0
            [garbage] = timestamp_rows(engine)
            assert (garbage.attempts, local_tsa.requests) == (2, 2)
            assert garbage.last_error == "the reply is not a timestamp token (ValueError)"
            assert garbage.next_attempt_at == first_due + timedelta(minutes=1)
            assert await at(first_due + timedelta(seconds=59)) == 0  # the TSA is held back
            assert local_tsa.requests == 2
            local_tsa.mode = "busy"
            asked = first_due + timedelta(minutes=1)
            assert await at(asked) == 0
            [busy] = timestamp_rows(engine)
            assert busy.attempts == 3 and local_tsa.requests == 3
            assert busy.last_error == "the TSA answered 429 Too Many Requests"
            assert busy.next_attempt_at == asked + timedelta(seconds=600)
            local_tsa.mode = "ok"
            assert await at(asked + timedelta(seconds=599)) == 0
            assert local_tsa.requests == 3
            assert await at(asked + timedelta(seconds=600)) == 1

    with third_party_counts("tsa") as counted:  # as /metrics shows them
        asyncio.run(rounds())
    assert counted == {"retried": 2, "done": 1}
    [done] = timestamp_rows(engine)
    assert (done.attempts, done.verified, done.last_error, done.next_attempt_at) == (
        4, True, None, None,
    )  # fmt: skip
    assert local_tsa.requests == 4
    [again] = snapshots_of(engine, post_id)
    assert (again.raw_sha256, again.warc_sha256) == (snapshot.raw_sha256, snapshot.warc_sha256)
    with Session(engine) as session:
        assert session.get(Post, post_id).status.value == "live"  # type: ignore[union-attr]
        assert len(session.scalars(select(Check).where(Check.post_id == post_id)).all()) == 1


def test_snapshots_without_a_timestamp_are_queued_and_the_gate_guards_the_tsa(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings, local_tsa: LocalTsa
) -> None:
    """A snapshot captured before any TSA was configured is queued for one (once, and only
    once its capture is ten minutes old) when a TSA is, and stamped; a TSA named by a private
    address is refused by the outbound gate and never reached."""
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    assert timestamp_rows(engine) == []
    blobs = LocalBlobStore(cli_env.data_dir / "blobs")
    sessions = create_session_factory(engine, write=True)
    roots = tsp.load_pem(local_tsa.ca_file.read_bytes())
    private_url = f"{local_tsa.origin}/tsr"

    async def rounds() -> None:
        overrides = {"http://timestamp.example.net": local_tsa.origin}
        for url, routes in ((LocalTsa.URL, overrides), (private_url, {})):
            gate = load_settings(database_url=cli_env.database_url, upstream_overrides=routes)
            async with Egress(gate) as egress:
                stamper = Stamper(
                    tsa_urls=[url], sessions=sessions, blobs=blobs, sender=egress, roots=roots
                )
                assert stamper.request_missing(datetime.now(UTC)) == 0  # left to its capture
                later = datetime.now(UTC) + timedelta(minutes=11)
                assert stamper.request_missing(later) == 1
                assert stamper.request_missing(later) == 0
                assert await stamper.stamp_due(later) == (1 if url == LocalTsa.URL else 0)

    asyncio.run(rounds())
    stamped, refused = timestamp_rows(engine)
    assert stamped.tsa_url == LocalTsa.URL and stamped.verified is True
    assert refused.tsa_url == private_url and refused.token_sha256 is None
    assert refused.last_error and "127.0.0.1" in refused.last_error
    assert "refused" in refused.last_error
    assert local_tsa.requests == 1


def test_timestamps_of_a_tsa_taken_out_of_the_settings_are_dropped_saying_so(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    client: TestClient,
    local_tsa: LocalTsa,
) -> None:
    """A worker whose ARCHIVER_TSA_URLS no longer names a TSA takes that TSA's unfinished
    timestamps out of the queue (nobody would ever ask for them) and says so on the snapshot;
    named again, they are queued again."""
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [snapshot] = snapshots_of(engine, post_id_of(engine, post.url))
    with transaction(create_session_factory(engine, write=True)) as session:
        timestamps.request(
            session=session, snapshot_id=snapshot.id, tsa_urls=[LocalTsa.URL], now=datetime.now(UTC)
        )

    def sweep(*tsa_urls: str) -> str:
        async def stamp() -> None:
            settings = load_settings(
                database_url=cli_env.database_url,
                data_dir=cli_env.data_dir,
                screenshots=False,
                upstream_overrides={"http://timestamp.example.net": local_tsa.origin},
                tsa_urls=tsa_urls,
                tsa_ca_file=local_tsa.ca_file,
            )
            worker = Worker(settings, clock=lambda: datetime.now(UTC))
            try:
                await worker.stamp()
            finally:
                await worker.stop()

        asyncio.run(stamp())
        [shown] = client.get(f"/api/v1/snapshots/{snapshot.id}").json()["timestamps"]
        return str(shown["status"])

    assert sweep() == "dropped"
    [row] = timestamp_rows(engine)
    assert row.next_attempt_at is None and row.last_error == timestamps.PARKED
    assert f"never made: {timestamps.PARKED}" in client.get(f"/s/{snapshot.id}").text
    assert sweep("http://other-tsa.example/tsr") == "dropped"
    assert sweep(LocalTsa.URL) == "stamped"  # queued again, and stamped at once
