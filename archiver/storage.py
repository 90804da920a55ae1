"""Content-addressed blob storage: raw upstream bodies, WARCs, media and screenshots.

A blob is stored under its SHA-256 and never overwritten or deleted in normal operation; the
same bytes stored twice are one file. Writes go to a temporary file in the blob's own folder
(``.incoming-…``), which is fsynced, renamed into place, and the folder fsynced too (and each
folder made on the way): a crash, even a power cut, never leaves a half-written blob under a
real name, and a blob the database names (it is stored first) is there after a restart. A
crash mid-write can leave an ``.incoming-…`` file behind: it names nothing and is never read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored blob: its SHA-256 (hex) and size in bytes."""

    sha256: str
    size: int


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def is_sha256(text: str) -> bool:
    """Whether ``text`` looks like a lower-case hex SHA-256."""
    return len(text) == 64 and set(text) <= _HEX


class BlobStore(Protocol):
    """Where artifacts live; the local folder store below is the default."""

    def put(self, data: bytes) -> BlobRef:
        """Store ``data`` (once) and return its reference."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; ``FileNotFoundError`` if there are none."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored under ``sha256``."""
        ...


class LocalBlobStore:
    """Blobs as files ``ROOT/ab/cd/abcd…`` (two levels of fan-out keep folders small)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives (whether or not it exists)."""
        if not is_sha256(sha256):
            raise ValueError(f"{sha256!r} is not a SHA-256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> BlobRef:
        """Store ``data`` durably unless identical bytes are already there."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if not target.exists():
            self._make_folder(target.parent)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            _fsync_folder(target.parent)  # the rename itself survives a power cut
        return BlobRef(sha256=digest, size=len(data))

    def _make_folder(self, folder: Path) -> None:
        """Make ``folder`` and the missing ones above it (up to the root), each one's entry
        synced into its parent."""
        if folder.is_dir():
            return
        if folder != self.root:
            self._make_folder(folder.parent)
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_folder(folder.parent)

    def get(self, sha256: str) -> bytes:
        """Read a blob back."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).is_file()


def _fsync_folder(folder: Path) -> None:
    """Make the entries of ``folder`` (a rename, a new file or folder) durable."""
    handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
