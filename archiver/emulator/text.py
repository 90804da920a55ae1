"""Turning the plain text a post was written with into each platform's own text format.

* X: ``text`` with every URL replaced by a ``https://t.co/…`` link, entity ``indices`` in code
  points, a ``@parent`` prefix for replies (outside ``display_text_range``) and the media link
  appended at the end.
* Mastodon: HTML ``content`` with ``<p>``/``<br />``, entities (``&amp;``, ``&#39;``), links
  split into ``invisible``/``ellipsis`` spans, hashtag and mention markup.
* Bluesky: plain text with client-shortened link text and facets at UTF-8 *byte* offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from archiver.emulator import idgen

_URL: Final = re.compile(r"https?://[^\s<>\"]+")
_TRAILING: Final = ".,;:!?)]}'\""
_X_MENTION: Final = re.compile(r"(?<![\w@])@(\w{1,15})(?!\w)")
_MASTODON_MENTION: Final = re.compile(r"(?<![\w/@])@(\w+)(?:@([\w.-]*\w))?")
_BSKY_MENTION: Final = re.compile(r"(?<![\w@])@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_HASHTAG: Final = re.compile(r"(?<![\w#&/])#(\w*[^\W\d]\w*)")


@dataclass(frozen=True)
class Token:
    """A link, mention or hashtag found in source text: ``source[start:end]``."""

    kind: str
    start: int
    end: int
    value: str
    domain: str = ""


def tokens(source: str, mention: re.Pattern[str]) -> list[Token]:
    """Links, mentions and hashtags in ``source``, in order, never overlapping."""
    found: list[Token] = []
    for match in _URL.finditer(source):
        url = match.group().rstrip(_TRAILING)
        found.append(Token("link", match.start(), match.start() + len(url), url))
    for match in mention.finditer(source):
        domain = match.group(2) if mention.groups > 1 else None
        found.append(Token("mention", match.start(), match.end(), match.group(1), domain or ""))
    for match in _HASHTAG.finditer(source):
        found.append(Token("hashtag", match.start(), match.end(), match.group(1)))
    found.sort(key=lambda token: (token.start, token.kind != "link"))
    kept: list[Token] = []
    for token in found:
        if not kept or token.start >= kept[-1].end:
            kept.append(token)
    return kept


def strip_scheme(url: str) -> str:
    """``https://www.example.com/a`` → ``example.com/a``."""
    return re.sub(r"^https?://(?:www\.)?", "", url)


def x_display_url(url: str) -> str:
    """How X shows an expanded URL: no scheme, no ``www.``, cut with an ellipsis."""
    bare = strip_scheme(url)
    return bare if len(bare) <= 26 else bare[:25] + "…"


def tco(*parts: object) -> str:
    """A t.co link derived from the parts."""
    return f"https://t.co/{idgen.base62(10, 'tco', *parts)}"


@dataclass
class XText:
    """An X post's ``text``, ``display_text_range`` and ``entities``."""

    text: str
    display_text_range: list[int]
    entities: dict[str, list[dict[str, Any]]]
    media_url: str = ""
    media_indices: list[int] = field(default_factory=list)


def x_text(
    source: str,
    *,
    tweet_id: str,
    reply_to: tuple[str, str, str] | None,
    has_media: bool,
    user_of: Callable[[str], tuple[str, str]],
) -> XText:
    """Render ``source`` as X does. ``reply_to`` is ``(id_str, name, screen_name)`` of the
    parent's author; ``user_of(screen_name)`` gives ``(id_str, name)`` of a mentioned user."""
    prefix = f"@{reply_to[2]} " if reply_to else ""
    out = prefix
    urls: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    hashtags: list[dict[str, Any]] = []
    if reply_to:
        mentions.append(
            {
                "id_str": reply_to[0],
                "indices": [0, len(prefix) - 1],
                "name": reply_to[1],
                "screen_name": reply_to[2],
            }
        )
    position = 0
    for number, token in enumerate(tokens(source, _X_MENTION)):
        out += source[position : token.start]
        start = len(out)
        if token.kind == "link":
            short = tco(tweet_id, number, token.value)
            out += short
            urls.append(
                {
                    "display_url": x_display_url(token.value),
                    "expanded_url": token.value,
                    "indices": [start, len(out)],
                    "url": short,
                }
            )
        else:
            out += source[token.start : token.end]
            if token.kind == "mention":
                user_id, name = user_of(token.value)
                mentions.append(
                    {
                        "id_str": user_id,
                        "indices": [start, len(out)],
                        "name": name,
                        "screen_name": token.value,
                    }
                )
            else:
                hashtags.append({"indices": [start, len(out)], "text": token.value})
        position = token.end
    out += source[position:]
    entities: dict[str, list[dict[str, Any]]] = {
        "hashtags": hashtags,
        "urls": urls,
        "user_mentions": mentions,
        "symbols": [],
    }
    result = XText(out, [len(prefix), len(out)], entities)
    if has_media:
        result.media_url = tco(tweet_id, "media")
        start = len(out) + 1
        result.text = f"{out} {result.media_url}"
        result.media_indices = [start, len(result.text)]
    return result


def escape_html(text: str, *, apostrophe: bool = True) -> str:
    """Escape like Rails' ``h()``: ``&``, ``<``, ``>``, ``"`` and (optionally) ``'``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    return text.replace("'", "&#39;") if apostrophe else text


@dataclass
class MastodonText:
    """A Mastodon status's ``content`` HTML, ``mentions``, ``tags`` and the links in it."""

    html: str
    mentions: list[dict[str, str]]
    tags: list[dict[str, str]]
    links: list[str]


def mastodon_link(url: str, *, truth: bool = False) -> str:
    """A link as Mastodon renders it: scheme hidden, the rest cut after 30 characters."""
    match = re.match(r"(https?://(?:www\.)?)(.*)", url, re.DOTALL)
    prefix, rest = (match.group(1), match.group(2)) if match else ("", url)
    shown, hidden = rest[:30], rest[30:]
    attrs = (
        'rel="nofollow noopener noreferrer" target="_blank"'
        if truth
        else 'target="_blank" rel="nofollow noopener" translate="no"'
    )
    return (
        f'<a href="{escape_html(url)}" {attrs}><span class="invisible">{escape_html(prefix)}'
        f'</span><span class="{"ellipsis" if hidden else ""}">{escape_html(shown)}</span>'
        f'<span class="invisible">{escape_html(hidden)}</span></a>'
    )


def mastodon_html(
    source: str,
    *,
    host: str,
    account_of: Callable[[str, str], tuple[str, str, str]],
    truth: bool = False,
) -> MastodonText:
    """Render ``source`` as Mastodon does. ``account_of(username, domain)`` gives
    ``(id, url, acct)`` of a mentioned account."""
    result = MastodonText("", [], [], [])
    paragraphs = []
    for paragraph in re.split(r"\n{2,}", source.strip()):
        out, position = "", 0
        for token in tokens(paragraph, _MASTODON_MENTION):
            out += escape_html(paragraph[position : token.start], apostrophe=not truth)
            if token.kind == "link":
                out += mastodon_link(token.value, truth=truth)
                result.links.append(token.value)
            elif token.kind == "hashtag":
                url = f"https://{host}/tags/{token.value.lower()}"
                out += (
                    f'<a href="{url}" class="mention hashtag" rel="tag">'
                    f"#<span>{escape_html(token.value)}</span></a>"
                )
                result.tags.append({"name": token.value.lower(), "url": url})
            else:
                account_id, url, acct = account_of(token.value, token.domain)
                out += (
                    f'<span class="h-card" translate="no"><a href="{escape_html(url)}" '
                    f'class="u-url mention">@<span>{escape_html(token.value)}</span></a></span>'
                )
                result.mentions.append(
                    {"id": account_id, "username": token.value, "url": url, "acct": acct}
                )
            position = token.end
        out += escape_html(paragraph[position:], apostrophe=not truth)
        paragraphs.append("<p>" + out.replace("\n", "<br />") + "</p>")
    result.html = "".join(paragraphs)
    return result


def bsky_short_link(url: str) -> str:
    """How the Bluesky app shows a link in post text: no scheme, cut to 27 characters + ``...``."""
    bare = re.sub(r"^https?://", "", url)
    if bare.endswith("/") and bare.count("/") == 1:
        bare = bare[:-1]
    return bare if len(bare) <= 30 else bare[:27] + "..."


def bsky_text(source: str, *, did_of: Callable[[str], str | None]) -> tuple[str, list[Any]]:
    """Render ``source`` as the Bluesky app posts it: ``(text, facets)``, facets at UTF-8 byte
    offsets. ``did_of(handle)`` gives a mentioned account's DID (unknown ones get no facet)."""
    out, position = "", 0
    facets: list[Any] = []
    for token in tokens(source, _BSKY_MENTION):
        out += source[position : token.start]
        start = len(out.encode())
        feature: dict[str, str] | None
        if token.kind == "link":
            out += bsky_short_link(token.value)
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": token.value}
        else:
            out += source[token.start : token.end]
            if token.kind == "hashtag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": token.value}
            else:
                did = did_of(token.value)
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did} if did else None
        if feature is not None:
            facets.append(
                {"index": {"byteStart": start, "byteEnd": len(out.encode())}, "features": [feature]}
            )
        position = token.end
    return out + source[position:], facets


def plain_from_html(html: str) -> str:
    """Visible text of simple post HTML (paragraphs and line breaks kept as new lines)."""
    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r'<span class="invisible">[^<]*</span>', "", text)
    text = re.sub(r"<[^>]+>", "", text)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")
