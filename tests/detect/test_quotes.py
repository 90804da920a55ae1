"""Quote fidelity: the labelled cases under ``cases/quotes/`` and the judgement's rules, shape
and limits (SPEC §4, Quote ``fidelity``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from archiver.detect.diff import Diff, DiffOp
from archiver.detect.quotes import (
    CHANGE_KINDS,
    QUOTE_LIMIT,
    TEXT_LIMIT,
    Change,
    Judgement,
    Version,
    judge,
    similarity,
)
from archiver.detect.quotes_align import align, aligned_diff
from archiver.detect.quotes_text import fold, post_tokens, quote_tokens, strip_quote_marks
from archiver.domain import Fidelity

CASES_FILE = Path(__file__).parent / "cases" / "quotes" / "quotes.json"
CASE_KEYS = {
    "name",
    "note",
    "versions",
    "quote",
    "fidelity",
    "version",
    "changes",
    "span",
    "diff_changes",
    "max_score",
}
POST = "Another hit piece from the discredited @nytimes. Sad!"


def load_cases() -> list[dict[str, Any]]:
    """The labelled quote cases: a list of ``{name, versions (oldest first), quote, fidelity,
    version (index or null), changes (kinds)}`` with optional ``note``, ``span``,
    ``diff_changes`` (``[before, after]`` of each changed diff op, stripped) and ``max_score``."""
    loaded: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return loaded


CASES = load_cases()


def versions(*texts: str) -> list[Version]:
    """Versions ``v0``, ``v1``, … of the given texts, oldest first."""
    return [Version(f"v{index}", text, index) for index, text in enumerate(texts)]


def test_case_file_is_well_formed() -> None:
    """The case file holds at least 30 uniquely named cases of the documented shape."""
    names = [case["name"] for case in CASES]
    assert len(CASES) >= 30
    assert len(set(names)) == len(names)
    for case in CASES:
        assert set(case) <= CASE_KEYS, case["name"]
        assert {"name", "versions", "quote", "fidelity", "version"} <= set(case), case["name"]
        assert Fidelity(case["fidelity"]), case["name"]
        assert set(case.get("changes", ())) <= CHANGE_KINDS, case["name"]


def test_cases_cover_every_fidelity() -> None:
    """The cases include every fidelity."""
    assert {case["fidelity"] for case in CASES} == {f.value for f in Fidelity}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_labelled_case(case: dict[str, Any]) -> None:
    """The judgement matches the case's fidelity, version, change kinds, span and diff."""
    judgement = judge(case["quote"], versions(*case["versions"]))
    assert judgement.fidelity == Fidelity(case["fidelity"])
    expected_version = None if case["version"] is None else f"v{case['version']}"
    assert judgement.version_id == expected_version
    if "changes" in case:
        assert sorted(c.kind for c in judgement.changes) == sorted(case["changes"])
    if "span" in case:
        assert judgement.span == case["span"]
    if "max_score" in case:
        assert judgement.score < case["max_score"]
    assert (judgement.diff is not None) is (judgement.fidelity is Fidelity.ALTERED)
    if judgement.diff is not None:
        changed = [
            [op["before"].strip(), op["after"].strip()]
            for op in judgement.diff["ops"]
            if op["op"] != "equal"
        ]
        assert changed
        if "diff_changes" in case:
            assert changed == case["diff_changes"]
    if judgement.fidelity is Fidelity.VERBATIM:
        assert judgement.score == 1.0


# --- The rules ----------------------------------------------------------------------------


def test_newsroom_case_lists_each_change_with_a_note() -> None:
    """The newsroom case names the case change and what the bracket stands for."""
    judgement = judge("another hit piece from the discredited [New York Times]", versions(POST))
    assert [c.to_json() for c in judgement.changes] == [
        {
            "kind": "case",
            "quote": "another",
            "post": "Another",
            "note": "letter case changed: another for Another",
        },
        {
            "kind": "bracket_substitution",
            "quote": "[New York Times]",
            "post": "@nytimes",
            "note": "[New York Times] stands for @nytimes",
        },
    ]


def test_omission_lists_the_words_left_out() -> None:
    """An ellipsis inside the quote names the post words it leaves out."""
    judgement = judge("Another hit piece ... Sad!", versions(POST))
    assert judgement.changes == (
        Change("ellipsis_omission", "...", "from the discredited @nytimes."),
    )


def test_span_is_shown_as_the_post_prints_it() -> None:
    """The span keeps the post's own typography, though the comparison folds it."""
    post = "They called it \u201cfake\u201d \u2014 and it wasn\u2019t"
    judgement = judge('called it "fake" - and', versions(post))
    assert judgement.fidelity is Fidelity.VERBATIM
    assert judgement.span == "called it \u201cfake\u201d \u2014 and"


def test_newest_version_wins_a_tie() -> None:
    """Among equally good versions the newest one (highest order) is named."""
    texts = ["We will win. Believe me", "We will win. Believe me!", "We will win!"]
    assert judge("We will win", versions(*texts)).version_id == "v2"


def test_order_not_list_position_decides_newest() -> None:
    """``order`` says which version is newest, whatever the list order."""
    given = [Version("new", "Be there at noon", 5), Version("old", "Be there at ten", 1)]
    assert judge("Be there", given).version_id == "new"
    assert judge("Be there at ten", given).version_id == "old"


def test_verbatim_beats_editorial_beats_altered() -> None:
    """A better fidelity wins over a newer version."""
    given = versions("Taxes will fall", "taxes will fall", "Taxes will rise")
    assert judge("Taxes will fall", given).version_id == "v0"
    editorial = judge("[Rates] will fall", versions("Taxes will rise", "Taxes will fall"))
    assert (editorial.fidelity, editorial.version_id) == (Fidelity.EDITORIAL, "v1")


def test_higher_score_wins_among_altered() -> None:
    """Among altered judgements the closer version is named."""
    given = versions("The vote is on Tuesday at the town hall", "Voting opens on Monday")
    judgement = judge("The vote is on Thursday at the town hall", given)
    assert judgement.version_id == "v0"
    assert judgement.score > 0.8


def test_altered_diff_turns_the_span_into_the_quote() -> None:
    """The diff of an altered quote turns the folded span into the folded quote, losslessly."""
    judgement = judge(
        "\u201cWe will always raise taxes\u201d", versions("We will never raise taxes!")
    )
    assert judgement.diff is not None
    ops = judgement.diff["ops"]
    assert "".join(op["before"] for op in ops) == "We will never raise taxes"
    assert "".join(op["after"] for op in ops) == "We will always raise taxes"
    assert judgement.diff["readable"] == "We will [-never-]{+always+} raise taxes"


def test_quote_marks_around_the_quote_are_ignored() -> None:
    """Quote marks enclosing the quote, paired or a lone closing one, are not compared."""
    assert strip_quote_marks('"today,"') == "today,"
    assert strip_quote_marks("'today'") == "today"
    assert strip_quote_marks('today,"') == "today,"
    assert strip_quote_marks('He said "no"') == 'He said "no"'


def test_fold_keeps_the_origin_of_every_character() -> None:
    """Folding collapses whitespace and spellings, and maps back to the original text."""
    folded = fold("  \ufb01ne\u2014\u201cso\u201d\n\n\u2026 ok  ")
    assert folded.text == 'fine-"so" ... ok'
    assert folded.source(0, 4) == "\ufb01ne"
    assert folded.source(5, 9) == "\u201cso\u201d"


def test_tokens_keep_links_mentions_and_marks_whole() -> None:
    """Links, mentions, hashtags, ellipses and brackets are one token each."""
    _, post = post_tokens("Hi @nytimes #news https://t.co/Ab1. Sad...")
    assert [t.text for t in post] == [
        "Hi",
        "@nytimes",
        "#news",
        "https://t.co/Ab1",
        ".",
        "Sad",
        "...",
    ]
    _, quote = quote_tokens("[New York Times] said [t]he . . . end")
    assert [(t.kind, t.text) for t in quote] == [
        ("bracket", "[New York Times]"),
        ("word", "said"),
        ("bracket", "[t]he"),
        ("omission", ". . ."),
        ("word", "end"),
    ]


def test_quote_of_only_brackets_and_ellipses_is_unverifiable() -> None:
    """A quote with no words to look for cannot be judged."""
    assert judge("[...] [he]", versions(POST)).fidelity is Fidelity.UNVERIFIABLE
    assert judge("  ", versions(POST)).fidelity is Fidelity.UNVERIFIABLE


# --- Similarity ---------------------------------------------------------------------------


def test_similarity_of_the_same_text_is_one() -> None:
    """A text is wholly similar to itself."""
    assert similarity(POST, POST) == 1.0


def test_similarity_of_a_partial_span_is_high() -> None:
    """A quote of part of a post, even an editorial one, is highly similar to it."""
    assert similarity("hit piece from the discredited", POST) == 1.0
    assert similarity("another hit piece from the [Times]", POST) >= 0.9
    assert similarity("another hit job from the discredited", POST) >= 0.7


def test_similarity_of_unrelated_text_is_low() -> None:
    """An unrelated quote scores low, and an empty text nothing."""
    assert similarity("The weather in Paris is lovely in the spring", POST) < 0.3
    assert similarity("Completely different words", POST) == 0.0
    assert similarity("anything", "") == 0.0


def test_similarity_ranks_the_source_post_first() -> None:
    """Of several candidate posts, the quoted one has the highest similarity."""
    candidates = [
        "The weather is lovely today",
        POST,
        "Another day, another hit piece. Sad",
    ]
    quote = "another hit piece from the discredited [New York Times]"
    assert max(candidates, key=lambda text: similarity(quote, text)) == POST


# --- Shape --------------------------------------------------------------------------------


def test_judgement_to_json_is_plain_json() -> None:
    """A judgement, its changes and its diff survive a JSON round trip unchanged."""
    for quote in ("another hit piece from the discredited [New York Times]", "hit job"):
        data = judge(quote, versions(POST)).to_json()
        assert json.loads(json.dumps(data)) == data
        assert set(data) == {"fidelity", "version_id", "span", "changes", "diff", "score"}
        for change in data["changes"]:
            assert set(change) == {"kind", "quote", "post", "note"}
            assert all(isinstance(value, str) for value in change.values())


def test_unverifiable_to_json() -> None:
    """An unverifiable judgement names no version, span, change or diff."""
    assert judge("We will win", []).to_json() == {
        "fidelity": "unverifiable",
        "version_id": None,
        "span": None,
        "changes": [],
        "diff": None,
        "score": 0.0,
    }


def test_change_note_can_be_given() -> None:
    """A change's own note replaces the usual one."""
    assert Change("truncated", "", "", "cut").to_json()["note"] == "cut"
    assert Change("bracket_insertion", "[the]", "").to_json()["note"] == (
        "[the] is the article's insertion"
    )


def test_judgement_is_a_frozen_value() -> None:
    """Judgements are frozen values."""
    judgement = judge("Sad!", versions(POST))
    assert isinstance(judgement, Judgement)
    with pytest.raises(AttributeError):
        judgement.score = 0.0  # type: ignore[misc]


# --- Limits -------------------------------------------------------------------------------


def test_overlong_quote_is_judged_on_its_beginning_and_says_so() -> None:
    """A quote past the limit is judged on its first characters, with a ``truncated`` change."""
    post = "word " * 2_000
    judgement = judge(post[: QUOTE_LIMIT + 500], versions(post))
    assert judgement.fidelity is Fidelity.VERBATIM
    assert [c.kind for c in judgement.changes] == ["truncated"]
    assert "5,000" in judgement.changes[0].to_json()["note"]


def test_overlong_post_is_judged_on_its_beginning_and_says_so() -> None:
    """A version past the limit is judged on its first characters, with a ``truncated`` change."""
    post = "Opening words here. " + "filler " * (TEXT_LIMIT // 7)
    judgement = judge("Opening words here.", versions(post))
    assert judgement.fidelity is Fidelity.VERBATIM
    assert [c.kind for c in judgement.changes] == ["truncated"]


def test_repetitive_input_is_judged() -> None:
    """Long repetitive texts take the linear fallback and are still judged sensibly."""
    post = "ha " * 20_000
    assert judge("ha " * 1_500, versions(post)).fidelity is Fidelity.VERBATIM
    judgement = judge("ha " * 700 + "HO " + "ha " * 700, versions(post))
    assert judgement.fidelity is Fidelity.ALTERED
    assert judgement.score > 0.99
    assert judgement.diff is not None
    assert any(op["after"].strip() == "HO" for op in judgement.diff["ops"])


def test_chunked_diff_is_lossless() -> None:
    """The diff built stretch by stretch for slow inputs still rebuilds both texts."""
    post_text = "a b " * 3_000 + "tail words"
    quote_text = "a b " * 1_000 + "c " + "a b " * 1_000
    folded, post = post_tokens(post_text)
    quoted, quote = quote_tokens(quote_text)
    found = align(post, quote)
    bounds = (post[found.start].start, post[found.stop - 1].end)
    diff = aligned_diff(folded.text, quoted, found, bounds)
    assert isinstance(diff, Diff)
    assert diff.before == folded.text[bounds[0] : bounds[1]]
    assert diff.after == quoted
    assert DiffOp("insert", "", " c") in diff.ops
