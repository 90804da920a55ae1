"""The web pages (SPEC §5 "Pages"): ``/`` (submit, recent captures, search), ``/p/{id}`` (a
post's timeline), ``/s/{id}`` (the citable snapshot), ``/a/{id}`` (a quote report),
``/events`` (the feed of changes) and ``/static/…``.

Server-rendered and autoescaped; they work without script. The only script is
``static/archiver.js`` (copy buttons, local times, remembering the API key); the
Content-Security-Policy (``archiver.api.security``) allows nothing inline.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from archiver import urls
from archiver.api import limits
from archiver.api.deps import NowDep, SessionDep, WriteSessionDep
from archiver.api.rendering import base_url, render
from archiver.api.routes.snapshots import corroboration_out, timestamp_out
from archiver.db.models import Snapshot
from archiver.domain import EventKind, PostStatus
from archiver.errors import ApiError, NotFound, PayloadTooLarge, UnprocessableContent
from archiver.services import articles, citation, keys, posts, submissions, timeline
from archiver.web import STATIC_DIR

router = APIRouter(include_in_schema=False)  # pages, not part of the JSON API

PAGE_SIZE: Final = 25
#: The largest submission form body read (a URL of 2 KB and a key fit easily).
FORM_MAX_BYTES: Final = 16_384
#: The static files served, with their exact types (nothing else under ``/static/``).
STATIC_TYPES: Final = {
    "archiver.css": "text/css; charset=utf-8",
    "archiver.js": "text/javascript; charset=utf-8",
}
Cursor = Annotated[str | None, Query(max_length=200)]


E = TypeVar("E", bound=StrEnum)


def _choice(kind: type[E], value: str | None) -> E | None:
    """A filter chosen in a form: empty means any; anything unknown is a clear 422."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise UnprocessableContent(f"{value!r} is not one of {allowed}") from None


def _next_query(cursor: str | None, **params: str | None) -> str:
    """The query string of the following page: the same filters and the cursor."""
    kept = {k: v for k, v in params.items() if v}
    return urlencode({**kept, "cursor": cursor}) if cursor else ""


def _home(
    request: Request,
    session: SessionDep,
    *,
    q: str | None = None,
    status: PostStatus | None = None,
    cursor: str | None = None,
    error: str | None = None,
    submitted_url: str = "",
    code: int = 200,
) -> HTMLResponse:
    filters = posts.PostFilters(status=status, q=q)
    views, next_cursor = posts.page(
        session=session, filters=filters, limit=PAGE_SIZE, cursor=cursor
    )
    return render(
        request, "home.html", status=code, views=views, next=next_cursor, q=q or "",
        status_filter=status, statuses=list(PostStatus), error=error,
        submitted_url=submitted_url,
        next_query=_next_query(next_cursor, q=q, status=status.value if status else None),
    )  # fmt: skip


@router.get(urls.home_page(), response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    """The front page: the submission form, recent (or matching) captures, search."""
    chosen = _choice(PostStatus, status)
    return _home(request, session, q=q, status=chosen, cursor=cursor)


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a small ``application/x-www-form-urlencoded`` body (first value each)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise UnprocessableContent("send the form as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            raise PayloadTooLarge(f"the form is larger than {FORM_MAX_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8", "replace"), max_num_fields=20)
    except ValueError:
        raise UnprocessableContent("the form has too many fields") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


@router.post(urls.home_page(), response_class=HTMLResponse)
def submit_form(
    request: Request,
    session: WriteSessionDep,
    now: NowDep,
    fields: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    """The submission form without script: the key comes as a field, is checked like a Bearer
    key, and is never logged, stored or shown back. Success goes to the post's timeline."""
    url, secret = fields.get("url", "").strip(), fields.get("key", "").strip()
    record = keys.authenticate(session=session, secret=secret, now=now) if secret else None
    if record is None:
        session.rollback()
        message = "That API key is not valid or has been revoked." if secret else "Give an API key."
        return _home(request, session, error=message, submitted_url=url, code=401)
    limits.charge_write(request, record.id)  # 429 with Retry-After past the key's write budget
    try:
        result = submissions.submit_post(session=session, url=url, submitted_by=record.id, now=now)
    except ApiError as exc:
        session.rollback()
        return _home(request, session, error=exc.detail, submitted_url=url, code=exc.status_code)
    session.commit()  # durable before the person hears "accepted"
    return RedirectResponse(urls.post_page(result.post.id), status_code=303)


@router.get(urls.post_page("{post_id}"), response_class=HTMLResponse)
def post_page(post_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    """A post's timeline: snapshots, checks and events in order, with edit diffs."""
    return render(request, "post.html", t=timeline.post_timeline(session=session, post_id=post_id))


def _artifacts(snapshot: Snapshot) -> list[dict[str, str]]:
    """Every stored file of a snapshot: label, link, SHA-256 and a note."""
    found = []
    if snapshot.raw_sha256:
        found.append(
            {
                "label": "Raw data from the platform",
                "url": urls.snapshot_raw(snapshot.id),
                "sha256": snapshot.raw_sha256,
                "note": snapshot.raw_content_type or "",
            }
        )
    if snapshot.warc_sha256:
        found.append(
            {
                "label": "WARC of the capture",
                "url": urls.snapshot_warc(snapshot.id),
                "sha256": snapshot.warc_sha256,
                "note": "every request and response",
            }
        )
    if snapshot.screenshot_sha256:
        found.append(
            {
                "label": "Screenshot (PNG)",
                "url": urls.snapshot_screenshot(snapshot.id),
                "sha256": snapshot.screenshot_sha256,
                "note": f"{snapshot.screenshot_width}\u00d7{snapshot.screenshot_height} pixels"
                if snapshot.screenshot_width
                else "",
                "phash": snapshot.screenshot_phash or "",
            }
        )
    for index, media in enumerate(snapshot.media, start=1):
        if media.get("sha256"):
            found.append(
                {
                    "label": f"Media {index}: {media.get('type', 'file')}",
                    "url": urls.snapshot_media(snapshot.id, str(media["sha256"])),
                    "sha256": str(media["sha256"]),
                    "note": str(media.get("url", "")),
                    "phash": str(media.get("phash") or ""),
                }
            )
    return found


@router.get(urls.snapshot_page("{snapshot_id}"), response_class=HTMLResponse)
def snapshot_page(snapshot_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The citable snapshot, with its Memento headers (RFC 7089 §2.1) and an oEmbed link."""
    page = timeline.snapshot_page(session=session, snapshot_id=snapshot_id)
    base = base_url(request)
    cited = citation.cite(citation.cited(page.post, page.snapshot, base=base))
    oembed = f"{base}{urls.oembed()}?{urlencode({'url': cited.url, 'format': 'json'})}"
    headers = citation.memento_headers(
        original=page.post.canonical_url, base=base, captured_at=page.snapshot.captured_at
    )
    return render(
        request, "snapshot.html", headers=headers, page=page, citation=cited,
        robust_link=Markup(cited.robust_link_html),  # noqa: S704 -- built escaped
        oembed_url=oembed, artifacts=_artifacts(page.snapshot),
        timestamps=[timestamp_out(stamp) for stamp in page.snapshot.timestamps],
        corroborations=[corroboration_out(row) for row in page.snapshot.corroborations],
    )  # fmt: skip


@router.get(urls.article_page("{article_id}"), response_class=HTMLResponse)
def article_page(article_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    """An article's quote report: each quote beside the archived words, and the verdict."""
    return render(
        request, "article.html", view=articles.get_view(session=session, article_id=article_id)
    )


@router.get(urls.events_page(), response_class=HTMLResponse)
def events_page(
    request: Request,
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    cursor: Cursor = None,
) -> HTMLResponse:
    """Every confirmed change, newest first, a page at a time."""
    chosen = _choice(EventKind, kind)
    items, next_cursor = timeline.feed(session=session, limit=PAGE_SIZE, cursor=cursor, kind=chosen)
    return render(
        request, "events.html", items=items, next=next_cursor, kind=chosen,
        kinds=list(EventKind), next_query=_next_query(next_cursor, kind=chosen and chosen.value),
    )  # fmt: skip


@router.get(urls.static_file("{name}"))
def static_file(name: str) -> Response:
    """One of the pages' own static files, with its exact type."""
    media_type = STATIC_TYPES.get(name)
    if media_type is None:
        raise NotFound(f"there is no static file {name!r}")
    return Response(
        (STATIC_DIR / name).read_bytes(),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
