"""Submitting a post: recognise its platform, then store it once, whatever URL form it came in.

Steps:
1. check the URL is a URL we may look at (http, https or an AT-URI; no control characters);
2. let the platform registry recognise the post and its canonical form;
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
from archiver.errors import UnprocessableContent, UnsupportedUrl
from archiver.platforms import match_url, supported_platforms
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
    url = check_url(url)  # 1
    ref = match_url(url)  # 2
    if ref is None:
        raise UnsupportedUrl(
            f"{url} is not a post URL of a supported platform; supported: "
            + ", ".join(supported_platforms())
        )
    stored_recheck = normalize_recheck(recheck)
    existing = repository.find_post(session=session, platform=ref.platform, post_key=ref.key)
    if existing is not None:  # 3
        repository.add_tags(session=session, post=existing, tags=tags)
        return Submission(post=existing, created=False)
    try:  # 4
        with session.begin_nested():
            post = repository.add_post(
                session=session,
                ref=ref,
                url=url,
                recheck=stored_recheck,
                submitted_by=submitted_by,
                now=now,
            )
            repository.add_tags(session=session, post=post, tags=tags)
    except IntegrityError:
        # Another request stored the same post between our lookup and our insert.
        raced = repository.find_post(session=session, platform=ref.platform, post_key=ref.key)
        if raced is None:
            raise
        repository.add_tags(session=session, post=raced, tags=tags)
        return Submission(post=raced, created=False)
    return Submission(post=post, created=True)
