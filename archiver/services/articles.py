"""Articles: read a news article for the posts it quotes, link every quote to its post, and
judge it against every known version of that post (SPEC §1.3, §4 "Quote fidelity", §5).

1. **Ingest** (:func:`ingest`): the article's bytes are kept content-addressed with their
   SHA-256 like any evidence; it is read (``archiver.articles``) for its metadata, text, quotes
   and the posts it names; every post it names on a supported platform is submitted.
2. **Link** (:func:`_resolve`): a quote with a URL (an embed, a link beside it) is linked to
   that post. One without is matched by text similarity against the posts the article names,
   then against archived posts by the handle it is attributed to, posted within a day of the
   date given (time zones); below the threshold it stays unresolved, with the reason.
3. **Judge** (:func:`_judge`): against every snapshot of the post and every entry of the
   platform's own edit history (``archiver.detect.quotes``), naming the version matched and
   whether the post changed or went away since.
4. **Stay current** (:func:`refresh_for_post`): when a post gets a new snapshot or a confirmed
   change, its quotes are judged again (and quotes still unresolved in the articles naming it
   are tried again); a changed verdict on a quote that had been judged against archived text
   becomes a ``quote_changed`` event (recorded and delivered to webhooks by the caller).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final, Literal

from sqlalchemy.orm import Session

from archiver.articles import decode_html, read_html, read_text
from archiver.articles.model import ArticleDoc
from archiver.db import repository
from archiver.db.models import Article, Event, Post, Quote, Snapshot
from archiver.detect.quotes import Version, judge, similarity
from archiver.domain import EventKind, Fidelity, QuoteKind
from archiver.errors import (
    ApiError,
    EgressError,
    EgressRefused,
    EgressTooLarge,
    NotFound,
    UnprocessableContent,
    UpstreamUnavailable,
)
from archiver.ids import normalize_id
from archiver.platforms import match_url
from archiver.platforms.base import Fetcher
from archiver.services import submissions
from archiver.services.pagination import decode_cursor, encode_cursor
from archiver.services.watch import GONE_STATUSES

Source = Literal["url", "html", "text"]

#: The largest article page fetched or accepted.
MAX_ARTICLE_BYTES: Final = 10_000_000
_ACCEPT: Final = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8"
_READABLE: Final = ("text/html", "application/xhtml+xml", "text/plain")
#: How alike a quote and a post's text must be to link a quote that gives no URL.
LINK_THRESHOLD: Final = 0.6
#: Attribution dates are local to the article's readers; a post may carry the day before or after.
_DATE_SLACK: Final = timedelta(days=1)
_MANY: Final = 50


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
    _settle(session, article, now, announce=False)
    return article


def _submit(session: Session, url: str, submitted_by: str | None, now: datetime) -> Post | None:
    """The post at ``url``, submitted for capture if new; ``None`` for unsupported URLs."""
    if match_url(url) is None:
        return None
    try:
        return submissions.submit_post(
            session=session, url=url, submitted_by=submitted_by, now=now
        ).post
    except ApiError:
        return None


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
    _judge(session, quote, post, now)


# --- Staying current ----------------------------------------------------------------------


def refresh_for_post(*, session: Session, post: Post, now: datetime) -> list[Event]:
    """After a post got a snapshot or a confirmed change: try the still-unresolved quotes of
    the articles naming it again, and judge its quotes again. Returns the ``quote_changed``
    events, for the caller to record with the post's own (and deliver to webhooks)."""
    events: list[Event] = []
    for article_id in repository.articles_naming(session=session, post_id=post.id):
        article = repository.get_article(session=session, article_id=article_id)
        if article is not None:
            events += _settle(session, article, now, announce=True)
    return events


def _settle(session: Session, article: Article, now: datetime, *, announce: bool) -> list[Event]:
    """Link what can be linked and judge every linked quote of ``article``; the events of
    changed verdicts when ``announce``."""
    quotes = repository.list_quotes(session=session, article_id=article.id)
    named = repository.posts_named(session=session, article_id=article.id)
    linked = repository.posts_by_ids(
        session=session, post_ids=sorted({q.post_id for q in quotes if q.post_id})
    )
    events: list[Event] = []
    for quote in quotes:
        if quote.post_id is None and quote.post_url is None:
            post = _resolve(session, quote, named)
            if post is None:
                continue
            linked[post.id] = post
        post = linked.get(quote.post_id or "")
        if post is None:
            continue
        before = _verdict(quote)
        if _judge(session, quote, post, now) and announce and _was_judged(before):
            events.append(_quote_changed(session, article, quote, before, now))
    return events


def _verdict(quote: Quote) -> dict[str, Any]:
    return {
        "fidelity": quote.fidelity.value if quote.fidelity else None,
        "matched_snapshot_id": quote.matched_snapshot_id,
        "matched_version": quote.matched_version,
        "post_status": quote.post_status.value if quote.post_status else None,
        "post_changed_since": quote.post_changed_since,
    }


def _was_judged(verdict: dict[str, Any]) -> bool:
    return verdict["fidelity"] not in (None, Fidelity.UNVERIFIABLE.value)


def _quote_changed(
    session: Session, article: Article, quote: Quote, before: dict[str, Any], now: datetime
) -> Event:
    event = Event(
        post_id=quote.post_id or "",
        article_id=article.id,
        kind=EventKind.QUOTE_CHANGED,
        before_snapshot_id=before["matched_snapshot_id"],
        after_snapshot_id=quote.matched_snapshot_id,
        first_observed_at=now,
        confirmed_at=now,
        diff={"quote_id": quote.id, "before": before, "after": _verdict(quote)},
    )
    return event


# --- Linking a quote that gives no URL ----------------------------------------------------


def _resolve(session: Session, quote: Quote, named: list[Post]) -> Post | None:
    """Link ``quote`` to the post whose text it matches best, if any matches well enough;
    otherwise leave the reason on the quote."""
    handle = _handle_of(quote)
    candidates: dict[str, tuple[Post, str]] = {}
    for post in named:
        if handle is None or _same_handle(post.author_handle, handle) or not post.author_handle:
            candidates[post.id] = (post, "article")
    if handle is not None:
        since, until = _date_window(quote)
        for post in repository.posts_by_author(
            session=session, handle=handle, since=since, until=until, limit=_MANY
        ):
            candidates.setdefault(post.id, (post, "attribution"))
    best: tuple[float, Post, str] | None = None
    waiting = 0
    for post, how in candidates.values():
        texts = [s.text for s in repository.list_snapshots(session=session, post_id=post.id)]
        if not texts:
            waiting += 1
            continue
        score = max(similarity(quote.text, text) for text in texts)
        if best is None or score > best[0]:
            best = (score, post, how)
    if best is not None and best[0] >= LINK_THRESHOLD:
        _, post, how = best
        quote.post_id = post.id
        quote.post_url = post.canonical_url
        quote.link_source = how
        quote.unresolved_reason = None
        return post
    quote.unresolved_reason = _why_unresolved(quote, handle, waiting, best)
    return None


def _why_unresolved(
    quote: Quote, handle: str | None, waiting: int, best: tuple[float, Post, str] | None
) -> str:
    if waiting:
        return f"waiting for {waiting} post(s) it may quote to be captured"
    who = f"@{handle}" if handle else "the posts this article names"
    when = f" around {quote.attribution_date:%B %-d, %Y}" if quote.attribution_date else ""
    if best is None:
        return (
            f"no archived post by {who}{when}; link it by hand"
            if handle
            else "the quote names no author and the article names no post; link it by hand"
        )
    return (
        f"no archived post by {who}{when} matches the quoted words"
        f" (best match {best[0]:.0%}); link it by hand"
    )


def _handle_of(quote: Quote) -> str | None:
    if quote.attribution_handle:
        return quote.attribution_handle.lstrip("@")
    if quote.speaker and quote.speaker.startswith("@"):
        return quote.speaker.lstrip("@")
    return None


def _same_handle(stored: str | None, wanted: str) -> bool:
    if not stored:
        return False
    a, b = stored.lower().lstrip("@"), wanted.lower().lstrip("@")
    return a == b or a.split("@", 1)[0] == b.split("@", 1)[0]


def _date_window(quote: Quote) -> tuple[datetime | None, datetime | None]:
    if quote.attribution_date is None:
        return None, None
    day = datetime.combine(quote.attribution_date, time.min, tzinfo=UTC)
    return day - _DATE_SLACK, day + timedelta(days=1) + _DATE_SLACK


# --- Judging ------------------------------------------------------------------------------


def versions_of(snapshots: list[Snapshot]) -> list[Version]:
    """Every known text of a post, oldest first: its snapshots and the entries of the
    platform's edit history its snapshots carry (Mastodon's ``/history``)."""
    dated: dict[str, tuple[datetime, str]] = {}
    for snapshot in snapshots:
        for entry in (snapshot.extra or {}).get("history") or []:
            stamp, text = entry.get("created_at"), entry.get("text")
            if isinstance(stamp, str) and isinstance(text, str):
                moment = _parse_time(stamp)
                if moment is not None:
                    dated.setdefault(f"history:{stamp}", (moment, text))
        dated[snapshot.id] = (snapshot.captured_at, snapshot.text)
    # By time; at one moment an edit-history entry comes before the snapshot that captured it.
    ordered = sorted(
        dated.items(), key=lambda item: (item[1][0], not item[0].startswith("history:"))
    )
    return [Version(id=key, text=text, order=i) for i, (key, (_, text)) in enumerate(ordered)]


def _parse_time(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _judge(session: Session, quote: Quote, post: Post, now: datetime) -> bool:
    """Judge ``quote`` against every version of ``post``; whether the verdict changed."""
    before = _verdict(quote)
    versions = versions_of(repository.list_snapshots(session=session, post_id=post.id))
    if not quote.text.strip():  # an embed that carries no words (an iframe): nothing to judge
        versions = []
    judgement = judge(quote.text, versions)
    matched = judgement.version_id
    quote.fidelity = judgement.fidelity
    quote.changes = [change.to_json() for change in judgement.changes]
    quote.diff = judgement.diff
    quote.span = judgement.span
    quote.score = judgement.score
    quote.matched_snapshot_id = (
        None if matched is None or matched.startswith("history:") else matched
    )
    quote.matched_version = matched if matched and matched.startswith("history:") else None
    quote.post_status = post.status
    quote.post_changed_since = _changed_since(post, versions, matched)
    quote.judged_at = now
    return _verdict(quote) != before


def _changed_since(post: Post, versions: list[Version], matched: str | None) -> bool | None:
    """Whether the post went away, or now reads otherwise than the version quoted."""
    if post.status in GONE_STATUSES:
        return True
    if matched is None or not versions:
        return None
    texts = {version.id: version.text for version in versions}
    return _plain(texts[matched]) != _plain(versions[-1].text)


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())
