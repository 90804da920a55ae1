"""Reading snapshots, checks and their stored artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.db.models import Article, Check, Snapshot
from archiver.errors import NotFound
from archiver.ids import normalize_id
from archiver.services import timestamps
from archiver.services.pagination import decode_cursor, encode_cursor
from archiver.storage import BlobStore


@dataclass(frozen=True, slots=True)
class Artifact:
    """Bytes to serve, with their type."""

    body: bytes
    media_type: str
    filename: str


def get_snapshot(*, session: Session, snapshot_id: str) -> Snapshot:
    """The snapshot with this (typed) ID, or NotFound."""
    canonical = normalize_id(snapshot_id)
    found = repository.get_snapshot(session=session, snapshot_id=canonical) if canonical else None
    if found is None:
        raise NotFound(f"there is no snapshot {snapshot_id!r}")
    return found


def list_snapshots(*, session: Session, post_id: str) -> list[Snapshot]:
    """A post's snapshots, oldest first."""
    return repository.list_snapshots(session=session, post_id=post_id)


def checks_page(
    *, session: Session, post_id: str, limit: int, cursor: str | None
) -> tuple[list[Check], str | None]:
    """A page of a post's checks, newest first, and the next cursor."""
    after = decode_cursor(cursor) if cursor else None
    rows = repository.list_checks(session=session, post_id=post_id, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, encode_cursor(last.checked_at, last.id) if last else None


def _read(blobs: BlobStore, sha256: str | None, what: str) -> bytes:
    if not sha256:
        raise NotFound(f"this {what} was not kept")
    try:
        return blobs.get(sha256)
    except FileNotFoundError as exc:
        raise NotFound(f"the {what} {sha256} is missing from storage") from exc


def raw_artifact(snapshot: Snapshot, blobs: BlobStore) -> Artifact:
    """The raw upstream body of a snapshot."""
    body = _read(blobs, snapshot.raw_sha256, "raw body")
    media_type = snapshot.raw_content_type or "application/octet-stream"
    return Artifact(body, media_type, f"{snapshot.id}-raw")


def article_artifact(article: Article, blobs: BlobStore) -> Artifact:
    """An article's bytes as fetched or given, with the type they came with."""
    body = _read(blobs, article.raw_sha256, "article")
    media_type = article.raw_content_type or "application/octet-stream"
    return Artifact(body, media_type, f"article-{article.id}")


def warc_artifact(owner_id: str, sha256: str | None, blobs: BlobStore) -> Artifact:
    """A stored WARC."""
    return Artifact(_read(blobs, sha256, "WARC"), "application/warc", f"{owner_id}.warc.gz")


def screenshot_artifact(snapshot: Snapshot, screenshots: BlobStore) -> Artifact:
    """The PNG of a snapshot."""
    body = _read(screenshots, snapshot.screenshot_sha256, "screenshot")
    return Artifact(body, "image/png", f"{snapshot.id}.png")


def media_artifact(snapshot: Snapshot, sha256: str, blobs: BlobStore) -> Artifact:
    """One media file of a snapshot (only hashes the snapshot names are served)."""
    for entry in snapshot.media:
        if entry.get("sha256") == sha256:
            media_type = entry.get("content_type") or "application/octet-stream"
            return Artifact(_read(blobs, sha256, "media file"), media_type, sha256)
    raise NotFound(f"snapshot {snapshot.id} has no media file {sha256}")


def timestamp_artifact(
    snapshot: Snapshot, timestamp_id: str, name: str, blobs: BlobStore
) -> Artifact:
    """One file of one of the snapshot's timestamps (``timestamps.FILES``), or NotFound."""
    canonical = normalize_id(timestamp_id)
    stamp = next((t for t in snapshot.timestamps if t.id == canonical), None)
    if stamp is None or name not in timestamps.FILES:
        raise NotFound(f"snapshot {snapshot.id} has no timestamp file {timestamp_id}/{name}")
    column, media_type = timestamps.FILES[name]
    body = _read(blobs, getattr(stamp, column), f"timestamp {name}")
    return Artifact(body, media_type, f"{snapshot.id}-{stamp.id}-{name}")


def get_check(*, session: Session, check_id: str) -> Check:
    """The check with this ID, or NotFound."""
    canonical = normalize_id(check_id)
    found = session.get(Check, canonical) if canonical else None
    if found is None:
        raise NotFound(f"there is no check {check_id!r}")
    return found


def request_check(*, session: Session, post_id: str, now: datetime) -> str:
    """Ask for a post to be checked now; returns its canonical ID."""
    canonical = normalize_id(post_id)
    post = repository.get_post(session=session, post_id=canonical) if canonical else None
    if post is None:
        raise NotFound(f"there is no post {post_id!r}")
    repository.request_check(session=session, post_id=post.id, now=now)
    return post.id


def check_since(*, session: Session, post_id: str, since: datetime) -> Check | None:
    """The first check of a post made at or after ``since``."""
    return repository.first_check_since(session=session, post_id=post_id, since=since)
