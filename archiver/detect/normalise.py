"""What counts as a post's content for edit detection, spelled so that differences which are
not edits vanish (SPEC §4, Event ``kind``: text or media changed; counts never count).

Text is compared after Unicode NFC, whitespace and line-ending normalisation and link
canonicalisation (scheme, host case, default ports, tracking parameters, ``t.co`` codes); letter
case and punctuation are kept, so changing them is an edit. Media are compared as a set of
stable identities (size, format and CDN spellings of one file are one identity); the quoted post
by its ID, else its canonical URL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from archiver.domain import PostData


@dataclass(frozen=True, slots=True)
class Content:
    """A post's content as edit detection sees it: equal contents mean "not edited"."""

    text: str
    media: frozenset[str]
    quoted: str | None


# --- Text ---------------------------------------------------------------------------------

#: A placeholder for every ``t.co`` short link: X re-shortens links, and a new code is no edit.
TCO_PLACEHOLDER = "<t.co>"

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")  # invisible; ZWJ/ZWNJ are kept (they matter)
_INLINE_SPACE = re.compile(r"[^\S\n]+")
#: Characters that end a sentence around a link rather than belonging to it.
_TRAILING = frozenset(".,;:!?'\"\u00bb\u201d\u2019\u2026")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST_PORT = re.compile(r"(\[[^\]]*\]|[^:]*)(?::(\d*))?")
_X_HOSTS = frozenset(
    {"x.com", "twitter.com", "www.x.com", "www.twitter.com", "mobile.twitter.com", "mobile.x.com"}
)
#: Query parameters that only say where a reader came from (besides every ``utm_*``): click
#: IDs of ad and social networks, newsletter and marketing-automation tags, share markers.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src",
        "ref_url", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
        "srsltid", "_ga", "_gl",
    }
)  # fmt: skip
_X_TRACKING = frozenset({"s", "t"})


def normalise_text(text: str) -> str:
    """``text`` as compared: NFC, links canonical, whitespace runs in a line collapsed to one
    space, trailing spaces and zero-width characters dropped, line endings ``\\n``, stripped.

    Letter case and punctuation are kept: changing them is an edit.
    """
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))
    text = _URL.sub(_canonical_match, text)
    lines = (_INLINE_SPACE.sub(" ", line).rstrip() for line in text.splitlines())
    return "\n".join(lines).strip()


def _canonical_match(match: re.Match[str]) -> str:
    url, tail = _split_tail(match.group(0))
    return canonical_url(url) + tail


def _split_tail(url: str) -> tuple[str, str]:
    """``url`` split into the link and the punctuation after it (``…/a).`` → ``…/a``, ``).``);
    a closing bracket stays when the link opened it (``…/Foo_(bar)``)."""
    end = len(url)
    while end > 0:
        last = url[end - 1]
        opener = _CLOSERS.get(last)
        if opener is not None:
            if url.count(opener, 0, end) >= url.count(last, 0, end):
                break
        elif last not in _TRAILING:
            break
        end -= 1
    return url[:end], url[end:]


def canonical_url(url: str) -> str:
    """``url`` spelled canonically: scheme ``https`` (``http`` is the same link to a reader),
    host lower-case, default port and a bare ``/`` path dropped, tracking parameters removed
    (see :func:`without_tracking`). Any ``t.co`` short link becomes :data:`TCO_PLACEHOLDER`.
    Something that is not an absolute http(s) URL is returned unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    hostport = parts.netloc.rpartition("@")[2]
    userinfo = parts.netloc[: len(parts.netloc) - len(hostport)]
    found = _HOST_PORT.fullmatch(hostport)
    if scheme not in _DEFAULT_PORTS or found is None or not found.group(1):
        return url
    host, port = found.group(1).lower(), found.group(2) or ""
    if host == "t.co":
        return TCO_PLACEHOLDER
    if port == _DEFAULT_PORTS[scheme]:
        port = ""
    netloc = userinfo + host + (f":{port}" if port else "")
    path = "" if parts.path == "/" else parts.path
    query = without_tracking(parts.query, x_link=host in _X_HOSTS)
    return (
        f"https://{netloc}{path}"
        + (f"?{query}" if query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def without_tracking(query: str, *, x_link: bool = False) -> str:
    """``query`` without tracking parameters (``utm_*`` and :data:`TRACKING_PARAMETERS`; ``s``
    and ``t`` too on an X link); the rest keeps its order and spelling."""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = unquote(pair.partition("=")[0]).lower()
        if key.startswith("utm_") or key in TRACKING_PARAMETERS or (x_link and key in _X_TRACKING):
            continue
        kept.append(pair)
    return "&".join(kept)


# --- Media --------------------------------------------------------------------------------

_TWIMG_SIZE = re.compile(r":[A-Za-z0-9]+$")  # ABC.jpg:orig, ABC.jpg:large
_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|heic|bmp|mp4|m3u8)$", re.IGNORECASE)
_X_VIDEO_KINDS = frozenset({"ext_tw_video", "amplify_video"})


def media_identity(url: str) -> str:
    """A stable identity of the media file at ``url``: every size and format of one picture
    has the same identity.

    - X ``pbs.twimg.com``: the path without ``:orig``-style suffix, extension or query
      (``media/ABC.jpg?name=small`` = ``media/ABC?format=jpg&name=large`` = ``media/ABC.jpg:orig``);
      X videos: the media ID (``video.twimg.com/amplify_video/ID``), whatever the variant.
    - Bluesky: ``bsky:DID/CID`` from ``cdn.bsky.app/img/PRESET/plain/DID/CID@FORMAT``,
      ``video.bsky.app/watch/DID/CID/…`` or ``com.atproto.sync.getBlob?did=…&cid=…``.
    - Mastodon: ``mastodon:media_attachments/…`` (the path, without host, ``cache/`` prefix or
      query, so a media CDN move is no edit).
    - Anything else: host and path, without scheme, query or fragment (CDN query strings carry
      sizes and expiring signatures).
    """
    raw = url.strip()
    try:
        parts = urlsplit(raw)
    except ValueError:
        return raw
    found = _HOST_PORT.fullmatch(parts.netloc.rpartition("@")[2])
    host = found.group(1).lower() if found else ""
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not host:
        return raw
    if (host == "twimg.com" or host.endswith(".twimg.com")) and segments:
        return _twimg_identity(host, segments)
    if bluesky := _bluesky_identity(parts.path, parts.query, segments):
        return bluesky
    if "media_attachments" in segments:
        return "mastodon:" + "/".join(segments[segments.index("media_attachments") :])
    return host + parts.path


def _twimg_identity(host: str, segments: list[str]) -> str:
    if host == "video.twimg.com" and segments[0] in _X_VIDEO_KINDS and len(segments) > 1:
        return f"{host}/{segments[0]}/{segments[1]}"
    last = _EXTENSION.sub("", _TWIMG_SIZE.sub("", segments[-1]))
    return "/".join([host, *segments[:-1], last])


def _bluesky_identity(path: str, query: str, segments: list[str]) -> str | None:
    if path.endswith("com.atproto.sync.getBlob"):
        params = parse_qs(query)
        did, cid = params.get("did", [""])[0], params.get("cid", [""])[0]
        return f"bsky:{did}/{cid}" if did and cid else None
    for index, segment in enumerate(segments[:-1]):
        if segment.startswith("did:"):
            cid = segments[index + 1].partition("@")[0]
            return f"bsky:{segment}/{cid}"
    return None


# --- Posts and snapshots ------------------------------------------------------------------


def content_from_post(data: PostData) -> Content:
    """The content of a post as the platform served it."""
    quoted = data.quoted_post
    return Content(
        text=normalise_text(data.text),
        media=frozenset(media_identity(m.url) for m in data.media),
        quoted=_quoted_identity(quoted.id, quoted.url) if quoted else None,
    )


def content_from_snapshot(
    text: str,
    media: Sequence[Mapping[str, Any]],
    quoted_post: Mapping[str, Any] | None,
) -> Content:
    """The content of a stored snapshot (its ``text``, ``media`` and ``quoted_post`` columns)."""
    urls = (entry.get("url") for entry in media)
    return Content(
        text=normalise_text(text),
        media=frozenset(media_identity(u) for u in urls if isinstance(u, str) and u.strip()),
        quoted=(
            _quoted_identity(quoted_post.get("id"), quoted_post.get("url")) if quoted_post else None
        ),
    )


def _quoted_identity(post_id: object, url: object) -> str | None:
    """The quoted post's ID, else its canonical URL, else ``None``."""
    if isinstance(post_id, str) and post_id.strip():
        return post_id.strip()
    if isinstance(url, str) and url.strip():
        return canonical_url(url.strip())
    return None
