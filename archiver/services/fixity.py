"""The fixity audit (``archiver verify``): every artifact the database names is read back from
storage and its SHA-256 recomputed.

Artifacts are content-addressed, so a blob is intact exactly when the SHA-256 of its bytes is
its name. Each distinct blob is read once, however many rows name it; a bad one is reported
with every row that names it (a snapshot's raw body, WARC, screenshot or media file; a
check's WARC; an article's bytes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.storage import LocalBlobStore

_CHUNK = 1 << 20
BLOBS = "blobs"
SCREENSHOTS = "screenshots"


class Fault(StrEnum):
    """What is wrong with a stored artifact."""

    MISSING = "missing"
    MISMATCHED = "mismatched"


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad blob and every row that names it."""

    fault: Fault
    store: str
    sha256: str
    referrers: tuple[str, ...]
    actual: str | None = None  # the SHA-256 the bytes have now, when mismatched


@dataclass(slots=True)
class Report:
    """The outcome of an audit."""

    checked: int = 0
    intact: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def missing(self) -> list[Problem]:
        """Blobs that are not in storage."""
        return [p for p in self.problems if p.fault is Fault.MISSING]

    @property
    def mismatched(self) -> list[Problem]:
        """Blobs whose bytes no longer hash to their name."""
        return [p for p in self.problems if p.fault is Fault.MISMATCHED]

    @property
    def ok(self) -> bool:
        """Whether every artifact is present and intact."""
        return not self.problems


References = dict[tuple[str, str], list[str]]


def references(*, session: Session) -> References:
    """Every ``(store, sha256)`` the database names, with who names it."""
    found: References = {}

    def note(store: str, sha256: str | None, who: str) -> None:
        if sha256:
            found.setdefault((store, sha256), []).append(who)

    for snap_id, post_id, raw, warc, shot, media in repository.snapshot_artifact_rows(
        session=session
    ):
        owner = f"snapshot {snap_id} (post {post_id})"
        note(BLOBS, raw, f"{owner}: raw body")
        note(BLOBS, warc, f"{owner}: WARC")
        note(SCREENSHOTS, shot, f"{owner}: screenshot")
        for entry in media:
            note(BLOBS, entry.get("sha256"), f"{owner}: media {entry.get('url') or ''}".rstrip())
    for check_id, post_id, warc in repository.check_warc_rows(session=session):
        note(BLOBS, warc, f"check {check_id} (post {post_id}): WARC")
    for article_id, raw in repository.article_raw_rows(session=session):
        note(BLOBS, raw, f"article {article_id}: raw bytes")
    return found


def digest(store: LocalBlobStore, sha256: str) -> tuple[str, int] | None:
    """The SHA-256 and size of a stored blob's bytes, or ``None`` when it is not there."""
    try:
        path = store.path(sha256)
    except ValueError:  # the database names something that is not a SHA-256
        return None
    hasher = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                hasher.update(chunk)
                size += len(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return hasher.hexdigest(), size


def audit(
    refs: References,
    stores: Mapping[str, LocalBlobStore],
    *,
    advance: Callable[[], None] = lambda: None,
) -> Report:
    """Recompute the SHA-256 of every referenced blob."""
    report = Report()
    for (store, sha256), who in sorted(refs.items()):
        found = digest(stores[store], sha256)
        report.checked += 1
        if found is None:
            report.problems.append(Problem(Fault.MISSING, store, sha256, tuple(who)))
        elif found[0] != sha256:
            report.bytes += found[1]
            report.problems.append(
                Problem(Fault.MISMATCHED, store, sha256, tuple(who), actual=found[0])
            )
        else:
            report.bytes += found[1]
            report.intact += 1
        advance()
    return report
