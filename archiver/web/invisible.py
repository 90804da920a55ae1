"""Characters nobody sees, made visible: direction controls and zero-width characters.

Bidi controls (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C) reorder the text
around them, and zero-width characters (U+200B to U+200D, U+2060, U+FEFF, the invisible
operators U+2061 to U+2064, U+180E, the tag characters U+E0000 to U+E007F) hide inside words:
both are known tricks for text that reads differently from what it holds (Trojan Source,
CVE-2021-42574; look-alike names and links; text smuggled past a reader); control characters
(C0 but tab and line breaks, C1) are shown too: a terminal obeys them. Archived text keeps
them exactly; what people read shows each as a marker, ``⟨U+202E⟩``, in place of the character
(a run of one character as one marker with its count).

Three have an everyday use and are left alone there: U+200D between emoji (a woman and a laptop
joined into one "woman technologist"), U+200C and U+200D between letters of the scripts that
need them (Persian, Arabic, the Indic scripts…), and tag characters spelling a subdivision
flag after U+1F3F4 (Scotland's, Wales's).

Pure: no I/O; :func:`reveal_html` builds its Markup from escaped pieces only. (No invisible
character is written literally in this file.)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

#: Invisible characters that change the direction of the text around them.
DIRECTION: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
#: Invisible characters of no width (tag characters are matched by range).
ZERO_WIDTH: Final = frozenset(
    "\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e"
    "\u206f\ufeff"
)
_CONTROLS: Final = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # not tab, line feed, return
_RANGES: Final = "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_CANDIDATES: Final = re.compile(f"[{_CONTROLS}{_RANGES}\U000e0000-\U000e007f]+")
_JOINERS: Final = frozenset("\u200c\u200d")
_BLACK_FLAG: Final = "\U0001f3f4"
_CANCEL_TAG: Final = "\U000e007f"


@dataclass(frozen=True, slots=True)
class Hidden:
    """A run of ``count`` copies of one invisible character."""

    char: str
    count: int = 1

    @property
    def code(self) -> str:
        """``U+202E``."""
        return f"U+{ord(self.char):04X}"

    @property
    def label(self) -> str:
        """What is shown in its place: ``⟨U+202E⟩``; a run of three U+200B as one marker
        ending in a multiplication sign and 3."""
        times = f" \u00d7{self.count}" if self.count > 1 else ""
        return f"\u27e8{self.code}{times}\u27e9"

    @property
    def title(self) -> str:
        """What it is, in words: ``U+202E RIGHT-TO-LEFT OVERRIDE: invisible; …``."""
        name = unicodedata.name(self.char, "control character")
        if self.char in DIRECTION:
            what = "changes the direction of the text around it"
        elif unicodedata.category(self.char) == "Cc":
            what = "controls a terminal or printer"
        else:
            what = "has no width"
        times = f" ({self.count} in a row)" if self.count > 1 else ""
        return f"{self.code} {name}{times}: an invisible character that {what}"


def _emoji(char: str) -> bool:
    point = ord(char)
    return (
        0x1F000 <= point <= 0x1FAFF
        or 0x2190 <= point <= 0x2BFF
        or char in "\ufe0f\u20e3\u00a9\u00ae"
    )


def _joining_letter(char: str) -> bool:
    """A letter or mark of a script where U+200C and U+200D shape the writing."""
    point = ord(char)
    in_script = (
        0x0590 <= point <= 0x1DFF or 0xA800 <= point <= 0xABFF or 0xFB1D <= point <= 0xFEFC
    ) or point >= 0x10800
    return in_script and unicodedata.category(char)[0] in "LM"


def _ordinary(text: str, index: int) -> bool:
    """Whether the joiner at ``index`` does its everyday job."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if not before or not after:
        return False
    if text[index] == "\u200d" and _emoji(before) and _emoji(after):
        return True
    return _joining_letter(before) and _joining_letter(after)


def _flag_end(text: str, index: int) -> int | None:
    """Where the tag characters spelling a flag after U+1F3F4 at ``index`` end, if they do."""
    if index == 0 or text[index - 1] != _BLACK_FLAG:
        return None
    end = index
    while end < len(text) and 0xE0020 <= ord(text[end]) <= 0xE007E:
        end += 1
    return end + 1 if end > index and end < len(text) and text[end] == _CANCEL_TAG else None


def pieces(text: str) -> list[str | Hidden]:
    """``text`` as visible stretches and :class:`Hidden` runs, in order."""
    out: list[str | Hidden] = []
    shown = 0
    for match in _CANDIDATES.finditer(text):
        index = match.start()
        while index < match.end():
            char = text[index]
            flag = _flag_end(text, index) if char >= "\U000e0000" else None
            if flag is not None:
                index = flag
                continue
            if char in _JOINERS and _ordinary(text, index):
                index += 1
                continue
            run = index + 1
            while run < match.end() and text[run] == char:
                run += 1
            if index > shown:
                out.append(text[shown:index])
            out.append(Hidden(char, run - index))
            index = shown = run
    if shown < len(text):
        out.append(text[shown:])
    return out


def hidden(*texts: str | None) -> list[Hidden]:
    """Every run of invisible characters in ``texts``."""
    return [p for text in texts if text for p in pieces(text) if isinstance(p, Hidden)]


def count(*texts: str | None) -> int:
    """How many invisible characters ``texts`` hold (a run of three counts three)."""
    return sum(run.count for run in hidden(*texts))


def codes(*texts: str | None) -> list[str]:
    """The distinct invisible characters of ``texts`` as ``U+202E``, in order of appearance."""
    return list(dict.fromkeys(run.code for run in hidden(*texts)))


def reveal_text(text: str) -> str:
    """``text`` with each invisible character (run) replaced by its marker, as plain text."""
    if not _CANDIDATES.search(text):
        return text
    return "".join(p if isinstance(p, str) else p.label for p in pieces(text))


def reveal_html(text: str | None) -> Markup:
    """``text`` escaped, each invisible character (run) replaced by a marked-up marker that
    says what it is: ``<mark class="hidden-char" dir="ltr" title="…">⟨U+202E⟩</mark>``."""
    if not text:
        return Markup("")
    if not _CANDIDATES.search(text):
        return escape(text)
    marker = Markup('<mark class="hidden-char" dir="ltr" title="{}">{}</mark>')
    return Markup("").join(
        escape(p) if isinstance(p, str) else marker.format(p.title, p.label) for p in pieces(text)
    )
