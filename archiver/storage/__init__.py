"""Content-addressed blob storage: raw upstream bodies, WARCs, media and screenshots.

A blob is stored under its SHA-256 and never overwritten or deleted in normal operation; the
same bytes stored twice are one blob. There are two stores, blobs (raw bodies, WARCs, media,
article bytes) and screenshots, kept in local folders (``ARCHIVER_DATA_DIR/blobs`` and
``ARCHIVER_SCREENSHOTS_DIR``: :mod:`archiver.storage.local`) or, with
``ARCHIVER_STORAGE_URL=s3://bucket/prefix``, side by side in one S3-compatible bucket
(:mod:`archiver.storage.s3`). Drivers open both with :func:`open_stores`; everything else sees
only the :class:`BlobStore` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.config import Settings
from archiver.storage.base import (
    CHUNK,
    BlobRef,
    BlobStore,
    StorageError,
    fan_out,
    hash_chunks,
    is_sha256,
    sha256_hex,
)
from archiver.storage.files import create_once
from archiver.storage.local import LocalBlobStore

__all__ = [
    "CHUNK",
    "BlobRef",
    "BlobStore",
    "LocalBlobStore",
    "StorageError",
    "Stores",
    "create_once",
    "fan_out",
    "hash_chunks",
    "is_sha256",
    "open_stores",
    "sha256_hex",
]


@dataclass(frozen=True, slots=True)
class Stores:
    """The two stores of a configuration."""

    blobs: BlobStore
    screenshots: BlobStore


def open_stores(settings: Settings, *, check: bool = True) -> Stores:
    """The stores ``settings`` name: local folders, or the bucket of ``storage_url``.

    For a bucket, the process's one S3 client is made on first use and, with ``check``, the
    bucket is asked for once per process: a ``ConfigError`` in one sentence when it does not
    exist, refuses the credentials or cannot be reached.
    """
    if settings.storage_url is None:
        return Stores(
            blobs=LocalBlobStore(settings.data_dir / "blobs"),
            screenshots=LocalBlobStore(settings.screenshots_dir),
        )
    from archiver.storage.s3 import open_bucket  # boto3 is loaded only when it is used

    blobs, screenshots = open_bucket(settings, check=check)
    return Stores(blobs=blobs, screenshots=screenshots)
