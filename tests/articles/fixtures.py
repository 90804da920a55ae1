"""The fixture articles under ``tests/fixtures/articles/``: original prose about invented
outlets, people and posts, as HTML pages and as the plain text a CMS export or copy-paste gives."""

from __future__ import annotations

from pathlib import Path

from archiver.articles import ArticleDoc, FoundQuote, read_html, read_text
from archiver.domain import QuoteKind

FIXTURES = Path(__file__).parent.parent / "fixtures" / "articles"


def read_fixture(name: str) -> ArticleDoc:
    """Read one fixture article, as HTML or as plain text according to its suffix."""
    raw = (FIXTURES / name).read_text(encoding="utf-8")
    return read_html(raw) if name.endswith(".html") else read_text(raw)


def of_kind(doc: ArticleDoc, kind: QuoteKind) -> list[FoundQuote]:
    """The article's quotes of one kind, in order."""
    return [quote for quote in doc.quotes if quote.kind is kind]
