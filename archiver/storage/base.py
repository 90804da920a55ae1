"""What every blob store shares: references, hashing, and the ``BlobStore`` protocol."""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from archiver.errors import ArchiverError

_HEX = frozenset("0123456789abcdef")

#: How much of a blob is read at a time when it is hashed.
CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A stored blob: its SHA-256 (hex) and size in bytes."""

    sha256: str
    size: int


class StorageError(ArchiverError, OSError):
    """The object store did not answer as it should (network, refused, a server error).

    An ``OSError`` too, so that code prepared for a full or read-only disk is prepared for this.
    """

    def __init__(self, message: str) -> None:
        super().__init__(errno.EIO, message)

    def __str__(self) -> str:
        return str(self.strerror)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def is_sha256(text: str) -> bool:
    """Whether ``text`` looks like a lower-case hex SHA-256."""
    return len(text) == 64 and set(text) <= _HEX


def hash_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    """The SHA-256 (hex) and size of the bytes ``chunks`` give, read one chunk at a time."""
    hasher = hashlib.sha256()
    size = 0
    for chunk in chunks:
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def fan_out(sha256: str) -> str:
    """A blob's place below its store's root: ``ab/cd/abcd…`` (two levels keep folders and
    listings small); ``ValueError`` for a name that is not a SHA-256."""
    if not is_sha256(sha256):
        raise ValueError(f"{sha256!r} is not a SHA-256")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class BlobStore(Protocol):
    """Where artifacts live: local folders (the default) or an S3-compatible bucket.

    Names are lower-case hex SHA-256s; any other name is a ``ValueError``.
    """

    def put(self, data: bytes) -> BlobRef:
        """Store ``data`` (once) and return its reference."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; ``FileNotFoundError`` if there are none."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored under ``sha256``."""
        ...

    def digest(self, sha256: str) -> tuple[str, int] | None:
        """The SHA-256 and size of the bytes stored under ``sha256`` (read in chunks, never
        whole), or ``None`` when there are none."""
        ...
