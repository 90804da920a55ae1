"""Post HTML as a reader sees it, in plain text.

Paragraphs and other blocks are separated by a blank line, ``<br>`` is a line break, runs of
whitespace collapse as a browser collapses them (except inside ``<pre>``) and character
references are decoded. A link whose text is its own address, whole or shortened (Mastodon's
``invisible``/``ellipsis`` spans, a client's ``example.com/a/lo…``), reads as the full address;
mentions, hashtags and links with words of their own keep their text.

Pure: stdlib ``html.parser`` only, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Final

_BLOCKS: Final = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "table", "section", "article", "header",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "hr",
    }
)  # fmt: skip
_LINES: Final = frozenset({"li", "tr", "dt", "dd"})
_HIDDEN: Final = frozenset({"script", "style", "template", "head", "title", "noscript"})
#: Stands for a paragraph boundary in the output until the text is assembled.
_PARAGRAPH: Final = "\x00"
_SPACES: Final = re.compile(r"[ \t\n\r\f]+")
_SCHEME: Final = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
_ELLIPSES: Final = ("…", "...")


def html_to_text(html: str, *, first_paragraph: bool = False) -> str:
    """``html`` as plain text; with ``first_paragraph``, only the first ``<p>``'s text."""
    parser = _TextParser(first_paragraph=first_paragraph)
    parser.feed(html)
    parser.close()
    return _assemble("".join(parser.out))


def shows_url(visible: str, url: str) -> bool:
    """Whether ``visible`` is ``url`` itself or a shortened form of it (scheme or ``www.``
    dropped, cut off with an ellipsis), as clients display links."""
    shown = visible.strip()
    for ellipsis in _ELLIPSES:
        shown = shown.removesuffix(ellipsis)
    if not shown or any(c.isspace() for c in shown) or shown[0] in "@#":
        return False
    bare_shown = _SCHEME.sub("", shown).lower()
    return bool(bare_shown) and _SCHEME.sub("", url).lower().startswith(bare_shown)


@dataclass
class _Link:
    href: str | None
    keep_text: bool  # a mention or a hashtag
    shortened: bool = False  # Mastodon hid part of the address in invisible spans
    parts: list[str] = field(default_factory=list)

    def text(self) -> str:
        visible = "".join(self.parts)
        expand = self.shortened or (self.href is not None and shows_url(visible, self.href))
        if self.href and expand and not self.keep_text:
            return self.href
        return visible


class _TextParser(HTMLParser):
    def __init__(self, *, first_paragraph: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._hidden = 0
        self._pre = 0
        self._link: _Link | None = None
        # With first_paragraph: "before" the first <p>, "inside" it, or "after" it.
        self._scope = "before" if first_paragraph else "inside"
        self._one_paragraph = first_paragraph

    def _emit(self, text: str) -> None:
        if self._link is not None:
            self._link.parts.append(text)
        else:
            self.out.append(text)

    def _outside(self) -> bool:
        return self._hidden > 0 or self._scope != "inside"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if self._one_paragraph and tag == "p" and self._scope == "before":
            self._scope = "inside"
            return
        if self._outside():
            return
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "br":
            self._emit("\n")
        elif tag in _BLOCKS:
            self._pre += tag == "pre"
            self.out.append(_PARAGRAPH)
        elif tag in _LINES:
            self.out.append("\n")
        elif tag == "a" and self._link is None:
            keep = bool(classes & {"mention", "hashtag", "u-url"})
            self._link = _Link(dict(attrs).get("href"), keep)
        elif tag == "span" and self._link is not None and classes & {"invisible", "ellipsis"}:
            self._link.shortened = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            return
        if self._one_paragraph and tag == "p" and self._scope == "inside":
            self._finish_link()
            self._scope = "after"
            return
        if self._outside():
            return
        if tag in _BLOCKS:
            self._pre = max(0, self._pre - (tag == "pre"))
            self._finish_link()
            self.out.append(_PARAGRAPH)
        elif tag == "a":
            self._finish_link()

    def _finish_link(self) -> None:
        if self._link is not None:
            link, self._link = self._link, None
            self.out.append(link.text())

    def handle_data(self, data: str) -> None:
        if self._outside():
            return
        self._emit(data if self._pre else _SPACES.sub(" ", data))

    def close(self) -> None:
        super().close()
        self._finish_link()


def _assemble(raw: str) -> str:
    """Join the parser's output: paragraphs apart by one blank line, no stray spaces at line
    ends, no empty paragraphs."""
    paragraphs = []
    for chunk in raw.split(_PARAGRAPH):
        lines = "\n".join(line.strip(" ") for line in chunk.split("\n")).strip("\n")
        if lines.strip():
            paragraphs.append(lines)
    return "\n\n".join(paragraphs)
