"""Reading a web page as a post: what the page says about itself (OpenGraph ``og:`` and
``article:`` tags, Twitter card tags, ``<title>``, ``<meta name=author>``, ``<link
rel=canonical>``, schema.org JSON-LD) and its oEmbed answer. (Whether an answer is a page at
all, and files that are not HTML: :mod:`web_answer`.)

What edit detection compares, the text and the picture, comes from the page alone and never
from oEmbed: a provider that answers one check and not the next must not make a page look
edited.

- Text: the title (``og:title``, ``twitter:title``, JSON-LD ``headline``, ``<title>``), a blank
  line, the main text (:mod:`web_text`; its first block dropped when it repeats the title), or
  the page's description (``og:``, ``twitter:`` or ``<meta name=description>``) when there is
  no main text; cut at :data:`web_text.TEXT_MAX_CHARS`, saying so in ``extra``.
- Author: oEmbed's ``author_name`` and ``author_url``, else JSON-LD ``author``, else ``<meta
  name=author>`` or ``article:author`` (a profile URL there is the author's URL).
- Posted: ``article:published_time``, JSON-LD ``datePublished`` or ``itemprop`` microdata;
  edited: ``article:modified_time``, ``og:updated_time``, JSON-LD ``dateModified`` (when
  later than the publication: many sites give the same time for both).
- Picture: ``og:image`` (else ``twitter:image``), with its alt text and size.
- ``extra``: title, description, site name, ``og:type``, the declared canonical URL, the URL
  read after redirects, the JSON-LD ``@type``, and oEmbed's fields or why it could not be had.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from archiver.domain import Author, Media, MediaType, PostData
from archiver.platforms._values import author, integer, items, obj, string, timestamp
from archiver.platforms.html_page import Page, Script, find_object, json_scripts
from archiver.platforms.web_text import capped

#: Every web answer is read the same way, so every snapshot of a page is compared with the last.
SOURCE: Final = "page"
OEMBED_TYPE: Final = "application/json+oembed"
_OEMBED_FIELDS: Final = (
    "type", "title", "author_name", "author_url", "provider_name", "provider_url",
    "thumbnail_url",
)  # fmt: skip
#: schema.org types of a page's main item, preferred over any other JSON-LD node.
_ARTICLE_TYPES: Final = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "backgroundnewsarticle", "liveblogposting", "socialmediaposting",
        "scholarlyarticle", "techarticle", "report", "review", "videoobject", "podcastepisode",
    }
)  # fmt: skip
_LANG_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_MAX_LANG: Final = 16


def oembed_link(page: Page, base: str) -> str | None:
    """The page's JSON oEmbed discovery link, absolute, if it has an http(s) one."""
    href = page.alternates.get(OEMBED_TYPE)
    return absolute(base, href) if href else None


def absolute(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, if that is an http(s) URL."""
    try:
        found = urljoin(base, href.strip())
        scheme = urlsplit(found).scheme
    except ValueError:
        return None
    return found if scheme in ("http", "https") else None


def read_oembed(payload: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The fields kept of an oEmbed answer, or ``None`` if the body is not one (oEmbed 1.0:
    an object with a ``type``)."""
    if payload is None or string(payload.get("type")) is None:
        return None
    return {name: str(payload[name]) for name in _OEMBED_FIELDS if string(payload.get(name))}


def linked_data(page: Page) -> dict[str, Any]:
    """The page's main JSON-LD item: the first of an article-like type, else the first with a
    headline or a publication date; empty if there is none."""

    def ld_json(script: Script) -> bool:
        return script.type == "application/ld+json"

    def typed(node: dict[str, Any]) -> bool:
        return bool(_types(node) & _ARTICLE_TYPES)

    def dated(node: dict[str, Any]) -> bool:
        return "headline" in node or "datePublished" in node

    blobs = list(json_scripts(page, ld_json))
    for wanted in (typed, dated):
        for blob in blobs:
            found = find_object(blob, wanted)
            if found is not None:
                return found
    return {}


def _types(node: Mapping[str, Any]) -> frozenset[str]:
    kinds = node.get("@type")
    values = kinds if isinstance(kinds, list) else [kinds]
    return frozenset(value.lower() for value in values if isinstance(value, str))


def read_page(
    post_id: str,
    url: str,
    read_at: str,
    page: Page,
    main: str | None,
    oembed: Mapping[str, str] | None,
    oembed_error: str | None,
) -> PostData:
    """An HTML page as a post: ``url`` is the page's normalised URL, ``read_at`` where it was
    read (after redirects), ``main`` its main text, ``oembed`` its oEmbed fields."""
    meta, item = page.meta, linked_data(page)
    title = _clean(
        meta.get("og:title") or meta.get("twitter:title") or _text(item.get("headline"))
    ) or _clean(page.title)
    description = _clean(
        meta.get("og:description") or meta.get("twitter:description") or meta.get("description")
    )
    text, cut = capped(_compose(title, main, description))
    posted_at = _first_time(
        meta.get("article:published_time"), item.get("datePublished"), meta.get("datepublished")
    )
    edited_at = _first_time(
        meta.get("article:modified_time"),
        meta.get("og:updated_time"),
        item.get("dateModified"),
        meta.get("datemodified"),
    )
    extra: dict[str, Any] = {"source": SOURCE, "read_at": read_at}
    canonical = page.links.get("canonical")
    for name, value in (
        ("title", title),
        ("description", description),
        ("site_name", meta.get("og:site_name") or _text(obj(item.get("publisher")).get("name"))),
        ("og_type", meta.get("og:type")),
        ("canonical", absolute(read_at, canonical) if canonical else None),
        ("schema_type", item.get("@type") if isinstance(item.get("@type"), str) else None),
        ("main_text", main is not None),
        ("oembed", dict(oembed) if oembed else None),
        ("oembed_error", oembed_error),
    ):
        if value not in (None, ""):
            extra[name] = value
    if cut:
        extra |= {"text_cut": True, "text_length": len(_compose(title, main, description))}
    return PostData(
        post_id=post_id,
        url=url,
        text=text,
        author=_author(meta, item, oembed or {}, read_at),
        posted_at=posted_at,
        lang=_lang(page.lang),
        media=_picture(meta, read_at),
        # Many sites give a modified time equal to the published one: that is no edit.
        edited_at=edited_at if posted_at is None or (edited_at or posted_at) > posted_at else None,
        extra=extra,
    )


def _compose(title: str | None, main: str | None, description: str | None) -> str:
    """Title, a blank line, and the main text (without a first block repeating the title),
    or the description when there is no main text."""
    body = main if main is not None else description or ""
    first, _, rest = body.partition("\n\n")
    if title and _clean(first).casefold() == title.casefold():
        body = rest
    return "\n\n".join(part for part in (title, body) if part)


def _clean(value: object) -> str:
    """A one-line value with its runs of white space collapsed."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _text(value: object) -> str | None:
    """A JSON-LD text value: a string, or the first string of a list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v), None)
    return string(value)


def _first_time(*values: object) -> datetime | None:
    return next((t for t in map(_timestamp, values) if t is not None), None)


def _timestamp(value: object) -> datetime | None:
    return timestamp(_text(value))


def _author(
    meta: Mapping[str, str], item: Mapping[str, Any], oembed: Mapping[str, str], base: str
) -> Author | None:
    """oEmbed's author, else JSON-LD's (names joined), else the page's ``<meta>``."""
    if oembed.get("author_name"):
        link = oembed.get("author_url")
        return author(None, None, oembed["author_name"], absolute(base, link) if link else None)
    people = [obj(p) if isinstance(p, dict) else {"name": p} for p in _listed(item.get("author"))]
    names = [_clean(p.get("name")) for p in people if _clean(p.get("name"))]
    if names:
        link = next((string(p.get("url")) for p in people if string(p.get("url"))), None)
        return author(None, None, ", ".join(names), absolute(base, link) if link else None)
    named = _clean(meta.get("author"))
    profile = meta.get("article:author", "")
    link = absolute(base, profile) if profile.startswith(("http://", "https://")) else None
    if not named and not link:
        named = _clean(profile)
    return author(None, None, named or None, link)


def _listed(value: object) -> list[Any]:
    return items(value) if isinstance(value, list) else [value] if value else []


def _picture(meta: Mapping[str, str], base: str) -> tuple[Media, ...]:
    href = (
        meta.get("og:image")
        or meta.get("og:image:url")
        or meta.get("twitter:image")
        or meta.get("twitter:image:src")
    )
    url = absolute(base, href) if href else None
    if url is None:
        return ()
    alt = _clean(meta.get("og:image:alt") or meta.get("twitter:image:alt")) or None
    size = integer(meta.get("og:image:width")), integer(meta.get("og:image:height"))
    return (Media(MediaType.PHOTO, url, alt, *size),)


def _lang(value: str | None) -> str | None:
    """A language tag (``en``, ``pt-BR``) as the page declares it, if it looks like one."""
    if not value or len(value) > _MAX_LANG or not set(value) <= _LANG_CHARS:
        return None
    return value
