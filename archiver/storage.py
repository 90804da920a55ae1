"""Content-addressed blob storage: raw upstream bodies, WARCs, media and screenshots.

A blob is stored under its SHA-256 and never overwritten or deleted in normal operation; the
same bytes stored twice are one file. Writes go to a temporary file that is fsynced and then
renamed into place, so a crash never leaves a half-written blob under a real name.
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
            target.parent.mkdir(parents=True, exist_ok=True)
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
        return BlobRef(sha256=digest, size=len(data))

    def get(self, sha256: str) -> bytes:
        """Read a blob back."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).is_file()
