"""The platform emulator, spoken to over real HTTP with plain httpx: each platform's wire format,
each failure mode, edits, the control API and the request log."""

from __future__ import annotations

import json
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from archiver.emulator import EmulatorServer, World
from archiver.emulator.x import _token
from tests.emulator_fixtures import control, fetch, local_url

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
EMOJI_LINK = "🦋 Read https://example.com/a-very-long-path/with/segments/and-more.html now"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """One emulator for the module, with an extra Mastodon instance."""
    with EmulatorServer(extra_mastodon_hosts=["fosstodon.org"]) as emulator:
        yield emulator


@pytest.fixture
def world(server: EmulatorServer) -> Iterator[World]:
    """The emulator's world, emptied before each test."""
    server.world.reset()
    server.world.strict_x_token = False
    yield server.world
    server.world.reset()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client."""
    with httpx.Client(timeout=5) as http:
        yield http


def x_post(world: World, **kwargs: object) -> str:
    """Publish a typical X post (link, mention, hashtag, photo) and return its id."""
    world.add_account("x", "nytimes", "The New York Times")
    text = "Look at https://www.example.org/story/2024/long-slug-here ask @nytimes #News"
    fields: dict[str, object] = {"media": [{"type": "photo", "alt": "A cat"}], **kwargs}
    return world.add_post("x", "someone", text, name="Some One", **fields).id  # type: ignore[arg-type]


def tweet(client: httpx.Client, server: EmulatorServer, tweet_id: str) -> httpx.Response:
    """Fetch a tweet from the syndication endpoint with its real token."""
    url = f"https://cdn.syndication.twimg.com/tweet-result?id={tweet_id}&lang=en&token={_token(tweet_id)}"
    return fetch(client, server, url)


def test_overrides_parse_as_origin_pairs(server: EmulatorServer) -> None:
    """The overrides string is ORIGIN=ORIGIN pairs, one distinct loopback port per origin."""
    pairs = dict(pair.split("=", 1) for pair in server.overrides.split(","))
    for real, local in pairs.items():
        assert re.fullmatch(r"https://[a-z0-9.-]+", real)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", local)
        assert server.origin_url(real) == local
    assert len(set(pairs.values())) == len(pairs)
    assert server.control_url not in pairs.values()
    for origin in (
        "https://cdn.syndication.twimg.com",
        "https://publish.x.com",
        "https://truthsocial.com",
        "https://public.api.bsky.app",
        "https://video.bsky.app",
        "https://fosstodon.org",
    ):
        assert origin in pairs


def test_x_token_matches_the_known_pairs() -> None:
    """The private token helper reproduces the embed's tokens for the documented ids."""
    assert _token("20") == "6dq1a2xwd93"
    assert _token("1679189879086018562") == "42jbwfx3dv3"
    assert _token("1703436713362870723") == "44ni5iyte19"
    assert _token("1278000000000000000") == "33iye7o32su"


def test_x_live_tweet_has_the_syndication_shape(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """A live tweet has t.co links, code-point indices, a trailing media link and mediaDetails."""
    tweet_id = x_post(world)
    response = tweet(client, server, tweet_id)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["__typename"] == "Tweet"
    assert data["id_str"] == tweet_id
    assert ISO_MS.fullmatch(data["created_at"])
    text = data["text"]
    url = data["entities"]["urls"][0]
    assert url["expanded_url"] == "https://www.example.org/story/2024/long-slug-here"
    assert text[url["indices"][0] : url["indices"][1]] == url["url"]
    assert url["url"].startswith("https://t.co/")
    assert url["display_url"].startswith("example.org/story/")
    mention = data["entities"]["user_mentions"][0]
    assert text[mention["indices"][0] : mention["indices"][1]] == "@nytimes"
    assert mention["name"] == "The New York Times"
    assert data["entities"]["hashtags"][0]["text"] == "News"
    media = data["mediaDetails"][0]
    assert media["type"] == "photo"
    assert media["media_url_https"].startswith("https://pbs.twimg.com/media/")
    assert media["ext_alt_text"] == "A cat"
    assert text.endswith(" " + media["url"])
    assert data["display_text_range"] == [0, len(text) - len(media["url"]) - 1]
    assert data["user"]["screen_name"] == "someone"
    assert data["edit_control"]["edit_tweet_ids"] == [tweet_id]
    assert (data["isEdited"], data["isStaleEdit"]) == (False, False)


def test_x_syndication_requires_a_token_and_a_numeric_id(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Missing or empty tokens and bad ids answer 400; strict mode rejects a wrong token."""
    tweet_id = x_post(world)
    base = "https://cdn.syndication.twimg.com/tweet-result"
    assert fetch(client, server, f"{base}?id={tweet_id}").status_code == 400
    assert fetch(client, server, f"{base}?id={tweet_id}&token=").status_code == 400
    assert fetch(client, server, f"{base}?id=12a&token=x").status_code == 400
    assert fetch(client, server, f"{base}?id={'1' * 41}&token=x").status_code == 400
    assert fetch(client, server, f"{base}?id={tweet_id}&token=anything").status_code == 200
    world.strict_x_token = True
    assert fetch(client, server, f"{base}?id={tweet_id}&token=anything").status_code == 400
    assert tweet(client, server, tweet_id).status_code == 200


def test_x_deleted_tweet_is_a_non_json_404(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """A deleted (or unknown) tweet answers 404 with an HTML body."""
    tweet_id = x_post(world)
    world.delete_post("x", tweet_id)
    for wanted in (tweet_id, "1234567890"):
        response = tweet(client, server, wanted)
        assert response.status_code == 404
        assert "json" not in response.headers["content-type"]


@pytest.mark.parametrize(
    ("action", "variant", "expected"),
    [
        ("suspend", None, "This Post is from a suspended account. Learn more"),
        (
            "protect",
            None,
            "You\u2019re unable to view this Post because this account owner "
            "limits who can view their Posts. Learn more",
        ),
        (
            "withhold",
            None,
            "Age-restricted adult content. This content might not be "
            "appropriate for people under 18 years old. To view this media, "
            "you\u2019ll need to log in to Twitter. Learn more",
        ),
        (None, "tombstone_violated", "This Post violated the X Rules. Learn more"),
        (None, "tombstone_unavailable", "This Post is unavailable. Learn more"),
    ],
)
def test_x_unavailable_tweets_are_tombstones(
    server: EmulatorServer,
    world: World,
    client: httpx.Client,
    action: str | None,
    variant: str | None,
    expected: str,
) -> None:
    """Suspended, protected, withheld and rule-breaking tweets answer 200 TweetTombstone."""
    tweet_id = x_post(world)
    if action:
        world.set_account_state("x", "someone", action)
    if variant:
        world.set_variant("x", tweet_id, variant)
    response = tweet(client, server, tweet_id)
    assert response.status_code == 200
    assert response.json() == {
        "__typename": "TweetTombstone",
        "tombstone": {
            "__typename": "TextTombstone",
            "text": {"rtl": False, "text": expected, "entities": []},
        },
    }
    world.reinstate("x", "someone")
    world.set_variant("x", tweet_id, "normal")
    assert tweet(client, server, tweet_id).json()["__typename"] == "Tweet"


def test_x_empty_bare_and_userless_variants(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Variants give a bare {}, an empty tombstone and a Tweet without ``user``."""
    tweet_id = x_post(world)
    world.set_variant("x", tweet_id, "empty")
    assert tweet(client, server, tweet_id).json() == {}
    world.set_variant("x", tweet_id, "tombstone_bare")
    assert tweet(client, server, tweet_id).json() == {
        "__typename": "TweetTombstone",
        "tombstone": {},
    }
    world.set_variant("x", tweet_id, "no_user")
    data = tweet(client, server, tweet_id).json()
    assert data["__typename"] == "Tweet"
    assert "user" not in data


def test_x_edit_makes_a_new_id_and_a_stale_version(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Editing tweet A makes tweet B; both list [A, B]; A is stale with its old text."""
    first = world.add_post("x", "someone", "Frist version").id
    edited = world.edit_post("x", first, "First version")
    second = edited.id
    assert second != first
    assert edited.edit_ids == (first, second)
    old, new = tweet(client, server, first).json(), tweet(client, server, second).json()
    assert old["edit_control"]["edit_tweet_ids"] == [first, second]
    assert new["edit_control"]["edit_tweet_ids"] == [first, second]
    assert (old["text"], old["isStaleEdit"], old["isEdited"]) == ("Frist version", True, True)
    assert (new["text"], new["isStaleEdit"], new["isEdited"]) == ("First version", False, True)
    assert new["edit_control"]["edits_remaining"] == "4"
    world.delete_post("x", second)
    assert tweet(client, server, first).status_code == 404


def test_x_quote_reply_and_video(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Quotes carry quoted_tweet, replies parent and in_reply_to_*, videos their variants."""
    parent = world.add_post("x", "alice", "Original post").id
    reply = world.add_post("x", "bob", "I agree", reply_to_id=parent).id
    quote_id = world.add_post("x", "carol", "Look at this", quoted_id=parent).id
    video = world.add_post("x", "dave", "Clip", media=[{"type": "video"}]).id
    gif = world.add_post("x", "dave", "Loop", media=[{"type": "gif"}]).id
    data = tweet(client, server, reply).json()
    assert data["text"] == "@alice I agree"
    assert data["display_text_range"] == [7, 14]
    assert data["in_reply_to_screen_name"] == "alice"
    assert data["in_reply_to_status_id_str"] == parent
    assert data["parent"]["id_str"] == parent
    assert tweet(client, server, quote_id).json()["quoted_tweet"]["text"] == "Original post"
    details = tweet(client, server, video).json()["mediaDetails"][0]
    assert details["type"] == "video"
    types = [v["content_type"] for v in details["video_info"]["variants"]]
    assert types == ["application/x-mpegURL", "video/mp4", "video/mp4"]
    mp4 = fetch(client, server, details["video_info"]["variants"][2]["url"])
    assert mp4.headers["content-type"] == "video/mp4"
    assert mp4.content[4:8] == b"ftyp"
    playlist = fetch(client, server, details["video_info"]["variants"][0]["url"])
    assert playlist.text.startswith("#EXTM3U")
    assert tweet(client, server, gif).json()["mediaDetails"][0]["type"] == "animated_gif"


def test_x_oembed_and_embed_document(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """oEmbed answers the blockquote (403 protected, 404 deleted); Tweet.html is a card."""
    tweet_id = x_post(world)
    url = quote(f"https://x.com/someone/status/{tweet_id}", safe="")
    for host in ("publish.twitter.com", "publish.x.com"):
        data = fetch(client, server, f"https://{host}/oembed?url={url}&dnt=1").json()
        assert data["url"] == f"https://twitter.com/someone/status/{tweet_id}"
        assert data["provider_name"] == "Twitter"
        assert data["html"].startswith('<blockquote class="twitter-tweet" data-dnt="true">')
        assert "&mdash; Some One (@someone)" in data["html"]
        assert ">pic.twitter.com/" in data["html"]
    page = fetch(client, server, f"https://platform.twitter.com/embed/Tweet.html?id={tweet_id}")
    assert page.status_code == 200
    assert "Some One" in page.text
    world.protect("x", "someone")
    protected = fetch(client, server, f"https://publish.x.com/oembed?url={url}")
    assert protected.status_code == 403
    assert protected.json()["error"] == "Sorry, you are not authorized to see this status."
    world.reinstate("x", "someone")
    world.delete_post("x", tweet_id)
    assert fetch(client, server, f"https://publish.x.com/oembed?url={url}").status_code == 404


def test_media_files_are_valid_and_deterministic(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Photos are real JPEGs (PNG on request), the same bytes each time; unknown media 404."""
    tweet_id = x_post(world)
    photo = tweet(client, server, tweet_id).json()["mediaDetails"][0]["media_url_https"]
    first, again = fetch(client, server, photo), fetch(client, server, photo + "?name=small")
    assert first.headers["content-type"] == "image/jpeg"
    assert first.content[:3] == b"\xff\xd8\xff"
    assert first.content.endswith(b"\xff\xd9")
    assert first.content == again.content
    png = fetch(client, server, photo.removesuffix(".jpg") + "?format=png&name=orig").content
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    idat_length = struct.unpack(">I", png[33:37])[0]
    assert len(zlib.decompress(png[41 : 41 + idat_length])) == height * (1 + 3 * width)
    missing = fetch(client, server, "https://pbs.twimg.com/media/NoSuchMedia.jpg")
    assert missing.status_code == 404


def test_mastodon_status_has_html_content_and_entities(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """A status renders HTML entities, paragraphs, split links, hashtags, media and a card."""
    text = (
        "Tom & Jerry's <b>best</b>\nline two\n\n"
        "https://www.theguardian.com/money/2019/dec/07/i-lost-my-inheritance #Archiving"
    )
    info = world.add_post("mastodon", "gargron", text, name="Eugen")
    with_photo = world.add_post("mastodon", "gargron", "Pic", media=[{"type": "image"}])
    data = fetch(client, server, info.api_url).json()
    assert data["id"] == info.id
    assert data["url"] == f"https://mastodon.social/@gargron/{info.id}"
    assert data["edited_at"] is None
    assert data["content"].startswith(
        "<p>Tom &amp; Jerry&#39;s &lt;b&gt;best&lt;/b&gt;<br />line two</p><p><a href="
    )
    assert '<span class="invisible">https://www.</span>' in data["content"]
    assert '<span class="ellipsis">theguardian.com/money/2019/dec</span>' in data["content"]
    assert '<span class="invisible">/07/i-lost-my-inheritance</span>' in data["content"]
    assert 'class="mention hashtag" rel="tag">#<span>Archiving</span></a>' in data["content"]
    assert data["tags"] == [{"name": "archiving", "url": "https://mastodon.social/tags/archiving"}]
    assert data["account"]["username"] == "gargron"
    assert data["card"]["url"].startswith("https://www.theguardian.com/")
    attachment = fetch(client, server, with_photo.api_url).json()["media_attachments"][0]
    assert attachment["url"].startswith("https://files.mastodon.social/media_attachments/")
    assert fetch(client, server, attachment["url"]).headers["content-type"] == "image/png"


def test_mastodon_edit_sets_edited_at_and_history(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """An edit keeps the id, sets edited_at and adds to /history (oldest first)."""
    info = world.add_post("mastodon", "gargron", "Helo world")
    history_url = info.api_url + "/history"
    assert len(fetch(client, server, history_url).json()) == 1
    edited = world.edit_post("mastodon", info.id, "Hello world")
    assert edited.id == info.id
    data = fetch(client, server, info.api_url).json()
    assert ISO_MS.fullmatch(data["edited_at"])
    assert data["content"] == "<p>Hello world</p>"
    history = fetch(client, server, history_url).json()
    assert [entry["content"] for entry in history] == ["<p>Helo world</p>", "<p>Hello world</p>"]
    assert history[0]["created_at"] == data["created_at"]
    assert history[1]["created_at"] == data["edited_at"]


def test_mastodon_gone_signals(server: EmulatorServer, world: World, client: httpx.Client) -> None:
    """Deleted, private and suspended-author statuses 404; pages 410/403; lookup tells."""
    deleted = world.add_post("mastodon", "alice", "gone soon")
    private = world.add_post("mastodon", "alice", "followers only")
    spam = world.add_post("mastodon", "spammer", "buy now")
    world.delete_post("mastodon", deleted.id)
    world.set_variant("mastodon", private.id, "private")
    world.suspend("mastodon", "spammer")
    for info in (deleted, private, spam):
        response = fetch(client, server, info.api_url)
        assert (response.status_code, response.json()) == (404, {"error": "Record not found"})
    assert fetch(client, server, spam.url).status_code == 410
    lookup = "https://mastodon.social/api/v1/accounts/lookup?acct="
    assert fetch(client, server, lookup + "spammer").json()["suspended"] is True
    assert fetch(client, server, lookup + "alice").json()["username"] == "alice"
    assert fetch(client, server, lookup + "nobody").status_code == 404
    world.takedown("mastodon", "spammer")
    assert fetch(client, server, lookup + "spammer").status_code == 404
    world.withhold("mastodon", "spammer")
    assert fetch(client, server, spam.url).status_code == 403
    world.reinstate("mastodon", "spammer")
    assert fetch(client, server, spam.api_url).status_code == 200


def test_mastodon_instance_pages_and_oembed(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Instance, nodeinfo, the post page, its embed and oEmbed answer."""
    info = world.add_post("mastodon", "gargron", "Page text here")
    instance = fetch(client, server, "https://mastodon.social/api/v1/instance").json()
    assert instance["uri"] == "mastodon.social"
    links = fetch(client, server, "https://mastodon.social/.well-known/nodeinfo").json()
    assert links["links"][0]["href"] == "https://mastodon.social/nodeinfo/2.0"
    nodeinfo = fetch(client, server, "https://mastodon.social/nodeinfo/2.0").json()
    assert nodeinfo["software"]["name"] == "mastodon"
    page = fetch(client, server, info.url)
    assert page.headers["content-type"].startswith("text/html")
    assert "Page text here" in page.text
    assert "Page text here" in fetch(client, server, info.url + "/embed").text
    oembed_url = "https://mastodon.social/api/oembed?url=" + quote(info.url, safe="")
    oembed = fetch(client, server, oembed_url).json()
    assert f'src="{info.url}/embed"' in oembed["html"]


def test_truth_social_extras(server: EmulatorServer, world: World, client: httpx.Client) -> None:
    """Truth Social statuses carry quote_id, quote, in_reply_to, group, sponsored and more."""
    world.add_account("truthsocial", "bbcnewa", "BBC News", verified=True, location="London")
    first = world.add_post("truthsocial", "bbcnewa", "Pele has died at 82.")
    media = [{"type": "image"}]
    second = world.add_post(
        "truthsocial", "bbcnewa", "Follow-up", quoted_id=first.id, reply_to_id=first.id, media=media
    )
    assert second.url == f"https://truthsocial.com/@bbcnewa/posts/{second.id}"
    data = fetch(client, server, second.api_url).json()
    assert data["quote_id"] == first.id
    assert data["quote"]["id"] == first.id
    assert data["in_reply_to"]["id"] == first.id
    assert (data["group"], data["sponsored"]) == (None, False)
    assert data["account"]["verified"] is True
    assert data["account"]["location"] == "London"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data["account"]["last_status_at"])
    photo = data["media_attachments"][0]["url"]
    assert photo.startswith("https://static-assets-1.truthsocial.com/")
    assert fetch(client, server, photo).content[:2] == b"\xff\xd8"
    assert fetch(client, server, second.url).status_code == 200


def test_extra_mastodon_host_serves_its_own_media(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """An extra instance answers the API and serves media under /system/."""
    info = world.add_post(
        "mastodon", "rustnl", "Hi", host="fosstodon.org", media=[{"type": "image"}]
    )
    data = fetch(client, server, info.api_url).json()
    assert data["url"] == f"https://fosstodon.org/@rustnl/{info.id}"
    photo = data["media_attachments"][0]["url"]
    assert photo.startswith("https://fosstodon.org/system/")
    assert fetch(client, server, photo).status_code == 200
    assert (
        fetch(client, server, f"https://mastodon.social/api/v1/statuses/{info.id}").status_code
        == 404
    )


def test_bluesky_thread_has_byte_offset_facets(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """An emoji before a link: shortened link text, facets at UTF-8 byte offsets, an image."""
    info = world.add_post("bluesky", "alice.bsky.social", EMOJI_LINK, media=[{"type": "image"}])
    data = fetch(client, server, info.api_url).json()
    thread = data["thread"]
    assert thread["$type"] == "app.bsky.feed.defs#threadViewPost"
    post = thread["post"]
    assert post["uri"] == f"at://{info.did}/app.bsky.feed.post/{info.id}"
    assert post["cid"].startswith("bafyrei")
    assert post["author"]["handle"] == "alice.bsky.social"
    record = post["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == "🦋 Read example.com/a-very-long-pat... now"
    facet = record["facets"][0]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert (start, end) == (10, 40)
    assert record["text"].encode()[start:end].decode() == "example.com/a-very-long-pat..."
    assert facet["features"] == [
        {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://example.com/a-very-long-path/with/segments/and-more.html",
        }
    ]
    image = post["embed"]["images"][0]
    assert post["embed"]["$type"] == "app.bsky.embed.images#view"
    assert image["fullsize"].startswith(f"https://cdn.bsky.app/img/feed_fullsize/plain/{info.did}/")
    assert fetch(client, server, image["fullsize"]).content[:2] == b"\xff\xd8"
    assert fetch(client, server, image["thumb"]).status_code == 200
    for key in ("replyCount", "repostCount", "likeCount", "quoteCount"):
        assert post[key] == 0
    assert ISO_MS.fullmatch(post["indexedAt"])


def test_bluesky_handles_dids_and_profiles(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Handle and DID authorities name the same post; handles resolve; unknown ones do not."""
    info = world.add_post("bluesky", "alice.bsky.social", "hello")
    api = "https://public.api.bsky.app/xrpc/"
    by_handle = f"at://alice.bsky.social/app.bsky.feed.post/{info.id}"
    thread = fetch(client, server, f"{api}app.bsky.feed.getPostThread", params={"uri": by_handle})
    assert thread.json()["thread"]["post"]["uri"] == info.uri
    resolved = fetch(
        client, server, f"{api}com.atproto.identity.resolveHandle?handle=alice.bsky.social"
    )
    assert resolved.json() == {"did": info.did}
    unknown = fetch(client, server, f"{api}com.atproto.identity.resolveHandle?handle=no.one.test")
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"error": "InvalidRequest", "message": "Unable to resolve handle"},
    )
    profile = fetch(client, server, f"{api}app.bsky.actor.getProfile?actor={info.did}").json()
    assert (profile["handle"], profile["postsCount"]) == ("alice.bsky.social", 1)


def test_bluesky_gone_signals(server: EmulatorServer, world: World, client: httpx.Client) -> None:
    """Deleted posts 400 NotFound; takedowns AccountTakedown; notFound/blocked thread types."""
    info = world.add_post("bluesky", "alice.bsky.social", "hello")
    api = "https://public.api.bsky.app/xrpc/"
    world.set_variant("bluesky", info.id, "not_found_post")
    assert fetch(client, server, info.api_url).json()["thread"] == {
        "$type": "app.bsky.feed.defs#notFoundPost",
        "uri": info.uri,
        "notFound": True,
    }
    world.set_variant("bluesky", info.id, "blocked")
    blocked = fetch(client, server, info.api_url).json()["thread"]
    assert (blocked["$type"], blocked["blocked"]) == ("app.bsky.feed.defs#blockedPost", True)
    world.set_variant("bluesky", info.id, "normal")
    world.takedown("bluesky", "alice.bsky.social")
    profile = fetch(client, server, f"{api}app.bsky.actor.getProfile?actor=alice.bsky.social")
    assert (profile.status_code, profile.json()) == (
        400,
        {"error": "AccountTakedown", "message": "Account has been suspended"},
    )
    world.reinstate("bluesky", "alice.bsky.social")
    world.delete_post("bluesky", info.id)
    response = fetch(client, server, info.api_url)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "NotFound", "message": f"Post not found: {info.uri}"},
    )


def test_bluesky_quotes_video_and_embeds(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Quotes hydrate as record#view (viewNotFound once gone); video plays; embeds answer."""
    quoted = world.add_post("bluesky", "alice.bsky.social", "original")
    info = world.add_post("bluesky", "bob.bsky.social", "quoting", quoted_id=quoted.id)
    clip = world.add_post("bluesky", "bob.bsky.social", "clip", media=[{"type": "video"}])
    embed = fetch(client, server, info.api_url).json()["thread"]["post"]["embed"]
    assert embed["$type"] == "app.bsky.embed.record#view"
    assert embed["record"]["value"]["text"] == "original"
    video = fetch(client, server, clip.api_url).json()["thread"]["post"]["embed"]
    assert video["$type"] == "app.bsky.embed.video#view"
    assert fetch(client, server, video["playlist"]).text.startswith("#EXTM3U")
    page = fetch(
        client, server, f"https://embed.bsky.app/embed/{info.did}/app.bsky.feed.post/{info.id}"
    )
    assert "quoting" in page.text
    oembed = fetch(client, server, "https://embed.bsky.app/oembed?url=" + quote(info.url, safe=""))
    assert f'data-bluesky-uri="{info.uri}"' in oembed.json()["html"]
    world.protect("bluesky", "bob.bsky.social")
    assert (
        fetch(
            client, server, "https://embed.bsky.app/oembed?url=" + quote(info.url, safe="")
        ).status_code
        == 403
    )
    labels = fetch(client, server, info.api_url).json()["thread"]["post"]["author"]["labels"]
    assert labels[0]["val"] == "!no-unauthenticated"
    world.delete_post("bluesky", quoted.id)
    gone = fetch(client, server, info.api_url).json()["thread"]["post"]["embed"]["record"]
    assert gone == {
        "$type": "app.bsky.embed.record#viewNotFound",
        "uri": quoted.uri,
        "notFound": True,
    }


def test_rate_limits_speak_each_platform(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """429s carry each platform's body and headers, and end after ``count`` requests."""
    x_id = x_post(world)
    status = world.add_post("mastodon", "gargron", "hi")
    skeet = world.add_post("bluesky", "alice.bsky.social", "hi")
    for origin in (
        "https://cdn.syndication.twimg.com",
        "https://mastodon.social",
        "https://public.api.bsky.app",
    ):
        world.add_failure("rate_limit", origin=origin, count=1, retry_after_seconds=120)
    limited = tweet(client, server, x_id)
    assert limited.status_code == 429
    assert limited.json() == {"errors": [{"message": "Rate limit exceeded", "code": 88}]}
    assert int(limited.headers["x-rate-limit-reset"]) > time.time() + 100
    mastodon = fetch(client, server, status.api_url)
    assert (mastodon.status_code, mastodon.json()) == (429, {"error": "Too many requests"})
    assert mastodon.headers["X-RateLimit-Remaining"] == "0"
    reset = datetime.fromisoformat(mastodon.headers["X-RateLimit-Reset"])
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", mastodon.headers["X-RateLimit-Reset"]
    )
    assert reset > datetime.now(UTC)
    bluesky = fetch(client, server, skeet.api_url)
    assert (bluesky.status_code, bluesky.json()["error"]) == (429, "RateLimitExceeded")
    assert int(bluesky.headers["RateLimit-Reset"]) > time.time() + 100
    assert tweet(client, server, x_id).status_code == 200
    assert fetch(client, server, status.api_url).status_code == 200
    assert fetch(client, server, skeet.api_url).status_code == 200


def test_errors_truncation_garbage_and_auth(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """error, truncated, non_json and auth_required answer as the platforms would."""
    status = world.add_post("mastodon", "gargron", "hi there, a longer status")
    world.add_failure("error", origin="https://mastodon.social", status=503, count=1)
    world.add_failure("error", origin="https://mastodon.social", status=502, count=1)
    world.add_failure("truncated", origin="https://mastodon.social", count=1)
    world.add_failure("non_json", origin="https://mastodon.social", count=1)
    world.add_failure("auth_required", origin="https://mastodon.social", count=1)
    first = fetch(client, server, status.api_url)
    assert (first.status_code, first.json()) == (503, {"error": "Remote data could not be fetched"})
    assert fetch(client, server, status.api_url).status_code == 502
    cut = fetch(client, server, status.api_url)
    assert cut.status_code == 200
    assert cut.headers["content-type"].startswith("application/json")
    assert int(cut.headers["content-length"]) == len(cut.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    garbage = fetch(client, server, status.api_url)
    assert (garbage.status_code, garbage.headers["content-type"][:9]) == (200, "text/html")
    auth = fetch(client, server, status.api_url)
    assert (auth.status_code, auth.json()) == (
        401,
        {"error": "This API requires an authenticated user"},
    )
    assert fetch(client, server, status.api_url).status_code == 200


def test_a_post_failure_hits_only_that_post(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """A failure mode set on one post leaves the origin's other posts alone."""
    broken, fine = world.add_post("mastodon", "a", "one"), world.add_post("mastodon", "a", "two")
    world.add_failure("error", platform="mastodon", post_id=broken.id, status=500)
    assert fetch(client, server, broken.api_url).status_code == 500
    assert fetch(client, server, broken.url).status_code == 500
    assert fetch(client, server, fine.api_url).status_code == 200
    world.clear_failures()
    assert fetch(client, server, broken.api_url).status_code == 200


def test_hang_delays_the_answer(server: EmulatorServer, world: World, client: httpx.Client) -> None:
    """A hang outlasts a short client timeout, and a short hang answers late."""
    tweet_id = x_post(world)
    world.add_failure("hang", platform="x", post_id=tweet_id, seconds=0.8, count=1)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get(local_url(server, _syndication(tweet_id)), timeout=0.3)
    assert time.monotonic() - started >= 0.3
    world.add_failure("hang", platform="x", post_id=tweet_id, seconds=0.3, count=1)
    started = time.monotonic()
    late = client.get(local_url(server, _syndication(tweet_id)), timeout=3)
    assert late.status_code == 200
    assert time.monotonic() - started >= 0.3


def _syndication(tweet_id: str) -> str:
    """The real syndication URL of a tweet."""
    return f"https://cdn.syndication.twimg.com/tweet-result?id={tweet_id}&lang=en&token={_token(tweet_id)}"


def test_control_api_over_http(server: EmulatorServer, world: World, client: httpx.Client) -> None:
    """Posts, edits, deletions, account states and failures can be driven over HTTP."""
    created = control(
        client,
        server,
        "POST",
        "/control/posts",
        json={"platform": "x", "handle": "someone", "name": "Some One", "text": "hello"},
    )
    assert created.status_code == 201
    post = created.json()
    assert post["url"] == f"https://x.com/someone/status/{post['id']}"
    edited = control(
        client, server, "POST", f"/control/posts/x/{post['id']}/edit", json={"text": "hi"}
    )
    new_id = edited.json()["id"]
    assert edited.json()["edit_ids"] == [post["id"], new_id]
    assert tweet(client, server, new_id).json()["text"] == "hi"
    skeet = control(
        client,
        server,
        "POST",
        "/control/posts",
        json={"platform": "bluesky", "handle": "alice.bsky.social", "text": "hey"},
    ).json()
    assert skeet["did"].startswith("did:plc:")
    assert skeet["url"] == f"https://bsky.app/profile/alice.bsky.social/post/{skeet['id']}"
    truth = control(
        client,
        server,
        "POST",
        "/control/posts",
        json={"platform": "truthsocial", "handle": "someone", "text": "truth"},
    ).json()
    assert truth["url"].startswith("https://truthsocial.com/@someone/posts/")
    state = control(client, server, "POST", "/control/accounts/x/someone/suspend").json()
    assert state["state"] == "suspended"
    assert tweet(client, server, new_id).json()["__typename"] == "TweetTombstone"
    control(client, server, "POST", "/control/accounts/x/someone/reinstate")
    failure = control(
        client,
        server,
        "POST",
        "/control/failures",
        json={"mode": "error", "origin": "https://truthsocial.com", "status": 500, "count": 1},
    )
    assert failure.status_code == 201
    assert len(control(client, server, "GET", "/control/failures").json()) == 1
    assert fetch(client, server, truth["api_url"]).status_code == 500
    control(client, server, "POST", f"/control/posts/truthsocial/{truth['id']}/delete")
    assert fetch(client, server, truth["api_url"]).status_code == 404
    assert control(client, server, "POST", "/control/posts/x/999/delete").status_code == 404
    bad = control(
        client, server, "POST", "/control/failures", json={"mode": "explode", "origin": "x"}
    )
    assert bad.status_code == 400
    nowhere = {"mode": "error", "origin": "https://nowhere.example"}
    unknown = control(client, server, "POST", "/control/failures", json=nowhere)
    assert unknown.json() == {"error": "https://nowhere.example is not an emulated origin"}
    assert control(client, server, "POST", "/control/reset").json() == {"ok": True}
    assert control(client, server, "GET", "/control/posts").json() == []


def test_request_log_records_what_was_fetched(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """Each request is logged with its real origin, path and query, and headers."""
    info = world.add_post("mastodon", "gargron", "hi")
    fetch(client, server, info.api_url + "?x=1", headers={"User-Agent": "ArchiverTest/1"})
    fetch(client, server, "https://cdn.bsky.app/img/nothing")
    logged = control(
        client, server, "GET", "/control/requests", params={"origin": "https://mastodon.social"}
    ).json()
    assert len(logged) == 1
    assert logged[0]["method"] == "GET"
    assert logged[0]["path"] == f"/api/v1/statuses/{info.id}?x=1"
    assert logged[0]["headers"]["user-agent"] == "ArchiverTest/1"
    assert logged[0]["local_origin"] == server.origin_url("https://mastodon.social")
    assert [r.origin for r in world.requests()] == [
        "https://mastodon.social",
        "https://cdn.bsky.app",
    ]
    control(client, server, "DELETE", "/control/requests")
    assert world.requests() == []


def test_seed_demo_posts_all_answer(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """The demo posts exist on every platform and their API URLs answer 200."""
    posts = control(client, server, "POST", "/control/seed-demo").json()
    platforms = {post["platform"] for post in posts.values()}
    assert platforms == {
        "x", "mastodon", "truthsocial", "bluesky", "threads", "reddit", "telegram", "youtube", "web"
    }  # fmt: skip
    for post in posts.values():
        assert fetch(client, server, post["api_url"]).status_code == 200
    emoji = fetch(client, server, posts["bluesky_emoji_link"]["api_url"]).json()
    assert emoji["thread"]["post"]["record"]["facets"][0]["index"]["byteStart"] > 0


def test_reddit_listing_has_reddits_shape_and_gates(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """A Reddit listing is two Listings with the t3 submission; raw_json keeps text
    unescaped; adult and gated subreddits need their cookies; closed ones answer their JSON
    errors, unknown ids a plain JSON 404."""
    made = world.add_post("reddit", "citydesk", "A & B <c>\n\nBody *here*", community="news")
    raw = fetch(client, server, made.api_url)
    assert raw.headers["content-type"].startswith("application/json")
    first, comments = raw.json()
    assert (first["kind"], comments["data"]["children"]) == ("Listing", [])
    [child] = first["data"]["children"]
    data = child["data"]
    assert child["kind"] == "t3"
    assert (data["id"], data["name"], data["subreddit"]) == (made.id, f"t3_{made.id}", "news")
    assert (data["title"], data["selftext"]) == ("A & B <c>", "Body *here*")
    assert "<em>here</em>" in data["selftext_html"]
    assert data["permalink"] == made.url.removeprefix("https://www.reddit.com")
    assert isinstance(data["created_utc"], float) and data["edited"] is False
    escaped = fetch(client, server, made.api_url.replace("?raw_json=1", "")).json()
    assert escaped[0]["data"]["children"][0]["data"]["title"] == "A &amp; B &lt;c&gt;"
    world.set_variant("reddit", made.id, "nsfw")
    walled = fetch(client, server, made.api_url)
    assert walled.status_code == 302
    assert walled.headers["location"].startswith("/over18?dest=https%3A%2F%2Fwww.reddit.com")
    assert fetch(client, server, made.api_url, headers={"Cookie": "over18=1"}).status_code == 200
    world.set_variant("reddit", made.id, "gated")
    assert fetch(client, server, made.api_url).json()["reason"] == "gated"
    for variant, status, reason in (
        ("private_sub", 403, "private"),
        ("quarantined", 403, "quarantined"),
        ("banned_sub", 404, "banned"),
    ):
        world.set_variant("reddit", made.id, variant)
        closed = fetch(client, server, made.api_url)
        assert (closed.status_code, closed.json()["reason"]) == (status, reason)
    world.set_variant("reddit", made.id, "removed_moderator")
    removed = fetch(client, server, made.api_url).json()[0]["data"]["children"][0]["data"]
    assert (removed["selftext"], removed["removed_by_category"]) == ("[removed]", "moderator")
    missing = fetch(client, server, "https://www.reddit.com/comments/zzzzzzz/.json")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found", "error": 404})
    world.add_failure("rate_limit", origin="https://www.reddit.com", count=1)
    limited = fetch(client, server, made.api_url)
    assert limited.status_code == 429
    assert limited.headers["x-ratelimit-remaining"] == "0"


def test_telegram_widget_shows_the_message_or_post_not_found(
    server: EmulatorServer, world: World, client: httpx.Client
) -> None:
    """The t.me widget carries the message with data-post, text, photo and time; a deleted
    message is the 200 "Post not found" widget; control can create both."""
    made = control(
        client,
        server,
        "POST",
        "/control/posts",
        json={
            "platform": "telegram",
            "handle": "citydesklive",
            "name": "City Desk",
            "text": "Hi & <bye>\nhttps://example.org/a",
            "media": [{"type": "photo"}],
        },
    ).json()
    assert made["url"] == f"https://t.me/citydesklive/{made['id']}"
    page = fetch(client, server, made["api_url"])
    assert page.headers["content-type"].startswith("text/html")
    body = page.text
    assert f'data-post="citydesklive/{made["id"]}"' in body
    assert "Hi &amp; &lt;bye&gt;<br/>" in body
    assert "background-image:url('https://cdn4.telesco.pe/file/" in body
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]{8}\+00:00"', body)
    assert body.rstrip().endswith("</html>")
    control(client, server, "POST", f"/control/posts/telegram/{made['id']}/delete")
    gone = fetch(client, server, made["api_url"])
    assert gone.status_code == 200
    assert '<div class="tgme_widget_message_error">Post not found</div>' in gone.text


def test_module_entry_point_prints_the_overrides() -> None:
    """``python -m archiver.emulator`` prints the overrides line and the control URL."""
    with subprocess.Popen(
        [sys.executable, "-m", "archiver.emulator", "--seed-demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first, second = process.stdout.readline(), process.stdout.readline()
            prefix = "ARCHIVER_UPSTREAM_OVERRIDES=https://cdn.syndication.twimg.com="
            assert first.startswith(prefix)
            control_url = second.split(": ", 1)[1].strip()
            assert httpx.get(control_url + "/origins", timeout=5).status_code == 200
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
