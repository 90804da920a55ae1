"""What the web pages show: a post's history as one timeline (snapshots, checks and events in
the order they happened), a snapshot with its post and siblings, and the feed of changes with
the posts they are about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Check, Event, Post, Snapshot
from archiver.domain import CheckOutcome, EventKind, PostStatus
from archiver.services import events, posts, snapshots

#: The newest checks a post page shows; older ones are in the API's paginated log.
MAX_CHECKS = 500
#: The newest events a post page shows.
MAX_EVENTS = 500

EntryKind = Literal["snapshot", "check", "unchanged", "event"]
_ORDER: dict[EntryKind, int] = {"check": 0, "unchanged": 0, "snapshot": 1, "event": 2}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a post's timeline. ``unchanged`` stands for ``count`` unchanged checks in a
    row, from ``at`` to ``until``."""

    kind: EntryKind
    at: datetime
    snapshot: Snapshot | None = None
    check: Check | None = None
    event: Event | None = None
    count: int = 1
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    """A post, its snapshots (oldest first) and its timeline (oldest first)."""

    view: posts.PostView
    snapshots: list[Snapshot]
    entries: list[Entry]
    latest_screenshot: Snapshot | None
    more_checks: bool


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    """A snapshot, its post, and what became of the post since."""

    snapshot: Snapshot
    post: Post
    siblings: list[Snapshot]
    newer: Snapshot | None

    @property
    def gone(self) -> bool:
        """The post is no longer to be seen on its platform."""
        return self.post.status not in (PostStatus.LIVE, PostStatus.PENDING)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """An event and the post it is about."""

    event: Event
    post: Post | None


def post_timeline(*, session: Session, post_id: str) -> Timeline:
    """Everything observed of a post, merged in time order, or NotFound."""
    view = posts.get(session=session, post_id=post_id)
    post = view.post
    shots = snapshots.list_snapshots(session=session, post_id=post.id)
    checks, more = snapshots.checks_page(
        session=session, post_id=post.id, limit=MAX_CHECKS, cursor=None
    )
    changes, _ = events.page(session=session, limit=MAX_EVENTS, cursor=None, post_id=post.id)
    entries = [Entry("snapshot", s.captured_at, snapshot=s) for s in shots]
    entries += [Entry("event", e.confirmed_at, event=e) for e in changes]
    entries += [
        Entry("check", c.checked_at, check=c)
        for c in checks
        if not (c.outcome is CheckOutcome.CHANGED and c.snapshot_id)  # its snapshot says it
    ]
    entries.sort(key=lambda e: (e.at, _ORDER[e.kind]))
    with_shot = [s for s in shots if s.screenshot_sha256]
    return Timeline(
        view=view,
        snapshots=shots,
        entries=_collapse(entries),
        latest_screenshot=with_shot[-1] if with_shot else None,
        more_checks=more is not None,
    )


def _collapse(entries: list[Entry]) -> list[Entry]:
    """Runs of unchanged checks become one line each: they only say "still the same"."""
    out: list[Entry] = []
    for entry in entries:
        unchanged = entry.check is not None and entry.check.outcome is CheckOutcome.UNCHANGED
        if not unchanged:
            out.append(entry)
        elif out and out[-1].kind == "unchanged":
            last = out.pop()
            out.append(Entry("unchanged", last.at, count=last.count + 1, until=entry.at))
        else:
            out.append(Entry("unchanged", entry.at, until=entry.at))
    return out


def snapshot_page(*, session: Session, snapshot_id: str) -> SnapshotPage:
    """A snapshot with its post and the post's other snapshots, or NotFound."""
    snapshot = snapshots.get_snapshot(session=session, snapshot_id=snapshot_id)
    post = posts.get(session=session, post_id=snapshot.post_id).post
    siblings = snapshots.list_snapshots(session=session, post_id=post.id)
    later = [
        s
        for s in siblings
        if (s.captured_at, s.id) > (snapshot.captured_at, snapshot.id) and s.id != snapshot.id
    ]
    return SnapshotPage(snapshot, post, siblings, later[-1] if later else None)


def feed(
    *, session: Session, limit: int, cursor: str | None, kind: EventKind | None = None
) -> tuple[list[FeedItem], str | None]:
    """A page of every post's events, newest first, each with its post; and the next cursor."""
    rows, next_cursor = events.page(session=session, limit=limit, cursor=cursor, kind=kind)
    found = repository.posts_by_ids(session=session, post_ids=sorted({e.post_id for e in rows}))
    return [FeedItem(e, found.get(e.post_id)) for e in rows], next_cursor
