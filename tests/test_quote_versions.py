"""The versions a quote is judged against: every snapshot, and every entry of the platform's
edit history the snapshots carry — so a quote of a version Archiver never captured itself is
still matched, and named."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.db.models import Snapshot
from archiver.detect.quotes import judge
from archiver.domain import Fidelity
from archiver.services.quotes import versions_of

FIRST = "Polls close at 8pm tonight."
SECOND = "Polls close at 9pm tonight, an hour later than planned."


def snapshot(snapshot_id: str, hour: int, text: str, history: list[dict[str, str]]) -> Snapshot:
    return Snapshot(
        id=snapshot_id,
        captured_at=datetime(2024, 11, 5, hour, tzinfo=UTC),
        text=text,
        extra={"history": history},
    )


def test_a_quote_of_a_version_only_the_edit_history_holds_names_that_version() -> None:
    """Captured only after the edit: the first wording is known from the history alone."""
    history = [
        {"created_at": "2024-11-05T09:00:00.000Z", "text": FIRST},
        {"created_at": "2024-11-05T10:30:00.000Z", "text": SECOND},
    ]
    versions = versions_of([snapshot("SNAPSHOT0001", 11, SECOND, history)])
    assert [v.id for v in versions] == [
        "history:2024-11-05T09:00:00.000Z",
        "history:2024-11-05T10:30:00.000Z",
        "SNAPSHOT0001",
    ]
    assert [v.order for v in versions] == [0, 1, 2]

    early = judge("Polls close at 8pm tonight", versions)
    assert early.fidelity is Fidelity.VERBATIM
    assert early.version_id == "history:2024-11-05T09:00:00.000Z"
    late = judge("Polls close at 9pm tonight", versions)
    assert late.version_id == "SNAPSHOT0001"  # the newest of the versions that read so


def test_history_entries_repeated_across_snapshots_count_once_and_sort_by_time() -> None:
    """Each snapshot carries the whole history; an entry at a snapshot's own moment sorts
    before the snapshot that captured it; unreadable entries are skipped."""
    history = [
        {"created_at": "2024-11-05T09:00:00Z", "text": FIRST},
        {"created_at": "not a time", "text": "ignored"},
        {"text": "no time at all"},
    ]
    versions = versions_of(
        [
            snapshot("SNAPSHOT0001", 9, FIRST, history),
            snapshot("SNAPSHOT0002", 12, SECOND, history),
        ]
    )
    assert [v.id for v in versions] == [
        "history:2024-11-05T09:00:00Z",
        "SNAPSHOT0001",
        "SNAPSHOT0002",
    ]
    assert versions_of([]) == []
