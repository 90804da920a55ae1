"""Evidence of an observation: media downloaded through the gate, raw bodies and one WARC
stored content-addressed, and the snapshot row that names them all by SHA-256."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archiver import perceptual
from archiver.db.models import Post, Snapshot
from archiver.domain import HttpExchange, LinkedPost, Live, Media, MediaType, Observation
from archiver.errors import EgressError
from archiver.storage import BlobStore
from archiver.warc import build_warc

if TYPE_CHECKING:
    from archiver.services.capture import CaptureDeps


@dataclass(frozen=True, slots=True)
class MediaFetch:
    """One media file of a post: the exchange that brought it, or why it could not be had."""

    media: Media
    exchange: HttpExchange | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """What was stored for one observation."""

    warc_sha256: str | None
    raw: HttpExchange | None = None
    raw_sha256: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)


async def download_media(observation: Observation, deps: CaptureDeps) -> list[MediaFetch]:
    """Fetch each photo and video of a live post through the gate, up to the size cap."""
    if not isinstance(observation, Live):
        return []
    fetched: list[MediaFetch] = []
    for media in observation.data.media:
        try:
            exchange = await deps.fetcher.get(media.url, max_bytes=deps.settings.media_max_bytes)
        except EgressError as exc:
            fetched.append(MediaFetch(media, None, f"{type(exc).__name__}: {exc}"))
            continue
        error = None if 200 <= exchange.status < 300 else f"HTTP {exchange.status}"
        fetched.append(MediaFetch(media, exchange, error))
    return fetched


def source_exchange(live: Live) -> HttpExchange | None:
    """The exchange a live post's data was read from: its body is the snapshot's raw."""
    if live.source_url is not None:
        for exchange in reversed(live.exchanges):
            if exchange.url == live.source_url:
                return exchange
    successes = [e for e in live.exchanges if 200 <= e.status < 300]
    return successes[-1] if successes else None


def store(
    observation: Observation, media: Sequence[MediaFetch], blobs: BlobStore, *, software: str
) -> Stored:
    """Store every body and one WARC of every exchange (media included)."""
    exchanges = list(observation.exchanges) + [m.exchange for m in media if m.exchange]
    if not exchanges:
        return Stored(warc_sha256=None)
    for exchange in exchanges:
        blobs.put(exchange.body)
    warc = blobs.put(build_warc(exchanges, software=software))
    raw = source_exchange(observation) if isinstance(observation, Live) else None
    return Stored(
        warc_sha256=warc.sha256,
        raw=raw,
        raw_sha256=blobs.put(raw.body).sha256 if raw else None,
        media=[_media_entry(m, blobs) for m in media],
    )


def _media_entry(fetch: MediaFetch, blobs: BlobStore) -> dict[str, Any]:
    entry: dict[str, Any] = {k: v for k, v in asdict(fetch.media).items() if v is not None}
    entry["type"] = fetch.media.type.value
    if fetch.exchange is not None and fetch.error is None:
        entry["sha256"] = blobs.put(fetch.exchange.body).sha256
        entry["size"] = len(fetch.exchange.body)
        entry["content_type"] = fetch.exchange.content_type
        if fetch.media.type is MediaType.PHOTO:
            # What it shows (a re-encoded photo is the same picture), and the validators a
            # re-check asks with (``archiver.services.pictures``).
            entry["phash"] = perceptual.phash(fetch.exchange.body)
            entry["etag"] = fetch.exchange.header("etag")
            entry["last_modified"] = fetch.exchange.header("last-modified")
    else:
        entry["sha256"] = None
        entry["error"] = fetch.error
    return entry


def _linked(post: LinkedPost | None) -> dict[str, Any] | None:
    return None if post is None else jsonable(asdict(post))


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (datetimes and other objects become strings)."""
    return json.loads(json.dumps(value, default=str))


def snapshot_row(post: Post, live: Live, stored: Stored, now: datetime, software: str) -> Snapshot:
    """The immutable snapshot of a live observation."""
    data = live.data
    return Snapshot(
        post_id=post.id,
        captured_at=now,
        text=data.text,
        lang=data.lang,
        author_id=data.author.id if data.author else None,
        author_handle=data.author.handle if data.author else None,
        author_name=data.author.name if data.author else None,
        posted_at=data.posted_at,
        media=stored.media,
        metrics=jsonable(dict(data.metrics)),
        quoted_post=_linked(data.quoted_post),
        reply_to=_linked(data.reply_to),
        edit_history_ids=list(data.edit_history_ids),
        raw_sha256=stored.raw_sha256,
        raw_content_type=stored.raw.content_type if stored.raw else None,
        raw_url=stored.raw.url if stored.raw else None,
        warc_sha256=stored.warc_sha256,
        software_version=software,
        version_id=data.post_id,
        edited_at=data.edited_at,
        extra=jsonable(dict(data.extra)),
    )
