"""Corroboration by the Internet Archive's Save Page Now 2: the emulator's stand-in for
``https://web.archive.org`` (``archiver.emulator.wayback``) is asked, through the outbound gate,
for a copy of each new snapshot's post; its answers (pending, success, refusals, its own
trouble, 401, 429, 503) end up on the snapshot's row, in its API JSON and on its page. Off by
default; the keys never leave the request to the archive. The worker's corroboration step is
driven with a controlled clock: no test waits for a poll."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archiver.config import Settings, load_settings
from archiver.db.models import Post, SnapshotCorroboration
from archiver.db.session import create_session_factory
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.emulator.wayback import KEYS, NOT_LOGGED_IN, ORIGIN, Wayback
from archiver.errors import ConfigError
from archiver.services.corroboration import PENDING_LIMIT, POLL_EVERY, Corroborator
from tests import capturing
from tests.capturing import X_TEXT, post_id_of, snapshots_of, submit_and_wait
from tests.conftest import rows_of, third_party_counts
from tests.emulator_fixtures import local_url

cli_env = capturing.cli_env  # the fixture

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SECRET = KEYS.split(":")[1]
MASTODON_TEXT = "The archive's reading room reopens on Monday, with the 1911 ledgers on show."

Round = Callable[[datetime], Awaitable[int]]


@pytest.fixture(scope="module")
def platforms() -> Iterator[EmulatorServer]:
    """One emulator for the whole module (its world is emptied before each test)."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(
    platforms: EmulatorServer, cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> EmulatorServer:
    """The emulator as every upstream, with an empty world; no screenshots, no corroboration
    unless a test turns it on."""
    platforms.world.reset()
    monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", platforms.overrides)
    monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "false")
    monkeypatch.delenv("ARCHIVER_CORROBORATE", raising=False)
    monkeypatch.delenv("ARCHIVER_WAYBACK_KEYS", raising=False)
    return platforms


@pytest.fixture
def wayback(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Wayback:
    """Corroboration on, with the keys the stand-in accepts; the stand-in itself."""
    monkeypatch.setenv("ARCHIVER_CORROBORATE", "wayback")
    monkeypatch.setenv("ARCHIVER_WAYBACK_KEYS", KEYS)
    return emulator.world.wayback


def corroborations(engine: Engine) -> list[SnapshotCorroboration]:
    """Every corroboration row, oldest request first (detached)."""
    return rows_of(engine, SnapshotCorroboration, order_by=SnapshotCorroboration.requested_at)


def archive_requests(server: EmulatorServer) -> list[str]:
    """``METHOD PATH`` of every request the Wayback stand-in received, oldest first."""
    return [f"{r.method} {r.path}" for r in server.world.requests(ORIGIN)]


@asynccontextmanager
async def corroborator(engine: Engine, server: EmulatorServer) -> AsyncIterator[Round]:
    """The worker's corroboration step on the test's database, through a gate of its own
    whose clock is the moment each round is run at."""
    now = [datetime.now(UTC)]
    gate = load_settings(upstream_overrides={ORIGIN: server.origin_url(ORIGIN)})
    async with Egress(gate, clock=lambda: now[0]) as egress:
        worker = Corroborator(
            keys=SecretStr(KEYS), sessions=create_session_factory(engine, write=True), sender=egress
        )

        async def at(moment: datetime) -> int:
            now[0] = moment
            return await worker.corroborate_due(moment)

        yield at


def shown(client: TestClient, snapshot_id: str) -> tuple[dict[str, object], str]:
    """The snapshot's one corroboration in its API JSON, and its page."""
    [found] = client.get(f"/api/v1/snapshots/{snapshot_id}").json()["corroborations"]
    return found, client.get(f"/s/{snapshot_id}").text


def test_a_wrong_or_incomplete_setting_is_one_clear_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An unknown ARCHIVER_CORROBORATE, wayback without keys, or keys not ACCESS:SECRET each
    stop with one sentence naming what to set, and never repeat the keys given."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("ARCHIVER_CORROBORATE", "ARCHIVER_WAYBACK_KEYS"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings().corroborate == ()
    with pytest.raises(ConfigError) as wrong:
        load_settings(corroborate="archive.today", wayback_keys=KEYS)
    assert str(wrong.value) == (
        "ARCHIVER_CORROBORATE is not valid: 'archive.today' is not a corroboration service; "
        "use wayback"
    )
    with pytest.raises(ConfigError) as missing:
        load_settings(corroborate="wayback")
    assert str(missing.value) == (
        "ARCHIVER_CORROBORATE=wayback needs ARCHIVER_WAYBACK_KEYS: the Internet Archive's "
        "S3-style keys as ACCESS:SECRET, from https://archive.org/account/s3.php."
    )
    with pytest.raises(ConfigError) as malformed:
        load_settings(corroborate="wayback", wayback_keys="n0tapa1r-s3cr3t")
    message = str(malformed.value)
    assert message.startswith("ARCHIVER_WAYBACK_KEYS is not valid: it must be ACCESS:SECRET")
    assert "n0tapa1r" not in message and "n0tapa1r" not in repr(malformed.value.__cause__)
    assert load_settings(corroborate="Wayback", wayback_keys=KEYS).corroborate == ("wayback",)
    assert SECRET not in repr(load_settings(corroborate="wayback", wayback_keys=KEYS))


@SQLITE_ONLY
def test_off_by_default_nothing_is_asked_of_the_archive(
    emulator: EmulatorServer, engine: Engine, client: TestClient
) -> None:
    """Without ARCHIVER_CORROBORATE a capture queues no copy and sends nothing to the
    Wayback Machine; the snapshot lists no corroboration."""
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [snapshot] = snapshots_of(engine, post_id_of(engine, post.url))
    assert corroborations(engine) == []
    assert archive_requests(emulator) == []
    assert client.get(f"/api/v1/snapshots/{snapshot.id}").json()["corroborations"] == []
    page = client.get(f"/s/{snapshot.id}").text
    assert "Wayback Machine" not in page and "Independent cop" not in page


def test_a_capture_is_copied_by_the_wayback_machine_and_shown(
    emulator: EmulatorServer,
    wayback: Wayback,
    engine: Engine,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The capture asks Save Page Now (the keys as ``LOW``, the canonical URL in the form);
    the job answers pending twice, then success: the row, the API JSON, the page and the
    citation box give the Wayback URL and the archive's time, and the copy is there. The keys
    appear in no row, page, answer or log."""
    caplog.set_level(logging.DEBUG)
    wayback.configure(pending_polls=2)
    post = emulator.world.add_post("mastodon", "archivist", MASTODON_TEXT)
    submit_and_wait(post.url)
    post_id = post_id_of(engine, post.url)
    [snapshot] = snapshots_of(engine, post_id)
    with Session(engine) as session:
        canonical = session.get_one(Post, post_id).canonical_url
    [save] = wayback.saves()
    assert save.form == {"url": canonical, "skip_first_archive": "1"}
    [asked] = emulator.world.requests(ORIGIN)
    assert (asked.method, asked.path) == ("POST", "/save")
    assert asked.headers["authorization"] == f"LOW {KEYS}"
    assert asked.headers["accept"] == "application/json"
    assert asked.headers["content-type"] == "application/x-www-form-urlencoded"
    [row] = corroborations(engine)
    assert (row.snapshot_id, row.service, row.url, row.status.value) == (
        snapshot.id, "wayback", canonical, "pending",
    )  # fmt: skip
    assert row.job_id == save.job_id and row.job_id.startswith("spn2-")
    assert row.submitted_at and row.next_attempt_at == row.submitted_at + POLL_EVERY
    assert (row.attempts, row.last_error, row.archived_url) == (1, None, None)
    found, page = shown(client, snapshot.id)
    assert (found["status"], found["url"], found["job_id"]) == ("pending", None, row.job_id)
    assert "Wayback Machine copy requested" in page and ", pending." in page

    due = row.next_attempt_at

    async def rounds() -> None:
        async with corroborator(engine, emulator) as at:
            assert await at(due - timedelta(seconds=1)) == 0  # not due: nothing sent
            assert len(archive_requests(emulator)) == 1
            assert await at(due) == 0  # pending
            assert await at(due + POLL_EVERY - timedelta(seconds=1)) == 0  # not due again yet
            assert await at(due + POLL_EVERY) == 0  # pending
            assert await at(due + 2 * POLL_EVERY) == 1  # success

    asyncio.run(rounds())
    assert archive_requests(emulator)[1:] == [f"GET /save/status/{row.job_id}"] * 3
    [done] = corroborations(engine)
    [job] = wayback.as_dict()["jobs"]
    copy = f"https://web.archive.org/web/{job['timestamp']}/{canonical}"
    assert (done.status.value, done.archived_url, done.next_attempt_at) == ("success", copy, None)
    assert done.archived_at == datetime.strptime(job["timestamp"], "%Y%m%d%H%M%S").replace(
        tzinfo=UTC
    )
    assert (done.attempts, done.last_error, done.status_ext, done.message) == (4, None, None, None)
    assert done.answer and '"status":"success"' in done.answer
    found, page = shown(client, snapshot.id)
    assert found["status"] == "success" and found["url"] == copy and found["error"] is None
    assert found["archived_at"] == done.archived_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found["original_url"] == canonical and found["requested_at"]
    assert found["answer"] == done.answer
    link = f'<a href="{copy}" rel="noopener noreferrer nofollow" class="external">{copy}</a>'
    assert f"Independent copy at the Wayback Machine: {link} (captured <time" in page
    assert f'<code id="cite-copy-1" class="copyable">{copy}</code>' in page
    assert httpx.get(local_url(emulator, copy), timeout=5).status_code == 200
    api = client.get(f"/api/v1/posts/{post_id}/snapshots").text
    for text in (api, page, done.answer, caplog.text, repr(done.__dict__)):
        assert SECRET not in text


@SQLITE_ONLY
def test_the_archive_refusing_a_save_or_a_job_ends_in_an_error_with_its_words(
    emulator: EmulatorServer, wayback: Wayback, engine: Engine, client: TestClient
) -> None:
    """SPN2 refusing the save (``error:too-many-daily-captures``) or failing the job
    (``error:not-found``) ends the row in error with the archive's code and message, shown on
    the page; the captures themselves are untouched."""
    wayback.add_failure("error:too-many-daily-captures")
    wayback.add_failure("error:not-found", at="status")
    first = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(first.url)  # its save is refused
    second = emulator.world.add_post("mastodon", "archivist", MASTODON_TEXT)
    submit_and_wait(second.url)  # its job is started, and fails
    refused, started = corroborations(engine)
    assert (refused.status.value, refused.status_ext) == ("error", "error:too-many-daily-captures")
    assert refused.message == (
        "This URL has been already captured 10 times today. Please try again tomorrow."
    )
    assert (refused.attempts, refused.next_attempt_at, refused.job_id) == (1, None, None)
    assert started.status.value == "pending" and started.job_id is not None
    assert started.next_attempt_at

    async def rounds() -> None:
        async with corroborator(engine, emulator) as at:
            assert started.next_attempt_at
            assert await at(started.next_attempt_at) == 0  # pending (one poll, by default)
            assert await at(started.next_attempt_at + POLL_EVERY) == 1

    asyncio.run(rounds())
    _, failed = corroborations(engine)
    assert (failed.status.value, failed.status_ext) == ("error", "error:not-found")
    assert failed.message == "The server cannot find the requested resource."
    assert failed.next_attempt_at is None and failed.answer and "error:not-found" in failed.answer
    for row, words in (
        (refused, "This URL has been already captured 10 times today."),
        (failed, "The server cannot find the requested resource."),
    ):
        found, page = shown(client, row.snapshot_id)
        assert (found["status"], found["url"]) == ("error", None)
        assert found["error"] == f"{row.message} ({row.status_ext})"
        assert found["status_ext"] == row.status_ext
        assert "Wayback Machine copy requested" in page
        assert f"failed: {words}" in page and "Independent copy at" not in page
    for post in (first, second):
        assert snapshots_of(engine, post_id_of(engine, post.url))[0].raw_sha256


@SQLITE_ONLY
def test_keys_the_archive_refuses_end_in_an_error_that_does_not_repeat_them(
    emulator: EmulatorServer,
    wayback: Wayback,
    engine: Engine,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keys the archive does not accept (401) end the row in error, saying to check
    ARCHIVER_WAYBACK_KEYS, without the keys; the capture is untouched."""
    monkeypatch.setenv("ARCHIVER_WAYBACK_KEYS", "stale-access:stale-secret")
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [row] = corroborations(engine)
    assert (row.status.value, row.status_ext, row.attempts) == ("error", None, 1)
    assert row.message == (
        "the Internet Archive refused the keys of ARCHIVER_WAYBACK_KEYS (401 Unauthorized): "
        f"{NOT_LOGGED_IN}"
    )
    assert wayback.saves() == []
    found, page = shown(client, row.snapshot_id)
    assert found["error"] == row.message and f"failed: {row.message}" in page
    assert "stale-secret" not in page + str(found)
    assert snapshots_of(engine, post_id_of(engine, post.url))[0].text == X_TEXT


@SQLITE_ONLY
def test_429_503_and_the_archives_own_trouble_are_retried_with_back_off_until_it_copies(
    emulator: EmulatorServer, wayback: Wayback, engine: Engine, client: TestClient
) -> None:
    """A 429 asking for ten minutes, then a 503, then a job the archive loses
    (``error:no-browsers-available``) each count an attempt, keep the row pending with the
    reason and hold the archive back (nothing is sent meanwhile); a lost job is asked for
    again. Then the copy is made."""
    emulator.world.add_failure("rate_limit", origin=ORIGIN, count=1, retry_after_seconds=600)
    wayback.configure(pending_polls=0)
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [row] = corroborations(engine)
    assert (row.status.value, row.attempts, row.job_id) == ("pending", 1, None)
    assert row.last_error == "the Internet Archive answered 429 Too Many Requests"
    assert row.last_attempt_at and row.next_attempt_at == row.last_attempt_at + timedelta(
        seconds=600
    )
    found, page = shown(client, row.snapshot_id)
    assert (found["status"], found["error"], found["attempts"]) == ("pending", row.last_error, 1)
    assert f"pending (last attempt: {row.last_error})." in page
    due = row.next_attempt_at

    async def rounds() -> None:
        async with corroborator(engine, emulator) as at:
            assert await at(due - timedelta(seconds=1)) == 0  # not due yet
            emulator.world.add_failure("error", origin=ORIGIN, count=1, status=503)
            assert await at(due) == 0
            [unavailable] = corroborations(engine)
            assert unavailable.attempts == 2
            assert unavailable.last_error == "the Internet Archive answered 503 Service Unavailable"
            assert unavailable.next_attempt_at == due + timedelta(minutes=1)
            assert await at(due + timedelta(seconds=59)) == 0  # held back
            assert len(archive_requests(emulator)) == 2
            wayback.add_failure("error:no-browsers-available", at="status")
            again = due + timedelta(minutes=1)
            assert await at(again) == 0  # saved: a job
            assert await at(again + POLL_EVERY) == 0  # the job is lost
            [lost] = corroborations(engine)
            assert (lost.status.value, lost.job_id, lost.attempts) == ("pending", None, 4)
            assert lost.last_error == (
                "the Internet Archive could not capture it this time (error:no-browsers-available:"
                " Browsing failed, no browsers available.)"
            )
            assert lost.next_attempt_at == again + POLL_EVERY + timedelta(minutes=1)
            assert lost.next_attempt_at
            assert await at(lost.next_attempt_at) == 0  # saved again
            assert await at(lost.next_attempt_at + POLL_EVERY) == 1  # copied

    with third_party_counts("wayback") as counted:
        asyncio.run(rounds())
    assert counted == {"retried": 2, "pending": 2, "done": 1}
    [done] = corroborations(engine)
    assert (done.status.value, done.attempts, done.last_error) == ("success", 6, None)
    assert done.archived_url and done.archived_url.startswith("https://web.archive.org/web/")
    assert [r.split(" ")[0] + " " + r.split(" ")[1][:12] for r in archive_requests(emulator)] == [
        "POST /save", "POST /save", "POST /save", "GET /save/status", "POST /save",
        "GET /save/status",
    ]  # fmt: skip
    assert len(wayback.saves()) == 2
    with Session(engine) as session:
        assert session.get_one(Post, post_id_of(engine, post.url)).status.value == "live"


@SQLITE_ONLY
def test_a_job_pending_past_the_limit_is_given_up_saying_so(
    emulator: EmulatorServer, wayback: Wayback, engine: Engine, client: TestClient
) -> None:
    """A job still pending ten minutes after the archive accepted it is given up: the row
    ends in error saying so, with the job's name, and nothing more is asked."""
    wayback.configure(pending_polls=1000)
    post = emulator.world.add_post("x", "councilwatch", X_TEXT)
    submit_and_wait(post.url)
    [row] = corroborations(engine)
    assert row.next_attempt_at and row.submitted_at

    async def rounds() -> None:
        async with corroborator(engine, emulator) as at:
            assert row.next_attempt_at and row.submitted_at
            assert await at(row.next_attempt_at) == 0  # pending
            assert await at(row.submitted_at + PENDING_LIMIT - timedelta(seconds=1)) == 0
            assert await at(row.submitted_at + PENDING_LIMIT) == 1  # given up
            assert await at(row.submitted_at + 2 * PENDING_LIMIT) == 0  # nothing left

    asyncio.run(rounds())
    [gave_up] = corroborations(engine)
    assert (gave_up.status.value, gave_up.next_attempt_at, gave_up.attempts) == ("error", None, 4)
    assert gave_up.message == (
        "the Internet Archive was still capturing it 10 minutes after accepting the request "
        f"(job {row.job_id}), so Archiver stopped waiting"
    )
    assert archive_requests(emulator)[1:] == [f"GET /save/status/{row.job_id}"] * 3
    _, page = shown(client, row.snapshot_id)
    assert f"failed: {gave_up.message}" in page


def test_the_stand_in_speaks_spn2_and_obeys_its_control_routes(platforms: EmulatorServer) -> None:
    """Over HTTP the stand-in refuses a save without the keys (401, SPN2's words), starts a
    job that answers pending then success, serves the copy made (and 404 for any other); its
    control routes (listed at ``GET /control``) set the keys and pending polls, plan SPN2
    refusals and list the saves with their forms; a 429 is an origin failure mode."""
    platforms.world.reset()
    control, site = platforms.control_url + "/control", platforms.origin_url(ORIGIN)
    page = "https://www.riverside-dispatch.example/council/river-budget?page=2"
    with httpx.Client(timeout=5) as http:
        listed = " ".join(" ".join(http.get(control).json()["routes"]).split())
        assert "POST /control/wayback {keys?" in listed
        assert "DELETE /control/wayback/failures" in listed
        unsigned = http.post(f"{site}/save", data={"url": page})
        assert unsigned.status_code == 401 and unsigned.json()["message"] == NOT_LOGGED_IN
        configured = http.post(f"{control}/wayback", json={"keys": "ak:sk", "pending_polls": 1})
        assert configured.json()["keys"] == "ak:sk"
        auth = {"Authorization": "LOW ak:sk", "Accept": "application/json"}
        started = http.post(f"{site}/save", data={"url": page, "if_not": "x"}, headers=auth).json()
        assert started["url"] == page and started["job_id"].startswith("spn2-")
        status = f"{site}/save/status/{started['job_id']}"
        assert http.get(status, headers=auth).json()["status"] == "pending"
        done = http.get(status, headers=auth).json()
        assert (done["status"], done["original_url"]) == ("success", page)
        assert len(done["timestamp"]) == 14 and done["timestamp"].isdigit()
        assert http.get(f"{site}/web/{done['timestamp']}/{page}").status_code == 200
        assert http.get(f"{site}/web/20000101000000/{page}").status_code == 404
        planned = http.post(f"{control}/wayback/failures", json={"status_ext": "error:blocked-url"})
        assert planned.status_code == 201
        assert http.post(f"{site}/save", data={"url": page}, headers=auth).json() == {
            "status": "error",
            "status_ext": "error:blocked-url",
            "message": "This URL is in the Save Page Now service block list.",
        }
        wrong = http.post(f"{control}/wayback/failures", json={"status_ext": "blocked"})
        assert wrong.status_code == 400 and "error:" in wrong.json()["error"]
        [save] = http.get(f"{control}/wayback").json()["saves"]
        assert save["form"] == {"url": page, "if_not": "x"}
        assert http.delete(f"{control}/wayback/failures").json() == {"ok": True}
        http.post(
            f"{control}/failures",
            json={"mode": "rate_limit", "origin": ORIGIN, "count": 1, "retry_after_seconds": 90},
        ).raise_for_status()
        limited = http.post(f"{site}/save", data={"url": page}, headers=auth)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "90"
