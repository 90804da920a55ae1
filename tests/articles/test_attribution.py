"""Attribution lines: what an embedded post leaves in plain text, in its real variants."""

# Typographic quotation marks and dashes are what these tests are about.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import date

import pytest

from archiver.articles import Attribution, read_html, read_text
from archiver.articles.attribution import parse_tail
from archiver.domain import QuoteKind
from tests.articles.fixtures import read_fixture


def test_every_variant_in_a_live_blog() -> None:
    """Glued dash, a line of its own, en dash, ``--``, spaced hyphen, day-first, abbreviated and
    ISO dates, a fediverse handle without a date, and Mastodon's ``Post by``."""
    doc = read_fixture("storm_attribution_lines.txt")
    found = [(quote.text, quote.attribution) for quote in doc.quotes]
    assert found == [
        ("Shelters are open at Lincoln High and the Eastside rec center. "
         "Stay off the roads tonight.",
         Attribution("Marsh County EMA", "MarshCountyEMA", date(2021, 9, 14))),
        ("Power crews are staged in Dunmore and will move in once winds drop below 40 mph.",
         Attribution("Tri-County Electric", "TriCountyPower", date(2021, 9, 14))),
        ("Road closures as of 6 p.m. https://t.co/Qx81LmZpWe pic.twitter.com/Hn3kT0aB2c",
         Attribution("Office of Mayor Ruth Adeyemi", "MayorAdeyemi", date(2021, 9, 14))),
        ("Bridge reopened northbound",
         Attribution("Marsh County Roads", "MarshRoads", date(2021, 9, 15))),
        ("Water is over the road at Mill Creek. Turn around, don't drown.",
         Attribution("Dunmore Police", "DunmorePD", date(2021, 9, 15))),
        ("We're collecting water and blankets at the union hall on 4th Street. Drop-offs until 9.",
         Attribution("Dunmore Mutual Aid", "aid@dunmore.social", None)),
        ("", Attribution(handle="floodwatch@mastodon.example")),
    ]  # fmt: skip
    assert {quote.kind for quote in doc.quotes} == {QuoteKind.ATTRIBUTION}
    for quote in doc.quotes:
        assert doc.text[quote.position :].startswith(quote.text or "Post by")


def test_prose_before_an_attribution_line_is_not_its_text() -> None:
    """A paragraph that introduces a post (ending in a colon) is not taken for the post."""
    doc = read_text("The county wrote:\n\n— Marsh County EMA (@MarshCountyEMA) September 14, 2021")
    (quote,) = doc.quotes
    assert quote.text == ""
    assert quote.attribution == Attribution("Marsh County EMA", "MarshCountyEMA", date(2021, 9, 14))


def test_an_attribution_line_keeps_its_post_link_in_html() -> None:
    """Embed markup stripped of its class still links its date to the post."""
    doc = read_html(
        "<p>Stay off the roads tonight. &mdash; Marsh County EMA (@MarshCountyEMA) "
        '<a href="https://twitter.com/MarshCountyEMA/status/1437890000000000001?ref_src=twsrc">'
        "September 14, 2021</a></p>"
    )
    (quote,) = doc.quotes
    assert quote.kind is QuoteKind.ATTRIBUTION
    assert quote.text == "Stay off the roads tonight."
    assert quote.post_url == "https://twitter.com/MarshCountyEMA/status/1437890000000000001"


def test_quotation_marks_in_an_attributed_post_are_not_inline_quotes() -> None:
    """A post's own quotation marks belong to the post."""
    doc = read_text(
        "The mayor tweeted about the rumours. Who is their “source”? Nobody posted that. "
        "— Ruth Adeyemi (@MayorAdeyemi) June 28, 2021"
    )
    assert [quote.kind for quote in doc.quotes] == [QuoteKind.ATTRIBUTION]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Sad! — Dana Whitlock (@MayorWhitlock) July 1, 2020",
         ("Sad!", Attribution("Dana Whitlock", "MayorWhitlock", date(2020, 7, 1)))),
        ("Hoax number 7!— Grant Olmstead (@GrantOlmstead) February 21, 2020",
         ("Hoax number 7!", Attribution("Grant Olmstead", "GrantOlmstead", date(2020, 2, 21)))),
        ("— Dana Whitlock (@MayorWhitlock) 1 July 2020",
         ("", Attribution("Dana Whitlock", "MayorWhitlock", date(2020, 7, 1)))),
        ("Done. – Jean-Luc Martin (@jlmartin) Jul 1, 2020",
         ("Done.", Attribution("Jean-Luc Martin", "jlmartin", date(2020, 7, 1)))),
        ("Day 3. [image or embed] — Tidewater Ferry Workers (@ferryworkers.bsky.social) "
         "March 25, 2025 at 7:16 AM",
         ("Day 3. [image or embed]",
          Attribution("Tidewater Ferry Workers", "ferryworkers.bsky.social", date(2025, 3, 25)))),
        ("Open now -- (@MarshRoads) 2021-09-15",
         ("Open now", Attribution(None, "MarshRoads", date(2021, 9, 15)))),
        ("Dana Whitlock (@MayorWhitlock) July 1, 2020",
         ("", Attribution("Dana Whitlock", "MayorWhitlock", date(2020, 7, 1)))),
        ("Post by @rustacean@fosstodon.example View on Mastodon",
         ("", Attribution(handle="rustacean@fosstodon.example"))),
        ("View this post on InstagramA post shared by Juno Vale (@junovale)",
         ("View this post on Instagram", Attribution("Juno Vale", "junovale"))),
        ("Thank you all. Posted by Riverside Parks on Monday, August 12, 2024",
         ("Thank you all.", Attribution("Riverside Parks", None, date(2024, 8, 12)))),
    ],
)  # fmt: skip
def test_attribution_tails(line: str, expected: tuple[str, Attribution]) -> None:
    """Each form of attribution splits into the text before it and who and when."""
    assert parse_tail(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "The council met on July 1, 2020 to discuss the levy.",
        "Reach the newsroom (@LedgerNews) any time.",
        "Residents say the plan (@ 4% a year) is too slow — and costly.",
        "Whitlock said the Gazette (@HarborGazette) was wrong on July 1, 2020, and again later.",
        "",
    ],
)
def test_lines_that_are_not_attributions(line: str) -> None:
    """Dates, handles and dashes in ordinary prose are no attribution."""
    assert parse_tail(line) is None
