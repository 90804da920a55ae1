"""Checking a timestamp token, as ``openssl ts -verify`` does:

1. the token's message imprint is the hash of the message;
2. its signer is found (by issuer and serial number, or key identifier) among the token's
   certificates and the trusted ones; the signed attributes name a ``TSTInfo`` and carry its
   digest; the ESS signing-certificate attribute names that very certificate; the signature
   over the signed attributes is good;
3. the signer may sign timestamps: extended key usage critical and ``timeStamping`` alone,
   key usage (if any) digital signature or non-repudiation;
4. the signer chains to one of the trusted roots, every certificate valid at the token's time
   (cryptography's path builder; intermediates from the token).

Steps 1 to 3 make a token *genuine* (a reply failing them is garbage); step 4 makes it *verified*.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from archiver.tsp.reply import Token

#: Digests accepted for imprints and signatures (MD5 and SHA-1 are not).
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


class _Bad(Exception):
    """One check failed; the message says which, in a sentence."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What checking a token found. ``chain`` runs from the signer to the trusted root when
    verified; otherwise it is what is known (the signer, the token's certificates)."""

    genuine: bool  # imprint, signature and signer are right
    verified: bool  # … and the signer chains to a trusted root
    problem: str | None
    chain: tuple[x509.Certificate, ...]

    @property
    def signer(self) -> x509.Certificate | None:
        """The certificate that signed the token, when it was found."""
        return self.chain[0] if self.chain else None


def check_token(token: Token, message: bytes, roots: Sequence[x509.Certificate]) -> Verdict:
    """Check ``token`` over ``message`` against the trusted ``roots`` (steps 1 to 4)."""
    try:
        _check_imprint(token, message)
    except _Bad as exc:
        return Verdict(False, False, str(exc), token.certificates)
    signer, problem = signer_problem(token, roots)
    if signer is None or problem is not None:
        known = (signer, *token.certificates) if signer is not None else token.certificates
        return Verdict(False, False, problem, tuple(dict.fromkeys(known)))
    chain, problem = trust_chain(token, signer, roots)
    return Verdict(True, problem is None, problem, chain)


def _check_imprint(token: Token, message: bytes) -> None:
    if token.hash_algorithm not in _HASHES:
        raise _Bad(f"the token's imprint uses {token.hash_algorithm}, which is not accepted")
    if hashlib.new(token.hash_algorithm, message).digest() != token.imprint:
        raise _Bad("the token's message imprint is not the hash of this message")


def signer_problem(
    token: Token, extra: Sequence[x509.Certificate] = ()
) -> tuple[x509.Certificate | None, str | None]:
    """The token's signer (looked for in the token, then in ``extra``) and what is wrong with
    its signature or its right to sign timestamps (steps 2 and 3), or ``None``."""
    signer = _find_signer(token.signer_info, (*token.certificates, *extra))
    if signer is None:
        return None, "the signer's certificate is neither in the token nor among the trusted ones"
    try:
        _check_signed_attributes(token, signer)
        _check_signature(token.signer_info, signer)
        _check_timestamping_use(signer)
    except _Bad as exc:
        return signer, str(exc)
    return signer, None


def trust_chain(
    token: Token, signer: x509.Certificate, roots: Sequence[x509.Certificate]
) -> tuple[tuple[x509.Certificate, ...], str | None]:
    """The path from ``signer`` to one of ``roots``, valid at the token's time (step 4), and
    ``None``; or the token's certificates and why there is no such path."""
    known = tuple(dict.fromkeys((signer, *token.certificates)))
    if not roots:
        return known, "no trusted root certificates are configured"
    intermediates = [c for c in token.certificates if c != signer]
    policies = PolicyBuilder().store(Store(list(roots))).time(token.gen_time)
    verifier = policies.extension_policies(
        ca_policy=ExtensionPolicy.permit_all().require_present(
            x509.BasicConstraints, Criticality.AGNOSTIC, _must_be_ca
        ),
        ee_policy=ExtensionPolicy.permit_all(),  # its key usages: step 3
    ).build_client_verifier()
    try:
        verified = verifier.verify(signer, intermediates)
    except VerificationError as exc:
        return known, f"the signer does not chain to a trusted root: {exc}"
    return tuple(verified.chain), None


def _must_be_ca(_policy: Any, _certificate: x509.Certificate, value: Any) -> None:
    if not isinstance(value, x509.BasicConstraints) or not value.ca:
        raise ValueError("an issuing certificate must be a CA")


def _find_signer(
    signer_info: Any, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    sid = signer_info["sid"]
    for candidate in candidates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                candidate.serial_number == wanted["serial_number"].native
                and candidate.issuer.public_bytes() == wanted["issuer"].dump()
            ):
                return candidate
        else:
            try:
                ski = candidate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return candidate
    return None


def _hash(name: str) -> hashes.HashAlgorithm:
    if name not in _HASHES:
        raise _Bad(f"the token is signed with {name}, which is not accepted")
    return _HASHES[name]()


def _attribute(signer_info: Any, name: str) -> Any:
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == name:
            return attribute["values"][0]
    return None


def _check_signed_attributes(token: Token, signer: x509.Certificate) -> None:
    info = token.signer_info
    if not info["signed_attrs"].native:
        raise _Bad("the token's signature covers no signed attributes")
    content_type = _attribute(info, "content_type")
    if content_type is None or content_type.native != "tst_info":
        raise _Bad("the signed attributes do not name a TSTInfo")
    digest_name = str(info["digest_algorithm"]["algorithm"].native)
    digest = hashes.Hash(_hash(digest_name))
    digest.update(token.content)
    said = _attribute(info, "message_digest")
    if said is None or said.native != digest.finalize():
        raise _Bad("the signed digest is not the digest of the TSTInfo")
    der = signer.public_bytes(Encoding.DER)
    v2 = _attribute(info, "signing_certificate_v2")
    v1 = _attribute(info, "signing_certificate")
    if v2 is not None:
        named = v2["certs"][0]
        expected = hashlib.new(str(named["hash_algorithm"]["algorithm"].native), der).digest()
    elif v1 is not None:
        named = v1["certs"][0]
        expected = hashlib.sha1(der, usedforsecurity=False).digest()
    else:
        raise _Bad("the token has no ESS signing-certificate attribute")
    if named["cert_hash"].native != expected:
        raise _Bad("the ESS signing-certificate attribute names another certificate")


def _check_signature(signer_info: Any, signer: x509.Certificate) -> None:
    algorithm = signer_info["signature_algorithm"]
    attributes = signer_info["signed_attrs"].dump()
    signed = b"\x31" + attributes[1:]  # signed over as a SET OF, not as the [0] it is kept in
    signature = bytes(signer_info["signature"].native)
    key = signer.public_key()
    kind = algorithm.signature_algo
    try:
        digest_name = algorithm.hash_algo
    except ValueError:  # plain rsaEncryption names no hash: the digest algorithm's
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed, padding.PKCS1v15(), _hash(str(digest_name)))
        elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = algorithm["parameters"]
            mgf = _hash(str(params["mask_gen_algorithm"]["parameters"]["algorithm"].native))
            pss = padding.PSS(padding.MGF1(mgf), int(params["salt_length"].native))
            key.verify(
                signature, signed, pss, _hash(str(params["hash_algorithm"]["algorithm"].native))
            )
        elif kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(_hash(str(digest_name))))
        elif kind == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signed)
        else:
            raise _Bad(f"the token's signature ({kind}) does not fit the signer's key")
    except InvalidSignature:
        raise _Bad("the token's signature is not valid") from None
    except UnsupportedAlgorithm as exc:
        raise _Bad(f"the token's signature cannot be checked: {exc}") from None


def _check_timestamping_use(signer: x509.Certificate) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise _Bad(
            "the signer's certificate is not for timestamping (no extended key usage)"
        ) from None
    if not usage.critical or list(usage.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise _Bad(
            "the signer's certificate is not for timestamping (its extended key usage must be "
            "critical and timeStamping alone)"
        )
    try:
        key_usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (key_usage.digital_signature or key_usage.content_commitment):
        raise _Bad("the signer's key usage allows neither signatures nor non-repudiation")
