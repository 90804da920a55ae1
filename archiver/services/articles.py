"""Articles: read a news article for the posts it quotes, and give its quote report
(SPEC §1.3, §5).

1. **Ingest** (:func:`ingest`): the article's bytes are kept content-addressed with their
   SHA-256 like any evidence; it is read (``archiver.articles``) for its metadata, text, quotes
   and the posts it names; every post it names on a supported platform is submitted.
2. **Link and judge**: a quote with a URL (an embed, a link beside it) is linked to that post;
   the rest, and the verdicts, are ``archiver.services.quotes``'s work.
3. **Read** (:func:`get_view`, :func:`page`), and link a quote by hand (:func:`link_quote`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy.orm import Session

from archiver.articles import decode_html, read_html, read_text
from archiver.articles.model import ArticleDoc
from archiver.db import repository
from archiver.db.models import Article, Post, Quote
from archiver.domain import Platform, QuoteKind
from archiver.errors import (
    ApiError,
    EgressError,
    EgressRefused,
    EgressTooLarge,
    NotFound,
    UnprocessableContent,
    UnsupportedUrl,
    UpstreamUnavailable,
)
from archiver.ids import normalize_id
from archiver.platforms import match_url
from archiver.platforms.base import Fetcher
from archiver.services import submissions
from archiver.services.pagination import decode_cursor, encode_cursor
from archiver.services.quotes import judge_quote, settle

Source = Literal["url", "html", "text"]

#: The largest article page fetched or accepted.
MAX_ARTICLE_BYTES: Final = 10_000_000
_ACCEPT: Final = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"
_READABLE: Final = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """An article as given: fetched from ``url``, or pasted as HTML or text."""

    source: Source
    url: str | None
    body: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article with its quotes and the posts they (and it) name."""

    article: Article
    quotes: list[Quote]
    posts: dict[str, Post]
    named: list[Post]


# --- Ingest -------------------------------------------------------------------------------


async def fetch_article(url: str, fetcher: Fetcher) -> ArticleInput:
    """Fetch an article page through the outbound gate; a clear error if it cannot be had."""
    url = submissions.check_url(url)
    try:
        exchange = await fetcher.get(url, headers={"Accept": _ACCEPT}, max_bytes=MAX_ARTICLE_BYTES)
    except EgressTooLarge:
        raise UnprocessableContent(
            f"the article at {url} is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB"
        ) from None
    except EgressRefused as exc:
        raise UnprocessableContent(f"{url} cannot be fetched: {exc}") from None
    except EgressError as exc:
        raise UpstreamUnavailable(f"the article at {url} could not be fetched: {exc}") from None
    if exchange.status >= 400:
        raise UpstreamUnavailable(f"the article at {url} answered HTTP {exchange.status}")
    content_type = exchange.header("content-type")
    kind = (content_type or "text/html").split(";", 1)[0].strip().lower()
    if kind not in _READABLE:
        raise UnprocessableContent(f"{url} is not an HTML or text page (it is {kind})")
    source: Source = "text" if kind == "text/plain" else "html"
    return ArticleInput(source=source, url=url, body=exchange.body, content_type=content_type)


def given_article(*, url: str | None, html: str | None, text: str | None) -> ArticleInput:
    """An article pasted as HTML or text (exactly one of them), with its URL if known."""
    if (html is None) == (text is None):
        raise UnprocessableContent("give exactly one of url, html or text")
    if url is not None:
        url = submissions.check_url(url)
    body = (html if html is not None else text or "").encode("utf-8")
    if not body.strip():
        raise UnprocessableContent("the article is empty")
    if len(body) > MAX_ARTICLE_BYTES:
        raise UnprocessableContent(
            f"the article is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB"
        )
    if html is not None:
        return ArticleInput("html", url, body, "text/html; charset=utf-8")
    return ArticleInput("text", url, body, "text/plain; charset=utf-8")


def file_article(body: bytes, suffix: str, *, url: str | None) -> ArticleInput:
    """An article saved to a file: HTML by its name (``.html``, ``.htm``) or its first bytes,
    else plain text."""
    if not body.strip():
        raise UnprocessableContent("the article file is empty")
    if len(body) > MAX_ARTICLE_BYTES:
        raise UnprocessableContent(
            f"the article is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB"
        )
    if url is not None:
        url = submissions.check_url(url)
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    is_html = suffix.lower() in {".html", ".htm", ".xhtml"} or head.startswith(
        (b"<!doctype", b"<html", b"<")
    )
    if is_html:
        return ArticleInput("html", url, body, None)
    return ArticleInput("text", url, body, None)


def uncaptured(view: ArticleView) -> list[str]:
    """The posts an article names or quotes that have not been captured yet."""
    return [post.id for post in view.posts.values() if post.first_captured_at is None]


def read(given: ArticleInput) -> ArticleDoc:
    """What the article says: metadata, text, quotes, the posts it names."""
    if given.source == "text" or (given.content_type or "").startswith("text/plain"):
        return read_text(decode_html(given.body, given.content_type), given.url)
    return read_html(decode_html(given.body, given.content_type), given.url)


def ingest(
    *,
    session: Session,
    given: ArticleInput,
    doc: ArticleDoc,
    raw_sha256: str,
    submitted_by: str | None,
    now: datetime,
) -> Article:
    """Store the article (its bytes are already in the blob store under ``raw_sha256``), submit
    every post it names, store its quotes, link and judge them."""
    article = repository.add_article(
        session=session,
        article=Article(
            url=given.url,
            title=doc.title,
            byline=doc.byline,
            published_at=doc.published_at,
            source=given.source,
            raw_sha256=raw_sha256,
            raw_content_type=given.content_type,
            text=doc.text,
            submitted_at=now,
            submitted_by=submitted_by,
        ),
    )
    for position, url in enumerate(doc.post_urls):
        post = _submit(session, url, submitted_by, now)
        if post is not None:
            repository.name_post(
                session=session, article_id=article.id, post_id=post.id, position=position
            )
    for position, found in enumerate(doc.quotes):
        attribution = found.attribution
        quote = Quote(
            article_id=article.id,
            position=position,
            kind=found.kind,
            text=found.text,
            attribution_name=attribution.name if attribution else None,
            attribution_handle=attribution.handle if attribution else None,
            attribution_date=attribution.date if attribution else None,
            post_url=found.post_url,
            context=found.context or None,
            speaker=found.speaker,
            changes=[],
        )
        if found.post_url is not None:
            post = _submit(session, found.post_url, submitted_by, now)
            if post is None:
                quote.unresolved_reason = f"{found.post_url} is not on a platform Archiver reads"
            else:
                quote.post_id = post.id
                quote.link_source = "embed" if found.kind is QuoteKind.EMBED else "link"
                repository.name_post(
                    session=session,
                    article_id=article.id,
                    post_id=post.id,
                    position=len(doc.post_urls) + position,
                )
        repository.add_quote(session=session, quote=quote)
    settle(session, article, now, announce=False)
    return article


def _submit(session: Session, url: str, submitted_by: str | None, now: datetime) -> Post | None:
    """The post at ``url``, submitted for capture if new; ``None`` for a URL that names no post
    of a social platform Archiver reads (an article quotes posts, not web pages)."""
    if not _names_a_post(url):
        return None
    try:
        return submissions.submit_post(
            session=session, url=url, submitted_by=submitted_by, now=now
        ).post
    except ApiError:
        return None


def _names_a_post(url: str) -> bool:
    """Whether ``url`` names a post of a social platform (not merely a web page)."""
    ref = match_url(url)
    return ref is not None and ref.platform is not Platform.WEB


# --- Reading and linking by hand ----------------------------------------------------------


def page(*, session: Session, limit: int, cursor: str | None) -> tuple[list[Article], str | None]:
    """A page of articles, newest submission first, and the cursor of the next page."""
    after = decode_cursor(cursor) if cursor else None
    rows = repository.list_articles(session=session, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, encode_cursor(last.submitted_at, last.id) if last else None


def get_view(*, session: Session, article_id: str) -> ArticleView:
    """The article with its quotes and posts, or NotFound."""
    wanted = normalize_id(article_id)
    article = repository.get_article(session=session, article_id=wanted) if wanted else None
    if article is None:
        raise NotFound(f"there is no article {article_id}")
    quotes = repository.list_quotes(session=session, article_id=article.id)
    named = repository.posts_named(session=session, article_id=article.id)
    posts = {post.id: post for post in named}
    missing = [q.post_id for q in quotes if q.post_id and q.post_id not in posts]
    posts |= repository.posts_by_ids(session=session, post_ids=missing)
    return ArticleView(article=article, quotes=quotes, posts=posts, named=named)


def link_quote(
    *,
    session: Session,
    article_id: str,
    quote_id: str,
    post_url: str,
    submitted_by: str | None,
    now: datetime,
) -> None:
    """Link a quote to a post by hand (the archivist knows better); judge it at once."""
    view = get_view(session=session, article_id=article_id)
    wanted = normalize_id(quote_id)
    quote = next((q for q in view.quotes if q.id == wanted), None)
    if quote is None:
        raise NotFound(f"article {view.article.id} has no quote {quote_id}")
    if not _names_a_post(post_url):
        submissions.check_url(post_url)
        raise UnsupportedUrl(
            f"{post_url} names no post of a social platform Archiver reads; a quote is linked "
            "to a post, not to a web page."
        )
    post = submissions.submit_post(
        session=session, url=post_url, submitted_by=submitted_by, now=now
    ).post
    quote.post_id = post.id
    quote.post_url = post.canonical_url
    quote.link_source = "manual"
    quote.unresolved_reason = None
    repository.name_post(
        session=session, article_id=view.article.id, post_id=post.id, position=10_000
    )
    judge_quote(session, quote, post, now)
