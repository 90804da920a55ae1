"""The manifest of a snapshot: what a trusted timestamp covers.

Its bytes are canonical JSON: UTF-8, keys sorted, no spaces (``","`` and ``":"``), every
character outside ASCII escaped (``\\u00e9``), no newline at the end. Its SHA-256 is the message
imprint sent to each Time-Stamp Authority, and it is stored as a blob itself, so that anyone
can check a token with ``openssl ts -verify -data manifest.json -in token.tsr -CAfile
chain.pem``. Fields::

    format       "archiver-manifest/1"
    snapshot_id  the snapshot's ID            post_id   the post's ID
    post_url     the post's canonical URL     captured_at  RFC 3339 UTC
    software     the software that captured it ("Archiver/VERSION")
    text_sha256  SHA-256 of the snapshot's text (UTF-8), as the API and pages show it
    artifacts    [{"name", "sha256"[, "url"]}]: "raw" (the platform's answer the data was
                 read from), "warc" (every exchange of the capture), "screenshot" (PNG),
                 "media-N" (each photo or video kept, with the URL it came from), in that
                 order; an artifact the snapshot does not have is not listed

Each artifact is a blob named by its SHA-256 (``GET /api/v1/snapshots/{id}/raw`` and so on),
so a manifest binds the timestamp to the exact bytes of every one. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from archiver.db.models import Post, Snapshot
from archiver.timefmt import rfc3339

FORMAT = "archiver-manifest/1"
BLOBS = "blobs"
SCREENSHOTS = "screenshots"


@dataclass(frozen=True, slots=True)
class Entry:
    """One artifact a manifest names: its name, its SHA-256, the store it is kept in."""

    name: str
    sha256: str
    store: str = BLOBS
    url: str | None = None


def artifacts(snapshot: Snapshot) -> list[Entry]:
    """Every artifact the snapshot names, in manifest order."""
    found = []
    if snapshot.raw_sha256:
        found.append(Entry("raw", snapshot.raw_sha256))
    if snapshot.warc_sha256:
        found.append(Entry("warc", snapshot.warc_sha256))
    if snapshot.screenshot_sha256:
        found.append(Entry("screenshot", snapshot.screenshot_sha256, SCREENSHOTS))
    kept = [media for media in snapshot.media if media.get("sha256")]
    for number, media in enumerate(kept, start=1):
        found.append(Entry(f"media-{number}", str(media["sha256"]), url=media.get("url")))
    return found


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document (see the module docstring)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def manifest_of(post: Post, snapshot: Snapshot) -> bytes:
    """The manifest of ``snapshot`` of ``post``, as it stands now."""
    listed = []
    for entry in artifacts(snapshot):
        item = {"name": entry.name, "sha256": entry.sha256}
        listed.append(item | ({"url": entry.url} if entry.url else {}))
    return canonical(
        {
            "format": FORMAT,
            "snapshot_id": snapshot.id,
            "post_id": post.id,
            "post_url": post.canonical_url,
            "captured_at": rfc3339(snapshot.captured_at),
            "software": snapshot.software_version,
            "text_sha256": hashlib.sha256(snapshot.text.encode("utf-8")).hexdigest(),
            "artifacts": listed,
        }
    )


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest read back: the snapshot it is of, and its artifacts by name."""

    snapshot_id: str
    artifacts: dict[str, str]  # name → SHA-256


def read(data: bytes) -> Manifest:
    """Read a stored manifest; ``ValueError`` when it is not one."""
    try:
        document = json.loads(data)
        listed = {str(a["name"]): str(a["sha256"]) for a in document["artifacts"]}
        snapshot_id = str(document["snapshot_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not an Archiver manifest ({type(exc).__name__})") from None
    if document.get("format") != FORMAT:
        raise ValueError(f"not an {FORMAT} manifest")
    return Manifest(snapshot_id, listed)
