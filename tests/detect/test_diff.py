"""The word-level diff an ``edited`` event carries: lossless ops, a readable form, JSON."""

from __future__ import annotations

import itertools
import random

import pytest

from archiver.detect.diff import Diff, DiffOp, tokens, word_diff

PAIRS = [
    ("", ""),
    ("", "new text"),
    ("old text", ""),
    ("same", "same"),
    ("the discredited @nytimes", "the failing @nytimes"),
    ("The match is postponed.", "The match is postponed!"),
    ("Postponed until further notice", "postponed until further notice"),
    ("a b c d", "a x y d"),
    ("We will win", "We will not win"),
    ("line one\nline two\n\n", "line one\r\nline 2"),
    ("  leading and trailing  ", "leading and trailing"),
    ("Caf\u00e9 in Z\u00fcrich", "Cafe\u0301 in Zu\u0308rich"),
    ("don't stop", "do not stop"),
    ("hi \U0001f44b\U0001f3fd friends", "hi \U0001f44b\U0001f3ff friends"),
    (
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467",
        "family \U0001f468\u200d\U0001f469\u200d\U0001f466",
    ),
    ("flags \U0001f1fa\U0001f1f8\U0001f1ec\U0001f1e7", "flags \U0001f1ec\U0001f1e7"),
    ("\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3002", "\u65e5\u672c\u8a9e\u306e\u6587\u3002"),
    (
        "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
        "\u0645\u0631\u062d\u0628\u0627",
    ),
    ("\u0301 starts with a mark", "starts with a mark"),
    ("url https://example.com/a?b=1 end", "url https://example.com/a?b=2 end"),
    ("\t\u00a0\u2028", " "),
]


def random_pairs(count: int, seed: int = 20260901) -> list[tuple[str, str]]:
    """Pairs of random texts over words, whitespace, punctuation, marks and emoji."""
    words = ["a", "bb", "Word", "@x", "-", ".", "!", "'", "\u00e9", "\u65e5"]
    spaces = [" ", "  ", "\t", "\n", "\r\n", "\u00a0"]
    marks = ["\u0301", "\u200d", "\ufe0f", "\U0001f600", "\U0001f1fa", "\U0001f3fd"]
    pieces = words + spaces + marks
    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))

    return [(text(), text()) for _ in range(count)]


@pytest.mark.parametrize(("before", "after"), PAIRS + random_pairs(300))
def test_ops_reproduce_both_texts(before: str, after: str) -> None:
    """Joining the ops' before and after parts gives back both texts exactly."""
    diff = word_diff(before, after)
    assert "".join(op.before for op in diff.ops) == before
    assert "".join(op.after for op in diff.ops) == after
    assert (diff.before, diff.after) == (before, after)


@pytest.mark.parametrize(("before", "after"), PAIRS + random_pairs(300, seed=7))
def test_ops_are_well_formed(before: str, after: str) -> None:
    """Each op is non-empty and its kind matches its sides; no two changes are adjacent."""
    ops = word_diff(before, after).ops
    for op in ops:
        assert op.before or op.after
        if op.op == "equal":
            assert op.before == op.after
        elif op.op == "insert":
            assert not op.before and op.after
        elif op.op == "delete":
            assert op.before and not op.after
        else:
            assert op.before and op.after and op.before != op.after
    for first, second in itertools.pairwise(ops):
        assert first.op == "equal" or second.op == "equal"


@pytest.mark.parametrize("text", [before for before, _ in PAIRS] + ["a\u200d\U0001f600 b"])
def test_tokens_join_back_to_the_text(text: str) -> None:
    """The tokens of a text join back to it."""
    assert "".join(tokens(text)) == text


def test_tokens_keep_words_and_emoji_whole() -> None:
    """Words (with apostrophes), ZWJ emoji sequences and flags are single tokens."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert tokens(f"don't {family} \U0001f1fa\U0001f1f8!") == [
        "don't",
        " ",
        family,
        " ",
        "\U0001f1fa\U0001f1f8",
        "!",
    ]


def test_identical_texts_are_one_equal_op() -> None:
    """Identical texts give a single equal op and the text as readable form."""
    diff = word_diff("no change here", "no change here")
    assert diff.ops == (DiffOp("equal", "no change here", "no change here"),)
    assert diff.readable == "no change here"


@pytest.mark.parametrize(
    ("before", "after", "readable"),
    [
        (
            "the discredited @nytimes",
            "the failing @nytimes",
            "the [-discredited-]{+failing+} @nytimes",
        ),
        ("We will win", "We will not win", "We will {+not+} win"),
        ("We will not win", "We will win", "We will [-not-] win"),
        ("a b c d", "a x y d", "a [-b c-]{+x y+} d"),
        ("The match is postponed.", "The match is postponed!", "The match is postponed[-.-]{+!+}"),
        ("Postponed today", "postponed today", "[-Postponed-]{+postponed+} today"),
        ("", "new", "{+new+}"),
        ("gone", "", "[-gone-]"),
        ("a  b", "a b", "a[-  -]{+ +}b"),
    ],
)
def test_readable_form(before: str, after: str, readable: str) -> None:
    """The readable form marks deletions ``[-…-]`` and insertions ``{+…+}``."""
    assert word_diff(before, after).readable == readable


def test_changed_words_between_spaces_are_one_op() -> None:
    """Several changed words separated only by spaces are one replace op."""
    assert word_diff("a b c d", "a x y d").ops == (
        DiffOp("equal", "a ", "a "),
        DiffOp("replace", "b c", "x y"),
        DiffOp("equal", " d", " d"),
    )


def test_json_shape() -> None:
    """The JSON form lists the ops as ``{op, before, after}`` and carries the readable form."""
    diff = word_diff("the discredited @nytimes", "the failing @nytimes")
    assert diff.to_json() == {
        "ops": [
            {"op": "equal", "before": "the ", "after": "the "},
            {"op": "replace", "before": "discredited", "after": "failing"},
            {"op": "equal", "before": " @nytimes", "after": " @nytimes"},
        ],
        "readable": "the [-discredited-]{+failing+} @nytimes",
    }


def test_diff_is_a_frozen_value() -> None:
    """Diffs compare by value."""
    assert word_diff("a b", "a c") == word_diff("a b", "a c")
    assert isinstance(word_diff("a", "b"), Diff)
