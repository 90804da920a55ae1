"""How Archiver writes times: RFC 3339 in UTC with a ``Z`` (SPEC §5).

Pure: no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime


def rfc3339(value: datetime) -> str:
    """``2020-07-01T13:59:00Z`` (fractions of a second only when there are any)."""
    value = value.astimezone(UTC)
    spec = "microseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
