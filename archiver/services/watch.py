"""What one observation means for a post: its next state, and the events it confirms.

- **Live.** The first live answer makes the first snapshot. Later ones are compared with the
  newest snapshot (``archiver.detect.compare``): a real change of text, media or quoted post
  makes a new snapshot and an ``edited`` event with a word-level diff; counts never do. An
  unchanged answer is recorded as a check only (its evidence is the snapshot it matches). A
  post that was confirmed gone and answers again is ``restored``.
- **Gone.** Only suspected at first; confirmed (status changed, event raised) after
  ``DELETION_CONFIRMATIONS`` same-reason answers spanning ``CONFIRM_AFTER`` — and never while
  the platform looks degraded (the anomaly guard): then it stays suspected.
- **Failed.** Evidence of nothing: the post keeps its status and is tried again after back-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from archiver import cadence
from archiver.config import Settings
from archiver.db import repository
from archiver.db.models import Event, Post, Snapshot
from archiver.detect.anomaly import degraded
from archiver.detect.compare import Verdict, compare
from archiver.detect.confirm import Seen, confirmed_gone, trailing_gone
from archiver.detect.diff import word_diff
from archiver.detect.normalise import content_from_post, content_from_snapshot
from archiver.domain import CheckOutcome, EventKind, Live, Platform, PostStatus
from archiver.services import evidence
from archiver.units import parse_schedule

GONE_STATUSES = frozenset(
    {
        PostStatus.DELETED,
        PostStatus.SUSPENDED,
        PostStatus.PROTECTED,
        PostStatus.WITHHELD,
        PostStatus.UNAVAILABLE,
    }
)


@dataclass(frozen=True, slots=True)
class LiveOutcome:
    """What a live answer did: the check's outcome, the new snapshot if any, the events."""

    outcome: CheckOutcome
    snapshot: Snapshot | None
    events: list[Event]


def on_live(
    session: Session,
    post: Post,
    live: Live,
    stored: evidence.Stored,
    *,
    latest: Snapshot | None,
    now: datetime,
    settings: Settings,
    software: str,
    verdict: Verdict | None = None,
) -> LiveOutcome:
    """Record a live answer against the newest snapshot ``latest`` (``verdict``: how they
    compare, if already known): a snapshot when new or changed, ``edited``/``restored``
    events."""
    events: list[Event] = []
    snapshot: Snapshot | None = None
    if latest is None:
        snapshot = evidence.snapshot_row(post, live, stored, now, software)
        repository.add_snapshot(session=session, snapshot=snapshot)
    else:
        verdict = verdict or verdict_against(latest, live)
        if verdict.changed:
            snapshot = evidence.snapshot_row(post, live, stored, now, software)
            repository.add_snapshot(session=session, snapshot=snapshot)
            diff: dict[str, object] = {"reasons": list(verdict.reasons)}
            if "text" in verdict.reasons:
                diff.update(word_diff(latest.text, live.data.text).to_json())
            if verdict.platform_signal:
                diff["platform_signal"] = verdict.platform_signal
            if verdict.replaced:
                diff["media"] = [found.to_json() for found in verdict.replaced]
            events.append(
                _event(post, EventKind.EDITED, latest.id, snapshot.id, now, now, diff=diff)
            )
    if post.status in GONE_STATUSES:
        after = snapshot.id if snapshot else (latest.id if latest else None)
        before = latest.id if latest else None
        events.append(
            _event(post, EventKind.RESTORED, before, after, now, now, diff={"was": post.status})
        )
    _now_live(post, live, settings, now)
    outcome = CheckOutcome.CHANGED if snapshot is not None else CheckOutcome.UNCHANGED
    return LiveOutcome(outcome=outcome, snapshot=snapshot, events=events)


def verdict_against(latest: Snapshot, live: Live) -> Verdict:
    """How a live answer compares with the newest snapshot.

    Answers from different sources (X's oEmbed fallback against its full data) are not
    compared: oEmbed keeps t.co links and drops media, which would look like an edit.
    """
    if latest.extra.get("source") != live.data.extra.get("source"):
        return Verdict(changed=False, reasons=(), text_diff=None, platform_signal=None)
    return compare(
        content_from_snapshot(latest.text, latest.media, latest.quoted_post),
        content_from_post(live.data),
        before_edit_ids=latest.edit_history_ids,
        after_edit_ids=live.data.edit_history_ids,
        before_edited_at=latest.edited_at,
        after_edited_at=live.data.edited_at,
    )


def on_gone(
    session: Session,
    post: Post,
    *,
    now: datetime,
    settings: Settings,
    canary_gone: bool = False,
) -> list[Event]:
    """Record a gone answer (the check is already on record): suspect, or confirm."""
    history = [
        Seen(at=c.checked_at, outcome=c.outcome, reason=c.reason)
        for c in repository.recent_checks(
            session=session, post_id=post.id, limit=4 * settings.deletion_confirmations + 8
        )
    ]
    post.failure_count = 0
    confirmed = confirmed_gone(
        history, needed=settings.deletion_confirmations, span=settings.confirm_after
    )
    if confirmed is not None and (
        canary_gone or platform_degraded(session, post, now=now, settings=settings)
    ):
        confirmed = None  # an outage is not a deletion: keep it suspected and look again
    if confirmed is None:
        post.suspected_status = history[-1].reason
        post.next_check_at = now + settings.confirm_after
        return []
    already = post.status
    post.status = confirmed
    post.suspected_status = None
    post.next_check_at = next_regular(post, settings, now)
    latest = repository.latest_snapshot(session=session, post_id=post.id)
    if already is confirmed or latest is None:
        return []  # no news, or nothing was ever captured to have changed
    first_seen = trailing_gone(history)[-1].at
    return [_event(post, EventKind(confirmed.value), latest.id, None, first_seen, now)]


def on_failed(post: Post, *, now: datetime, retry_after: datetime | None) -> None:
    """Record a failure: nothing about the post changes but when it is looked at next."""
    post.failure_count += 1
    post.next_check_at = cadence.after_failure(now, post.failure_count, retry_after)


def platform_degraded(session: Session, post: Post, *, now: datetime, settings: Settings) -> bool:
    """Whether the post's platform looks like it is having an outage right now.

    The window is twice ``CONFIRM_AFTER``: a suspected post is looked at again only
    ``CONFIRM_AFTER`` after its first gone answer, so a window of one span would lose sight of
    posts between their two answers and let an outage through a few posts at a time.
    """
    window = repository.platform_window(
        session=session, platform=post.platform, since=now - 2 * settings.confirm_after
    )
    return degraded(window, min_posts=settings.anomaly_min_posts, share=settings.anomaly_share)


def degraded_platforms(session: Session, *, now: datetime, settings: Settings) -> list[Platform]:
    """The platforms whose answers look like an outage right now (shown by ``/healthz``)."""
    since = now - 2 * settings.confirm_after
    return [
        platform
        for platform in Platform
        if degraded(
            repository.platform_window(session=session, platform=platform, since=since),
            min_posts=settings.anomaly_min_posts,
            share=settings.anomaly_share,
        )
    ]


def next_regular(post: Post, settings: Settings, now: datetime) -> datetime | None:
    """The post's next scheduled check, or ``None`` when re-checks are off for it."""
    if post.recheck == "off":
        return None
    offsets = parse_schedule(post.recheck) if post.recheck else settings.recheck_schedule
    anchor = post.first_captured_at or post.submitted_at
    return cadence.next_regular(post.id, anchor, offsets, now)


def live_columns(post: Post, live: Live, now: datetime) -> dict[str, Any]:
    """The post's columns after a live answer, but for its next check (see ``next_regular``)."""
    data = live.data
    columns: dict[str, Any] = {
        "status": PostStatus.LIVE,
        "suspected_status": None,
        "failure_count": 0,
        "posted_at": data.posted_at or post.posted_at,
        "first_captured_at": post.first_captured_at or now,
    }
    if data.author is not None:
        columns |= {
            "author_id": data.author.id,
            "author_handle": data.author.handle,
            "author_name": data.author.name,
        }
    if data.post_id == post.platform_post_id and data.url:
        columns["canonical_url"] = data.url
    return columns


def _now_live(post: Post, live: Live, settings: Settings, now: datetime) -> None:
    for name, value in live_columns(post, live, now).items():
        setattr(post, name, value)
    post.next_check_at = next_regular(post, settings, now)


def _event(
    post: Post,
    kind: EventKind,
    before: str | None,
    after: str | None,
    first_observed_at: datetime,
    confirmed_at: datetime,
    *,
    diff: dict[str, object] | None = None,
) -> Event:
    return Event(
        post_id=post.id,
        kind=kind,
        before_snapshot_id=before,
        after_snapshot_id=after,
        first_observed_at=first_observed_at,
        confirmed_at=confirmed_at,
        diff=diff,
    )
