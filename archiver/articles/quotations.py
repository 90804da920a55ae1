"""Quotation marks in a paragraph: where quotations are, where sentences end, and which
quotations a speech tag splits.

Double quotes in every common form (straight ``"…"``, typographic ``“…”``, low-high ``„…“``,
guillemets ``«…»``) and typographic single quotes ``‘…’`` at the top level (British style);
single quotes nested inside a double quotation are part of it. Straight single quotes are
apostrophes far more often than quotation marks and are not read. A quotation split by a speech
tag (``“First part,” she wrote. “Second part.”``) is one quotation whose text is its parts joined
by one space, exactly as printed (``First part, Second part.``). Linear time. Pure: no I/O.
"""

# Typographic quotation marks and dashes are what this module reads.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

#: Opening mark → the marks that may close it.
_CLOSERS: Final = {"“": "”", "„": "“”", "«": "»", '"': '"', "‘": "’"}
#: A quotation longer than this is an unbalanced mark, not a quotation.
MAX_QUOTE_CHARS: Final = 3000
#: A quotation is split by speech tags into this many parts at most.
MAX_PARTS: Final = 4
_OPEN_AFTER: Final = frozenset(" \t\n([{—–-/:;,")
_SENTENCE_END: Final = re.compile(r"[.!?…]+[\"”’»)\]]*(?=\s)")
_ABBREVIATIONS: Final = frozenset(
    {
        "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "lt", "gen", "col", "st", "jr", "sr", "vs",
        "prof", "rev", "sgt", "capt", "cmdr", "adm", "u.s", "u.k", "u.n", "e.g", "i.e", "etc",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "no", "inc", "corp", "ltd", "co", "ft", "mt", "pres", "atty", "supt", "dept",
    }
)  # fmt: skip
_SPEECH_VERBS: Final = (
    r"wr(?:ote|ites)|sa(?:id|ys)|tweet(?:ed|s)|post(?:ed|s)|add(?:ed|s)|continu(?:ed|es)"
    r"|skeet(?:ed|s)|repl(?:ied|ies)|argu(?:ed|es)|claim(?:ed|s)|declar(?:ed|es)"
    r"|insist(?:ed|s)|warn(?:ed|s)|went on|goes on|ask(?:ed|s)|not(?:ed|es)|explain(?:ed|s)"
    r"|conclud(?:ed|es)|stat(?:ed|es)|shared|quipped|fumed|responded|retorted|urged"
)
#: What may stand between two parts of one quotation: a short clause with a speech verb.
_SPEECH_TAG: Final = re.compile(
    rf"\s*,?\s*(?=[^“”\"«»]{{0,120}}\b(?:{_SPEECH_VERBS})\b)[^“”\"«».!?]{{1,120}}[,.:;—–]\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Quotation:
    """A quotation in a paragraph: ``start``/``end`` enclose its marks, ``parts`` are the
    (start, end) offsets of the quoted words (several when a speech tag splits it)."""

    start: int
    end: int
    parts: tuple[tuple[int, int], ...]

    def text(self, paragraph: str) -> str:
        """The quoted words as printed, parts joined by one space."""
        return " ".join(paragraph[a:b].strip() for a, b in self.parts)


def _can_open(paragraph: str, index: int, mark: str) -> bool:
    if mark not in {'"', "‘"}:
        return True
    before = paragraph[index - 1] if index > 0 else " "
    after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
    return (before in _OPEN_AFTER or before in "“«") and not after.isspace()


def _closers(paragraph: str, mark: str) -> list[int]:
    """The offsets of every mark in ``paragraph`` that can close a quotation opened by ``mark``
    (a closing single quote must end a word: ``don’t`` holds an apostrophe)."""
    closers = _CLOSERS[mark]
    length = len(paragraph)
    return [
        index
        for index, char in enumerate(paragraph)
        if char in closers
        and (
            mark != "‘"
            or (
                (index + 1 >= length or not paragraph[index + 1].isalnum())
                and index > 0
                and not paragraph[index - 1].isspace()
            )
        )
    ]


def find_quotations(paragraph: str) -> list[Quotation]:
    """Every quotation in ``paragraph``, in order, speech-tag splits joined."""
    found: list[Quotation] = []
    closers: dict[str, list[int]] = {}
    newlines = [index for index, char in enumerate(paragraph) if char == "\n"]
    index, length = 0, len(paragraph)
    while index < length:
        mark = paragraph[index]
        if mark in _CLOSERS and _can_open(paragraph, index, mark):
            if mark not in closers:
                closers[mark] = _closers(paragraph, mark)
            candidates = closers[mark]
            at = bisect_right(candidates, index)
            close = candidates[at] if at < len(candidates) else None
            if close is not None and mark in {'"', "‘"}:
                line_end = bisect_right(newlines, index)
                if line_end < len(newlines) and newlines[line_end] < close:
                    close = None
            if close is not None and close - index <= MAX_QUOTE_CHARS:
                if paragraph[index + 1 : close].strip():
                    found.append(Quotation(index, close + 1, ((index + 1, close),)))
                index = close + 1
                continue
        index += 1
    return _join_split(paragraph, found)


def _join_split(paragraph: str, quotations: list[Quotation]) -> list[Quotation]:
    """Join each quotation to the next when only a speech tag stands between them and the first
    stops mid-sentence (a comma inside or after it, or no closing punctuation)."""
    joined: list[Quotation] = []
    for quotation in quotations:
        if joined:
            last = joined[-1]
            between = paragraph[last.end : quotation.start]
            first_words = paragraph[last.parts[-1][0] : last.parts[-1][1]].rstrip()
            continues = not first_words.endswith((".", "!", "?", "…")) or between.startswith(",")
            short = len(between) <= 200 and len(last.parts) < MAX_PARTS
            if continues and short and _SPEECH_TAG.fullmatch(between):
                joined[-1] = Quotation(last.start, quotation.end, last.parts + quotation.parts)
                continue
        joined.append(quotation)
    return joined


def sentence_bounds(paragraph: str, quotations: list[Quotation]) -> list[int]:
    """Offsets where sentences of ``paragraph`` begin (0 first); an end of sentence inside a
    quotation does not end the surrounding sentence."""
    inside = [(q.start, q.end) for q in quotations]
    starts = [0]
    cursor = 0
    for found in _SENTENCE_END.finditer(paragraph):
        at = found.start()
        while cursor < len(inside) and inside[cursor][1] <= at:
            cursor += 1
        if cursor < len(inside) and inside[cursor][0] <= at < inside[cursor][1]:
            # Inside a quotation, unless the quoted sentence ends the quotation and the next
            # sentence begins after it (``"…down." Later she wrote``).
            rest = paragraph[found.end() : found.end() + 2].lstrip()
            if (
                found.end() < inside[cursor][1]
                or not rest
                or not (rest[0].isupper() or rest[0] in '"“‘«')
            ):
                continue
        word = re.search(r"([\w.]+)$", paragraph[max(0, at - 12) : at])
        if word is not None and (
            word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))
        ):
            continue
        next_start = found.end()
        while next_start < len(paragraph) and paragraph[next_start].isspace():
            next_start += 1
        if next_start < len(paragraph):
            starts.append(next_start)
    return starts
