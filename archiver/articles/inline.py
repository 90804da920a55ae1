"""Inline quotations of posts: which quotations in an article's prose quote a post, who wrote
it and which post it is.

Only quotes of posts count. A quotation is kept when its sentence names a post (``tweeted``,
``in a post``, ``wrote on X``…); it is dropped when its sentence says it was spoken (``told
reporters``, ``in an interview``…) and names no post. Otherwise it is kept when its words are
mostly a post's that the article embeds or attributes, when the sentence before names a post,
when its paragraph links to a post, or when its speaker wrote a post the article embeds or
attributes. One- and two-word quotations (scare quotes) need their own sentence to name a post
or a platform; titles (``titled “…”``) and short labels (``the “hit piece” claim``) never
count. Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from archiver.articles.model import FoundQuote
from archiver.articles.quotations import Quotation, find_quotations, sentence_bounds
from archiver.articles.signals import (
    LABEL_CUE,
    SAID_THAT,
    SPOKEN,
    STRONG,
    TITLE_CUE,
    WEAK,
    WROTE,
    has_pronoun_speaker,
    speaker_in,
)
from archiver.domain import QuoteKind

#: How far around a quotation its context reaches, at most (a sentence may have no end).
CONTEXT_CHARS: Final = 600
#: Quotations past this many in one article are not judged (no article has so many; a hostile
#: page could, and judging each one reads its context).
MAX_QUOTATIONS: Final = 2000
#: The share of a quotation's words that must be a known post's for the two to be one.
OVERLAP: Final = 0.6
_WORDS: Final = re.compile(r"\w+")
_BRACKETED: Final = re.compile(r"\[[^\]]{0,200}\]")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of the article: where it starts in the article text, the post links in it
    (offset, URL), the spans already read as a post's text or attribution, and whether it is an
    embed's own text (whose quotation marks are the post's, not the article's)."""

    text: str
    offset: int
    links: tuple[tuple[int, str], ...] = ()
    excluded: tuple[tuple[int, int], ...] = ()
    embed: bool = False


@dataclass(frozen=True, slots=True)
class KnownPost:
    """A post the article embeds or attributes, for recognising quotes of it."""

    url: str | None
    text: str
    name: str | None
    handle: str | None
    position: int

    @property
    def label(self) -> str | None:
        """How to name its author as a speaker: the display name, else ``@handle``."""
        return self.name or (f"@{self.handle}" if self.handle else None)


def _words(text: str) -> list[str]:
    return _WORDS.findall(_BRACKETED.sub(" ", text).lower())


def _best_overlap(text: str, posts: Sequence[KnownPost]) -> KnownPost | None:
    """The known post whose words hold at least :data:`OVERLAP` of the quotation's, if any."""
    words = _words(text)
    if len(words) < 3:
        return None
    best, best_share = None, OVERLAP
    for post in posts:
        vocabulary = set(_words(post.text))
        share = sum(word in vocabulary for word in words) / len(words)
        if share >= best_share:
            best, best_share = post, share
    return best


def _is_author(speaker: str, post: KnownPost) -> bool:
    said = speaker.lower().lstrip("@")
    handle = (post.handle or "").lower()
    local = handle.split("@")[0]
    name = (post.name or "").lower()
    if said in {handle, local, name} - {""}:
        return True
    last = said.split()[-1] if said.split() else ""
    if name and len(last) > 2 and last == name.split()[-1]:
        return True
    return len(last) >= 5 and last in local


@dataclass(frozen=True, slots=True)
class _Read:
    """A paragraph's quotations (with their ends, for searching) and sentence starts."""

    quotations: list[Quotation]
    bounds: list[int]
    ends: list[int]


def _masked(paragraph: str, read: _Read, start: int, end: int) -> str:
    """``paragraph[start:end]`` with the quoted words and their marks blanked out (kept the
    same length), so that words inside a quotation never count as its context."""
    chars = list(paragraph[start:end])
    for quotation in read.quotations[bisect_right(read.ends, start) :]:
        if quotation.start >= end:
            break
        for first, last in quotation.parts:  # the speech tag between parts stays readable
            for index in range(max(first - 1, start), min(last + 1, end)):
                chars[index - start] = "|"
    return "".join(chars)


def find_inline_quotes(
    paragraphs: Sequence[Paragraph], posts: Sequence[KnownPost]
) -> list[FoundQuote]:
    """The inline quotes of posts in ``paragraphs``; see the module docstring."""
    reads: list[_Read] = []
    for paragraph in paragraphs:
        quotations = [] if paragraph.embed else find_quotations(paragraph.text)
        bounds = sentence_bounds(paragraph.text, quotations)
        reads.append(_Read(quotations, bounds, [q.end for q in quotations]))
    found: list[FoundQuote] = []
    budget = MAX_QUOTATIONS
    for index in range(len(paragraphs)):
        for quotation in reads[index].quotations[:budget]:
            quote = _judge(paragraphs, reads, index, quotation, posts)
            if quote is not None:
                found.append(quote)
        budget -= min(budget, len(reads[index].quotations))
    return found


def _previous_sentence(paragraphs: Sequence[Paragraph], reads: list[_Read], index: int) -> str:
    """The last sentence of the paragraph before ``index`` (masked), when that is prose."""
    if index == 0 or paragraphs[index - 1].embed:
        return ""
    text, read = paragraphs[index - 1].text, reads[index - 1]
    start = max(read.bounds[-1], len(text) - CONTEXT_CHARS)
    return _masked(text, read, start, len(text))


def _judge(
    paragraphs: Sequence[Paragraph],
    reads: list[_Read],
    index: int,
    quotation: Quotation,
    posts: Sequence[KnownPost],
) -> FoundQuote | None:
    """The quotation as a quote of a post, or ``None`` when it does not quote one."""
    paragraph, read = paragraphs[index], reads[index]
    text = paragraph.text
    if any(a < quotation.end and quotation.start < b for a, b in paragraph.excluded):
        return None
    words = quotation.text(text)
    if not words:
        return None
    bounds = read.bounds
    start = max(bounds[bisect_right(bounds, quotation.start) - 1], quotation.start - CONTEXT_CHARS)
    after = bisect_left(bounds, quotation.end)
    end = min(bounds[after] if after < len(bounds) else len(text), quotation.end + CONTEXT_CHARS)
    context = _masked(text, read, start, end)
    earlier = bisect_left(bounds, start)
    previous = (
        _masked(text, read, max(bounds[earlier - 1], start - CONTEXT_CHARS), start)
        if earlier > 0
        else _previous_sentence(paragraphs, reads, index)
    )
    lead_in = _masked(text, read, max(start, quotation.start - 40), quotation.start)
    matched = _best_overlap(words, posts)
    speaker = speaker_in(context)
    if speaker is None and (earlier > 0 or has_pronoun_speaker(context)):
        speaker = speaker_in(previous)
    links = list(paragraph.links)
    if not _quotes_a_post(words, context, previous, lead_in, matched, bool(links), speaker, posts):
        return None
    if speaker is None:
        speaker = _fallback_speaker(context, matched, posts, paragraph.offset + quotation.start)
    return FoundQuote(
        kind=QuoteKind.INLINE,
        text=words,
        position=paragraph.offset + quotation.parts[0][0],
        post_url=_nearest_link(links, quotation, start, end) or (matched.url if matched else None),
        speaker=speaker,
        context=text[start:end].strip(),
    )


def _quotes_a_post(
    words: str,
    context: str,
    previous: str,
    lead_in: str,
    matched: KnownPost | None,
    linked: bool,
    speaker: str | None,
    posts: Sequence[KnownPost],
) -> bool:
    """Whether a quotation with this context quotes a post; see the module docstring."""
    if TITLE_CUE.search(lead_in):
        return False
    count = len(_WORDS.findall(words))
    if count <= 3 and LABEL_CUE.search(lead_in) and not SAID_THAT.search(lead_in):
        return False
    short = count <= 2
    if STRONG.search(context):
        return True
    if SPOKEN.search(context):
        return False
    if matched is not None:
        return True
    if short:
        return WEAK.search(context) is not None
    if WEAK.search(context) or STRONG.search(previous):
        return True
    if SPOKEN.search(previous):
        return False
    if linked or WEAK.search(previous):
        return True
    return speaker is not None and any(_is_author(speaker, post) for post in posts)


def _fallback_speaker(
    context: str, matched: KnownPost | None, posts: Sequence[KnownPost], position: int
) -> str | None:
    """The author of the post the quotation matches, else of the nearest post before it (after
    it, failing that) when the sentence says the words were written."""
    if matched is not None:
        return matched.label
    if not (WROTE.search(context) or STRONG.search(context)) or not posts:
        return None
    before = [post for post in posts if post.position <= position]
    nearest = before[-1] if before else min(posts, key=lambda post: post.position - position)
    return nearest.label


def _nearest_link(
    links: list[tuple[int, str]], quotation: Quotation, start: int, end: int
) -> str | None:
    """The post link closest to the quotation in its paragraph (in its sentence first)."""
    if not links:
        return None
    in_sentence = [link for link in links if start <= link[0] <= end]
    pool = in_sentence or links
    return min(pool, key=lambda link: abs(link[0] - quotation.start))[1]
