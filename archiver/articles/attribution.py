"""Attribution lines: what an embedded post leaves in an article once its markup is gone.

``TEXT — Display Name (@handle) July 1, 2020`` in its real variants: an em dash, en dash, ``--``
or a spaced ``-``; the text glued to the dash; the attribution alone on its own line after the
text (or after the text's paragraph); dates printed month-first, day-first or ISO, with a time
or without; fediverse handles (``— Name (@user@host)``, Mastodon's ``Post by @user@host``);
Instagram's ``A post shared by Name (@handle)`` and Facebook's ``Posted by Name on DATE``.
A trailing link or ``pic.twitter.com/…`` stays in the text: judging drops it. Pure: no I/O.
"""

# Typographic quotation marks and dashes are what this module reads.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from archiver.articles.dates import DATE_PATTERN, parse_printed_date
from archiver.articles.model import Attribution

_HANDLE: Final = (
    r"@(?P<handle>[A-Za-z0-9_]{1,50}(?:\.[A-Za-z0-9_-]{1,63}){0,10}"
    r"(?:@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10})?)"
)
_SPACE: Final = r"[\s\u00a0]*"
_TAIL: Final = re.compile(
    rf"\({_SPACE}{_HANDLE}{_SPACE}\){_SPACE}(?P<date>{DATE_PATTERN})?{_SPACE}$", re.IGNORECASE
)
_POST_BY: Final = re.compile(
    r"(?:^|(?<=\s)|(?<=[.!?]))Post by\s+@(?P<handle>[A-Za-z0-9_.-]{1,60}@[A-Za-z0-9.-]{3,253})"
    r"(?:\s+View on Mastodon)?\s*$",
    re.IGNORECASE,
)
_POSTED_BY: Final = re.compile(
    rf"(?:^|(?<=\s)|(?<=[.!?]))Posted by\s+(?P<name>[^\n]{{1,80}}?)\s+on\s+(?P<date>{DATE_PATTERN})"
    rf"{_SPACE}$",
    re.IGNORECASE,
)
#: What stands between a post's text and its author: dashes, or the platforms' own words.
_INTRODUCER: Final = re.compile(
    r"—|–|―|‒|--|(?<!\S)-(?=\s)|(?-i:A) post shared by\b|\bPost(?:ed)? by\b", re.IGNORECASE
)
#: Words an embed prints around a post that are not the post's.
_BOILERPLATE: Final = re.compile(
    r"^\s*View this post on Instagram\s*"
    r"|\s*\[image or embed\]\s*$|\s*View on (?:Threads|Mastodon)\s*$",
    re.IGNORECASE,
)
_MAX_NAME_CHARS: Final = 80
_MAX_NAME_WORDS: Final = 10
#: A paragraph longer than this is article prose, not the text of the post attributed after it.
MAX_POST_CHARS: Final = 1200


def clean_post_text(text: str) -> str:
    """``text`` without an embed's own words (``View this post on Instagram``, ``[image or
    embed]``, ``View on Threads``), stripped."""
    previous = None
    while previous != text:
        previous, text = text, _BOILERPLATE.sub("", text)
    return text.strip()


def _name(raw: str) -> str | None:
    """A display name as printed, or ``None`` when ``raw`` is empty; ``""`` if implausible."""
    name = raw.strip().strip(",").strip()
    if not name:
        return None
    if len(name) > _MAX_NAME_CHARS or len(name.split()) > _MAX_NAME_WORDS or "\n" in name:
        return ""
    return name


def parse_tail(line: str) -> tuple[str, Attribution] | None:
    """Split ``line`` that ends in an attribution into the text before it and the attribution.

    ``"Sad! — Dana Whitlock (@MayorWhitlock) July 1, 2020"`` gives ``("Sad!",
    Attribution("Dana Whitlock", "MayorWhitlock", date(2020, 7, 1)))``; a line that does not end
    in an attribution gives ``None``.
    """
    found = _POST_BY.search(line[-4000:])
    if found is not None:
        return line[-4000:][: found.start()].strip(), Attribution(handle=found["handle"])
    return _parse_dashed(line[-4000:])


def _parse_dashed(line: str) -> tuple[str, Attribution] | None:
    """:func:`parse_tail` for every form but Mastodon's ``Post by @user@host``."""
    found = _POSTED_BY.search(line)
    if found is not None:
        name = _name(found["name"])
        if name:
            day = parse_printed_date(found["date"])
            return line[: found.start()].strip(), Attribution(name=name, date=day)
    found = _TAIL.search(line)
    if found is None:
        return None
    handle: str = found["handle"]
    when: str | None = found["date"]
    before = line[: found.start()]
    introducers = list(_INTRODUCER.finditer(before))
    if not introducers:
        # Without a dash, only a line that is nothing but "Name (@handle) DATE" is an attribution.
        name = _name(before)
        if when is None or not name or re.search(r"[.!?:;\"“”]", name):
            return None
        return "", Attribution(name=name, handle=handle, date=parse_printed_date(when))
    last = introducers[-1]
    name = _name(before[last.end() :])
    if name == "":
        return None
    day = parse_printed_date(when) if when else None
    return before[: last.start()].strip(), Attribution(name=name, handle=handle, date=day)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of one paragraph: ``block`` is the paragraph's index, ``start``/``end`` offsets."""

    block: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class AttributionLine:
    """An attribution line found in plain text, with the post text it closes (``text`` may be
    empty when none survived). ``text_span`` is where that text sits, ``line`` the attribution."""

    text: str
    attribution: Attribution
    line: Span
    text_span: Span | None


def find_attribution_lines(
    blocks: Sequence[str], *, skip: frozenset[int] = frozenset()
) -> list[AttributionLine]:
    """Every attribution line in the paragraphs ``blocks`` (those in ``skip`` are not looked at,
    nor taken as a post's text), in order."""
    found: list[AttributionLine] = []
    used: set[int] = set()
    for index, block in enumerate(blocks):
        if index in skip or ("(" not in block and "by" not in block.lower()):
            continue
        text_from = 0
        offset = 0
        for line in block.split("\n"):
            line_start, offset = offset, offset + len(line) + 1
            parsed = parse_tail(line)
            if parsed is None:
                continue
            head, attribution = parsed
            head_end = line_start + len(head)
            text = clean_post_text(block[text_from:head_end])
            span: Span | None = Span(index, text_from, head_end) if text else None
            # Mastodon's blockquote embed never carries the post's text: nothing to look back for.
            looks_back = _POST_BY.search(line) is None
            if not text and text_from == 0 and looks_back:
                span, text = _previous_block(blocks, index, skip | used)
            if span is not None:
                used.add(span.block)
            used.add(index)
            found.append(
                AttributionLine(text, attribution, Span(index, line_start, offset - 1), span)
            )
            text_from = min(offset, len(block))
    return found


def _previous_block(
    blocks: Sequence[str], index: int, unavailable: set[int] | frozenset[int]
) -> tuple[Span | None, str]:
    """The paragraph before ``index`` as a post's text, when it can be one."""
    previous = index - 1
    if previous < 0 or previous in unavailable:
        return None, ""
    text = blocks[previous]
    if len(text) > MAX_POST_CHARS or text.rstrip().endswith(":"):
        return None, ""
    cleaned = clean_post_text(text)
    return (Span(previous, 0, len(text)), cleaned) if cleaned else (None, "")
