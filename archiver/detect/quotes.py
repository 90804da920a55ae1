"""How faithfully an article quotes a post, judged against every known version of the post
(SPEC §4, Quote ``fidelity``).

Both texts are folded first (:mod:`archiver.detect.quotes_text`: NFKC, straight quote marks,
apostrophes and dashes, ``…`` as ``...``, whitespace runs as one space) and the quote loses the
quote marks around it. The quote is then aligned with its best-matching span of each version
(:mod:`archiver.detect.quotes_align`), and every difference is either one of the editorial
conventions below, listed as a :class:`Change`, or an alteration.

Change kinds (``Change.kind``):

- ``bracket_substitution``: ``[New York Times]`` for ``@nytimes``, ``[he]`` for ``I``,
  ``[t]he`` for ``The``: a bracket stands for one or several post words.
- ``bracket_insertion``: ``[the]`` where the post has nothing (``[sic]`` included).
- ``ellipsis_omission``: ``...``, ``…``, ``. . .``, ``[...]`` leave out post words; the fragments
  around it appear in order in the same version. At the start or end of the quote it leaves
  out the rest of the post (its ``post`` is then empty).
- ``case``: letter case of a word changed (``another`` for ``Another``, ``biden`` for
  ``Biden``); adjacent words are one change.
- ``punctuation``: the quote ends with ``,`` or ``.`` where the post ends that sentence with
  other punctuation or none (``today,"`` she wrote, for ``today.``).
- ``quote_marks``: ``'`` for the post's ``"`` (a quotation inside the quote).
- ``link``: a link shown in another form: the target of a ``t.co`` link, or a link shortened
  for display (``example.com/long-pa...``).
- ``dropped_link``: a link inside the span left out (a link after the quote's last word is
  simply outside the span, and costs nothing: that quote is verbatim).
- ``whitespace``: spacing between two tokens differs (``Sad !`` for ``Sad!``); spacing around
  dashes and ellipses is typography and no change.
- ``truncated``: the quote was longer than :data:`QUOTE_LIMIT` characters or the version longer
  than :data:`TEXT_LIMIT`, and only the beginning was judged (listed whatever the fidelity).

A quote that stops before the post's closing punctuation is verbatim; one that adds or swaps a
closing ``,``/``.`` is editorial; any other closing mark (``!`` for ``.``) is an alteration.

Pure: no I/O, and no imports beyond the standard library and ``archiver``'s pure core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from archiver.detect.normalise import TCO_PLACEHOLDER, canonical_url
from archiver.detect.quotes_align import Alignment, Segment, align, aligned_diff
from archiver.detect.quotes_text import DOTS_KEY, Folded, Token, post_tokens, quote_tokens
from archiver.domain import Fidelity

#: Only the first this many characters of a quote are judged (keeps a judgement fast).
QUOTE_LIMIT = 5_000
#: Only the first this many characters of a version are judged.
TEXT_LIMIT = 50_000

CHANGE_KINDS = frozenset(
    {
        "bracket_substitution",
        "bracket_insertion",
        "ellipsis_omission",
        "case",
        "punctuation",
        "quote_marks",
        "link",
        "dropped_link",
        "whitespace",
        "truncated",
    }
)

_RANK = {Fidelity.VERBATIM: 0, Fidelity.EDITORIAL: 1, Fidelity.ALTERED: 2}
_CLOSING = frozenset({".", ","})  # what a quote may end with instead of the post's mark
_SENTENCE_END = frozenset({".", "!", "?", ",", ";", ":"})
_TYPOGRAPHIC = frozenset({"-", DOTS_KEY})  # spacing around these is no change
_NOTES = {
    "bracket_substitution": "{quote} stands for {post}",
    "bracket_insertion": "{quote} is the article's insertion",
    "ellipsis_omission": "the ellipsis leaves out: {post}",
    "case": "letter case changed: {quote} for {post}",
    "punctuation": "the quote ends with {quote} where the post has {post}",
    "quote_marks": "{quote} for the post's {post} (a quotation within the quote)",
    "link": "{quote} shows the post's link {post}",
    "dropped_link": "the link {post} is left out",
    "whitespace": "spacing differs: {quote} for {post}",
}


@dataclass(frozen=True, slots=True)
class Version:
    """One known text of the post: a snapshot, or an entry of the platform's edit history."""

    id: str  # a snapshot ID, or "history:<platform version id>" for an edit-history entry
    text: str
    order: int  # chronological position, 0 = oldest


@dataclass(frozen=True, slots=True)
class Change:
    """One editorial change: the article's words at that spot and the post's (``""`` when
    nothing); ``kind`` is one of :data:`CHANGE_KINDS`; ``note`` overrides the usual note."""

    kind: str
    quote: str
    post: str
    note: str = ""

    def to_json(self) -> dict[str, str]:
        """The change as plain JSON: ``{"kind", "quote", "post", "note"}``."""
        note = self.note or _NOTES.get(self.kind, self.kind).format(
            quote=self.quote or "nothing", post=self.post or "nothing"
        )
        return {"kind": self.kind, "quote": self.quote, "post": self.post, "note": note}


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict on a quote: the version it matches best and the span it was aligned with
    (as the post prints it), the editorial changes found, for ``altered`` the word diff of the
    folded span into the folded quote, and the similarity of quote and span (0..1)."""

    fidelity: Fidelity
    version_id: str | None
    span: str | None
    changes: tuple[Change, ...]
    diff: dict[str, Any] | None
    score: float

    def to_json(self) -> dict[str, Any]:
        """The judgement as plain JSON."""
        return {
            "fidelity": self.fidelity.value,
            "version_id": self.version_id,
            "span": self.span,
            "changes": [change.to_json() for change in self.changes],
            "diff": self.diff,
            "score": round(self.score, 4),
        }


UNVERIFIABLE = Judgement(Fidelity.UNVERIFIABLE, None, None, (), None, 0.0)


def judge(quote: str, versions: Sequence[Version]) -> Judgement:
    """The quote judged against every version with text; the best wins: verbatim before
    editorial before altered, then the higher score, then the newest version.

    Unverifiable when no version has text, or the quote has no words to look for (it is
    empty, or nothing but brackets and ellipses)."""
    text, quoted = quote_tokens(quote[:QUOTE_LIMIT])
    if all(token.kind in ("omission", "bracket") for token in quoted):
        return UNVERIFIABLE
    best: tuple[tuple[int, float, int], Version, _Assessment] | None = None
    for version in versions:
        folded, post = post_tokens(version.text[:TEXT_LIMIT])
        if not post:
            continue
        found = _assess(text, quoted, folded, post)
        rank = (_RANK[found.fidelity], -found.score, -version.order)
        if best is None or rank < best[0]:
            best = (rank, version, found)
    if best is None:
        return UNVERIFIABLE
    _, version, found = best
    changes = found.changes + _truncation(quote, version.text)
    altered = found.fidelity is Fidelity.ALTERED
    return Judgement(
        fidelity=found.fidelity,
        version_id=version.id,
        span=found.span,
        changes=changes,
        diff=aligned_diff(found.folded, text, found.alignment, found.bounds).to_json()
        if altered
        else None,
        score=found.score,
    )


def similarity(quote: str, text: str) -> float:
    """How well ``quote`` matches its best span of ``text``, 0..1 (1.0 when verbatim or
    editorial); for ranking the posts a quote may come from."""
    quote_text, quoted = quote_tokens(quote[:QUOTE_LIMIT])
    folded, post = post_tokens(text[:TEXT_LIMIT])
    if not post or all(token.kind in ("omission", "bracket") for token in quoted):
        return 0.0
    return _assess(quote_text, quoted, folded, post).score


# --- Assessing one version ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Assessment:
    fidelity: Fidelity
    changes: tuple[Change, ...]
    score: float
    span: str
    folded: str  # the version's folded text
    bounds: tuple[int, int]  # the span within it
    alignment: Alignment


def _assess(text: str, quoted: list[Token], folded: Folded, post: list[Token]) -> _Assessment:
    """The quote judged against one version's tokens."""
    found = align(post, quoted)
    changes: list[Change] = []
    altered = False
    matched = quote_count = post_count = 0
    for segment in found.segments:
        if segment.equal:
            more, wrong = _equal_changes(segment, text, folded)
            changes.extend(more)
            altered |= wrong > 0
            matched += len(segment.post) - wrong
            quote_count += len(segment.quote)
            post_count += len(segment.post)
            continue
        edges = (found.start == 0, found.stop == len(post))
        explained = _gap_changes(segment, text, folded, edges)
        if explained is None:
            altered = True
            quote_count += sum(t.kind != "omission" for t in segment.quote)
            post_count += len(segment.post)
        else:
            changes.extend(explained)
    total = quote_count + post_count
    score = 2 * matched / total if total else 1.0
    fidelity = Fidelity.ALTERED if altered else Fidelity.EDITORIAL if changes else Fidelity.VERBATIM
    span_start = post[found.start].start if found.stop > found.start else 0
    span_end = post[found.stop - 1].end if found.stop > found.start else 0
    return _Assessment(
        fidelity=fidelity,
        changes=tuple(changes),
        score=score,
        span=folded.source(span_start, span_end),
        folded=folded.text,
        bounds=(span_start, span_end),
        alignment=found,
    )


def _equal_changes(segment: Segment, text: str, folded: Folded) -> tuple[list[Change], int]:
    """Changes between tokens paired by key, and how many pairs are alterations (two
    different links)."""
    changes: list[Change] = []
    altered = 0
    case_from: tuple[Token, Token] | None = None  # first pair of a run of case changes
    pairs = list(zip(segment.post, segment.quote, strict=True))
    for index, (post, quote) in enumerate(pairs):
        if index and post.spaced != quote.spaced:
            before_post, before_quote = pairs[index - 1]
            if not {post.key, before_post.key} & _TYPOGRAPHIC:
                changes.append(
                    Change(
                        "whitespace",
                        text[before_quote.start : quote.end],
                        folded.source(before_post.start, post.end),
                    )
                )
        kind = _pair_kind(post, quote)
        if kind == "altered":
            altered += 1
        elif kind == "case" and case_from is not None:
            first_post, first_quote = case_from
            changes[-1] = Change(
                "case",
                text[first_quote.start : quote.end],
                folded.source(first_post.start, post.end),
            )
        elif kind:
            changes.append(Change(kind, quote.text, folded.source(post.start, post.end)))
        case_from = (case_from or (post, quote)) if kind == "case" else None
    return changes, altered


def _pair_kind(post: Token, quote: Token) -> str:
    """What differs between two tokens of one key: ``""`` (nothing), a change kind, or
    ``"altered"``."""
    if post.text == quote.text or post.key == DOTS_KEY:
        return ""
    if post.kind == "link":
        return _link_kind(post.text, quote.text)
    if quote.kind == "bracket":
        return "bracket_substitution"
    if post.key == '"':
        return "quote_marks"
    return "case"


def _link_kind(post: str, quote: str) -> str:
    """``""`` for one link, ``"link"`` for a link shown in another form, else ``"altered"``."""
    post_form, quote_form = _link_form(post), _link_form(quote)
    if post_form == quote_form:
        return ""
    if TCO_PLACEHOLDER in (post_form, quote_form):
        return "link"
    shown = quote_form.removesuffix("...")
    if shown != quote_form and post_form.startswith(shown):
        return "link"
    return "altered"


def _link_form(url: str) -> str:
    """A link as compared: canonical, without scheme, ``www.`` or a closing ``/``."""
    form = canonical_url(url if "://" in url else f"https://{url}")
    form = form.removeprefix("https://").removeprefix("www.")
    return form.removesuffix("/")


def _gap_changes(
    segment: Segment, text: str, folded: Folded, edges: tuple[bool, bool]
) -> list[Change] | None:
    """The editorial changes that explain a gap, or ``None`` when it is an alteration."""
    post, quote = segment.post, segment.quote
    post_words = folded.source(post[0].start, post[-1].end) if post else ""
    quote_words = text[quote[0].start : quote[-1].end] if quote else ""
    if post and quote and folded.text[post[0].start : post[-1].end] == quote_words:
        return []  # the post's own brackets or spaced dots, quoted as they are
    if segment.place == "tail" and len(quote) > 1 and quote[-1].key in _CLOSING:
        # A closing comma after other editing (``[New York Times],`` for ``@nytimes.``):
        # judge the rest, and the speech tag's comma for the post's mark apart.
        mark = post[-1:] if post and post[-1].key in _SENTENCE_END else ()
        rest = replace(segment, post=post[: len(post) - len(mark)], quote=quote[:-1])
        inner = _gap_changes(rest, text, folded, edges) if rest.post or rest.quote else []
        if inner is not None:
            post_mark = folded.source(mark[0].start, mark[0].end) if mark else ""
            return [*inner, Change("punctuation", quote[-1].text, post_mark)]
    omissions = [t for t in quote if t.kind == "omission"]
    brackets = [t for t in quote if t.kind == "bracket"]
    literal = [t for t in quote if t.kind not in ("omission", "bracket")]
    inserted = [Change("bracket_insertion", b.text, "", _bracket_note(b)) for b in brackets]
    if omissions and all(t.key in _SENTENCE_END for t in literal):
        note = _omission_note(segment.place, post_words, edges)
        return [Change("ellipsis_omission", quote_words, post_words, note), *inserted]
    if brackets and not literal:
        if not post:
            return inserted
        first = brackets[0]
        return [Change("bracket_substitution", first.text, post_words), *inserted[1:]]
    if post and not quote and all(t.kind == "link" for t in post):
        return [Change("dropped_link", "", folded.source(t.start, t.end)) for t in post]
    closing = len(quote) == 1 and quote[0].key in _CLOSING and segment.place == "tail"
    if closing and len(post) <= 1 and all(t.key in _SENTENCE_END for t in post):
        return [Change("punctuation", quote_words, post_words)]
    return None


def _bracket_note(bracket: Token) -> str:
    if bracket.text.casefold() == "[sic]":
        return "[sic]: the article marks the post's wording as the post's own"
    return ""


def _omission_note(place: str, post_words: str, edges: tuple[bool, bool]) -> str:
    """The note of an omission; ``edges`` say whether the span starts and stops where the
    post does."""
    if post_words:
        return ""
    at_start, at_end = edges
    if place == "head":
        return (
            "the quote starts mid-post" if not at_start else "an ellipsis before the post's start"
        )
    if place == "tail":
        return "the quote stops mid-post" if not at_end else "an ellipsis after the post's end"
    return "an ellipsis where the post leaves nothing out"


def _truncation(quote: str, text: str) -> tuple[Change, ...]:
    notes = []
    if len(quote) > QUOTE_LIMIT:
        notes.append(f"only the first {QUOTE_LIMIT:,} characters of the quote were judged")
    if len(text) > TEXT_LIMIT:
        notes.append(f"only the first {TEXT_LIMIT:,} characters of the post were judged")
    return tuple(Change("truncated", "", "", note) for note in notes)
