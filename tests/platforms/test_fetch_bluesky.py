"""Observing Bluesky posts through the public AppView over a recorded network: handle
resolution, link facets over UTF-8 byte offsets, embeds, every "gone" signal and every kind of
failure."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from archiver.domain import (
    Failed,
    FailureKind,
    Gone,
    LinkedPost,
    Live,
    Media,
    MediaType,
    Observation,
    PostStatus,
)
from archiver.errors import (
    EgressError,
    EgressNetworkError,
    EgressRateLimited,
    EgressRefused,
    EgressTimeout,
    EgressTooLarge,
)
from archiver.platforms.bluesky import BlueskyAdapter
from archiver.platforms.bluesky_parse import post_text
from tests.platforms.recorded import (
    NOW,
    Answer,
    RecordedFetcher,
    Route,
    clock,
    fixture_answer,
    json_answer,
    text_answer,
)

XRPC = "https://public.api.bsky.app/xrpc"
BSKY_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
ALICE_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
OTHER_DID = "did:plc:3jpt2mvvsumj2r7eqk4gzzjz"
LIVE = f"https://bsky.app/profile/{BSKY_DID}/post/3l6zrz6zyl2dr"
LIVE_API = (
    f"{XRPC}/app.bsky.feed.getPostThread?uri=at://{BSKY_DID}/app.bsky.feed.post/3l6zrz6zyl2dr"
    "&depth=0&parentHeight=0"
)
LIVE_PROFILE = f"{XRPC}/app.bsky.actor.getProfile?actor={BSKY_DID}"
ALICE = "https://bsky.app/profile/alice.bsky.social/post/3l4omssdl632g"
ALICE_RESOLVE = f"{XRPC}/com.atproto.identity.resolveHandle?handle=alice.bsky.social"
ALICE_API = (
    f"{XRPC}/app.bsky.feed.getPostThread?uri=at://{ALICE_DID}/app.bsky.feed.post/3l4omssdl632g"
    "&depth=0&parentHeight=0"
)
NOT_FOUND = json_answer(
    {
        "error": "NotFound",
        "message": f"Post not found: at://{BSKY_DID}/app.bsky.feed.post/3l6zrz6zyl2dr",
    },
    400,
)


async def observe(url: str, routes: Mapping[str, Route]) -> tuple[Observation, RecordedFetcher]:
    """Fetch the post ``url`` names over ``routes``."""
    adapter = BlueskyAdapter(clock=clock)
    ref = adapter.match(url)
    assert ref is not None
    fetcher = RecordedFetcher(routes)
    return await adapter.fetch(ref, fetcher), fetcher


async def test_live_post_is_read_in_full() -> None:
    """A post named by DID gives its text with the link expanded, author, image and counts."""
    observation, fetcher = await observe(
        LIVE, {LIVE_API: fixture_answer("bluesky/thread_live.json")}
    )
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == "Read more at https://bsky.social/about/blog/10-01-2024 🦋"
    assert data.post_id == "3l6zrz6zyl2dr"
    assert data.url == "https://bsky.app/profile/bsky.app/post/3l6zrz6zyl2dr"
    assert data.author is not None
    assert (data.author.id, data.author.handle, data.author.name) == (
        BSKY_DID,
        "bsky.app",
        "Bluesky",
    )
    assert data.posted_at == datetime(2024, 10, 1, 16, 0, tzinfo=UTC)
    assert data.lang == "en"
    blob = "bafkreigq4yvbhzkx7r4u2tqc3a2g5hq5qg6oq5j3a7m3u5y6w2v7xkqz4a"
    cdn = f"https://cdn.bsky.app/img/%s/plain/{BSKY_DID}/{blob}@jpeg"
    assert data.media == (
        Media(
            MediaType.PHOTO, cdn % "feed_fullsize", "screenshot", 1200, 800, cdn % "feed_thumbnail"
        ),
    )
    assert data.metrics == {"replies": 12, "reposts": 40, "likes": 310, "quotes": 3, "bookmarks": 0}
    assert data.extra["did"] == BSKY_DID
    assert data.extra["cid"] == "bafyreia5f3ubbtnqaq3p4ywxuzc6rmi3bpwmjqbzj3k4vpbicq2l2jd6ye"
    assert data.extra["uri"] == f"at://{BSKY_DID}/app.bsky.feed.post/3l6zrz6zyl2dr"
    assert data.extra["links"] == ["https://bsky.social/about/blog/10-01-2024"]
    assert fetcher.asked == [LIVE_API]
    assert observation.source_url == LIVE_API


async def test_handle_is_resolved_and_emoji_offsets_hold() -> None:
    """A handle resolves first; a link after emoji splices at the right bytes; all embeds read."""
    routes: dict[str, Route] = {
        ALICE_RESOLVE: json_answer({"did": ALICE_DID}),
        ALICE_API: fixture_answer("bluesky/thread_emoji.json"),
    }
    observation, fetcher = await observe(ALICE, routes)
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == (
        "🦋 Ünïcode first, then https://bsky.social/about/blog/10-01-2024 and "
        "@alice.bsky.social #atproto ✨"
    )
    assert data.url == "https://bsky.app/profile/alice.bsky.social/post/3l4omssdl632g"
    assert data.lang == "de"
    watch = f"https://video.bsky.app/watch/{ALICE_DID.replace(':', '%3A')}/bafkreivideo"
    assert data.media == (
        Media(
            MediaType.VIDEO,
            f"{watch}/playlist.m3u8",
            "A short clip",
            1920,
            1080,
            f"{watch}/thumbnail.jpg",
        ),
    )
    assert data.quoted_post == LinkedPost(
        f"at://{OTHER_DID}/app.bsky.feed.post/3kquoted00000",
        f"https://bsky.app/profile/{OTHER_DID}/post/3kquoted00000",
        "bob.example.com",
        "Quoted words",
    )
    assert data.reply_to == LinkedPost(
        f"at://{OTHER_DID}/app.bsky.feed.post/3kparent00000",
        f"https://bsky.app/profile/{OTHER_DID}/post/3kparent00000",
    )
    assert data.extra["labels"] == ["!no-unauthenticated"]
    assert fetcher.asked == [ALICE_RESOLVE, ALICE_API]
    assert [e.url for e in observation.exchanges] == [ALICE_RESOLVE, ALICE_API]


async def test_link_card_and_missing_quote() -> None:
    """A link card is kept in extra; a quote of a deleted post names it and says so."""
    routes: dict[str, Route] = {
        ALICE_RESOLVE: json_answer({"did": ALICE_DID}),
        ALICE_API: fixture_answer("bluesky/thread_external.json"),
    }
    observation, _ = await observe(ALICE, routes)
    assert isinstance(observation, Live)
    data = observation.data
    assert data.extra["external"] == {
        "uri": "https://example.org/article",
        "title": "An article",
        "description": "What it says",
    }
    gone = f"at://{OTHER_DID}/app.bsky.feed.post/3kgone0000000"
    assert data.quoted_post == LinkedPost(
        gone, f"https://bsky.app/profile/{OTHER_DID}/post/3kgone0000000"
    )
    assert data.extra["quote_state"] == "not_found"
    assert data.media == ()


def link(start: int, end: int, uri: str) -> dict[str, object]:
    """A link facet over bytes ``start`` to ``end``."""
    return {
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


def test_facet_that_splits_a_character_is_left_alone() -> None:
    """A link facet whose offsets cut through a character leaves the text untouched."""
    record = {"text": "é example.com", "facets": [link(1, 14, "https://example.com/")]}
    assert post_text(record)[0] == "é example.com"


def test_link_with_words_of_its_own_keeps_them() -> None:
    """A link facet over ordinary words keeps the words; the URI is still listed."""
    record = {"text": "read this now", "facets": [link(5, 9, "https://example.com/x")]}
    assert post_text(record) == ("read this now", ["https://example.com/x"])


def test_out_of_range_and_overlapping_facets_are_ignored() -> None:
    """Facets past the end or overlapping an earlier one change nothing."""
    record = {
        "text": "see a.example/l...",
        "facets": [
            link(4, 18, "https://a.example/long"),
            link(6, 10, "https://b.example/"),
            link(10, 99, "https://c.example/"),
        ],
    }
    assert post_text(record)[0] == "see https://a.example/long"


@pytest.mark.parametrize(
    ("profile", "reason"),
    [
        (json_answer({"did": BSKY_DID, "handle": "bsky.app"}), PostStatus.DELETED),
        (
            json_answer({"error": "AccountTakedown", "message": "Account has been suspended"}, 400),
            PostStatus.SUSPENDED,
        ),
        (
            json_answer({"error": "AccountDeactivated", "message": "Account is deactivated"}, 400),
            PostStatus.UNAVAILABLE,
        ),
        (
            json_answer({"error": "InvalidRequest", "message": "Profile not found"}, 400),
            PostStatus.DELETED,
        ),
    ],
    ids=["active", "takedown", "deactivated", "no-profile"],
)
@pytest.mark.parametrize(
    "thread",
    [
        NOT_FOUND,
        json_answer(
            {
                "thread": {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": "at://x",
                    "notFound": True,
                }
            }
        ),
    ],
    ids=["400-NotFound", "notFoundPost"],
)
async def test_not_found_is_refined_by_the_author(
    thread: Answer, profile: Answer, reason: PostStatus
) -> None:
    """A missing post is deleted unless its author is taken down (or deactivated)."""
    observation, fetcher = await observe(LIVE, {LIVE_API: thread, LIVE_PROFILE: profile})
    assert isinstance(observation, Gone)
    assert observation.reason is reason
    assert "not" in observation.evidence.lower()
    assert [e.url for e in observation.exchanges] == [LIVE_API, LIVE_PROFILE]
    assert fetcher.asked == [LIVE_API, LIVE_PROFILE]


async def test_failed_profile_lookup_is_a_failure_not_a_verdict() -> None:
    """When the author's profile cannot be read the observation fails, keeping the evidence."""
    routes: dict[str, Route] = {LIVE_API: NOT_FOUND, LIVE_PROFILE: text_answer("Bad gateway", 502)}
    observation, _ = await observe(LIVE, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert len(observation.exchanges) == 2


async def test_blocked_post_is_unavailable() -> None:
    """A blocked post is unavailable, without a profile lookup."""
    body = {
        "thread": {
            "$type": "app.bsky.feed.defs#blockedPost",
            "uri": "at://x",
            "blocked": True,
            "author": {"did": BSKY_DID},
        }
    }
    observation, fetcher = await observe(LIVE, {LIVE_API: json_answer(body)})
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.UNAVAILABLE
    assert fetcher.asked == [LIVE_API]


async def test_unresolvable_handle_is_unavailable() -> None:
    """A handle that no longer resolves makes the post unavailable, without asking for it."""
    body = {"error": "InvalidRequest", "message": "Unable to resolve handle"}
    observation, fetcher = await observe(ALICE, {ALICE_RESOLVE: json_answer(body, 400)})
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.UNAVAILABLE
    assert "no longer resolves" in observation.evidence
    assert fetcher.asked == [ALICE_RESOLVE]


async def test_rate_limit_keeps_the_reset_time() -> None:
    """A 429 is a rate limit lasting until ``RateLimit-Reset`` (epoch seconds)."""
    reset = NOW + timedelta(minutes=3)
    answer = json_answer(
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        429,
        {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(reset.timestamp())),
            "RateLimit-Policy": "3000;w=300",
        },
    )
    for url, routes in ((LIVE, {LIVE_API: answer}), (ALICE, {ALICE_RESOLVE: answer})):
        observation, _ = await observe(url, routes)
        assert isinstance(observation, Failed)
        assert observation.kind is FailureKind.RATE_LIMITED
        assert observation.retry_after == reset


@pytest.mark.parametrize(
    "answer",
    [
        text_answer("Internal error", 500),
        json_answer({"error": "InternalServerError", "message": "Internal Server Error"}, 502),
        text_answer("<html>maintenance</html>", 200),
        Answer(200, b'{"thread":{"$type":"app.bsky.feed.defs#threadViewPost","post":{"uri', ()),
        json_answer(
            {"error": "InvalidRequest", "message": "Error: uri must be a valid at-uri"}, 400
        ),
        json_answer({"thread": {"$type": "app.bsky.feed.defs#somethingNew"}}),
    ],
    ids=["500", "502", "html", "truncated", "400-other", "unknown-thread"],
)
async def test_unusable_answer_is_an_upstream_failure(answer: Answer) -> None:
    """5xx, non-JSON, truncated, other 400s or unknown thread kinds are upstream failures."""
    observation, _ = await observe(LIVE, {LIVE_API: answer})
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert len(observation.exchanges) == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (EgressTimeout("deadline"), FailureKind.TIMEOUT),
        (EgressTooLarge("too big"), FailureKind.TOO_LARGE),
        (EgressRefused("private address"), FailureKind.REFUSED),
        (EgressRateLimited("backing off", NOW + timedelta(hours=1)), FailureKind.RATE_LIMITED),
        (EgressNetworkError("connection refused"), FailureKind.NETWORK),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, EgressError) else str(v),
)
@pytest.mark.parametrize(("url", "asked"), [(LIVE, LIVE_API), (ALICE, ALICE_RESOLVE)])
async def test_egress_error_becomes_its_failure(
    error: EgressError, kind: FailureKind, url: str, asked: str
) -> None:
    """Each egress error, on the thread or on the handle, becomes a failure of its own kind."""
    observation, _ = await observe(url, {asked: error})
    assert isinstance(observation, Failed)
    assert observation.kind is kind
    assert observation.exchanges == ()
    expected = error.retry_after if isinstance(error, EgressRateLimited) else None
    assert observation.retry_after == expected
