"""How a snapshot is cited: its permanent URL, a Robust Link, the APA, MLA and Chicago forms of
a social media post, and the Memento headers of its page.

The forms follow each style's published rule for social media posts:

- **APA 7** (Publication Manual §10.15; "[Post]" and "X" since the platform's renaming):
  ``Author [@handle]. (Year, Month Day). First twenty words [Image attached] [Post]. Site. URL``.
  The URL is the snapshot's permanent one: APA asks for the archived copy's stable link when
  there is one.
- **MLA 9**: ``Author [@handle]. "Full text." Site, Day Mon. Year, time, URL-without-scheme.``
  then the archive as a second container: ``Archiver, Day Mon. Year, URL.``
- **Chicago 17** (§14.209, note form; archived copies as in the CMOS Q&A on the Wayback
  Machine): ``Author (@handle), "Text up to 160 characters," Site, Month Day, Year, time,
  archived Month Day, Year, at Archiver, URL.``

Invisible and direction-changing characters of the text and the author's name are written as
markers (``⟨U+202E⟩``, :mod:`archiver.web.invisible`): a citation pasted elsewhere must not
read differently from what the post holds.

Times are UTC (the post's author's zone is unknown; MLA notes the same ambiguity). Names are
given as the account shows them: whether a display name is a person's (to be inverted, "Last,
F.") or a group's cannot be told reliably, so it is never inverted.

Pure: computed from the post and snapshot rows as given; no I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Final
from urllib.parse import quote, urlsplit

from archiver import urls
from archiver.db.models import Post, Snapshot
from archiver.domain import Platform
from archiver.web.invisible import reveal_text

ARCHIVE_NAME: Final = "Archiver"
_SITES: Final = {
    Platform.X: "X",
    Platform.MASTODON: "Mastodon",
    Platform.BLUESKY: "Bluesky",
    Platform.THREADS: "Threads",
    Platform.REDDIT: "Reddit",
    Platform.TELEGRAM: "Telegram",
    Platform.YOUTUBE: "YouTube",
}
#: Servers whose own name is better known than "Mastodon".
_SERVER_NAMES: Final = {"truthsocial.com": "Truth Social"}
_APA_KIND: Final = {Platform.YOUTUBE: "Video", Platform.REDDIT: "Online forum post"}
_ATTACHED: Final = {"photo": "Image", "gif": "Image", "image": "Image", "video": "Video"}
_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MLA_MONTHS: Final = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
)  # fmt: skip
#: Typographic quotes: double around a quoted title, single for the quotes inside it.
_OPEN, _CLOSE, _INNER_OPEN, _INNER_CLOSE = "\u201c", "\u201d", "\u2018", "\u2019"
APA_WORDS: Final = 20
CHICAGO_CHARS: Final = 160
#: What a URL in an HTTP header may hold as it is; anything else is percent-encoded.
_HEADER_SAFE: Final = "!#$%&'()*+,/:;=?@[]~"


@dataclass(frozen=True, slots=True)
class Cited:
    """What a citation of one snapshot needs to know."""

    platform: Platform
    original_url: str
    snapshot_url: str
    captured_at: datetime
    text: str
    author_name: str | None
    author_handle: str | None
    posted_at: datetime | None
    host: str | None = None
    media_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    """The ways to cite a snapshot (SPEC §5, ``citation``)."""

    url: str
    robust_link_html: str
    apa: str
    mla: str
    chicago: str


def cited(post: Post, snapshot: Snapshot, *, base: str) -> Cited:
    """The facts of ``snapshot`` of ``post`` for citing; ``base`` is the service's root URL."""
    return Cited(
        platform=post.platform,
        original_url=post.canonical_url,
        snapshot_url=base.rstrip("/") + urls.snapshot_page(snapshot.id),
        captured_at=snapshot.captured_at,
        text=snapshot.text,
        author_name=snapshot.author_name or post.author_name,
        author_handle=snapshot.author_handle or post.author_handle,
        posted_at=snapshot.posted_at or post.posted_at,
        host=post.host,
        media_types=tuple(str(m.get("type", "")) for m in snapshot.media),
    )


def cite(c: Cited) -> Citation:
    """Every form of citation of ``c``."""
    return Citation(c.snapshot_url, robust_link(c), apa(c), mla(c), chicago(c))


# --- The forms ----------------------------------------------------------------------------


def robust_link(c: Cited) -> str:
    """A Robust Link (robustlinks.mementoweb.org): the original in ``href``, the snapshot and
    its date in ``data-versionurl`` and ``data-versiondate``."""
    label = f"{_who(c, '(', ')')} on {site_name(c)}"
    if c.posted_at is not None:
        label += f", {_long_date(c.posted_at)}"
    original = html.escape(c.original_url, quote=True)
    return (
        f'<a href="{original}" data-originalurl="{original}" '
        f'data-versionurl="{html.escape(c.snapshot_url, quote=True)}" '
        f'data-versiondate="{c.captured_at.astimezone(UTC).date().isoformat()}">'
        f"{html.escape(label, quote=False)}</a>"
    )


def apa(c: Cited) -> str:
    """APA 7: author [@handle]. (date). first 20 words [attachments] [Post]. Site. URL"""
    author = _who(c, "[", "]")
    when = "n.d." if c.posted_at is None else _apa_date(c.posted_at)
    title = " ".join(_flat(c.text).split()[:APA_WORDS])
    attached = [f"[{kind} attached]" for kind in _attachments(c)]
    kind = f"[{_APA_KIND.get(c.platform, 'Post')}]"
    described = " ".join([*([title] if title else []), *attached, kind])
    lead = f"{_end(author)} ({when})." if author else f"{described}. ({when})."
    body = f" {described}." if author else ""
    return f"{lead}{body} {site_name(c)}. {c.snapshot_url}"


def mla(c: Cited) -> str:
    """MLA 9: author [@handle]. "Text." Site, date, time, URL. Archiver, date, URL."""
    author = _who(c, "[", "]")
    text = _flat(c.text)
    parts = [_end(author)] if author else []
    parts.append(_title(text, ".") if text else f"{_untitled(c)}.")
    published = [site_name(c)]
    if c.posted_at is not None:
        published += [_mla_date(c.posted_at), _clock(c.posted_at)]
    published.append(_bare(c.original_url))
    parts.append(", ".join(published) + ".")
    parts.append(f"{ARCHIVE_NAME}, {_mla_date(c.captured_at)}, {_bare(c.snapshot_url)}.")
    return " ".join(parts)


def chicago(c: Cited) -> str:
    """Chicago 17 note: author (@handle), "Text," Site, date, time, archived date, at
    Archiver, URL."""
    text = _flat(c.text)
    if len(text) > CHICAGO_CHARS:
        text = text[: CHICAGO_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
    author = _who(c, "(", ")")
    lead = f"{author}, " if author else ""
    title = _title(text, ",") if text else f"{_untitled(c)},"
    rest = [site_name(c)]
    if c.posted_at is not None:
        rest += [_long_date(c.posted_at), _clock(c.posted_at)]
    rest.append(f"archived {_long_date(c.captured_at)}, at {ARCHIVE_NAME}, {c.snapshot_url}")
    return f"{lead}{title} {', '.join(rest)}."


# --- Memento --------------------------------------------------------------------------------


def http_date(value: datetime) -> str:
    """RFC 1123 in GMT, as Memento-Datetime wants it: ``Wed, 01 May 2024 18:30:00 GMT``."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


def header_url(url: str) -> str:
    """``url`` safe inside an HTTP header's ``<…>``: non-ASCII, spaces, quotes and angle
    brackets percent-encoded."""
    return quote(url, safe=_HEADER_SAFE)


def memento_headers(*, original: str, base: str, captured_at: datetime) -> dict[str, str]:
    """The Memento headers of a snapshot page (RFC 7089 §2.1): its datetime, the original,
    the TimeGate and the TimeMap."""
    original = header_url(original)
    base = base.rstrip("/")
    return {
        "Memento-Datetime": http_date(captured_at),
        "Link": (
            f'<{original}>; rel="original", '
            f'<{base}{urls.timegate(original)}>; rel="timegate", '
            f'<{base}{urls.timemap_link(original)}>; rel="timemap"; '
            'type="application/link-format"'
        ),
    }


# --- Pieces ---------------------------------------------------------------------------------


def platform_name(platform: Platform, host: str | None, url: str) -> str:
    """A platform as a reader knows it (a known server by its own name); for the open web,
    the site's host."""
    if platform is Platform.MASTODON and host and host.lower() in _SERVER_NAMES:
        return _SERVER_NAMES[host.lower()]
    if platform in _SITES:
        return _SITES[platform]
    return (urlsplit(url).hostname or "").removeprefix("www.") or "the web"


def site_name(c: Cited) -> str:
    """The site a cited post is on."""
    return platform_name(c.platform, c.host, c.original_url)


def handle(c: Cited) -> str | None:
    """The account's handle with its ``@`` (and its server, on Mastodon), if known."""
    if not c.author_handle:
        return None
    bare = reveal_text(c.author_handle.lstrip("@"))
    if c.platform is Platform.MASTODON and "@" not in bare and c.host:
        bare = f"{bare}@{c.host}"
    return "@" + bare


def _who(c: Cited, left: str, right: str) -> str:
    """``Name [@handle]`` (brackets as the style wants), or whichever of the two is known."""
    name, at = reveal_text(c.author_name or "").strip(), handle(c)
    if name and at:
        return f"{name} {left}{at}{right}"
    return name or at or ""


def _flat(text: str) -> str:
    """The text on one line, its double quotes made single (they sit inside double ones)."""
    flat = re.sub(r"\s+", " ", reveal_text(text)).strip()
    flat = flat.replace(_OPEN, _INNER_OPEN).replace(_CLOSE, _INNER_CLOSE)
    pieces = flat.split('"')
    marks = [_INNER_OPEN if i % 2 == 0 else _INNER_CLOSE for i in range(len(pieces) - 1)]
    return "".join(piece + mark for piece, mark in zip(pieces, [*marks, ""], strict=True))


def _title(text: str, stop: str) -> str:
    """The text as a quoted title followed by ``stop``, American style (inside the quotes):
    a question or exclamation keeps its own mark and takes no other; a full stop gives way."""
    if text[-1] in "?!":
        return f"{_OPEN}{text}{_CLOSE}"
    if stop != "." and text[-1] == ".":
        text = text[:-1]
    return f"{_OPEN}{text}{'' if text.endswith(stop) else stop}{_CLOSE}"


def _untitled(c: Cited) -> str:
    """What an untitled post is, in words: ``Image``, ``Video`` or ``Post``."""
    kinds = _attachments(c)
    return kinds[0] if kinds else "Post"


def _attachments(c: Cited) -> list[str]:
    return list(dict.fromkeys(_ATTACHED[t] for t in c.media_types if t in _ATTACHED))


def _end(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _bare(url: str) -> str:
    return re.sub(r"^https?://", "", url)


def _apa_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.year}, {_MONTHS[utc.month - 1]} {utc.day}"


def _long_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{_MONTHS[utc.month - 1]} {utc.day}, {utc.year}"


def _mla_date(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.day} {_MLA_MONTHS[utc.month - 1]} {utc.year}"


def _clock(moment: datetime) -> str:
    """``6:30 p.m. UTC``."""
    utc = moment.astimezone(UTC)
    hour = utc.hour % 12 or 12
    return f"{hour}:{utc.minute:02d} {'a.m.' if utc.hour < 12 else 'p.m.'} UTC"
