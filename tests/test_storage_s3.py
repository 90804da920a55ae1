"""Artifacts in an S3-compatible bucket (``ARCHIVER_STORAGE_URL=s3://bucket/prefix``), against a
real S3 server: moto in server mode on loopback, reached over HTTP by boto3 like any other.

The store itself (round trips, one upload per content, both stores under one prefix, the
checksum sent with each upload, missing objects), the errors at start (a bad URL, a bucket
that is not there), and the whole service on a bucket: a post captured with its screenshot,
every artifact served from the bucket and nothing written to the local folders, an export and
the fixity audit read from it, and an object altered in the bucket reported by name.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3  # type: ignore[import-untyped]
import httpx
import pytest
from moto.server import ThreadedMotoServer

from archiver.cli import main
from archiver.config import Settings, load_settings
from archiver.emulator import EmulatorServer
from archiver.errors import ConfigError
from archiver.storage import fan_out, open_stores, sha256_hex
from tests import capturing
from tests.service import free_port, service_env, serving, until

cli_env = capturing.cli_env  # the fixture

REGION = "us-east-1"
KEY_ID = "archiver-test"
SECRET = "archiver-test-secret"
PREFIX = "newsroom/archive"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server on a free loopback port, for the whole module."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    """A plain boto3 client on the server, to look behind the store (and to tamper)."""
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def bucket(s3: Any) -> str:
    """A new, empty bucket for one test."""
    name = f"archiver-{uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def s3_variables(endpoint: str, bucket: str, prefix: str = PREFIX) -> dict[str, str]:
    """The environment that points Archiver at ``bucket`` on the test server."""
    return {
        "ARCHIVER_STORAGE_URL": f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}",
        "ARCHIVER_S3_ENDPOINT_URL": endpoint,
        "ARCHIVER_S3_REGION": REGION,
        "ARCHIVER_S3_ACCESS_KEY_ID": KEY_ID,
        "ARCHIVER_S3_SECRET_ACCESS_KEY": SECRET,
    }


def bucket_settings(tmp_path: Path, endpoint: str, bucket: str, prefix: str = PREFIX) -> Settings:
    """Settings with artifacts in ``bucket`` (and local folders that must stay empty)."""
    variables = s3_variables(endpoint, bucket, prefix)
    return load_settings(
        database_url=f"sqlite:///{tmp_path / 'archive.db'}",
        data_dir=tmp_path / "data",
        screenshots_dir=tmp_path / "screenshots",
        **{name.removeprefix("ARCHIVER_").lower(): value for name, value in variables.items()},
    )


def keys_in(s3: Any, bucket: str) -> list[str]:
    """Every object key of a bucket."""
    listed = s3.list_objects_v2(Bucket=bucket)
    return sorted(entry["Key"] for entry in listed.get("Contents", []))


def read_object(s3: Any, bucket: str, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


def no_local_artifacts(settings: Settings) -> None:
    """Nothing was written to the local blob and screenshot folders."""
    assert not (settings.data_dir / "blobs").exists()
    assert not [p for p in settings.screenshots_dir.rglob("*") if p.is_file()]


# The store ------------------------------------------------------------------------------------


def test_a_blob_goes_to_its_sha256_key_and_comes_back(
    tmp_path: Path, s3_endpoint: str, bucket: str, s3: Any
) -> None:
    """put → an object at PREFIX/blobs/ab/cd/SHA256 with the exact bytes; get, exists and
    the streamed digest all find it."""
    data = b"\x00raw upstream body\xff" * 1000
    store = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket)).blobs
    ref = store.put(data)
    assert ref.sha256 == sha256_hex(data) and ref.size == len(data)
    key = f"{PREFIX}/blobs/{fan_out(ref.sha256)}"
    assert keys_in(s3, bucket) == [key]
    assert read_object(s3, bucket, key) == data
    assert store.exists(ref.sha256)
    assert store.get(ref.sha256) == data
    assert store.digest(ref.sha256) == (ref.sha256, len(data))
    no_local_artifacts(bucket_settings(tmp_path, s3_endpoint, bucket))


def test_the_same_bytes_are_uploaded_once_and_never_overwritten(
    tmp_path: Path, s3_endpoint: str, bucket: str, s3: Any
) -> None:
    """A second put of the same bytes finds the object and uploads nothing: even an object
    that was altered behind Archiver's back is left as it is (the audit reports it)."""
    store = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket)).blobs
    first = store.put(b"the same bytes")
    key = f"{PREFIX}/blobs/{fan_out(first.sha256)}"
    s3.put_object(Bucket=bucket, Key=key, Body=b"tampered")
    assert store.put(b"the same bytes") == first
    assert keys_in(s3, bucket) == [key]
    assert read_object(s3, bucket, key) == b"tampered"
    assert store.digest(first.sha256) == (sha256_hex(b"tampered"), len(b"tampered"))


def test_a_missing_blob_is_file_not_found_and_a_bad_name_a_value_error(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    """Like a missing file: ``FileNotFoundError`` from get, ``False`` and ``None`` from exists
    and digest; a name that is not a SHA-256 is refused before any request."""
    store = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket)).blobs
    absent = sha256_hex(b"never stored")
    with pytest.raises(FileNotFoundError, match=absent):
        store.get(absent)
    assert store.exists(absent) is False
    assert store.digest(absent) is None
    for bad in ("../../etc/passwd", absent.upper(), absent[:-1]):
        with pytest.raises(ValueError, match="is not a SHA-256"):
            store.get(bad)


@pytest.mark.parametrize("prefix", [PREFIX, ""])
def test_both_stores_share_one_bucket_each_in_its_folder(
    tmp_path: Path, s3_endpoint: str, bucket: str, s3: Any, prefix: str
) -> None:
    """Blobs and screenshots live side by side under one prefix (or at the bucket's top),
    apart: the same bytes in both are two objects, and each store finds only its own."""
    stores = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket, prefix))
    shared = stores.blobs.put(b"in both stores")
    assert stores.screenshots.put(b"in both stores") == shared
    png = stores.screenshots.put(b"\x89PNG\r\n\x1a\n a screenshot")
    root = f"{prefix}/" if prefix else ""
    assert keys_in(s3, bucket) == sorted(
        [
            f"{root}blobs/{fan_out(shared.sha256)}",
            f"{root}screenshots/{fan_out(shared.sha256)}",
            f"{root}screenshots/{fan_out(png.sha256)}",
        ]
    )
    assert not stores.blobs.exists(png.sha256)


def test_each_upload_carries_its_sha256_for_the_server_to_check(
    tmp_path: Path, s3_endpoint: str, bucket: str, s3: Any
) -> None:
    """The upload names its SHA-256 (``x-amz-checksum-sha256``): the server keeps it with the
    object and gives it back, equal to the hash of the bytes it holds."""
    data = b"a WARC, say" * 5000
    store = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket)).blobs
    ref = store.put(data)
    head = s3.head_object(
        Bucket=bucket, Key=f"{PREFIX}/blobs/{fan_out(ref.sha256)}", ChecksumMode="ENABLED"
    )
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_one_client_serves_every_store_of_the_process(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    """Opening the stores again (the API and the worker in one process) reuses the client."""
    first = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket))
    again = open_stores(bucket_settings(tmp_path, s3_endpoint, bucket))
    assert first.blobs.client is again.blobs.client is again.screenshots.client  # type: ignore[attr-defined]


# Errors at start ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/srv/archive",
        "archive/artifacts",
        "https://archive.s3.amazonaws.com/artifacts",
        "s3://",
        "s3:///artifacts",
        "s3://ab",
        "s3://archive/a//b",
        "s3://archive/../b",
        "s3://archive?region=eu",
        "s3://key:secret@archive/artifacts",
    ],
)
def test_a_storage_url_of_another_form_is_one_sentence(url: str) -> None:
    """Anything but ``s3://bucket[/prefix]`` stops at once, saying the form."""
    with pytest.raises(ConfigError) as caught:
        load_settings(storage_url=url)
    message = str(caught.value)
    assert message == f"ARCHIVER_STORAGE_URL is not valid: {url!r} is not s3://bucket or " + (
        "s3://bucket/prefix"
    )


def test_the_command_reports_a_bad_storage_url_in_one_line(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ARCHIVER_STORAGE_URL", "ftp://archive/artifacts")
    assert main(["verify"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "archiver: ARCHIVER_STORAGE_URL is not valid: 'ftp://archive/artifacts' is not "
        "s3://bucket or s3://bucket/prefix\n"
    )


def test_a_bucket_that_does_not_exist_stops_the_start_in_one_sentence(
    tmp_path: Path, s3_endpoint: str
) -> None:
    """``archiver serve`` asks for the bucket before it serves anything: one line, exit 1."""
    settings = bucket_settings(tmp_path, s3_endpoint, "no-such-bucket")
    with pytest.raises(ConfigError, match=r"^the bucket 'no-such-bucket' of ARCHIVER_STORAGE"):
        open_stores(settings)
    done = subprocess.run(
        [sys.executable, "-m", "archiver", "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env=service_env(settings, s3_variables(s3_endpoint, "no-such-bucket")),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        "archiver: the bucket 'no-such-bucket' of ARCHIVER_STORAGE_URL does not exist at "
        f"{s3_endpoint}"
    ), done.stderr
    assert "Traceback" not in done.stderr


def test_half_a_pair_of_credentials_is_one_sentence(
    tmp_path: Path, s3_endpoint: str, bucket: str
) -> None:
    settings = load_settings(
        storage_url=f"s3://{bucket}", s3_endpoint_url=s3_endpoint, s3_access_key_id=KEY_ID
    )
    with pytest.raises(ConfigError, match=r"^ARCHIVER_S3_ACCESS_KEY_ID and ARCHIVER_S3_SECRET"):
        open_stores(settings)


def test_the_secret_is_never_shown() -> None:
    settings = load_settings(s3_secret_access_key=SECRET)
    assert SECRET not in repr(settings) and SECRET not in str(settings)


# The whole service on a bucket ----------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator on loopback ports."""
    with EmulatorServer() as server:
        yield server


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.slow
def test_a_service_on_a_bucket_captures_serves_exports_and_verifies_from_it(
    settings: Settings,
    cli_env: Settings,
    tmp_path: Path,
    emulator: EmulatorServer,
    s3_endpoint: str,
    bucket: str,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``archiver serve`` on a bucket captures a post with its photo and screenshot into the
    bucket, serves each artifact from it byte for byte, and writes nothing locally; then
    ``archiver export`` and ``archiver verify`` read the bucket, and an object altered in it
    (or gone from it) fails the audit by name."""
    post = emulator.world.add_post(
        "x", "councilwatch", capturing.X_TEXT, name="Council",
        media=[{"type": "photo", "alt": "The chamber", "width": 800, "height": 600}],
    )  # fmt: skip
    variables = s3_variables(s3_endpoint, bucket)
    env = {"ARCHIVER_UPSTREAM_OVERRIDES": emulator.overrides, **variables}
    with serving(settings, tmp_path, env) as client:
        post_id = client.submit(post.url)

        def live() -> dict[str, Any] | None:
            found: dict[str, Any] = client.get(f"/api/v1/posts/{post_id}").json()
            return found if found["status"] == "live" else None

        snapshot_url = until("the capture", live, seconds=60)["latest_snapshot"]["url"]

        def with_screenshot() -> dict[str, Any] | None:
            found: dict[str, Any] = client.get(snapshot_url).json()
            return found if found["screenshot"] else None

        snapshot = until("the screenshot", with_screenshot, seconds=60)
        served: dict[str, tuple[str, httpx.Response]] = {
            "raw": ("blobs", client.get(snapshot["raw"]["url"])),
            "warc": ("blobs", client.get(snapshot["warc"]["url"])),
            "media": ("blobs", client.get(snapshot["media"][0]["download_url"])),
            "screenshot": ("screenshots", client.get(snapshot["screenshot"]["url"])),
        }
        hashes = {
            "raw": snapshot["raw"]["sha256"],
            "warc": snapshot["warc"]["sha256"],
            "media": snapshot["media"][0]["sha256"],
            "screenshot": snapshot["screenshot"]["sha256"],
        }
    assert served["screenshot"][1].content.startswith(b"\x89PNG\r\n\x1a\n")
    stored = set(keys_in(s3, bucket))
    for what, (kind, answer) in served.items():
        assert answer.status_code == 200, (what, answer.text)
        assert sha256(answer.content) == hashes[what], what
        key = f"{PREFIX}/{kind}/{fan_out(hashes[what])}"
        assert key in stored, what
        assert read_object(s3, bucket, key) == answer.content, what
    assert all(key.startswith((f"{PREFIX}/blobs/", f"{PREFIX}/screenshots/")) for key in stored)
    no_local_artifacts(settings)

    # The commands on the same bucket: an article, an export, the audit.
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "false")
    monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", emulator.overrides)
    page = tmp_path / "story.html"
    page.write_text("<html><body><article><p>Nothing quoted.</p></article></body></html>")
    assert main(["article", str(page), "--no-capture"]) == 0
    assert f"{PREFIX}/blobs/{fan_out(sha256(page.read_bytes()))}" in keys_in(s3, bucket)
    target = tmp_path / "post.wacz"
    assert main(["export", "--format", "wacz", "--post", post_id, "-o", str(target)]) == 0
    package = zipfile.ZipFile(io.BytesIO(target.read_bytes()))
    warc = package.read(f"archive/snapshot-{snapshot['id']}.warc.gz")
    assert sha256(warc) == hashes["warc"]
    checked = capturing.verified_clean(capsys)
    no_local_artifacts(settings)

    raw_key = f"{PREFIX}/blobs/{fan_out(hashes['raw'])}"
    altered = bytearray(read_object(s3, bucket, raw_key))
    altered[len(altered) // 2] ^= 0x01
    s3.put_object(Bucket=bucket, Key=raw_key, Body=bytes(altered))
    s3.delete_object(Bucket=bucket, Key=f"{PREFIX}/screenshots/{fan_out(hashes['screenshot'])}")
    assert main(["verify"]) == 1
    out, err = capsys.readouterr()
    owner = f"snapshot {snapshot['id']} (post {post_id})"
    assert f"{checked - 2} intact, 1 missing, 1 mismatched" in out
    assert f"MISMATCHED blobs/{hashes['raw']}\n  named by {owner}: raw body" in out
    assert f"MISSING screenshots/{hashes['screenshot']}\n  named by {owner}: screenshot" in out
    assert err.strip() == "archiver: 2 stored artifact(s) failed the audit."
