"""The words of the domain: platforms, post references and state enums.

Pure: this module imports neither httpx, sqlalchemy, playwright nor fastapi, and does no I/O.
The import-linter contract in ``pyproject.toml`` holds it to that.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
