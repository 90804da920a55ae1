"""The adapters' contract over real sockets: every adapter in the registry fetches posts the
platform emulator serves, through the real outbound gate, and reads each state of the emulated
world as the value an archivist can defend.

Each case sets up posts, accounts and failure modes in the emulator's world and returns a post
URL; the adapter that claims the URL observes it. Live means the exact text, author and media
count; Gone means the platform said so, for the right reason; Failed means we learned nothing,
of the right kind. Whatever the outcome, the exchanges made are kept and name the platform's
real URLs, never the emulator's.

Then every failure mode of the emulator is put on every platform's live post (on that post
alone, and on the platform's whole API): each is a failure of its own kind, never Gone; nor
is a gateway's HTML error page where the platform's API answer should be. A generic web page
is the one exception: its site's 404 is its answer, and a login wall served as a page, a body
cut short or a download is what the site served, kept as the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import pytest

from archiver.config import Settings
from archiver.domain import (
    Failed,
    FailureKind,
    Gone,
    Live,
    Observation,
    Platform,
    PostData,
    PostRef,
    PostStatus,
)
from archiver.egress import Egress
from archiver.emulator import EmulatorServer, PostInfo, World
from archiver.emulator.model import FAILURE_MODES, PLATFORMS
from archiver.platforms import ADAPTERS, adapter_for, match_url

X_TEXT: Final = (
    "Tonight's vote on the river budget is postponed & the agenda is out: "
    "https://www.example.org/council/agenda/2024-05-01-river-budget.html #localgov"
)
MASTODON_TEXT: Final = (
    'Tom & Jerry\'s "lost" pilot is <finally> online.\n\nRead it: '
    "https://www.theguardian.com/culture/2024/may/01/tom-and-jerry-lost-pilot-found-archive"
)
TRUTH_TEXT: Final = (
    "Governor signs the water bill. Details: https://www.example.com/news/2024/05/03/bill"
)
BLUESKY_LINK: Final = "https://newsroom.example.com/interactive/2024/flood-map-every-street"
BLUESKY_TEXT: Final = f"🦋🌊 Our flood map is live: {BLUESKY_LINK} #floods"
#: A plain post each platform serves as is, even through its oEmbed fallback.
PLAIN_TEXT: Final = "Council meets at noon"
QUOTED_TEXT: Final = "The bridge reopens on Monday"
#: A reply whose displayed range starts after emoji (X counts code points, not UTF-16 units).
REPLY_TEXT: Final = "🌊🌊 @mayor by one vote & <barely>"
TYPO, FIXED = "The vote is on Tusday", "The vote is on Tuesday"
HANDLES: Final = {
    "x": "councilwatch",
    "mastodon": "archivist",
    "truthsocial": "statenewsdesk",
    "bluesky": "newsroom.example.com",
    "reddit": "citydeskeditor",
    "telegram": "citydesklive",
    "threads": "citydesk",
    "youtube": "citydeskvideo",
    "web": "jane-doe",
}
#: Which adapter's platform each emulated platform is read by.
ADAPTER_PLATFORM: Final = {
    "x": Platform.X,
    "mastodon": Platform.MASTODON,
    "truthsocial": Platform.MASTODON,
    "bluesky": Platform.BLUESKY,
    "reddit": Platform.REDDIT,
    "telegram": Platform.TELEGRAM,
    "threads": Platform.THREADS,
    "youtube": Platform.YOUTUBE,
    "web": Platform.WEB,
}
#: The API origins each platform's adapter reads (what a platform-wide failure hits).
API_ORIGINS: Final = {
    "x": (
        "https://cdn.syndication.twimg.com",
        "https://publish.twitter.com",
        "https://publish.x.com",
    ),
    "mastodon": ("https://mastodon.social",),
    "truthsocial": ("https://truthsocial.com",),
    "bluesky": ("https://public.api.bsky.app",),
    "reddit": ("https://www.reddit.com",),
    "telegram": ("https://t.me",),
    "threads": ("https://www.threads.com", "https://graph.threads.net"),
    "youtube": ("https://www.youtube.com",),
    "web": ("https://www.riverside-dispatch.example", "https://embed.riverside-dispatch.example"),
}
SYNDICATION: Final = API_ORIGINS["x"][:1]
#: A Mastodon server the adapter does not know and must first ask whether it speaks the API.
OTHER_MASTODON: Final = "fosstodon.org"
#: The gate's deadline in the hang case, and how long the emulator hangs (well past it).
HANG_TIMEOUT: Final = 1.0
HANG_SECONDS: Final = 3.0
#: The gate's deadline when sweeping every failure mode (loopback answers in milliseconds).
SWEEP_TIMEOUT: Final = 5.0
SWEEP_HANG_TIMEOUT: Final = 0.25
#: Failures in which no answer arrived, so there is no exchange to keep.
NO_ANSWER: Final = frozenset({FailureKind.TIMEOUT, FailureKind.NETWORK})

Check = Callable[[PostData, World], bool]


# --- What a case expects ------------------------------------------------------------------


@dataclass(frozen=True)
class LiveAs:
    """Live, with this exact text, author handle and number of media, and ``checks`` hold."""

    text: str
    handle: str | None
    media: int = 0
    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class LivePage:
    """Live, whatever the page says, and ``checks`` hold (a web page: what its site served)."""

    checks: tuple[Check, ...] = ()


@dataclass(frozen=True)
class GoneAs:
    """Gone, for this reason."""

    reason: PostStatus


@dataclass(frozen=True)
class FailedAs:
    """Failed, of this kind, with or without a time to come back."""

    kind: FailureKind
    retry_after: bool = False


Expected = LiveAs | LivePage | GoneAs | FailedAs


@dataclass(frozen=True)
class Case:
    """One state of the world: ``setup`` makes it and returns the post URL to fetch."""

    platform: str
    name: str
    setup: Callable[[World], str]
    expected: Expected
    timeout: float = 10.0

    @property
    def id(self) -> str:
        return f"{self.platform}-{self.name}"


# --- Building the world -------------------------------------------------------------------


def post(platform: str, text: str = PLAIN_TEXT, **options: Any) -> Callable[[World], str]:
    """A post by the platform's usual author."""

    def setup(world: World) -> str:
        return world.add_post(platform, HANDLES[platform], text, **options).url

    return setup


def id_of(url: str) -> str:
    """The emulator's id of the post at ``url``: the platform's own, or a web page's slug (a
    web page has no id of its own; Archiver's is a hash of its URL)."""
    ref = match_url(url)
    assert ref is not None, url
    if ref.platform is Platform.WEB:
        return url.rstrip("/").rsplit("/", 1)[-1]
    return ref.post_id


def then(
    make: Callable[[World], str], change: Callable[[World, str], object]
) -> Callable[[World], str]:
    """``make`` a post, then ``change`` the world (given the post's id)."""

    def setup(world: World) -> str:
        url = make(world)
        change(world, id_of(url))
        return url

    return setup


def deleted(platform: str) -> Callable[[World], str]:
    return then(post(platform), lambda world, pid: world.delete_post(platform, pid))


def variant(platform: str, name: str) -> Callable[[World], str]:
    return then(post(platform), lambda world, pid: world.set_variant(platform, pid, name))


def account(platform: str, state: str) -> Callable[[World], str]:
    return then(
        post(platform),
        lambda world, _: world.set_account_state(platform, HANDLES[platform], state),
    )


def fails_for_post(platform: str, mode: str, **options: Any) -> Callable[[World], str]:
    """The platform's plain post, every request about it failing in ``mode``."""
    return then(
        post(platform),
        lambda world, pid: world.add_failure(mode, platform=platform, post_id=pid, **options),
    )


def fails_on(
    platform: str, mode: str, origins: tuple[str, ...] = (), **options: Any
) -> Callable[[World], str]:
    """The platform's plain post, ``origins`` (all its API origins) failing in ``mode``."""

    def change(world: World, _: str) -> None:
        for origin in origins or API_ORIGINS[platform]:
            world.add_failure(mode, origin=origin, **options)

    return then(post(platform), change)


def quoting(
    platform: str, quoted_handle: str, quoted_text: str, text: str
) -> Callable[[World], str]:
    def setup(world: World) -> str:
        quoted = world.add_post(platform, quoted_handle, quoted_text)
        return world.add_post(platform, HANDLES[platform], text, quoted_id=quoted.id).url

    return setup


def replying(
    platform: str, parent_handle: str, parent_text: str, text: str
) -> Callable[[World], str]:
    def setup(world: World) -> str:
        parent = world.add_post(platform, parent_handle, parent_text)
        return world.add_post(platform, HANDLES[platform], text, reply_to_id=parent.id).url

    return setup


def edited(platform: str, before: str, after: str) -> Callable[[World], str]:
    """A post edited once, named by its first URL (on X: the first version's id)."""
    return then(post(platform, before), lambda world, pid: world.edit_post(platform, pid, after))


def unresolvable_handle(_: World) -> str:
    return "https://bsky.app/profile/nobody.example.com/post/3l4omssdl632g"


def by_did(world: World) -> str:
    made = world.add_post("bluesky", HANDLES["bluesky"], PLAIN_TEXT)
    return f"https://bsky.app/profile/{made.did}/post/{made.id}"


def truth_share_form(world: World) -> str:
    return world.add_post("truthsocial", HANDLES["truthsocial"], TRUTH_TEXT).url.replace(
        "/posts/", "/"
    )


def on_other_server(world: World) -> str:
    return world.add_post("mastodon", HANDLES["mastodon"], PLAIN_TEXT, host=OTHER_MASTODON).url


# --- Checks on a live post ----------------------------------------------------------------


def first_post(world: World) -> PostInfo:
    return world.posts()[0]


def linked_id(info: PostInfo) -> str:
    """How a quote or reply names a post: its AT-URI on Bluesky, its id elsewhere."""
    return info.uri if info.platform == "bluesky" else info.id


def read_from_syndication(data: PostData, _: World) -> bool:
    return data.extra.get("source") == "syndication"


def read_from_oembed(data: PostData, _: World) -> bool:
    return data.extra.get("source") == "oembed"


def quotes_the_first_post(data: PostData, world: World) -> bool:
    return data.quoted_post is not None and data.quoted_post.id == linked_id(first_post(world))


def carries_the_quoted_text(data: PostData, world: World) -> bool:
    return data.quoted_post is not None and data.quoted_post.text == QUOTED_TEXT


def replies_to_the_first_post(data: PostData, world: World) -> bool:
    return data.reply_to is not None and data.reply_to.id == linked_id(first_post(world))


def names_the_parent_author(data: PostData, world: World) -> bool:
    return data.reply_to is not None and data.reply_to.author_handle == first_post(world).handle


def lists_every_x_version_newest_last(data: PostData, world: World) -> bool:
    ids = first_post(world).edit_ids
    return len(ids) == 2 and data.edit_history_ids == ids and data.post_id == ids[-1]


def says_the_asked_id_is_stale(data: PostData, _: World) -> bool:
    return data.extra.get("is_stale_edit") is True


def has_the_edit_history(data: PostData, _: World) -> bool:
    texts = [entry["text"] for entry in data.extra.get("history", [])]
    return len(data.edit_history_ids) == 2 and texts == [TYPO, FIXED]


def keeps_the_full_link(data: PostData, _: World) -> bool:
    return data.extra.get("links") == [BLUESKY_LINK]


def is_on_the_other_server(data: PostData, _: World) -> bool:
    return data.url.startswith(f"https://{OTHER_MASTODON}/")


def is_labelled_hidden_from_logged_out(data: PostData, _: World) -> bool:
    return "!no-unauthenticated" in data.extra.get("labels", [])


# --- The cases, per platform --------------------------------------------------------------

X_TOMBSTONES: Final = (
    ("tombstone_deleted", PostStatus.DELETED),
    ("tombstone_suspended", PostStatus.SUSPENDED),
    ("tombstone_gone_account", PostStatus.UNAVAILABLE),
    ("tombstone_protected", PostStatus.PROTECTED),
    ("tombstone_unavailable", PostStatus.UNAVAILABLE),
    ("tombstone_violated", PostStatus.UNAVAILABLE),
    ("tombstone_age_restricted", PostStatus.WITHHELD),
    ("tombstone_bare", PostStatus.UNAVAILABLE),
    ("empty", PostStatus.UNAVAILABLE),
)
X_ACCOUNTS: Final = (
    ("suspended", PostStatus.SUSPENDED),
    ("takedown", PostStatus.SUSPENDED),
    ("protected", PostStatus.PROTECTED),
    ("withheld", PostStatus.WITHHELD),
    ("deactivated", PostStatus.UNAVAILABLE),
)
PHOTO: Final = [{"type": "photo", "alt": "The chamber", "width": 1200, "height": 800}]

X_CASES: Final = (
    Case(
        "x",
        "live-tco-link-and-photo",
        post("x", X_TEXT, name="City Council Watch", media=PHOTO),
        LiveAs(X_TEXT, "councilwatch", 1, (read_from_syndication,)),
    ),
    Case(
        "x",
        "quote",
        quoting("x", "reporter", QUOTED_TEXT, "Not what we were told"),
        LiveAs(
            "Not what we were told",
            "councilwatch",
            checks=(quotes_the_first_post, carries_the_quoted_text),
        ),
    ),
    Case(
        "x",
        "live-video",
        post("x", "The flood, filmed", media=[{"type": "video"}]),
        LiveAs("The flood, filmed", "councilwatch", 1),
    ),
    Case(
        "x",
        "reply-with-emoji-and-entities",
        replying("x", "mayor", "The budget passed", REPLY_TEXT),
        LiveAs(
            REPLY_TEXT,
            "councilwatch",
            checks=(replies_to_the_first_post, names_the_parent_author),
        ),
    ),
    Case(
        "x",
        "edited-asked-by-old-id",
        edited("x", TYPO, FIXED),
        LiveAs(
            FIXED,
            "councilwatch",
            checks=(lists_every_x_version_newest_last, says_the_asked_id_is_stale),
        ),
    ),
    Case("x", "deleted-404", deleted("x"), GoneAs(PostStatus.DELETED)),
    *(
        Case("x", name.replace("_", "-"), variant("x", name), GoneAs(reason))
        for name, reason in X_TOMBSTONES
    ),
    *(
        Case("x", f"account-{state}", account("x", state), GoneAs(reason))
        for state, reason in X_ACCOUNTS
    ),
    Case("x", "no-user", variant("x", "no_user"), LiveAs(PLAIN_TEXT, None)),
    Case(
        "x",
        "429-everywhere",
        fails_for_post("x", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case(
        "x",
        "429-syndication-falls-back-to-oembed",
        fails_on("x", "rate_limit", SYNDICATION),
        LiveAs(PLAIN_TEXT, "councilwatch", checks=(read_from_oembed,)),
    ),
    Case(
        "x",
        "500-syndication-falls-back-to-oembed",
        fails_on("x", "error", SYNDICATION, status=500),
        LiveAs(PLAIN_TEXT, "councilwatch", checks=(read_from_oembed,)),
    ),
    Case(
        "x",
        "500-everywhere",
        fails_for_post("x", "error", status=500),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "x",
        "non-json-syndication-falls-back-to-oembed",
        fails_on("x", "non_json", SYNDICATION),
        LiveAs(PLAIN_TEXT, "councilwatch", checks=(read_from_oembed,)),
    ),
    Case(
        "x", "non-json-everywhere", fails_for_post("x", "non_json"), FailedAs(FailureKind.UPSTREAM)
    ),
    Case("x", "truncated", fails_for_post("x", "truncated"), FailedAs(FailureKind.UPSTREAM)),
    Case("x", "401", fails_for_post("x", "auth_required"), FailedAs(FailureKind.AUTH_REQUIRED)),
)

MASTODON_CASES: Final = (
    Case(
        "mastodon",
        "live-entities-and-long-link",
        post("mastodon", MASTODON_TEXT, media=[{"type": "image", "alt": "Desks"}]),
        LiveAs(MASTODON_TEXT, "archivist", 1),
    ),
    Case(
        "mastodon",
        "edited-with-history",
        edited("mastodon", TYPO, FIXED),
        LiveAs(FIXED, "archivist", checks=(has_the_edit_history,)),
    ),
    Case(
        "mastodon",
        "quote",
        quoting("mastodon", "reporter", QUOTED_TEXT, "Not what we were told"),
        LiveAs(
            "Not what we were told",
            "archivist",
            checks=(quotes_the_first_post, carries_the_quoted_text),
        ),
    ),
    Case(
        "mastodon",
        "reply",
        replying("mastodon", "mayor", "The budget passed", "By one vote"),
        LiveAs("By one vote", "archivist", checks=(replies_to_the_first_post,)),
    ),
    Case(
        "mastodon",
        "live-on-a-server-probed-first",
        on_other_server,
        LiveAs(PLAIN_TEXT, "archivist", checks=(is_on_the_other_server,)),
    ),
    Case("mastodon", "deleted-404-author-active", deleted("mastodon"), GoneAs(PostStatus.DELETED)),
    Case(
        "mastodon",
        "account-suspended",
        account("mastodon", "suspended"),
        GoneAs(PostStatus.SUSPENDED),
    ),
    Case(
        "mastodon",
        "account-temporarily-suspended",
        account("mastodon", "withheld"),
        GoneAs(PostStatus.SUSPENDED),
    ),
    Case(
        "mastodon",
        "account-taken-down",
        account("mastodon", "takedown"),
        GoneAs(PostStatus.SUSPENDED),
    ),
    Case("mastodon", "private-404", variant("mastodon", "private"), GoneAs(PostStatus.DELETED)),
    Case(
        "mastodon",
        "401-auth-required",
        fails_for_post("mastodon", "auth_required"),
        FailedAs(FailureKind.AUTH_REQUIRED),
    ),
    Case(
        "mastodon",
        "429",
        fails_on("mastodon", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case("mastodon", "503", fails_on("mastodon", "error"), FailedAs(FailureKind.UPSTREAM)),
    Case(
        "mastodon",
        "html-404-from-a-proxy",
        fails_on("mastodon", "error", status=404),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "mastodon",
        "truncated-json",
        fails_for_post("mastodon", "truncated"),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "mastodon",
        "hang",
        fails_for_post("mastodon", "hang", seconds=HANG_SECONDS),
        FailedAs(FailureKind.TIMEOUT),
        timeout=HANG_TIMEOUT,
    ),
)

TRUTH_CASES: Final = (
    Case(
        "truthsocial",
        "live-posts-url-form",
        post("truthsocial", TRUTH_TEXT),
        LiveAs(TRUTH_TEXT, "statenewsdesk"),
    ),
    Case(
        "truthsocial",
        "live-share-url-form",
        truth_share_form,
        LiveAs(TRUTH_TEXT, "statenewsdesk"),
    ),
    Case(
        "truthsocial",
        "quote",
        quoting("truthsocial", "reporter", QUOTED_TEXT, "Not what we were told"),
        LiveAs(
            "Not what we were told",
            "statenewsdesk",
            checks=(quotes_the_first_post, carries_the_quoted_text),
        ),
    ),
    Case(
        "truthsocial",
        "reply",
        replying("truthsocial", "mayor", "The budget passed", "By one vote"),
        LiveAs("By one vote", "statenewsdesk", checks=(replies_to_the_first_post,)),
    ),
    Case("truthsocial", "deleted", deleted("truthsocial"), GoneAs(PostStatus.DELETED)),
    Case(
        "truthsocial",
        "account-suspended",
        account("truthsocial", "suspended"),
        GoneAs(PostStatus.SUSPENDED),
    ),
    Case(
        "truthsocial",
        "429",
        fails_on("truthsocial", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
)

BLUESKY_CASES: Final = (
    Case(
        "bluesky",
        "live-emoji-before-link-facet",
        post("bluesky", BLUESKY_TEXT, name="Example Newsroom"),
        LiveAs(BLUESKY_TEXT, "newsroom.example.com", checks=(keeps_the_full_link,)),
    ),
    Case(
        "bluesky",
        "image",
        post("bluesky", PLAIN_TEXT, media=[{"type": "image", "alt": "Flood map"}]),
        LiveAs(PLAIN_TEXT, "newsroom.example.com", 1),
    ),
    Case(
        "bluesky",
        "quote",
        quoting("bluesky", "reporter.example.com", QUOTED_TEXT, "Not what we were told"),
        LiveAs(
            "Not what we were told",
            "newsroom.example.com",
            checks=(quotes_the_first_post, carries_the_quoted_text),
        ),
    ),
    Case(
        "bluesky",
        "reply",
        replying("bluesky", "mayor.example.com", "The budget passed", "By one vote"),
        LiveAs("By one vote", "newsroom.example.com", checks=(replies_to_the_first_post,)),
    ),
    Case("bluesky", "url-by-did", by_did, LiveAs(PLAIN_TEXT, "newsroom.example.com")),
    Case(
        "bluesky",
        "author-hidden-from-logged-out-is-still-live",
        account("bluesky", "protected"),
        LiveAs(PLAIN_TEXT, "newsroom.example.com", checks=(is_labelled_hidden_from_logged_out,)),
    ),
    Case("bluesky", "deleted", deleted("bluesky"), GoneAs(PostStatus.DELETED)),
    Case(
        "bluesky",
        "not-found-post",
        variant("bluesky", "not_found_post"),
        GoneAs(PostStatus.DELETED),
    ),
    Case(
        "bluesky",
        "account-takedown",
        account("bluesky", "takedown"),
        GoneAs(PostStatus.SUSPENDED),
    ),
    Case(
        "bluesky",
        "account-deactivated",
        account("bluesky", "deactivated"),
        GoneAs(PostStatus.UNAVAILABLE),
    ),
    Case("bluesky", "blocked", variant("bluesky", "blocked"), GoneAs(PostStatus.UNAVAILABLE)),
    Case(
        "bluesky",
        "unresolvable-handle",
        unresolvable_handle,
        GoneAs(PostStatus.UNAVAILABLE),
    ),
    Case(
        "bluesky",
        "429",
        fails_for_post("bluesky", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case(
        "bluesky",
        "500",
        fails_for_post("bluesky", "error", status=500),
        FailedAs(FailureKind.UPSTREAM),
    ),
)

REDDIT_TEXT: Final = (
    'Tom & Jerry\'s "lost" pilot is online\n\n'
    "It was <finally> found & restored.\n\n"
    "Read it: https://www.theguardian.com/culture/2024/may/01/tom-and-jerry-lost-pilot"
)
REDDIT_LINK: Final = "https://www.example.org/council/agenda/2024-05-01.html"


def in_subreddit(data: PostData, _: World) -> bool:
    return data.extra.get("subreddit") == "localnews"


def has_one_video(data: PostData, _: World) -> bool:
    return [m.type.value for m in data.media] == ["video"]


def links_to_the_page(data: PostData, _: World) -> bool:
    return data.extra.get("url") == REDDIT_LINK and data.extra.get("is_self") is False


def has_an_edit_time(data: PostData, _: World) -> bool:
    return data.edited_at is not None


def has_no_author_left(data: PostData, _: World) -> bool:
    return data.author is None and data.extra.get("author_deleted") is True


def never_posted_reddit(_: World) -> str:
    return "https://www.reddit.com/r/localnews/comments/zzzzzzz/nothing_here/"


REDDIT_REMOVALS: Final = ("removed_moderator", "removed_reddit", "removed_copyright")
REDDIT_SUBREDDITS: Final = (
    ("private_sub", PostStatus.PROTECTED),
    ("quarantined", PostStatus.WITHHELD),
    ("banned_sub", PostStatus.WITHHELD),
)

REDDIT_CASES: Final = (
    Case(
        "reddit",
        "live-markdown-body-and-photo",
        post("reddit", REDDIT_TEXT, community="localnews", media=PHOTO),
        LiveAs(REDDIT_TEXT, "citydeskeditor", 1, (in_subreddit,)),
    ),
    Case(
        "reddit",
        "gallery",
        post("reddit", PLAIN_TEXT, media=[{"type": "photo"}, {"type": "photo"}]),
        LiveAs(PLAIN_TEXT, "citydeskeditor", 2),
    ),
    Case(
        "reddit",
        "hosted-video",
        post("reddit", PLAIN_TEXT, media=[{"type": "video"}]),
        LiveAs(PLAIN_TEXT, "citydeskeditor", 1, (has_one_video,)),
    ),
    Case(
        "reddit",
        "link-post",
        post("reddit", PLAIN_TEXT, media=[{"type": "link", "url": REDDIT_LINK}]),
        LiveAs(PLAIN_TEXT, "citydeskeditor", 0, (links_to_the_page,)),
    ),
    Case(
        "reddit",
        "edited",
        edited("reddit", TYPO, FIXED),
        LiveAs(FIXED, "citydeskeditor", checks=(has_an_edit_time,)),
    ),
    Case(
        "reddit",
        "crosspost",
        quoting("reddit", "reporter", QUOTED_TEXT, "Not what we were told"),
        LiveAs(
            "Not what we were told",
            "citydeskeditor",
            checks=(quotes_the_first_post, carries_the_quoted_text),
        ),
    ),
    Case(
        "reddit",
        "nsfw-with-the-over18-cookie",
        variant("reddit", "nsfw"),
        LiveAs(PLAIN_TEXT, "citydeskeditor"),
    ),
    Case(
        "reddit",
        "gated-with-the-opt-in-cookie",
        variant("reddit", "gated"),
        LiveAs(PLAIN_TEXT, "citydeskeditor"),
    ),
    Case(
        "reddit",
        "author-deleted-their-account-post-stays",
        account("reddit", "deactivated"),
        LiveAs(PLAIN_TEXT, None, checks=(has_no_author_left,)),
    ),
    Case("reddit", "deleted-by-author", deleted("reddit"), GoneAs(PostStatus.DELETED)),
    Case("reddit", "never-posted-404", never_posted_reddit, GoneAs(PostStatus.DELETED)),
    *(
        Case("reddit", name.replace("_", "-"), variant("reddit", name), GoneAs(PostStatus.WITHHELD))
        for name in REDDIT_REMOVALS
    ),
    Case(
        "reddit",
        "account-suspended-post-removed",
        account("reddit", "suspended"),
        GoneAs(PostStatus.WITHHELD),
    ),
    *(
        Case("reddit", name.replace("_", "-"), variant("reddit", name), GoneAs(reason))
        for name, reason in REDDIT_SUBREDDITS
    ),
    Case(
        "reddit",
        "429",
        fails_for_post("reddit", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case(
        "reddit",
        "login-wall-html",
        fails_on("reddit", "login_wall"),
        FailedAs(FailureKind.UPSTREAM),
    ),
)

TELEGRAM_TEXT: Final = (
    "Flood update & <road closures>: https://www.example.org/floods/2024-05-01?street=all\n"
    "Thanks @citydeskeditor #floods"
)


def says_edited(data: PostData, _: World) -> bool:
    return data.extra.get("edited") is True


def channel_preview_form(world: World) -> str:
    made = world.add_post("telegram", HANDLES["telegram"], PLAIN_TEXT)
    return made.url.replace("https://t.me/", "https://t.me/s/") + "?single"


TELEGRAM_CASES: Final = (
    Case(
        "telegram",
        "live-links-photo-and-video",
        post(
            "telegram",
            TELEGRAM_TEXT,
            name="City Desk Live",
            media=[{"type": "photo"}, {"type": "video"}],
        ),
        LiveAs(TELEGRAM_TEXT, "citydesklive", 2),
    ),
    Case(
        "telegram",
        "channel-preview-url-form",
        channel_preview_form,
        LiveAs(PLAIN_TEXT, "citydesklive"),
    ),
    Case(
        "telegram",
        "edited",
        edited("telegram", TYPO, FIXED),
        LiveAs(FIXED, "citydesklive", checks=(says_edited,)),
    ),
    Case("telegram", "deleted-post-not-found", deleted("telegram"), GoneAs(PostStatus.DELETED)),
    Case(
        "telegram",
        "channel-gone-post-not-found",
        account("telegram", "takedown"),
        GoneAs(PostStatus.DELETED),
    ),
    Case(
        "telegram",
        "429",
        fails_for_post("telegram", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case(
        "telegram",
        "page-cut-short",
        fails_for_post("telegram", "truncated"),
        FailedAs(FailureKind.UPSTREAM),
    ),
)

THREADS_TEXT: Final = (
    'Zoning board says "no" </script><b>again</b> & again.\n\n'
    "Minutes: https://www.example.org/zoning/2024-05-02"
)
THREADS_ORIGINS: Final = API_ORIGINS.get("threads", ())


def threads_short_form(world: World) -> str:
    made = world.add_post("threads", HANDLES["threads"], PLAIN_TEXT)
    return f"https://www.threads.net/t/{made.id}"


def has_a_video_with_its_poster(data: PostData, _: World) -> bool:
    return [m.type.value for m in data.media] == ["video"] and bool(data.media[0].preview_url)


THREADS_CASES: Final = (
    Case(
        "threads",
        "live-hostile-text-and-carousel",
        post("threads", THREADS_TEXT, media=[{"type": "photo"}, {"type": "video"}]),
        LiveAs(THREADS_TEXT, "citydesk", 2),
    ),
    Case(
        "threads",
        "live-video",
        post("threads", PLAIN_TEXT, media=[{"type": "video"}]),
        LiveAs(PLAIN_TEXT, "citydesk", 1, (has_a_video_with_its_poster,)),
    ),
    Case(
        "threads",
        "reply-page-carries-the-parent-too",
        replying("threads", "mayor", "The budget passed", "By one vote"),
        LiveAs("By one vote", "citydesk"),
    ),
    Case(
        "threads", "short-link-on-threads-net", threads_short_form, LiveAs(PLAIN_TEXT, "citydesk")
    ),
    Case("threads", "edited", edited("threads", TYPO, FIXED), LiveAs(FIXED, "citydesk")),
    Case("threads", "deleted", deleted("threads"), GoneAs(PostStatus.DELETED)),
    Case("threads", "private", variant("threads", "private"), GoneAs(PostStatus.DELETED)),
    Case(
        "threads",
        "account-suspended",
        account("threads", "suspended"),
        GoneAs(PostStatus.DELETED),
    ),
    Case(
        "threads",
        "page-without-data-while-oembed-embeds-it",
        variant("threads", "no_page_data"),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "threads",
        "deleted-but-oembed-throttled",
        then(
            deleted("threads"),
            lambda world, _: world.add_failure("rate_limit", origin=THREADS_ORIGINS[-1]),
        ),
        FailedAs(FailureKind.RATE_LIMITED),
    ),
    Case(
        "threads",
        "deleted-but-oembed-wants-a-token",
        then(
            deleted("threads"),
            lambda world, _: world.add_failure("auth_required", origin=THREADS_ORIGINS[-1]),
        ),
        FailedAs(FailureKind.AUTH_REQUIRED),
    ),
    Case(
        "threads",
        "deleted-but-oembed-500",
        then(
            deleted("threads"),
            lambda world, _: world.add_failure("error", origin=THREADS_ORIGINS[-1], status=500),
        ),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "threads",
        "login-redirect",
        fails_for_post("threads", "auth_required"),
        FailedAs(FailureKind.AUTH_REQUIRED),
    ),
    Case(
        "threads",
        "429",
        fails_for_post("threads", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case(
        "threads",
        "login-wall-page",
        fails_on("threads", "login_wall", THREADS_ORIGINS[:1]),
        FailedAs(FailureKind.UPSTREAM),
    ),
)

YOUTUBE_TEXT: Final = (
    "Council meeting, 2 May 2024 (full recording)\n\n"
    'Agenda & minutes: https://www.example.org/council/2024-05-02 </script> "verbatim"'
)
YOUTUBE_GONE: Final = (
    ("private", PostStatus.PROTECTED),
    ("terminated", PostStatus.SUSPENDED),
    ("removed", PostStatus.SUSPENDED),
    ("geo_blocked", PostStatus.WITHHELD),
    ("copyright_blocked", PostStatus.WITHHELD),
)


def is_not_embeddable(data: PostData, _: World) -> bool:
    return data.extra.get("embeddable") is False


YOUTUBE_CASES: Final = (
    Case(
        "youtube",
        "live-title-and-description",
        post("youtube", YOUTUBE_TEXT, name="City Desk Video"),
        LiveAs(YOUTUBE_TEXT, "citydeskvideo", 1),
    ),
    Case(
        "youtube",
        "embedding-disabled-is-live",
        variant("youtube", "embedding_disabled"),
        LiveAs(PLAIN_TEXT, "citydeskvideo", 1, (is_not_embeddable,)),
    ),
    Case("youtube", "deleted", deleted("youtube"), GoneAs(PostStatus.DELETED)),
    *(
        Case("youtube", name.replace("_", "-"), variant("youtube", name), GoneAs(reason))
        for name, reason in YOUTUBE_GONE
    ),
    Case(
        "youtube",
        "account-closed",
        account("youtube", "deactivated"),
        GoneAs(PostStatus.UNAVAILABLE),
    ),
    Case(
        "youtube",
        "bot-check",
        fails_for_post("youtube", "auth_required"),
        FailedAs(FailureKind.AUTH_REQUIRED),
    ),
    Case(
        "youtube",
        "consent-wall",
        fails_for_post("youtube", "login_wall"),
        FailedAs(FailureKind.UPSTREAM),
    ),
    Case(
        "youtube",
        "429",
        fails_on("youtube", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
)

WEB_TEXT: Final = (
    "Council postpones the river clean-up vote again\n\n"
    "The city council & the <mayor> postponed the vote on the river clean-up budget for the "
    'third time this year, citing missing figures from the engineers. "Again" </script>.\n\n'
    "Residents who came to speak were told to return next month.\n"
    "The committee expects the engineers' figures by then.\n\n"
    "The budget would pay for dredging the north channel and for new filters at the pumping "
    "station: https://www.example.org/council/agenda/2024-05-01-river-budget.html"
)
WEB_BODY: Final = "\n\n".join(WEB_TEXT.split("\n\n")[1:])
WEB_SITE: Final = "Riverside Dispatch"


def reads_oembed_and_the_page_metadata(data: PostData, _: World) -> bool:
    oembed = data.extra.get("oembed") or {}
    return (
        oembed.get("provider_name") == WEB_SITE
        and data.extra.get("site_name") == WEB_SITE
        and data.extra.get("schema_type") == "NewsArticle"
        and data.author is not None
        and data.author.name == "Jane Doe"
        and data.posted_at is not None
        and data.media[0].alt == "The chamber"
    )


def has_no_oembed(data: PostData, _: World) -> bool:
    return "oembed" not in data.extra and "oembed_error" not in data.extra


def says_oembed_failed(data: PostData, _: World) -> bool:
    return "oembed" not in data.extra and "HTTP 500" in data.extra.get("oembed_error", "")


def is_a_pdf_file(data: PostData, _: World) -> bool:
    name = str(data.extra.get("title"))
    return (
        data.extra.get("content_type") == "application/pdf"
        and name.endswith(".pdf")
        and data.text.startswith(f"{name}\n\napplication/pdf, ")
    )


def is_what_the_site_served(data: PostData, _: World) -> bool:
    return data.extra.get("source") == "page"


WEB_ORIGINS: Final = API_ORIGINS.get("web", ())

WEB_CASES: Final = (
    Case(
        "web",
        "live-opengraph-json-ld-and-oembed",
        post("web", WEB_TEXT, name="Jane Doe", media=[{"type": "image", "alt": "The chamber"}]),
        LiveAs(WEB_TEXT, None, 1, (reads_oembed_and_the_page_metadata,)),
    ),
    Case(
        "web",
        "plain-title-and-paragraphs",
        then(post("web", WEB_TEXT), lambda world, pid: world.set_variant("web", pid, "plain")),
        LiveAs(WEB_TEXT, None, 0, (has_no_oembed,)),
    ),
    Case(
        "web",
        "edited",
        then(
            post("web", f"{TYPO}\n\n{WEB_BODY}", created_at="2024-05-01T18:30:00Z"),
            lambda world, pid: world.edit_post("web", pid, f"{FIXED}\n\n{WEB_BODY}"),
        ),
        LiveAs(f"{FIXED}\n\n{WEB_BODY}", None, checks=(has_an_edit_time,)),
    ),
    Case(
        "web",
        "oembed-down-is-still-live",
        then(
            post("web", WEB_TEXT),
            lambda world, _: world.add_failure("error", origin=WEB_ORIGINS[-1], status=500),
        ),
        LiveAs(WEB_TEXT, None, checks=(says_oembed_failed,)),
    ),
    Case("web", "pdf-file", variant("web", "pdf"), LivePage((is_a_pdf_file,))),
    Case("web", "deleted-404", deleted("web"), GoneAs(PostStatus.DELETED)),
    Case("web", "removed-410", variant("web", "removed"), GoneAs(PostStatus.DELETED)),
    Case(
        "web",
        "retired-to-the-front-page",
        variant("web", "front_page"),
        GoneAs(PostStatus.DELETED),
    ),
    Case(
        "web",
        "429",
        fails_for_post("web", "rate_limit"),
        FailedAs(FailureKind.RATE_LIMITED, retry_after=True),
    ),
    Case("web", "503", fails_on("web", "error", status=503), FailedAs(FailureKind.UPSTREAM)),
    Case(
        "web",
        "subscribers-only-401",
        fails_for_post("web", "auth_required"),
        FailedAs(FailureKind.AUTH_REQUIRED),
    ),
    Case("web", "bot-check", fails_for_post("web", "non_json"), FailedAs(FailureKind.UPSTREAM)),
)

CASES: Final = (
    X_CASES
    + MASTODON_CASES
    + TRUTH_CASES
    + BLUESKY_CASES
    + THREADS_CASES
    + YOUTUBE_CASES
    + REDDIT_CASES
    + TELEGRAM_CASES
    + WEB_CASES
)

#: Every failure mode of the emulator (``error`` with JSON and HTML bodies), and what it is.
FAILURES: Final[tuple[tuple[str, dict[str, Any], FailedAs], ...]] = (
    ("rate_limit", {}, FailedAs(FailureKind.RATE_LIMITED, retry_after=True)),
    ("error", {"status": 500}, FailedAs(FailureKind.UPSTREAM)),
    ("error", {"status": 502}, FailedAs(FailureKind.UPSTREAM)),
    ("error", {"status": 503}, FailedAs(FailureKind.UPSTREAM)),
    ("error", {"status": 429}, FailedAs(FailureKind.RATE_LIMITED, retry_after=True)),
    ("truncated", {}, FailedAs(FailureKind.UPSTREAM)),
    ("non_json", {}, FailedAs(FailureKind.UPSTREAM)),
    ("login_wall", {}, FailedAs(FailureKind.UPSTREAM)),
    ("wrong_type", {}, FailedAs(FailureKind.UPSTREAM)),
    ("reset", {}, FailedAs(FailureKind.NETWORK)),
    ("hang", {"seconds": HANG_SECONDS}, FailedAs(FailureKind.TIMEOUT)),
    ("auth_required", {}, FailedAs(FailureKind.AUTH_REQUIRED)),
    ("redirect_loop", {}, FailedAs(FailureKind.NETWORK)),
    ("download", {}, FailedAs(FailureKind.UPSTREAM)),
)

#: What a generic web page's own site means by the failure modes that serve it something:
#: a page, not a platform's API answer, so it is kept as what the site served.
WEB_SERVED: Final = frozenset({"truncated", "login_wall", "download"})

#: 4xx statuses the emulator's ``error`` mode answers with an HTML page (a gateway's, not the
#: platform's API speaking). On X a bare 404 *is* the platform's answer for a deleted post; a
#: web page's site speaks for itself at every status (see ``WEB_STATUSES``).
GATEWAY_PAGES: Final = tuple(
    (platform, status)
    for platform in sorted(API_ORIGINS)
    for status in (400, 403, 404, 410)
    if (platform, status) != ("x", 404) and platform != "web"
)
#: What a web page's own site says with each error status.
WEB_STATUSES: Final[tuple[tuple[int, Expected], ...]] = (
    (400, FailedAs(FailureKind.UPSTREAM)),
    (403, FailedAs(FailureKind.AUTH_REQUIRED)),
    (404, GoneAs(PostStatus.DELETED)),
    (410, GoneAs(PostStatus.DELETED)),
    (451, GoneAs(PostStatus.WITHHELD)),
    (500, FailedAs(FailureKind.UPSTREAM)),
)


def failure_id(failure: tuple[str, dict[str, Any], FailedAs]) -> str:
    mode, options, _ = failure
    return f"{mode}-{options['status']}" if "status" in options else mode


# --- Running a case -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """One emulator for the module (a Mastodon server the adapter does not know included)."""
    with EmulatorServer(extra_mastodon_hosts=[OTHER_MASTODON]) as emulator:
        yield emulator


async def observe(settings: Settings, url: str, timeout: float) -> tuple[PostRef, Observation]:
    """Fetch ``url`` with the adapter that claims it, through a fresh gate."""
    ref = match_url(url)
    assert ref is not None, f"no adapter claims {url}"
    async with Egress(settings, timeout=timeout) as gate:
        return ref, await adapter_for(ref).fetch(ref, gate)


def assert_expected(observation: Observation, expected: Expected, world: World) -> None:
    if isinstance(expected, LiveAs):
        assert isinstance(observation, Live), observation
        data = observation.data
        assert data.text == expected.text
        assert (data.author.handle if data.author else None) == expected.handle
        assert len(data.media) == expected.media
        for check in expected.checks:
            assert check(data, world), f"{check.__name__}: {data}"
    elif isinstance(expected, LivePage):
        assert isinstance(observation, Live), observation
        for check in expected.checks:
            assert check(observation.data, world), f"{check.__name__}: {observation.data}"
    elif isinstance(expected, GoneAs):
        assert isinstance(observation, Gone), observation
        assert observation.reason is expected.reason, observation.evidence
        assert observation.evidence
    else:
        assert isinstance(observation, Failed), observation
        assert observation.kind is expected.kind, observation.detail
        assert (observation.retry_after is not None) is expected.retry_after, observation


def assert_evidence(observation: Observation, server: EmulatorServer) -> None:
    """Every exchange is kept, names the platform's real URL and was made with the emulator."""
    real_hosts = {urlsplit(origin).hostname for origin in server.override_map}
    if not (isinstance(observation, Failed) and observation.kind in NO_ANSWER):
        assert observation.exchanges, "an answer came but no exchange was kept"
    for exchange in observation.exchanges:
        for hop in (*exchange.redirects, exchange):
            parts = urlsplit(hop.url)
            assert parts.scheme == "https" and parts.hostname in real_hosts, hop.url
            assert "127.0.0.1" not in hop.url
            assert hop.ip_address == "127.0.0.1"
    if isinstance(observation, Live):
        assert observation.source_url in {exchange.url for exchange in observation.exchanges}


# --- The tests ----------------------------------------------------------------------------


def test_cases_cover_every_adapter_and_emulated_platform() -> None:
    """The case table covers every registered adapter and every platform the emulator plays."""
    assert {case.platform for case in CASES} == set(PLATFORMS) == set(API_ORIGINS)
    covered = {ADAPTER_PLATFORM[case.platform] for case in CASES}
    assert covered == {adapter.platform for adapter in ADAPTERS}
    assert len({case.id for case in CASES}) == len(CASES)
    assert {mode for mode, _, _ in FAILURES} == set(FAILURE_MODES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_adapter_observes_the_world_as_it_is(
    case: Case, server: EmulatorServer, world: World, settings: Settings
) -> None:
    """Each state of the world is observed as the expected Live, Gone or Failed, with evidence."""
    url = case.setup(world)
    ref, observation = await observe(settings, url, case.timeout)
    assert ref.platform is ADAPTER_PLATFORM[case.platform]
    assert_expected(observation, case.expected, world)
    assert_evidence(observation, server)


@pytest.mark.parametrize("scope", ["post", "platform"])
@pytest.mark.parametrize("failure", FAILURES, ids=failure_id)
@pytest.mark.parametrize("platform", sorted(API_ORIGINS))
async def test_no_failure_mode_reads_as_gone(
    platform: str,
    failure: tuple[str, dict[str, Any], FailedAs],
    scope: str,
    server: EmulatorServer,
    world: World,
    settings: Settings,
) -> None:
    """A live post whose platform fails in any mode is a failure of that mode, never gone."""
    mode, options, expected = failure
    if platform == "web" and mode in WEB_SERVED:
        expected = LivePage((is_what_the_site_served,))
    make = fails_for_post if scope == "post" else fails_on
    url = make(platform, mode, **options)(world)
    timeout = SWEEP_HANG_TIMEOUT if mode == "hang" else SWEEP_TIMEOUT
    _, observation = await observe(settings, url, timeout)
    assert not isinstance(observation, Gone), observation
    assert_expected(observation, expected, world)
    assert_evidence(observation, server)


@pytest.mark.parametrize(
    ("platform", "status"), GATEWAY_PAGES, ids=[f"{p}-{s}" for p, s in GATEWAY_PAGES]
)
async def test_a_gateway_error_page_is_not_the_platform_speaking(
    platform: str, status: int, server: EmulatorServer, world: World, settings: Settings
) -> None:
    """An HTML 4xx page instead of the platform's API answer is an upstream failure, not gone."""
    url = fails_for_post(platform, "error", status=status)(world)
    _, observation = await observe(settings, url, SWEEP_TIMEOUT)
    assert_expected(observation, FailedAs(FailureKind.UPSTREAM), world)
    assert_evidence(observation, server)


@pytest.mark.parametrize(("status", "expected"), WEB_STATUSES, ids=[s for s, _ in WEB_STATUSES])
async def test_a_web_pages_error_status_is_its_sites_answer(
    status: int, expected: Expected, server: EmulatorServer, world: World, settings: Settings
) -> None:
    """A web page's site speaks for itself: 404 and 410 are gone, 451 withheld, 403 a wall
    to logged-out readers, anything else a failure."""
    url = fails_for_post("web", "error", status=status)(world)
    _, observation = await observe(settings, url, SWEEP_TIMEOUT)
    assert_expected(observation, expected, world)
    assert_evidence(observation, server)
