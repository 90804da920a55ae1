"""The main text of a web page as a reader reads it, without its menus, footers, comments,
cookie notices and "related" links: found by trafilatura (its own extractor and its
fallbacks; no network), then written out here as plain text: blocks (paragraphs, headings,
lists, tables) a blank line apart, a list's items and a table's rows one to a line, ``<br>``
kept as a line break, runs of spaces collapsed.

trafilatura is asked to favour precision over recall: a menu or a "most read" list taken for
text would change from one check to the next and make the page look edited.

Pure: no I/O.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any, Final

from trafilatura import bare_extraction

#: The most text kept from one page: about 15,000 words, past the longest long-read. The
#: page's bytes are kept whole as the capture's raw evidence whatever the text holds.
TEXT_MAX_CHARS: Final = 100_000
#: Pages with more elements than this are not read for their main text: trafilatura needs
#: about a quarter of a millisecond of CPU per element (seconds for the largest real pages),
#: and a hostile page could hold hundreds of thousands.
MAX_ELEMENTS: Final = 30_000
_START_TAG: Final = re.compile(r"<[A-Za-z]")
_LINES: Final = frozenset({"item", "row"})


def too_large(html: str) -> bool:
    """Whether the page has more elements than :data:`MAX_ELEMENTS` (start tags, counted)."""
    return sum(1 for _ in islice(_START_TAG.finditer(html), MAX_ELEMENTS + 1)) > MAX_ELEMENTS


def main_text(html: str) -> str | None:
    """The page's main text, or ``None`` when trafilatura finds none (or the page is
    :func:`too_large` to read)."""
    if too_large(html):
        return None
    try:
        document = bare_extraction(
            html,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError):  # markup no parser would take
        return None
    body = getattr(document, "body", None)
    if body is None:
        return None
    blocks = (_block(element) for element in body)
    return "\n\n".join(block for block in blocks if block) or None


def _block(element: Any) -> str:
    """One block of trafilatura's document as lines of text (walked without recursion)."""
    parts: list[str] = []
    stack: list[tuple[Any, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if node is not element and node.tail:
                parts.append(node.tail)
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "lb" or (tag in _LINES and parts):
            parts.append("\n")
        elif tag == "cell" and node.getprevious() is not None:
            parts.append(" | ")
        if node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def capped(text: str) -> tuple[str, bool]:
    """``text`` cut to :data:`TEXT_MAX_CHARS` (at the last paragraph break, else space, in
    its second half), and whether it was cut."""
    if len(text) <= TEXT_MAX_CHARS:
        return text, False
    head = text[:TEXT_MAX_CHARS]
    for boundary in ("\n\n", "\n", " "):
        at = head.rfind(boundary)
        if at > TEXT_MAX_CHARS // 2:
            return head[:at].rstrip(), True
    return head, True
