"""``archiver verify --timestamps``: every stored trusted timestamp checked again, from the
stored bytes alone, after the fixity audit (``archiver.services.fixity``) has re-hashed every
blob. For each timestamp whose token is stored:

1. its manifest, token and certificate chain are read back;
2. the manifest is this snapshot's, and every artifact it names is the one the snapshot names
   under that name and intact in storage (not among the fixity audit's damaged blobs): the
   bytes are those that were timestamped;
3. the token is a granted reply of the time recorded, and its check over the manifest's bytes
   passes (``archiver.tsp``: imprint, signature, signer fit for timestamping) with the chain's
   self-signed certificates as the trusted roots — what ``openssl ts -verify -data
   manifest.json -in token.tsr -CAfile chain.pem`` checks.

The root each token chains to is reported by its SHA-256 fingerprint, to compare with the one
its TSA publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from sqlalchemy.orm import Session

from archiver import tsp
from archiver.db import repository
from archiver.db.models import Snapshot, SnapshotTimestamp
from archiver.services import manifest
from archiver.storage import BlobStore, sha256_hex

Damaged = Collection[tuple[str, str]]  # (store, sha256) of every blob the fixity audit faulted


@dataclass(frozen=True, slots=True)
class Finding:
    """What checking one timestamp found: no problems means it holds."""

    timestamp_id: str
    snapshot_id: str
    tsa_url: str
    gen_time: datetime | None
    problems: tuple[str, ...]
    root_fingerprint: str | None = None


@dataclass(slots=True)
class Report:
    """Every timestamp checked."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        """The timestamps that do not hold."""
        return [f for f in self.findings if f.problems]

    @property
    def ok(self) -> bool:
        """Whether every timestamp holds."""
        return not self.failed


def audit(
    *,
    session: Session,
    blobs: BlobStore,
    damaged: Damaged,
    advance: Callable[[], None] = lambda: None,
) -> Report:
    """Check every stored timestamp (steps 1 to 3)."""
    report = Report()
    for stamp, snapshot in repository.stamped_timestamps(session=session):
        report.findings.append(check(stamp, snapshot, blobs, damaged))
        advance()
    return report


def check(
    stamp: SnapshotTimestamp, snapshot: Snapshot, blobs: BlobStore, damaged: Damaged
) -> Finding:
    """Check one stored timestamp of ``snapshot``."""
    problems: list[str] = []
    stored = {
        name: _read(blobs, sha256, name, problems)
        for name, sha256 in (
            ("manifest", stamp.manifest_sha256),
            ("token", stamp.token_sha256),
            ("certificate chain", stamp.chain_sha256),
        )
    }
    body, reply, chain = stored["manifest"], stored["token"], stored["certificate chain"]
    if body is not None:
        problems += _manifest_problems(body, snapshot, damaged)
    root = None
    if body is not None and reply is not None and chain is not None:
        found, root = _token_problems(reply, body, chain, stamp)
        problems += found
    return Finding(stamp.id, snapshot.id, stamp.tsa_url, stamp.gen_time, tuple(problems), root)


def _read(blobs: BlobStore, sha256: str | None, what: str, problems: list[str]) -> bytes | None:
    if not sha256:
        problems.append(f"its {what} was not kept")
        return None
    try:
        data = blobs.get(sha256)
    except FileNotFoundError:
        problems.append(f"its {what} {sha256} is missing from storage")
        return None
    if sha256_hex(data) != sha256:
        problems.append(f"its {what} {sha256} has changed in storage")
        return None
    return data


def _manifest_problems(body: bytes, snapshot: Snapshot, damaged: Damaged) -> list[str]:
    try:
        listed = manifest.read(body)
    except ValueError as exc:
        return [f"its manifest cannot be read: {exc}"]
    if listed.snapshot_id != snapshot.id:
        return [f"its manifest is of snapshot {listed.snapshot_id}, not {snapshot.id}"]
    problems = []
    current = {entry.name: entry for entry in manifest.artifacts(snapshot)}
    for name, sha256 in sorted(listed.artifacts.items()):
        entry = current.get(name)
        if entry is None or entry.sha256 != sha256:
            now = entry.sha256 if entry else "none"
            problems.append(f"the snapshot's {name} is {now}, not the {sha256} timestamped")
        elif (entry.store, sha256) in damaged:
            problems.append(f"the {name} {sha256} timestamped is missing or changed in storage")
    return problems


def _token_problems(
    reply: bytes, body: bytes, chain: bytes, stamp: SnapshotTimestamp
) -> tuple[list[str], str | None]:
    try:
        token = tsp.parse_reply(reply)
        certificates = tsp.load_pem(chain)
    except tsp.TokenError as exc:
        return [f"its token cannot be read: {exc}"], None
    except ValueError:
        return ["its certificate chain holds no certificate"], None
    problems = []
    if stamp.gen_time is not None and token.gen_time != stamp.gen_time:
        problems.append(f"the time recorded is not the token's ({token.gen_time.isoformat()})")
    verdict = tsp.check_token(token, body, [c for c in certificates if _self_signed(c)])
    if not verdict.verified:
        problems.append(f"its token does not verify: {verdict.problem}")
        return problems, None
    return problems, tsp.fingerprint(verdict.chain[-1])


def _self_signed(certificate: x509.Certificate) -> bool:
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
