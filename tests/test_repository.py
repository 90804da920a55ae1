"""Queries whose answers the worker relies on, against SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Event, Snapshot
from archiver.db.session import create_session_factory, transaction
from archiver.domain import EventKind
from archiver.services import posts as services_posts
from archiver.services import submissions

NOON = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def _snapshot(post_id: str, snapshot_id: str, at: datetime, text: str) -> Snapshot:
    return Snapshot(
        id=snapshot_id, post_id=post_id, captured_at=at, text=text, software_version="test"
    )


def _three_posts(session: Session, handle: str, first: int) -> list[str]:
    """Submit three X posts of ``handle`` (status IDs from ``first``); their IDs."""
    return [
        submissions.submit_post(
            session=session, url=f"https://x.com/{handle}/status/{n}", now=NOON
        ).post.id
        for n in range(first, first + 3)
    ]


def test_posts_to_observe_pairs_each_post_with_its_newest_snapshot(engine: Engine) -> None:
    """A batch read gives every post (in the order asked, unknown IDs left out) with its
    newest snapshot; ties in time go to the larger ID, as for one post alone."""
    with transaction(create_session_factory(engine, write=True)) as session:
        ids = _three_posts(session, "mayor", 101)
        edited, tied, never = ids
        for snapshot in (
            _snapshot(edited, "AAAAAAAAAAA1", NOON, "first words"),
            _snapshot(edited, "AAAAAAAAAAA2", NOON + timedelta(hours=2), "second words"),
            _snapshot(edited, "AAAAAAAAAAA3", NOON + timedelta(hours=1), "middle words"),
            _snapshot(tied, "BBBBBBBBBBB1", NOON, "tie, smaller id"),
            _snapshot(tied, "BBBBBBBBBBB2", NOON, "tie, larger id"),
        ):
            repository.add_snapshot(session=session, snapshot=snapshot)

    with create_session_factory(engine)() as session:
        loaded = repository.posts_to_observe(
            session=session, post_ids=[never, "NOSUCHPOST00", tied, edited]
        )
        one_by_one = {
            post_id: repository.latest_snapshot(session=session, post_id=post_id) for post_id in ids
        }

    assert [post.id for post, _ in loaded] == [never, tied, edited]
    newest = {post.id: (latest.text if latest else None) for post, latest in loaded}
    assert newest == {never: None, tied: "tie, larger id", edited: "second words"}
    assert {post.id: latest for post, latest in loaded}.keys() == one_by_one.keys()
    for post, latest in loaded:
        expected = one_by_one[post.id]
        assert (latest.id if latest else None) == (expected.id if expected else None)


def test_posts_to_observe_of_nothing_asks_nothing(engine: Engine) -> None:
    """An empty batch is an empty answer."""
    with create_session_factory(engine)() as session:
        assert repository.posts_to_observe(session=session, post_ids=[]) == []


def test_a_page_of_posts_is_counted_as_each_post_alone(engine: Engine) -> None:
    """A page's snapshot and edit counts and newest snapshots, read for the whole page at
    once, are what the one-post reads give for each post."""
    with transaction(create_session_factory(engine, write=True)) as session:
        ids = _three_posts(session, "clerk", 201)
        edited, gone, never = ids
        for snapshot in (
            _snapshot(edited, "CCCCCCCCCCC1", NOON, "before"),
            _snapshot(edited, "CCCCCCCCCCC2", NOON + timedelta(hours=1), "after"),
            _snapshot(gone, "DDDDDDDDDDD1", NOON, "only"),
        ):
            repository.add_snapshot(session=session, snapshot=snapshot)
        for captured in (edited, gone):  # as a capture sets it with the first snapshot
            post = repository.get_post(session=session, post_id=captured)
            assert post is not None
            post.first_captured_at = NOON
        for post_id, kind in ((edited, EventKind.EDITED), (gone, EventKind.DELETED)):
            session.add(
                Event(post_id=post_id, kind=kind, first_observed_at=NOON, confirmed_at=NOON)
            )

    with create_session_factory(engine)() as session:
        posts = [repository.get_post(session=session, post_id=post_id) for post_id in ids]
        page = services_posts.page_views(session=session, posts=[p for p in posts if p])
        alone = [services_posts.view(session=session, post=p) for p in posts if p]

    def figures(view: services_posts.PostView) -> tuple[str, int, int, str | None]:
        latest = view.latest.id if view.latest else None
        return view.post.id, view.snapshot_count, view.edit_count, latest

    assert [figures(v) for v in page] == [figures(v) for v in alone]
    assert [figures(v) for v in page] == [
        (edited, 2, 1, "CCCCCCCCCCC2"),
        (gone, 1, 0, "DDDDDDDDDDD1"),
        (never, 0, 0, None),
    ]
