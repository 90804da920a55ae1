"""Which URLs name a post, and how an article's post URL is written down.

The one place that knows post URL shapes for article reading. The social platforms Archiver
captures are recognised by their adapters (:func:`archiver.platforms.match_url`): X, Mastodon
(Truth Social among them), Bluesky, Threads, Reddit, Telegram and YouTube. Instagram, TikTok
and Facebook, which articles embed but Archiver does not capture, are recognised by the small
patterns below; so are Threads, Reddit, YouTube and Telegram, whose embeds and links come in
more shapes than their adapters claim (comment permalinks, players, widgets). The generic web
adapter takes any public page, but an article's ordinary links are not posts: a URL that only
it claims is no post URL here.

A post URL is kept as the article gives it, less what does not name the post: the query string
and fragment (``?ref_src=…``, ``?s=20``, ``?utm_…``) and an embed suffix (``/embed``). Where only
an embed form exists (an AT-URI, a YouTube player, a Telegram widget) the post's public address
is built instead. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, urlsplit

from archiver.domain import Platform
from archiver.platforms import match_url

#: Longer strings are not taken for URLs at all (an attribute stuffed with junk).
MAX_URL_LENGTH: Final = 2048

_EMBED_SUFFIX: Final = re.compile(r"/embed(?:/captioned|/v2)?/?$")

_THREADS: Final = re.compile(
    r"(?:www\.)?threads\.(?:net|com)/(?:@[\w.]{1,60}/post|t)/[\w-]{5,40}", re.ASCII
)
_INSTAGRAM: Final = re.compile(
    r"(?:www\.)?instagram\.com/(?:[\w.]{1,60}/)?(?:p|reels?|tv)/[\w-]{5,40}", re.ASCII
)
_TIKTOK: Final = re.compile(
    r"(?:(?:www|m)\.)?tiktok\.com/@[\w.-]{1,60}/(?:video|photo)/\d{5,25}"
    r"|(?:vm|vt)\.tiktok\.com/[\w-]{4,20}|(?:www\.)?tiktok\.com/t/[\w-]{4,20}",
    re.ASCII,
)
_FACEBOOK_PATH: Final = re.compile(
    r"(?:(?:www|m|web|mbasic)\.)?facebook\.com/"
    r"(?:[\w.-]{1,80}/(?:posts|videos|photos(?:/[\w.-]{1,80})?)/[\w.:-]{1,80}"
    r"|reel/\d{1,25}|share/[pvr]/[\w-]{4,40}|groups/[\w.-]{1,80}/(?:posts|permalink)/\d{1,25})"
    r"|fb\.watch/[\w-]{4,20}",
    re.ASCII,
)
_FACEBOOK_QUERY: Final = re.compile(
    r"(?:(?:www|m|web|mbasic)\.)?facebook\.com/(?:permalink|story|photo|video)\.php"
    r"|(?:(?:www|m|web|mbasic)\.)?facebook\.com/(?:photo|watch)/?",
    re.ASCII,
)
#: The query parameters that name a Facebook post on its ``*.php`` / ``watch`` pages.
_FACEBOOK_KEYS: Final = ("story_fbid", "fbid", "v", "id")
_REDDIT: Final = re.compile(
    r"(?:[\w-]{1,20}\.)?reddit\.com/(?:(?:r|u|user)/[\w-]{1,40}/)?comments/[a-z0-9]{2,12}"
    r"(?:/[^/?#]{0,300}(?:/[a-z0-9]{2,12})?)?"
    r"|redd\.it/[a-z0-9]{2,12}",
    re.ASCII,
)
_YOUTUBE_ID: Final = r"[\w-]{11}"
_YOUTUBE_PATH: Final = re.compile(
    r"(?:(?:(?:www|m|music)\.)?youtube(?:-nocookie)?\.com/(?:embed|shorts|live|v)|youtu\.be)"
    rf"/(?P<id>{_YOUTUBE_ID})(?![\w-])",
    re.ASCII,
)
_YOUTUBE_WATCH: Final = re.compile(r"(?:(?:www|m|music)\.)?youtube\.com/watch", re.ASCII)
_TELEGRAM: Final = re.compile(
    r"(?:t|telegram)\.me/(?:s/)?(?P<channel>[A-Za-z][\w]{3,31})/(?P<id>\d{1,12})", re.ASCII
)
_TELEGRAM_RESERVED: Final = frozenset({"joinchat", "addstickers", "share", "proxy", "socks"})

#: Platforms recognised here without an adapter, keyed by their patterns (order matters little:
#: the hosts are distinct).
_PATH_PATTERNS: Final = (_THREADS, _INSTAGRAM, _TIKTOK, _FACEBOOK_PATH, _REDDIT)


def _absolute(url: str) -> str:
    """``url`` with a scheme: a protocol-relative ``//host/…`` is taken as https."""
    url = url.strip()
    return f"https:{url}" if url.startswith("//") else url


def post_url(url: str) -> str | None:
    """The post URL that ``url`` names, as the article should list it, or ``None``.

    ``url`` may be any http(s) link, protocol-relative link, or Bluesky AT-URI.
    """
    url = _absolute(url)
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return None
    if url[:5].lower() == "at://":
        ref = match_url(url)
        return ref.canonical_url if ref is not None else None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    path = parts.path
    bare = f"{parts.scheme.lower()}://{parts.netloc}{path}"
    known = _known_platform(host, path, parts.query)
    if known is not None:
        return known
    ref = match_url(url)
    if ref is None or ref.platform is Platform.WEB:
        return None
    if ref.platform is Platform.MASTODON:
        bare = _EMBED_SUFFIX.sub("", bare)
    return bare


def _known_platform(host: str, path: str, query: str) -> str | None:
    """The post URL for the platforms recognised here (not by an adapter), else ``None``."""
    where = host + path
    youtube = _YOUTUBE_PATH.match(where)
    if youtube is not None:
        return f"https://www.youtube.com/watch?v={youtube['id']}"
    if _YOUTUBE_WATCH.fullmatch(where.rstrip("/")):
        video = parse_qs(query).get("v", [""])[0]
        return (
            f"https://www.youtube.com/watch?v={video}" if re.fullmatch(_YOUTUBE_ID, video) else None
        )
    telegram = _TELEGRAM.fullmatch(where.rstrip("/"))
    if telegram is not None:
        if telegram["channel"].lower() in _TELEGRAM_RESERVED:
            return None
        return f"https://t.me/{telegram['channel']}/{telegram['id']}"
    if _FACEBOOK_QUERY.fullmatch(where):
        return _facebook_query_url(host, path, query)
    if host.endswith("facebook.com") and path.startswith("/plugins/"):
        target = parse_qs(query).get("href", [""])[0]
        return post_url(target) if target and "/plugins/" not in target else None
    trimmed = _EMBED_SUFFIX.sub("", where)
    for pattern in _PATH_PATTERNS:
        if pattern.fullmatch(trimmed) or pattern.fullmatch(trimmed.removesuffix("/")):
            return f"https://{trimmed}"
    return None


def _facebook_query_url(host: str, path: str, query: str) -> str | None:
    """A Facebook ``permalink.php?story_fbid=…&id=…``-style URL with only the naming keys."""
    values = parse_qs(query)
    kept = [(key, values[key][0]) for key in _FACEBOOK_KEYS if values.get(key)]
    if not any(key != "id" for key, _ in kept):
        return None
    return f"https://{host}{path}?" + "&".join(f"{key}={value}" for key, value in kept)


def is_post_url(url: str) -> bool:
    """Whether ``url`` names a post on a platform Archiver knows."""
    return post_url(url) is not None
