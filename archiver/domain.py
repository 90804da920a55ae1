"""The words of the domain: platforms, post references and state enums.

Pure: this module imports neither httpx, sqlalchemy, playwright nor fastapi, and does no I/O.
The import-linter contract in ``pyproject.toml`` holds it to that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    """Platform names as the API spells them (SPEC §1)."""

    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    THREADS = "threads"
    REDDIT = "reddit"
    TELEGRAM = "telegram"
    YOUTUBE = "youtube"
    WEB = "web"


class PostStatus(StrEnum):
    """A post's status (SPEC §4); it never changes because *we* could not reach the platform."""

    PENDING = "pending"
    LIVE = "live"
    DELETED = "deleted"
    SUSPENDED = "suspended"
    PROTECTED = "protected"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"


class CheckOutcome(StrEnum):
    """What one observation of a post found (SPEC §4)."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    GONE = "gone"
    ERROR = "error"
    RATE_LIMITED = "rate_limited"


class EventKind(StrEnum):
    """Confirmed changes worth telling people about (SPEC §4)."""

    EDITED = "edited"
    DELETED = "deleted"
    SUSPENDED = "suspended"
    PROTECTED = "protected"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"
    RESTORED = "restored"
    #: An article's quote of the post judged anew with a different verdict (after an edit,
    #: a disappearance or a restoration of the post).
    QUOTE_CHANGED = "quote_changed"


class Fidelity(StrEnum):
    """How faithfully an article quotes a post (SPEC §4)."""

    VERBATIM = "verbatim"
    EDITORIAL = "editorial"
    ALTERED = "altered"
    UNVERIFIABLE = "unverifiable"


class QuoteKind(StrEnum):
    """How an article carries a quote."""

    EMBED = "embed"
    ATTRIBUTION = "attribution"
    INLINE = "inline"


class ApiKeyRole(StrEnum):
    """What an API key may do: submitters submit; admins also manage keys and webhooks."""

    SUBMITTER = "submitter"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class PostRef:
    """A post as recognised from a URL, before anything is fetched.

    ``key`` identifies the post uniquely within its platform: the bare status ID on X, but
    ``host/ID`` on Mastodon (IDs are per server) and ``authority/rkey`` on Bluesky (a handle and
    a DID stay distinct until the handle is resolved). ``post_id`` is the platform's own ID.
    """

    platform: Platform
    key: str
    post_id: str
    canonical_url: str
    author_handle: str | None = None
    host: str | None = None


# --- What a fetch brings back -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One HTTP request and its response, as evidence.

    ``url`` is the platform's real URL (what the WARC names), even when an upstream override
    sent the connection elsewhere; ``ip_address`` is the address actually connected to.
    Redirect hops are separate exchanges.
    """

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    http_version: str
    ip_address: str | None
    started_at: datetime
    elapsed_ms: float
    #: The redirect hops that led here, oldest first (each one an exchange of its own).
    redirects: tuple[HttpExchange, ...] = ()

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == lowered), None)

    @property
    def content_type(self) -> str | None:
        """The response's Content-Type, if any."""
        return self.header("content-type")


class MediaType(StrEnum):
    """Kinds of media attached to a post."""

    PHOTO = "photo"
    VIDEO = "video"
    GIF = "gif"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class Media:
    """A picture or video of a post: ``url`` is the file to download (the best variant)."""

    type: MediaType
    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    preview_url: str | None = None


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a post, as the platform names them."""

    id: str | None
    handle: str | None
    name: str | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class LinkedPost:
    """A post another post quotes or replies to, as far as the platform told us."""

    id: str | None
    url: str | None
    author_handle: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class PostData:
    """A post as the platform served it, normalised: ``text`` is what a reader sees (links
    expanded, HTML turned to plain text). ``extra`` keeps platform fields worth preserving."""

    post_id: str
    url: str
    text: str
    author: Author | None
    posted_at: datetime | None
    lang: str | None = None
    media: tuple[Media, ...] = ()
    metrics: Mapping[str, int] = field(default_factory=dict)
    quoted_post: LinkedPost | None = None
    reply_to: LinkedPost | None = None
    edit_history_ids: tuple[str, ...] = ()
    edited_at: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScreenshotTarget:
    """The page that shows a post as its platform renders it, and the element to crop to
    (a CSS selector list; the first match is the post)."""

    url: str
    selector: str


class FailureKind(StrEnum):
    """Why a fetch told us nothing about the post (never evidence that it is gone)."""

    NETWORK = "network"
    TIMEOUT = "timeout"
    UPSTREAM = "upstream"  # 5xx, or an answer we could not read
    RATE_LIMITED = "rate_limited"
    AUTH_REQUIRED = "auth_required"
    REFUSED = "refused"  # our own outbound gate refused the address
    TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Live:
    """The platform showed the post. ``source_url`` names the exchange the data was read from
    (its body is the snapshot's raw evidence); ``None`` means the last successful one."""

    data: PostData
    exchanges: tuple[HttpExchange, ...] = ()
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class Gone:
    """The platform says the post cannot be shown, and why (``reason`` is a post status)."""

    reason: PostStatus
    evidence: str
    exchanges: tuple[HttpExchange, ...] = ()


@dataclass(frozen=True, slots=True)
class Failed:
    """We learned nothing: our error or a transient upstream one. ``retry_after`` is when the
    platform said to come back, if it did."""

    kind: FailureKind
    detail: str
    retry_after: datetime | None = None
    exchanges: tuple[HttpExchange, ...] = ()


Observation = Live | Gone | Failed
