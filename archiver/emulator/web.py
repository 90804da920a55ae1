"""A small web publication for the generic web adapter, the Riverside Dispatch: article pages
with OpenGraph and Twitter card tags, schema.org JSON-LD and an oEmbed discovery link on
``www.riverside-dispatch.example``, its oEmbed endpoint on ``embed.riverside-dispatch.example``
and its pictures on ``cdn.riverside-dispatch.example`` (``.example`` can never be a real site).

A page is a post of the platform ``web``: its id is the page's slug, its account the author
(handle: the author's slug, name: the byline), its text the headline (the first line) and the
paragraphs after it (a blank line apart; a single line break is a ``<br>``); its first picture
is its ``og:image``. It lives at ``/YYYY/MM/DD/{slug}/``. An edit changes the text and
``article:modified_time``; a deleted page answers the site's 404 page. Variants:

* ``plain``: only a ``<title>`` and the paragraphs (no ``<meta>``, no JSON-LD, no oEmbed link);
* ``removed``: ``410 Gone``, the publisher's notice that the page was taken down;
* ``front_page``: a ``301`` to the front page (how many sites retire a page);
* ``pdf``: the page is a PDF file (``application/pdf`` with an inline file name).

Account states do not apply: a page does not depend on its author's account. ``/`` is the
front page listing the pages; any other path is the 404 page. oEmbed:
``/oembed?url=PAGE&format=json`` is a ``rich`` embed with title, author and thumbnail; a URL
that is no page shown answers ``404``, ``format=xml`` ``501``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.emulator import idgen, media
from archiver.emulator.common import Ctx, html_response, json_response, long_date, query
from archiver.emulator.common import text_response as text
from archiver.emulator.model import MediaItem, Post
from archiver.emulator.text import escape_html

if TYPE_CHECKING:
    from archiver.emulator.world import World

WEB: Final = "https://www.riverside-dispatch.example"
EMBED: Final = "https://embed.riverside-dispatch.example"
CDN: Final = "https://cdn.riverside-dispatch.example"
SITE: Final = "Riverside Dispatch"
_SLUG: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?")
_PAGE: Final = re.compile(r"/\d{4}/\d{2}/\d{2}/(?P<slug>[a-z0-9-]{1,80})/?")
_HIDDEN: Final = ("removed", "front_page")
Register = Callable[[str, media.MediaFile], None]


def is_slug(value: str) -> bool:
    """Whether ``value`` can be a page's slug."""
    return bool(_SLUG.fullmatch(value))


def new_slug(sequence: int) -> str:
    """A fresh slug for a page made without one."""
    return f"page-{sequence}"


def page_url(post: Post) -> str:
    """The page's address."""
    return f"{WEB}/{post.created_at.astimezone(UTC):%Y/%m/%d}/{post.id}/"


def author_url(post: Post) -> str:
    """The author's page on the site."""
    return f"{WEB}/author/{post.account.handle}/"


def oembed_url(url: str) -> str:
    """The site's oEmbed address for a page."""
    return f"{EMBED}/oembed?url={quote(url, safe='')}&format=json"


def avatar_url(key: str) -> str:
    """An author's portrait on the site's CDN."""
    return f"{CDN}/authors/{key}.jpg"


def make_media(item: MediaItem, seed: str, register: Register) -> None:
    """Give a picture (or video) its CDN URL and register its file."""
    item.key = idgen.hex_key(20, "web-media", seed)
    kind, extension = ("jpeg", "jpg") if item.type == "image" else ("mp4", "mp4")
    item.urls["full"] = f"{CDN}/uploads/{item.key}.{extension}"
    register(item.urls["full"], media.MediaFile(kind, seed))


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which page a request is about (a page, or the page oEmbed is asked for)."""
    path = request.url.path
    if path.rstrip("/") == "/oembed":
        path = urlsplit(query(request, "url") or "").path
    found = _PAGE.fullmatch(path)
    return ("web", found["slug"]) if found else None


def _find(world: World, slug: str) -> Post | None:
    try:
        return world.post("web", slug)
    except KeyError:
        return None


async def handle(request: Request, ctx: Ctx) -> Response:
    """The site: pages, the front page, the 404 page."""
    if request.method not in ("GET", "HEAD"):
        return Response(b"", 405, headers={"Allow": "GET, HEAD"})
    path = request.url.path
    with ctx.world.lock:
        if path == "/":
            return html_response(_front_page(ctx.world))
        found = _PAGE.fullmatch(path)
        post = _find(ctx.world, found["slug"]) if found else None
        if post is None or post.deleted:
            return html_response(_notice("Page not found", "We could not find that page."), 404)
        if post.variant == "removed":
            said = "This article has been removed by the Riverside Dispatch."
            return html_response(_notice("Article removed", said), 410)
        if post.variant == "front_page":
            return RedirectResponse(f"{WEB}/", 301)
        if post.variant == "pdf":
            return _pdf(post)
        if post.variant == "plain":
            return html_response(_plain_page(post))
        return html_response(_page(post))


async def handle_oembed(request: Request, ctx: Ctx) -> Response:
    """``/oembed?url=…&format=json``."""
    if request.url.path.rstrip("/") != "/oembed":
        return text("Not Found", 404)
    if (query(request, "format") or "json") != "json":
        return text("Not Implemented", 501)
    found = _PAGE.fullmatch(urlsplit(query(request, "url") or "").path)
    with ctx.world.lock:
        post = _find(ctx.world, found["slug"]) if found else None
        if post is None or post.deleted or post.variant in _HIDDEN:
            return text("Not Found", 404)
        headline, _ = _parts(post)
        image = _image(post)
        payload = {
            "version": "1.0",
            "type": "rich",
            "provider_name": SITE,
            "provider_url": f"{WEB}/",
            "title": headline,
            "author_name": post.account.name,
            "author_url": author_url(post),
            "width": 600,
            "height": 338,
            "html": (
                f'<blockquote class="wp-embedded-content"><a href="{page_url(post)}">'
                f"{escape_html(headline)}</a></blockquote>"
            ),
        }
        if image is not None:
            payload |= {
                "thumbnail_url": image.urls["full"],
                "thumbnail_width": image.width,
                "thumbnail_height": image.height,
            }
    return json_response(payload)


def rate_limited(retry_after: int) -> Response:
    """Too many requests: the site's 429 page with ``Retry-After``."""
    response = html_response(_notice("Too many requests", "Please slow down."), 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def auth_required() -> Response:
    """A subscribers-only page: ``401`` with a Basic challenge."""
    said = "This article is for subscribers. Sign in to keep reading."
    response = html_response(_notice("Subscribers only", said), 401)
    response.headers["WWW-Authenticate"] = f'Basic realm="{SITE} subscribers"'
    return response


# --- Pages ------------------------------------------------------------------------------------


def _parts(post: Post) -> tuple[str, list[str]]:
    """The headline and the paragraphs of the current version."""
    headline, _, rest = post.current.text.partition("\n")
    paragraphs = [chunk.strip("\n") for chunk in rest.split("\n\n") if chunk.strip()]
    return headline.strip(), paragraphs


def _image(post: Post) -> MediaItem | None:
    return next((item for item in post.current.media if item.urls.get("full")), None)


def _paragraphs(post: Post) -> str:
    _, paragraphs = _parts(post)
    return "".join(f"<p>{escape_html(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _page(post: Post) -> str:
    """An article page with every kind of metadata the adapter reads."""
    headline, paragraphs = _parts(post)
    url, byline, image = page_url(post), post.account.name, _image(post)
    edited = post.current.at if len(post.versions) > 1 else None
    meta = {
        "og:type": "article",
        "og:site_name": SITE,
        "og:title": headline,
        "og:description": (paragraphs[0] if paragraphs else headline)[:200],
        "og:url": url,
        "article:published_time": _iso(post.created_at),
        "article:author": author_url(post),
        "twitter:card": "summary_large_image" if image else "summary",
        "twitter:title": headline,
    }
    if edited is not None:
        meta["article:modified_time"] = _iso(edited)
    if image is not None:
        meta |= {
            "og:image": image.urls["full"],
            "og:image:alt": image.alt,
            "og:image:width": str(image.width),
            "og:image:height": str(image.height),
        }
    linked = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline,
        "datePublished": _iso(post.created_at),
        "dateModified": _iso(edited or post.created_at),
        "author": [{"@type": "Person", "name": byline, "url": author_url(post)}],
        "publisher": {"@type": "Organization", "name": SITE},
        "inLanguage": post.lang,
    }
    head = (
        f'<meta name="author" content="{escape_html(byline)}">'
        f'<link rel="canonical" href="{url}">'
        f'<link rel="alternate" type="application/rss+xml" title="{SITE}" href="{WEB}/feed/">'
        f'<link rel="alternate" type="application/json+oembed" href="{oembed_url(url)}">'
        f'<link rel="alternate" type="text/xml+oembed" '
        f'href="{oembed_url(url).replace("format=json", "format=xml")}">'
        f'<script type="application/ld+json">{_script_json(linked)}</script>'
    )
    figure = (
        f'<figure><img src="{image.urls["full"]}" alt="{escape_html(image.alt)}">'
        f"<figcaption>{escape_html(image.alt)}</figcaption></figure>"
        if image is not None
        else ""
    )
    body = (
        f"{_masthead()}<main><article><h1>{escape_html(headline)}</h1>"
        f'<p class="byline">By <a rel="author" href="{author_url(post)}">'
        f'{escape_html(byline)}</a> · <time datetime="{_iso(post.created_at)}">'
        f"{long_date(post.created_at)}</time></p>{figure}{_paragraphs(post)}</article>"
        '<aside class="related"><h2>More from the Dispatch</h2><ul>'
        f'<li><a href="{WEB}/">Latest news</a></li></ul></aside></main>{_footer()}'
    )
    return _document(f"{headline} | {SITE}", head, body, meta, post.lang)


def _script_json(value: object) -> str:
    """JSON that cannot close the ``<script>`` element holding it."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _plain_page(post: Post) -> str:
    """Nothing but a title and paragraphs."""
    headline, _ = _parts(post)
    return (
        f"<!DOCTYPE html><html><head><title>{escape_html(headline)}</title></head>"
        f"<body>{_paragraphs(post)}</body></html>"
    )


def _pdf(post: Post) -> Response:
    """The page as a PDF file (a minimal one: a header, the text as a comment, the trailer)."""
    body = b"%PDF-1.4\n% " + post.current.text.encode("utf-8").replace(b"\n", b"\n% ")
    body += b"\n%%EOF\n"
    headers = {
        "content-type": "application/pdf",
        "content-disposition": f'inline; filename="{post.id}.pdf"',
    }
    return Response(body, 200, headers)


def _front_page(world: World) -> str:
    shown = [
        post for post in world.posts_of("web") if not post.deleted and post.variant not in _HIDDEN
    ]
    items = "".join(
        f'<li><a href="{page_url(post)}">{escape_html(_parts(post)[0])}</a></li>' for post in shown
    )
    body = f"{_masthead()}<main><h1>Latest</h1><ul>{items}</ul></main>{_footer()}"
    meta = {"og:type": "website", "og:site_name": SITE, "og:title": SITE}
    return _document(SITE, "", body, meta, "en")


def _notice(title: str, said: str) -> str:
    body = (
        f'{_masthead()}<main><h1>{escape_html(title)}</h1><p class="notice">'
        f"{escape_html(said)}</p></main>{_footer()}"
    )
    return _document(f"{title} | {SITE}", "", body, {}, "en")


def _masthead() -> str:
    return (
        f'<header class="site"><a class="logo" href="{WEB}/">{SITE}</a><nav>'
        f'<a href="{WEB}/news/">News</a> <a href="{WEB}/about/">About</a> '
        f'<a href="{WEB}/subscribe/">Subscribe</a></nav></header>'
    )


def _footer() -> str:
    return f'<footer class="site">© {SITE} · <a href="{WEB}/privacy/">Privacy</a></footer>'


def _document(title: str, head: str, body: str, meta: dict[str, str], lang: str) -> str:
    tags = "".join(
        f'<meta property="{escape_html(key)}" content="{escape_html(value)}">'
        for key, value in meta.items()
    )
    return (
        f'<!DOCTYPE html><html lang="{escape_html(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape_html(title)}</title>{tags}{head}<style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


_STYLE: Final = """
body{margin:0;font:17px/1.6 Georgia,"Times New Roman",serif;color:#1b1b1b;background:#fff}
header.site,footer.site{padding:12px 24px;background:#12355b;color:#fff;font-family:system-ui,
sans-serif}header.site a,footer.site a{color:#fff;margin-right:12px;text-decoration:none}
.logo{font-weight:700;font-size:20px}main{max-width:680px;margin:0 auto;padding:16px 24px}
h1{font-size:32px;line-height:1.2}.byline{color:#555;font-family:system-ui,sans-serif}
figure{margin:0}figure img{width:100%;display:block}figcaption{color:#555;font-size:14px}
aside.related{border-top:1px solid #ddd;margin-top:32px;font-family:system-ui,sans-serif}
"""
