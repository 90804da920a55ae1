"""Memento (RFC 7089): Archiver as an archive whose mementos are its snapshot pages.

An *original* is a post URL in any of its forms; it names the stored post through the
platform registry. The TimeGate picks the snapshot closest to the asked datetime; the TimeMap
lists them all, in link format (RFC 7089 §5.1) or as JSON (the MementoWeb shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from sqlalchemy.orm import Session

from archiver import urls
from archiver.db import repository
from archiver.db.models import Post, Snapshot
from archiver.errors import BadRequest, NotFound
from archiver.platforms import match_url
from archiver.timefmt import rfc3339

#: A scheme whose ``//`` a proxy collapsed (``https:/x.com/…``), or that has ``//`` already.
_SCHEME = re.compile(r"^(https?|at):/*", re.IGNORECASE)
LINK_FORMAT = "application/link-format"


def http_date(value: datetime) -> str:
    """RFC 1123 in GMT: ``Wed, 01 Jul 2020 13:59:00 GMT``."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


def original_url(path: str, query: str = "") -> str:
    """The original URL as it arrived in a request path: the ``//`` after its scheme
    restored when a proxy collapsed it, ``https://`` supplied when it has no scheme, and the
    request's query string given back to it (it belongs to the original, e.g. ``?s=20``)."""
    url = path.strip()
    match = _SCHEME.match(url)
    if match:
        url = f"{match.group(1).lower()}://{url[match.end() :]}"
    elif url:
        url = "https://" + url.lstrip("/")
    return f"{url}?{query}" if query else url


def post_for_url(*, session: Session, url: str) -> Post:
    """The stored post a post URL names (in any of its forms), or NotFound."""
    ref = match_url(url)
    post = (
        repository.find_post(session=session, platform=ref.platform, post_key=ref.key)
        if ref is not None
        else None
    )
    if post is None:
        raise NotFound(f"no archived post is known by the URL {url}")
    return post


def parse_accept_datetime(value: str) -> datetime:
    """An ``Accept-Datetime`` header (an RFC 1123 date) as aware UTC, or BadRequest."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError) as exc:
        raise BadRequest(
            f"Accept-Datetime {value!r} is not an RFC 1123 date such as "
            "'Wed, 01 Jul 2020 13:59:00 GMT'."
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Memento:
    """One snapshot as a memento: its ID and when it was captured."""

    id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TimeGateAnswer:
    """The post an original names and the snapshot the TimeGate chose."""

    post: Post
    snapshot: Snapshot


def closest(before: Snapshot | None, after: Snapshot | None, at: datetime) -> Snapshot | None:
    """Of the newest snapshot at or before ``at`` and the oldest after it, the nearer one
    (the earlier on a tie)."""
    if before is None or after is None:
        return before or after
    return before if at - before.captured_at <= after.captured_at - at else after


def timegate(*, session: Session, original: str, at: datetime | None) -> TimeGateAnswer:
    """The snapshot of ``original`` closest to ``at`` (the newest when ``at`` is ``None``),
    or NotFound when the post is unknown or has no snapshot yet."""
    post = post_for_url(session=session, url=original)
    if at is None:
        chosen = repository.latest_snapshot(session=session, post_id=post.id)
    else:
        before, after = repository.snapshots_around(session=session, post_id=post.id, at=at)
        chosen = closest(before, after, at)
    if chosen is None:
        raise NotFound(f"the post {post.canonical_url} has no snapshot yet")
    return TimeGateAnswer(post=post, snapshot=chosen)


@dataclass(frozen=True, slots=True)
class TimeMap:
    """A post's original URL and its mementos, oldest first (never empty)."""

    original: str
    mementos: list[Memento]


def timemap(*, session: Session, original: str) -> TimeMap:
    """The TimeMap of ``original``, or NotFound when the post is unknown or never captured."""
    post = post_for_url(session=session, url=original)
    rows = repository.snapshot_times(session=session, post_id=post.id)
    if not rows:
        raise NotFound(f"the post {post.canonical_url} has no snapshot yet")
    return TimeMap(post.canonical_url, [Memento(snapshot_id, at) for snapshot_id, at in rows])


def timegate_links(*, original: str, base: str) -> str:
    """The ``Link`` header of a TimeGate answer: the original and its TimeMap."""
    return (
        f'<{original}>; rel="original", '
        f'<{base}{urls.timemap_link(original)}>; rel="timemap"; type="{LINK_FORMAT}"'
    )


def _memento_rel(index: int, count: int) -> str:
    if count == 1:
        return "first last memento"
    if index == 0:
        return "first memento"
    return "last memento" if index == count - 1 else "memento"


def link_format(tm: TimeMap, *, base: str) -> str:
    """The TimeMap in ``application/link-format`` (RFC 7089 §5.1), one link per line."""
    first, last = tm.mementos[0], tm.mementos[-1]
    lines = [
        f'<{tm.original}>; rel="original"',
        f'<{base}{urls.timemap_link(tm.original)}>; rel="self"; '
        f'type="application/link-format"; from="{http_date(first.at)}"; '
        f'until="{http_date(last.at)}"',
        f'<{base}{urls.timegate(tm.original)}>; rel="timegate"',
    ]
    count = len(tm.mementos)
    lines += [
        f'<{base}{urls.snapshot_page(m.id)}>; rel="{_memento_rel(i, count)}"; '
        f'datetime="{http_date(m.at)}"'
        for i, m in enumerate(tm.mementos)
    ]
    return ",\n".join(lines) + "\n"


def json_format(tm: TimeMap, *, base: str) -> dict[str, Any]:
    """The TimeMap as JSON, in the shape of the MementoWeb aggregator's TimeMaps (ISO 8601
    datetimes in UTC, as they write them)."""

    def entry(memento: Memento) -> dict[str, str]:
        return {"datetime": rfc3339(memento.at), "uri": base + urls.snapshot_page(memento.id)}

    return {
        "original_uri": tm.original,
        "timegate_uri": base + urls.timegate(tm.original),
        "timemap_uri": {
            "link_format": base + urls.timemap_link(tm.original),
            "json_format": base + urls.timemap_json(tm.original),
        },
        "mementos": {
            "first": entry(tm.mementos[0]),
            "last": entry(tm.mementos[-1]),
            "list": [entry(m) for m in tm.mementos],
        },
    }


def memento_headers(*, original: str, captured_at: datetime, base: str) -> dict[str, str]:
    """The headers a memento (a snapshot page) sends (RFC 7089 §2.1): its ``Memento-Datetime``
    and a ``Link`` to its original, TimeGate and TimeMap."""
    return {
        "Memento-Datetime": http_date(captured_at),
        "Link": (
            f'<{original}>; rel="original", '
            f'<{base}{urls.timegate(original)}>; rel="timegate", '
            f'<{base}{urls.timemap_link(original)}>; rel="timemap"; type="{LINK_FORMAT}"'
        ),
    }
