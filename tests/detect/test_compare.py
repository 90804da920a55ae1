"""Edit detection: the labelled cases under ``cases/`` (false-positive traps and true edits),
and the normalisation of text, links and media they rest on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archiver.detect.compare import Verdict, compare, platform_signal
from archiver.detect.normalise import (
    TCO_PLACEHOLDER,
    Content,
    canonical_url,
    content_from_post,
    content_from_snapshot,
    media_identity,
    normalise_text,
)
from archiver.domain import LinkedPost, Media, MediaType, PostData

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "note", "before", "after", "changed", "reasons", "platform_signal"}
SIDE_KEYS = {"text", "media", "quoted", "edit_ids", "edited_at"}


def load_cases() -> list[dict[str, Any]]:
    """Every case of every file under ``cases/`` (a file holds one case or a list of them)."""
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        cases.extend(loaded if isinstance(loaded, list) else [loaded])
    return cases


CASES = load_cases()


def side_content(side: dict[str, Any]) -> Content:
    """One side of a case as a snapshot would store it (a quoted URL stands for a post known
    only by its URL)."""
    quoted = side["quoted"]
    quoted_post = None
    if quoted is not None:
        by_url = quoted.startswith("http")
        quoted_post = {"id": None if by_url else quoted, "url": quoted if by_url else None}
    media = [{"type": "photo", "url": url, "sha256": None} for url in side["media"]]
    return content_from_snapshot(side["text"], media, quoted_post)


def edited_at(side: dict[str, Any]) -> datetime | None:
    """The side's ``edited_at``, parsed."""
    value = side.get("edited_at")
    return datetime.fromisoformat(value) if value else None


def judge(case: dict[str, Any]) -> Verdict:
    """The verdict on one case."""
    before, after = case["before"], case["after"]
    return compare(
        side_content(before),
        side_content(after),
        before_edit_ids=before.get("edit_ids", ()),
        after_edit_ids=after.get("edit_ids", ()),
        before_edited_at=edited_at(before),
        after_edited_at=edited_at(after),
    )


def test_case_files_are_well_formed() -> None:
    """The case files hold at least 20 uniquely named cases of the documented shape."""
    names = [case["name"] for case in CASES]
    assert len(CASES) >= 20
    assert len(set(names)) == len(names)
    for case in CASES:
        assert set(case) <= CASE_KEYS, case["name"]
        assert {"name", "before", "after", "changed", "reasons"} <= set(case), case["name"]
        for side in (case["before"], case["after"]):
            assert {"text", "media", "quoted"} <= set(side) <= SIDE_KEYS, case["name"]
        assert case["changed"] == bool(case["reasons"]), case["name"]


def test_cases_cover_both_verdicts() -> None:
    """The cases include both false-positive traps and true edits."""
    assert any(case["changed"] for case in CASES)
    assert any(not case["changed"] for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_labelled_case(case: dict[str, Any]) -> None:
    """The verdict matches the case's label, reasons and platform signal."""
    verdict = judge(case)
    assert verdict.changed is case["changed"]
    assert list(verdict.reasons) == case["reasons"]
    assert (verdict.text_diff is not None) is ("text" in case["reasons"])
    if "platform_signal" in case:
        assert verdict.platform_signal == case["platform_signal"]
    else:
        assert verdict.platform_signal is None


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_labelled_case_is_symmetric(case: dict[str, Any]) -> None:
    """Swapping before and after keeps the verdict (media reasons swap places)."""
    before, after = side_content(case["before"]), side_content(case["after"])
    swap = {"media added": "media removed", "media removed": "media added"}
    reasons = compare(after, before).reasons
    assert sorted(swap.get(r, r) for r in reasons) == sorted(case["reasons"])


# --- Verdicts ----------------------------------------------------------------------------


def test_text_change_carries_word_diff_of_normalised_texts() -> None:
    """A text change carries the word diff of the two normalised texts."""
    before = content_from_snapshot("the discredited  @nytimes\r\n", [], None)
    after = content_from_snapshot("the failing @nytimes", [], None)
    verdict = compare(before, after)
    assert verdict.text_diff is not None
    assert verdict.text_diff.readable == "the [-discredited-]{+failing+} @nytimes"


def test_identical_content_has_no_reasons_and_no_diff() -> None:
    """Identical content gives an unchanged verdict with no reasons, diff or signal."""
    content = Content("same", frozenset({"pbs.twimg.com/media/A"}), "1")
    assert compare(content, content) == Verdict(False, (), None, None)


@pytest.mark.parametrize(
    ("before_ids", "after_ids", "expected"),
    [
        (["1"], ["1", "2"], "x edit_tweet_ids grew from 1 to 2"),
        (["1", "2"], ["1", "2", "3"], "x edit_tweet_ids grew from 2 to 3"),
        ([], ["1", "2"], "x edit_tweet_ids grew from 0 to 2"),
        ([], ["1"], None),
        (["1"], ["1"], None),
        (["1", "2"], ["2"], None),
    ],
)
def test_x_edit_ids_signal(
    before_ids: list[str], after_ids: list[str], expected: str | None
) -> None:
    """Only an edit-ids list that grew past one version is an X edit signal."""
    assert platform_signal(before_ids, after_ids, None, None) == expected


def test_mastodon_edited_at_signal() -> None:
    """A set and different ``edited_at`` is a signal; one that vanished or stayed is not."""
    first, second = datetime(2026, 9, 1, 12, tzinfo=UTC), datetime(2026, 9, 1, 13, tzinfo=UTC)
    assert platform_signal((), (), None, first) == "edited_at changed"
    assert platform_signal((), (), first, second) == "edited_at changed"
    assert platform_signal((), (), first, first) is None
    assert platform_signal((), (), first, None) is None


def test_both_signals_are_joined() -> None:
    """Both platform signals at once are reported together."""
    at = datetime(2026, 9, 1, 12, tzinfo=UTC)
    assert platform_signal(["1"], ["1", "2"], None, at) == (
        "x edit_tweet_ids grew from 1 to 2; edited_at changed"
    )


# --- Content from posts and snapshots ---------------------------------------------------


def test_post_and_its_snapshot_have_the_same_content() -> None:
    """A post and the snapshot evidence stores of it give the same content."""
    data = PostData(
        post_id="1",
        url="https://x.com/someone/status/1",
        text="Look  at this https://t.co/abc\r\n",
        author=None,
        posted_at=None,
        media=(
            Media(MediaType.PHOTO, "https://pbs.twimg.com/media/AAA.jpg", alt="a"),
            Media(MediaType.VIDEO, "https://video.twimg.com/amplify_video/9/vid/avc1/1.mp4"),
        ),
        metrics={"likes": 5},
        quoted_post=LinkedPost("42", "https://x.com/other/status/42", "other", "quoted"),
    )
    stored_media = [
        {"type": "photo", "url": "https://pbs.twimg.com/media/AAA.jpg?name=orig", "sha256": "0"},
        {"type": "video", "url": "https://video.twimg.com/amplify_video/9/pl/x.m3u8"},
    ]
    quoted = {"id": "42", "url": "https://x.com/other/status/42", "author_handle": "other"}
    from_post = content_from_post(data)
    assert from_post == content_from_snapshot("Look at this https://t.co/xyz", stored_media, quoted)
    assert from_post.text == f"Look at this {TCO_PLACEHOLDER}"
    assert from_post.quoted == "42"


def test_snapshot_media_without_url_are_skipped() -> None:
    """Media entries without a URL add no identity."""
    content = content_from_snapshot("", [{"type": "photo", "url": None}, {"type": "photo"}], None)
    assert content.media == frozenset()


@pytest.mark.parametrize(
    ("quoted_post", "expected"),
    [
        (None, None),
        ({"id": "42", "url": "https://x.com/a/status/42"}, "42"),
        ({"id": None, "url": "HTTPS://X.com/a/status/42?s=20"}, "https://x.com/a/status/42"),
        ({"id": "", "url": None}, None),
    ],
)
def test_quoted_identity(quoted_post: dict[str, Any] | None, expected: str | None) -> None:
    """The quoted post is known by its ID, else by its canonical URL."""
    assert content_from_snapshot("", [], quoted_post).quoted == expected


# --- Text normalisation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  hello  ", "hello"),
        ("a \t b", "a b"),
        ("a\u00a0\u2009b", "a b"),
        ("one  \r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("para\n\n\nnext", "para\n\n\nnext"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("Shouting LOUDLY", "Shouting LOUDLY"),
        ("Postponed.", "Postponed."),
        ("", ""),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    """Whitespace, line endings and Unicode form are normalised; case and punctuation kept."""
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://t.co/AbC123 now", f"see {TCO_PLACEHOLDER} now"),
        ("HTTP://T.CO/AbC123", TCO_PLACEHOLDER),
        ("HTTP://Example.COM:80/Path", "https://example.com/Path"),
        ("https://example.com:8443/", "https://example.com:8443"),
        ("https://example.com/", "https://example.com"),
        ("https://example.com/a/", "https://example.com/a/"),
        ("https://e.com/?utm_source=x&UTM_Medium=y&id=3#top", "https://e.com?id=3#top"),
        (
            "https://twitter.com/a/status/1?s=20&t=xyz&ref_src=twsrc",
            "https://twitter.com/a/status/1",
        ),
        ("https://example.com/?s=20&t=5", "https://example.com?s=20&t=5"),
        ("https://e.com/a?fbclid=1&b=2&gclid=3", "https://e.com/a?b=2"),
        ("(see https://e.com/wiki/Foo_(bar)).", "(see https://e.com/wiki/Foo_(bar))."),
        ("Is it https://e.com/?", "Is it https://e.com?"),
        ("\u201chttps://e.com/\u201d", "\u201chttps://e.com\u201d"),
        ("https://[2001:db8::1]:443/x", "https://[2001:db8::1]/x"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
    ],
)
def test_normalise_text_canonicalises_links(text: str, expected: str) -> None:
    """Links in the text are canonical, with sentence punctuation left outside them."""
    assert normalise_text(text) == expected


def test_canonical_url_leaves_non_http_alone() -> None:
    """Something that is not an http(s) URL comes back unchanged."""
    assert canonical_url("ftp://Example.com/") == "ftp://Example.com/"
    assert canonical_url("https://") == "https://"


# --- Media identity ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "urls",
    [
        [
            "https://pbs.twimg.com/media/ABC.jpg?name=small",
            "https://pbs.twimg.com/media/ABC?format=jpg&name=large",
            "https://pbs.twimg.com/media/ABC.jpg:orig",
            "https://pbs.twimg.com/media/ABC.png",
            "http://pbs.twimg.com/media/ABC.jpg",
        ],
        [
            "https://video.twimg.com/ext_tw_video/123/pu/vid/avc1/1280x720/a.mp4?tag=12",
            "https://video.twimg.com/ext_tw_video/123/pu/vid/avc1/640x360/b.mp4",
            "https://video.twimg.com/ext_tw_video/123/pu/pl/c.m3u8?variant_version=1",
        ],
        [
            "https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:abc/bafkreicid@jpeg",
            "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc/bafkreicid@webp",
            "https://bsky.social/xrpc/com.atproto.sync.getBlob?did=did:plc:abc&cid=bafkreicid",
        ],
        [
            "https://video.bsky.app/watch/did%3Aplc%3Aabc/bafkreivid/playlist.m3u8",
            "https://video.bsky.app/watch/did:plc:abc/bafkreivid/720p/video.m3u8",
        ],
        [
            "https://files.example/media_attachments/files/110/1/2/original/a.png?1700000000",
            "https://example.social/system/cache/media_attachments/files/110/1/2/original/a.png",
        ],
        ["https://Example.com/img/a.png?sig=123&exp=1", "https://example.com/img/a.png"],
    ],
)
def test_media_identity_is_shared_by_spellings_of_one_file(urls: list[str]) -> None:
    """Every size, format and CDN spelling of one media file has the same identity."""
    assert len({media_identity(url) for url in urls}) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://pbs.twimg.com/media/ABC.jpg", "https://pbs.twimg.com/media/ABD.jpg"),
        (
            "https://video.twimg.com/amplify_video/1/vid/a.mp4",
            "https://video.twimg.com/amplify_video/2/vid/a.mp4",
        ),
        (
            "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc/bafkone@jpeg",
            "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:abc/bafktwo@jpeg",
        ),
        (
            "https://files.example/media_attachments/files/110/1/2/original/a.png",
            "https://files.example/media_attachments/files/110/1/3/original/a.png",
        ),
        ("https://example.com/a.png", "https://example.com/b.png"),
    ],
)
def test_media_identity_tells_different_files_apart(first: str, second: str) -> None:
    """Different media files have different identities."""
    assert media_identity(first) != media_identity(second)


def test_media_identity_examples() -> None:
    """Identities are spelled as documented."""
    assert media_identity("https://pbs.twimg.com/media/ABC.jpg:orig") == "pbs.twimg.com/media/ABC"
    assert (
        media_identity("https://cdn.bsky.app/img/feed_thumbnail/plain/did:plc:abc/bafk@jpeg")
        == "bsky:did:plc:abc/bafk"
    )
    assert (
        media_identity("https://m.example/media_attachments/files/1/original/a.png?1")
        == "mastodon:media_attachments/files/1/original/a.png"
    )
    assert media_identity("not a url") == "not a url"
