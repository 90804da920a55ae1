"""Dates as articles print them: under an embedded post (``July 1, 2020``, ``1 July 2020``,
``Jul. 1, 2020``, ``2020-07-01``, ``March 25, 2025 at 7:16 AM``) and in page metadata
(ISO 8601, RFC 2822). Pure: no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Final

_MONTHS: Final = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH: Final = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY: Final = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
_TIME: Final = (
    r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?(?:\s*[A-Z]{2,4})?)?"
)

#: A printed date, as a regular expression (case-insensitive; no groups of its own).
DATE_PATTERN: Final = (
    rf"(?:{_WEEKDAY}{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}{_TIME}"
    rf"|{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}{_TIME}"
    r"|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
)

_MONTH_FIRST: Final = re.compile(
    rf"{_WEEKDAY}(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})",
    re.IGNORECASE,
)
_DAY_FIRST: Final = re.compile(
    rf"{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}})",
    re.IGNORECASE,
)
_ISO_DAY: Final = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_ISO_STAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?",
    re.IGNORECASE,
)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_printed_date(text: str) -> date | None:
    """The calendar date in ``text`` (one of the forms in the module docstring), or ``None``."""
    text = text.strip()[:200]
    found = _MONTH_FIRST.match(text) or _DAY_FIRST.match(text)
    if found is not None:
        month = _MONTHS[found["month"].lower().rstrip(".")]
        return _safe_date(int(found["year"]), month, int(found["day"]))
    iso = _ISO_DAY.match(text)
    if iso is not None:
        return _safe_date(int(iso["year"]), int(iso["month"]), int(iso["day"]))
    return None


def parse_timestamp(text: str) -> datetime | None:
    """A publication time from page metadata, timezone-aware in UTC, or ``None``.

    ISO 8601 (``2020-07-01T13:59:00Z``, with an offset, fractional seconds, or a date alone),
    RFC 2822 (``Wed, 01 Jul 2020 13:59:00 GMT``) or a printed date; naive values are taken as UTC.
    """
    text = text.strip()[:200]
    if not text:
        return None
    parsed = _iso(text) or _rfc2822(text)
    if parsed is None:
        day = parse_printed_date(text)
        if day is None:
            return None
        parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _iso(text: str) -> datetime | None:
    found = _ISO_STAMP.match(text)
    if found is None:
        return None
    stamp = found.group(0).replace(" ", "T", 1).replace(" ", "")
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", stamp)  # fromisoformat takes microseconds at most
    stamp = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", stamp)
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
