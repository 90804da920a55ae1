"""The pure helpers the adapters share: post HTML to plain text, "come back later" headers,
and JavaScript's base-36 number formatting behind X's token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archiver.domain import HttpExchange
from archiver.platforms._http import retry_after_from
from archiver.platforms.html_text import html_to_text, shows_url
from archiver.platforms.xtoken import js_number_to_string

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
IN_3_MIN, IN_15_MIN = NOW + timedelta(minutes=3), NOW + timedelta(minutes=15)


def exchange(*headers: tuple[str, str]) -> HttpExchange:
    """A 429 exchange carrying ``headers``."""
    return HttpExchange(
        "GET", "https://example.org/", (), 429, "Too Many Requests", headers, b"", "HTTP/1.1",
        None, NOW, 1.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((("Retry-After", "120"),), NOW + timedelta(seconds=120)),
        ((("retry-after", "Tue, 01 Sep 2026 12:10:00 GMT"),), NOW + timedelta(minutes=10)),
        ((("X-RateLimit-Reset", "2026-09-01T12:05:00.000000Z"),), NOW + timedelta(minutes=5)),
        ((("x-rate-limit-reset", str(int(IN_15_MIN.timestamp()))),), IN_15_MIN),
        ((("RateLimit-Reset", str(int(IN_3_MIN.timestamp()))),), IN_3_MIN),
        ((("RateLimit-Reset", "30"),), NOW + timedelta(seconds=30)),
        ((("Retry-After", "Tue, 01 Sep 2026 11:00:00 GMT"),), NOW),
        ((("Retry-After", "soon"), ("RateLimit-Reset", "60")), NOW + timedelta(seconds=60)),
        ((("Retry-After", "soon"),), None),
        ((("Retry-After", "-5"),), None),
        ((), None),
    ],
    ids=[
        "seconds", "http-date", "iso", "x-epoch", "ratelimit-epoch", "ratelimit-delta", "past",
        "first-readable", "garbage", "negative", "none",
    ],
)  # fmt: skip
def test_retry_after_reads_each_header(
    headers: tuple[tuple[str, str], ...], expected: datetime | None
) -> None:
    """Each header form gives the moment to come back; nothing readable gives ``None``."""
    assert retry_after_from(exchange(*headers), NOW) == expected


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>a<br>b<br/>c</p>", "a\nb\nc"),
        ("<p>Tom &amp; Jerry&#39;s &quot;show&quot; &lt;3</p>", "Tom & Jerry's \"show\" <3"),
        ("<p>  lots   of\n   space  </p>", "lots of space"),
        (
            '<p><a href="https://www.example.com/a/long/path"><span class="invisible">https://www.'
            '</span><span class="ellipsis">example.com/a/long</span><span class="invisible">/path'
            "</span></a></p>",
            "https://www.example.com/a/long/path",
        ),
        ('<p><a href="https://example.com/x/y/z">example.com/x…</a></p>', "https://example.com/x/y/z"),
        ('<p><a href="https://example.com/page">click here</a></p>', "click here"),
        ('<p><a href="https://m.example/@bob" class="mention">@<span>bob</span></a></p>', "@bob"),
        ('<p><a href="https://m.example/tags/x" class="hashtag">#<span>x</span></a></p>', "#x"),
        ("<p>shown</p><script>hidden()</script><style>p{}</style>", "shown"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("plain text, no tags", "plain text, no tags"),
        ("", ""),
    ],
    ids=[
        "paragraphs", "breaks", "entities", "whitespace", "mastodon-link", "shortened-link",
        "worded-link", "mention", "hashtag", "hidden", "list", "no-tags", "empty",
    ],
)  # fmt: skip
def test_html_reads_as_a_reader_sees_it(html: str, text: str) -> None:
    """Post HTML turns into the plain text a reader sees."""
    assert html_to_text(html) == text


def test_first_paragraph_only() -> None:
    """With ``first_paragraph``, only the first ``<p>`` is read."""
    html = (
        '<blockquote><p>Body <a href="https://t.co/x">https://t.co/x</a></p>'
        '&mdash; Who <a href="u">July 1, 2020</a></blockquote>'
    )
    assert html_to_text(html, first_paragraph=True) == "Body https://t.co/x"


@pytest.mark.parametrize(
    ("visible", "url", "expected"),
    [
        ("example.com/a…", "https://example.com/abc", True),
        ("bsky.social/about/blog/1...", "https://bsky.social/about/blog/10-01-2024", True),
        ("https://example.com/abc", "https://example.com/abc", True),
        ("example.org", "https://example.com/", False),
        ("click here", "https://example.com/", False),
        ("@bob", "https://m.example/@bob", False),
        ("", "https://example.com/", False),
    ],
)
def test_shows_url_recognises_shortened_addresses(visible: str, url: str, expected: bool) -> None:
    """Link text counts as the address when it is the address, whole or cut short."""
    assert shows_url(visible, url) is expected


@pytest.mark.parametrize(
    ("value", "radix", "expected"),
    [
        (0.5, 2, "0.1"),
        (1 / 3, 2, "0.010101010101010101010101010101010101010101010101010101"),
        (123456789.123, 2, "111010110111100110100010101.0001111101111100111011011"),
        (-7.25, 2, "-111.01"),
        (1 / 3, 16, "0.55555555555554"),
        (123456789.123, 16, "75bcd15.1f7ced8"),
        (2.0**53 + 2, 16, "20000000000002"),
        (255.99999999999997, 16, "ff.fffffffffff8"),
        (1e-07, 16, "0.000001ad7f29abcaf48"),
        (6.02214076e23, 16, "7f8617295f145c000000"),
        (0.5, 36, "0.i"),
        (1 / 3, 36, "0.c"),
        (123456789.123, 36, "21i3v9.4feor"),
        (255.99999999999997, 36, "73.zzzzzzzzx"),
        (1e-07, 36, "0.000061oezo085tl"),
        (6.02214076e23, 36, "2q2cs82vvn400000"),
        (0.0, 36, "0"),
        (float("nan"), 36, "NaN"),
        (float("-inf"), 36, "-Infinity"),
    ],
)
def test_js_number_to_string_matches_v8(value: float, radix: int, expected: str) -> None:
    """Formatting a double in another base gives exactly what V8 (node) prints."""
    assert js_number_to_string(value, radix) == expected


def test_js_number_to_string_refuses_unsupported_radix() -> None:
    """Radix 10 and radixes outside 2 to 36 are refused."""
    for radix in (1, 10, 37):
        with pytest.raises(ValueError, match="radix"):
            js_number_to_string(1.5, radix)
