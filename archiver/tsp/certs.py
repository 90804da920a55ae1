"""Certificates as PEM: read a bundle, write a chain, name a certificate by its fingerprint."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.utils import CryptographyDeprecationWarning

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle that can be read (``ValueError`` when none can).

    Each is read on its own: a bundle such as certifi's holds a few old roots whose serial
    numbers RFC 5280 forbids, which ``cryptography`` warns about now and will refuse later;
    they are left out rather than making the whole bundle unreadable (or noisy)."""
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_BLOCK.findall(data):
            try:
                certificate = x509.load_pem_x509_certificate(block)
            except ValueError:
                continue
            if certificate.serial_number > 0:
                found.append(certificate)
    if not found:
        raise ValueError("no PEM certificate")
    return found


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
