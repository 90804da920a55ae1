"""Parsing the human units the configuration uses: durations (``10m``), sizes (``100MB``),
rates (``600/min``).

Pure: no I/O, no third-party imports.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
_DURATION_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\S+)\s*$")
_RATE_PERIODS = {
    "s": timedelta(seconds=1),
    "sec": timedelta(seconds=1),
    "second": timedelta(seconds=1),
    "min": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
}

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*((?:[kmgt]i?)?b?)\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_duration(text: str) -> timedelta:
    """Parse ``30s``, ``10m``, ``6h``, ``1d``, ``7d`` (also ``ms`` and ``w``) into a timedelta.

    Raises ``ValueError`` with a sentence naming the accepted form.
    """
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit, like 30s, 10m, 6h or 1d"
        )
    try:
        return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def format_duration(value: timedelta) -> str:
    """Write a timedelta back in the largest unit that divides it exactly (``90m`` -> ``90m``)."""
    total_ms = round(value.total_seconds() * 1000)
    for unit in ("d", "h", "m", "s"):
        unit_ms = round(_DURATION_UNITS[unit].total_seconds() * 1000)
        if total_ms and total_ms % unit_ms == 0:
            return f"{total_ms // unit_ms}{unit}"
    return f"{total_ms}ms"


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """Parse a re-check schedule: comma-separated, strictly increasing offsets (``10m,1h,1d``)."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise ValueError("a schedule needs at least one duration, like 10m,1h,1d")
    offsets = tuple(parse_duration(part) for part in parts)
    if any(offset <= timedelta(0) for offset in offsets):
        raise ValueError("schedule offsets must be greater than zero")
    if any(later <= earlier for earlier, later in itertools.pairwise(offsets)):
        raise ValueError(f"schedule offsets must increase: {text!r}")
    return offsets


def parse_size(text: str) -> int:
    """Parse ``100MB``, ``1.5GB``, ``512KiB`` or a plain byte count into bytes.

    ``KB``/``MB``/``GB`` are decimal (10³…), ``KiB``/``MiB``/``GiB`` binary (2¹⁰…).
    """
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size; write a number and a unit, like 100MB")
    number = Decimal(match.group(1))
    unit = (match.group(2) or "").lower()
    prefix = unit[:1] if unit[:1] in "kmgt" and unit else ""
    factor = 1024 ** ("kmgt".index(prefix) + 1) if prefix and "i" in unit else _SIZE_UNITS[prefix]
    return int(number * factor)


@dataclass(frozen=True, slots=True)
class Rate:
    """``count`` events per ``per``: a token bucket of ``count`` refilled evenly over ``per``."""

    count: int
    per: timedelta


def parse_rate(text: str) -> Rate | None:
    """Parse ``600/min``, ``10/s``, ``1000/h``, ``50/10m`` into a Rate; ``0`` means no limit.

    Raises ``ValueError`` with a sentence naming the accepted form.
    """
    if text.strip() == "0":
        return None
    match = _RATE.match(text)
    problem = f"{text!r} is not a rate; write a count per period, like 600/min, or 0 for no limit"
    if not match:
        raise ValueError(problem)
    count, period = int(match.group(1)), match.group(2).lower()
    per = _RATE_PERIODS.get(period)
    if per is None:
        try:
            per = parse_duration(period)
        except ValueError:
            raise ValueError(problem) from None
    if count == 0:
        return None
    if per <= timedelta(0):
        raise ValueError(f"{text!r}: the period of a rate must be longer than zero")
    return Rate(count, per)
