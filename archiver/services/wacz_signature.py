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

When a Time-Stamp Authority stamped the signature, two more fields say so, as in the spec's
domain-identity form (and as authsign and wacz-signing write them)::

     "timeSignature": "BASE64",   the TSA's RFC 3161 TimeStampResp (DER) over the ASCII bytes
                                  of "signature" (its SHA-256 is the token's imprint)
     "timestampCert": "PEM"       the TSA's certificate chain, signer first

They add to what is signed and change none of it: a verifier that knows only the anonymous
form checks the same signature of the same hash.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from archiver import tsp
from archiver.errors import ArchiverError
from archiver.services.export import SOFTWARE
from archiver.services.tsa import Stamp
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


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """A verified timestamp of a WACZ's signature: who stamped it, and when."""

    authority: str  # the TSA's signing certificate: its common name, else its whole subject
    gen_time: datetime


def timestamped(signed: dict[str, str]) -> bytes:
    """What a TSA stamps of a ``signedData``: the ASCII bytes of its base64 ``signature``."""
    return signed["signature"].encode("ascii")


def time_signature(stamp: Stamp) -> dict[str, str]:
    """The ``timeSignature`` and ``timestampCert`` fields of a TSA's token over the signature."""
    return {
        "timeSignature": base64.b64encode(stamp.token.reply).decode("ascii"),
        "timestampCert": tsp.pem_bundle(stamp.verdict.chain).decode("ascii"),
    }


def tsa_name(certificate: x509.Certificate) -> str:
    """A TSA's signing certificate in words: its common name, else its whole subject."""
    common = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(common[0].value) if common else certificate.subject.rfc4514_string()


def check_time_signature(
    signed: dict[str, Any], roots: Callable[[], Sequence[x509.Certificate]]
) -> TimeSignature | None:
    """The timestamp of an already checked ``signedData``, once its token covers the signature
    and its signer chains to one of ``roots()`` (read only when there is a token); ``None``
    when it has none; WaczInvalid saying why otherwise."""
    if "timeSignature" not in signed:
        return None
    try:
        token = tsp.parse_reply(_base64(signed, "timeSignature"))
    except tsp.TokenError as exc:
        raise WaczInvalid(f"its timeSignature is not a timestamp: {exc}") from None
    chain = signed.get("timestampCert")
    if chain is not None:  # the signer and intermediates, if the token lacks them
        try:
            if not isinstance(chain, str):
                raise ValueError(chain)
            given = tsp.load_pem(chain.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise WaczInvalid("its timestampCert is not a PEM certificate chain") from None
        known = tuple(dict.fromkeys((*token.certificates, *given)))
        token = dataclasses.replace(token, certificates=known)
    verdict = tsp.check_token(token, timestamped(signed), roots())
    if not verdict.genuine:
        raise WaczInvalid(f"its timestamp does not hold for its signature: {verdict.problem}")
    if not verdict.verified or verdict.signer is None:
        raise WaczInvalid(f"its timestamp cannot be trusted: {verdict.problem}")
    return TimeSignature(authority=tsa_name(verdict.signer), gen_time=token.gen_time)


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
