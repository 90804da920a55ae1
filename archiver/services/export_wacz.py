"""WACZ 1.1.1 exports (https://specs.webrecorder.net/wacz/1.1.1/): a ZIP that replay tools
(ReplayWeb.page, pywb) open as a web archive collection.

Layout::

    archive/snapshot-ID.warc.gz    each snapshot's stored WARC, byte for byte
    archive/check-ID.warc.gz       each other check's stored WARC (gone answers included)
    archive/screenshots.warc.gz    the screenshots as WARC ``resource`` records (urn:view:URL)
    indexes/index.cdx              CDXJ of every record, sorted (cdxj-indexer)
    pages/pages.jsonl              one page per snapshot: the data URL it was read from
    screenshots/ID.png             each snapshot's screenshot, byte for byte
    archiver/posts.json            the JSON export of the same posts (every field and hash)
    datapackage.json               every file's path, size and sha256
    datapackage-digest.json        the sha256 of datapackage.json, and when the archive's key
                                   is given, its signature (``wacz_signature``), with a TSA's
                                   timestamp of the signature when ``stamp`` gives one

Every artifact is read back from storage and hashed as it is packed: a missing or damaged one
stops the export (``archiver verify`` says which) rather than shipping unverifiable evidence.
WARCs and PNGs are stored in the ZIP uncompressed (random access); the rest is deflated.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from cdxj_indexer import CDXJIndexer
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archiver.services.export import (
    SOFTWARE,
    ExportError,
    JsonWriter,
    NothingToExport,
    PostBundle,
    Selection,
    Shapes,
)
from archiver.services.tsa import Stamp
from archiver.services.wacz_signature import signed_data, time_signature, timestamped
from archiver.signing import ArchiveKey
from archiver.storage import BlobStore, sha256_hex
from archiver.timefmt import rfc3339

WACZ_VERSION = "1.1.1"
MEDIA_TYPE = "application/wacz"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    size: int
    sha256: str


def warc_date(moment: datetime) -> str:
    """A WARC-Date: ``2024-05-01T18:30:00.123456Z``."""
    date: str = datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)
    return date


class _Indexer(CDXJIndexer):  # type: ignore[misc]
    """cdxj-indexer, reading the ``…+00:00Z`` WARC-Dates that Archiver 0.1 wrote as UTC."""

    def _write_line(self, out: IO[str], index: Any, record: Any, filename: str) -> None:
        date = record.rec_headers.get_header("WARC-Date") or ""
        if date.endswith("+00:00Z"):
            record.rec_headers.replace_header("WARC-Date", date[: -len("+00:00Z")] + "Z")
        super()._write_line(out, index, record, filename)


def cdxj_lines(warc: IO[bytes], filename: str) -> list[str]:
    """The CDXJ index lines of one WARC (unsorted), naming it ``filename``."""
    out = io.StringIO()
    _Indexer(output=out, inputs=[warc], filename=filename, post_append=True).process_all()
    return out.getvalue().splitlines()


class _Zip:
    """A ZIP being written, remembering each entry's size and hash for the datapackage."""

    def __init__(self, out: IO[bytes], now: datetime) -> None:
        self.zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self.stamp = now.astimezone(UTC).timetuple()[:6]
        self.entries: list[_Entry] = []

    def _info(self, path: str, deflate: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def write(self, path: str, data: bytes, *, deflate: bool) -> None:
        self.zip.writestr(self._info(path, deflate), data)
        self.entries.append(_Entry(path, len(data), sha256_hex(data)))

    def copy(self, path: str, source: IO[bytes], *, deflate: bool) -> None:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(self._info(path, deflate), "w", force_zip64=True) as target:
            while chunk := source.read(_CHUNK):
                target.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.entries.append(_Entry(path, size, digest.hexdigest()))


class WaczWriter:
    """Packs posts into a WACZ one at a time; :meth:`close` writes the indexes and manifest."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        blobs: BlobStore,
        screenshots: BlobStore,
        shapes: Shapes,
        selection: Selection,
        now: datetime,
        title: str,
        key: ArchiveKey | None = None,
        stamp: Callable[[bytes], Stamp | None] | None = None,
    ) -> None:
        self.zip = _Zip(out, now)
        self.key = key
        self.stamp = stamp
        self.blobs = blobs
        self.screenshots = screenshots
        self.now = now
        self.title = title
        self.index: list[str] = []
        self.pages: list[dict[str, Any]] = []
        self.packed: set[str] = set()
        self.posts: list[str] = []
        self.shots_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close/abort)
        self.shots = WARCWriter(self.shots_file, gzip=True, warc_version="1.1")
        self.shot_count = 0
        self.json_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.json = JsonWriter(self.json_file, shapes=shapes, selection=selection, now=now)

    def _read(self, store: BlobStore, sha256: str, what: str) -> bytes:
        try:
            data = store.get(sha256)
        except (FileNotFoundError, ValueError) as exc:
            raise ExportError(
                f"{what} ({sha256}) is missing from storage; run `archiver verify`"
            ) from exc
        if sha256_hex(data) != sha256:
            raise ExportError(
                f"{what} ({sha256}) no longer matches its SHA-256; run `archiver verify`"
            )
        return data

    def _warc(self, sha256: str, owner: str) -> None:
        if sha256 in self.packed:  # a snapshot and the check that made it share one WARC
            return
        self.packed.add(sha256)
        data = self._read(self.blobs, sha256, f"the WARC of {owner.replace('-', ' ')}")
        name = f"{owner}.warc.gz"
        self.zip.write(f"archive/{name}", data, deflate=False)
        self.index.extend(cdxj_lines(io.BytesIO(data), name))

    def add(self, bundle: PostBundle) -> None:
        """Pack one post: its WARCs, screenshots and pages."""
        post = bundle.view.post
        self.posts.append(post.id)
        for snap in bundle.snapshots:
            if snap.warc_sha256:
                self._warc(snap.warc_sha256, f"snapshot-{snap.id}")
            title = f"@{snap.author_handle}: " if snap.author_handle else ""
            self.pages.append(
                {
                    "id": snap.id,
                    "url": snap.raw_url or post.canonical_url,
                    "ts": rfc3339(snap.captured_at),
                    "title": (title + snap.text)[:200] or post.canonical_url,
                    "text": snap.text,
                }
            )
            if snap.screenshot_sha256:
                self._screenshot(post.canonical_url, snap.id, snap.screenshot_sha256, snap)
        for check in bundle.checks:
            if check.warc_sha256:
                self._warc(check.warc_sha256, f"check-{check.id}")
        self.json.add(bundle)

    def _screenshot(self, url: str, snapshot_id: str, sha256: str, snap: Any) -> None:
        png = self._read(self.screenshots, sha256, f"the screenshot of snapshot {snapshot_id}")
        self.zip.write(f"screenshots/{snapshot_id}.png", png, deflate=False)
        taken = snap.screenshot_taken_at or snap.captured_at
        record = self.shots.create_warc_record(
            f"urn:view:{url}",
            "resource",
            payload=io.BytesIO(png),
            length=len(png),
            warc_content_type="image/png",
            warc_headers_dict={
                "WARC-Date": warc_date(taken),
                "X-Archiver-Snapshot-Id": snapshot_id,
            },
        )
        self.shots.write_record(record)
        self.shot_count += 1

    def close(self) -> int:
        """Write the screenshots WARC, index, pages, JSON and manifest; returns the post count."""
        if not self.packed:
            raise NothingToExport(
                f"post {', '.join(self.posts)} has no stored WARC yet: nothing to put in a WACZ"
            )
        if self.shot_count:
            name = "screenshots.warc.gz"
            self.shots_file.seek(0)
            self.index.extend(cdxj_lines(self.shots_file, name))
            self.shots_file.seek(0)
            self.zip.copy(f"archive/{name}", self.shots_file, deflate=False)
        self.shots_file.close()
        index = "".join(f"{line}\n" for line in sorted(self.index))
        self.zip.write("indexes/index.cdx", index.encode(), deflate=True)
        header = {"format": "json-pages-1.0", "id": "pages", "title": self.title}
        lines = [json.dumps(line, ensure_ascii=False) for line in [header, *self.pages]]
        self.zip.write("pages/pages.jsonl", ("\n".join(lines) + "\n").encode(), deflate=True)
        self.json.close()
        self.json_file.seek(0)
        self.zip.write("archiver/posts.json", self.json_file.read().encode(), deflate=True)
        self.json_file.close()
        created = rfc3339(self.now.replace(microsecond=0))
        manifest = json.dumps(self._datapackage(created), indent=2, ensure_ascii=False).encode()
        self.zip.write("datapackage.json", manifest, deflate=True)
        digest: dict[str, Any] = {
            "path": "datapackage.json",
            "hash": f"sha256:{sha256_hex(manifest)}",
        }
        if self.key is not None:
            signed = signed_data(self.key, digest_hash=digest["hash"], created=created)
            stamped = self.stamp(timestamped(signed)) if self.stamp is not None else None
            digest["signedData"] = signed | (time_signature(stamped) if stamped else {})
        digest_json = json.dumps(digest, indent=2).encode()
        self.zip.write("datapackage-digest.json", digest_json, deflate=True)
        self.zip.zip.close()
        return len(self.posts)

    def _datapackage(self, created: str) -> dict[str, Any]:
        package: dict[str, Any] = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": self.title,
            "description": "Archived social media posts exported by Archiver: "
            + ", ".join(self.posts)
            + ". `archiver/posts.json` lists every snapshot and check with the SHA-256 of "
            "every artifact.",
            "created": created,
            "software": SOFTWARE,
            "resources": [
                {
                    "name": entry.path.lower(),
                    "path": entry.path,
                    "hash": f"sha256:{entry.sha256}",
                    "bytes": entry.size,
                }
                for entry in self.zip.entries
            ],
        }
        if self.pages:
            package["mainPageUrl"] = self.pages[0]["url"]
            package["mainPageDate"] = self.pages[0]["ts"]
        return package

    def abort(self) -> None:
        """Give up: close the temporary files (the caller removes the partial output)."""
        for handle in (self.shots_file, self.json_file):
            if not handle.closed:
                handle.close()
        with contextlib.suppress(ValueError, OSError):  # an entry was still being written
            self.zip.zip.close()


def write_wacz(
    out: IO[bytes],
    items: Iterable[PostBundle],
    *,
    blobs: BlobStore,
    screenshots: BlobStore,
    shapes: Shapes,
    selection: Selection,
    now: datetime,
    title: str,
    key: ArchiveKey | None = None,
    stamp: Callable[[bytes], Stamp | None] | None = None,
    advance: Callable[[], None] = lambda: None,
) -> int:
    """Write a WACZ of ``items`` to ``out``, signed with ``key`` when given (the signature
    timestamped with what ``stamp`` gives for it, if anything); returns how many posts it
    holds."""
    writer = WaczWriter(
        out, blobs=blobs, screenshots=screenshots, shapes=shapes, selection=selection,
        now=now, title=title, key=key, stamp=stamp,
    )  # fmt: skip
    try:
        for bundle in items:
            writer.add(bundle)
            advance()
        return writer.close()
    except BaseException:
        writer.abort()
        raise
