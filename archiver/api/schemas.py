"""The JSON shapes of the API (SPEC §5). Timestamps are RFC 3339 in UTC with a ``Z``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from archiver.domain import CheckOutcome, EventKind, Fidelity, Platform, PostStatus, QuoteKind
from archiver.timefmt import rfc3339

Timestamp = Annotated[datetime, PlainSerializer(rfc3339, return_type=str)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Problem(BaseModel):
    """An error (RFC 9457 problem details), sent as ``application/problem+json``."""

    type: str = Field(
        description="a URI naming the kind of problem: /problems/{slug}, or about:blank"
    )
    title: str = Field(description="the kind of problem, in a few words")
    status: int = Field(ge=400, le=599, description="the HTTP status code")
    detail: str = Field(description="what went wrong with this request, in one sentence")


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


class ArtifactRef(BaseModel):
    """A stored artifact: its SHA-256 and where to get its exact bytes."""

    sha256: str
    url: str


class RawRef(ArtifactRef):
    """The raw upstream body the snapshot was read from."""

    source_url: str | None
    content_type: str | None


class ScreenshotOut(BaseModel):
    """A PNG of the post: the platform's own page, or Archiver's card of the captured data."""

    url: str
    sha256: str
    width: int | None
    height: int | None
    source: str  # "platform" | "archiver_card"
    browser_version: str | None
    taken_at: Timestamp | None
    page_url: str | None
    phash: str | None = Field(
        None, description="perceptual hash (pHash, 16 hex digits) of what the screenshot shows"
    )


class MediaOut(BaseModel):
    """A photo or video of the post, kept with its hash."""

    model_config = ConfigDict(extra="allow")

    type: str
    url: str
    sha256: str | None
    download_url: str | None = None
    phash: str | None = Field(
        None,
        description="a photo's perceptual hash (pHash, 16 hex digits): the same picture "
        "re-encoded hashes within a few bits of it",
    )


class CitationOut(BaseModel):
    """How to cite a snapshot: its permanent page, a Robust Link, APA 7, MLA 9, Chicago 17."""

    url: str = Field(description="the snapshot's permanent page")
    robust_link_html: str = Field(
        description="an <a> to the original with data-versionurl and data-versiondate"
    )
    apa: str
    mla: str
    chicago: str


class TimestampFiles(BaseModel):
    """The files of a trusted timestamp, each byte for byte under its SHA-256."""

    manifest: ArtifactRef | None = Field(None, description="the manifest timestamped (JSON)")
    token: ArtifactRef | None = Field(None, description="the TSA's RFC 3161 reply (.tsr)")
    chain: ArtifactRef | None = Field(None, description="the TSA's certificate chain (PEM)")


class TimestampOut(BaseModel):
    """An RFC 3161 timestamp of the snapshot's manifest by one Time-Stamp Authority."""

    id: str
    tsa: str = Field(description="the Time-Stamp Authority's URL")
    authority: str = Field(description="the TSA in words: its certificate's name, or its host")
    status: str = Field(
        description='"stamped", "pending" (requested, retried until done) or "dropped" (its TSA '
        "left ARCHIVER_TSA_URLS before it was done: no longer asked for; last_error says so)"
    )
    time: Timestamp | None = Field(description="when the TSA saw the manifest's hash")
    sha256: str | None = Field(description="SHA-256 of the token (the TSA's reply)")
    verified: bool | None = Field(
        description="the token is over the manifest, well signed, by a certificate that "
        "chains to a trusted root"
    )
    verify_error: str | None
    serial_number: str | None
    policy: str | None
    signer: str | None = Field(description="the signing certificate's subject")
    files: TimestampFiles
    requested_at: Timestamp
    attempts: int
    last_error: str | None
    next_attempt_at: Timestamp | None


class CorroborationOut(BaseModel):
    """An independent copy of the snapshot's post, made by another archive at our request."""

    id: str
    service: str = Field(description='the archive asked: "wayback" (the Wayback Machine)')
    status: str = Field(
        description='"pending" (asked for, or being made), "success" (made) or "error" '
        "(refused, or given up)"
    )
    url: str | None = Field(description="the copy's address (the Wayback Machine's), once made")
    archived_at: Timestamp | None = Field(
        description="when the archive captured it, by the archive's own clock"
    )
    original_url: str = Field(description="the URL the archive was asked to copy")
    requested_at: Timestamp
    submitted_at: Timestamp | None = Field(description="when the archive accepted the request")
    job_id: str | None = Field(description="the archive's name for the capture job")
    error: str | None = Field(
        description="why it ended in error, or (while pending) why the last attempt failed"
    )
    status_ext: str | None = Field(description="the archive's code for an error (error:…)")
    answer: str | None = Field(
        description="the archive's last answer about it, exactly as received (SPN2's JSON)"
    )
    attempts: int
    next_attempt_at: Timestamp | None


class SnapshotOut(BaseModel):
    """One immutable capture of a post (SPEC §5)."""

    id: str
    post_id: str
    captured_at: Timestamp
    version_id: str | None
    text: str
    lang: str | None
    author: Author | None
    posted_at: Timestamp | None
    edited_at: Timestamp | None
    media: list[MediaOut]
    metrics: dict[str, Any]
    quoted_post: dict[str, Any] | None
    reply_to: dict[str, Any] | None
    edit_history_ids: list[str]
    raw: RawRef | None
    screenshot: ScreenshotOut | None
    warc: ArtifactRef | None
    software_version: str
    extra: dict[str, Any]
    citation: CitationOut
    timestamps: list[TimestampOut]
    corroborations: list[CorroborationOut]


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


class Health(BaseModel):
    """What ``/healthz`` reports, on the API and on an ``archiver worker``'s own port."""

    status: str
    version: str
    database: str
    chromium: str | None
    #: ``running`` when this process runs the capture worker (``stopped`` once its scheduler
    #: stopped: the status is then ``unavailable``), ``off`` when it serves only.
    worker: str
    #: The worker's browser pool (``state``, ``version``, ``pages_in_use``), if screenshots are on.
    browser: dict[str, Any] | None
    #: Platforms whose answers look like an outage: no disappearance is confirmed on them.
    degraded_platforms: list[str]


class WebhookCreate(BaseModel):
    """``POST /api/v1/webhooks``: where to deliver events, the signing secret, which kinds."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/archiver",
                    "secret": "a long random shared secret",
                    "kinds": ["deleted", "edited"],
                }
            ]
        },
    )

    url: str = Field(description="an http or https URL of at most 2048 characters")
    secret: str = Field(
        description="16 to 256 characters; each delivery carries "
        "X-Archiver-Signature: sha256=HMAC-SHA256(secret, body) in hex"
    )
    kinds: list[str] = Field(
        description='event kinds to deliver (edited, deleted, …), or ["*"] for every kind'
    )


class WebhookLinks(BaseModel):
    """Where to find more about a webhook."""

    self: str
    deliveries: str


class WebhookOut(BaseModel):
    """A webhook (its secret is never shown again)."""

    id: str
    url: str
    kinds: list[str]
    active: bool
    created_at: Timestamp
    created_by: str | None
    links: WebhookLinks


class WebhookList(BaseModel):
    """Every webhook, oldest first."""

    items: list[WebhookOut]


class WebhookDeliveryOut(BaseModel):
    """One event's delivery to a webhook: ``pending`` (to be tried or retried), ``delivered``,
    or ``failed`` (given up)."""

    id: str
    webhook_id: str
    event_id: str
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: Timestamp | None
    last_attempt_at: Timestamp | None
    last_status: int | None
    last_error: str | None
    created_at: Timestamp


class WebhookDeliveryList(BaseModel):
    """A page of deliveries, newest first; ``next`` is the following page's cursor, or null."""

    items: list[WebhookDeliveryOut]
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


# --- Articles -----------------------------------------------------------------------------

#: The largest article accepted as pasted HTML or text, in characters.
ARTICLE_MAX_CHARS = 10_000_000


class ArticleSubmission(BaseModel):
    """``POST /api/v1/articles``: ``{url}`` (fetched), or ``{html, url?}`` or ``{text, url?}``."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "url": "https://news.example.com/river-vote",
                    "text": 'The council wrote "The river budget vote is on Tuesday." '
                    "(https://x.com/councilwatch/status/1785)",
                }
            ]
        },
    )

    url: str | None = Field(None, max_length=2048, description="the article's address")
    html: str | None = Field(None, max_length=ARTICLE_MAX_CHARS, description="its HTML")
    text: str | None = Field(None, max_length=ARTICLE_MAX_CHARS, description="its plain text")


class QuoteLink(BaseModel):
    """``PATCH /api/v1/articles/{id}/quotes/{qid}``: the post a quote is of."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"post_url": "https://x.com/councilwatch/status/1785"}]},
    )

    post_url: str = Field(max_length=2048, description="the quoted post's URL, in any form")


class AttributionOut(BaseModel):
    """Who the article says wrote the quoted post, and when, as it prints them."""

    name: str | None
    handle: str | None
    date: date | None


class QuoteOut(BaseModel):
    """One quote of a post in an article, and the verdict on it (SPEC §4, quote fidelity)."""

    id: str
    kind: QuoteKind
    text: str = Field(description="the quoted words as the article prints them")
    attribution: AttributionOut | None
    context: str | None = Field(description="the sentence or paragraph around the quote")
    speaker: str | None
    post_id: str | None
    post_url: str | None
    link_source: str | None = Field(
        description="how the post was found: embed, link, attribution, archive, article, manual"
    )
    unresolved_reason: str | None
    fidelity: Fidelity | None
    changes: list[dict[str, Any]] = Field(description="each editorial change, listed")
    diff: dict[str, Any] | None = Field(description="for altered quotes: post words to quote")
    matched_snapshot_id: str | None
    matched_version: str | None = Field(description="an entry of the platform's edit history")
    span: str | None = Field(description="the words of the matched version quoted")
    score: float | None
    post_status: PostStatus | None
    post_changed_since: bool | None = Field(
        description="the post went away, or now reads otherwise than the version quoted"
    )
    judged_at: Timestamp | None


class ArticlePostOut(BaseModel):
    """A post the article names."""

    id: str
    url: str
    platform: Platform
    status: PostStatus
    link: str


class ArticleOut(BaseModel):
    """An article and its quote report."""

    id: str
    url: str | None
    title: str | None
    byline: str | None
    published_at: Timestamp | None
    source: str
    submitted_at: Timestamp
    raw: ArtifactRef | None
    quotes: list[QuoteOut]
    posts: list[ArticlePostOut]
    links: dict[str, str]


class ArticleSummary(BaseModel):
    """An article in a list."""

    id: str
    url: str | None
    title: str | None
    published_at: Timestamp | None
    submitted_at: Timestamp
    link: str


class ArticleList(BaseModel):
    """A page of articles; ``next`` is the cursor of the following page, if any."""

    items: list[ArticleSummary]
    next: str | None
