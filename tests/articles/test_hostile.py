"""Hostile and malformed input: read without raising, in bounded time, with no invented quotes."""

from __future__ import annotations

import pytest

from archiver.articles import read_html, read_text


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<",
        "<![ foo",
        "<p>“an unclosed quotation tweeted on X",
        "<div><p>Unclosed <b>tags <i>everywhere <blockquote class='twitter-tweet'><p>half",
        "&#xFFFFFFFF; &#0; &#x110000; &bogus; &amp &lt;iframe",
        "\x00\ud800<p>nul and a lone surrogate</p>",
        "<table>" * 5000,
        '<script type="application/ld+json">' + "[" * 50000 + "</script>",
        "<blockquote class='twitter-tweet'>" * 5000,
        "<p>" + "“a,” he tweeted " * 10000,
    ],
)
def test_malformed_html_is_read_without_raising(page: str) -> None:
    """Unclosed tags, bad entities, stray declarations, deep nesting and floods of marks."""
    doc = read_html(page)
    assert isinstance(doc.text, str)
    assert "\x00" not in doc.text


def test_a_two_megabyte_document_of_nested_divs() -> None:
    """Nesting depth costs no recursion."""
    page = "<div>" * 400_000 + "Deep down, the mayor “posted nothing at all,” on X." + "</div>" * 10
    assert len(page) > 2_000_000
    doc = read_html(page)
    assert doc.text == "Deep down, the mayor “posted nothing at all,” on X."
    assert [quote.text for quote in doc.quotes] == ["posted nothing at all,"]


def test_script_quotation_marks_are_ignored() -> None:
    """Quotation marks and post URLs inside scripts, styles and comments are no quotes."""
    doc = read_html(
        '<script>var s = "“Quoted,” he tweeted https://x.com/a/status/1";</script>'
        '<style>q::before { content: "“"; }</style>'
        "<!-- “Hidden,” she posted on X. -->"
        "<p>Nothing quoted here.</p>"
    )
    assert doc.text == "Nothing quoted here."
    assert doc.quotes == ()
    assert doc.post_urls == ()


def test_empty_input() -> None:
    """Empty HTML and empty text give an empty article."""
    for doc in (read_html(""), read_text(""), read_text(" \n\n \t")):
        assert (doc.title, doc.text, doc.quotes, doc.post_urls) == (None, "", (), ())


def test_hostile_plain_text() -> None:
    """Floods of marks, dashes and handles in plain text: read whole, and no flood of quotes
    (unpaired marks quote nothing; a run of attributions is one line at most)."""
    for text in ("“" * 100_000, '"' * 100_000, "— x (@y) " * 20_000, "(@a) " * 50_000):
        doc = read_text(text)
        assert doc.text == text.strip()
        assert len(doc.quotes) <= 1 and doc.post_urls == ()


def test_reading_is_deterministic() -> None:
    """The same input gives the same article."""
    page = "<p>“Shelters are full,” the county posted on X.</p>" * 3
    assert read_html(page) == read_html(page)
