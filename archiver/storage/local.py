"""Blobs in a local folder, written durably.

Writes go to a temporary file in the blob's own folder (``.incoming-…``), which is fsynced,
renamed into place, and the folder fsynced too (and each folder made on the way): a crash, even
a power cut, never leaves a half-written blob under a real name, and a blob the database names
(it is stored first) is there after a restart. A crash mid-write can leave an ``.incoming-…``
file behind: it names nothing and is never read.
"""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path

from archiver.storage.base import CHUNK, BlobRef, fan_out, hash_chunks, sha256_hex
from archiver.storage.files import fsync_folder


class LocalBlobStore:
    """Blobs as files ``ROOT/ab/cd/abcd…`` (two levels of fan-out keep folders small)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        """Where the blob with this hash lives (whether or not it exists)."""
        return self.root / fan_out(sha256)

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
            fsync_folder(target.parent)  # the rename itself survives a power cut
        return BlobRef(sha256=digest, size=len(data))

    def _make_folder(self, folder: Path) -> None:
        """Make ``folder`` and the missing ones above it (up to the root), each one's entry
        synced into its parent."""
        if folder.is_dir():
            return
        if folder != self.root:
            self._make_folder(folder.parent)
        folder.mkdir(parents=True, exist_ok=True)
        fsync_folder(folder.parent)

    def get(self, sha256: str) -> bytes:
        """Read a blob back."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).is_file()

    def digest(self, sha256: str) -> tuple[str, int] | None:
        """The SHA-256 and size of the file's bytes, or ``None`` when there is no file."""
        try:
            with self.path(sha256).open("rb") as file:
                return hash_chunks(iter(partial(file.read, CHUNK), b""))
        except (FileNotFoundError, IsADirectoryError):
            return None
