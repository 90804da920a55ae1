"""Timestamped WACZ signatures: with ``ARCHIVER_TSA_URLS`` set, `archiver export --sign` asks
the TSA (a real one: ``openssl ts -reply``, tests/tsa.py) for an RFC 3161 timestamp of the
signature and writes it as the WACZ signing spec's ``timeSignature`` and ``timestampCert``;
`archiver verify-wacz` verifies it (OpenSSL agrees) and rejects one that is tampered with, of
another signature, or from a TSA it does not trust; a TSA that is down leaves the WACZ signed
without a timestamp."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from archiver import tsp
from archiver.config import Settings
from archiver.emulator import EmulatorServer
from tests import capturing
from tests.capturing import wacz_validate
from tests.test_export import captured_x_post
from tests.test_signed_wacz import digest_of, export, repack, verify_fails, verify_passes
from tests.tsa import NAME, LocalTsa, make_authority, openssl_verifies

cli_env = capturing.cli_env  # the fixtures
emulator = capturing.emulator

ANONYMOUS = {"hash", "created", "software", "signature", "publicKey"}


@pytest.fixture
def local_tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    """A running Time-Stamp Authority with its own throwaway CA."""
    authority = LocalTsa(tmp_path / "tsa")
    yield authority
    authority.close()


@pytest.fixture
def post_id(
    emulator: EmulatorServer,
    engine: Engine,
    cli_env: Settings,
    local_tsa: LocalTsa,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """An X post captured into the test's archive, which is then pointed at the local TSA."""
    captured = captured_x_post(emulator, engine)
    monkeypatch.setenv("ARCHIVER_UPSTREAM_OVERRIDES", f"{emulator.overrides},{local_tsa.override}")
    monkeypatch.setenv("ARCHIVER_TSA_URLS", LocalTsa.URL)
    monkeypatch.setenv("ARCHIVER_TSA_CA_FILE", str(local_tsa.ca_file))
    return captured


def with_signed_data(source: Path, target: Path, **fields: str) -> Path:
    """A copy of the WACZ with ``fields`` of its signedData replaced."""
    digest = digest_of(source)
    digest["signedData"] |= fields
    return repack(source, target, {"datapackage-digest.json": json.dumps(digest).encode()})


def test_a_signed_export_carries_a_timestamp_of_its_signature_that_verifies(
    post_id: str,
    local_tsa: LocalTsa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The signedData gains ``timeSignature`` (the TSA's reply over the ASCII of
    ``signature``, base64) and ``timestampCert`` (its chain, PEM) and nothing else changes;
    Webrecorder's validator accepts it, OpenSSL verifies the token over the signature, and
    `verify-wacz` says who stamped it, verified."""
    capsys.readouterr()
    signed = export(post_id, tmp_path / "stamped.wacz", "--sign")
    out = capsys.readouterr().out
    assert f"Its signature is timestamped by {NAME} at " in out
    assert local_tsa.requests == 1

    data = digest_of(signed)["signedData"]
    assert set(data) == ANONYMOUS | {"timeSignature", "timestampCert"}
    token = base64.b64decode(data["timeSignature"])
    chain = tsp.load_pem(data["timestampCert"].encode())
    assert tsp.fingerprint(chain[-1]) == tsp.fingerprint(
        tsp.load_pem(local_tsa.ca_file.read_bytes())[0]
    )
    assert openssl_verifies(
        tmp_path / "openssl",
        data=data["signature"].encode("ascii"),
        token=token,
        chain=local_tsa.ca_file.read_bytes(),
    )
    assert "Validation succeeded" in wacz_validate(signed)

    said = verify_passes(signed, capsys, "--this-archive")
    assert f"Timestamped by {NAME} at " in said and "(verified)." in said


def test_a_tampered_or_untrusted_timestamp_is_rejected(
    post_id: str,
    local_tsa: LocalTsa,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A timestamp of another signature, a damaged one, one that is not base64, one whose
    TSA chains to no trusted root, and a broken timestampCert: each fails with the reason."""
    signed = export(post_id, tmp_path / "stamped.wacz", "--sign")
    data = digest_of(signed)["signedData"]

    other = local_tsa.reply(tsp.build(b"another signature").body)
    err = verify_fails(
        with_signed_data(
            signed, tmp_path / "other.wacz", timeSignature=base64.b64encode(other).decode()
        ),
        capsys,
    )
    assert "its timestamp does not hold for its signature: the token's message imprint" in err

    token = bytearray(base64.b64decode(data["timeSignature"]))
    token[-5] ^= 0x01  # in the TSA's signature value
    damaged = with_signed_data(
        signed, tmp_path / "damaged.wacz", timeSignature=base64.b64encode(token).decode()
    )
    err = verify_fails(damaged, capsys)
    assert (
        "its timestamp does not hold for its signature: the token's signature is not valid" in err
    ), err

    err = verify_fails(with_signed_data(signed, tmp_path / "b64.wacz", timeSignature="@@"), capsys)
    assert "its signedData timeSignature is not base64" in err

    err = verify_fails(
        with_signed_data(signed, tmp_path / "cert.wacz", timestampCert="not a PEM"), capsys
    )
    assert "its timestampCert is not a PEM certificate chain" in err

    make_authority(tmp_path / "other", "Another TSA")  # a root that did not issue the TSA's
    monkeypatch.setenv("ARCHIVER_TSA_CA_FILE", str(tmp_path / "other" / "ca.pem"))
    err = verify_fails(signed, capsys)
    assert "its timestamp cannot be trusted: the signer does not chain to a trusted root" in err


def test_a_tsa_that_is_down_leaves_the_wacz_signed_without_a_timestamp(
    post_id: str,
    local_tsa: LocalTsa,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The export succeeds, says in one sentence that no TSA stamped it, and the WACZ is
    signed in the plain anonymous form, which `verify-wacz` accepts."""
    local_tsa.mode = "down"
    capsys.readouterr()
    signed = export(post_id, tmp_path / "unstamped.wacz", "--sign")
    out, err = capsys.readouterr()
    assert "signed with this archive's key" in out and "timestamped by" not in out
    assert err.strip().startswith(f"archiver: no TSA timestamped the signature ({LocalTsa.URL}")
    assert err.strip().endswith("so the WACZ is signed without a timestamp.")
    assert "\n" not in err.strip()
    assert local_tsa.requests == 1
    assert set(digest_of(signed)["signedData"]) == ANONYMOUS
    said = verify_passes(signed, capsys, "--this-archive")
    assert "Timestamped by" not in said
