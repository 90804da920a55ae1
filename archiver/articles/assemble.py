"""From an article's paragraphs, embeds and links to its :class:`ArticleDoc`: the embeds as
quotes, the attribution lines that are not an embed's, the inline quotes of posts, and every
post URL in order of appearance. Shared by HTML and plain-text reading. Pure: no I/O.
"""

# Typographic quotation marks and dashes are what this module reads.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from typing import Final

from archiver.articles.attribution import AttributionLine, find_attribution_lines
from archiver.articles.embeds import Embed
from archiver.articles.inline import KnownPost, Paragraph, find_inline_quotes
from archiver.articles.meta import Meta
from archiver.articles.model import ArticleDoc, FoundQuote
from archiver.articles.post_urls import post_url
from archiver.articles.render import Located, Rendered
from archiver.domain import QuoteKind

#: Written-out URLs: with a scheme, an AT-URI, or a bare ``host/path`` (``x.com/user/status/1``).
_URL_IN_TEXT: Final = re.compile(
    r"(?:https?://|at://|(?<![\w@./-])(?=(?:[\w-]{1,63}\.){1,5}[a-z]{2,12}/))[^\s<>\"“”«»]{3,2000}",
    re.IGNORECASE,
)
_TRAILING: Final = ".,;:!?)]}'’\"…"
_MAX_CONTEXT: Final = 500


def urls_in_text(text: str) -> list[tuple[int, str]]:
    """The post URLs written out in ``text``, as ``(offset, post URL)``."""
    found: list[tuple[int, str]] = []
    for match in _URL_IN_TEXT.finditer(text):
        raw = match.group(0).rstrip(_TRAILING)
        if not raw.lower().startswith(("http://", "https://", "at://")):
            raw = f"https://{raw}"
        url = post_url(raw)
        if url is not None:
            found.append((match.start(), url))
    return found


def assemble(url: str | None, meta: Meta, rendered: Rendered) -> ArticleDoc:
    """The :class:`ArticleDoc` of an article read into ``rendered``."""
    texts = [block.text for block in rendered.blocks]
    offsets, cursor = [], 0
    for text in texts:
        offsets.append(cursor)
        cursor += len(text) + 2
    article_text = "\n\n".join(texts)

    def at(block: int, offset: int = 0) -> int:
        return offsets[block] + offset if block < len(offsets) else len(article_text)

    embed_blocks = frozenset(
        i for i, block in enumerate(rendered.blocks) if block.embed is not None
    )
    links = list(rendered.links)
    for index, text in enumerate(texts):
        if index not in embed_blocks:
            links.extend(Located(index, offset, found) for offset, found in urls_in_text(text))
    links.sort(key=lambda link: at(link.block, link.offset))

    quotes: list[FoundQuote] = []
    posts: list[KnownPost] = []
    for number, (embed, block) in enumerate(rendered.embeds):
        context = "\n".join(b.text for b in rendered.blocks if b.embed == number)
        quotes.append(_embed_quote(embed, at(block), context))
        attribution = embed.attribution
        name = attribution.name if attribution else None
        handle = (attribution.handle if attribution else None) or embed.author
        posts.append(KnownPost(embed.post_url, embed.text, name, handle, at(block)))

    excluded: dict[int, list[tuple[int, int]]] = {}
    for line in find_attribution_lines(texts, skip=embed_blocks):
        for span in (line.line, line.text_span):
            if span is not None:
                excluded.setdefault(span.block, []).append((span.start, span.end))
        if _repeats_embed(line, rendered.embeds):
            continue
        position = at(line.text_span.block, line.text_span.start) if line.text_span else None
        position = position if position is not None else at(line.line.block, line.line.start)
        line_url = _link_in(links, line)
        quotes.append(
            FoundQuote(
                kind=QuoteKind.ATTRIBUTION,
                text=line.text,
                position=position,
                attribution=line.attribution,
                post_url=line_url,
                context=texts[line.line.block][line.line.start : line.line.end][:_MAX_CONTEXT],
            )
        )
        who = line.attribution
        posts.append(KnownPost(line_url, line.text, who.name, who.handle, position))

    paragraphs = [
        Paragraph(
            text=text,
            offset=offsets[index],
            links=tuple((link.offset, link.value) for link in links if link.block == index),
            excluded=tuple(excluded.get(index, ())),
            embed=index in embed_blocks,
        )
        for index, text in enumerate(texts)
    ]
    quotes.extend(find_inline_quotes(paragraphs, sorted(posts, key=lambda p: p.position)))
    quotes.sort(key=lambda quote: quote.position)

    located = [(at(block), embed.post_url) for embed, block in rendered.embeds]
    located += [(at(link.block, link.offset), link.value) for link in links]
    located.sort(key=lambda pair: pair[0])
    return ArticleDoc(
        url=url,
        title=meta.title,
        byline=meta.byline,
        published_at=meta.published_at,
        text=article_text,
        quotes=tuple(quotes),
        post_urls=tuple(dict.fromkeys(found for _, found in located)),
    )


def _embed_quote(embed: Embed, position: int, context: str) -> FoundQuote:
    return FoundQuote(
        kind=QuoteKind.EMBED,
        text=embed.text,
        position=position,
        attribution=embed.attribution,
        post_url=embed.post_url,
        context=context[:_MAX_CONTEXT],
    )


def _repeats_embed(line: AttributionLine, embeds: list[tuple[Embed, int]]) -> bool:
    """Whether an attribution line is the stripped rendering of one of the embeds."""
    handle = (line.attribution.handle or "").lower()
    for embed, _ in embeds:
        theirs = embed.attribution
        if theirs is None or not handle or (theirs.handle or "").lower() != handle:
            continue
        same_day = line.attribution.date is None or theirs.date in {None, line.attribution.date}
        same_text = not line.text or not embed.text or line.text.strip() == embed.text.strip()
        if same_day and same_text:
            return True
    return False


def _link_in(links: list[Located], line: AttributionLine) -> str | None:
    """A post link inside an attribution line or the text it closes (the date link that a
    stripped embed keeps), if any."""
    spans = [line.line] + ([line.text_span] if line.text_span else [])
    for link in links:
        for span in spans:
            if link.block == span.block and span.start <= link.offset <= span.end:
                return link.value
    return None
