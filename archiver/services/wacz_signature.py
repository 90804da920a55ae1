"""The signature of a WACZ: ``signedData`` in ``datapackage-digest.json``, in the anonymous
key-pair form of Webrecorder's "WACZ Signing and Verification" (0.1.0), which ArchiveWeb.page
writes and ReplayWeb.page checks::

    {"hash": "sha256:HEX",        the hash of datapackage.json, as the digest names it
     "created": "…Z",             datapackage.json's own "created" (py-wacz compares them)
     "software": "Archiver X.Y",
     "signature": "BASE64",       ECDSA/SHA-256 of the UTF-8 bytes of "hash", raw r || s
     "publicKey": "BASE64"}       the signing key's DER SubjectPublicKeyInfo

The signed message is the ``hash`` string itself (``sha256:`` and 64 hex digits), so the
signature covers datapackage.json, and through its hashes every file of the WACZ.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from archiver.errors import ArchiverError
from archiver.services.export import SOFTWARE
from archiver.signing import (
    ArchiveKey,
    PublicKey,
    fingerprint,
    load_public,
    public_der,
    verify,
)


class WaczInvalid(ArchiverError):
    """A WACZ failed verification; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signed a WACZ, and what they said about it."""

    public_key: PublicKey
    created: str
    software: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def signed_data(key: ArchiveKey, *, digest_hash: str, created: str) -> dict[str, str]:
    """The ``signedData`` of a WACZ whose datapackage.json hashes to ``digest_hash``."""
    return {
        "hash": digest_hash,
        "created": created,
        "software": SOFTWARE,
        "signature": base64.b64encode(key.sign(digest_hash.encode("utf-8"))).decode("ascii"),
        "publicKey": base64.b64encode(public_der(key.public)).decode("ascii"),
    }


def _base64(signed: dict[str, Any], field: str) -> bytes:
    value = signed.get(field)
    if not isinstance(value, str) or not value:
        raise WaczInvalid(f"its signedData has no {field}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WaczInvalid(f"its signedData {field} is not base64") from exc


def check_signed_data(signed: Any, *, digest_hash: str, created: Any) -> Signer:
    """The signer of ``signed`` once its signature of ``digest_hash`` checks out with the key
    it names; WaczInvalid saying why otherwise. ``created`` is datapackage.json's."""
    if not isinstance(signed, dict):
        raise WaczInvalid("its signedData is not an object")
    if signed.get("hash") != digest_hash:
        raise WaczInvalid("the hash it signed is not the hash of this datapackage.json")
    if "publicKey" not in signed and "domainCert" in signed:
        raise WaczInvalid(
            "it is signed with a domain certificate, not a key: Archiver checks key signatures only"
        )
    try:
        public = load_public(_base64(signed, "publicKey"))
    except ValueError as exc:
        raise WaczInvalid(f"the publicKey of its signature is unusable: {exc}") from exc
    if not verify(public, digest_hash.encode("utf-8"), _base64(signed, "signature")):
        raise WaczInvalid("its signature does not verify with the public key it names")
    if signed.get("created") != created:
        raise WaczInvalid("the signed creation time is not datapackage.json's")
    return Signer(
        public_key=public,
        created=str(signed.get("created")),
        software=str(signed.get("software") or "unnamed software"),
    )
