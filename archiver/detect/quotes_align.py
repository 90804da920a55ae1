"""Where a quote sits in a post: the best-matching span of the post's tokens, and the quote
cut into stretches that equal the post and gaps that do not (SPEC §4, Quote ``fidelity``).

1. Match: the longest common runs of token keys (``difflib.SequenceMatcher`` without
   auto-junk, so common words still anchor). When the inputs are so repetitive that this would
   be slow (``ha ha ha …`` thousands of times), a linear fallback walks both from the
   diagonal most of the quote's rarer tokens agree on, skipping a few tokens on either side
   to fall back into step after a difference.
2. Prune: a run at either end of the quote is dropped when it is a stray (a word matched far
   away, more post words skipped to reach it than it matches), or only punctuation reached
   by skipping post words (the quote's own closing period).
3. Extend: quote tokens before the first run or after the last take the post tokens beside
   the span one for one, so a changed first word shows as a change; a bracket takes one word
   if there is one beside it (``[He] said`` for ``I said``); a closing mark takes the post's
   mark there only if the post has one; an omission mark stops the extension.

Pure: no I/O, and no imports beyond the standard library and ``archiver.detect``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from archiver.detect.diff import Diff, DiffOp, tokens, word_diff
from archiver.detect.quotes_text import Token

Place = Literal["head", "middle", "tail"]
Block = tuple[int, int, int]  # post index, quote index, length

#: Above this many token pairs to compare, the matcher's worst case is too slow (about 50 ms).
MATCH_BUDGET = 200_000
#: A token seen at most this often in the post may vote for the fallback's diagonal.
_RARE = 8
#: How far the fallback looks ahead, on either side, to fall back into step.
_LOOKAHEAD = 8


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the alignment: ``equal`` stretches pair tokens one for one (by key)."""

    post: tuple[Token, ...]
    quote: tuple[Token, ...]
    equal: bool
    place: Place


@dataclass(frozen=True, slots=True)
class Alignment:
    """The quote aligned with the post tokens ``start:stop`` (the span)."""

    segments: tuple[Segment, ...]
    start: int
    stop: int


def align(post: Sequence[Token], quote: Sequence[Token]) -> Alignment:
    """The quote's best alignment with a span of ``post`` (see the module docstring)."""
    blocks = _prune(_blocks([t.key for t in post], [t.key for t in quote]), post, quote)
    if not blocks:
        take = min(len(post), sum(t.kind not in ("omission", "bracket") for t in quote))
        segment = Segment(tuple(post[:take]), tuple(quote), equal=False, place="middle")
        return Alignment((segment,), 0, take)
    i0, j0, _ = blocks[0]
    start, head = _head(post, quote, i0, j0)
    segments = head
    for index, (i, j, size) in enumerate(blocks):
        if index:
            pi, pj, psize = blocks[index - 1]
            gap_post, gap_quote = post[pi + psize : i], quote[pj + psize : j]
            if gap_post or gap_quote:
                segments.append(Segment(tuple(gap_post), tuple(gap_quote), False, "middle"))
        segments.append(
            Segment(tuple(post[i : i + size]), tuple(quote[j : j + size]), True, "middle")
        )
    il, jl, sl = blocks[-1]
    stop, tail = _tail(post, quote, il + sl, jl + sl)
    return Alignment(tuple(segments + tail), start, stop)


def _blocks(post: list[str], quote: list[str]) -> list[Block]:
    counts = Counter(post)
    if sum(counts[key] for key in quote) <= MATCH_BUDGET:
        matcher = SequenceMatcher(None, post, quote, autojunk=False)
        return [(i, j, n) for i, j, n in matcher.get_matching_blocks() if n]
    return _diagonal(post, quote, counts)


def _diagonal(post: list[str], quote: list[str], counts: Counter[str]) -> list[Block]:
    """Matching runs found in linear time: start on the diagonal (post index - quote index)
    most of the quote's rarer tokens vote for, then walk both sequences, skipping up to
    :data:`_LOOKAHEAD` tokens on either side to fall back into step after a difference."""
    where: dict[str, list[int]] = {}
    for i, key in enumerate(post):
        if counts[key] <= _RARE:
            where.setdefault(key, []).append(i)
    votes: Counter[int] = Counter()
    for j, key in enumerate(quote):
        for i in where.get(key, ()):
            votes[i - j] += 1
    if votes:
        shift = votes.most_common(1)[0][0]
    else:
        shift = post.index(quote[0]) if quote and quote[0] in counts else 0
    i, j = max(shift, 0), max(-shift, 0)
    blocks: list[Block] = []
    while i < len(post) and j < len(quote):
        if post[i] == quote[j]:
            if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
                blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + 1)
            else:
                blocks.append((i, j, 1))
            i, j = i + 1, j + 1
            continue
        skip = next(
            (
                (d_post, d_quote)
                for d in range(1, _LOOKAHEAD + 1)
                for d_post, d_quote in ((0, d), (d, 0))
                if i + d_post < len(post)
                and j + d_quote < len(quote)
                and post[i + d_post] == quote[j + d_quote]
            ),
            (1, 1),
        )
        i, j = i + skip[0], j + skip[1]
    return blocks


def _prune(blocks: list[Block], post: Sequence[Token], quote: Sequence[Token]) -> list[Block]:
    """``blocks`` without stray runs at either end (see the module docstring)."""
    while len(blocks) > 1:
        (i, j, n), (i1, j1, _) = blocks[0], blocks[1]
        if not _stray(i1 - i - n, quote[j + n : j1], quote[j : j + n]):
            break
        blocks.pop(0)
    while len(blocks) > 1:
        (i0, j0, n0), (i, j, n) = blocks[-2], blocks[-1]
        if not _stray(i - i0 - n0, quote[j0 + n0 : j], quote[j : j + n]):
            break
        blocks.pop()
    return blocks


def _stray(post_gap: int, gap: Sequence[Token], run: Sequence[Token]) -> bool:
    """Is an end run ``run``, separated from the rest by ``post_gap`` post tokens and the
    quote tokens ``gap``, a stray?"""
    if post_gap == 0 or any(t.kind == "omission" for t in gap):
        return False
    if not gap and all(t.kind == "punct" for t in run):
        return True
    allowance = len(gap) + 3 * sum(t.kind == "bracket" for t in gap)
    return post_gap - allowance > len(run)


def _head(
    post: Sequence[Token], quote: Sequence[Token], i: int, j: int
) -> tuple[int, list[Segment]]:
    """The span's start and the head segments: quote tokens before the first run."""
    p, k = i, j
    while k > 0:
        token = quote[k - 1]
        if token.kind == "omission":
            break
        if p > 0 and (token.kind != "bracket" or _wordlike(post[p - 1])):
            p -= 1
        k -= 1
    segments = _edge(quote[:k], "head")
    if post[p:i] or quote[k:j]:
        segments.append(Segment(tuple(post[p:i]), tuple(quote[k:j]), False, "head"))
    return p, segments


def _tail(
    post: Sequence[Token], quote: Sequence[Token], i: int, j: int
) -> tuple[int, list[Segment]]:
    """The span's stop and the tail segments: quote tokens after the last run."""
    p, k = i, j
    while k < len(quote):
        token = quote[k]
        if token.kind == "omission":
            break
        if p < len(post):
            beside = post[p]
            if token.kind == "bracket":
                takes = _wordlike(beside)
            elif token.kind == "punct" and k == len(quote) - 1:
                takes = beside.kind == "punct"
            else:
                takes = True
            p += 1 if takes else 0
        k += 1
    segments: list[Segment] = []
    if post[i:p] or quote[j:k]:
        segments.append(Segment(tuple(post[i:p]), tuple(quote[j:k]), False, "tail"))
    return p, segments + _edge(quote[k:], "tail")


def _edge(rest: Sequence[Token], place: Place) -> list[Segment]:
    """Segments, in the quote's order, for an omission mark at an end of the quote (nothing of
    the post beside it) and for any quote tokens beyond it (unplaced)."""
    if not rest:
        return []
    parts = [rest[:-1], rest[-1:]] if place == "head" else [rest[:1], rest[1:]]
    return [Segment((), tuple(part), False, place) for part in parts if part]


def _wordlike(token: Token) -> bool:
    return token.kind in ("word", "link")


# --- The diff of an aligned quote -----------------------------------------------------------


def aligned_diff(post_text: str, quote_text: str, found: Alignment, span: tuple[int, int]) -> Diff:
    """The word diff of the span (``post_text[span[0]:span[1]]``) into the quote.

    Normally :func:`archiver.detect.diff.word_diff` of the two; when that would be slow
    (long, repetitive texts), the diffs of the stretches of ``found`` one by one, a stretch
    still too repetitive shown as one replacement."""
    start, end = span
    if _pair_count(post_text[start:end], quote_text) <= MATCH_BUDGET:
        return word_diff(post_text[start:end], quote_text)
    ops: list[DiffOp] = []
    readable: list[str] = []
    post_at, quote_at = start, 0
    for segment in found.segments:
        post_end = segment.post[-1].end if segment.post else post_at
        quote_end = segment.quote[-1].end if segment.quote else quote_at
        before, after = post_text[post_at:post_end], quote_text[quote_at:quote_end]
        post_at, quote_at = post_end, quote_end
        if before == after:
            ops.append(DiffOp("equal", before, after))
            readable.append(before)
        elif _pair_count(before, after) <= MATCH_BUDGET:
            piece = word_diff(before, after)
            ops.extend(piece.ops)
            readable.append(piece.readable)
        else:
            ops.append(DiffOp("replace", before, after))
            readable.append(f"[-{before}-]{{+{after}+}}")
    return Diff(tuple(op for op in ops if op.before or op.after), "".join(readable))


def _pair_count(before: str, after: str) -> int:
    """How many token pairs the diff's matcher would compare, at worst."""
    counts = Counter(tokens(before))
    return sum(counts[token] for token in tokens(after))
