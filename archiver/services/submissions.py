"""Submitting a post: recognise its platform, then store it once, whatever URL form it came in.

Steps:
1. check the URL is a URL we may look at (http, https or an AT-URI; no control characters);
2. let the platform registry recognise the post (or web page) and its canonical form; a URL
   nothing claims (a private or local address, a scheme other than http or https) is refused
   with the reason;
3. return the post already stored under that platform key, adding any new tags; or
4. insert it as ``pending`` with its first capture due now, in the caller's transaction,
   so it is durable before anyone is told it was accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Post
from archiver.domain import PostRef
from archiver.errors import UnprocessableContent, UnsupportedUrl
from archiver.platforms import match_url, refusal
from archiver.units import format_duration, parse_schedule

MAX_URL_LENGTH = 2048
ALLOWED_SCHEMES = frozenset({"http", "https", "at"})
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True, slots=True)
class Submission:
    """The stored post, and whether this submission created it."""

    post: Post
    created: bool


def check_url(url: str) -> str:
    """Return ``url`` stripped, or raise UnprocessableContent saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise UnprocessableContent("url is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnprocessableContent(f"url is longer than {MAX_URL_LENGTH} characters")
    if _UNSAFE_CHARS.search(url):
        raise UnprocessableContent("url contains spaces or control characters")
    scheme = urlsplit(url).scheme.lower() if "://" in url or ":" in url else ""
    if not scheme:
        raise UnprocessableContent(f"{url!r} is not a URL; give a full post URL starting https://")
    if scheme not in ALLOWED_SCHEMES:
        raise UnprocessableContent(
            f"URLs with the scheme {scheme!r} are not accepted; use http or https"
        )
    return url


def normalize_recheck(recheck: bool | str | None) -> str | None:
    """The stored form of a per-post re-check choice: ``None`` (default), ``off``, or a schedule."""
    if recheck is None or recheck is True:
        return None
    if recheck is False:
        return "off"
    try:
        offsets = parse_schedule(recheck)
    except ValueError as exc:
        raise UnprocessableContent(f"recheck: {exc}") from exc
    return ",".join(format_duration(offset) for offset in offsets)


@dataclass(frozen=True, slots=True)
class Wanted:
    """A submission whose URL is checked and recognised, not yet stored (steps 1 and 2)."""

    url: str
    ref: PostRef
    tags: tuple[str, ...]
    recheck: str | None
    submitted_by: str | None


def prepare(
    *,
    url: str,
    tags: Sequence[str] = (),
    recheck: bool | str | None = None,
    submitted_by: str | None = None,
) -> Wanted:
    """Check and recognise a submission without touching the database; raises
    UnprocessableContent or UnsupportedUrl saying what is wrong with it."""
    url = check_url(url)  # 1
    ref = match_url(url)  # 2
    if ref is None:
        raise UnsupportedUrl(f"{url} cannot be archived: {refusal(url)}.")
    return Wanted(
        url=url,
        ref=ref,
        tags=tuple(dict.fromkeys(tags)),
        recheck=normalize_recheck(recheck),
        submitted_by=submitted_by,
    )


def submit_post(
    *,
    session: Session,
    url: str,
    tags: Sequence[str] = (),
    recheck: bool | str | None = None,
    submitted_by: str | None = None,
    now: datetime,
) -> Submission:
    """Store a post for capture, or return the one already stored in any of its URL forms."""
    wanted = prepare(url=url, tags=tags, recheck=recheck, submitted_by=submitted_by)
    return store(session=session, wanted=wanted, now=now)


def store(*, session: Session, wanted: Wanted, now: datetime) -> Submission:
    """Steps 3 and 4 for one prepared submission, in the caller's transaction."""
    ref = wanted.ref
    existing = repository.find_post(session=session, platform=ref.platform, post_key=ref.key)
    if existing is not None:  # 3
        repository.add_tags(session=session, post=existing, tags=wanted.tags)
        return Submission(post=existing, created=False)
    try:  # 4
        with session.begin_nested():
            post = repository.add_post(
                session=session,
                ref=ref,
                url=wanted.url,
                recheck=wanted.recheck,
                submitted_by=wanted.submitted_by,
                now=now,
            )
            repository.add_tags(session=session, post=post, tags=wanted.tags)
    except IntegrityError:
        # Another request stored the same post between our lookup and our insert.
        raced = repository.find_post(session=session, platform=ref.platform, post_key=ref.key)
        if raced is None:
            raise
        repository.add_tags(session=session, post=raced, tags=wanted.tags)
        return Submission(post=raced, created=False)
    return Submission(post=post, created=True)


def _in_key_order(wanted: Sequence[Wanted]) -> list[int]:
    """Positions of ``wanted`` by post key: transactions that write overlapping posts in the
    same order wait on each other's unique keys (one wins, the other meets IntegrityError)
    rather than deadlock."""
    return sorted(range(len(wanted)), key=lambda i: (wanted[i].ref.platform, wanted[i].ref.key))


def store_each(*, session: Session, wanted: Sequence[Wanted], now: datetime) -> list[Submission]:
    """:func:`store` for each prepared submission, in one transaction, written in key order."""
    results: dict[int, Submission] = {}
    for i in _in_key_order(wanted):
        results[i] = store(session=session, wanted=wanted[i], now=now)
    return [results[i] for i in range(len(wanted))]


def store_many(*, session: Session, wanted: Sequence[Wanted], now: datetime) -> list[Submission]:
    """Steps 3 and 4 for many prepared submissions at once, in the caller's transaction: one
    query finds those already stored, one flush inserts the rest (in key order). Two of them
    naming the same post store it once (the first is told it created it). Raises IntegrityError
    if another transaction stored one of the posts meanwhile: the caller rolls back and uses
    :func:`store_each`, which settles such races."""
    found = repository.find_posts(
        session=session, keys=[(item.ref.platform, item.ref.key) for item in wanted]
    )
    results: dict[int, Submission] = {}
    fresh: list[Post] = []
    order = _in_key_order(wanted)
    for i in order:
        item = wanted[i]
        key = (item.ref.platform, item.ref.key)
        post = found.get(key)
        if post is not None:
            results[i] = Submission(post=post, created=False)
            continue
        post = found[key] = repository.new_post(
            ref=item.ref,
            url=item.url,
            recheck=item.recheck,
            submitted_by=item.submitted_by,
            now=now,
        )
        fresh.append(post)
        results[i] = Submission(post=post, created=True)
    session.add_all(fresh)
    session.flush()
    for i in order:
        repository.add_tags(session=session, post=results[i].post, tags=wanted[i].tags, flush=False)
    session.flush()
    return [results[i] for i in range(len(wanted))]
