"""The contract every platform adapter keeps, checked over the whole registry.

Each adapter claims its own example URLs and no other adapter's, canonicalises idempotently,
gives every URL form of one post the same key, refuses non-post URLs and never raises. The
generic web adapter, last, takes every public http(s) URL the others leave (a social
platform's non-post URL included) and refuses what no one may fetch.
"""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from archiver.domain import Platform, PostRef
from archiver.platforms import ADAPTERS, PlatformAdapter, match_url, refusal

X_ID = "1445078208190291973"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
RKEY = "3l4omssdl632g"
THREADS_CODE = "DHV7vTivqWD"
YT = "dQw4w9WgXcQ"
REDDIT_ID = "160onpq"

EXAMPLES: dict[Platform, tuple[str, ...]] = {
    Platform.X: (
        f"https://twitter.com/jack/status/{X_ID}",
        f"https://x.com/jack/status/{X_ID}",
        f"http://www.twitter.com/jack/status/{X_ID}",
        f"https://mobile.twitter.com/jack/status/{X_ID}?s=20&t=AbCdEf",
        f"https://m.x.com/jack/statuses/{X_ID}/",
        f"https://x.com/jack/status/{X_ID}/photo/1",
        f"https://x.com/jack/status/{X_ID}/video/2#frag",
        f"https://x.com/jack/status/{X_ID}/en",
        f"https://twitter.com/jack/status/{X_ID}?ref_src=twsrc%5Etfw",
        f"https://x.com/i/web/status/{X_ID}",
        f"https://x.com/i/status/{X_ID}",
        f"https://twitter.com/statuses/{X_ID}",
        f"https://fxtwitter.com/jack/status/{X_ID}",
        f"https://d.fxtwitter.com/jack/status/{X_ID}",
        f"https://vxtwitter.com/jack/status/{X_ID}",
        f"https://fixupx.com/jack/status/{X_ID}",
        f"https://m.fixvx.com/jack/status/{X_ID}",
        f"  HTTPS://X.COM/jack/status/{X_ID}  ",
    ),
    Platform.BLUESKY: (
        f"https://bsky.app/profile/alice.bsky.social/post/{RKEY}",
        f"https://www.bsky.app/profile/Alice.Bsky.Social/post/{RKEY}/",
        f"https://main.bsky.dev/profile/alice.bsky.social/post/{RKEY}?ref=x#y",
        f"https://fxbsky.app/profile/alice.bsky.social/post/{RKEY}",
        f"https://d.fxbsky.app/profile/alice.bsky.social/post/{RKEY}",
        f"https://bsky.app/profile/{DID}/post/{RKEY}",
        f"https://bsky.app/profile/{DID.replace(':', '%3A')}/post/{RKEY}",
        "https://bsky.app/profile/did:web:de1.tentacle.expert/post/3l3vgf77uco2g",
        f"at://{DID}/app.bsky.feed.post/{RKEY}",
        f"at://alice.bsky.social/app.bsky.feed.post/{RKEY}",
    ),
    Platform.MASTODON: (
        "https://mastodon.social/@Gargron/109381419155468433",
        "https://mastodon.social/@Gargron/109381419155468433/embed",
        "https://mastodon.social/users/Gargron/statuses/109381419155468433",
        "http://Mastodon.Social:443/web/@Gargron/109381419155468433/?x=1#top",
        "https://social.treehouse.systems/web/@baylibre@fosstodon.org/108307448501709873",
        "https://hachyderm.io/@someone@mastodon.social/109381419155468433",
        "https://truthsocial.com/@realDonaldTrump/posts/113571249218069010",
        "https://truthsocial.com/@realDonaldTrump/113571249218069010",
        "https://gab.com/@user/posts/112233445566778899",
    ),
    Platform.REDDIT: (
        f"https://www.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/why_did_the/",
        f"https://reddit.com/r/AskHistorians/comments/{REDDIT_ID}/",
        f"https://old.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/why_did_the/?sort=top",
        f"https://new.reddit.com/r/AskHistorians/comments/{REDDIT_ID}",
        f"https://np.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/why_did_the/#c",
        f"https://www.reddit.com/comments/{REDDIT_ID}/",
        f"https://www.reddit.com/user/spez/comments/{REDDIT_ID}/a_profile_post/",
        f"https://www.reddit.com/u/spez/comments/{REDDIT_ID}",
        f"https://embed.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/?embed=true",
        f"https://redd.it/{REDDIT_ID}",
        f"https://redd.it/{REDDIT_ID.upper()}/",
    ),
    Platform.TELEGRAM: (
        "https://t.me/durov/43",
        "https://t.me/durov/43?single",
        "https://t.me/Durov/43?embed=1&mode=tme",
        "https://t.me/s/durov/43",
        "https://telegram.me/durov/43/",
        "https://www.t.me/durov/43#x",
        "https://t.me/bbcrussian/81230",
    ),
    Platform.THREADS: (
        f"https://www.threads.com/@zuck/post/{THREADS_CODE}",
        f"https://www.threads.com/t/{THREADS_CODE}",
        f"https://threads.com/@zuck/post/{THREADS_CODE}/",
        f"https://www.threads.net/@zuck/post/{THREADS_CODE}?xmt=AQGz&slof=1",
        f"https://threads.net/t/{THREADS_CODE}/embed/",
        f"https://www.threads.com/@Zuck/post/{THREADS_CODE}/embed#top",
        "https://www.threads.com/@some.user_1/post/C0zXcQmxO77",
    ),
    Platform.YOUTUBE: (
        f"https://www.youtube.com/watch?v={YT}",
        f"https://youtube.com/watch?feature=share&v={YT}&t=42s",
        f"https://m.youtube.com/watch?v={YT}",
        f"https://music.youtube.com/watch?v={YT}&list=RD",
        f"https://youtu.be/{YT}?si=AbCd",
        f"https://www.youtube.com/shorts/{YT}",
        f"https://www.youtube.com/embed/{YT}?start=3",
        f"https://www.youtube.com/live/{YT}/",
        f"https://www.youtube-nocookie.com/embed/{YT}",
        "https://www.youtube.com/watch?v=-_-_-_-_-_-",
    ),
    Platform.WEB: (
        "https://www.example.com/news/2024/05/river-vote.html",
        "https://Example.COM:443/news/2024/05/river-vote.html?utm_source=x&fbclid=1#comments",
        "http://example.org/",
        "https://example.org",
        "https://blog.example.net/p?id=7&utm_medium=email&page=2&mc_cid=a&mc_eid=b&gclid=c",
        "https://bücher.example/über?q=ä",
        "http://93.184.216.34:8080/status.txt",
        "https://[2606:4700:4700::1111]/dns-query",
        "https://www.nytimes.com/2024/05/01/us/politics/vote.html?smid=tw-share&igshid=x",
        # Hosts of social platforms, but no post of theirs: taken as pages.
        "https://x.com/jack",
        "https://www.reddit.com/r/AskHistorians/",
        "https://mastodon.social/@Gargron",
        "https://www.youtube.com/@u",
    ),
}

SAME_POST: list[tuple[Platform, str, tuple[str, ...]]] = [
    (
        Platform.WEB,
        "https://example.com/a/b?id=3&x=1",
        (
            "https://example.com/a/b?id=3&x=1",
            "HTTPS://EXAMPLE.COM:443/a/b?id=3&x=1",
            "https://example.com./a/b?utm_source=feed&id=3&fbclid=abc&x=1#top",
            "https://example.com/a/b?id=3&gclid=1&x=1&ref_src=twsrc&igshid=2&mc_cid=3&mc_eid=4",
        ),
    ),
    (Platform.REDDIT, REDDIT_ID, EXAMPLES[Platform.REDDIT]),
    (Platform.TELEGRAM, "durov/43", EXAMPLES[Platform.TELEGRAM][:-1]),
    (Platform.THREADS, THREADS_CODE, EXAMPLES[Platform.THREADS][:-1]),
    (Platform.YOUTUBE, YT, EXAMPLES[Platform.YOUTUBE][:-1]),
    (Platform.X, X_ID, EXAMPLES[Platform.X]),
    (
        Platform.MASTODON,
        "mastodon.social/109381419155468433",
        (
            "https://mastodon.social/@Gargron/109381419155468433",
            "https://mastodon.social/users/Gargron/statuses/109381419155468433",
            "https://mastodon.social/web/@Gargron/109381419155468433",
            "https://mastodon.social/@Gargron/109381419155468433/embed",
        ),
    ),
    (
        Platform.MASTODON,
        "truthsocial.com/113571249218069010",
        (
            "https://truthsocial.com/@realDonaldTrump/posts/113571249218069010",
            "https://truthsocial.com/@realDonaldTrump/113571249218069010",
            "https://truthsocial.com/@realDonaldTrump/113571249218069010/embed",
        ),
    ),
    (
        Platform.BLUESKY,
        f"alice.bsky.social/{RKEY}",
        (
            f"https://bsky.app/profile/alice.bsky.social/post/{RKEY}",
            f"https://bsky.app/profile/ALICE.bsky.social/post/{RKEY}",
            f"at://Alice.Bsky.Social/app.bsky.feed.post/{RKEY}",
        ),
    ),
    (
        Platform.BLUESKY,
        f"{DID}/{RKEY}",
        (
            f"https://bsky.app/profile/{DID}/post/{RKEY}",
            f"https://bsky.app/profile/{DID.replace(':', '%3A')}/post/{RKEY}",
            f"at://{DID}/app.bsky.feed.post/{RKEY}",
        ),
    ),
]

LONG_URL = "https://example.com/search?" + "&".join(f"k{n}=value{n}" for n in range(60))

EXPECTED: list[tuple[str, PostRef]] = [
    (
        "https://News.Example.com:443/a%2Fb/ü?utm_campaign=x&id=1#frag",
        PostRef(
            Platform.WEB,
            "https://news.example.com/a%2Fb/%C3%BC?id=1",
            hashlib.sha256(b"https://news.example.com/a%2Fb/%C3%BC?id=1").hexdigest()[:16],
            "https://news.example.com/a%2Fb/%C3%BC?id=1",
            host="news.example.com",
        ),
    ),
    (
        "http://example.com",
        PostRef(
            Platform.WEB,
            "http://example.com/",
            hashlib.sha256(b"http://example.com/").hexdigest()[:16],
            "http://example.com/",
            host="example.com",
        ),
    ),
    (
        LONG_URL,
        PostRef(
            Platform.WEB,
            "example.com/" + hashlib.sha256(LONG_URL.encode()).hexdigest(),
            hashlib.sha256(LONG_URL.encode()).hexdigest()[:16],
            LONG_URL,
            host="example.com",
        ),
    ),
    (
        f"https://old.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/why_did_the/?sort=top",
        PostRef(
            Platform.REDDIT,
            REDDIT_ID,
            REDDIT_ID,
            f"https://www.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/",
        ),
    ),
    (
        f"https://www.reddit.com/u/spez/comments/{REDDIT_ID}/slug",
        PostRef(
            Platform.REDDIT,
            REDDIT_ID,
            REDDIT_ID,
            f"https://www.reddit.com/user/spez/comments/{REDDIT_ID}/",
            "spez",
        ),
    ),
    (
        f"https://redd.it/{REDDIT_ID}",
        PostRef(
            Platform.REDDIT, REDDIT_ID, REDDIT_ID, f"https://www.reddit.com/comments/{REDDIT_ID}/"
        ),
    ),
    (
        "https://t.me/s/Durov/43?single",
        PostRef(Platform.TELEGRAM, "durov/43", "43", "https://t.me/Durov/43", "Durov"),
    ),
    (
        f"https://youtu.be/{YT}",
        PostRef(Platform.YOUTUBE, YT, YT, f"https://www.youtube.com/watch?v={YT}"),
    ),
    (
        f"https://threads.net/@Zuck/post/{THREADS_CODE}/embed?x=1",
        PostRef(
            Platform.THREADS,
            THREADS_CODE,
            THREADS_CODE,
            f"https://www.threads.com/@zuck/post/{THREADS_CODE}",
            "zuck",
        ),
    ),
    (
        f"https://www.threads.net/t/{THREADS_CODE}",
        PostRef(
            Platform.THREADS,
            THREADS_CODE,
            THREADS_CODE,
            f"https://www.threads.com/t/{THREADS_CODE}",
        ),
    ),
    (
        f"https://mobile.twitter.com/Jack/status/{X_ID}/photo/1?s=20",
        PostRef(Platform.X, X_ID, X_ID, f"https://x.com/Jack/status/{X_ID}", "Jack"),
    ),
    (
        f"https://x.com/i/web/status/{X_ID}",
        PostRef(Platform.X, X_ID, X_ID, f"https://x.com/i/status/{X_ID}"),
    ),
    (
        f"at://Alice.bsky.social/app.bsky.feed.post/{RKEY}",
        PostRef(
            Platform.BLUESKY,
            f"alice.bsky.social/{RKEY}",
            RKEY,
            f"https://bsky.app/profile/alice.bsky.social/post/{RKEY}",
            "alice.bsky.social",
        ),
    ),
    (
        f"https://bsky.app/profile/{DID.replace(':', '%3a')}/post/{RKEY}",
        PostRef(
            Platform.BLUESKY, f"{DID}/{RKEY}", RKEY, f"https://bsky.app/profile/{DID}/post/{RKEY}"
        ),
    ),
    (
        "https://Social.Example.org/users/Bob/statuses/42/",
        PostRef(
            Platform.MASTODON,
            "social.example.org/42",
            "42",
            "https://social.example.org/@Bob/42",
            "Bob",
            "social.example.org",
        ),
    ),
    (
        "https://other.example/web/@bob@origin.example/7",
        PostRef(
            Platform.MASTODON,
            "other.example/7",
            "7",
            "https://other.example/@bob@origin.example/7",
            "bob@origin.example",
            "other.example",
        ),
    ),
    (
        "https://truthsocial.com/@user/9",
        PostRef(
            Platform.MASTODON,
            "truthsocial.com/9",
            "9",
            "https://truthsocial.com/@user/posts/9",
            "user",
            "truthsocial.com",
        ),
    ),
    (
        "https://gab.example/@user/posts/9",
        PostRef(
            Platform.MASTODON,
            "gab.example/9",
            "9",
            "https://gab.example/@user/9",
            "user",
            "gab.example",
        ),
    ),
]

#: Not posts of any social platform, but public web pages: the web adapter takes them.
NOT_POSTS_BUT_PAGES: tuple[str, ...] = (
    "https://x.com/home",
    "https://x.com/jack",
    "https://x.com/jack/likes",
    "https://x.com/i/bookmarks",
    "https://x.com/search?q=status/123",
    "https://x.com/hashtag/status",
    f"https://x.com/i/statuses/{X_ID}",
    f"https://x.com/home/status/{X_ID}",
    "https://x.com/u/status/abc",
    f"https://x.com/u/status/{'1' * 26}",
    f"https://x.com/u/status/{X_ID}/photo/1/extra",
    f"https://t.co/abc?id={X_ID}",
    "https://t.co/abc",
    "https://x.com/@foo/123",
    "https://twitter.com/users/foo/statuses/123",
    "https://bsky.app/profile/alice.bsky.social",
    "https://bsky.app/profile/alice.bsky.social/post/",
    "https://bsky.app/profile/alice/post/3l4omssdl632g",
    "https://bsky.app/profile/did:plc:short/post/3l4omssdl632g",
    f"https://bsky.app/profile/alice.bsky.social/post/{RKEY}/likes",
    f"https://bsky.app/profile/alice.bsky.social/post/{'a' * 513}",
    "https://mastodon.social/@Gargron",
    "https://mastodon.social/@Gargron/media",
    "https://mastodon.social/@Gargron/12ab",
    f"https://mastodon.social/@Gargron/{'1' * 26}",
    "https://mastodon.social/users/Gargron/statuses/1/activity",
    "https://threads.net/@u/post/Cabc",
    "https://www.threads.net/@u/123",
    "https://threads.com/@u/123",
    f"https://www.threads.com/@zuck/post/{THREADS_CODE}/likes",
    f"https://www.threads.com/@zuck/{THREADS_CODE}",
    f"https://www.threads.com/@a/b/post/{THREADS_CODE}",
    f"https://www.threads.com/@{'u' * 31}/post/{THREADS_CODE}",
    "https://www.threads.com/t/abc!defgh",
    f"https://threads.example.com/t/{THREADS_CODE}",
    f"https://www.instagram.com/p/{THREADS_CODE}/",
    f"https://www.youtube.com/watch?v={YT}x",
    f"https://www.youtube.com/watch?v={YT}&v=aaaaaaaaaaa",
    "https://www.youtube.com/watch?list=RDdQw4w9WgXcQ",
    f"https://www.youtube.com/v={YT}",
    f"https://www.youtube.com/@u/shorts/{YT}",
    f"https://www.youtube-nocookie.com/watch?v={YT}",
    f"https://youtu.be/{YT}/extra",
    f"https://www.youtube.com/shorts/{YT}/comments",
    f"https://notyoutube.com/watch?v={YT}",
    "https://www.instagram.com/@u/123",
    "https://www.tiktok.com/@u/video/123",
    "https://www.tiktok.com/@u/123",
    "https://www.youtube.com/@u/123",
    "https://medium.com/@u/123",
    "https://www.facebook.com/@u/123",
    "https://old.reddit.com/@u/123",
    f"https://www.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/why_did_the/k0abcde/",
    f"https://www.reddit.com/r/AskHistorians/comments/{REDDIT_ID}/comment/k0abcde/",
    "https://www.reddit.com/r/AskHistorians/",
    "https://www.reddit.com/r/AskHistorians/s/AbCdEf123",
    "https://www.reddit.com/user/spez/",
    f"https://www.reddit.com/r/AskHistorians/comments/{'1' * 14}/",
    f"https://notreddit.com/r/a/comments/{REDDIT_ID}/",
    "https://redd.it/",
    f"https://i.redd.it/{REDDIT_ID}.jpg",
    "https://t.me/@u/123",
    "https://t.me/c/1234567890/43",
    "https://t.me/durov",
    "https://t.me/joinchat/43",
    "https://t.me/addstickers/43",
    "https://t.me/durov/43/44",
    "https://t.me/abc/43",
    "https://t.me/s/durov",
    "https://telegram.org/durov/43",
    "https://bsky.app/@u/123",
    "https://example.com/",
)

#: URLs no adapter takes: not http(s), no public host, or not URLs at all.
NON_POSTS: tuple[str, ...] = (
    "ftp://x.com/a/status/1",
    f"at://{DID}/app.bsky.feed.like/{RKEY}",
    f"at://{DID}",
    "https://localhost/@u/123",
    "https://[::1]/@u/123",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "mailto:jack@x.com",
    "x.com/jack/status/1445078208190291973",
    "//x.com/jack/status/1445078208190291973",
    "not a url",
    "",
    "   ",
    "x" * 5000,
    "http://localhost/x",
    "http://10.0.0.1/x",
    "http://192.168.1.1/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.1/",
    "http://2130706433/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "https://printer.local/status",
    "https://app.localhost/",
    "https://vault.corp.internal/secret",
    "https://router.home.arpa/",
    "https://intranet/wiki",
    "http://nas/",
    "https://site.invalid/",
    "http://example.onion/",
    "https://user:secret@example.com/",
    "https://@example.com/",
    "https://exa_mple.com/",
)


def _garbage() -> list[str]:
    """Strings meant to trip a careless parser, plus a seeded batch of random ones."""
    fixed = [
        "https://",
        "https://[",
        "https://[::1",
        "http://x.com:notaport/jack/status/1",
        "https://\u212aelvin.example/@u/1",
        "https://\uff58.com/jack/status/1",
        "https://a..b/@u/1",
        "https://" + "a" * 300 + ".com/@u/1",
        "https://bsky.app/profile/%ZZ/post/%",
        "at://",
        "at://did:plc:/app.bsky.feed.post/",
        "https://x.com/" + "/" * 5000,
        "https://mastodon.social/@" + "a." * 3000 + "/1",
        "https://bsky.app/profile/" + "a." * 3000 + "/post/1",
        "\x00\n\t\r",
        "\ud800",
        "🐘://🐘/@🐘/1",
        "https://bücher.example/@ü/1",
    ]
    rng = random.Random(20240601)
    alphabet = string.printable + "\u00e9\u212a\uff0f\u2024@:%/\u0000"
    fixed += ["".join(rng.choices(alphabet, k=rng.randint(0, 80))) for _ in range(300)]
    pieces = ["https://", "at://", "x.com", "bsky.app", "/", "@", "status", "post", "1", ":", "."]
    fixed += ["".join(rng.choices(pieces, k=rng.randint(1, 12))) for _ in range(300)]
    return fixed


def _adapter_id(adapter: PlatformAdapter) -> str:
    return str(adapter.platform)


EXAMPLE_CASES = [
    pytest.param(adapter, url, id=f"{adapter.platform}:{url.strip()}")
    for adapter in ADAPTERS
    for url in EXAMPLES.get(adapter.platform, ())
]


@pytest.mark.parametrize("adapter", ADAPTERS, ids=_adapter_id)
def test_every_adapter_has_examples(adapter: PlatformAdapter) -> None:
    """Every registered adapter has example URLs and a display name."""
    assert EXAMPLES.get(adapter.platform)
    assert adapter.display_name


def test_registry_has_one_adapter_per_platform() -> None:
    """The registry holds one adapter per platform: Mastodon (posts on any host) next to
    last, the web adapter (any page) last."""
    platforms = [adapter.platform for adapter in ADAPTERS]
    assert len(platforms) == len(set(platforms))
    assert platforms[-2:] == [Platform.MASTODON, Platform.WEB]


@pytest.mark.parametrize(("adapter", "url"), EXAMPLE_CASES)
def test_example_is_claimed_by_its_adapter_only(adapter: PlatformAdapter, url: str) -> None:
    """An example URL is claimed by its adapter, by no other (but the web adapter, last, which
    takes any public page), and routed to it."""
    ref = adapter.match(url)
    assert ref is not None
    assert ref.platform is adapter.platform
    others = [
        other.platform
        for other in ADAPTERS
        if other is not adapter and other.platform is not Platform.WEB and other.match(url)
    ]
    assert others == []
    assert match_url(url) == ref


@pytest.mark.parametrize(("adapter", "url"), EXAMPLE_CASES)
def test_canonicalisation_is_idempotent(adapter: PlatformAdapter, url: str) -> None:
    """Matching a post's canonical URL gives back an equal reference."""
    ref = adapter.match(url)
    assert ref is not None
    # A web page keeps its scheme (some sites serve only http); every post is on https.
    schemes = ("https://", "http://") if adapter.platform is Platform.WEB else ("https://",)
    assert ref.canonical_url.startswith(schemes)
    assert adapter.match(ref.canonical_url) == ref
    assert match_url(ref.canonical_url) == ref


@pytest.mark.parametrize(
    ("platform", "key", "urls"), SAME_POST, ids=[f"{p}:{k}" for p, k, _ in SAME_POST]
)
def test_url_forms_of_one_post_share_a_key(
    platform: Platform, key: str, urls: tuple[str, ...]
) -> None:
    """Every URL form of one post gives the same key."""
    refs = [match_url(url) for url in urls]
    assert all(ref is not None and ref.platform is platform for ref in refs)
    assert {ref.key for ref in refs if ref is not None} == {key}


def test_bluesky_handle_and_did_forms_stay_distinct() -> None:
    """A Bluesky post named by handle and by DID gives two different keys."""
    by_handle = match_url(f"https://bsky.app/profile/alice.bsky.social/post/{RKEY}")
    by_did = match_url(f"https://bsky.app/profile/{DID}/post/{RKEY}")
    assert by_handle is not None
    assert by_did is not None
    assert by_handle.key != by_did.key
    assert by_handle.post_id == by_did.post_id == RKEY


@pytest.mark.parametrize(("url", "expected"), EXPECTED, ids=[url for url, _ in EXPECTED])
def test_reference_fields(url: str, expected: PostRef) -> None:
    """A recognised URL gives the expected key, id, canonical URL, author and host."""
    assert match_url(url) == expected


@pytest.mark.parametrize("url", NOT_POSTS_BUT_PAGES, ids=lambda url: url[:60])
def test_a_non_post_url_of_a_public_site_is_a_web_page(url: str) -> None:
    """A public http(s) URL that names no post is claimed by no social platform's adapter;
    the web adapter takes it as a page."""
    ref = match_url(url)
    assert ref is not None and ref.platform is Platform.WEB
    assert [adapter.platform for adapter in ADAPTERS if adapter.match(url)] == [Platform.WEB]


@pytest.mark.parametrize("url", NON_POSTS, ids=lambda url: url[:60] or "empty")
def test_non_post_url_is_refused(url: str) -> None:
    """A URL that names no supported post and no public page is claimed by no adapter, and
    the registry says why in words."""
    assert match_url(url) is None
    assert [adapter.platform for adapter in ADAPTERS if adapter.match(url)] == []
    assert refusal(url)


@pytest.mark.parametrize("adapter", ADAPTERS, ids=_adapter_id)
def test_match_never_raises(adapter: PlatformAdapter) -> None:
    """Matching garbage returns None or a reference and never raises."""
    for text in _garbage():
        ref = adapter.match(text)
        assert ref is None or ref.platform is adapter.platform
