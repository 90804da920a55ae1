"""Static HTML pages: a post card (X's embed document, Mastodon's post page and embed,
Bluesky's embed), a notice page (404, 410, tombstones) and the non-JSON garbage page."""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.emulator.text import escape_html

_STYLE = """
body{margin:0;padding:16px;background:#fff;font:15px/1.4 system-ui,-apple-system,
"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#0f1419}
.card{max-width:550px;border:1px solid #cfd9de;border-radius:12px;padding:12px 16px}
.author{display:flex;align-items:center;gap:8px}
.author img{width:48px;height:48px;border-radius:50%;background:#ccd6dd}
.name{font-weight:700}.handle,.date,.provider{color:#536471}
.text{margin:12px 0;white-space:normal;word-wrap:break-word}
.text a{color:#1d9bf0;text-decoration:none}.invisible{display:none}
.ellipsis::after{content:"…"}
.media{display:grid;gap:2px;border-radius:12px;overflow:hidden;margin-bottom:12px}
.media img{width:100%;display:block}
.quote{border:1px solid #cfd9de;border-radius:12px;padding:8px 12px;margin-bottom:12px}
.notice{max-width:550px;border:1px solid #cfd9de;border-radius:12px;padding:16px;
background:#f7f9f9;color:#536471}
"""


@dataclass
class Card:
    """What a post card shows. ``text_html`` is already HTML; everything else is plain."""

    provider: str
    name: str
    handle: str
    avatar: str
    text_html: str
    date: str
    permalink: str
    images: list[str] = field(default_factory=list)
    quote_html: str = ""
    lang: str = "en"
    meta: dict[str, str] = field(default_factory=dict)


def document(title: str, body: str, *, meta: dict[str, str] | None = None) -> str:
    """A whole HTML document."""
    tags = "".join(
        f'<meta property="{escape_html(key)}" content="{escape_html(value)}">'
        for key, value in (meta or {}).items()
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape_html(title)}</title>{tags}<style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def card_html(card: Card) -> str:
    """The card's ``<article>`` element."""
    images = "".join(f'<img src="{escape_html(url)}" alt="">' for url in card.images)
    media = f'<div class="media">{images}</div>' if images else ""
    return (
        f'<article class="card" lang="{escape_html(card.lang)}">'
        f'<div class="author"><img src="{escape_html(card.avatar)}" alt="">'
        f'<div><div class="name">{escape_html(card.name)}</div>'
        f'<div class="handle">{escape_html(card.handle)}</div></div></div>'
        f'<div class="text">{card.text_html}</div>{media}{card.quote_html}'
        f'<div><a class="date" href="{escape_html(card.permalink)}">'
        f"<time>{escape_html(card.date)}</time></a> · "
        f'<span class="provider">{escape_html(card.provider)}</span></div></article>'
    )


def card_page(card: Card) -> str:
    """A document showing one post card."""
    title = f"{card.name} ({card.handle}) on {card.provider}"
    return document(title, card_html(card), meta=card.meta)


def notice_page(title: str, message: str) -> str:
    """A document with one grey notice box (not found, gone, tombstone text)."""
    return document(title, f'<div class="notice">{escape_html(message)}</div>')


def garbage_page() -> str:
    """What a proxy or bot wall answers instead of JSON."""
    return document(
        "Just a moment...",
        "<noscript>Enable JavaScript and cookies to continue</noscript>"
        '<div id="challenge-running">Checking if the site connection is secure</div>',
    )
