"""The human units in the configuration: durations (``10m``), schedules and sizes (``100MB``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from archiver.units import format_duration, parse_duration, parse_schedule, parse_size

DEFAULT_SCHEDULE = "10m,1h,6h,1d,3d,7d"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("6h", timedelta(hours=6)),
        ("1d", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("1.5h", timedelta(minutes=90)),
        ("0.5s", timedelta(milliseconds=500)),
        ("250ms", timedelta(milliseconds=250)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_parse_duration_reads_each_unit(text: str, expected: timedelta) -> None:
    """A number followed by a unit becomes the matching timedelta."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30S", timedelta(seconds=30)),
        ("10M", timedelta(minutes=10)),
        ("6H", timedelta(hours=6)),
        ("1D", timedelta(days=1)),
        ("250MS", timedelta(milliseconds=250)),
        ("250Ms", timedelta(milliseconds=250)),
        ("2W", timedelta(weeks=2)),
    ],
)
def test_parse_duration_ignores_case(text: str, expected: timedelta) -> None:
    """An upper-case unit means the same as its lower-case form."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", [" 10m", "10m ", "  10m  ", "10 m", "\t10m\n"])
def test_parse_duration_ignores_surrounding_and_inner_spaces(text: str) -> None:
    """Spaces around the duration and between number and unit are ignored."""
    assert parse_duration(text) == timedelta(minutes=10)


@pytest.mark.parametrize("text", ["", "   ", "10", "m", "10 minutes", "-5m", "5y", "1,5h", "h10"])
def test_parse_duration_refuses_malformed_text(text: str) -> None:
    """A duration without a number, without a known unit, or negative is refused."""
    with pytest.raises(ValueError, match="not a duration") as caught:
        parse_duration(text)
    message = str(caught.value)
    assert repr(text) in message
    assert "number and a unit" in message
    assert "10m" in message


def test_parse_duration_refuses_an_unknown_unit() -> None:
    """A duration with an unknown unit is refused."""
    with pytest.raises(ValueError, match="like 30s, 10m, 6h or 1d"):
        parse_duration("3y")


def test_parse_duration_refuses_a_duration_too_large_to_represent() -> None:
    """A duration beyond timedelta's range is refused with ValueError."""
    with pytest.raises(ValueError, match="1000000000d"):
        parse_duration("1000000000d")


@pytest.mark.parametrize(
    "text",
    [
        "10m",
        "1h",
        "6h",
        "1d",
        "3d",
        "7d",
        "90m",
    ],
)
def test_format_duration_round_trips(text: str) -> None:
    """Formatting a parsed duration gives back the text it was parsed from."""
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize(
    "value",
    [
        timedelta(milliseconds=250),
        timedelta(seconds=30),
        timedelta(seconds=90),
        timedelta(minutes=90),
        timedelta(hours=36),
        timedelta(days=7),
        timedelta(days=10),
        timedelta(weeks=3),
    ],
)
def test_format_duration_parses_back_to_the_same_value(value: timedelta) -> None:
    """Parsing a formatted duration gives back the same timedelta."""
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(milliseconds=1500), "1500ms"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=90), "90m"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=36), "36h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=14), "14d"),
    ],
)
def test_format_duration_uses_the_largest_exact_unit(value: timedelta, expected: str) -> None:
    """A duration is written in the largest unit that divides it exactly."""
    assert format_duration(value) == expected


def test_parse_schedule_reads_the_default_schedule() -> None:
    """The default schedule gives six increasing offsets starting at ten minutes."""
    offsets = parse_schedule(DEFAULT_SCHEDULE)
    assert offsets == (
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
        timedelta(days=3),
        timedelta(days=7),
    )


def test_default_schedule_formats_back_to_its_text() -> None:
    """Each offset of the default schedule is written back as SPEC writes it."""
    offsets = parse_schedule(DEFAULT_SCHEDULE)
    assert ",".join(format_duration(offset) for offset in offsets) == DEFAULT_SCHEDULE


def test_parse_schedule_ignores_spaces_and_empty_items() -> None:
    """Spaces around items and empty items between commas are ignored."""
    assert parse_schedule(" 1m , 5m,,1h ") == (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(hours=1),
    )


def test_parse_schedule_accepts_a_single_offset() -> None:
    """A schedule of one offset is a one-element tuple."""
    assert parse_schedule("1d") == (timedelta(days=1),)


@pytest.mark.parametrize("text", ["1h,10m", "10m,10m", "10m,1h,30m"])
def test_parse_schedule_refuses_offsets_that_do_not_increase(text: str) -> None:
    """A schedule whose offsets do not strictly increase is refused."""
    with pytest.raises(ValueError, match="must increase"):
        parse_schedule(text)


@pytest.mark.parametrize("text", ["0s", "0m,1h", "0ms"])
def test_parse_schedule_refuses_a_zero_offset(text: str) -> None:
    """A schedule containing a zero offset is refused."""
    with pytest.raises(ValueError, match="greater than zero"):
        parse_schedule(text)


@pytest.mark.parametrize("text", ["", " ", ",", " , ,"])
def test_parse_schedule_refuses_an_empty_schedule(text: str) -> None:
    """A schedule with no durations is refused."""
    with pytest.raises(ValueError, match="at least one duration"):
        parse_schedule(text)


def test_parse_schedule_refuses_a_malformed_item() -> None:
    """A schedule with one malformed item is refused, naming the item."""
    with pytest.raises(ValueError, match="'soon' is not a duration"):
        parse_schedule("10m,soon")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100MB", 100_000_000),
        ("5MiB", 5 * 1024**2),
        ("512", 512),
        ("512B", 512),
        ("1.5GB", 1_500_000_000),
        ("1KiB", 1024),
        ("1KB", 1000),
        ("2TB", 2 * 10**12),
        ("1GiB", 1024**3),
        ("1.5KiB", 1536),
        ("100mb", 100_000_000),
        (" 100 MB ", 100_000_000),
        ("0", 0),
    ],
)
def test_parse_size_reads_decimal_and_binary_units(text: str, expected: int) -> None:
    """KB/MB/GB are powers of ten, KiB/MiB/GiB powers of two, a bare number is bytes."""
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4.1MB", 4_100_000), ("2.01KB", 2010), ("1.001KB", 1001), ("8.03MB", 8_030_000)],
)
def test_parse_size_keeps_exact_decimal_sizes(text: str, expected: int) -> None:
    """A decimal size that is a whole number of bytes is read exactly."""
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "", "MB", "-5MB", "5 XB", "5MBs", "1,5GB"])
def test_parse_size_refuses_malformed_text(text: str) -> None:
    """A size that is not a number with an optional unit is refused."""
    with pytest.raises(ValueError, match="not a size") as caught:
        parse_size(text)
    assert "100MB" in str(caught.value)


def test_parse_size_refuses_a_binary_marker_without_a_prefix() -> None:
    """A size whose unit has the binary 'i' but no K/M/G/T prefix is refused."""
    for text in ("5iB", "5i", "1ib"):
        with pytest.raises(ValueError, match="not a size"):
            parse_size(text)
