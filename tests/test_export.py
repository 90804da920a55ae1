"""Exports: a WACZ of posts captured for real passes Webrecorder's validator and carries the
stored WARCs byte for byte; JSON mirrors the API and CSV carries every hash; bad options are
one sentence and exit 1 or 2."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from warcio.archiveiterator import ArchiveIterator

from archiver.api.app import create_app
from archiver.cli import main
from archiver.config import Settings
from archiver.emulator import EmulatorServer
from archiver.storage import LocalBlobStore
from tests import capturing
from tests.capturing import (
    X_TEXT,
    post_id_of,
    snapshots_of,
    submit_and_wait,
    wacz_validate,
)
from tests.test_pages import seed

cli_env = capturing.cli_env  # the fixtures
emulator = capturing.emulator

WARC_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
PHOTO = [{"type": "photo", "alt": "The chamber", "width": 1200, "height": 800}]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def captured_x_post(emulator: EmulatorServer, engine: Engine, *, tag: str | None = None) -> str:
    """An X post with a photo, captured through the command; returns its ID."""
    post = emulator.world.add_post("x", "councilwatch", X_TEXT, name="Council", media=PHOTO)
    if tag is None:
        submit_and_wait(post.url)
    else:
        assert main(["submit", post.url, "--wait", "--tag", tag]) == 0
    return post_id_of(engine, post.url)


def check_wacz(path_or_bytes: Path | bytes, settings: Settings) -> dict[str, Any]:
    """Open a WACZ and check it against the spec and the store; return its datapackage."""
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    package = zipfile.ZipFile(io.BytesIO(data))
    names = set(package.namelist())
    manifest = json.loads(package.read("datapackage.json"))
    assert manifest["profile"] == "data-package" and manifest["wacz_version"] == "1.1.1"
    listed = {resource["path"]: resource for resource in manifest["resources"]}
    assert set(listed) == names - {"datapackage.json", "datapackage-digest.json"}
    for path, resource in listed.items():
        body = package.read(path)
        assert resource["hash"] == f"sha256:{sha256(body)}" and resource["bytes"] == len(body)
        if path.startswith("archive/") or path.endswith(".png"):
            assert package.getinfo(path).compress_type == zipfile.ZIP_STORED, path
    digest = json.loads(package.read("datapackage-digest.json"))
    assert digest["hash"] == f"sha256:{sha256(package.read('datapackage.json'))}"
    blobs = LocalBlobStore(settings.data_dir / "blobs")
    for path in (name for name in names if name.startswith("archive/snapshot-")):
        body = package.read(path)
        assert blobs.get(sha256(body)) == body  # the stored WARC, byte for byte
        for record in ArchiveIterator(io.BytesIO(body)):
            assert WARC_DATE.match(record.rec_headers.get_header("WARC-Date"))
    index = package.read("indexes/index.cdx").decode().splitlines()
    assert index == sorted(index) and index
    for line in index:
        entry = json.loads(line.split(" ", 2)[2])
        assert f"archive/{entry['filename']}" in names
    pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert all({"url", "ts"} <= page.keys() for page in pages[1:])
    manifest["pages"] = pages[1:]
    manifest["index"] = index
    manifest["zip"] = package
    return manifest


def test_a_wacz_export_of_a_captured_post_is_valid_and_carries_its_evidence(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings, tmp_path: Path
) -> None:
    """`export --format wacz` packs the post's WARCs byte for byte with an index, pages and a
    manifest of SHA-256 hashes, and `wacz validate` accepts it."""
    post_id = captured_x_post(emulator, engine)
    [snapshot] = snapshots_of(engine, post_id)
    target = tmp_path / "post.wacz"
    assert main(["export", "--format", "wacz", "--post", post_id, "-o", str(target)]) == 0
    assert "Validation succeeded" in wacz_validate(target)
    manifest = check_wacz(target, cli_env)
    package: zipfile.ZipFile = manifest["zip"]
    warc = package.read(f"archive/snapshot-{snapshot.id}.warc.gz")
    assert sha256(warc) == snapshot.warc_sha256
    assert [page["id"] for page in manifest["pages"]] == [snapshot.id]
    assert manifest["pages"][0]["url"] == snapshot.raw_url
    assert manifest["pages"][0]["text"] == X_TEXT
    indexed = " ".join(manifest["index"])
    assert snapshot.raw_url in indexed and snapshot.media[0]["url"] in indexed
    exported = json.loads(package.read("archiver/posts.json"))
    assert exported["posts"][0]["snapshots"][0]["warc"]["sha256"] == snapshot.warc_sha256
    assert not list(tmp_path.glob(".post.wacz.*"))  # no temporary file left behind


@pytest.mark.slow
def test_a_wacz_export_carries_the_screenshots(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a real screenshot, the PNG is in the WACZ byte for byte and as a WARC resource."""
    monkeypatch.setenv("ARCHIVER_SCREENSHOTS", "true")
    post_id = captured_x_post(emulator, engine)
    [snapshot] = snapshots_of(engine, post_id)
    assert snapshot.screenshot_sha256
    target = tmp_path / "shot.wacz"
    assert main(["export", "--format", "wacz", "--post", post_id, "-o", str(target)]) == 0
    wacz_validate(target)
    package: zipfile.ZipFile = check_wacz(target, cli_env)["zip"]
    png = package.read(f"screenshots/{snapshot.id}.png")
    assert png.startswith(b"\x89PNG") and sha256(png) == snapshot.screenshot_sha256
    resources = [
        (record.rec_headers, record.content_stream().read())
        for record in ArchiveIterator(io.BytesIO(package.read("archive/screenshots.warc.gz")))
        if record.rec_type == "resource"
    ]
    [(headers, body)] = resources
    assert headers.get_header("WARC-Target-URI").startswith("urn:view:https://x.com/")
    assert headers.get_header("Content-Type") == "image/png"
    assert WARC_DATE.match(headers.get_header("WARC-Date"))
    assert sha256(body) == snapshot.screenshot_sha256


def test_the_http_export_route_serves_a_valid_wacz(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings, tmp_path: Path
) -> None:
    """`GET /api/v1/posts/{id}/export.wacz` is public, a download, and the same kind of file
    the command writes; an unknown post is a 404 problem."""
    post_id = captured_x_post(emulator, engine)
    with TestClient(create_app(cli_env)) as client:
        answer = client.get(f"/api/v1/posts/{post_id}/export.wacz")
        missing = client.get("/api/v1/posts/ZZZZZZZZZZZZ/export.wacz")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/wacz"
    assert answer.headers["x-content-type-options"] == "nosniff"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment") and f"archiver-post-{post_id}.wacz" in disposition
    assert int(answer.headers["content-length"]) == len(answer.content)
    saved = tmp_path / "served.wacz"
    saved.write_bytes(answer.content)
    wacz_validate(saved)
    served = check_wacz(answer.content, cli_env)
    assert (
        main(["export", "--format", "wacz", "--post", post_id, "-o", str(tmp_path / "c.wacz")]) == 0
    )
    written = check_wacz(tmp_path / "c.wacz", cli_env)
    assert set(served["zip"].namelist()) == set(written["zip"].namelist())
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert main(["submit", "https://x.com/someone/status/12345"]) == 0  # never captured
    pending = post_id_of(engine, "https://x.com/someone/status/12345")
    with TestClient(create_app(cli_env)) as client:
        empty = client.get(f"/api/v1/posts/{pending}/export.wacz")
    assert empty.status_code == 404
    assert "has no stored WARC yet" in empty.json()["detail"]


def test_an_export_missing_its_evidence_is_a_500_problem(
    client: TestClient, engine: Engine
) -> None:
    """A WARC gone from storage makes the export a 500 problem naming it (run `archiver
    verify`), never an unhandled error or a partial file."""
    post_id = seed(engine).post  # its first snapshot's WARC hash names no stored file
    answer = client.get(f"/api/v1/posts/{post_id}/export.wacz")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert "missing from storage" in answer.json()["detail"]
    assert "archiver verify" in answer.json()["detail"]


def test_json_mirrors_the_api_and_csv_carries_every_hash(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings, tmp_path: Path
) -> None:
    """The JSON export holds each post, snapshot and check exactly as the API shows them; the
    CSV has a row per snapshot with the raw, WARC, screenshot and media hashes."""
    first = captured_x_post(emulator, engine, tag="council")
    other = emulator.world.add_post("bluesky", "newsroom.example.com", "Flood map is live")
    assert main(["submit", other.url, "--wait", "--tag", "council"]) == 0
    second = post_id_of(engine, other.url)
    target = tmp_path / "council.json"
    base = "http://testserver"
    assert (
        main(
            [
                "export",
                "--format",
                "json",
                "--tag",
                "council",
                "-o",
                str(target),
                "--base-url",
                base,
            ]
        )
        == 0
    )
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["format"] == "archiver-export/1"
    assert document["selection"] == {"tag": "council"}
    assert [post["id"] for post in document["posts"]] == [first, second]
    with TestClient(create_app(cli_env)) as client:
        for post in document["posts"]:
            api_post = client.get(f"/api/v1/posts/{post['id']}").json()
            api_snapshots = client.get(f"/api/v1/posts/{post['id']}/snapshots").json()
            api_checks = client.get(f"/api/v1/posts/{post['id']}/checks").json()["items"]
            assert {k: v for k, v in post.items() if k not in ("snapshots", "checks")} == api_post
            assert post["snapshots"] == api_snapshots
            assert post["checks"] == api_checks[::-1]  # oldest first in an export

    table = tmp_path / "all.csv"
    assert main(["export", "--format", "csv", "--all", "-o", str(table)]) == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 2
    for row in rows:
        [snapshot] = snapshots_of(engine, row["post_id"])
        assert row["snapshot_id"] == snapshot.id
        assert row["raw_sha256"] == snapshot.raw_sha256
        assert row["warc_sha256"] == snapshot.warc_sha256
        assert row["screenshot_sha256"] == ""
        assert row["media_sha256"].split() == [m["sha256"] for m in snapshot.media]
        assert row["media_phash"].split() == [m.get("phash") or "-" for m in snapshot.media]
        assert row["text"] == snapshot.text


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(
    emulator: EmulatorServer, engine: Engine, cli_env: Settings, tmp_path: Path
) -> None:
    """Archived text that starts like a formula gets a leading apostrophe in CSV only."""
    post = emulator.world.add_post("bluesky", "mischief.example.com", '=HYPERLINK("x","y")')
    submit_and_wait(post.url)
    table = tmp_path / "t.csv"
    assert (
        main(
            ["export", "--format", "csv", "--post", post_id_of(engine, post.url), "-o", str(table)]
        )
        == 0
    )
    [row] = csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline=""))
    assert row["text"] == '\'=HYPERLINK("x","y")'


def test_bad_export_options_are_one_sentence(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No selection is a usage error (2); an unknown post, an empty tag, an unwritable path
    and missing evidence fail with one sentence (1) and leave no file behind."""
    post_id = captured_x_post(emulator, engine)
    capsys.readouterr()
    target = str(tmp_path / "x.wacz")
    cases = [
        (["export", "--format", "json", "-o", target], 2, "choose what to export"),
        (["export", "--format", "json", "--all", "--tag", "t", "-o", target], 2, "choose"),
        (["export", "--format", "json", "--post", "ZZZZ-ZZZZ-ZZZZ", "-o", target], 1, "no post"),
        (["export", "--format", "csv", "--tag", "nothing", "-o", target], 1, "no post tagged"),
        (
            ["export", "--format", "csv", "--all", "-o", str(tmp_path / "no" / "x.csv")],
            1,
            "does not exist",
        ),
        (["export", "--format", "csv", "--all", "-o", str(tmp_path)], 1, "it is a folder"),
    ]
    for argv, code, words in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("archiver: ") and words in err, (argv, err)
        assert "\n" not in err and "Traceback" not in err
    [snapshot] = snapshots_of(engine, post_id)
    assert snapshot.warc_sha256
    LocalBlobStore(cli_env.data_dir / "blobs").path(snapshot.warc_sha256).unlink()
    assert main(["export", "--format", "wacz", "--post", post_id, "-o", target]) == 1
    err = capsys.readouterr().err
    assert "is missing from storage; run `archiver verify`" in err
    assert sorted(p.name for p in tmp_path.iterdir() if "x.wacz" in p.name) == []


def test_the_wacz_index_reads_warc_dates_written_with_an_offset() -> None:
    """WARCs stored by Archiver 0.1 carry ``…+00:00Z`` dates; the index still reads them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from archiver.services.export_wacz import cdxj_lines

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
    record = writer.create_warc_record(
        "https://example.com/a",
        "response",
        payload=io.BytesIO(b"hello"),
        length=5,
        http_headers=StatusAndHeaders(
            "200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1"
        ),
        warc_headers_dict={"WARC-Date": "2024-05-01T18:30:00.123456+00:00Z"},
    )
    writer.write_record(record)
    buffer.seek(0)
    [line] = cdxj_lines(buffer, "old.warc.gz")
    assert line.startswith("com,example)/a 20240501183000 ")
    assert json.loads(line.split(" ", 2)[2])["filename"] == "old.warc.gz"
    assert gzip.decompress(buffer.getvalue()).startswith(b"WARC/1.1")
