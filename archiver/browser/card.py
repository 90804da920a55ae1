"""Archiver's own card of captured data, rendered when the platform's page cannot be (SPEC §7).

A self-contained HTML page from a Jinja2 template with autoescape: no script, no network, a
Content-Security-Policy that forbids both, and a banner saying it is not the platform's page.
Invisible and direction-changing characters are drawn as markers (``⟨U+202E⟩``) in their place
and counted in a note; a text longer than :data:`TEXT_MAX_CHARS` is cut, and the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from jinja2 import Environment, StrictUndefined

from archiver.web import invisible

BANNER = "Archiver's rendering of captured data \u2014 not the platform's page"
CARD_SELECTOR = "#archiver-card"
#: The most characters of a post's text the card shows (a 100 KB post would be a card tens of
#: thousands of pixels tall; the snapshot keeps the whole text).
TEXT_MAX_CHARS = 5000


@dataclass(frozen=True, slots=True)
class CardData:
    """What the card shows: the post as captured. ``platform`` is a display name ("X")."""

    platform: str
    author_name: str | None
    author_handle: str | None
    posted_at: datetime | None
    text: str
    captured_at: datetime
    post_url: str
    media_count: int = 0
    #: SHA-256 hex digests of the media files, in order, as far as they were downloaded.
    media_sha256: tuple[str, ...] = ()


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; script-src 'none'">
<title>Archiver card</title>
<style>
body{margin:0;padding:16px;background:#fff;color:#111;
font:15px/1.45 "DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif}
.card{max-width:550px;border:2px solid #7a5c00;border-radius:8px;overflow:hidden;background:#fff}
.banner{background:#fff3c4;color:#5c4500;font-weight:700;font-size:13px;padding:8px 14px;
border-bottom:1px solid #e0c060}
.body{padding:12px 14px}
.author{display:flex;flex-wrap:wrap;gap:0 8px;align-items:baseline}
.name{font-weight:700}.handle,.meta{color:#555}
.text{margin:12px 0;white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate}
.media{display:grid;grid-template-columns:1fr 1fr;gap:6px;margin-bottom:12px}
.placeholder{border:1px dashed #999;border-radius:6px;background:#f2f2f2;color:#555;
font-size:12px;padding:18px 8px;text-align:center;overflow-wrap:anywhere}
.note{color:#8a2b00;font-size:12px;margin-bottom:10px}
mark{color:#8a2b00;background:#fde8e4;border:1px dashed #8a2b00;border-radius:3px;
padding:0 2px;font:12px/1 "DejaVu Sans Mono",monospace;white-space:nowrap;unicode-bidi:isolate}
.meta{font-size:13px;border-top:1px solid #ddd;padding-top:8px}
.meta div{overflow-wrap:anywhere}
</style></head>
<body><article class="card" id="archiver-card">
<div class="banner">{{ banner }}</div>
<div class="body">
<div class="author"><span class="name"><bdi>{{ name|reveal }}</bdi></span>
<span class="handle"><bdi>{{ handle|reveal }}</bdi></span></div>
<div class="text" dir="auto">{{ text|reveal }}</div>
{%- if cut %}
<div class="note">The text is cut here: it is {{ cut }} characters long; the snapshot keeps all
of it.</div>
{%- endif %}
{%- if media %}
<div class="media">{% for item in media %}
<div class="placeholder">{{ item }}</div>{% endfor %}</div>
{%- endif %}
{%- if hidden %}
<div class="note">The captured data holds {{ hidden }} invisible or direction-changing
character{{ "" if hidden == 1 else "s" }} ({{ controls }}), each drawn as a marker in its
place.</div>
{%- endif %}
<div class="meta">
<div>{{ platform }} \u00b7 posted {{ posted }}</div>
<div><bdi>{{ post_url|reveal }}</bdi></div>
<div>Captured by Archiver {{ captured }}</div>
</div></div></article></body></html>
"""

_ENV = Environment(autoescape=True, undefined=StrictUndefined)
_ENV.filters["reveal"] = invisible.reveal_html
_CARD = _ENV.from_string(_TEMPLATE)


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _media_labels(card: CardData) -> list[str]:
    labels = []
    count = max(card.media_count, len(card.media_sha256))
    for index in range(count):
        digest = card.media_sha256[index] if index < len(card.media_sha256) else None
        detail = f"SHA-256 {digest[:16]}\u2026" if digest else "not downloaded"
        labels.append(f"Media {index + 1} of {count} (not shown) \u00b7 {detail}")
    return labels


def render_card_html(card: CardData) -> str:
    """The card as one self-contained HTML document; every value is escaped."""
    handle = card.author_handle or ""
    if handle and not handle.startswith("@"):
        handle = "@" + handle
    text = card.text
    cut = len(text) if len(text) > TEXT_MAX_CHARS else 0
    if cut:
        text = text[:TEXT_MAX_CHARS] + "\u2026"
    shown = (card.author_name, handle, text, card.platform, card.post_url)
    return _CARD.render(
        banner=BANNER,
        name=card.author_name or "(no name)",
        handle=handle,
        text=text,
        cut=f"{cut:,}" if cut else "",
        media=_media_labels(card),
        hidden=invisible.count(*shown),
        controls=", ".join(invisible.codes(*shown)),
        platform=card.platform,
        posted="at an unknown time" if card.posted_at is None else _utc(card.posted_at),
        post_url=card.post_url,
        captured=_utc(card.captured_at),
    )
