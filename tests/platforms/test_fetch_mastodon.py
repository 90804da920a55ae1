"""Observing Mastodon (and Truth Social) statuses over a recorded network: HTML content as
plain text, media, quotes, replies, edit history, the host check, every "gone" signal and
every kind of failure."""

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
    Platform,
    PostRef,
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
from archiver.platforms.mastodon import MastodonAdapter
from archiver.platforms.mastodon_parse import read_status
from tests.platforms.recorded import (
    NOW,
    Answer,
    RecordedFetcher,
    Route,
    clock,
    fixture,
    fixture_answer,
    json_answer,
    text_answer,
)

GARGRON = "https://mastodon.social/@Gargron/103270115826048975"
GARGRON_API = "https://mastodon.social/api/v1/statuses/103270115826048975"
GARGRON_LOOKUP = "https://mastodon.social/api/v1/accounts/lookup?acct=Gargron"
RICH = "https://social.example.org/@alice/110000000000000001"
RICH_API = "https://social.example.org/api/v1/statuses/110000000000000001"
INSTANCE = "https://social.example.org/api/v1/instance"
NODEINFO = "https://social.example.org/.well-known/nodeinfo"
NODEINFO_DOC = "https://social.example.org/nodeinfo/2.0"
RECORD_NOT_FOUND = json_answer({"error": "Record not found"}, 404)
INSTANCE_OK = json_answer({"uri": "social.example.org", "version": "4.3.0"})


async def observe(
    url: str, routes: Mapping[str, Route], adapter: MastodonAdapter | None = None
) -> tuple[Observation, RecordedFetcher]:
    """Fetch the status ``url`` names over ``routes``."""
    adapter = adapter or MastodonAdapter(clock=clock)
    ref = adapter.match(url)
    assert ref is not None
    fetcher = RecordedFetcher(routes)
    return await adapter.fetch(ref, fetcher), fetcher


async def test_live_status_is_read_in_full() -> None:
    """A status on a known host gives plain text with the full link, author, time and counts."""
    observation, fetcher = await observe(
        GARGRON, {GARGRON_API: fixture_answer("mastodon/status_gargron.json")}
    )
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == (
        '"I lost my inheritance with one wrong digit on my sort code"\n\n'
        "https://www.theguardian.com/money/2019/dec/07/"
        "i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code"
    )
    assert data.post_id == "103270115826048975"
    assert data.url == GARGRON
    assert data.author is not None
    assert (data.author.id, data.author.handle, data.author.name, data.author.url) == (
        "1",
        "Gargron",
        "Eugen",
        "https://mastodon.social/@Gargron",
    )
    assert data.posted_at == datetime(2019, 12, 8, 3, 48, 33, 901000, tzinfo=UTC)
    assert data.lang == "en"
    assert data.metrics == {"replies": 5, "reposts": 6, "likes": 11, "quotes": 2}
    assert data.edited_at is None
    assert data.extra["spoiler_text"] == ""
    assert fetcher.asked == [GARGRON_API]
    assert observation.source_url == GARGRON_API


async def test_rich_status_on_an_unknown_host() -> None:
    """An unknown host is checked first, then every part of a rich edited status reads."""
    history_url = f"{RICH_API}/history"
    routes: dict[str, Route] = {
        INSTANCE: INSTANCE_OK,
        RICH_API: fixture_answer("mastodon/status_rich.json"),
        history_url: fixture_answer("mastodon/history.json"),
    }
    observation, fetcher = await observe(RICH, routes)
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == (
        "Hi @bob, it's #fediverse time & more\nsecond line\n\n"
        "See https://example.com/a/long/path/to/page"
    )
    files = "https://files.social.example.org"
    assert data.media == (
        Media(
            MediaType.PHOTO,
            f"{files}/media/original/a.jpg",
            "A harbour at dusk",
            1600,
            900,
            f"{files}/media/small/a.jpg",
        ),
        Media(
            MediaType.GIF,
            f"{files}/media/original/b.mp4",
            None,
            320,
            240,
            f"{files}/media/small/b.png",
        ),
        Media(
            MediaType.VIDEO,
            "https://other.example/media/c.mp4",
            "A clip",
            1280,
            720,
            f"{files}/cache/small/c.png",
        ),
        Media(MediaType.AUDIO, f"{files}/media/original/d.mp3"),
    )
    assert data.quoted_post == LinkedPost(
        "109000000000000000",
        "https://other.example/@bob/42",
        "bob@other.example",
        "The quoted words",
    )
    assert data.reply_to == LinkedPost(
        "109999999999999999",
        "https://social.example.org/@bob@other.example/109999999999999999",
        "bob@other.example",
    )
    assert data.edited_at == datetime(2024, 3, 1, 12, 10, tzinfo=UTC)
    assert data.edit_history_ids == ("2024-03-01T12:00:00.000Z", "2024-03-01T12:10:00.000Z")
    assert data.extra["history"][0] == {
        "created_at": "2024-03-01T12:00:00.000Z",
        "text": "Hi there, first try",
    }
    assert data.extra["history"][1]["text"] == data.text
    assert data.extra["spoiler_text"] == "long thread"
    assert data.extra["quote_state"] == "accepted"
    assert data.extra["card"]["title"] == "A page"
    assert data.metrics == {"replies": 3, "reposts": 4, "likes": 5, "quotes": 1}
    assert fetcher.asked == [INSTANCE, RICH_API, history_url]
    assert [e.url for e in observation.exchanges] == [INSTANCE, RICH_API, history_url]
    assert observation.source_url == RICH_API


async def test_unreadable_history_leaves_the_post_live() -> None:
    """An edited status whose history fails is still live, saying why the history is missing."""
    routes: dict[str, Route] = {
        INSTANCE: INSTANCE_OK,
        RICH_API: fixture_answer("mastodon/status_rich.json"),
        f"{RICH_API}/history": text_answer("Bad gateway", 502),
    }
    observation, _ = await observe(RICH, routes)
    assert isinstance(observation, Live)
    assert observation.data.edit_history_ids == ()
    assert "502" in observation.data.extra["history_unavailable"]
    assert len(observation.exchanges) == 3


async def test_host_check_is_remembered() -> None:
    """A host found to speak Mastodon is not asked again by the same adapter."""
    adapter = MastodonAdapter(clock=clock)
    routes: dict[str, Route] = {
        INSTANCE: INSTANCE_OK,
        RICH_API: fixture_answer("mastodon/status_rich.json"),
        f"{RICH_API}/history": fixture_answer("mastodon/history.json"),
    }
    await observe(RICH, routes, adapter)
    observation, fetcher = await observe(RICH, routes, adapter)
    assert isinstance(observation, Live)
    assert fetcher.asked == [RICH_API, f"{RICH_API}/history"]


async def test_nodeinfo_naming_mastodon_software_passes_the_check() -> None:
    """Without an instance document, nodeinfo naming Mastodon-compatible software will do."""
    routes: dict[str, Route] = {
        INSTANCE: text_answer("not here", 404),
        NODEINFO: json_answer(
            {
                "links": [
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": NODEINFO_DOC}
                ]
            }
        ),
        NODEINFO_DOC: json_answer(
            {"version": "2.0", "software": {"name": "akkoma", "version": "3.13"}}
        ),
        RICH_API: fixture_answer("mastodon/status_gargron.json"),
    }
    observation, fetcher = await observe(RICH, routes)
    assert isinstance(observation, Live)
    assert fetcher.asked == [INSTANCE, NODEINFO, NODEINFO_DOC, RICH_API]
    assert len(observation.exchanges) == 4


@pytest.mark.parametrize(
    "nodeinfo",
    [
        text_answer("not here", 404),
        json_answer(
            {
                "links": [
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": NODEINFO_DOC}
                ]
            }
        ),
    ],
    ids=["no-nodeinfo", "lemmy"],
)
async def test_host_that_is_not_mastodon_fails_and_is_remembered(nodeinfo: Answer) -> None:
    """A host without Mastodon's API is an upstream failure, never gone, and not asked again."""
    adapter = MastodonAdapter(clock=clock)
    routes: dict[str, Route] = {
        INSTANCE: text_answer("not here", 404),
        NODEINFO: nodeinfo,
        NODEINFO_DOC: json_answer({"version": "2.0", "software": {"name": "lemmy"}}),
    }
    observation, _ = await observe(RICH, routes, adapter)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert (
        observation.detail == "social.example.org does not look like a Mastodon-compatible server"
    )
    assert observation.exchanges
    again, fetcher = await observe(RICH, routes, adapter)
    assert isinstance(again, Failed)
    assert again.exchanges == ()
    assert fetcher.asked == []


async def test_host_found_not_mastodon_is_asked_again_a_day_later() -> None:
    """A "not Mastodon" verdict is forgotten after a day."""
    now = [NOW]
    adapter = MastodonAdapter(clock=lambda: now[0])
    routes: dict[str, Route] = {
        INSTANCE: text_answer("not here", 404),
        NODEINFO: text_answer("not here", 404),
    }
    await observe(RICH, routes, adapter)
    now[0] = NOW + timedelta(hours=23)
    _, soon = await observe(RICH, routes, adapter)
    now[0] = NOW + timedelta(days=1, minutes=1)
    observation, later = await observe(RICH, routes, adapter)
    assert soon.asked == []
    assert later.asked == [INSTANCE, NODEINFO]
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM


async def test_undecided_host_check_fails_and_is_asked_again() -> None:
    """When the host check meets 5xx answers it fails without a verdict, and asks again later."""
    adapter = MastodonAdapter(clock=clock)
    routes: dict[str, Route] = {
        INSTANCE: text_answer("down", 503),
        NODEINFO: text_answer("down", 503),
    }
    observation, _ = await observe(RICH, routes, adapter)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    _, fetcher = await observe(RICH, routes, adapter)
    assert fetcher.asked == [INSTANCE, NODEINFO]


async def test_truth_social_status_keeps_its_own_fields() -> None:
    """A Truth Social status reads like Mastodon's and keeps its extra fields."""
    url = "https://truthsocial.com/@bbcnewa/posts/109598702184774628"
    api = "https://truthsocial.com/api/v1/statuses/109598702184774628"
    observation, fetcher = await observe(url, {api: fixture_answer("mastodon/status_truth.json")})
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == (
        "Pele, regarded by many as football's greatest ever player, has died in Brazil at the "
        "age of 82. https://www.bbc.com/sport/football/42751517"
    )
    assert data.url == "https://truthsocial.com/@bbcnewa/109598702184774628"
    assert data.author is not None
    assert data.author.name == "BBC News"
    assert data.quoted_post is None
    assert data.reply_to is None
    assert data.extra["sponsored"] is False
    assert data.extra["group"] is None
    assert data.extra["quote_id"] is None
    assert data.extra["account_verified"] is False
    assert fetcher.asked == [api]


def test_truth_social_quote_and_reply_objects_are_linked() -> None:
    """Truth Social's ``quote`` and ``in_reply_to`` statuses become the quoted and parent posts."""
    data = read_status(fixture("mastodon/status_truth_quote.json"), "truthsocial.com")
    assert data is not None
    assert data.quoted_post == LinkedPost(
        "113570000000000000",
        "https://truthsocial.com/@someone/113570000000000000",
        "someone",
        "The quoted truth",
    )
    assert data.reply_to == LinkedPost(
        "113571000000000000",
        "https://truthsocial.com/@realDonaldTrump/113571000000000000",
        "realDonaldTrump",
        "The first truth",
    )
    assert data.extra["account_verified"] is True
    assert data.extra["account_website"] == "www.DonaldJTrump.Com"
    assert data.extra["quote_id"] == "113570000000000000"
    assert data.media[0].width == 1080


def test_shallow_quote_gives_the_quoted_id() -> None:
    """A shallow quote (only ``quoted_status_id``) still names the quoted post."""
    status = fixture("mastodon/status_gargron.json")
    status["quote"] = {"state": "accepted", "quoted_status_id": "42"}
    data = read_status(status, "mastodon.social")
    assert data is not None
    assert data.quoted_post == LinkedPost("42", None)


@pytest.mark.parametrize(
    ("lookup", "reason"),
    [
        (json_answer({"id": "1", "acct": "Gargron", "username": "Gargron"}), PostStatus.DELETED),
        (json_answer({"id": "1", "acct": "Gargron", "suspended": True}), PostStatus.SUSPENDED),
        (RECORD_NOT_FOUND, PostStatus.SUSPENDED),
    ],
    ids=["active-author", "suspended-author", "author-not-found"],
)
async def test_record_not_found_is_refined_by_the_author(
    lookup: Answer, reason: PostStatus
) -> None:
    """A 404 status is deleted or private, unless looking up its author says suspended."""
    routes: dict[str, Route] = {GARGRON_API: RECORD_NOT_FOUND, GARGRON_LOOKUP: lookup}
    observation, fetcher = await observe(GARGRON, routes)
    assert isinstance(observation, Gone)
    assert observation.reason is reason
    assert "404 Record not found: deleted or private" in observation.evidence
    assert [e.url for e in observation.exchanges] == [GARGRON_API, GARGRON_LOOKUP]
    assert fetcher.asked == [GARGRON_API, GARGRON_LOOKUP]


async def test_remote_author_is_looked_up_with_its_domain() -> None:
    """The lookup for a remote author names the account with its home domain."""
    url = "https://mastodon.social/@bob@other.example/7"
    lookup = "https://mastodon.social/api/v1/accounts/lookup?acct=bob@other.example"
    routes: dict[str, Route] = {
        "https://mastodon.social/api/v1/statuses/7": RECORD_NOT_FOUND,
        lookup: json_answer({"id": "20", "acct": "bob@other.example"}),
    }
    observation, fetcher = await observe(url, routes)
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED
    assert fetcher.asked[-1] == lookup


async def test_record_not_found_without_author_is_deleted() -> None:
    """A 404 status with no author to look up is deleted or private."""
    ref = PostRef(
        Platform.MASTODON,
        "mastodon.social/7",
        "7",
        "https://mastodon.social/@x/7",
        None,
        "mastodon.social",
    )
    fetcher = RecordedFetcher({"https://mastodon.social/api/v1/statuses/7": RECORD_NOT_FOUND})
    observation = await MastodonAdapter(clock=clock).fetch(ref, fetcher)
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED
    assert "deleted or private" in observation.evidence


async def test_failed_author_lookup_is_a_failure_not_a_verdict() -> None:
    """When the author lookup fails the observation fails too, keeping both exchanges."""
    routes: dict[str, Route] = {
        GARGRON_API: RECORD_NOT_FOUND,
        GARGRON_LOOKUP: EgressTimeout("slow"),
    }
    observation, _ = await observe(GARGRON, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.TIMEOUT
    assert "404" in observation.detail
    assert len(observation.exchanges) == 1


async def test_410_means_suspended() -> None:
    """A 410 Gone is a suspended account."""
    routes: dict[str, Route] = {GARGRON_API: json_answer({"error": "Gone"}, 410)}
    observation, _ = await observe(GARGRON, routes)
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.SUSPENDED
    assert "410" in observation.evidence


async def test_401_asks_for_authentication() -> None:
    """A server that requires a signed-in user gives an auth-required failure."""
    body = {"error": "This API requires an authenticated user"}
    observation, _ = await observe(GARGRON, {GARGRON_API: json_answer(body, 401)})
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.AUTH_REQUIRED
    assert len(observation.exchanges) == 1


async def test_429_is_rate_limited_until_the_reset() -> None:
    """A 429 is a rate limit lasting until ``X-RateLimit-Reset``."""
    answer = json_answer(
        {"error": "Too many requests"},
        429,
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-09-01T12:05:00.000000Z",
        },
    )
    observation, _ = await observe(GARGRON, {GARGRON_API: answer})
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.RATE_LIMITED
    assert observation.retry_after == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    "answer",
    [
        json_answer({"error": "Remote data could not be fetched"}, 503),
        text_answer("Internal error", 500),
        text_answer("<html>Just a moment…</html>", 200),
        text_answer("<html>Not found</html>", 404),
        Answer(200, b'{"id":"103270115826048975","content":"<p>cut', ()),
        json_answer({"error": "something"}),
    ],
    ids=["503", "500", "html", "html-404", "truncated", "not-a-status"],
)
async def test_unusable_answer_is_an_upstream_failure(answer: Answer) -> None:
    """5xx, non-JSON (bare 404 pages too), truncated or odd answers are upstream failures."""
    observation, _ = await observe(GARGRON, {GARGRON_API: answer})
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
        (EgressNetworkError("DNS failure"), FailureKind.NETWORK),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, EgressError) else str(v),
)
@pytest.mark.parametrize(("url", "asked"), [(GARGRON, GARGRON_API), (RICH, INSTANCE)])
async def test_egress_error_becomes_its_failure(
    error: EgressError, kind: FailureKind, url: str, asked: str
) -> None:
    """Each egress error, on the status or on the host check, becomes a failure of its kind."""
    observation, _ = await observe(url, {asked: error})
    assert isinstance(observation, Failed)
    assert observation.kind is kind
    assert observation.exchanges == ()
    expected = error.retry_after if isinstance(error, EgressRateLimited) else None
    assert observation.retry_after == expected
