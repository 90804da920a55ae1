"""The fixity audit (``archiver verify``): every artifact the database names is read back from
storage and its SHA-256 recomputed.

Artifacts are content-addressed, so a blob is intact exactly when the SHA-256 of its bytes is
its name. Each distinct blob is read once, however many rows name it; a bad one is reported
with every row that names it (a snapshot's raw body, WARC, screenshot or media file; a
check's WARC; an article's bytes; a timestamp's manifest, token or certificate chain). The
stores are read through the ``BlobStore`` protocol, so local folders and an S3 bucket are
audited alike: each blob is streamed and hashed chunk by chunk, a few at a time (an object
store answers each read after a round trip), and reported in name order whatever order the
reads finish in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.orm import Session

from archiver.db import repository
from archiver.storage import BlobStore, is_sha256

#: Blobs read at once.
READERS = 8
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
    for stamp_id, snap_id, manifest, token, chain in repository.timestamp_artifact_rows(
        session=session
    ):
        owner = f"timestamp {stamp_id} (snapshot {snap_id})"
        note(BLOBS, manifest, f"{owner}: manifest")
        note(BLOBS, token, f"{owner}: token")
        note(BLOBS, chain, f"{owner}: certificate chain")
    return found


def digest(store: BlobStore, sha256: str) -> tuple[str, int] | None:
    """The SHA-256 and size of a stored blob's bytes, or ``None`` when it is not there."""
    if not is_sha256(sha256):  # the database names something that is not a SHA-256
        return None
    return store.digest(sha256)


def audit(
    refs: References,
    stores: Mapping[str, BlobStore],
    *,
    advance: Callable[[], None] = lambda: None,
    readers: int = READERS,
) -> Report:
    """Recompute the SHA-256 of every referenced blob."""
    report = Report()
    for (store, sha256), who, found in _read_all(sorted(refs.items()), stores, readers):
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


def _read_all(
    named: list[tuple[tuple[str, str], list[str]]], stores: Mapping[str, BlobStore], readers: int
) -> Iterator[tuple[tuple[str, str], list[str], tuple[str, int] | None]]:
    """Each blob with its digest, in the order given, read ``readers`` at a time (with only a
    few reads queued ahead, however many blobs there are)."""
    with ThreadPoolExecutor(max_workers=readers, thread_name_prefix="fixity") as pool:
        ahead: deque[tuple[tuple[str, str], list[str], Future[tuple[str, int] | None]]] = deque()
        for (store, sha256), who in named:
            ahead.append(((store, sha256), who, pool.submit(digest, stores[store], sha256)))
            if len(ahead) > readers * 4:
                name, referrers, reading = ahead.popleft()
                yield name, referrers, reading.result()
        while ahead:
            name, referrers, reading = ahead.popleft()
            yield name, referrers, reading.result()
