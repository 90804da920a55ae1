"""ECDSA as the WACZ signing spec's anonymous signatures use it (ArchiveWeb.page signs them,
ReplayWeb.page checks them, both with the browser's WebCrypto):

* the curve is P-384 (WebCrypto's ``namedCurve``: ReplayWeb.page imports every anonymous key
  as P-384, so a key on another curve would not verify there);
* the message is hashed with SHA-256;
* a signature is the raw ``r || s`` pair, each number big-endian and as wide as the curve
  (IEEE P1363, what WebCrypto makes and expects), not DER;
* a public key travels as its DER ``SubjectPublicKeyInfo`` (WebCrypto's ``spki``).

Verification takes any curve, so keys made by other tools on P-256 or P-521 are checked too.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

CURVE = ec.SECP384R1
PublicKey = ec.EllipticCurvePublicKey
_ALGORITHM = ec.ECDSA(hashes.SHA256())


def generate() -> ec.EllipticCurvePrivateKey:
    """A new private key on :data:`CURVE`."""
    return ec.generate_private_key(CURVE())


def _width(curve: ec.EllipticCurve) -> int:
    """Bytes of one of ``r`` and ``s`` on ``curve``."""
    return (curve.key_size + 7) // 8


def sign(private: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """The raw ``r || s`` ECDSA/SHA-256 signature of ``message``."""
    r, s = decode_dss_signature(private.sign(message, _ALGORITHM))
    width = _width(private.curve)
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def verify(public: PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (raw ``r || s``) is ``public``'s signature of ``message``."""
    width = _width(public.curve)
    if len(signature) != 2 * width:
        return False
    r = int.from_bytes(signature[:width], "big")
    s = int.from_bytes(signature[width:], "big")
    try:
        public.verify(encode_dss_signature(r, s), message, _ALGORITHM)
    except InvalidSignature:
        return False
    return True


def public_der(public: PublicKey) -> bytes:
    """The key's DER ``SubjectPublicKeyInfo``."""
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_pem(public: PublicKey) -> str:
    """The key as a PEM ``PUBLIC KEY`` block."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def fingerprint(public: PublicKey) -> str:
    """``sha256:HEX`` of the key's DER ``SubjectPublicKeyInfo``: a short name to compare."""
    return "sha256:" + hashlib.sha256(public_der(public)).hexdigest()


def load_public(data: bytes) -> PublicKey:
    """An elliptic-curve public key from PEM or DER; ``ValueError`` saying why otherwise."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data)
        else:
            key = serialization.load_der_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ValueError("it is not a public key in PEM or DER") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("it is not an elliptic-curve (ECDSA) public key")
    return key
