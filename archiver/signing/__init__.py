"""The archive's own signing key: ECDSA signatures made and checked the way Webrecorder's
tools do (:mod:`archiver.signing.ecdsa`), with one key per archive kept under the data folder
and created on first use (:mod:`archiver.signing.keyfile`)."""

from __future__ import annotations

from archiver.signing.ecdsa import PublicKey, fingerprint, load_public, public_der, verify
from archiver.signing.keyfile import KEY_MODE, ArchiveKey, load_key, load_or_create_key

__all__ = [
    "KEY_MODE",
    "ArchiveKey",
    "PublicKey",
    "fingerprint",
    "load_key",
    "load_or_create_key",
    "load_public",
    "public_der",
    "verify",
]
