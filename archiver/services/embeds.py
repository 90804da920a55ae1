"""oEmbed: a snapshot as a ``rich`` embed that reads right with no script.

The embed is built from the archive alone, so it still renders after the post is gone from its
platform, and says so. Archived text is hostile: every value is escaped before it is placed in
the HTML, and its invisible or direction-changing characters are written as markers
(``⟨U+202E⟩``, :mod:`archiver.web.invisible`) in the HTML, the title and the author's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session

from archiver import urls
from archiver.db import repository
from archiver.db.models import Post, Snapshot
from archiver.domain import Platform, PostStatus
from archiver.errors import NotFound
from archiver.services.citation import platform_name
from archiver.services.memento import post_for_url
from archiver.services.snapshots import get_snapshot
from archiver.web.invisible import reveal_text

#: The embed's width when the consumer sets no ``maxwidth``.
WIDTH = 550
#: How long a consumer may cache an embed: the post's status may change.
CACHE_AGE = 3600
#: A snapshot page's path (possibly under a prefix), with the ID in any typed form.
_SNAPSHOT_PAGE = re.compile(r"(?:^|/)s/([0-9A-Za-z][0-9A-Za-z -]*)/?$")
#: What the embed says of a post that is gone, by status.
_GONE = {
    PostStatus.DELETED: "the post has since been deleted",
    PostStatus.SUSPENDED: "the account has since been suspended",
    PostStatus.PROTECTED: "the account has since been made private (protected)",
    PostStatus.WITHHELD: "the post has since been withheld",
    PostStatus.UNAVAILABLE: "the platform has since said the post is unavailable",
}
TITLE_CHARS = 100
#: What an archived handle may keep as it is in a profile URL.
_SAFE = "@.:_-~"


@dataclass(frozen=True, slots=True)
class EmbedSource:
    """What an embed is made of: the snapshot, its post, the post's newest snapshot and when
    the post was last seen live."""

    post: Post
    snapshot: Snapshot
    latest: Snapshot
    last_live_at: datetime


def _snapshot_id(url: str) -> str | None:
    match = _SNAPSHOT_PAGE.search(urlsplit(url.strip()).path)
    return match.group(1) if match else None


def find_source(*, session: Session, url: str) -> EmbedSource:
    """The snapshot a URL names: a snapshot page (absolute or a path) names that snapshot, a
    post URL in any form its newest one. NotFound otherwise."""
    snapshot_id = _snapshot_id(url)
    snapshot: Snapshot | None = None
    if snapshot_id is not None:
        try:
            snapshot = get_snapshot(session=session, snapshot_id=snapshot_id)
        except NotFound:
            snapshot = None
    if snapshot is not None:
        post = repository.get_post(session=session, post_id=snapshot.post_id)
        if post is None:  # pragma: no cover - the foreign key forbids it
            raise NotFound(f"there is no post for the snapshot {snapshot.id}")
    else:
        post = post_for_url(session=session, url=url)
    latest = repository.latest_snapshot(session=session, post_id=post.id)
    if latest is None:
        raise NotFound(f"the post {post.canonical_url} has no snapshot yet")
    last_check = repository.last_live_check_at(session=session, post_id=post.id)
    live_at = max(last_check, latest.captured_at) if last_check else latest.captured_at
    return EmbedSource(post=post, snapshot=snapshot or latest, latest=latest, last_live_at=live_at)


def human_date(value: datetime) -> str:
    """``1 July 2020, 13:59 UTC``."""
    value = value.astimezone(UTC)
    return f"{value.day} {value:%B %Y, %H:%M} UTC"


def author_url(post: Post, snapshot: Snapshot) -> str | None:
    """The author's profile on the platform, when it can be told from what was archived."""
    # Percent-encoded: an archived handle is hostile text, never a path or query of its own.
    handle = quote((snapshot.author_handle or post.author_handle or "").lstrip("@"), safe=_SAFE)
    if post.platform is Platform.X and handle:
        return f"https://x.com/{handle}"
    if post.platform is Platform.BLUESKY and (handle or snapshot.author_id):
        return f"https://bsky.app/profile/{handle or quote(snapshot.author_id or '', safe=_SAFE)}"
    if post.platform is Platform.MASTODON and handle and post.host:
        return f"https://{post.host}/@{handle}"
    return None


def _who(snapshot: Snapshot, post: Post) -> tuple[str | None, str | None]:
    name = snapshot.author_name or post.author_name
    handle = snapshot.author_handle or post.author_handle
    return (
        reveal_text(name) if name else None,
        f"@{reveal_text(handle.lstrip('@'))}" if handle else None,
    )


def status_line(source: EmbedSource) -> str:
    """When the original was last seen live, and whether it has changed or gone since."""
    post = source.post
    seen = f"The original was last seen live on {human_date(source.last_live_at)}"
    gone = _GONE.get(post.status)
    if gone:
        return f"{seen}; {gone}."
    if source.latest.id != source.snapshot.id:
        return f"{seen}; it has changed since this snapshot (a newer snapshot exists)."
    if post.suspected_status and post.suspected_status in _GONE:
        return f"{seen}; it may be gone ({post.suspected_status}, not yet confirmed)."
    return f"{seen}, as archived here."


def _escaped_text(text: str) -> str:
    lines = escape(reveal_text(text.strip()), quote=True).splitlines()
    return "<br>".join(lines) if lines else "<em>(no text)</em>"


def render_html(source: EmbedSource, *, base: str) -> str:
    """The embed's self-contained HTML: a blockquote readable with no script or style."""
    snapshot, post = source.snapshot, source.post
    page = base + urls.snapshot_page(snapshot.id)
    name, handle = _who(snapshot, post)
    byline = " ".join(escape(part) for part in (name, handle) if part) or "Unknown author"
    platform = platform_name(post.platform, post.host, post.canonical_url)
    posted = snapshot.posted_at or post.posted_at
    when = f" on {escape(human_date(posted))}" if posted else ""
    lang = f' lang="{escape(snapshot.lang)}"' if snapshot.lang else ""
    media = len(snapshot.media)
    media_note = (
        f"<p>({media} {'photo or video' if media == 1 else 'photos or videos'} archived)</p>"
        if media
        else ""
    )
    return (
        f'<blockquote class="archiver-embed" cite="{escape(page)}">'
        f"<p{lang}>{_escaped_text(snapshot.text)}</p>"
        f"{media_note}"
        f"<p>&mdash; {byline}, "
        f'<a href="{escape(post.canonical_url)}">posted on {escape(platform)}</a>{when}</p>'
        f'<p><a href="{escape(page)}">Archived by Archiver on '
        f"{escape(human_date(snapshot.captured_at))}</a></p>"
        f"<p>{escape(status_line(source))}</p>"
        "</blockquote>"
    )


def title(source: EmbedSource) -> str:
    """``Name (@handle): “the first words…”``."""
    name, handle = _who(source.snapshot, source.post)
    who = f"{name} ({handle})" if name and handle else name or handle or "A post"
    text = " ".join(reveal_text(source.snapshot.text).split())
    if len(text) > TITLE_CHARS:
        text = text[: TITLE_CHARS - 1].rstrip() + "…"
    return f"{who}: “{text}”" if text else who


def oembed(source: EmbedSource, *, base: str, maxwidth: int | None = None) -> dict[str, Any]:
    """The oEmbed 1.0 ``rich`` response for ``source``."""
    name, handle = _who(source.snapshot, source.post)
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "provider_name": "Archiver",
        "provider_url": base,
        "title": title(source),
    }
    if name or handle:
        body["author_name"] = name or handle
    profile = author_url(source.post, source.snapshot)
    if profile:
        body["author_url"] = profile
    body |= {
        "html": render_html(source, base=base),
        "width": min(WIDTH, maxwidth) if maxwidth else WIDTH,
        "height": None,
        "cache_age": CACHE_AGE,
    }
    return body
