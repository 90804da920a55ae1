"""Reading posts: one post with its counts and newest snapshot, and pages of posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Post, Snapshot
from archiver.domain import EventKind, Platform, PostStatus
from archiver.errors import NotFound
from archiver.ids import normalize_id
from archiver.services.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class PostView:
    """A post with what is derived from its snapshots and events."""

    post: Post
    snapshot_count: int
    edit_count: int
    latest: Snapshot | None


@dataclass(frozen=True, slots=True)
class PostFilters:
    """The filters of ``GET /api/v1/posts``; ``None`` means no filter."""

    status: PostStatus | None = None
    platform: Platform | None = None
    author: str | None = None
    tag: str | None = None
    q: str | None = None


def view(*, session: Session, post: Post) -> PostView:
    """Gather a post's derived figures."""
    return PostView(
        post=post,
        snapshot_count=repository.count_snapshots(session=session, post_id=post.id),
        edit_count=repository.count_events(session=session, post_id=post.id, kind=EventKind.EDITED),
        latest=repository.latest_snapshot(session=session, post_id=post.id),
    )


def page_views(*, session: Session, posts: Sequence[Post]) -> list[PostView]:
    """Views of a page of posts: three queries for the whole page, not three per post, and
    none for posts never captured (no snapshot, so no edit either: as ``view_new``)."""
    ids = [post.id for post in posts if post.first_captured_at is not None]
    if not ids:
        return [view_new(post) for post in posts]
    counts = repository.post_counts(session=session, post_ids=ids)
    latest = repository.newest_snapshots(session=session, post_ids=ids)
    return [
        PostView(
            post=post,
            snapshot_count=counts.get(post.id, (0, 0))[0],
            edit_count=counts.get(post.id, (0, 0))[1],
            latest=latest.get(post.id),
        )
        for post in posts
    ]


def view_new(post: Post) -> PostView:
    """The view of a post just stored: nothing derived yet (no snapshot, no event)."""
    return PostView(post=post, snapshot_count=0, edit_count=0, latest=None)


def get(*, session: Session, post_id: str) -> PostView:
    """The post with this ID (as typed by a person, normalised), or NotFound."""
    canonical = normalize_id(post_id)
    post = repository.get_post(session=session, post_id=canonical) if canonical else None
    if post is None:
        raise NotFound(f"there is no post {post_id!r}")
    return view(session=session, post=post)


def page(
    *, session: Session, filters: PostFilters, limit: int, cursor: str | None
) -> tuple[list[PostView], str | None]:
    """One page of posts, newest first, and the cursor of the next page (or ``None``)."""
    after = decode_cursor(cursor) if cursor else None
    author = filters.author.lstrip("@") if filters.author else None
    posts = repository.list_posts(
        session=session,
        limit=limit + 1,
        after=after,
        status=filters.status,
        platform=filters.platform,
        author=author or None,
        tag=filters.tag,
        text=filters.q.strip() or None if filters.q else None,
    )
    more = len(posts) > limit
    posts = posts[:limit]
    views = page_views(session=session, posts=posts)
    last = posts[-1] if more and posts else None
    return views, encode_cursor(last.submitted_at, last.id) if last else None
