"""Reading values out of parsed JSON without trusting its shape: a field of the wrong type
reads as absent rather than crashing the parse.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from archiver.domain import Author, PostStatus


@dataclass(frozen=True, slots=True)
class GoneReason:
    """What a parser read from an answer that says the post cannot be shown."""

    reason: PostStatus
    evidence: str


def obj(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def string(value: object) -> str | None:
    """``value`` if it is a non-empty string, else ``None``."""
    return value if isinstance(value, str) and value else None


def integer(value: object) -> int | None:
    """``value`` as an int if it is a JSON integer or a string of digits, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp (or X's legacy "Tue Mar 21 20:50:14 +0000 2006") as aware UTC,
    or ``None``."""
    text = string(value)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def epoch(value: object) -> datetime | None:
    """Seconds since the Unix epoch (a JSON number, as Reddit's ``created_utc``) as aware UTC,
    or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def counts(source: Mapping[str, Any], names: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The counts present in ``source``, renamed: ``names`` pairs a platform field with ours."""
    found: dict[str, int] = {}
    for field, name in names:
        value = integer(source.get(field))
        if value is not None and name not in found:
            found[name] = value
    return found


def present(source: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The fields of ``source`` among ``names`` that are present (``None`` values included)."""
    return {name: source[name] for name in names if name in source}


def author(ident: object, handle: object, name: object, url: str | None) -> Author | None:
    """An author from whatever of id, handle and name the platform gave; ``None`` if nothing."""
    found = Author(string(ident), string(handle), string(name), url)
    return None if found == Author(None, None, None, url) else found
