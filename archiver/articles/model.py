"""What reading an article finds: its metadata, its plain text, and the quotes of posts in it.

Pure data; the functions that fill it live beside it in ``archiver.articles``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from archiver.domain import QuoteKind


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who an article says wrote a quoted post, and when, as the article prints it.

    ``handle`` has no leading ``@``; a fediverse handle keeps its host (``user@host``).
    """

    name: str | None = None
    handle: str | None = None
    date: date | None = None


@dataclass(frozen=True, slots=True)
class FoundQuote:
    """One quote of a post found in an article.

    ``text`` is the quoted words as the article prints them (without the surrounding quotation
    marks, and for an embed or attribution line without the attribution itself). ``post_url``
    is the post's address when the article gives it (an embed, a link beside the quote).
    ``speaker`` is who the context says wrote it (a name or ``@handle``), for inline quotes.
    ``context`` is the sentence or paragraph it sits in, for a reader of the report.
    ``position`` orders quotes as they appear in the article (an offset into its text).
    """

    kind: QuoteKind
    text: str
    position: int
    attribution: Attribution | None = None
    post_url: str | None = None
    speaker: str | None = None
    context: str = ""


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """An article as read: metadata from its HTML where present, its plain text, the quotes
    of posts in it (in order), and every post URL it names (embeds and links, deduplicated,
    in order of appearance)."""

    url: str | None
    title: str | None
    byline: str | None
    published_at: datetime | None
    text: str
    quotes: tuple[FoundQuote, ...]
    post_urls: tuple[str, ...]
