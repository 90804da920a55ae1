"""Rendering the web pages: one Jinja2 environment (autoescape on for every template: archived
text is hostile input, SPEC §7; its invisible characters are shown, ``archiver.web.invisible``),
its filters, and the friendly HTML error page."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import archiver
from archiver import urls
from archiver.db.models import Post
from archiver.ids import group_id
from archiver.services.citation import platform_name
from archiver.timefmt import rfc3339
from archiver.web import TEMPLATES_DIR, invisible

#: Paths whose errors stay plain text: machines read them (Memento, oEmbed, operations, docs).
MACHINE_PREFIXES: Final = (
    urls.API + "/",
    "/timegate/",
    "/timemap/",
    "/oembed",
    "/.well-known/",
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
)
HTML_TYPE: Final = "text/html; charset=utf-8"


def is_page_path(path: str) -> bool:
    """Whether ``path`` belongs to the web pages (its errors are HTML for people)."""
    return path != urls.API and not path.startswith(MACHINE_PREFIXES)


def base_url(request: Request) -> str:
    """The service's root as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def _utc(value: datetime | None) -> str:
    """``2024-05-01 18:30:00 UTC``."""
    if value is None:
        return "unknown"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(value: datetime | None) -> str:
    return rfc3339(value) if value is not None else ""


def _static(name: str) -> str:
    """A static file's path, versioned so a new release is never served stale CSS or script."""
    return f"{urls.static_file(name)}?v={archiver.__version__}"


def _platform(post: Post) -> str:
    """The platform a post is on, as readers know it: ``X``, ``Truth Social``, ``Bluesky``."""
    return platform_name(post.platform, post.host, post.canonical_url)


def _label(value: object) -> str:
    """An enum or slug as words: ``rate_limited`` -> ``rate limited``."""
    return str(getattr(value, "value", value)).replace("_", " ")


@cache
def environment() -> Environment:
    """The one template environment: autoescaped, strict about undefined names."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(utc=_utc, iso=_iso, grouped=group_id, label=_label, platform=_platform)
    # Archived text: ``reveal`` marks invisible and direction-changing characters (Markup built
    # from escaped pieces), ``reveal_text`` does it as plain text (titles, attributes).
    env.filters.update(
        reveal=invisible.reveal_html,
        reveal_text=invisible.reveal_text,
        hidden_count=invisible.count,
        hidden_codes=invisible.codes,
    )
    env.globals.update(urls=urls, static=_static, version=archiver.__version__)
    return env


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered with ``context`` (plus ``base``, the service's root URL)."""
    body = environment().get_template(template).render(base=base_url(request), **context)
    return HTMLResponse(body, status_code=status, headers=headers)


def error_page(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A friendly HTML page for an error on a page path (titles in sentence case: HTTP's
    phrases are Title Case)."""
    return render(
        request, "error.html", status=status, headers=headers, status_code=status,
        title=title.capitalize() if title.istitle() else title, detail=detail,
        path=request.url.path,
    )  # fmt: skip
