"""Upstream faults become check outcomes, never status changes (SPEC §4).

For each platform adapter the emulator injects each failure mode into every request about one
post, first while the post is still pending (its first capture) and again once it is live (a
re-check). Each faulted observation must be recorded as ``rate_limited`` (with the platform's
``retry_after`` kept and honoured: the next check is not due before it, and the gate sends
nothing to the platform meanwhile) or ``error`` (with its text); the post's status stays what
it was, no status is suspected and no event is raised. The observations run in this process
(``archiver.services.capture.observe``, as the worker calls it) through a gate whose deadline
is short, so a hang costs a fraction of a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest
from sqlalchemy import Engine

from archiver.config import Settings
from archiver.db.session import create_session_factory, transaction
from archiver.domain import CheckOutcome, FailureKind, PostStatus
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.services.capture import observe
from archiver.services.submissions import submit_post
from tests.observing import Rig, routed_rig

#: The gate's deadline while a fault is in force, and how long a hanging answer takes.
DEADLINE: Final = 0.6
HANG_SECONDS: Final = 3.0
RETRY_AFTER: Final = 120
RATE_LIMITED, ERROR = CheckOutcome.RATE_LIMITED, CheckOutcome.ERROR
RATE, UPSTREAM = FailureKind.RATE_LIMITED, FailureKind.UPSTREAM


@dataclass(frozen=True)
class Fault:
    """One failure mode of the emulator and the failure it must be read as."""

    name: str
    mode: str
    options: dict[str, Any]
    kind: FailureKind

    @property
    def outcome(self) -> CheckOutcome:
        """The check outcome it must become."""
        return RATE_LIMITED if self.kind is FailureKind.RATE_LIMITED else ERROR


FAULTS: Final = (
    Fault("429-platform-headers", "rate_limit", {"retry_after_seconds": RETRY_AFTER}, RATE),
    Fault("429-retry-after", "error", {"status": 429, "retry_after_seconds": RETRY_AFTER}, RATE),
    Fault("500", "error", {"status": 500}, UPSTREAM),
    Fault("503", "error", {"status": 503}, UPSTREAM),
    Fault("connection-reset", "reset", {}, FailureKind.NETWORK),
    Fault("truncated-json", "truncated", {}, UPSTREAM),
    Fault("wrong-content-type", "wrong_type", {}, UPSTREAM),
    Fault("bot-wall-html", "non_json", {}, UPSTREAM),
    Fault("login-wall-html", "login_wall", {}, UPSTREAM),
    Fault("hang-past-deadline", "hang", {"seconds": HANG_SECONDS}, FailureKind.TIMEOUT),
    Fault("401-auth-required", "auth_required", {}, FailureKind.AUTH_REQUIRED),
)
HANDLES: Final = {"x": "faultyperson", "mastodon": "archivist", "bluesky": "newsroom.example.com"}

#: (platform, fault) -> [injected, right outcome, false status changes], printed at the end.
TALLY: dict[tuple[str, str], Counter[str]] = {}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """One emulator for the module; each test adds its own post and clears its faults."""
    with EmulatorServer() as server:
        yield server
    if TALLY:
        rows = [f"{p:9} {f:22} {c['injected']:3} {c['right']:3} {c['false']:3}"
                for (p, f), c in sorted(TALLY.items())]  # fmt: skip
        total = sum((c for c in TALLY.values()), Counter())
        print("\nplatform  fault                  inj ok  false-status-changes", *rows, sep="\n")
        print(
            f"total: {total['injected']} injected, {total['right']} right, {total['false']} false"
        )


@pytest.fixture
def rig(settings: Settings, engine: Engine, emulator: EmulatorServer) -> Iterator[Rig]:
    """Settings sending every platform to the emulator; no screenshots, no re-check due."""
    yield routed_rig(settings, engine, emulator)
    emulator.world.clear_failures()


async def faulted(rig: Rig, platform: str, fault: Fault, post_id: str, pid: str) -> None:
    """Observe the post with ``fault`` in force; assert and tally what it became."""
    world = rig.emulator.world
    before, snapshots_before, events_before = rig.state(post_id)
    world.add_failure(fault.mode, platform=platform, post_id=pid, **fault.options)
    started = datetime.now(UTC)
    summary = await rig.observe(post_id, deadline=DEADLINE)
    after, snapshots_after, events_after = rig.state(post_id)
    check = rig.check(summary.check_id)
    tally = TALLY.setdefault((platform, fault.name), Counter())
    tally["injected"] += 1
    false_change = (
        after.status is not before.status
        or after.suspected_status is not None
        or events_after != events_before
    )
    tally["false"] += false_change
    right = check.outcome is fault.outcome and (check.error or "").startswith(f"{fault.kind}:")
    tally["right"] += right
    assert right, (check.outcome, check.error)
    assert not false_change, (after.status, after.suspected_status)
    assert snapshots_after == snapshots_before
    assert after.next_check_at is not None and after.next_check_at > started
    assert after.lease_until is None
    if fault.outcome is ERROR:
        assert check.error and check.retry_after is None
    else:
        assert check.retry_after is not None
        retry_after = check.retry_after.replace(tzinfo=check.retry_after.tzinfo or UTC)
        expected = started + timedelta(seconds=RETRY_AFTER)
        assert abs(retry_after - expected) < timedelta(seconds=3), (retry_after, expected)
        due = after.next_check_at.replace(tzinfo=after.next_check_at.tzinfo or UTC)
        assert due >= retry_after  # the next check waits for the platform's time
        await honoured_by_the_gate(rig, post_id)
    world.clear_failures()


async def honoured_by_the_gate(rig: Rig, post_id: str) -> None:
    """Asked again before its time (a check forced early), the gate sends nothing upstream."""
    world = rig.emulator.world
    async with Egress(rig.settings, timeout=DEADLINE) as gate:
        deps = rig.deps(gate)
        first = await observe(post_id, deps)
        assert first is not None and first.outcome is RATE_LIMITED
        sent = len(world.requests())
        second = await observe(post_id, deps)
        assert second is not None and second.outcome is RATE_LIMITED
        assert len(world.requests()) == sent, "a request went out before the platform's time"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
@pytest.mark.parametrize("platform", sorted(HANDLES))
async def test_a_fault_is_an_outcome_never_a_status(platform: str, fault: Fault, rig: Rig) -> None:
    """A fault on a post's first capture leaves it pending; on a re-check, live; either way
    the check says ``rate_limited`` or ``error`` and nothing is suspected or confirmed."""
    world = rig.emulator.world
    info = world.add_post(platform, HANDLES[platform], f"A post that meets {fault.name}")
    with transaction(create_session_factory(rig.engine, write=True)) as session:
        post_id = submit_post(session=session, url=info.url, now=datetime.now(UTC)).post.id

    await faulted(rig, platform, fault, post_id, info.id)  # the first capture
    post, snapshots, _ = rig.state(post_id)
    assert post.status is PostStatus.PENDING and snapshots == 0

    captured = await rig.observe(post_id)  # the platform is well again
    assert captured.outcome is CheckOutcome.CHANGED and captured.status is PostStatus.LIVE

    await faulted(rig, platform, fault, post_id, info.id)  # a re-check of the live post
    post, snapshots, events = rig.state(post_id)
    assert (post.status, snapshots, events) == (PostStatus.LIVE, 1, 0)
