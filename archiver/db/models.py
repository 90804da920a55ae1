"""The tables: posts and what is observed of them, articles and their quotes, keys and webhooks.

Every ID is a short opaque string (``archiver.ids``); every timestamp is aware UTC. Enumerated
values are stored as their API spelling in plain ``VARCHAR`` columns, so adding a value never
needs a database-specific enum migration.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from archiver.db.base import Base, UTCDateTime
from archiver.domain import (
    ApiKeyRole,
    CheckOutcome,
    EventKind,
    Fidelity,
    Platform,
    PostStatus,
    QuoteKind,
)
from archiver.ids import new_id

E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A ``StrEnum`` stored as its string value in a VARCHAR(16)."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(value)


def _id_column() -> Mapped[str]:
    return mapped_column(String(12), primary_key=True, default=new_id)


class ApiKey(Base):
    """An API key; only its SHA-256 is stored, the key itself is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = _id_column()
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[ApiKeyRole] = mapped_column(StrEnumType(ApiKeyRole))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Post(Base):
    """A post somebody asked us to keep. ``post_key`` is unique per platform (see ``PostRef``).

    Indexes, by the queries they serve (``docs/benchmarks.md``, "Database at 1,000,000
    posts"): ``next_check_at`` picks due checks (and counts the queue); ``(submitted_at,
    id)`` pages posts newest first, ``(status, …)`` and ``(platform, …)`` the same filtered
    by status or platform; ``status`` alone counts posts by status.
    """

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("platform", "post_key"),
        Index("ix_posts_submitted_at_id", "submitted_at", "id"),
        Index("ix_posts_status_submitted_at_id", "status", "submitted_at", "id"),
        Index("ix_posts_platform_submitted_at_id", "platform", "submitted_at", "id"),
    )

    id: Mapped[str] = _id_column()
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform))
    platform_post_id: Mapped[str] = mapped_column(String(512))
    post_key: Mapped[str] = mapped_column(String(600))
    host: Mapped[str | None] = mapped_column(String(253))
    author_id: Mapped[str | None] = mapped_column(String(128))
    author_handle: Mapped[str | None] = mapped_column(String(256), index=True)
    author_name: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[PostStatus] = mapped_column(
        StrEnumType(PostStatus), default=PostStatus.PENDING, index=True
    )
    suspected_status: Mapped[PostStatus | None] = mapped_column(StrEnumType(PostStatus))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # None: the configured schedule; "off": never re-check; else a schedule such as "1h,1d".
    recheck: Mapped[str | None] = mapped_column(String(200))
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    # A worker holds a post while it observes it; a crashed worker's lease simply runs out.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Consecutive failed observations (ours or transient upstream), for back-off.
    failure_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Loaded when asked for (the worker never is); lists load them in one query each page.
    tags: Mapped[list[PostTag]] = relationship(cascade="all, delete-orphan", order_by="PostTag.tag")


class PostTag(Base):
    """A tag an archivist gave a post."""

    __tablename__ = "post_tags"
    # The primary key finds a post's tags; this index a tag's posts, without the table.
    __table_args__ = (Index("ix_post_tags_tag_post_id", "tag", "post_id"),)

    post_id: Mapped[str] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)


class Snapshot(Base):
    """One immutable capture of a post: what it said, with hashes of every artifact."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_post_id_captured_at", "post_id", "captured_at"),)

    id: Mapped[str] = _id_column()
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(16))
    author_id: Mapped[str | None] = mapped_column(String(128))
    author_handle: Mapped[str | None] = mapped_column(String(256))
    author_name: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quoted_post: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reply_to: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    edit_history_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_content_type: Mapped[str | None] = mapped_column(String(200))
    warc_sha256: Mapped[str | None] = mapped_column(String(64))
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    screenshot_width: Mapped[int | None] = mapped_column(Integer)
    screenshot_height: Mapped[int | None] = mapped_column(Integer)
    screenshot_source: Mapped[str | None] = mapped_column(String(16))
    browser_version: Mapped[str | None] = mapped_column(String(100))
    screenshot_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The page that was rendered (the platform's embed page), when it was the platform's.
    screenshot_url: Mapped[str | None] = mapped_column(Text)
    # The screenshot's perceptual hash (``archiver.perceptual``): what it shows, not its bytes.
    screenshot_phash: Mapped[str | None] = mapped_column(String(16))
    software_version: Mapped[str] = mapped_column(String(32))
    # The platform's ID of the version captured (an edited X post has a new ID per version).
    version_id: Mapped[str | None] = mapped_column(String(512))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    raw_url: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Its trusted timestamps, oldest request first (loaded when asked for: the API, pages).
    timestamps: Mapped[list[SnapshotTimestamp]] = relationship(
        viewonly=True, order_by="SnapshotTimestamp.requested_at, SnapshotTimestamp.id"
    )
    # Its independent copies by other archives, oldest request first (loaded when asked for).
    corroborations: Mapped[list[SnapshotCorroboration]] = relationship(
        viewonly=True, order_by="SnapshotCorroboration.requested_at, SnapshotCorroboration.id"
    )


class SnapshotRequest:
    """The columns of a request about a snapshot that the worker makes apart from its capture
    (a trusted timestamp, an independent copy): ``next_attempt_at`` is the queue, set while
    the request is due and cleared once it is done; failed attempts are counted, with the
    last one's reason."""

    snapshot_id: Mapped[str] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    def attempted(
        self,
        now: datetime,
        *,
        error: str | None = None,
        due: datetime | None = None,
        sent: bool = True,
    ) -> None:
        """Record an attempt made at ``now`` (``sent``: it reached the service; else the
        outbound gate held it back): its failure, if it failed, and when the request is due
        again (``None``: it is done)."""
        if sent:
            self.attempts += 1
            self.last_attempt_at = now
        self.last_error = error
        self.next_attempt_at = due


class SnapshotTimestamp(SnapshotRequest, Base):
    """An RFC 3161 timestamp of a snapshot's manifest by one Time-Stamp Authority, or the
    request for one still to be made (pending until the token is stored). The manifest, the
    TSA's reply (the token) and the certificate chain are blobs named by their SHA-256."""

    __tablename__ = "snapshot_timestamps"

    id: Mapped[str] = _id_column()
    tsa_url: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    token_sha256: Mapped[str | None] = mapped_column(String(64))
    chain_sha256: Mapped[str | None] = mapped_column(String(64))
    # From the token: when the TSA saw the manifest's hash, its serial number and policy.
    gen_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    serial_number: Mapped[str | None] = mapped_column(String(64))
    policy: Mapped[str | None] = mapped_column(String(200))
    # The signing certificate's subject (RFC 4514), and whether it chained to a trusted root.
    signer: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    verify_error: Mapped[str | None] = mapped_column(Text)


class CorroborationStatus(StrEnum):
    """Where an independent copy stands: asked for (or being made), made, or refused."""

    PENDING = "pending"
    SUCCESS = "success"
    ERROR = "error"


class SnapshotCorroboration(SnapshotRequest, Base):
    """An independent copy of a snapshot's post made by another archive at our request (the
    Internet Archive's Save Page Now: ``service`` ``wayback``), or the request for one. While
    ``pending`` the queue holds it: first to be asked for (no ``job_id`` yet), then to be
    polled; it ends ``success`` with the copy's address and the time the archive gives it, or
    ``error`` with the archive's reason (``status_ext``, ``message``) or ours."""

    __tablename__ = "snapshot_corroborations"

    id: Mapped[str] = _id_column()
    service: Mapped[str] = mapped_column(String(16))
    # The URL the archive was asked to copy: the post's canonical URL.
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[CorroborationStatus] = mapped_column(
        StrEnumType(CorroborationStatus), default=CorroborationStatus.PENDING
    )
    # When the archive accepted the request, and its name for the job.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    job_id: Mapped[str | None] = mapped_column(String(200))
    # Why it ended in error: the archive's code (``error:not-found``) and words, or ours.
    status_ext: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text)
    # The copy: its address, and when the archive says it captured it (its own clock).
    archived_url: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The archive's last answer about the job, exactly as received (its JSON).
    answer: Mapped[str | None] = mapped_column(Text)


class Check(Base):
    """One observation of a post, whatever it found: the full log is kept."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_post_id_checked_at", "post_id", "checked_at"),)

    id: Mapped[str] = _id_column()
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # Indexed alone for the checks of the last minutes of every post (the anomaly guard).
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[CheckOutcome] = mapped_column(StrEnumType(CheckOutcome))
    reason: Mapped[PostStatus | None] = mapped_column(StrEnumType(PostStatus))
    error: Mapped[str | None] = mapped_column(Text)
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    http_status: Mapped[int | None] = mapped_column(Integer)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    # What the platform said, in a sentence, when it said the post is gone.
    evidence: Mapped[str | None] = mapped_column(Text)
    # Every exchange of this observation, as WARC (kept for gone answers too: proof of absence).
    warc_sha256: Mapped[str | None] = mapped_column(String(64))
    # Why the platform's page could not be rendered (then the screenshot is Archiver's card).
    screenshot_error: Mapped[str | None] = mapped_column(Text)
    snapshot_id: Mapped[str | None] = mapped_column(ForeignKey("snapshots.id", ondelete="SET NULL"))


class Event(Base):
    """A confirmed change of a post: an edit, a disappearance, or a restoration."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_post_id_confirmed_at", "post_id", "confirmed_at"),
        Index("ix_events_kind_confirmed_at", "kind", "confirmed_at"),
    )

    id: Mapped[str] = _id_column()
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(StrEnumType(EventKind))
    before_snapshot_id: Mapped[str | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL")
    )
    after_snapshot_id: Mapped[str | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL")
    )
    first_observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # For ``quote_changed``: the article whose quote of the post was judged anew.
    article_id: Mapped[str | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


class Article(Base):
    """A news article read for the posts it quotes."""

    __tablename__ = "articles"

    id: Mapped[str] = _id_column()
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(8))  # url | html | text
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_content_type: Mapped[str | None] = mapped_column(String(200))
    # The article's plain text as read (what inline quotes and attribution lines came from).
    text: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))


class ArticlePost(Base):
    """A post an article names (embeds or links to), whether or not a quote of it was found."""

    __tablename__ = "article_posts"

    article_id: Mapped[str] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[str] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class Quote(Base):
    """One quote of a post in an article, with the verdict on its fidelity."""

    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_article_id_position", "article_id", "position"),)

    id: Mapped[str] = _id_column()
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuoteKind] = mapped_column(StrEnumType(QuoteKind))
    text: Mapped[str] = mapped_column(Text)
    attribution_name: Mapped[str | None] = mapped_column(Text)
    attribution_handle: Mapped[str | None] = mapped_column(String(256))
    attribution_date: Mapped[date | None] = mapped_column(Date)
    post_id: Mapped[str | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    post_url: Mapped[str | None] = mapped_column(Text)
    fidelity: Mapped[Fidelity | None] = mapped_column(StrEnumType(Fidelity))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    matched_snapshot_id: Mapped[str | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL")
    )
    # An entry of the platform's edit history, when that is the version matched.
    matched_version: Mapped[str | None] = mapped_column(String(600))
    # The words of the matched version the quote was aligned with, as the post prints them.
    span: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    context: Mapped[str | None] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(Text)
    # How the post was found: embed | link | attribution | archive | article | manual.
    link_source: Mapped[str | None] = mapped_column(String(16))
    unresolved_reason: Mapped[str | None] = mapped_column(Text)
    post_status: Mapped[PostStatus | None] = mapped_column(StrEnumType(PostStatus))
    post_changed_since: Mapped[bool | None] = mapped_column(Boolean)
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Webhook(Base):
    """Where event deliveries go, signed with the webhook's secret."""

    __tablename__ = "webhooks"

    id: Mapped[str] = _id_column()
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(256))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))


class DeliveryStatus(StrEnum):
    """Where a webhook delivery stands: waiting (to be tried or retried), done, or given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(Base):
    """One event sent (or to be sent) to one webhook, with its attempts so far.

    ``next_attempt_at`` is the due queue: set while the delivery is pending, cleared once it is
    delivered or given up.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_deliveries_webhook_id_created_at", "webhook_id", "created_at"),
    )

    id: Mapped[str] = _id_column()
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        StrEnumType(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The receiver's HTTP status on the last attempt (None: no answer, e.g. refused by the gate).
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
