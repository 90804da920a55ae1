"""The archive's signing key: one ECDSA private key in a PEM file (PKCS #8, unencrypted, mode
0600) under the data folder, made the first time something is signed or the public key is
asked for, and never replaced after that.

Creation is safe against races: the new key is written to a temporary file and linked to its
name only if no key is there yet (``archiver.storage.create_once``), so processes starting at
once all use the one key that won. A key file that cannot be read is an error, never a reason
to make a new key: signatures already handed out name the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from archiver.errors import ConfigError
from archiver.signing import ecdsa
from archiver.storage import create_once

#: Only the archive's own user may read its private key.
KEY_MODE = 0o600


@dataclass(frozen=True, slots=True)
class ArchiveKey:
    """The archive's key pair, and the file it was read from."""

    private: ec.EllipticCurvePrivateKey
    path: Path

    @property
    def public(self) -> ecdsa.PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        """``sha256:HEX`` of the public key."""
        return ecdsa.fingerprint(self.public)

    @property
    def public_pem(self) -> str:
        """The public key as PEM, as ``/.well-known/archiver-signing-key`` serves it."""
        return ecdsa.public_pem(self.public)

    def sign(self, message: bytes) -> bytes:
        """The raw ``r || s`` ECDSA/SHA-256 signature of ``message``."""
        return ecdsa.sign(self.private, message)


def load_key(path: Path) -> ArchiveKey | None:
    """The key in ``path``, or ``None`` when there is none yet; ConfigError naming the file
    when it cannot be read or holds no ECDSA private key."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the signing key {path}: {exc.strerror or exc}") from exc
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"the signing key {path} is not an unencrypted PEM private key; "
            "restore it from a backup (a new key would not match what it signed)"
        ) from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"the signing key {path} is not an ECDSA key")
    return ArchiveKey(private=private, path=path)


def load_or_create_key(path: Path) -> ArchiveKey:
    """The key in ``path``, made first (P-384, mode 0600) when there is none."""
    key = load_key(path)
    if key is not None:
        return key
    pem = ecdsa.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        create_once(path, pem, mode=KEY_MODE)  # or another process's key won the race
    except OSError as exc:
        raise ConfigError(f"cannot write the signing key {path}: {exc.strerror or exc}") from exc
    key = load_key(path)
    if key is None:  # removed between the two steps
        raise ConfigError(f"the signing key {path} disappeared as it was made")
    return key
