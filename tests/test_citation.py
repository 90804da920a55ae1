"""Citations of a snapshot as pure functions: APA 7, MLA 9 and Chicago 17 forms of a social
media post, the Robust Link, and the Memento headers of the snapshot page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bs4 import BeautifulSoup

from archiver.db.models import Post, Snapshot
from archiver.domain import Platform
from archiver.services.citation import Cited, cite, cited, memento_headers

POSTED = datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
CAPTURED = datetime(2024, 5, 2, 9, 15, 7, tzinfo=UTC)
SNAPSHOT_URL = "https://archive.example.org/s/7K3Q9MZDA2XF"
TWEET = Cited(
    platform=Platform.X,
    original_url="https://x.com/councilwatch/status/1785",
    snapshot_url=SNAPSHOT_URL,
    captured_at=CAPTURED,
    text='Tonight\'s vote on the "river budget" is postponed.\n\nAgenda: https://example.org/a',
    author_name="City Council Watch",
    author_handle="councilwatch",
    posted_at=POSTED,
    media_types=("photo",),
)


def test_apa_7_names_author_handle_date_text_kind_site_and_the_permanent_url() -> None:
    """APA 7: Author [@handle]. (Year, Month Day). Text [Image attached] [Post]. X. URL"""
    assert cite(TWEET).apa == (
        "City Council Watch [@councilwatch]. (2024, May 1). Tonight's vote on the "
        "\u2018river budget\u2019 is postponed. Agenda: https://example.org/a "
        "[Image attached] [Post]. X. https://archive.example.org/s/7K3Q9MZDA2XF"
    )


def test_mla_9_quotes_the_whole_post_and_names_the_archive_as_a_second_container() -> None:
    """MLA 9: Author [@handle]. "Text." X, Day Mon. Year, time, URL. Archiver, date, URL."""
    assert cite(TWEET).mla == (
        "City Council Watch [@councilwatch]. \u201cTonight's vote on the \u2018river budget\u2019 "
        "is postponed. Agenda: https://example.org/a.\u201d X, 1 May 2024, 6:30 p.m. UTC, "
        "x.com/councilwatch/status/1785. Archiver, 2 May 2024, "
        "archive.example.org/s/7K3Q9MZDA2XF."
    )


def test_chicago_17_note_gives_time_and_where_it_is_archived() -> None:
    """Chicago 17 note: Author (@handle), "Text," X, Month Day, Year, time, archived Month
    Day, Year, at Archiver, URL."""
    assert cite(TWEET).chicago == (
        "City Council Watch (@councilwatch), \u201cTonight's vote on the \u2018river budget\u2019 "
        "is postponed. Agenda: https://example.org/a,\u201d X, May 1, 2024, 6:30 p.m. UTC, "
        "archived May 2, 2024, at Archiver, https://archive.example.org/s/7K3Q9MZDA2XF."
    )


def test_apa_keeps_the_first_twenty_words_and_chicago_160_characters() -> None:
    """Long posts: APA's title is the first 20 words, Chicago's at most 160 characters."""
    words = " ".join(f"word{n}" for n in range(1, 61))
    long = cite(replace(TWEET, text=words, media_types=()))
    assert "word20 [Post]. X." in long.apa and "word21" not in long.apa
    quoted = long.chicago.split("\u201c", 1)[1].split("\u201d", 1)[0]
    assert len(quoted) <= 161 and quoted.endswith("\u2026,")
    assert "word60" in long.mla  # MLA quotes the whole post


def test_a_post_known_only_by_handle_without_date_on_mastodon() -> None:
    """Without a display name the handle (with its server, on Mastodon) leads; without a
    posting date APA says n.d. and the others leave it out; a question keeps its mark."""
    toot = Cited(
        platform=Platform.MASTODON, original_url="https://mastodon.social/@ana/1",
        snapshot_url=SNAPSHOT_URL, captured_at=CAPTURED, text="Is the bridge open?",
        author_name=None, author_handle="ana", posted_at=None, host="mastodon.social",
    )  # fmt: skip
    forms = cite(toot)
    assert (
        forms.apa
        == f"@ana@mastodon.social. (n.d.). Is the bridge open? [Post]. Mastodon. {SNAPSHOT_URL}"
    )
    assert forms.mla.startswith("@ana@mastodon.social. \u201cIs the bridge open?\u201d Mastodon, ")
    assert forms.chicago == (
        "@ana@mastodon.social, \u201cIs the bridge open?\u201d Mastodon, archived May 2, 2024, "
        f"at Archiver, {SNAPSHOT_URL}."
    )


def test_truth_social_is_named_for_itself() -> None:
    """A Mastodon-compatible server better known by its own name is cited by it."""
    truth = replace(TWEET, platform=Platform.MASTODON, host="truthsocial.com")
    assert ". Truth Social. https://" in cite(truth).apa


def test_the_robust_link_carries_original_version_and_date_escaped() -> None:
    """The Robust Link points at the original, names the snapshot and its date, and escapes
    whatever the post's author called themselves."""
    hostile = replace(TWEET, author_name='<b onmouseover="x">Eve</b>')
    html = cite(hostile).robust_link_html
    link = BeautifulSoup(html, "html.parser").find("a")
    assert link.attrs == {
        "href": "https://x.com/councilwatch/status/1785",
        "data-originalurl": "https://x.com/councilwatch/status/1785",
        "data-versionurl": SNAPSHOT_URL,
        "data-versiondate": "2024-05-02",
    }
    assert link.get_text() == '<b onmouseover="x">Eve</b> (@councilwatch) on X, May 1, 2024'
    assert "<b " not in html


def test_cited_reads_the_snapshot_before_the_post() -> None:
    """The citation uses what the snapshot recorded, falling back to the post's fields, and
    builds the absolute snapshot URL from the base."""
    post = Post(
        id="7K3Q9MZDA2XE", platform=Platform.X, canonical_url="https://x.com/a/status/1",
        author_handle="a", author_name="Old Name", posted_at=POSTED,
    )  # fmt: skip
    snapshot = Snapshot(
        id="7K3Q9MZDA2XF", post_id=post.id, captured_at=CAPTURED, text="hi",
        author_name="New Name", media=[{"type": "video"}], software_version="1",
    )  # fmt: skip
    facts = cited(post, snapshot, base="https://archive.example.org/")
    assert facts.snapshot_url == SNAPSHOT_URL
    assert (facts.author_name, facts.author_handle, facts.posted_at) == ("New Name", "a", POSTED)
    assert "[Video attached] [Post]" in cite(facts).apa


def test_memento_headers_of_a_snapshot_page() -> None:
    """Memento-Datetime in RFC 1123 GMT; Link with original, TimeGate and TimeMap, the
    original percent-encoded where a header could not carry it."""
    headers = memento_headers(
        original="https://x.com/a/status/1?q=\u00e9 <x>", base="https://h.example/",
        captured_at=CAPTURED,
    )  # fmt: skip
    assert headers["Memento-Datetime"] == "Thu, 02 May 2024 09:15:07 GMT"
    original = "https://x.com/a/status/1?q=%C3%A9%20%3Cx%3E"
    assert headers["Link"] == (
        f'<{original}>; rel="original", <https://h.example/timegate/{original}>; '
        f'rel="timegate", <https://h.example/timemap/link/{original}>; rel="timemap"; '
        'type="application/link-format"'
    )
