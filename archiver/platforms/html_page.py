"""Reading a platform's HTML page for its metadata: ``<meta>`` values by ``property``, ``name``
or ``itemprop``, ``<link rel>`` targets, and the text of its ``<script>`` elements, parsed with
BeautifulSoup's ``html.parser`` (no native code). Also the JSON embedded in those scripts.

Pages are hostile input: values are only read, never rendered; JSON is parsed only from
scripts under a size cap, and searched iteratively with a cap on the nodes visited.

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from bs4 import BeautifulSoup, Tag
from bs4.exceptions import ParserRejectedMarkup

from archiver.domain import HttpExchange

#: Script bodies longer than this are not parsed as JSON.
MAX_SCRIPT_CHARS: Final = 4_000_000
#: JSON nodes visited at most while searching one page's data.
MAX_JSON_NODES: Final = 200_000
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True, slots=True)
class Script:
    """One ``<script>`` element: its ``type`` (lower-cased, may be empty), its attribute
    names, and its text."""

    type: str
    attributes: frozenset[str]
    text: str


@dataclass(frozen=True, slots=True)
class Page:
    """What a page says about itself. ``meta`` is keyed by the lower-cased ``property``,
    ``name`` or ``itemprop`` (the first value wins); ``links`` by lower-cased ``rel``;
    ``alternates`` (``<link rel="alternate">``: feeds, oEmbed) by lower-cased ``type``;
    ``lang`` is the ``<html lang>``."""

    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    scripts: tuple[Script, ...] = ()
    alternates: dict[str, str] = field(default_factory=dict)
    lang: str | None = None


def is_html(exchange: HttpExchange) -> bool:
    """Whether the answer is labelled as an HTML page."""
    declared = (exchange.content_type or "").split(";", 1)[0].strip().lower()
    return declared in _HTML_TYPES


def read_page(body: bytes | str) -> Page:
    """The metadata and scripts of an HTML document (bytes decoded as UTF-8, leniently; text
    as it is)."""
    markup = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    try:
        soup = BeautifulSoup(markup, "html.parser")
    except (ParserRejectedMarkup, AssertionError, ValueError, RecursionError):
        return Page()
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = _attr(tag, "content")
        for key in ("property", "name", "itemprop"):
            name = _attr(tag, key).strip().lower()
            if name and content and name not in meta:
                meta[name] = content
    links: dict[str, str] = {}
    alternates: dict[str, str] = {}
    for tag in soup.find_all("link"):
        href = _attr(tag, "href")
        rels = _attr(tag, "rel").lower().split()
        for rel in rels:
            if href and rel not in links:
                links[rel] = href
        kind = _attr(tag, "type").strip().lower()
        if href and kind and "alternate" in rels and kind not in alternates:
            alternates[kind] = href
    scripts = tuple(
        Script(_attr(tag, "type").strip().lower(), frozenset(tag.attrs), tag.string or "")
        for tag in soup.find_all("script")
        if isinstance(tag, Tag)
    )
    title = soup.title.string if soup.title is not None else None
    lang = _attr(soup.html, "lang").strip() or None
    return Page(title.strip() if title else None, meta, links, scripts, alternates, lang)


def _attr(tag: object, name: str) -> str:
    """An attribute's value as one string (multi-valued attributes joined by spaces)."""
    if not isinstance(tag, Tag):
        return ""
    value = tag.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def json_scripts(page: Page, accept: Callable[[Script], bool]) -> Iterator[Any]:
    """The parsed JSON of each script ``accept`` chooses; unreadable or oversized ones are
    skipped."""
    for script in page.scripts:
        if not accept(script) or len(script.text) > MAX_SCRIPT_CHARS:
            continue
        try:
            yield json.loads(script.text)
        except (ValueError, RecursionError):
            continue


def assigned_json(page: Page, name: str) -> Any:
    """The JSON value assigned to ``name`` in a page script (``var name = {…};``), read
    from its opening brace with ``json.JSONDecoder.raw_decode``, or ``None``."""
    decoder = json.JSONDecoder()
    for script in page.scripts:
        text = script.text
        if len(text) > MAX_SCRIPT_CHARS:
            continue
        start = text.find(name)
        while start != -1:
            after = text[start + len(name) :].lstrip()
            if after.startswith("="):
                value = after[1:].lstrip()
                if value.startswith("{"):
                    try:
                        return decoder.raw_decode(value)[0]
                    except (ValueError, RecursionError):
                        return None
            start = text.find(name, start + len(name))
    return None


def find_object(data: Any, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The first JSON object anywhere in ``data`` (depth first, in document order) for
    which ``wanted`` holds, or ``None``; gives up after ``MAX_JSON_NODES`` nodes."""
    stack: list[Any] = [data]
    visited = 0
    while stack and visited < MAX_JSON_NODES:
        node = stack.pop()
        visited += 1
        if isinstance(node, dict):
            if wanted(node):
                return node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return None
