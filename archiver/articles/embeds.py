"""Embedded posts in article markup, one recogniser per platform's published embed code.

X ``blockquote.twitter-tweet`` (current ``/status/`` and old ``/statuses/`` links; a rendered
``platform.twitter.com/embed/Tweet.html?id=`` iframe too), Mastodon ``iframe.mastodon-embed`` and
``blockquote.mastodon-embed``, Truth Social ``iframe.truthsocial-embed``, Bluesky
``blockquote.bluesky-embed`` (``data-bluesky-uri``) and its iframe, Threads
``blockquote.text-post-media``, Instagram ``blockquote.instagram-media``, TikTok
``blockquote.tiktok-embed``, Facebook ``div.fb-post`` and ``plugins/post.php`` iframes, Reddit
``blockquote.reddit-embed-bq`` / ``reddit-card``, YouTube player iframes and Telegram widget
scripts. Which URLs name posts is :mod:`archiver.articles.post_urls`' business. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlsplit

from bs4 import Comment, Tag
from bs4.element import NavigableString

from archiver.articles.attribution import clean_post_text, parse_tail
from archiver.articles.model import Attribution
from archiver.articles.post_urls import post_url


@dataclass(frozen=True, slots=True)
class Embed:
    """One embedded post: its URL, the post text the markup carries (``""`` for an iframe or a
    script, which carry none), the attribution printed under it, and the author's handle as
    the URL or markup names it (for matching speakers; not something the article printed)."""

    post_url: str
    text: str
    attribution: Attribution | None = None
    author: str | None = None


_WHITESPACE: Final = re.compile(r"\s+")
_SKIPPED_TEXT: Final = frozenset({"script", "style", "template", "noscript", "svg"})
_AT_HANDLE: Final = re.compile(r"@([\w.]{1,60}(?:@[\w.-]{3,253})?)")
_URL_USER: Final = re.compile(r"/@([\w.-]{1,60})/")
_REDDIT_USER: Final = re.compile(r"/(?:u|user)/([\w-]{1,40})/?$")
_SHARED_BY: Final = re.compile(r"A post shared by\b")


def attr(tag: Tag, name: str) -> str:
    """The value of attribute ``name`` as one string (``""`` when absent)."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def classes(tag: Tag) -> frozenset[str]:
    """The tag's classes, lower-cased."""
    return frozenset(attr(tag, "class").lower().split())


def node_text(nodes: Iterable[Tag | NavigableString]) -> str:
    """The readable text of ``nodes``: whitespace collapsed, ``<br>`` and ``<p>`` as line breaks."""
    parts: list[str] = []
    for node in nodes:
        items = [node] if isinstance(node, NavigableString) else [node, *node.descendants]
        for item in items:
            if isinstance(item, Tag):
                if item.name in {"br", "p"}:
                    parts.append("\n")
            elif not isinstance(item, Comment) and (
                item.parent is None or item.parent.name not in _SKIPPED_TEXT
            ):
                parts.append(_WHITESPACE.sub(" ", str(item)))
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _links(tag: Tag) -> list[str]:
    return [attr(a, "href") for a in tag.find_all("a") if attr(a, "href")]


def _first_post_link(tag: Tag, *, last: bool = False) -> str | None:
    links = _links(tag)
    for href in reversed(links) if last else links:
        found = post_url(href)
        if found is not None:
            return found
    return None


def _text_and_tail(tag: Tag) -> tuple[str, Attribution | None]:
    """A blockquote's post text (its ``<p>``) and the attribution printed after it."""
    paragraph = tag.find("p")
    if not isinstance(paragraph, Tag):
        parsed = parse_tail(node_text([tag]).replace("\n", " "))
        if parsed is None:
            return clean_post_text(node_text([tag])), None
        return clean_post_text(parsed[0]), parsed[1]
    tail_nodes = [n for n in paragraph.next_siblings if isinstance(n, Tag | NavigableString)]
    tail = parse_tail(node_text(tail_nodes).replace("\n", " "))
    return clean_post_text(node_text([paragraph])), tail[1] if tail else None


def _x(tag: Tag) -> Embed | None:
    url = _first_post_link(tag, last=True)
    if url is None:
        return None
    text, attribution = _text_and_tail(tag)
    return Embed(url, text, attribution, attribution.handle if attribution else None)


def _bluesky(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "data-bluesky-uri")) or _first_post_link(tag)
    if url is None:
        return None
    text, attribution = _text_and_tail(tag)
    return Embed(url, text, attribution, attribution.handle if attribution else None)


def _mastodon_blockquote(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "data-embed-url")) or _first_post_link(tag)
    if url is None:
        return None
    parsed = parse_tail(node_text([tag]).replace("\n", " "))
    attribution = parsed[1] if parsed else None
    return Embed(url, "", attribution, attribution.handle if attribution else _url_handle(url))


def _threads(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "data-text-post-permalink")) or _first_post_link(tag)
    if url is None:
        return None
    return Embed(url, clean_post_text(node_text([tag])), None, _url_handle(url))


def _instagram(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "data-instgrm-permalink")) or _first_post_link(tag)
    if url is None:
        return None
    texts: list[str] = []
    attribution = None
    for paragraph in tag.find_all("p"):
        words = node_text([paragraph])
        parsed = parse_tail(words.replace("\n", " ")) if _SHARED_BY.search(words) else None
        if parsed is not None:
            attribution = parsed[1]
        elif words:
            texts.append(words)
    text = clean_post_text("\n".join(texts))
    return Embed(url, text, attribution, attribution.handle if attribution else None)


def _tiktok(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "cite")) or _first_post_link(tag)
    if url is None:
        return None
    paragraph = tag.find("p")
    text = node_text([paragraph]) if isinstance(paragraph, Tag) else ""
    handle = None
    for link in tag.find_all("a"):
        found = _AT_HANDLE.fullmatch(link.get_text().strip())
        if found is not None:
            handle = found.group(1)
            break
    attribution = Attribution(handle=handle) if handle else None
    return Embed(url, text, attribution, handle or _url_handle(url))


def _facebook(tag: Tag) -> Embed | None:
    url = post_url(attr(tag, "data-href")) or post_url(attr(tag, "cite"))
    quote = tag if tag.name == "blockquote" else tag.find("blockquote")
    if url is None and isinstance(quote, Tag):
        url = post_url(attr(quote, "cite")) or _first_post_link(quote)
    if url is None:
        return None
    if not isinstance(quote, Tag):
        return Embed(url, "")
    text = "\n".join(node_text([p]) for p in quote.find_all("p"))
    parsed = parse_tail(node_text([quote]).replace("\n", " "))
    return Embed(url, clean_post_text(text), parsed[1] if parsed else None)


def _reddit(tag: Tag) -> Embed | None:
    for link in tag.find_all("a"):
        url = post_url(attr(link, "href"))
        if url is not None:
            user = next((m.group(1) for h in _links(tag) if (m := _REDDIT_USER.search(h))), None)
            attribution = Attribution(handle=user) if user else None
            return Embed(url, node_text([link]), attribution, user)
    return None


def _iframe(tag: Tag) -> Embed | None:
    src = attr(tag, "src") or attr(tag, "data-src")
    url = post_url(src)
    if url is None:
        url = _rendered_x(src)
    return Embed(url, "", None, _url_handle(url)) if url is not None else None


def _telegram(tag: Tag) -> Embed | None:
    post = attr(tag, "data-telegram-post").strip().strip("/")
    url = post_url(f"https://t.me/{post}") if post else None
    return Embed(url, "", None, post.split("/")[0]) if url is not None else None


def _rendered_x(src: str) -> str | None:
    """The post of an X embed that ``widgets.js`` already turned into an iframe."""
    try:
        parts = urlsplit(src if not src.startswith("//") else f"https:{src}")
    except ValueError:
        return None
    if (parts.hostname or "") != "platform.twitter.com" or "/embed/" not in parts.path:
        return None
    ids = parse_qs(parts.query).get("id", [])
    return post_url(f"https://x.com/i/status/{ids[0]}") if ids and ids[0].isdigit() else None


def _url_handle(url: str) -> str | None:
    """The author handle a post URL names, if any (``user@host`` on the fediverse)."""
    found = _URL_USER.search(url)
    if found is None:
        return None
    host = urlsplit(url).hostname or ""
    if host.endswith(("bsky.app", "threads.net", "threads.com", "tiktok.com", "x.com")):
        return found.group(1)
    return f"{found.group(1)}@{host}" if host else found.group(1)


#: (tag name, a class it carries, recogniser): the first row that fits a tag decides.
_BY_CLASS: Final[tuple[tuple[str, str, Callable[[Tag], Embed | None]], ...]] = (
    ("blockquote", "twitter-tweet", _x),
    ("blockquote", "twitter-video", _x),
    ("blockquote", "bluesky-embed", _bluesky),
    ("blockquote", "mastodon-embed", _mastodon_blockquote),
    ("blockquote", "text-post-media", _threads),
    ("blockquote", "instagram-media", _instagram),
    ("blockquote", "tiktok-embed", _tiktok),
    ("blockquote", "reddit-embed-bq", _reddit),
    ("blockquote", "reddit-card", _reddit),
    ("div", "fb-post", _facebook),
    ("div", "fb-video", _facebook),
)


def looks_like_embed(tag: Tag) -> bool:
    """Whether ``tag`` carries a platform's embed class (whether or not it names a post)."""
    if tag.name not in {"blockquote", "div"}:
        return False
    tag_classes = classes(tag)
    return any(tag.name == name and css in tag_classes for name, css, _ in _BY_CLASS)


def find_embed(tag: Tag) -> Embed | None:
    """The post ``tag`` embeds, when it is a platform's embed code, else ``None``."""
    name = tag.name
    if name == "iframe":
        return _iframe(tag)
    if name == "script":
        return _telegram(tag) if tag.has_attr("data-telegram-post") else None
    if name not in {"blockquote", "div"}:
        return None
    tag_classes = classes(tag)
    for tag_name, css_class, recognise in _BY_CLASS:
        if name == tag_name and css_class in tag_classes:
            return recognise(tag)
    return None
