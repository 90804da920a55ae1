"""One post, quoted three ways: inline with an editorial bracket and a lower-cased first word,
as an X embed in the HTML page, and as the attribution line the embed leaves in plain text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from archiver.articles import Attribution, read_text
from archiver.domain import QuoteKind
from tests.articles.fixtures import FIXTURES, of_kind, read_fixture

POST_URL = "https://twitter.com/MayorWhitlock/status/1278000000000000001"
POST_TEXT = (
    "Another hit piece from the discredited @HarborGazette. They never once called my office. "
    "Sad! pic.twitter.com/Vx7QmT2pLk"
)
WHITLOCK = Attribution(name="Dana Whitlock", handle="MayorWhitlock", date=date(2020, 7, 1))
BRACKETED = "another hit piece from the discredited [Harbor Gazette],"


def test_html_article_finds_the_inline_quote_and_the_embed() -> None:
    """The HTML page gives an inline quote linked to the embedded post, and the embed itself."""
    doc = read_fixture("whitlock_hit_piece.html")
    assert [quote.kind for quote in doc.quotes] == [
        QuoteKind.INLINE,
        QuoteKind.INLINE,
        QuoteKind.EMBED,
    ]
    inline, second, embed = doc.quotes
    assert inline.text == BRACKETED
    assert inline.post_url == POST_URL
    assert inline.speaker == "Dana Whitlock"
    assert "wrote on X" in inline.context
    assert second.text == "never once called my office."
    assert second.post_url == POST_URL
    assert embed.text == POST_TEXT
    assert embed.attribution == WHITLOCK
    assert embed.post_url == POST_URL


def test_html_article_positions_point_into_its_text() -> None:
    """Each quote's position is where its words begin in the article text."""
    doc = read_fixture("whitlock_hit_piece.html")
    for quote in doc.quotes:
        assert doc.text[quote.position :].startswith(quote.text[:20])
    assert [q.position for q in doc.quotes] == sorted(q.position for q in doc.quotes)


def test_html_article_text_is_the_story_only() -> None:
    """The text keeps the story's paragraphs and drops navigation, scripts, styles, asides and
    the footer; the embed's stripped text ends with its attribution line."""
    doc = read_fixture("whitlock_hit_piece.html")
    assert doc.text.startswith("HARBOR CITY — Mayor Dana Whitlock lashed out")
    assert "\n\n— Dana Whitlock (@MayorWhitlock) July 1, 2020\n\n" in doc.text
    for absent in ("Home", "ledgerAds", "pullquote", "Related", "Follow us", "Stay informed"):
        assert absent not in doc.text


def test_html_article_lists_only_the_story_post_urls() -> None:
    """Post links in the navigation, an aside or the footer are not the story's."""
    doc = read_fixture("whitlock_hit_piece.html")
    assert doc.post_urls == (POST_URL,)


def test_html_article_metadata() -> None:
    """Title, byline and publication time (an offset turned to UTC) come from the metadata."""
    doc = read_fixture("whitlock_hit_piece.html")
    assert doc.title == "Whitlock attacks Gazette over stormwater report"
    assert doc.byline == "Priya Castellanos"
    assert doc.published_at == datetime(2020, 7, 2, 1, 15, tzinfo=UTC)


def test_spoken_quotes_in_the_same_article_are_not_post_quotes() -> None:
    """A press conference, an interview and a two-word scare quote are not quotes of posts."""
    texts = [quote.text for quote in read_fixture("whitlock_hit_piece.html").quotes]
    assert not any("fixing streets" in text or "ledgers" in text for text in texts)
    assert "hit piece" not in texts


def test_plain_text_article_finds_the_inline_quote_and_the_attribution_line() -> None:
    """The same article as plain text: the inline quote, and the post as an attribution line."""
    doc = read_fixture("whitlock_hit_piece.txt")
    assert [quote.kind for quote in doc.quotes] == [
        QuoteKind.INLINE,
        QuoteKind.INLINE,
        QuoteKind.ATTRIBUTION,
    ]
    inline, _, attributed = doc.quotes
    assert inline.text == BRACKETED
    assert inline.speaker == "Dana Whitlock"
    assert inline.post_url is None
    assert attributed.text == POST_TEXT
    assert attributed.attribution == WHITLOCK
    assert attributed.post_url is None
    assert doc.text[attributed.position :].startswith("Another hit piece")
    assert (doc.title, doc.byline, doc.published_at, doc.post_urls) == (None, None, None, ())


def test_the_article_url_is_handed_back() -> None:
    """The article's own address comes back as given; plain text has no embeds."""
    raw = (FIXTURES / "whitlock_hit_piece.txt").read_text(encoding="utf-8")
    doc = read_text(raw, url="https://ledger.example/2020/07/01/whitlock-gazette")
    assert doc.url == "https://ledger.example/2020/07/01/whitlock-gazette"
    assert of_kind(doc, QuoteKind.EMBED) == []
