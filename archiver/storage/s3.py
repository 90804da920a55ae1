"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Cloudflare R2…), through boto3.

One bucket and key prefix (``ARCHIVER_STORAGE_URL=s3://bucket/prefix``) holds both stores, one
folder each: ``PREFIX/blobs/ab/cd/abcd…`` and ``PREFIX/screenshots/ab/cd/abcd…``. A blob is
uploaded only when no object has its name yet (a HEAD first), with its SHA-256 and MD5 in the
request (``x-amz-checksum-sha256``, ``Content-MD5``) so the server refuses bytes that arrive
changed; an object is never overwritten or deleted. Reads stream: the fixity audit hashes an
object chunk by chunk, without holding it whole.

A process has one boto3 client (clients are thread-safe, sessions are not), made on first use,
with bounded connect and read timeouts, the "standard" retry mode, and a connection pool as
large as the worker's concurrency. The first time a process opens a bucket it asks for it
(``HeadBucket``), so a missing bucket, refused credentials or an unreachable endpoint stop
``archiver serve``, ``archiver worker`` and every command that uses artifacts at once, in one
sentence (:class:`~archiver.errors.ConfigError`). Later failures are :class:`StorageError`
(a missing object is ``FileNotFoundError``, as for a file).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    NoCredentialsError,
)

from archiver.config import Settings, split_storage_url
from archiver.errors import ConfigError
from archiver.storage.base import CHUNK, BlobRef, StorageError, fan_out, hash_chunks

T = TypeVar("T")

#: Seconds to open a connection, and to wait for each read from it.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
#: Attempts per request (the first included) in boto3's "standard" retry mode.
ATTEMPTS = 5

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
_REFUSED = frozenset(
    {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)

_lock = threading.Lock()
_clients: dict[tuple[object, ...], S3Client] = {}
_checked: set[tuple[object, ...]] = set()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    """Whether the answer says there is no such object (a HEAD's 404 has no code but 404)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return _code(exc) in _NOT_FOUND or (status == 404 and _code(exc) != "NoSuchBucket")


class S3Client:
    """The few S3 calls Archiver makes, typed, on one shared boto3 client.

    A missing object is ``FileNotFoundError``; any other failure is :class:`StorageError`.
    """

    def __init__(self, client: Any, where: str) -> None:
        self._client = client
        self.where = where  # the endpoint, for messages

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"{what}: there is no such object") from exc
            message = exc.response.get("Error", {}).get("Message") or _code(exc)
            raise StorageError(f"{what} failed at {self.where}: {message}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{what} failed at {self.where}: {exc}") from exc

    def exists(self, bucket: str, key: str) -> bool:
        """Whether the object is there (a HEAD)."""
        try:
            head = partial(self._client.head_object, Bucket=bucket, Key=key)
            self._call(f"HEAD s3://{bucket}/{key}", head)
        except FileNotFoundError:
            return False
        return True

    def read(self, bucket: str, key: str) -> bytes:
        """The object's bytes."""
        return b"".join(self.chunks(bucket, key))

    def chunks(self, bucket: str, key: str) -> Iterator[bytes]:
        """The object's bytes, a chunk at a time (the request is made at the first)."""
        what = f"GET s3://{bucket}/{key}"
        answer = self._call(what, partial(self._client.get_object, Bucket=bucket, Key=key))
        body = answer["Body"]
        try:
            while True:
                chunk: bytes = self._call(what, partial(body.read, CHUNK))
                if not chunk:
                    return
                yield chunk
        finally:
            body.close()

    def write(self, bucket: str, key: str, data: bytes, sha256: bytes) -> None:
        """Upload ``data`` with its SHA-256 (``sha256``, the raw digest) and its MD5, which
        the server checks before it keeps the object."""
        md5 = hashlib.md5(data, usedforsecurity=False).digest()
        upload = partial(
            self._client.put_object,
            Bucket=bucket,
            Key=key,
            Body=data,
            ContentType="application/octet-stream",
            ContentMD5=base64.b64encode(md5).decode("ascii"),
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(sha256).decode("ascii"),
        )
        self._call(f"PUT s3://{bucket}/{key}", upload)

    def check_bucket(self, bucket: str) -> None:
        """Ask for the bucket once; a ``ConfigError`` in one sentence when it cannot be used."""
        try:
            self._client.head_bucket(Bucket=bucket)
        except NoCredentialsError as exc:
            raise ConfigError(
                "no S3 credentials were found: set ARCHIVER_S3_ACCESS_KEY_ID and "
                "ARCHIVER_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, an instance role)"
            ) from exc
        except ClientError as exc:
            code = _code(exc)
            if _is_missing(exc) or code == "NoSuchBucket":
                raise ConfigError(
                    f"the bucket {bucket!r} of ARCHIVER_STORAGE_URL does not exist at {self.where}"
                ) from exc
            if code in _REFUSED:
                raise ConfigError(
                    f"{self.where} refused access to the bucket {bucket!r} ({code}): check "
                    "ARCHIVER_S3_ACCESS_KEY_ID and ARCHIVER_S3_SECRET_ACCESS_KEY"
                ) from exc
            raise ConfigError(
                f"{self.where} answered {code or 'an error'} for the bucket {bucket!r}; "
                "check ARCHIVER_STORAGE_URL, ARCHIVER_S3_ENDPOINT_URL and ARCHIVER_S3_REGION"
            ) from exc
        except BotoCoreError as exc:
            said = str(exc).rstrip(".")
            raise ConfigError(f"the S3 store at {self.where} cannot be reached: {said}") from exc


class S3BlobStore:
    """Blobs as objects ``PREFIX/KIND/ab/cd/abcd…`` of one bucket (``KIND``: ``blobs`` or
    ``screenshots``)."""

    def __init__(self, client: S3Client, bucket: str, prefix: str, kind: str) -> None:
        self.client = client
        self.bucket = bucket
        self.root = f"{prefix}/{kind}" if prefix else kind

    def __repr__(self) -> str:
        return f"S3BlobStore('s3://{self.bucket}/{self.root}')"

    def key(self, sha256: str) -> str:
        """The object key of the blob with this hash (whether or not it exists)."""
        return f"{self.root}/{fan_out(sha256)}"

    def put(self, data: bytes) -> BlobRef:
        """Upload ``data`` unless an object of that name is already there."""
        digest = hashlib.sha256(data)
        ref = BlobRef(sha256=digest.hexdigest(), size=len(data))
        key = self.key(ref.sha256)
        if not self.client.exists(self.bucket, key):
            self.client.write(self.bucket, key, data, digest.digest())
        return ref

    def get(self, sha256: str) -> bytes:
        """Read a blob back."""
        return self.client.read(self.bucket, self.key(sha256))

    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.client.exists(self.bucket, self.key(sha256))

    def digest(self, sha256: str) -> tuple[str, int] | None:
        """The SHA-256 and size of the object's bytes, streamed; ``None`` when there is none."""
        try:
            return hash_chunks(self.client.chunks(self.bucket, self.key(sha256)))
        except FileNotFoundError:
            return None


def shared_client(settings: Settings) -> S3Client:
    """This process's client for the settings' endpoint and credentials (made once)."""
    key_id = settings.s3_access_key_id
    secret = settings.s3_secret_access_key
    if (key_id is None) != (secret is None):
        raise ConfigError(
            "ARCHIVER_S3_ACCESS_KEY_ID and ARCHIVER_S3_SECRET_ACCESS_KEY go together: set both, "
            "or neither to use boto3's own credentials"
        )
    pool = max(10, settings.check_concurrency + settings.capture_concurrency)
    identity = (
        settings.s3_endpoint_url,
        settings.s3_region,
        key_id,
        secret.get_secret_value() if secret is not None else None,
        pool,
    )
    with _lock:
        found = _clients.get(identity)
        if found is None:
            session = boto3.session.Session(
                aws_access_key_id=identity[2],
                aws_secret_access_key=identity[3],
                region_name=settings.s3_region,
            )
            config = Config(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"mode": "standard", "max_attempts": ATTEMPTS},
                max_pool_connections=pool,
                tcp_keepalive=True,
                # Stores other than AWS answer at one address, not one per bucket.
                s3={"addressing_style": "path"} if settings.s3_endpoint_url else None,
                # Checksums only where asked for (every upload asks for SHA-256): the newer
                # default (CRC32 on everything) is refused by several S3-compatible stores.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            client = session.client("s3", endpoint_url=settings.s3_endpoint_url, config=config)
            found = _clients[identity] = S3Client(client, settings.s3_endpoint_url or "AWS S3")
    return found


def open_bucket(settings: Settings, *, check: bool = True) -> tuple[S3BlobStore, S3BlobStore]:
    """The blob and screenshot stores in the bucket of ``settings.storage_url``; with
    ``check``, the bucket is asked for first (once per process)."""
    assert settings.storage_url is not None
    bucket, prefix = split_storage_url(settings.storage_url)
    client = shared_client(settings)
    if check:
        identity = (id(client), bucket)
        with _lock:
            known = identity in _checked
        if not known:
            client.check_bucket(bucket)
            with _lock:
                _checked.add(identity)
    return (
        S3BlobStore(client, bucket, prefix, "blobs"),
        S3BlobStore(client, bucket, prefix, "screenshots"),
    )
