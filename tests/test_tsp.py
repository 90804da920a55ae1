"""RFC 3161 tokens (``archiver.tsp``) and the manifest they cover (``services.manifest``): tokens
from OpenSSL's own TSA are read and checked, and ``openssl ts -verify`` agrees on every
verdict; what is not a granted token is refused in one sentence."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import pytest
from asn1crypto import tsp as asn1_tsp

from archiver import tsp
from archiver.db.models import Post, Snapshot
from archiver.domain import Platform
from archiver.services import manifest
from tests.tsa import NAME, LocalTsa, make_authority, openssl_verifies

MESSAGE = b'{"format":"archiver-manifest/1","snapshot_id":"7K3Q9MZDA2XF"}'


@pytest.fixture(scope="module")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """One TSA for the module (making its keys is the slow part)."""
    authority = LocalTsa(tmp_path_factory.mktemp("tsa"))
    yield authority
    authority.close()


def stamp(authority: LocalTsa, message: bytes) -> tuple[tsp.TimestampRequest, tsp.Token]:
    """A request over ``message`` and OpenSSL's token for it."""
    request = tsp.build(message)
    return request, tsp.parse_reply(authority.reply(request.body))


def test_the_request_is_a_sha256_imprint_with_a_nonce_asking_for_the_certificate() -> None:
    """The request names SHA-256, carries the message's hash, a nonce, and certReq."""
    request = tsp.build(MESSAGE)
    parsed = asn1_tsp.TimeStampReq.load(request.body)
    imprint = parsed["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(MESSAGE).digest() == request.imprint
    assert parsed["nonce"].native == request.nonce
    assert parsed["cert_req"].native is True
    assert tsp.build(MESSAGE).nonce != request.nonce


def test_an_openssl_token_verifies_and_openssl_agrees(local_tsa: LocalTsa, tmp_path: Path) -> None:
    """A token over the message, chained to the test CA: verified by us and by OpenSSL, with
    the TSA's time, serial number, policy and nonce read from it."""
    before = datetime.now(UTC) - timedelta(seconds=2)
    request, token = stamp(local_tsa, MESSAGE)
    roots = tsp.load_pem(local_tsa.ca_file.read_bytes())
    verdict = tsp.check_token(token, MESSAGE, roots)
    assert verdict.genuine and verdict.verified and verdict.problem is None
    assert [c.subject.rfc4514_string() for c in verdict.chain] == [f"CN={NAME}", f"CN={NAME} Root"]
    assert token.nonce == request.nonce
    assert token.imprint == request.imprint and token.hash_algorithm == "sha256"
    assert before <= token.gen_time <= datetime.now(UTC) + timedelta(seconds=2)
    assert token.policy == "1.3.6.1.4.1.55555.1.1"
    assert token.serial > 0 and token.tsa_name and NAME in token.tsa_name
    chain = tsp.pem_bundle(verdict.chain)
    assert openssl_verifies(tmp_path / "good", data=MESSAGE, token=token.reply, chain=chain)


def test_a_token_over_another_message_or_altered_fails_and_openssl_agrees(
    local_tsa: LocalTsa, tmp_path: Path
) -> None:
    """Another message, or one flipped bit in the token's signature: not genuine, for us and
    for OpenSSL."""
    _, token = stamp(local_tsa, MESSAGE)
    roots = tsp.load_pem(local_tsa.ca_file.read_bytes())
    chain = tsp.pem_bundle(tsp.check_token(token, MESSAGE, roots).chain)
    other = MESSAGE.replace(b"7K3Q", b"7K3R")
    verdict = tsp.check_token(token, other, roots)
    assert not verdict.genuine and not verdict.verified
    assert verdict.problem == "the token's message imprint is not the hash of this message"
    assert not openssl_verifies(tmp_path / "other", data=other, token=token.reply, chain=chain)

    altered = bytearray(token.reply)
    altered[-20] ^= 0x01  # inside the signature, the last field of the token
    broken = tsp.parse_reply(bytes(altered))
    verdict = tsp.check_token(broken, MESSAGE, roots)
    assert not verdict.genuine and verdict.problem == "the token's signature is not valid"
    assert not openssl_verifies(tmp_path / "bad", data=MESSAGE, token=bytes(altered), chain=chain)


def test_a_token_chained_to_another_root_is_genuine_but_not_verified(
    local_tsa: LocalTsa, tmp_path: Path
) -> None:
    """Against another CA's root the token is genuine (well signed, over the message) but not
    verified, and OpenSSL refuses it too; with no roots at all it says so."""
    _, token = stamp(local_tsa, MESSAGE)
    make_authority(tmp_path / "other", "Somebody Else")
    strangers = tsp.load_pem((tmp_path / "other" / "ca.pem").read_bytes())
    verdict = tsp.check_token(token, MESSAGE, strangers)
    assert verdict.genuine and not verdict.verified
    assert verdict.problem and verdict.problem.startswith(
        "the signer does not chain to a trusted root"
    )
    stranger_chain = tsp.pem_bundle([*token.certificates[:1], *strangers])
    assert not openssl_verifies(
        tmp_path / "v", data=MESSAGE, token=token.reply, chain=stranger_chain
    )
    nothing = tsp.check_token(token, MESSAGE, [])
    assert nothing.genuine and nothing.problem == "no trusted root certificates are configured"


def test_what_is_not_a_granted_token_is_refused_in_one_sentence() -> None:
    """Garbage, an HTML page, and a rejection with its reason are each a TokenError."""
    for junk in (b"", b"<html>Bad gateway</html>", b"\x30\x03\x02\x01\x00"):
        with pytest.raises(tsp.TokenError, match="not a timestamp token"):
            tsp.parse_reply(junk)
    status = asn1_tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": ["unsupported algorithm"]}
    ).dump()
    rejection = bytes([0x30, len(status)]) + status  # a TimeStampResp without a token
    with pytest.raises(tsp.TokenError, match=r"did not grant .*rejection: unsupported algorithm"):
        tsp.parse_reply(rejection)


def test_the_manifest_is_canonical_json_naming_every_artifact() -> None:
    """Sorted keys, no spaces, ASCII only, no newline; raw, WARC, screenshot and each kept
    media file in that order; a media file that was not kept is left out."""
    post = Post(
        id="POST00000001", canonical_url="https://x.com/jack/status/20", platform=Platform.X
    )
    snapshot = Snapshot(
        id="SNAP00000001", post_id=post.id, text="Élan \u202e", software_version="Archiver/0.1.0",
        captured_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), raw_sha256="a" * 64,
        warc_sha256="b" * 64, screenshot_sha256="c" * 64,
        media=[
            {"type": "photo", "url": "https://pbs.example/1.jpg", "sha256": "d" * 64},
            {"type": "video", "url": "https://video.example/2.mp4", "sha256": None},
            {"type": "photo", "url": "https://pbs.example/3.jpg", "sha256": "e" * 64},
        ],
    )  # fmt: skip
    body = manifest.manifest_of(post, snapshot)
    text_hash = hashlib.sha256("Élan \u202e".encode()).hexdigest()
    assert body == (
        '{"artifacts":[{"name":"raw","sha256":"' + "a" * 64 + '"},'
        '{"name":"warc","sha256":"' + "b" * 64 + '"},'
        '{"name":"screenshot","sha256":"' + "c" * 64 + '"},'
        '{"name":"media-1","sha256":"' + "d" * 64 + '","url":"https://pbs.example/1.jpg"},'
        '{"name":"media-2","sha256":"' + "e" * 64 + '","url":"https://pbs.example/3.jpg"}],'
        '"captured_at":"2026-03-04T05:06:07Z","format":"archiver-manifest/1",'
        '"post_id":"POST00000001","post_url":"https://x.com/jack/status/20",'
        '"snapshot_id":"SNAP00000001","software":"Archiver/0.1.0",'
        f'"text_sha256":"{text_hash}"' + "}"
    ).encode("ascii")
    read = manifest.read(body)
    assert read.snapshot_id == "SNAP00000001"
    assert read.artifacts["media-2"] == "e" * 64 and len(read.artifacts) == 5
    assert json.loads(body)["format"] == manifest.FORMAT
    with pytest.raises(ValueError, match="not an Archiver manifest"):
        manifest.read(b"[]")


def test_the_default_roots_load_without_a_warning_leaving_out_what_rfc_5280_forbids() -> None:
    """certifi's bundle holds a few old roots with serial numbers of zero or below, which
    ``cryptography`` warns about (an error in this suite) and will refuse one day: they are left
    out, the rest load, and a bundle with nothing readable is still an error."""
    roots = tsp.load_pem(Path(certifi.where()).read_bytes())
    assert len(roots) > 100
    assert all(root.serial_number > 0 for root in roots)
    with pytest.raises(ValueError, match="no PEM certificate"):
        tsp.load_pem(b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
