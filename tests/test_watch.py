"""Watching, end to end: a real service re-checks posts from the emulator on a fast schedule and
raises events only for real, confirmed changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests.service import serving, until

pytestmark = pytest.mark.slow

FAST = {
    "ARCHIVER_RECHECK_SCHEDULE": "1s,2s",
    "ARCHIVER_CONFIRM_AFTER": "2s",
    "ARCHIVER_DELETION_CONFIRMATIONS": "2",
    "ARCHIVER_SCREENSHOTS": "false",
}


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def events_of(client: httpx.Client, post_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(f"/api/v1/posts/{post_id}/events").json()["items"]
    return items


def post_of(client: httpx.Client, post_id: str) -> dict[str, Any]:
    post: dict[str, Any] = client.get(f"/api/v1/posts/{post_id}").json()
    return post


def test_edits_disappearances_and_restorations_become_events(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """An edit, a deletion, a suspension, a protection and a restoration each become one event;
    transient failures and count changes become none."""
    world = emulator.world
    edited = world.add_post("mastodon", "archivist", "The council vote is postponed to May.")
    deleted = world.add_post("x", "councilwatch", "This one will be deleted and come back.")
    suspended = world.add_post("bluesky", "newsroom.example.com", "Account about to be taken down")
    protected = world.add_post("x", "quietperson", "Soon followers only")
    flaky = world.add_post("x", "flakyperson", "The platform fails on this one")
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **FAST}
    with serving(settings, tmp_path, env) as client:
        ids = {
            name: client.submit(info.url)
            for name, info in {
                "edited": edited, "deleted": deleted, "suspended": suspended,
                "protected": protected, "flaky": flaky,
            }.items()
        }  # fmt: skip
        for post_id in ids.values():
            until("first capture", lambda p=post_id: post_of(client, p)["status"] == "live")

        world.set_counts("mastodon", edited.id, likes=999, reposts=55)
        world.edit_post("mastodon", edited.id, "The council vote is cancelled, not postponed.")
        world.delete_post("x", deleted.id)
        world.takedown("bluesky", "newsroom.example.com")
        world.protect("x", "quietperson")
        world.add_failure("error", platform="x", post_id=flaky.id, status=500)

        edit = until("the edit", lambda: events_of(client, ids["edited"]))
        assert [e["kind"] for e in edit] == ["edited"]
        assert "cancelled" in edit[0]["diff"]["readable"]
        assert edit[0]["diff"]["reasons"] == ["text"]
        after = client.get(f"/api/v1/snapshots/{edit[0]['after_snapshot_id']}").json()
        assert after["text"] == "The council vote is cancelled, not postponed."

        until("suspicion", lambda: post_of(client, ids["deleted"])["suspected_status"])
        gone = until("deletion", lambda: events_of(client, ids["deleted"]))
        assert [e["kind"] for e in gone] == ["deleted"]
        assert post_of(client, ids["deleted"])["status"] == "deleted"
        assert gone[0]["first_observed_at"] < gone[0]["confirmed_at"]

        world.restore_post("x", deleted.id)
        back = until(
            "restoration", lambda: len(events_of(client, ids["deleted"])) == 2
        ) and events_of(client, ids["deleted"])
        assert [e["kind"] for e in back] == ["restored", "deleted"]
        assert post_of(client, ids["deleted"])["status"] == "live"

        until("suspension", lambda: events_of(client, ids["suspended"]))
        assert post_of(client, ids["suspended"])["status"] == "suspended"
        until("protection", lambda: events_of(client, ids["protected"]))
        assert post_of(client, ids["protected"])["status"] == "protected"

        flaky_checks = client.get(f"/api/v1/posts/{ids['flaky']}/checks").json()["items"]
        assert {c["outcome"] for c in flaky_checks[:-1]} == {"error"}  # all but the capture
        assert post_of(client, ids["flaky"])["status"] == "live"
        assert events_of(client, ids["flaky"]) == []
        assert len(events_of(client, ids["edited"])) == 1  # the like count never counted
        feed = client.get("/api/v1/events", params={"kind": "deleted"}).json()["items"]
        assert [e["post_id"] for e in feed] == [ids["deleted"]]


def test_a_platform_wide_outage_confirms_no_deletion(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """When every X post answers 404 at once, none is declared deleted; all stay live."""
    posts = [emulator.world.add_post("x", f"person{n}", f"Post number {n}") for n in range(6)]
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **FAST}
    with serving(settings, tmp_path, env) as client:
        ids = [client.submit(p.url) for p in posts]
        for post_id in ids:
            until("first capture", lambda p=post_id: post_of(client, p)["status"] == "live")
        emulator.world.add_failure("error", origin="https://cdn.syndication.twimg.com", status=404)
        until(
            "every post suspected",
            lambda: all(post_of(client, p)["suspected_status"] == "deleted" for p in ids),
        )
        time.sleep(6)  # three confirmation spans: enough to confirm, were it not an outage
        assert all(post_of(client, p)["status"] == "live" for p in ids)
        assert client.get("/healthz").json()["degraded_platforms"] == ["x"]
        assert client.get("/api/v1/events").json()["items"] == []
        emulator.world.clear_failures()
        until("recovery", lambda: client.get("/healthz").json()["degraded_platforms"] == [])
        until(
            "suspicion cleared",
            lambda: all(post_of(client, p)["suspected_status"] is None for p in ids),
        )
        assert client.get("/api/v1/events").json()["items"] == []


def test_a_post_can_be_rechecked_on_request(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """`POST …/checks?wait=true` and `archiver check` observe a post at once, off schedule."""
    import subprocess
    import sys

    from tests.service import service_env

    post = emulator.world.add_post("mastodon", "archivist", "Before the correction.")
    env = {
        "ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides,
        "ARCHIVER_RECHECK_SCHEDULE": "1h",
        "ARCHIVER_SCREENSHOTS": "false",
    }
    with serving(settings, tmp_path, env, timeout=90) as client:
        post_id = client.submit(post.url)
        until("first capture", lambda: post_of(client, post_id)["status"] == "live")
        emulator.world.edit_post("mastodon", post.id, "After the correction.")
        assert client.post(f"/api/v1/posts/{post_id}/checks").status_code == 401
        auth = client.auth_headers
        assert client.post("/api/v1/posts/ZZZZZZZZZZZZ/checks", headers=auth).status_code == 404
        answer = client.post(f"/api/v1/posts/{post_id}/checks?wait=true", headers=auth)
        assert answer.status_code == 200
        assert answer.json()["outcome"] == "changed"
        assert [e["kind"] for e in events_of(client, post_id)] == ["edited"]
        queued = client.post(f"/api/v1/posts/{post_id}/checks", headers=auth)
        assert queued.status_code == 202
        assert queued.headers["location"] == f"/api/v1/posts/{post_id}/checks"
    completed = subprocess.run(
        [sys.executable, "-m", "archiver", "check", post_id],
        cwd=tmp_path, env=service_env(settings, env), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert f"{post_id}: unchanged" in completed.stdout


def test_a_gone_canary_blocks_every_confirmation_on_its_platform(
    settings: Settings, tmp_path: Path, emulator: EmulatorServer
) -> None:
    """While the configured canary post is not live, a deleted post stays only suspected."""
    canary = emulator.world.add_post("x", "canarybird", "I am always here.")
    target = emulator.world.add_post("x", "someone", "I will be deleted.")
    env = {
        "ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides,
        "ARCHIVER_CANARY_URLS": canary.url,
        **FAST,
    }
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(target.url)
        until("first capture", lambda: post_of(client, post_id)["status"] == "live")
        emulator.world.delete_post("x", canary.id)
        emulator.world.delete_post("x", target.id)
        until("suspicion", lambda: post_of(client, post_id)["suspected_status"] == "deleted")
        time.sleep(6)  # three confirmation spans
        assert post_of(client, post_id)["status"] == "live"
        assert events_of(client, post_id) == []
