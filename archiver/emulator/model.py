"""The emulated world's records: accounts, posts (with their versions), media, failure modes,
logged requests, and what creating a post hands back. Plain data, no behaviour."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final

PLATFORMS: Final = (
    "x", "mastodon", "truthsocial", "bluesky", "reddit", "telegram", "threads", "youtube", "web",
)  # fmt: skip
#: Account states. What each one looks like per platform is documented in ``world``.
ACCOUNT_STATES: Final = ("active", "suspended", "protected", "withheld", "takedown", "deactivated")
#: Actions of the control API and the state each one leads to.
ACCOUNT_ACTIONS: Final = {
    "suspend": "suspended",
    "protect": "protected",
    "withhold": "withheld",
    "takedown": "takedown",
    "deactivate": "deactivated",
    "reinstate": "active",
    "restore": "active",
}
FAILURE_MODES: Final = (
    "rate_limit",
    "error",
    "truncated",
    "non_json",
    "login_wall",
    "wrong_type",
    "reset",
    "hang",
    "auth_required",
    "redirect_loop",
    "download",
)
#: Per-post presentations besides "normal", per platform.
VARIANTS: Final = {
    "x": (
        "empty",  # 200 {}
        "no_user",  # a Tweet object without ``user``
        "tombstone_deleted",
        "tombstone_suspended",
        "tombstone_gone_account",
        "tombstone_protected",
        "tombstone_unavailable",
        "tombstone_violated",
        "tombstone_age_restricted",
        "tombstone_bare",  # {"__typename":"TweetTombstone","tombstone":{}}
    ),
    "mastodon": ("private",),
    "truthsocial": ("private",),
    "bluesky": ("not_found_post", "blocked", "no_unauthenticated"),
    "reddit": (
        "removed_moderator",
        "removed_reddit",
        "removed_copyright",
        "private_sub",
        "quarantined",
        "banned_sub",
        "nsfw",  # served only with the over18=1 cookie
        "gated",  # served only with the _options opt-in cookie
    ),
    "telegram": (),
    "threads": (
        "private",  # shown as a deleted post is: no data on the page, oEmbed refuses it
        "no_page_data",  # the page lacks the post's data (a page Meta changed); oEmbed works
    ),
    # What each looks like: see ``youtube_json``.
    "youtube": (
        "private",
        "terminated",
        "removed",
        "geo_blocked",
        "copyright_blocked",
        "embedding_disabled",
    ),
    # What each looks like: see ``web``.
    "web": ("plain", "removed", "front_page", "pdf"),
}
MEDIA_TYPES: Final = {
    "photo": "image",
    "image": "image",
    "picture": "image",
    "video": "video",
    "gif": "gif",
    "animated_gif": "gif",
    "gifv": "gif",
    "external": "external",
    "link": "external",
}


@dataclass
class Account:
    """One account on one platform (for Mastodon-style servers: on one host)."""

    platform: str
    host: str
    id: str
    handle: str
    name: str
    created_at: datetime
    state: str = "active"
    bio: str = ""
    verified: bool = False
    location: str = ""
    website: str = ""
    avatar_url: str = ""
    followers: int = 0
    following: int = 0
    post_count: int = 0
    last_post_at: datetime | None = None


@dataclass
class MediaItem:
    """One attachment. ``urls`` maps a role (``full``, ``preview``, ``mp4``, ...) to a real URL."""

    type: str
    key: str
    media_id: str
    alt: str = ""
    width: int = 1200
    height: int = 800
    cid: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    link: dict[str, str] = field(default_factory=dict)


@dataclass
class Version:
    """One version of a post's content. On X every version has its own id."""

    id: str
    text: str
    at: datetime
    html: str | None = None
    facets: list[dict[str, Any]] | None = None
    media: list[MediaItem] = field(default_factory=list)
    cid: str = ""


@dataclass
class Post:
    """A post and all its versions, oldest first. ``id`` is the first version's id."""

    platform: str
    host: str
    id: str
    account: Account
    versions: list[Version]
    lang: str
    created_at: datetime
    quoted_id: str | None = None
    reply_to_id: str | None = None
    #: Where the post lives on platforms that say so (a Reddit submission's subreddit).
    community: str = ""
    deleted: bool = False
    variant: str = "normal"
    likes: int = 0
    replies: int = 0
    reposts: int = 0
    quotes: int = 0

    @property
    def current(self) -> Version:
        """The latest version."""
        return self.versions[-1]


@dataclass
class Failure:
    """A failure mode on an origin or a post, for ``remaining`` more requests (None: until
    cleared)."""

    id: int
    mode: str
    origin: str | None = None
    platform: str | None = None
    post_id: str | None = None
    remaining: int | None = None
    status: int = 503
    retry_after_seconds: int = 60
    seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class RequestRecord:
    """One request an emulated origin received."""

    origin: str
    local_origin: str
    method: str
    path: str
    headers: dict[str, str]
    at: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class PostInfo:
    """What creating or editing a post hands back: its ids and URLs.

    ``id`` is the id of the current version (after an X edit: the new id); ``edit_ids`` lists
    every version's id, oldest first. ``api_url`` is the platform's JSON endpoint for it.
    """

    platform: str
    host: str
    id: str
    url: str
    api_url: str
    handle: str
    account_id: str
    first_id: str
    edit_ids: tuple[str, ...]
    uri: str = ""
    cid: str = ""
    did: str = ""
    media_urls: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = asdict(self)
        data["edit_ids"] = list(self.edit_ids)
        data["media_urls"] = list(self.media_urls)
        return data
