"""An article's title, byline and publication time from its page metadata.

Title: ``og:title``, ``twitter:title``, JSON-LD ``headline``, ``<title>``, the first ``<h1>``.
Byline: ``<meta name=author>``, ``article:author`` when it is a name rather than a URL, JSON-LD
``author`` names, ``rel=author`` links or a ``.byline`` element. Published:
``article:published_time``, JSON-LD ``datePublished``, ``<time datetime>``, ``<meta
name=date|pubdate|…>``; always timezone-aware UTC. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bs4 import BeautifulSoup, Tag

from archiver.articles.dates import parse_timestamp
from archiver.articles.embeds import attr, classes, node_text

_ARTICLE_TYPES: Final = re.compile(r"(?:Article|BlogPosting|Report)$")
_DATE_META: Final = (
    "article:published_time", "og:article:published_time", "datepublished", "date", "pubdate",
    "publishdate", "publish-date", "publish_date", "dc.date.issued", "dc.date", "dcterms.created",
    "sailthru.date", "parsely-pub-date", "og:published_time", "published_time",
)  # fmt: skip
_BY: Final = re.compile(r"^\s*by\s+", re.IGNORECASE)
#: JSON-LD blocks longer than this are not parsed (a hostile page could nest them deeply).
MAX_JSON_LD_CHARS: Final = 500_000
_MAX_NODES: Final = 10_000
_MAX_TEXT: Final = 500


@dataclass(frozen=True, slots=True)
class Meta:
    """What the page's metadata says about the article."""

    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())[:_MAX_TEXT]
    return text or None


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    """``<meta>`` contents keyed by lower-cased ``property``/``name``/``itemprop``; first wins."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = attr(tag, "content").strip()
        if not content:
            continue
        for key in ("property", "name", "itemprop"):
            name = attr(tag, key).strip().lower()
            if name and name not in values:
                values[name] = content
    return values


def _json_ld(soup: BeautifulSoup) -> list[dict[str, object]]:
    """The JSON-LD objects of the page that describe an article, best first."""
    found: list[dict[str, object]] = []
    for script in soup.find_all("script"):
        if "ld+json" not in attr(script, "type").lower():
            continue
        raw = script.string or ""
        if len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        found.extend(_objects(data))
    articles = [obj for obj in found if any(_ARTICLE_TYPES.search(t) for t in _types(obj))]
    others = [obj for obj in found if obj not in articles and "headline" in obj]
    return articles + others


def _objects(data: object) -> Iterator[dict[str, object]]:
    """Every JSON object in ``data`` that ``@graph`` lists or nests, breadth-first, bounded."""
    queue, seen = deque([data]), 0
    while queue and seen < _MAX_NODES:
        item = queue.popleft()
        seen += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                queue.extend(graph)


def _types(obj: dict[str, object]) -> list[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return [kind]
    return [k for k in kind if isinstance(k, str)] if isinstance(kind, list) else []


def _names(author: object) -> list[str]:
    """Author names from a JSON-LD ``author`` value (a string, an object or a list of them)."""
    items = author if isinstance(author, list) else [author]
    names: list[str] = []
    for item in items[:20]:
        name = item.get("name") if isinstance(item, dict) else item
        cleaned = _clean(name) if isinstance(name, str) else None
        if cleaned and not cleaned.startswith(("http://", "https://")):
            names.append(cleaned)
    return names


def join_names(names: list[str]) -> str | None:
    """``A``, ``A and B``, ``A, B and C``; ``None`` for no names."""
    unique = list(dict.fromkeys(names))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _title(soup: BeautifulSoup, metas: dict[str, str], ld: list[dict[str, object]]) -> str | None:
    for key in ("og:title", "twitter:title"):
        if _clean(metas.get(key)):
            return _clean(metas[key])
    for obj in ld:
        headline = obj.get("headline") or obj.get("name")
        if isinstance(headline, str) and _clean(headline):
            return _clean(headline)
    for name in ("title", "h1"):
        tag = soup.find(name)
        if isinstance(tag, Tag) and _clean(tag.get_text()):
            return _clean(tag.get_text())
    return None


def _byline(soup: BeautifulSoup, metas: dict[str, str], ld: list[dict[str, object]]) -> str | None:
    author = _clean(metas.get("author"))
    if author:
        return author
    article_author = _clean(metas.get("article:author"))
    if article_author and not re.match(r"https?://|www\.", article_author):
        return article_author
    for obj in ld:
        names = _names(obj.get("author"))
        if names:
            return join_names(names)
    rel = [a for a in soup.find_all("a") if "author" in attr(a, "rel").lower().split()]
    names = [n for n in (_clean(a.get_text()) for a in rel) if n]
    if names:
        return join_names(names)
    for tag in soup.find_all(True):
        if "byline" in classes(tag) or "author-name" in classes(tag):
            text = _clean(_BY.sub("", node_text([tag]).replace("\n", " ")))
            if text:
                return text
    return None


def _published(
    soup: BeautifulSoup, metas: dict[str, str], ld: list[dict[str, object]]
) -> datetime | None:
    if "article:published_time" in metas:
        stamp = parse_timestamp(metas["article:published_time"])
        if stamp is not None:
            return stamp
    for obj in ld:
        value = obj.get("datePublished")
        if isinstance(value, str) and (stamp := parse_timestamp(value)) is not None:
            return stamp
    times = soup.find_all("time")
    preferred = [
        t for t in times if t.has_attr("pubdate") or attr(t, "itemprop") == "datePublished"
    ]
    for tag in preferred + times:
        stamp = parse_timestamp(attr(tag, "datetime"))
        if stamp is not None:
            return stamp
    for key in _DATE_META:
        if key in metas and (stamp := parse_timestamp(metas[key])) is not None:
            return stamp
    return None


def read_meta(soup: BeautifulSoup) -> Meta:
    """The article's title, byline and publication time from the page; see the module docstring."""
    metas = _meta_values(soup)
    ld = _json_ld(soup)
    return Meta(_title(soup, metas, ld), _byline(soup, metas, ld), _published(soup, metas, ld))
