"""An article's markup as plain-text paragraphs, with its embeds and post links located in them.

One walk over the content (an explicit stack, so nesting depth costs no recursion): block
elements end paragraphs, ``<br>`` ends a line (two in a row end the paragraph), whitespace
collapses; script, style, navigation, page header and footer, forms and the like are dropped;
asides are searched for embeds but their prose is dropped. An embed's own text becomes
paragraphs marked with the embed. Embed code that a CMS pasted HTML-escaped, so that it shows as
text (``&lt;iframe src=… class="truthsocial-embed"&gt;``), is read as the markup it spells.
Pure: no I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Final

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, Tag
from bs4.element import CData, NavigableString, ProcessingInstruction

from archiver.articles.embeds import Embed, attr, find_embed, looks_like_embed
from archiver.articles.post_urls import post_url

#: Never read: code, chrome and controls.
DROPPED: Final = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "header", "footer", "form", "button",
        "select", "textarea", "svg", "canvas", "iframe", "object", "embed", "video", "audio",
        "head", "title", "meta", "link", "menu", "dialog",
    }
)  # fmt: skip
#: Searched for embeds only: their prose is not the article's.
SILENT: Final = frozenset({"aside"})
BLOCKS: Final = frozenset(
    {
        "p", "div", "section", "article", "main", "blockquote", "li", "ul", "ol", "dl", "dt",
        "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "thead", "tbody", "tr",
        "figure", "figcaption", "hr", "address", "details", "summary", "center", "body", "html",
    }
)  # fmt: skip
_NOT_TEXT: Final = (Comment, Declaration, Doctype, CData, ProcessingInstruction)
_SPACES: Final = re.compile(r"\s+")
_ESCAPED_EMBED: Final = re.compile(r"<\s*(?:iframe|blockquote|script)\b", re.IGNORECASE)
#: Escaped markup longer than this is left as text rather than parsed again.
MAX_ESCAPED_CHARS: Final = 200_000


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of the article text; ``embed`` is the index of the embed it renders."""

    text: str
    embed: int | None = None


@dataclass(frozen=True, slots=True)
class Located:
    """Something found at ``offset`` into paragraph ``block`` (``block == len(blocks)`` means the
    end of the text)."""

    block: int
    offset: int
    value: str


@dataclass(slots=True)
class Rendered:
    """The walk's result: paragraphs, embeds with where each begins, and post links."""

    blocks: list[Block] = field(default_factory=list)
    embeds: list[tuple[Embed, int]] = field(default_factory=list)
    links: list[Located] = field(default_factory=list)


_END_BLOCK: Final = object()
_END_EMBED: Final = object()
#: Walk flags: prose not written; escaped markup in text read as markup; embeds looked for.
_SILENT: Final = 1
_ESCAPED: Final = 2
_DETECT: Final = 4


class _Walker:
    """Walks a tree once, writing paragraphs; see the module docstring."""

    def __init__(self) -> None:
        self.out = Rendered()
        self._buffer: list[str] = []
        self._length = 0
        self._ends_with = "\n"  # what the buffer ends with, "\n" when empty
        self._pending: list[tuple[int, str]] = []
        self._embed: int | None = None

    # --- writing --------------------------------------------------------------------------

    def _write(self, text: str) -> None:
        text = _SPACES.sub(" ", text)
        if text.startswith(" ") and self._ends_with in " \n":
            text = text[1:]
        if text:
            self._buffer.append(text)
            self._length += len(text)
            self._ends_with = text[-1]

    def _line_break(self) -> None:
        if self._length == 0:
            return
        if self._ends_with == "\n":
            self.flush()
            return
        while self._buffer and self._buffer[-1].endswith(" "):
            self._buffer[-1] = self._buffer[-1][:-1]
            self._length -= 1
            if not self._buffer[-1]:
                self._buffer.pop()
        self._buffer.append("\n")
        self._length += 1
        self._ends_with = "\n"

    def flush(self) -> None:
        """End the paragraph being written (if it has any text)."""
        text = "".join(self._buffer).rstrip()
        index = len(self.out.blocks)
        if text:
            self.out.blocks.append(Block(text, self._embed))
        for offset, url in self._pending:
            where = (index, min(offset, len(text))) if text else (len(self.out.blocks), 0)
            self.out.links.append(Located(where[0], where[1], url))
        self._buffer, self._length, self._ends_with, self._pending = [], 0, "\n", []

    # --- walking --------------------------------------------------------------------------

    def walk(self, root: Tag) -> Rendered:
        """Render ``root`` and everything under it."""
        stack: list[tuple[object, int]] = [(root, _ESCAPED | _DETECT)]
        while stack:
            node, flags = stack.pop()
            if node is _END_BLOCK or node is _END_EMBED:
                self.flush()
                if node is _END_EMBED:
                    self._embed = None
            elif isinstance(node, NavigableString):
                if not flags & _SILENT and not isinstance(node, _NOT_TEXT):
                    self._string(str(node), stack, flags)
            elif isinstance(node, Tag):
                self._enter(node, flags, stack)
        self.flush()
        return self.out

    def _enter(self, tag: Tag, flags: int, stack: list[tuple[object, int]]) -> None:
        if flags & _DETECT and self._embed is None:
            embed = find_embed(tag)
            if embed is not None:
                self.flush()
                self.out.embeds.append((embed, len(self.out.blocks)))
                self._embed = len(self.out.embeds) - 1
                stack.append((_END_EMBED, 0))
                if tag.name not in DROPPED:
                    stack.extend((child, 0) for child in reversed(tag.contents))
                return
            if looks_like_embed(tag):
                # Embed markup without a post in it: read as text, and do not search it again
                # (nested broken embeds would make that quadratic).
                flags &= ~_DETECT
        name = tag.name
        if name in DROPPED:
            return
        silent = bool(flags & _SILENT)
        if name == "br":
            if not silent:
                self._line_break()
            return
        if name == "a" and not silent and self._embed is None:
            found = post_url(attr(tag, "href"))
            if found is not None:
                self._pending.append((self._length, found))
        if name in BLOCKS or name in SILENT:
            self.flush()
            stack.append((_END_BLOCK, 0))
        elif name in {"td", "th"}:
            self._write(" ")
        if name in SILENT:
            flags |= _SILENT
        stack.extend((child, flags) for child in reversed(tag.contents))

    def _string(self, text: str, stack: list[tuple[object, int]], flags: int) -> None:
        """Write a text node, or walk the embed markup it spells out when it does."""
        if flags & _ESCAPED and self._embed is None and ("<" in text or "&lt;" in text):
            unescaped = html.unescape(text) if "&lt;" in text else text
            if len(unescaped) <= MAX_ESCAPED_CHARS and _ESCAPED_EMBED.search(unescaped):
                fragment = BeautifulSoup(unescaped, "html.parser")
                inner = (flags & ~_ESCAPED) | _DETECT
                stack.extend((child, inner) for child in reversed(fragment.contents))
                return
        self._write(text)


def render(root: Tag) -> Rendered:
    """The paragraphs, embeds and post links of ``root``; see the module docstring."""
    return _Walker().walk(root)
