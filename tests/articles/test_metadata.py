"""Page metadata (title, byline, publication time) and decoding response bodies."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from archiver.articles import decode_html, read_html
from tests.articles.fixtures import read_fixture

JSON_LD_PAGE = """<html><head><title>Levy passes | Marsh Valley Observer</title>
<meta property="article:author" content="https://www.facebook.com/marshvalleyobserver">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Marsh Valley Observer"},
  {"@type": ["NewsArticle"], "headline": "Transit levy passes on second try",
   "datePublished": "2023-11-22T03:05:00Z",
   "author": [{"@type": "Person", "name": "Owen Pryce"},
              {"@type": "Person", "name": "Lena Okafor"}]}
]}</script></head><body><h1>Levy passes</h1></body></html>"""


def test_meta_tags_come_first() -> None:
    """``og:title``, ``<meta name=author>`` and ``article:published_time`` win."""
    doc = read_fixture("whitlock_hit_piece.html")
    assert (doc.title, doc.byline) == (
        "Whitlock attacks Gazette over stormwater report",
        "Priya Castellanos",
    )
    assert doc.published_at == datetime(2020, 7, 2, 1, 15, tzinfo=UTC)


def test_json_ld_graph() -> None:
    """A JSON-LD ``@graph`` gives headline, several authors and the publication time; an
    ``article:author`` that is a URL is no name."""
    doc = read_html(JSON_LD_PAGE)
    assert doc.title == "Transit levy passes on second try"
    assert doc.byline == "Owen Pryce and Lena Okafor"
    assert doc.published_at == datetime(2023, 11, 22, 3, 5, tzinfo=UTC)


def test_fallbacks_title_byline_and_naive_dates() -> None:
    """``twitter:title``, a ``.byline`` element and a naive ``<meta name=date>`` taken as UTC."""
    doc = read_fixture("council_spoken_quotes.html")
    assert doc.title == "Council delays vote on transit levy after tense hearing"
    assert doc.byline == "Owen Pryce"
    assert doc.published_at == datetime(2023, 11, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("page", "title", "byline", "published"),
    [
        ('<title> Ferry talks resume </title><time datetime="2024-03-04T08:00:00+01:00">',
         "Ferry talks resume", None, datetime(2024, 3, 4, 7, 0, tzinfo=UTC)),
        ('<body><h1>Only a heading</h1><a rel="author" href="/staff/kim">Kim Ode</a>',
         "Only a heading", "Kim Ode", None),
        ('<meta name="twitter:title" content="Tweets of the week"><meta name="pubdate" '
         'content="Wed, 01 Jul 2020 13:59:00 GMT">', "Tweets of the week", None,
         datetime(2020, 7, 1, 13, 59, tzinfo=UTC)),
        ('<script type="application/ld+json">{"headline": "Broken JSON",</script>'
         '<time datetime="not a date"></time><meta name="date" content="2021-02-30">',
         None, None, None),
        ("", None, None, None),
    ],
)  # fmt: skip
def test_metadata_variants(
    page: str, title: str | None, byline: str | None, published: datetime | None
) -> None:
    """Each source of metadata, and nothing invented when the page has none."""
    doc = read_html(page)
    assert (doc.title, doc.byline, doc.published_at) == (title, byline, published)


SMART = "“Sad!” — café"


def test_decode_with_a_content_type_charset() -> None:
    """The header's charset decides; ``iso-8859-1`` is read as Windows-1252, as browsers do."""
    body = SMART.encode("cp1252")
    assert decode_html(body, "text/html; charset=ISO-8859-1") == SMART
    assert decode_html(SMART.encode("utf-8"), 'text/html; charset="utf-8"') == SMART


def test_decode_with_a_meta_charset() -> None:
    """Without a header charset, ``<meta charset>`` or ``http-equiv`` in the first 4 KB decides."""
    body = b'<html><head><meta charset="windows-1252"></head><p>' + SMART.encode("cp1252")
    assert decode_html(body, "text/html").endswith(SMART)
    body = (
        b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><p>'
        + "€".encode("iso-8859-15")
    )
    assert decode_html(body, None).endswith("€")


def test_decode_with_a_bom() -> None:
    """A byte-order mark beats every declaration."""
    assert (
        decode_html(codecs.BOM_UTF8 + SMART.encode("utf-8"), "text/html; charset=cp1252") == SMART
    )
    assert decode_html(codecs.BOM_UTF16_LE + SMART.encode("utf-16-le"), None) == SMART


def test_decode_without_a_declaration() -> None:
    """Undeclared bytes are UTF-8 when they can be, else Windows-1252."""
    assert decode_html(SMART.encode("utf-8"), None) == SMART
    assert decode_html(SMART.encode("cp1252"), "text/html") == SMART


def test_decode_never_raises() -> None:
    """Bad bytes under any declaration, an unknown label or nothing at all still decode."""
    assert decode_html(b"ok \xff\xfe\xfa", "text/html; charset=utf-8") == "ok \ufffd\ufffd\ufffd"
    assert decode_html(b"ok \x81", None) == "ok \ufffd"
    assert decode_html(b"plain", "text/html; charset=klingon") == "plain"
    assert decode_html(b"", None) == ""
