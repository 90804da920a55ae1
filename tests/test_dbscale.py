"""``bench/dbscale.py`` at a tiny size, on SQLite and PostgreSQL: its loader writes what it
says into the real schema, the app reads it back, the due pick claims the due posts through an
index, and the filtered lists give the same rows whichever way they are planned.

No timing is asserted: the bench measures, the tests check that what it measures is right.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import ColumnElement, Engine, func, or_, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import dbscale
import dbscale_load

from archiver.api.app import create_app
from archiver.config import Settings
from archiver.db.models import Check, Post, PostTag, Snapshot
from archiver.db.repository import posts as post_queries
from archiver.db.session import create_db_engine, create_session_factory
from archiver.domain import Platform, PostStatus
from archiver.services import posts as post_views

POSTS = 300
ANCHOR = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: More due, pending and tagged posts than an archive has, so 300 posts hold some of each.
SHAPE = dbscale_load.Shape(pending=0.05, due=0.2, gone=0.2, leased=0.2, tagged=0.6)


@pytest.fixture
def loaded(database_url: str) -> Iterator[tuple[Engine, dbscale_load.Loaded]]:
    """The test's database loaded with ``POSTS`` posts by the bench's loader."""
    engine = create_db_engine(database_url)
    result = dbscale_load.load(engine, POSTS, anchor=ANCHOR, shape=SHAPE)
    engine.dispose()
    engine = create_db_engine(database_url)
    yield engine, result
    engine.dispose()


def test_the_loader_writes_what_it_reports(loaded: tuple[Engine, dbscale_load.Loaded]) -> None:
    """Every table holds the rows the loader counted, in the shape it promises, and the load
    is marked finished with its size and anchor."""
    engine, result = loaded
    assert dbscale_load.counts(engine) == result.counts
    assert result.counts["posts"] == POSTS
    assert dbscale_load.loaded(engine) == (POSTS, ANCHOR)
    with engine.connect() as connection:
        platforms = set(connection.scalars(select(Post.platform).distinct()))
        statuses = set(connection.scalars(select(Post.status).distinct()))
        per_post = select(func.count()).where(Snapshot.post_id == Post.id).scalar_subquery()
        snapshots = set(connection.scalars(select(per_post).where(Post.status != "pending")))
        pending_snapshots = connection.scalar(
            select(func.count()).select_from(Snapshot).join(Post).where(Post.status == "pending")
        )
        checks = connection.scalar(
            select(func.min(select(func.count()).where(Check.post_id == Post.id).scalar_subquery()))
            .select_from(Post)
            .where(Post.status != "pending")
        )
    assert platforms == {"x", "mastodon", "bluesky"}
    assert {"live", "pending", "deleted"} <= statuses
    assert snapshots <= {1, 2, 3} and 1 in snapshots
    assert pending_snapshots == 0
    assert checks is not None and checks >= 3


def _due(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(Post.id)
                .where(Post.next_check_at <= ANCHOR)
                .where(or_(Post.lease_until.is_(None), Post.lease_until < ANCHOR))
                .order_by(Post.next_check_at)
            )
        )


def test_the_due_pick_claims_the_due_posts_and_leaves_them(
    loaded: tuple[Engine, dbscale_load.Loaded],
) -> None:
    """The bench's due pick is the worker's: the posts due longest, none held by a worker;
    it is rolled back, so the next pick claims the same ones."""
    engine, _ = loaded
    due = _due(engine)
    assert len(due) > dbscale.CLAIM  # the shape makes more due than one pick takes
    first = dbscale.claim(engine, ANCHOR)
    assert first == due[: dbscale.CLAIM]
    assert dbscale.claim(engine, ANCHOR, with_batch=True) == first
    assert _due(engine) == due


def test_the_due_pick_is_planned_on_the_next_check_index(
    loaded: tuple[Engine, dbscale_load.Loaded],
) -> None:
    """The due pick reads ``ix_posts_next_check_at`` in order (SQLite: a SEARCH of it;
    PostgreSQL: an Index Scan under the row locks of SKIP LOCKED), never the whole table.
    On tables this small PostgreSQL would rather scan, so scans are switched off for the plan.
    """
    engine, _ = loaded
    recorder = dbscale.Recorder()
    recorder.attach(engine)
    with recorder.recording() as statements:
        dbscale.claim(engine, ANCHOR)
    pick = statements[0]
    assert "next_check_at" in pick[0]
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            connection.execute(text("SET enable_bitmapscan = off"))
        plan = dbscale.explain(connection, *pick)
    shown = "\n".join(plan)
    if engine.dialect.name == "sqlite":
        assert "SEARCH posts USING INDEX ix_posts_next_check_at (next_check_at<?)" in shown
    else:
        assert "Index Scan using ix_posts_next_check_at on posts" in shown
        assert "LockRows" in shown  # FOR UPDATE SKIP LOCKED is kept
    notes = dbscale.plan_notes([plan])
    assert "ix:ix_posts_next_check_at" in notes
    assert not [note for note in notes if note.startswith(("SCAN", "SORT"))]


def test_the_app_reads_the_loaded_posts(
    loaded: tuple[Engine, dbscale_load.Loaded], settings: Settings
) -> None:
    """``GET /api/v1/posts/{id}`` (what the bench times) answers each sampled post as stored:
    its status, times, snapshot count and newest snapshot."""
    engine, _ = loaded
    picks = dbscale_load.sample(engine, 10)
    assert len(picks) >= 5
    with TestClient(create_app(settings, clock=lambda: ANCHOR)) as client:
        for post_id, url, snapshot_id in picks:
            answer = client.get(f"/api/v1/posts/{post_id}")
            assert answer.status_code == 200
            body = answer.json()
            with engine.connect() as connection:
                post = connection.execute(select(Post).where(Post.id == post_id)).one()
                shots = connection.execute(
                    select(Snapshot.id, Snapshot.post_id)
                    .where(Snapshot.post_id == post_id)
                    .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
                ).all()
            assert (body["id"], body["canonical_url"], body["status"]) == (
                post_id,
                url,
                post.status,
            )
            assert body["platform"] == post.platform
            assert datetime.fromisoformat(body["submitted_at"]) == post.submitted_at
            assert body["snapshot_count"] == len(shots)
            assert body["latest_snapshot"]["id"] == shots[0].id
            assert snapshot_id in {shot.id for shot in shots}
            timemap = client.get(f"/timemap/link/{url}")
            assert timemap.status_code == 200
            assert all(shot.id in timemap.text for shot in shots)


def _page_ids(engine: Engine, filters: post_views.PostFilters) -> list[str]:
    """Every post a filter lists, following the cursors pages of 7 at a time."""
    found: list[str] = []
    cursor = None
    with create_session_factory(engine)() as session:
        while True:
            views, cursor = post_views.page(
                session=session, filters=filters, limit=7, cursor=cursor
            )
            found += [view.post.id for view in views]
            if cursor is None:
                return found


def _newest_first(engine: Engine, where: ColumnElement[bool]) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(select(Post.id, Post.submitted_at).where(where)).all()
    return [row.id for row in sorted(rows, key=lambda row: (row.submitted_at, row.id))][::-1]


@pytest.mark.parametrize(
    ("few", "common"),
    [(post_queries.FEW, 2.0), (0, 2.0), (post_queries.FEW, 0.0)],
    ids=["gathered", "counted-then-walked", "walked-at-once"],
)
def test_filtered_lists_give_the_same_posts_either_way(
    loaded: tuple[Engine, dbscale_load.Loaded],
    monkeypatch: pytest.MonkeyPatch,
    few: int,
    common: float,
) -> None:
    """Lists by tag, by words and by status, paged by cursor, give every matching post once,
    newest first, whether the matches are gathered first (up to ``FEW``), or the posts walked
    once more than ``FEW`` were found, or at once for a word PostgreSQL's statistics call
    common (``COMMON``): each compared with the rows read plainly."""
    engine, _ = loaded
    monkeypatch.setattr(post_queries, "FEW", few)
    monkeypatch.setattr(post_queries, "COMMON", common)
    with engine.connect() as connection:
        texts = connection.execute(select(Snapshot.post_id, Snapshot.text)).all()
        tagged = set(
            connection.scalars(
                select(PostTag.post_id).where(PostTag.tag == dbscale_load.COMMON_TAG)
            )
        )
    word = dbscale_load.COMMON_WORD
    with_word = {row.post_id for row in texts if any(w.startswith(word) for w in row.text.split())}
    assert tagged and with_word
    by_tag = _page_ids(engine, post_views.PostFilters(tag=dbscale_load.COMMON_TAG))
    assert by_tag == _newest_first(engine, Post.id.in_(tagged))
    by_words = _page_ids(engine, post_views.PostFilters(q=word.upper()))
    assert by_words == _newest_first(engine, Post.id.in_(with_word))
    both = _page_ids(engine, post_views.PostFilters(q=word, tag=dbscale_load.COMMON_TAG))
    assert both == _newest_first(engine, Post.id.in_(with_word & tagged))
    filters = post_views.PostFilters(status=PostStatus.DELETED, platform=Platform.X)
    deleted = _page_ids(engine, filters)
    assert deleted == _newest_first(engine, (Post.status == "deleted") & (Post.platform == "x"))
    assert _page_ids(engine, post_views.PostFilters(q="zzzzzz")) == []
    assert _page_ids(engine, post_views.PostFilters(tag="no-such-tag")) == []
