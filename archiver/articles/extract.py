"""Reading an article, from HTML or plain text, for the posts it quotes.

:func:`read_html` parses the page (``html.parser``: forgiving, no native code), reads its
metadata, picks the article's main content (the fullest ``<article>``, else ``<main>``, else
the body), renders it to paragraphs with its embeds and post links, and finds the quotes.
:func:`read_text` does the same for text a CMS export or a copy-paste gives: no metadata and no
embeds, but attribution lines, inline quotes and written-out post URLs. Both are pure and
deterministic, and read hostile input (huge, malformed, empty) without raising.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Final

from bs4 import BeautifulSoup, Tag
from bs4.exceptions import ParserRejectedMarkup

from archiver.articles.assemble import assemble
from archiver.articles.meta import Meta, read_meta
from archiver.articles.model import ArticleDoc
from archiver.articles.render import Block, Rendered, render

#: Input past this many characters is cut (a news page is well under it).
MAX_INPUT_CHARS: Final = 8_000_000
#: An ``<article>`` holding less than this share of the page's text is a teaser, not the story.
_ARTICLE_SHARE: Final = 0.2
#: Only this many ``<article>`` elements are weighed (each costs a pass over its text).
_MAX_ARTICLES: Final = 50
_BLANK_LINE: Final = re.compile(r"\n[^\S\n]*\n")
_INLINE_SPACE: Final = re.compile(r"[^\S\n]+")
_BAD_DECLARATION: Final = re.compile(r"<!(?!--|doctype)", re.IGNORECASE)


def _sanitise(text: str) -> str:
    """``text`` cut to size, without NUL characters or lone surrogates (which nothing can
    store or encode), with ``\\n`` line endings."""
    text = text[:MAX_INPUT_CHARS].replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse(markup: str) -> BeautifulSoup:
    """The parse tree of ``markup``; markup the parser rejects is parsed again with its stray
    ``<!`` declarations escaped, and failing that as text."""
    for attempt in (markup, _BAD_DECLARATION.sub("&lt;!", markup), html_lib.escape(markup)):
        try:
            return BeautifulSoup(attempt, "html.parser")
        except (ParserRejectedMarkup, AssertionError, ValueError, RecursionError):
            continue
    return BeautifulSoup("", "html.parser")


def _content_root(soup: BeautifulSoup) -> Tag:
    """The element holding the article itself; see the module docstring."""
    body = soup.find("body")
    page = body if isinstance(body, Tag) else soup
    page_length = len(page.get_text())
    best, best_length = None, -1
    for article in soup.find_all("article", limit=_MAX_ARTICLES):
        length = len(article.get_text())
        if length > best_length:
            best, best_length = article, length
    if best is not None and best_length >= _ARTICLE_SHARE * page_length:
        return best
    main = soup.find("main")
    return main if isinstance(main, Tag) else page


def read_html(html: str, url: str | None = None) -> ArticleDoc:
    """Read an article's HTML: its title, byline, publication time, plain text (paragraphs
    separated by blank lines), every embedded post, every link to a post, and every quote of a
    post (embeds, attribution lines, inline quotations). Pure; never raises on bad markup."""
    soup = _parse(_sanitise(html))
    meta = read_meta(soup)
    return assemble(url, meta, render(_content_root(soup)))


def paragraphs_of(text: str) -> list[str]:
    """The paragraphs of plain text: separated by blank lines, or by line breaks when the text
    has no blank line at all; spaces within lines collapsed."""
    text = _sanitise(text)
    chunks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")
    paragraphs = []
    for chunk in chunks:
        lines = (_INLINE_SPACE.sub(" ", line).strip() for line in chunk.split("\n"))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return paragraphs


def read_text(text: str, url: str | None = None) -> ArticleDoc:
    """Read an article given as plain text: attribution lines, inline quotations of posts and
    written-out post URLs (no metadata, no embeds). Pure; never raises."""
    rendered = Rendered(blocks=[Block(paragraph) for paragraph in paragraphs_of(text)])
    return assemble(url, Meta(), rendered)
