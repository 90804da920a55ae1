"""Reading posts: one post with its counts and newest snapshot, and pages of posts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Post, Snapshot
from archiver.domain import EventKind, Platform, PostStatus
from archiver.errors import NotFound, UnprocessableContent
from archiver.ids import normalize_id


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


def get(*, session: Session, post_id: str) -> PostView:
    """The post with this ID (as typed by a person, normalised), or NotFound."""
    canonical = normalize_id(post_id)
    post = repository.get_post(session=session, post_id=canonical) if canonical else None
    if post is None:
        raise NotFound(f"there is no post {post_id!r}")
    return view(session=session, post=post)


def encode_cursor(post: Post) -> str:
    """An opaque cursor pointing just after ``post`` in newest-first order."""
    raw = f"{post.submitted_at.isoformat()}|{post.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Read a cursor this API issued, or raise UnprocessableContent."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, post_id = raw.split("|", 1)
        moment = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise UnprocessableContent("cursor is not one this API issued") from exc
    if moment.tzinfo is None or normalize_id(post_id) != post_id:
        raise UnprocessableContent("cursor is not one this API issued")
    return moment, post_id


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
    views = [view(session=session, post=post) for post in posts]
    return views, encode_cursor(posts[-1]) if more and posts else None
