"""Posts: a submission, a post as the API shows it and lists of them, its checks and its events."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from archiver.api.schemas.common import ArtifactRef, Tag, Timestamp
from archiver.domain import CheckOutcome, EventKind, Platform, PostStatus


class PostSubmission(BaseModel):
    """``POST /api/v1/posts``: a post URL, optional tags and re-check choice."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"url": "https://x.com/jack/status/20", "tags": ["history"], "recheck": "1h,1d"}
            ]
        },
    )

    url: str = Field(max_length=2048, description="the post's URL, in any of its forms")
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    recheck: bool | str | None = Field(
        None, description="false: never re-check; or a schedule such as 1h,1d,7d"
    )


class Author(BaseModel):
    """Who wrote a post, as the platform names them."""

    id: str | None
    handle: str | None
    name: str | None


class SnapshotSummary(BaseModel):
    """The newest snapshot, in brief."""

    id: str
    captured_at: Timestamp
    text: str
    url: str


class PostLinks(BaseModel):
    """Where to find more about a post."""

    self: str
    snapshots: str
    checks: str
    events: str


class PostOut(BaseModel):
    """A post and what is known of it so far (fields are null until known)."""

    id: str
    url: str
    canonical_url: str
    platform: Platform
    platform_post_id: str
    author: Author | None
    posted_at: Timestamp | None
    status: PostStatus
    suspected_status: PostStatus | None
    submitted_at: Timestamp
    first_captured_at: Timestamp | None
    last_checked_at: Timestamp | None
    next_check_at: Timestamp | None
    snapshot_count: int
    edit_count: int
    tags: list[str]
    latest_snapshot: SnapshotSummary | None
    links: PostLinks


class PostList(BaseModel):
    """A page of posts; ``next`` is the cursor of the following page, or null at the end."""

    items: list[PostOut]
    next: str | None


class CheckOut(BaseModel):
    """One observation of a post."""

    id: str
    checked_at: Timestamp
    outcome: CheckOutcome
    reason: PostStatus | None
    error: str | None
    evidence: str | None
    retry_after: Timestamp | None
    http_status: int | None
    elapsed_ms: int | None
    snapshot_id: str | None
    warc: ArtifactRef | None
    screenshot_error: str | None


class CheckQueued(BaseModel):
    """A re-check asked for and not done yet (``POST /api/v1/posts/{id}/checks``)."""

    post_id: str
    status: str = Field(description="queued")
    requested_at: Timestamp


class CheckList(BaseModel):
    """A page of checks, newest first."""

    items: list[CheckOut]
    next: str | None


class EventOut(BaseModel):
    """A confirmed change of a post."""

    id: str
    post_id: str
    kind: EventKind
    before_snapshot_id: str | None
    after_snapshot_id: str | None
    first_observed_at: Timestamp
    confirmed_at: Timestamp
    diff: dict[str, Any] | None
    article_id: str | None = Field(
        None, description="for quote_changed: the article whose quote was judged anew"
    )


class EventList(BaseModel):
    """A page of events, newest first."""

    items: list[EventOut]
    next: str | None
