"""Signed WACZ exports: `archiver export --sign` signs `datapackage-digest.json` with the
archive's own key in the anonymous form of Webrecorder's WACZ signing spec; `archiver
verify-wacz` accepts it and rejects every kind of tampering with the reason; the key is made
once (private, 0600), kept across restarts, and published at
`/.well-known/archiver-signing-key`; a browser's WebCrypto checks the signature as
ReplayWeb.page does."""

from __future__ import annotations

import base64
import json
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine

from archiver.api.app import create_app
from archiver.cli import main
from archiver.config import Settings
from archiver.emulator import EmulatorServer
from archiver.services.wacz_signature import signed_data
from archiver.signing import load_or_create_key
from tests import capturing
from tests.capturing import snapshots_of, wacz_validate
from tests.test_export import captured_x_post, check_wacz, sha256
from tests.test_pages_browser import CHROMIUM, FLAGS

cli_env = capturing.cli_env  # the fixtures
emulator = capturing.emulator


@pytest.fixture
def post_id(emulator: EmulatorServer, engine: Engine, cli_env: Settings) -> str:
    """An X post captured through the command into the test's archive."""
    return captured_x_post(emulator, engine)


def export(post_id: str, target: Path, *extra: str) -> Path:
    """``archiver export --format wacz --post ID -o TARGET [extra]``, which must succeed."""
    assert main(["export", "--format", "wacz", "--post", post_id, "-o", str(target), *extra]) == 0
    return target


def digest_of(path: Path) -> dict[str, Any]:
    """The ``datapackage-digest.json`` of a WACZ."""
    with zipfile.ZipFile(path) as package:
        digest: dict[str, Any] = json.loads(package.read("datapackage-digest.json"))
    return digest


def repack(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the ZIP ``source`` with members replaced (or dropped, for ``None``) and new
    ones added, as a tamperer with a ZIP tool would make it (valid CRCs and all)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename not in changes:
                new.writestr(info, old.read(info))
            elif (body := changes[info.filename]) is not None:
                new.writestr(info, body)
        for name, body in changes.items():
            if name not in old.NameToInfo and body is not None:
                new.writestr(name, body)
    return target


def verify_fails(path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """``archiver verify-wacz PATH`` exits 1 with one sentence on stderr; that sentence."""
    capsys.readouterr()
    assert main(["verify-wacz", str(path), *options]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("archiver: ") and err.endswith("."), err
    assert "\n" not in err and "Traceback" not in err, err
    assert "verified" not in captured.out
    return err


def verify_passes(path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """``archiver verify-wacz PATH`` exits 0 saying it verified; what it printed."""
    capsys.readouterr()
    assert main(["verify-wacz", str(path), *options]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"{path}: verified." in out
    return out


def public_der_of_pem(pem: str) -> bytes:
    """The DER SubjectPublicKeyInfo of a PEM public key."""
    return serialization.load_pem_public_key(pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_a_signed_export_verifies_and_names_the_archive_key(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`export --sign` adds the spec's signedData (the datapackage hash signed with ECDSA
    P-384/SHA-256, raw r||s, base64; the key as base64 SPKI); Webrecorder's validator still
    accepts the file, a plain ECDSA check of the spec's recipe verifies the signature, and
    `verify-wacz` accepts it alone, against the archive's own key and against the key the
    well-known URL serves."""
    capsys.readouterr()
    signed = export(post_id, tmp_path / "signed.wacz", "--sign")
    key_file = cli_env.signing_key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert "signed with this archive's key sha256:" in capsys.readouterr().out

    assert "Validation succeeded" in wacz_validate(signed)
    manifest = check_wacz(signed, cli_env)  # every hash as before
    digest = digest_of(signed)
    data = digest["signedData"]
    assert set(data) == {"hash", "created", "software", "signature", "publicKey"}
    assert data["hash"] == digest["hash"]
    assert data["created"] == manifest["created"]
    assert data["software"].startswith("Archiver ")

    # The spec's recipe, with nothing of Archiver's: SPKI key, raw r||s, UTF-8 of the hash.
    public = serialization.load_der_public_key(base64.b64decode(data["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp384r1"
    raw = base64.b64decode(data["signature"])
    assert len(raw) == 96
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    public.verify(der, data["hash"].encode(), ec.ECDSA(hashes.SHA256()))

    out = verify_passes(signed, capsys)
    assert "Nothing says whose key that is" in out
    assert "It is the key expected." in verify_passes(signed, capsys, "--this-archive")
    with TestClient(create_app(cli_env)) as client:
        served = client.get("/.well-known/archiver-signing-key")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/plain")
    assert served.text.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_der_of_pem(served.text) == base64.b64decode(data["publicKey"])
    published = tmp_path / "archiver-signing-key.pem"
    published.write_text(served.text)
    assert "It is the key expected." in verify_passes(signed, capsys, "--key", str(published))


def test_a_tampered_wacz_is_rejected_with_the_reason(
    post_id: str,
    engine: Engine,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A changed WARC, a changed datapackage.json (re-hashed or not, re-signed hash or not), a
    changed signature, an unlisted file, a damaged ZIP, a dropped signature: each is refused
    with its own reason; a forger's own valid signature passes alone but not against the
    archive's key."""
    [snapshot] = snapshots_of(engine, post_id)
    signed = export(post_id, tmp_path / "signed.wacz", "--sign")
    with zipfile.ZipFile(signed) as package:
        warc_name = f"archive/snapshot-{snapshot.id}.warc.gz"
        warc = package.read(warc_name)
        manifest = package.read("datapackage.json")
    digest = digest_of(signed)

    def digest_json(**fields: Any) -> bytes:
        return json.dumps({**digest, **fields}, indent=2).encode()

    forged_manifest = manifest.replace(b"Archiver: post", b"Archiver: fake")
    rehashed = f"sha256:{sha256(forged_manifest)}"
    flipped = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    flipped[10] ^= 0xFF
    cases: list[tuple[str, dict[str, bytes | None], str]] = [
        (
            "warc",
            {warc_name: warc[:-5] + bytes(5)},
            f"{warc_name} does not match its SHA-256 in datapackage.json",
        ),
        (
            "manifest",
            {"datapackage.json": forged_manifest},
            "datapackage.json does not match the hash in datapackage-digest.json",
        ),
        (
            "rehashed",
            {
                "datapackage.json": forged_manifest,
                "datapackage-digest.json": digest_json(hash=rehashed),
            },
            "the hash it signed is not the hash of this datapackage.json",
        ),
        (
            "resigned-hash",
            {
                "datapackage.json": forged_manifest,
                "datapackage-digest.json": digest_json(
                    hash=rehashed, signedData={**digest["signedData"], "hash": rehashed}
                ),
            },
            "its signature does not verify with the public key it names",
        ),
        (
            "signature",
            {
                "datapackage-digest.json": digest_json(
                    signedData={
                        **digest["signedData"],
                        "signature": base64.b64encode(bytes(flipped)).decode(),
                    }
                )
            },
            "its signature does not verify with the public key it names",
        ),
        (
            "unlisted",
            {"archive/extra.warc.gz": b"WARC/1.1\r\n"},
            "archive/extra.warc.gz is in the file but not in datapackage.json, "
            "so no hash covers it",
        ),
        (
            "unsigned",
            {
                "datapackage-digest.json": json.dumps(
                    {"path": "datapackage.json", "hash": digest["hash"]}
                ).encode()
            },
            "it is not signed: datapackage-digest.json has no signedData",
        ),
        (
            "missing",
            {warc_name: None},
            f"datapackage.json lists {warc_name}, which is not in the file",
        ),
    ]
    for name, changes, reason in cases:
        tampered = repack(signed, tmp_path / f"{name}.wacz", changes)
        err = verify_fails(tampered, capsys)
        assert err == f"archiver: {tampered} failed verification: {reason}.", (name, err)

    damaged = tmp_path / "damaged.wacz"
    body = bytearray(signed.read_bytes())
    body[body.index(warc[100:140]) + 10] ^= 0xFF  # a byte of the stored WARC, on disk
    damaged.write_bytes(bytes(body))
    assert f"{warc_name} is damaged inside the ZIP" in verify_fails(damaged, capsys)

    # Someone re-signs a changed file with a key of their own: the signature is sound, but it
    # is not this archive's.
    forger = load_or_create_key(tmp_path / "forger" / "key.pem")
    forged_digest = digest_json(
        hash=rehashed,
        signedData=signed_data(
            forger, digest_hash=rehashed, created=digest["signedData"]["created"]
        ),
    )
    forged = repack(
        signed,
        tmp_path / "forged.wacz",
        {"datapackage.json": forged_manifest, "datapackage-digest.json": forged_digest},
    )
    verify_passes(forged, capsys)
    own = load_or_create_key(cli_env.signing_key_file)
    assert verify_fails(forged, capsys, "--this-archive") == (
        f"archiver: {forged} failed verification: it was signed by key {forger.fingerprint}, "
        f"not by the expected key {own.fingerprint}."
    )
    verify_passes(signed, capsys, "--this-archive")  # the original is untouched


def test_the_key_is_made_once_and_kept_across_restarts(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
) -> None:
    """The first signed export makes the key; later exports, a restarted server and its
    well-known URL all use that same key, and the file is never rewritten."""
    assert not cli_env.signing_key_file.exists()
    first = digest_of(export(post_id, tmp_path / "1.wacz", "--sign"))["signedData"]
    written = cli_env.signing_key_file.read_bytes()
    second = digest_of(export(post_id, tmp_path / "2.wacz", "--sign"))["signedData"]
    assert first["publicKey"] == second["publicKey"]
    for _ in range(2):  # two server lifetimes
        with TestClient(create_app(cli_env)) as client:
            pem = client.get("/.well-known/archiver-signing-key").text
            served = client.get(f"/api/v1/posts/{post_id}/export.wacz")
        assert public_der_of_pem(pem) == base64.b64decode(first["publicKey"])
        saved = tmp_path / "served.wacz"
        saved.write_bytes(served.content)
        assert digest_of(saved)["signedData"]["publicKey"] == first["publicKey"]
    assert cli_env.signing_key_file.read_bytes() == written


def test_processes_making_the_key_at_once_share_one(tmp_path: Path) -> None:
    """Several makers racing for a key that does not exist yet all end up with the one key
    that was written first; no temporary file is left behind."""
    path = tmp_path / "data" / "signing-key.pem"
    start = threading.Barrier(8)
    found: list[str] = []

    def make() -> None:
        start.wait()
        found.append(load_or_create_key(path).fingerprint)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert found[0] == load_or_create_key(path).fingerprint
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_unsigned_export_is_as_before_and_makes_no_key(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --sign the WACZ has only the digest (still valid); verify-wacz says it is not
    signed; no key is made."""
    plain = export(post_id, tmp_path / "plain.wacz")
    assert set(digest_of(plain)) == {"path", "hash"}
    wacz_validate(plain)
    assert not cli_env.signing_key_file.exists()
    assert verify_fails(plain, capsys).endswith(
        "it is not signed: datapackage-digest.json has no signedData."
    )


def test_bad_signing_options_and_inputs_are_one_sentence(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--sign on a text format is a usage error; a missing file, a file that is not a ZIP, an
    unusable --key and --this-archive before any key exists each fail with one sentence; a
    damaged key file is reported, never replaced."""
    capsys.readouterr()
    target = tmp_path / "x.json"
    assert main(["export", "--format", "json", "--post", post_id, "-o", str(target), "--sign"]) == 2
    assert "--sign applies to WACZ exports only" in capsys.readouterr().err
    assert not target.exists()

    assert verify_fails(tmp_path / "nothing.wacz", capsys).endswith("there is no such file.")
    junk = tmp_path / "junk.wacz"
    junk.write_bytes(b"not a zip at all")
    assert verify_fails(junk, capsys).endswith("it is not a ZIP file.")
    assert verify_fails(tmp_path, capsys).endswith("it is a folder.")
    signed = export(post_id, tmp_path / "signed.wacz", "--sign")
    assert verify_fails(signed, capsys, "--key", str(junk)) == (
        f"archiver: {junk}: it is not a public key in PEM or DER."
    )
    edwards = tmp_path / "ed25519.pem"
    edwards.write_bytes(
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert "not an elliptic-curve (ECDSA) public key" in verify_fails(
        signed, capsys, "--key", str(edwards)
    )

    cli_env.signing_key_file.write_text("garbage\n")
    again = ["export", "--format", "wacz", "--post", post_id, "-o", str(tmp_path / "y.wacz")]
    assert main([*again, "--sign"]) == 1
    err = capsys.readouterr().err.strip()
    assert "is not an unencrypted PEM private key" in err and "\n" not in err
    assert cli_env.signing_key_file.read_text() == "garbage\n"
    assert not (tmp_path / "y.wacz").exists()
    with TestClient(create_app(cli_env)) as client:
        broken = client.get("/.well-known/archiver-signing-key")
    assert broken.status_code == 500
    assert "is not an unencrypted PEM private key" in broken.text

    cli_env.signing_key_file.unlink()
    assert verify_fails(signed, capsys, "--this-archive").endswith("it has signed nothing.")


def test_pages_say_the_wacz_is_signed_and_link_the_key(
    post_id: str,
    engine: Engine,
    cli_env: Settings,
) -> None:
    """The snapshot page and the post page say the WACZ download is signed by this archive's
    key, and link the key; the key URL answers HEAD too."""
    [snapshot] = snapshots_of(engine, post_id)
    with TestClient(create_app(cli_env)) as client:
        page = client.get(f"/s/{snapshot.id}").text
        timeline = client.get(f"/p/{post_id}").text
        head = client.head("/.well-known/archiver-signing-key")
    assert "Signed by this archive&#39;s key" in page or "Signed by this archive's key" in page
    assert 'href="/.well-known/archiver-signing-key"' in page
    assert f'href="/api/v1/posts/{post_id}/export.wacz"' in page
    assert "archiver verify-wacz" in page
    assert 'href="/.well-known/archiver-signing-key"' in timeline
    assert head.status_code == 200 and head.content == b""


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (install chromium)")
def test_a_browser_checks_the_signature_as_replayweb_page_does(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
) -> None:
    """ReplayWeb.page checks an anonymous signature with WebCrypto: the key imported as
    `spki` on P-384, ECDSA with SHA-256 over the UTF-8 hash string. Chromium's WebCrypto does
    exactly that to our signature, and refuses it for another hash."""
    data = digest_of(export(post_id, tmp_path / "signed.wacz", "--sign"))["signedData"]
    script = """async ({hash, signature, publicKey}) => {
        const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        const key = await crypto.subtle.importKey(
            "spki", bytes(publicKey), {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]);
        const check = (text) => crypto.subtle.verify(
            {name: "ECDSA", hash: "SHA-256"}, key, bytes(signature),
            new TextEncoder().encode(text));
        return [await check(hash), await check(hash + "0")];
    }"""
    with sync_playwright() as playwright:  # after the capture: it runs its own event loop
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        try:
            page = chromium.new_page()
            # WebCrypto needs a secure context: a page of http://localhost, answered in place.
            page.route("http://localhost/", lambda route: route.fulfill(body="<!doctype html>"))
            page.goto("http://localhost/")
            assert page.evaluate(script, data) == [True, False]
        finally:
            chromium.close()


def test_the_served_wacz_verifies_against_the_served_key(
    post_id: str,
    cli_env: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A reader's round trip: download the post's WACZ and the archive's key from the
    service, and check one with the other."""
    with TestClient(create_app(cli_env)) as client:
        wacz = client.get(f"/api/v1/posts/{post_id}/export.wacz")
        key = client.get("/.well-known/archiver-signing-key")
    saved, pem = tmp_path / "post.wacz", tmp_path / "key.pem"
    saved.write_bytes(wacz.content)
    pem.write_bytes(key.content)
    wacz_validate(saved)
    check_wacz(wacz.content, cli_env)
    assert "It is the key expected." in verify_passes(saved, capsys, "--key", str(pem))
