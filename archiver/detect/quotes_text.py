"""Quotes and posts as quote judging reads them (SPEC §4, Quote ``fidelity``): folded to one
spelling, then cut into tokens that know where they came from.

Folding is NFKC (per character with its combining marks), typographic quote marks, apostrophes
and dashes made straight, ``…`` spelled ``...``, zero-width characters and soft hyphens dropped,
and every whitespace run (line breaks too) one space. Every folded character remembers the span
of the original text it came from, so a matched span can be shown as the post prints it.

Tokens are words (apostrophes inside), single marks or emoji (via :func:`diff.tokens`), links,
``@mentions`` and ``#hashtags``, and runs of dots. Chinese and Japanese words are cut into
characters, since those scripts put no spaces between words. A quote adds two kinds of token:
``omission`` (``...``, ``. . .``, ``[...]``) and ``bracket`` (``[New York Times]``, ``[t]he``).

Pure: no I/O, and no imports beyond the standard library and ``archiver.detect``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from archiver.detect.diff import tokens as diff_tokens

TokenKind = Literal["word", "punct", "link", "omission", "bracket"]

#: The key every link shares, so links align with links and are then compared by form.
LINK_KEY = "\x01link"
#: The key of an ellipsis, the post's own or a quote's omission mark.
DOTS_KEY = "..."

_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\u301f", '"'),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2039\u203a\u2032", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"),
        "\u2026": "...",
        **dict.fromkeys("\u200b\u2060\ufeff\u00ad", None),
    }
)
_LINK = r"https?://[^\s<>\"]+|(?<![\w.@/])(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"]*"
_HANDLE = r"(?<![\w@#])[@#]\w+(?:@[\w-]+(?:\.[\w-]+)+)?"
_POST_SPECIAL = re.compile(
    rf"(?P<link>{_LINK})|(?P<word>{_HANDLE})|(?P<dots>\.(?: ?\.){{2,}})", re.IGNORECASE
)
_QUOTE_SPECIAL = re.compile(
    rf"(?P<link>{_LINK})"
    r"|(?P<omission>\[ ?\.(?: ?\.){2,} ?\]|\.(?: ?\.){2,})"
    r"|(?P<bracket>[\w']*\[[^\[\]]+\][\w']*)"
    rf"|(?P<word>{_HANDLE})",
    re.IGNORECASE,
)
_WORD_START = re.compile(r"\w")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LINK_TAIL = frozenset(".,;:!?'\")]}")
_QUOTE_MARKS = frozenset("\"'")


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text; character ``k`` came from ``original[starts[k]:ends[k]]``."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source(self, start: int, end: int) -> str:
        """The original text that folded characters ``start:end`` came from."""
        if start >= end:
            return ""
        return self.original[self.starts[start] : self.ends[end - 1]]


@dataclass(frozen=True, slots=True)
class Token:
    """One token of folded text: ``key`` is what alignment compares (case-folded; all links
    alike; both quote marks alike); ``start:end`` its place in the folded text; ``spaced``
    whether whitespace precedes it."""

    kind: TokenKind
    text: str
    key: str
    start: int
    end: int
    spaced: bool


def fold(text: str) -> Folded:
    """``text`` folded, with the origin of every folded character (see the module docstring)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, size = 0, len(text)
    normal = unicodedata.is_normalized("NFKC", text)
    while i < size:
        j = i + 1
        while j < size and unicodedata.combining(text[j]):
            j += 1
        piece = text[i:j]
        if not piece.isascii():
            if not normal:
                piece = unicodedata.normalize("NFKC", piece)
            piece = piece.translate(_FOLD)
        for char in piece:
            if char.isspace():
                if not out or out[-1] == " ":
                    continue
                char = " "
            out.append(char)
            starts.append(i)
            ends.append(j)
        i = j
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return Folded(text, "".join(out), tuple(starts), tuple(ends))


def post_tokens(text: str) -> tuple[Folded, list[Token]]:
    """A post's text folded and cut into tokens."""
    folded = fold(text)
    return folded, _tokenise(folded.text, _POST_SPECIAL)


def quote_tokens(quote: str) -> tuple[str, list[Token]]:
    """A quote folded, without the quote marks around it, and cut into tokens."""
    text = strip_quote_marks(fold(quote).text)
    return text, _tokenise(text, _QUOTE_SPECIAL)


def strip_quote_marks(text: str) -> str:
    """``text`` without the quote marks that enclose it: a matching pair, or a lone ``"`` at
    either end when the text holds an odd number of them (``today,"`` from ``"…today,"``)."""
    text = text.strip()
    while len(text) >= 2 and text[0] in _QUOTE_MARKS and text[0] == text[-1]:
        text = text[1:-1].strip()
    if text.count('"') % 2:
        if text.startswith('"'):
            text = text[1:].strip()
        elif text.endswith('"'):
            text = text[:-1].strip()
    return text


def _tokenise(text: str, special: re.Pattern[str]) -> list[Token]:
    out: list[Token] = []
    pos = 0
    for match in special.finditer(text):
        _plain(text, pos, match.start(), out)
        kind = match.lastgroup
        start, end = match.span()
        word = match.group()
        if kind == "link":
            word = word[: _link_length(word)]
            out.append(_token(text, "link", start, start + len(word), LINK_KEY))
            _plain(text, start + len(word), end, out)
        elif kind == "bracket":
            glued = not (word.startswith("[") and word.endswith("]"))
            key = word.replace("[", "").replace("]", "").casefold() if glued else f"\x00{start}"
            out.append(_token(text, "bracket", start, end, key))
        elif kind in ("omission", "dots"):
            dots: TokenKind = "omission" if kind == "omission" else "punct"
            out.append(_token(text, dots, start, end, DOTS_KEY))
        else:
            out.append(_token(text, "word", start, end))
        pos = end
    _plain(text, pos, len(text), out)
    return out


def _plain(text: str, start: int, end: int, out: list[Token]) -> None:
    """Tokens of ``text[start:end]``, which holds no link, mention or ellipsis."""
    pos = start
    for piece in diff_tokens(text[start:end]):
        if not piece.isspace():
            if _WORD_START.match(piece) is None:
                out.append(_token(text, "punct", pos, pos + len(piece)))
            elif _CJK.search(piece):
                out.extend(_token(text, "word", k, k + 1) for k in range(pos, pos + len(piece)))
            else:
                out.append(_token(text, "word", pos, pos + len(piece)))
        pos += len(piece)


def _token(text: str, kind: TokenKind, start: int, end: int, key: str | None = None) -> Token:
    word = text[start:end]
    if key is None:
        key = '"' if word in _QUOTE_MARKS else word.casefold()
    return Token(kind, word, key, start, end, start > 0 and text[start - 1] == " ")


def _link_length(url: str) -> int:
    """How much of ``url`` is the link: closing punctuation after it is not (``…/a).``), but a
    bracket the link opened is (``…/Foo_(bar)``), and so is the ``...`` of a link shortened
    for display (``example.com/long-pa...``)."""
    if url.endswith("..."):
        return len(url)
    end = len(url)
    while end > 0 and url[end - 1] in _LINK_TAIL:
        last = url[end - 1]
        if last == ")" and url.count("(", 0, end) >= url.count(")", 0, end):
            break
        end -= 1
    return end
