"""What a web answer is before it is read as a page: a page or a file, a bot check or firewall
in the page's place, or a detour (redirects to a login page, a consent wall, the site's front
page); and reading a file that is not HTML.

A file is kept as it is served (an archivist who submits a PDF wants the PDF): plain text and
JSON read as their own text; anything else as its file name, type, size and SHA-256, so a
replaced file reads as an edit. A body labelled JSON that does not parse is no answer.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from email.message import Message
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from archiver.domain import HttpExchange, PostData
from archiver.platforms._http import declares_json
from archiver.platforms.html_decode import decode_html
from archiver.platforms.html_page import is_html
from archiver.platforms.web_parse import SOURCE
from archiver.platforms.web_text import capped

#: Bot checks and firewalls that answer in a page's place: markers of their pages (lower
#: case, looked for in the first bytes of small answers only) and who sends them.
_WALLS: Final = (
    (b"<title>just a moment...</title>", "Cloudflare's bot check"),
    (b"_cf_chl_opt", "Cloudflare's bot check"),
    (b"<title>attention required! | cloudflare</title>", "Cloudflare's firewall"),
    (b"captcha-delivery.com", "DataDome's bot check"),
    (b"incapsula incident id", "Imperva's firewall"),
    (b"px-captcha", "HUMAN's bot check"),
    (b"<title>ddos-guard</title>", "DDoS-Guard's bot check"),
    (b"sucuri website firewall", "Sucuri's firewall"),
)
#: Interstitial pages are small; a page larger than this is the site's own.
_WALL_MAX_BYTES: Final = 64 * 1024
_LOGIN_SEGMENTS: Final = frozenset({"login", "log-in", "signin", "sign-in", "sign_in", "sso"})
#: A page that is the front page under another name (``/index.html``, ``/home``, ``/en/``):
#: a redirect from it to ``/`` is the site tidying its URLs, not a page removed.
_FRONT_NAMES: Final = frozenset({"index", "default", "home", "main", "start", "welcome"})
_LANGUAGE_ROOT: Final = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?", re.ASCII)
_HTML_STARTS: Final = (b"<!doctype html", b"<html")


def is_page(exchange: HttpExchange) -> bool:
    """Whether the answer is an HTML page: labelled so, or unlabelled and starting like one."""
    if exchange.content_type:
        return is_html(exchange)
    return exchange.body.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS)


def bot_wall(exchange: HttpExchange) -> str | None:
    """Who answered with a bot check or firewall page in the page's place, if anyone did."""
    if (exchange.header("cf-mitigated") or "").strip().lower() == "challenge":
        return "Cloudflare's bot check"
    if len(exchange.body) > _WALL_MAX_BYTES:
        return None
    lowered = exchange.body.lower()
    return next((who for marker, who in _WALLS if marker in lowered), None)


def redirected_to(requested: str, exchange: HttpExchange) -> str | None:
    """Where redirects took a request for a page instead of to it: ``"login"`` (a login
    page), ``"consent"`` (a consent wall) or ``"front page"`` (the site's front page, where
    many sites send readers of a page they removed); ``None`` for anywhere else."""
    if not exchange.redirects:
        return None
    asked, final = urlsplit(requested), urlsplit(exchange.url)
    if _segments(final.path) & _LOGIN_SEGMENTS and not _segments(asked.path) & _LOGIN_SEGMENTS:
        return "login"
    final_host = (final.hostname or "").removeprefix("www.")
    if final_host.startswith("consent."):
        return "consent"
    same_site = final_host == (asked.hostname or "").removeprefix("www.")
    if same_site and final.path in ("", "/") and not final.query and not _is_front(asked.path):
        return "front page"
    return None


def _segments(path: str) -> set[str]:
    return {segment.lower() for segment in path.split("/") if segment}


def _is_front(path: str) -> bool:
    """Whether ``path`` names a site's front page (``/``, ``/index.html``, ``/en/``)."""
    segments = [segment.lower() for segment in path.split("/") if segment]
    if not segments:
        return True
    if len(segments) > 1:
        return False
    name = segments[0]
    return name.split(".", 1)[0] in _FRONT_NAMES or bool(_LANGUAGE_ROOT.fullmatch(name))


# --- Files that are not HTML ----------------------------------------------------------------


def read_file(post_id: str, url: str, exchange: HttpExchange) -> PostData | None:
    """A file as a post: text and JSON as their own text, anything else described by name,
    type, size and SHA-256; ``None`` for a body labelled JSON that does not parse."""
    declared = exchange.content_type or "application/octet-stream"
    media_type = declared.split(";", 1)[0].strip().lower()
    body = exchange.body
    name = file_name(exchange)
    sha256 = hashlib.sha256(body).hexdigest()
    is_json = exchange.content_type is not None and declares_json(exchange)
    if is_json:
        try:
            json.loads(body)
        except (ValueError, RecursionError):
            return None
    if is_json or media_type.startswith("text/"):
        full = decode_html(body, exchange.content_type).strip()
    else:
        full = f"{name}\n\n{media_type}, {len(body):,} bytes, SHA-256 {sha256}"
    text, cut = capped(full)
    extra: dict[str, Any] = {
        "source": SOURCE,
        "read_at": exchange.url,
        "title": name,
        "content_type": declared,
        "bytes": len(body),
        "sha256": sha256,
    }
    if cut:
        extra |= {"text_cut": True, "text_length": len(full)}
    return PostData(post_id=post_id, url=url, text=text, author=None, posted_at=None, extra=extra)


def file_name(exchange: HttpExchange) -> str:
    """The name the server gives the file (``Content-Disposition``), else the last segment of
    its URL, else its host."""
    header = Message()
    header["content-disposition"] = exchange.header("content-disposition") or ""
    given = header.get_filename()
    path = urlsplit(exchange.url).path
    for candidate in (given, unquote(path.rsplit("/", 1)[-1])):
        if candidate:
            name = candidate.replace("\\", "/").rsplit("/", 1)[-1].strip()
            if name:
                return name[:255]
    return urlsplit(exchange.url).hostname or exchange.url
