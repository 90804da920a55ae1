"""Certificates as PEM: read a bundle, write a chain, name a certificate by its fingerprint."""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding


def load_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle (``ValueError`` when there is none)."""
    return list(x509.load_pem_x509_certificates(data))


def pem_bundle(certificates: Iterable[x509.Certificate]) -> bytes:
    """The certificates as one PEM file, in the order given, each once."""
    seen: dict[bytes, bytes] = {}
    for certificate in certificates:
        der = certificate.public_bytes(Encoding.DER)
        seen.setdefault(der, certificate.public_bytes(Encoding.PEM))
    return b"".join(seen.values())


def fingerprint(certificate: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint as lower-case hex (what TSAs publish)."""
    return certificate.fingerprint(hashes.SHA256()).hex()
