"""Short opaque identifiers: random, readable, and forgiving of how people type them."""

from __future__ import annotations

from itertools import pairwise

import pytest

from archiver.ids import ALPHABET, LENGTH, group_id, new_id, normalize_id

SAMPLE = "7K3Q9MZDA2XF"


def _as_number(identifier: str) -> int:
    """Read an ID as a base-32 number in ALPHABET's digit order."""
    value = 0
    for char in identifier:
        value = value * len(ALPHABET) + ALPHABET.index(char)
    return value


def test_alphabet_is_crockford_base32() -> None:
    """The alphabet is 32 distinct digits and capitals without I, L, O or U."""
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)
    assert ALPHABET.upper() == ALPHABET
    assert LENGTH == 12


def test_new_id_is_twelve_alphabet_characters() -> None:
    """A new ID is twelve characters, all from the alphabet."""
    for _ in range(100):
        identifier = new_id()
        assert len(identifier) == 12
        assert set(identifier) <= set(ALPHABET)


def test_new_ids_are_distinct() -> None:
    """A thousand new IDs are a thousand different values."""
    identifiers = [new_id() for _ in range(1000)]
    assert len(set(identifiers)) == 1000


def test_new_ids_are_not_sequential() -> None:
    """Successive IDs are neither adjacent numbers, nor in order, nor share long prefixes."""
    identifiers = [new_id() for _ in range(1000)]
    numbers = [_as_number(identifier) for identifier in identifiers]
    assert all(abs(later - earlier) > 1_000 for earlier, later in pairwise(numbers))
    assert numbers != sorted(numbers)
    assert numbers != sorted(numbers, reverse=True)
    assert all(a[:6] != b[:6] for a, b in pairwise(identifiers))


def test_new_ids_use_the_whole_alphabet() -> None:
    """Across many IDs every alphabet character appears, first place included."""
    identifiers = [new_id() for _ in range(1000)]
    assert set("".join(identifiers)) == set(ALPHABET)
    assert len({identifier[0] for identifier in identifiers}) == len(ALPHABET)


def test_new_id_is_already_normal() -> None:
    """A new ID is its own normal form."""
    identifier = new_id()
    assert normalize_id(identifier) == identifier


@pytest.mark.parametrize(
    "typed",
    [
        SAMPLE,
        SAMPLE.lower(),
        "7k3q9MZDa2xf",
        "7K3Q-9MZD-A2XF",
        "7k3q-9mzd-a2xf",
        "7K3Q 9MZD A2XF",
        " 7K3Q 9MZD-A2XF ",
        "7-K-3-Q-9-M-Z-D-A-2-X-F",
    ],
)
def test_normalize_id_accepts_case_hyphens_and_spaces(typed: str) -> None:
    """Lower case, hyphens and spaces in a typed ID are ignored."""
    assert normalize_id(typed) == SAMPLE


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("O0OO-0000-0000", "000000000000"),
        ("o000-0000-0000", "000000000000"),
        ("I111-1111-1111", "111111111111"),
        ("i111-1111-1111", "111111111111"),
        ("L111-1111-1111", "111111111111"),
        ("l111-1111-1111", "111111111111"),
        ("7K3Q-9MZD-A2XO", "7K3Q9MZDA2X0"),
        ("7K3Q-9MZD-AIXL", "7K3Q9MZDA1X1"),
    ],
)
def test_normalize_id_maps_confusable_letters(typed: str, expected: str) -> None:
    """The letters O, I and L, in either case, are read as the digits 0, 1 and 1."""
    assert normalize_id(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7K3Q9MZDA2X",
        "7K3Q9MZDA2XFF",
        "7K3Q-9MZD",
        "7K3Q9MZDA2XU",
        "u7K3Q9MZDA2X",
        "7K3Q9MZDA2X!",
        "7K3Q_9MZD_A2XF",
        "7K3Q.9MZD.A2XF",
        "------------",
        "            ",
    ],
)
def test_normalize_id_refuses_what_cannot_be_an_id(typed: str) -> None:
    """A typed ID of the wrong length or with a character outside the alphabet is None."""
    assert normalize_id(typed) is None


def test_group_id_shows_groups_of_four() -> None:
    """An ID is shown as three groups of four joined by hyphens."""
    assert group_id(SAMPLE) == "7K3Q-9MZD-A2XF"


def test_grouped_new_ids_normalise_back() -> None:
    """A grouped ID has the XXXX-XXXX-XXXX shape and normalises back to the ID."""
    for _ in range(200):
        identifier = new_id()
        grouped = group_id(identifier)
        assert len(grouped) == 14
        assert grouped[4] == grouped[9] == "-"
        assert grouped.replace("-", "") == identifier
        assert normalize_id(grouped) == identifier
