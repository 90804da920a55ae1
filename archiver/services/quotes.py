"""Quotes and their posts: linking a quote that gives no URL, judging every linked quote
against every known version of its post, and judging again when the post changes
(SPEC §4 "Quote fidelity").

- **Link** (:func:`settle`): a quote without a URL is matched by text similarity against the
  posts its article names, then against archived posts by the handle it is attributed to,
  posted within a day of the date given (time zones); below the threshold it stays unresolved,
  with the reason.
- **Judge** (:func:`judge_quote`): against every snapshot of the post and every entry of the
  platform's own edit history (``archiver.detect.quotes``), naming the version matched and
  whether the post changed or went away since.
- **Stay current** (:func:`refresh_for_post`): when a post gets a new snapshot or a confirmed
  change, its quotes are judged again (and quotes still unresolved in the articles naming it
  are tried again); a changed verdict on a quote that had been judged against archived text
  becomes a ``quote_changed`` event (recorded and delivered to webhooks by the caller).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Article, Event, Post, Quote, Snapshot
from archiver.detect.quotes import Version, judge, similarity
from archiver.domain import EventKind, Fidelity
from archiver.services.watch import GONE_STATUSES

#: How alike a quote and a post's text must be to link a quote that gives no URL.
LINK_THRESHOLD: Final = 0.6
#: Attribution dates are local to the article's readers; a post may carry the day before or after.
_DATE_SLACK: Final = timedelta(days=1)
_MANY: Final = 50


# --- Staying current ----------------------------------------------------------------------


def refresh_for_post(*, session: Session, post: Post, now: datetime) -> list[Event]:
    """After a post got a snapshot or a confirmed change: try the still-unresolved quotes of
    the articles naming it again, and judge its quotes again. Returns the ``quote_changed``
    events, for the caller to record with the post's own (and deliver to webhooks)."""
    events: list[Event] = []
    for article_id in repository.articles_naming(session=session, post_id=post.id):
        article = repository.get_article(session=session, article_id=article_id)
        if article is not None:
            events += settle(session, article, now, announce=True)
    return events


def settle(session: Session, article: Article, now: datetime, *, announce: bool) -> list[Event]:
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
        if judge_quote(session, quote, post, now) and announce and _was_judged(before):
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


def judge_quote(session: Session, quote: Quote, post: Post, now: datetime) -> bool:
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
