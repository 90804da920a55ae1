"""Observing X posts through the syndication endpoint (and oEmbed when it fails), over a
recorded network: live parsing, edits, every "gone" signal and every kind of failure."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

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
from archiver.platforms.x import XAdapter, oembed_url, syndication_url
from archiver.platforms.x_parse import read_tweet, tweet_text
from archiver.platforms.xtoken import syndication_token
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

LIVE_ID = "1278000000000000000"
PHOTO_ID = "1500000000000000001"
OEMBED_ID = "1679189879086018562"
NOT_FOUND = text_answer("<html><body>Not found</body></html>", 404)


async def observe(post_id: str, routes: Mapping[str, Route]) -> tuple[Observation, RecordedFetcher]:
    """Fetch ``x.com/i/status/{post_id}`` over ``routes``."""
    adapter = XAdapter(clock=clock)
    ref = adapter.match(f"https://x.com/i/status/{post_id}")
    assert ref is not None
    fetcher = RecordedFetcher(routes)
    return await adapter.fetch(ref, fetcher), fetcher


async def observe_live(post_id: str, payload: Any) -> Live:
    """Fetch a post whose syndication answer is ``payload`` and expect it live."""
    observation, _ = await observe(post_id, {syndication_url(post_id): json_answer(payload)})
    assert isinstance(observation, Live)
    return observation


@pytest.mark.parametrize(
    ("post_id", "token"),
    [
        ("20", "6dq1a2xwd93"),
        ("1679189879086018562", "42jbwfx3dv3"),
        ("1703436713362870723", "44ni5iyte19"),
        ("1278000000000000000", "33iye7o32su"),
    ],
)
def test_token_matches_the_embed_code(post_id: str, token: str) -> None:
    """The syndication token equals the one X's embed code computes for each known id."""
    assert syndication_token(post_id) == token


async def test_live_post_is_read_in_full() -> None:
    """A live post gives its text, author, time, language, counts and version ids."""
    url = f"https://cdn.syndication.twimg.com/tweet-result?id={LIVE_ID}&lang=en&token=33iye7o32su"
    observation, fetcher = await observe(LIVE_ID, {url: fixture_answer("x/tweet_live.json")})
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == fixture("x/tweet_live.json")["text"]
    assert data.post_id == LIVE_ID
    assert data.url == f"https://x.com/realDonaldTrump/status/{LIVE_ID}"
    assert data.author is not None
    assert (data.author.id, data.author.handle, data.author.name) == (
        "25073877",
        "realDonaldTrump",
        "Donald J. Trump",
    )
    assert data.posted_at == datetime(2020, 7, 1, 4, 0, tzinfo=UTC)
    assert data.lang == "en"
    assert data.metrics == {"likes": 152034, "replies": 43210}
    assert data.edit_history_ids == (LIVE_ID,)
    assert data.extra["source"] == "syndication"
    assert fetcher.asked == [url]
    assert fetcher.headers_sent[0]["Accept"] == "application/json"
    assert [e.url for e in observation.exchanges] == [url]
    assert observation.source_url == url


async def test_tco_link_expands_and_media_link_drops() -> None:
    """A t.co link reads as its full address and the trailing photo link disappears."""
    observation = await observe_live(PHOTO_ID, fixture("x/tweet_photo.json"))
    assert observation.data.text == "Look https://example.org/story"
    assert observation.data.media == (
        Media(MediaType.PHOTO, "https://pbs.twimg.com/media/GABCDEFxyz.jpg", "A cat", 1200, 800),
    )
    assert observation.data.metrics == {"likes": 3, "replies": 0}


async def test_media_link_drops_without_a_display_range() -> None:
    """Without ``display_text_range`` the trailing media link is still dropped."""
    payload = fixture("x/tweet_photo.json")
    del payload["display_text_range"]
    observation = await observe_live(PHOTO_ID, payload)
    assert observation.data.text == "Look https://example.org/story"


async def test_video_takes_the_best_mp4_and_gif_is_kept() -> None:
    """A video gives its highest-bitrate MP4 with its poster; an animated GIF is a GIF."""
    observation = await observe_live("1500000000000000002", fixture("x/tweet_video.json"))
    assert observation.data.text == "Watch this"
    assert observation.data.media == (
        Media(
            MediaType.VIDEO,
            "https://video.twimg.com/amplify_video/1/vid/1280x720/high.mp4",
            None,
            1920,
            1080,
            "https://pbs.twimg.com/amplify_video_thumb/1/img/poster.jpg",
        ),
        Media(
            MediaType.GIF,
            "https://video.twimg.com/tweet_video/GiF.mp4",
            "A dancing cat",
            498,
            280,
            "https://pbs.twimg.com/tweet_video_thumb/GiF.jpg",
        ),
    )


async def test_quote_and_reply_are_linked() -> None:
    """A reply names its parent and a quote its quoted post; leading mentions are cut."""
    observation = await observe_live("1500000000000000003", fixture("x/tweet_quote_reply.json"))
    data = observation.data
    assert data.text == "Agreed & see https://x.com/quoted_user/status/1400000000000000000"
    assert data.quoted_post == LinkedPost(
        "1400000000000000000",
        "https://x.com/quoted_user/status/1400000000000000000",
        "quoted_user",
        "Original words https://example.net/original",
    )
    assert data.reply_to == LinkedPost(
        "1499999999999999999",
        "https://x.com/someone/status/1499999999999999999",
        "someone",
        "Is this a good idea?",
    )


def test_escaped_text_is_cut_where_its_indices_point() -> None:
    """When the entity indices count escaped text, the cut follows them before unescaping."""
    tweet = fixture("x/tweet_quote_reply.json")
    shift = len("&amp;") - 1
    tweet["display_text_range"][1] += shift
    tweet["entities"]["urls"][0]["indices"] = [
        i + shift for i in tweet["entities"]["urls"][0]["indices"]
    ]
    assert tweet_text(tweet) == "Agreed & see https://x.com/quoted_user/status/1400000000000000000"


async def test_long_post_prefers_the_note_text() -> None:
    """A long post reads as its full note text, links expanded."""
    observation = await observe_live("1700000000000000002", fixture("x/tweet_long.json"))
    assert observation.data.text == "This is a long post. " * 15 + "Link: https://example.org/long"
    assert "truncated" not in observation.data.extra


async def test_long_post_without_note_text_is_marked_truncated() -> None:
    """A long post whose note text is missing keeps the short text and says it is truncated."""
    payload = fixture("x/tweet_long.json")
    payload["note_tweet"] = {"id": "Tm90ZVR3ZWV0OjE3MDA="}
    observation = await observe_live("1700000000000000002", payload)
    assert observation.data.text.endswith("…")
    assert observation.data.extra["truncated"] is True


async def test_post_without_user_does_not_crash() -> None:
    """A payload without ``user`` gives a post with no author and an ``/i/status/`` URL."""
    observation = await observe_live("1700000000000000001", fixture("x/tweet_no_user.json"))
    assert observation.data.author is None
    assert observation.data.text == "No author here"
    assert observation.data.url == "https://x.com/i/status/1700000000000000001"


async def test_stale_edit_fetches_the_newest_version() -> None:
    """An older version's id brings the newest version, with both exchanges kept."""
    old, new = "1600000000000000001", "1600000000000000099"
    routes: dict[str, Route] = {
        syndication_url(old): fixture_answer("x/tweet_edit_old.json"),
        syndication_url(new): fixture_answer("x/tweet_edit_latest.json"),
    }
    observation, fetcher = await observe(old, routes)
    assert isinstance(observation, Live)
    assert observation.data.post_id == new
    assert observation.data.text == "Hello world"
    assert observation.data.edit_history_ids == (old, new)
    assert observation.data.extra["requested_id"] == old
    assert observation.data.extra["is_stale_edit"] is True
    assert [e.url for e in observation.exchanges] == [syndication_url(old), syndication_url(new)]
    assert observation.source_url == syndication_url(new)
    assert fetcher.asked == [syndication_url(old), syndication_url(new)]


async def test_stale_edit_keeps_the_old_version_when_the_newest_fails() -> None:
    """When the newest version cannot be read, the version asked for stands, marked stale."""
    old, new = "1600000000000000001", "1600000000000000099"
    routes: dict[str, Route] = {
        syndication_url(old): fixture_answer("x/tweet_edit_old.json"),
        syndication_url(new): text_answer("oops", 500),
    }
    observation, _ = await observe(old, routes)
    assert isinstance(observation, Live)
    assert observation.data.post_id == old
    assert observation.data.text == "Helo world"
    assert observation.data.extra["latest_id"] == new
    assert "500" in observation.data.extra["latest_unreadable"]
    assert len(observation.exchanges) == 2


async def test_http_404_means_deleted() -> None:
    """A 404 from the syndication endpoint is a deletion, and oEmbed is not asked."""
    observation, fetcher = await observe(LIVE_ID, {syndication_url(LIVE_ID): NOT_FOUND})
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.DELETED
    assert "404" in observation.evidence
    assert len(observation.exchanges) == 1
    assert fetcher.asked == [syndication_url(LIVE_ID)]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("deleted", PostStatus.DELETED),
        ("suspended", PostStatus.SUSPENDED),
        ("no_longer_exists", PostStatus.UNAVAILABLE),
        ("protected", PostStatus.PROTECTED),
        ("unavailable", PostStatus.UNAVAILABLE),
        ("rules", PostStatus.UNAVAILABLE),
        ("age_restricted", PostStatus.WITHHELD),
        ("withheld", PostStatus.WITHHELD),
        ("empty_tombstone", PostStatus.UNAVAILABLE),
        ("bare_tombstone", PostStatus.UNAVAILABLE),
    ],
)
async def test_tombstone_says_why(case: str, reason: PostStatus) -> None:
    """Each tombstone maps to its status, with its text (minus "Learn more") as evidence."""
    body = fixture("x/tombstones.json")[case]
    observation, fetcher = await observe(LIVE_ID, {syndication_url(LIVE_ID): json_answer(body)})
    assert isinstance(observation, Gone)
    assert observation.reason is reason
    assert "Learn more" not in observation.evidence
    said = body.get("tombstone", {}).get("text", {}).get("text")
    if said:
        assert said.removesuffix(" Learn more") in observation.evidence
    assert fetcher.asked == [syndication_url(LIVE_ID)]


async def test_empty_object_means_unavailable() -> None:
    """An empty JSON object is an unavailable post."""
    observation, _ = await observe(LIVE_ID, {syndication_url(LIVE_ID): json_answer({})})
    assert isinstance(observation, Gone)
    assert observation.reason is PostStatus.UNAVAILABLE
    assert observation.evidence


async def test_rate_limit_keeps_retry_time_when_oembed_fails_too() -> None:
    """A 429 is a rate limit with the platform's reset time, even after oEmbed fails."""
    reset = NOW + timedelta(minutes=15)
    routes: dict[str, Route] = {
        syndication_url(LIVE_ID): json_answer(
            {"errors": [{"message": "Rate limit exceeded", "code": 88}]},
            429,
            {"x-rate-limit-reset": str(int(reset.timestamp()))},
        ),
        oembed_url(LIVE_ID): text_answer("gone", 404),
    }
    observation, _ = await observe(LIVE_ID, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.RATE_LIMITED
    assert observation.retry_after == reset
    assert [e.status for e in observation.exchanges] == [429, 404]


@pytest.mark.parametrize(
    "answer",
    [
        text_answer("Internal error", 500),
        text_answer("Service unavailable", 503),
        text_answer("<html>not json</html>", 200),
        Answer(
            200, b'{"__typename":"Tweet","text":"cut sh', (("Content-Type", "application/json"),)
        ),
        json_answer(["not", "an", "object"]),
        json_answer({"error": "something else"}),
    ],
    ids=["500", "503", "html", "truncated", "array", "unknown-object"],
)
async def test_unusable_answer_is_an_upstream_failure(answer: Answer) -> None:
    """5xx, non-JSON, truncated or unrecognised answers are upstream failures, never gone."""
    routes: dict[str, Route] = {
        syndication_url(LIVE_ID): answer,
        oembed_url(LIVE_ID): EgressNetworkError("connection reset"),
    }
    observation, fetcher = await observe(LIVE_ID, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert len(observation.exchanges) == 1
    assert fetcher.asked == [syndication_url(LIVE_ID), oembed_url(LIVE_ID)]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (EgressTimeout("deadline"), FailureKind.TIMEOUT),
        (EgressTooLarge("too big"), FailureKind.TOO_LARGE),
        (EgressRefused("private address"), FailureKind.REFUSED),
        (EgressRateLimited("backing off", NOW + timedelta(hours=1)), FailureKind.RATE_LIMITED),
        (EgressNetworkError("TLS failure"), FailureKind.NETWORK),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, EgressError) else str(v),
)
async def test_egress_error_becomes_its_failure(error: EgressError, kind: FailureKind) -> None:
    """Each egress error becomes a failure of its own kind, retry time included."""
    routes: dict[str, Route] = {
        syndication_url(LIVE_ID): error,
        oembed_url(LIVE_ID): EgressTimeout("deadline"),
    }
    observation, _ = await observe(LIVE_ID, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is kind
    assert observation.exchanges == ()
    expected = error.retry_after if isinstance(error, EgressRateLimited) else None
    assert observation.retry_after == expected


async def test_oembed_stands_in_when_syndication_fails() -> None:
    """When the syndication endpoint fails, the oEmbed answer gives the post."""
    routes: dict[str, Route] = {
        syndication_url(OEMBED_ID): text_answer("Service unavailable", 503),
        oembed_url(OEMBED_ID): fixture_answer("x/oembed.json"),
    }
    observation, fetcher = await observe(OEMBED_ID, routes)
    assert isinstance(observation, Live)
    data = observation.data
    assert data.text == (
        "We\u2019re a full-service digital agency & more. Learn more about our services "
        "here:https://t.co/8zZ5zP1Oyc"
    )
    assert data.author is not None
    assert (data.author.handle, data.author.name) == ("alleyco", "Alley")
    assert data.url == f"https://x.com/alleyco/status/{OEMBED_ID}"
    assert data.extra["source"] == "oembed"
    assert data.extra["date_text"] == "July 12, 2023"
    assert [e.status for e in observation.exchanges] == [503, 200]
    assert observation.source_url == oembed_url(OEMBED_ID)
    assert fetcher.asked[1] == (
        f"https://publish.twitter.com/oembed?url=https://twitter.com/i/status/{OEMBED_ID}"
        "&omit_script=1&dnt=true"
    )


async def test_unreadable_oembed_leaves_the_first_failure() -> None:
    """An oEmbed answer that is not JSON leaves the syndication failure, both exchanges kept."""
    routes: dict[str, Route] = {
        syndication_url(OEMBED_ID): text_answer("Bad gateway", 502),
        oembed_url(OEMBED_ID): text_answer("<html>login</html>", 200),
    }
    observation, _ = await observe(OEMBED_ID, routes)
    assert isinstance(observation, Failed)
    assert observation.kind is FailureKind.UPSTREAM
    assert "502" in observation.detail
    assert [e.status for e in observation.exchanges] == [502, 200]


def test_graphql_unavailable_reasons_are_read() -> None:
    """GraphQL-style ``TweetUnavailable`` answers say protected or age-gated."""
    protected = read_tweet({"__typename": "TweetUnavailable", "reason": "Protected"}, "1")
    nsfw = read_tweet({"__typename": "TweetUnavailable", "reason": "NsfwLoggedOut"}, "1")
    assert getattr(protected, "reason", None) is PostStatus.PROTECTED
    assert getattr(nsfw, "reason", None) is PostStatus.WITHHELD


def test_parsing_leaves_the_payload_untouched() -> None:
    """Reading a tweet does not change the payload it reads."""
    payload = fixture("x/tweet_quote_reply.json")
    before = copy.deepcopy(payload)
    read_tweet(payload, "1500000000000000003")
    assert payload == before
