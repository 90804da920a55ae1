"""Exports of archived posts for other tools: JSON (every field and hash, in the API's shapes),
CSV (a row per snapshot) and WACZ (``export_wacz``).

A selection is some posts by ID, the posts with a tag, or everything. A file export is written
next to its target and renamed into place at the end, so a failed export never leaves half a
file under the name asked for.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

import archiver
from archiver import urls
from archiver.db import repository
from archiver.db.models import Check, Post, Snapshot
from archiver.errors import ArchiverError
from archiver.ids import normalize_id
from archiver.services import posts
from archiver.timefmt import rfc3339

FORMATS = ("wacz", "json", "csv")
JSON_FORMAT = "archiver-export/1"
SOFTWARE = f"Archiver {archiver.__version__}"


class ExportError(ArchiverError):
    """An export cannot be made as asked (unknown post, nothing selected, unwritable path,
    evidence missing or damaged in storage)."""


class NothingToExport(ExportError):
    """The selection holds nothing the format can carry (a WACZ of posts never captured)."""


@dataclass(frozen=True, slots=True)
class Shapes:
    """How posts, snapshots and checks are written: the API's own shapes, given by the API
    layer so an export always mirrors what ``/api/v1`` answers."""

    post: Callable[[posts.PostView], dict[str, Any]]
    snapshot: Callable[[Snapshot, Post], dict[str, Any]]
    check: Callable[[Check], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export: posts by ID, the posts with a tag, or every post."""

    post_ids: tuple[str, ...] = ()
    tag: str | None = None
    everything: bool = False

    def describe(self) -> dict[str, Any]:
        """The selection as written into an export."""
        if self.everything:
            return {"all": True}
        if self.tag is not None:
            return {"tag": self.tag}
        return {"posts": list(self.post_ids)}

    def title(self) -> str:
        """A title for an export of this selection."""
        if self.everything:
            return "Archiver: every archived post"
        if self.tag is not None:
            return f"Archiver: posts tagged {self.tag}"
        return "Archiver: post " + ", ".join(self.post_ids)


@dataclass(frozen=True, slots=True)
class PostBundle:
    """One post with everything recorded of it."""

    view: posts.PostView
    snapshots: list[Snapshot]
    checks: list[Check]


def resolve(*, session: Session, selection: Selection) -> list[str]:
    """The canonical IDs of the selected posts; ExportError for an unknown one or for none."""
    if selection.everything or selection.tag is not None:
        found = repository.export_post_ids(session=session, tag=selection.tag)
        if not found:
            what = f"tagged {selection.tag!r}" if selection.tag is not None else "archived yet"
            raise ExportError(f"there is no post {what} to export")
        return found
    if not selection.post_ids:
        raise ExportError("nothing to export: choose --post ID, --tag T or --all")
    chosen: list[str] = []
    for typed in selection.post_ids:
        canonical = normalize_id(typed)
        post = repository.get_post(session=session, post_id=canonical) if canonical else None
        if post is None:
            raise ExportError(f"there is no post {typed!r}")
        if post.id not in chosen:
            chosen.append(post.id)
    return chosen


def bundles(*, session: Session, post_ids: Sequence[str]) -> Iterator[PostBundle]:
    """Each selected post with its snapshots and checks, oldest first, one at a time."""
    for post_id in post_ids:
        post = repository.get_post(session=session, post_id=post_id)
        if post is None:  # deleted while exporting
            continue
        yield PostBundle(
            view=posts.view(session=session, post=post),
            snapshots=repository.list_snapshots(session=session, post_id=post_id),
            checks=repository.checks_of_post(session=session, post_id=post_id),
        )


class JsonWriter:
    """``{"format", "software", "exported_at", "selection", "posts": [...]}``, streamed: each
    post in its API shape with ``snapshots`` and ``checks`` (every hash) added."""

    def __init__(
        self, out: IO[str], *, shapes: Shapes, selection: Selection, now: datetime
    ) -> None:
        self.out = out
        self.shapes = shapes
        self.count = 0
        head = {
            "format": JSON_FORMAT,
            "software": SOFTWARE,
            "exported_at": rfc3339(now),
            "selection": selection.describe(),
        }
        out.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "posts": [\n')

    def document(self, bundle: PostBundle) -> dict[str, Any]:
        """One post as exported."""
        return {
            **self.shapes.post(bundle.view),
            "snapshots": [self.shapes.snapshot(s, bundle.view.post) for s in bundle.snapshots],
            "checks": [self.shapes.check(c) for c in bundle.checks],
        }

    def add(self, bundle: PostBundle) -> None:
        """Write one post."""
        if self.count:
            self.out.write(",\n")
        self.out.write(json.dumps(self.document(bundle), ensure_ascii=False, sort_keys=False))
        self.count += 1

    def close(self) -> None:
        """End the document."""
        self.out.write("\n ]\n}\n")


CSV_COLUMNS = (
    "post_id", "post_url", "canonical_url", "platform", "platform_post_id", "post_status",
    "snapshot_id", "captured_at", "version_id", "posted_at", "edited_at", "author_handle",
    "author_name", "lang", "text", "raw_sha256", "raw_url", "warc_sha256", "screenshot_sha256",
    "screenshot_source", "media_sha256", "media_urls", "software_version", "snapshot_api_url",
    "screenshot_phash", "media_phash",
)  # fmt: skip
#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = rfc3339(value) if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class CsvWriter:
    """One row per snapshot: the main fields and every hash (media hashes space-separated; a
    media file without a perceptual hash, a video, is ``-`` in ``media_phash``).
    Archived text is hostile input: a cell that a spreadsheet would run as a formula is
    prefixed with ``'`` (the JSON export keeps every text exactly)."""

    def __init__(self, out: IO[str]) -> None:
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.writer.writerow(CSV_COLUMNS)
        self.count = 0

    def add(self, bundle: PostBundle) -> None:
        """Write the rows of one post's snapshots."""
        post = bundle.view.post
        for snap in bundle.snapshots:
            media = [m for m in snap.media if m.get("sha256")]
            row = (
                post.id, post.url, post.canonical_url, post.platform.value,
                post.platform_post_id, post.status.value, snap.id, snap.captured_at,
                snap.version_id, snap.posted_at, snap.edited_at, snap.author_handle,
                snap.author_name, snap.lang, snap.text, snap.raw_sha256, snap.raw_url,
                snap.warc_sha256, snap.screenshot_sha256, snap.screenshot_source,
                " ".join(m["sha256"] for m in media), " ".join(m.get("url", "") for m in media),
                snap.software_version, urls.snapshot_api(snap.id), snap.screenshot_phash,
                " ".join(m.get("phash") or "-" for m in media),
            )  # fmt: skip
            self.writer.writerow([_cell(value) for value in row])
            self.count += 1

    def close(self) -> None:
        """Nothing to end: CSV has no footer."""


def text_writer(
    fmt: str, out: IO[str], *, shapes: Shapes, selection: Selection, now: datetime
) -> JsonWriter | CsvWriter:
    """The writer of a text format (``json`` or ``csv``)."""
    if fmt == "json":
        return JsonWriter(out, shapes=shapes, selection=selection, now=now)
    if fmt == "csv":
        return CsvWriter(out)
    raise ExportError(f"{fmt!r} is not a text export format")


def open_target(path: Path) -> tuple[IO[bytes], Path]:
    """A temporary file beside ``path`` (renamed onto it by :func:`write_file`); ExportError
    saying why in one sentence when ``path`` cannot be written."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return os.fdopen(handle, "wb"), Path(temporary)


def write_file(path: Path, write: Callable[[IO[bytes]], int]) -> int:
    """Run ``write`` on a temporary file beside ``path`` and rename it onto ``path`` once it
    has finished (a failed export leaves nothing behind); returns what ``write`` returns."""
    out, temporary = open_target(path)
    try:
        with out:
            count = write(out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.chmod(0o644)  # mkstemp makes it private; an export is for sharing
    os.replace(temporary, path)
    return count


def write_text(
    fmt: str,
    binary: IO[bytes],
    items: Iterator[PostBundle],
    *,
    shapes: Shapes,
    selection: Selection,
    now: datetime,
    advance: Callable[[], None] = lambda: None,
) -> int:
    """Write a JSON or CSV export of ``items``; returns how many posts were written."""
    out = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    writer = text_writer(fmt, out, shapes=shapes, selection=selection, now=now)
    count = 0
    for bundle in items:
        writer.add(bundle)
        count += 1
        advance()
    writer.close()
    out.flush()
    out.detach()  # the caller closes the file
    return count
