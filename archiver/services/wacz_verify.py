"""Checking a WACZ, ours or another tool's: every file against the SHA-256 that
``datapackage.json`` gives it, ``datapackage.json`` against ``datapackage-digest.json``, and the
signature of that digest (:mod:`archiver.services.wacz_signature`), optionally against the key
expected to have made it. The first fault found is raised as WaczInvalid, in one sentence.

A timestamp of the signature (``timeSignature``) is checked too when there is one: its token
must cover the signature and chain to the trusted TSA roots given; a signature without one
still passes.

A file in the ZIP that datapackage.json does not list is a fault too: no hash, and so no
signature, covers it.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cryptography import x509

from archiver.services.wacz_signature import (
    Signer,
    TimeSignature,
    WaczInvalid,
    check_signed_data,
    check_time_signature,
)
from archiver.signing import PublicKey, fingerprint, public_der
from archiver.storage import CHUNK, hash_chunks

__all__ = ["WaczInvalid", "WaczVerdict", "verify_wacz"]

MANIFEST = "datapackage.json"
DIGEST = "datapackage-digest.json"


@dataclass(frozen=True, slots=True)
class WaczVerdict:
    """A WACZ that passed: how many files its hashes covered, who signed it, and who
    timestamped the signature (if anyone did)."""

    files: int
    signer: Signer
    timestamp: TimeSignature | None = None


def _hash(package: zipfile.ZipFile, name: str) -> tuple[str, int]:
    """``sha256:HEX`` and size of one member, read in chunks."""
    try:
        with package.open(name) as member:
            digest, size = hash_chunks(iter(partial(member.read, CHUNK), b""))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise WaczInvalid(f"{name} is damaged inside the ZIP ({exc})") from exc
    return f"sha256:{digest}", size


def _json(package: zipfile.ZipFile, name: str) -> Any:
    if name not in package.NameToInfo:
        raise WaczInvalid(f"it has no {name}")
    try:
        return json.loads(package.read(name))
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise WaczInvalid(f"{name} is damaged inside the ZIP ({exc})") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise WaczInvalid(f"{name} is not valid JSON") from exc


def _check_digest(package: zipfile.ZipFile) -> dict[str, Any]:
    """The digest file, once it names datapackage.json and its hash is right."""
    digest = _json(package, DIGEST)
    if not isinstance(digest, dict) or digest.get("path") != MANIFEST:
        raise WaczInvalid(f"{DIGEST} does not name {MANIFEST}")
    if digest.get("hash") != _hash(package, MANIFEST)[0]:
        raise WaczInvalid(f"{MANIFEST} does not match the hash in {DIGEST}")
    return digest


def _check_resources(package: zipfile.ZipFile, manifest: Any) -> int:
    """How many files datapackage.json lists, once each matches its hash and size and no
    other file is in the ZIP."""
    resources = manifest.get("resources") if isinstance(manifest, dict) else None
    if not isinstance(resources, list):
        raise WaczInvalid(f"{MANIFEST} has no list of resources")
    listed: set[str] = set()
    for resource in resources:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(path, str):
            raise WaczInvalid(f"{MANIFEST} lists a resource without a path")
        expected = resource.get("hash")
        if not isinstance(expected, str) or not expected.startswith("sha256:"):
            raise WaczInvalid(f"{MANIFEST} gives {path} no SHA-256")
        if path not in package.NameToInfo:
            raise WaczInvalid(f"{MANIFEST} lists {path}, which is not in the file")
        actual, size = _hash(package, path)
        if actual != expected.lower():
            raise WaczInvalid(f"{path} does not match its SHA-256 in {MANIFEST}")
        if resource.get("bytes", size) != size:
            raise WaczInvalid(f"{path} is not the size {MANIFEST} gives it")
        listed.add(path)
    for name in package.namelist():
        if name not in listed and name not in (MANIFEST, DIGEST) and not name.endswith("/"):
            raise WaczInvalid(f"{name} is in the file but not in {MANIFEST}, so no hash covers it")
    return len(listed)


def verify_wacz(
    path: Path,
    *,
    expected: PublicKey | None = None,
    tsa_roots: Callable[[], Sequence[x509.Certificate]] = list,
) -> WaczVerdict:
    """Check the WACZ at ``path`` (and that ``expected`` signed it, when given; a timestamp of
    its signature against ``tsa_roots()``, when it has one); WaczInvalid with the first fault
    otherwise."""
    try:
        package = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise WaczInvalid("there is no such file") from exc
    except IsADirectoryError as exc:
        raise WaczInvalid("it is a folder") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise WaczInvalid("it is not a ZIP file") from exc
    with package:
        digest = _check_digest(package)
        manifest = _json(package, MANIFEST)
        files = _check_resources(package, manifest)
        signed = digest.get("signedData")
        if signed is None:
            raise WaczInvalid(f"it is not signed: {DIGEST} has no signedData")
        signer = check_signed_data(
            signed, digest_hash=digest["hash"], created=manifest.get("created")
        )
        timestamp = check_time_signature(signed, tsa_roots)
    if expected is not None and public_der(signer.public_key) != public_der(expected):
        raise WaczInvalid(
            f"it was signed by key {signer.fingerprint}, not by the expected key "
            f"{fingerprint(expected)}"
        )
    return WaczVerdict(files=files, signer=signer, timestamp=timestamp)
