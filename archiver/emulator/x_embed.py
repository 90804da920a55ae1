"""X's embeds: oEmbed on ``publish.twitter.com``/``publish.x.com`` (the
``<blockquote class="twitter-tweet">`` markup; 404 for deleted, 403 for protected) and the
static embed document ``platform.twitter.com/embed/Tweet.html?id=ID`` for screenshots."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import pages
from archiver.emulator.common import (
    Ctx,
    html_response,
    json_response,
    long_date,
    query,
    text_response,
)
from archiver.emulator.model import Post
from archiver.emulator.text import escape_html
from archiver.emulator.x import _STATUS_URL, TOMBSTONES, _not_found, render_text, visibility

if TYPE_CHECKING:
    from archiver.emulator.world import World

WIDGETS = "https://platform.twitter.com/widgets.js"


def blockquote(world: World, post: Post, index: int, attrs: str = "") -> str:
    """The ``<blockquote class="twitter-tweet">`` of the oEmbed ``html``."""
    rendered = render_text(world, post, index)
    spans = [(e["indices"], e) for group in rendered.entities.values() for e in group]
    if rendered.media_url:
        spans.append((rendered.media_indices, {"media": rendered.media_url}))
    chars, out, position = list(rendered.text), "", rendered.display_text_range[0]
    for (start, end), entity in sorted(spans, key=lambda span: span[0][0]):
        if start < position:
            continue
        out += escape_html("".join(chars[position:start]))
        if "url" in entity:
            out += f'<a href="{entity["url"]}">{entity["url"]}</a>'
        elif "media" in entity:
            short = entity["media"]
            out += f'<a href="{short}">pic.twitter.com/{short.rsplit("/", 1)[-1]}</a>'
        elif "screen_name" in entity:
            name = entity["screen_name"]
            out += f'<a href="https://twitter.com/{name}?ref_src=twsrc%5Etfw">@{name}</a>'
        else:
            tag = entity["text"]
            out += f'<a href="https://twitter.com/hashtag/{tag}?src=hash&amp;ref_src=twsrc%5Etfw">#{tag}</a>'
        position = end
    out += escape_html("".join(chars[position:]))
    account, version = post.account, post.versions[index]
    link = f"https://twitter.com/{account.handle}/status/{version.id}?ref_src=twsrc%5Etfw"
    return (
        f'<blockquote class="twitter-tweet"{attrs}><p lang="{post.lang}" dir="ltr">'
        f"{out.replace(chr(10), '<br>')}</p>&mdash; {escape_html(account.name)} "
        f'(@{account.handle}) <a href="{link}">{long_date(version.at)}</a></blockquote>'
    )


async def handle_publish(request: Request, ctx: Ctx) -> Response:
    """``GET /oembed?url=…`` on publish.twitter.com and publish.x.com."""
    if request.url.path.lower() not in ("/oembed", "/oembed.json"):
        return _not_found()
    found = _STATUS_URL.search(query(request, "url") or "")
    with ctx.world.lock:
        version = ctx.world.x_version(found.group(1)) if found else None
        shown = visibility(version[0]) if version else "deleted"
        if version is None or shown in ("deleted", "empty", "tombstone_deleted"):
            return text_response("", 404)
        if shown not in ("live", "no_user", "tombstone_suspended", "tombstone_gone_account"):
            error = "Sorry, you are not authorized to see this status."
            request_path = f"/oembed?url={quote(query(request, 'url') or '', safe=':/')}"
            return json_response({"error": error, "request": request_path}, 403)
        if shown != "live" and shown != "no_user":
            return text_response("", 404)
        post, index = version
        attrs, width = _oembed_attrs(request)
        html = blockquote(ctx.world, post, index, attrs)
    if query(request, "omit_script") not in ("1", "true", "t"):
        html += f'\n<script async src="{WIDGETS}" charset="utf-8"></script>\n'
    handle = post.account.handle
    return json_response(
        {
            "url": f"https://twitter.com/{handle}/status/{post.versions[index].id}",
            "author_name": post.account.name,
            "author_url": f"https://twitter.com/{handle}",
            "html": html + "\n",
            "width": width,
            "height": None,
            "type": "rich",
            "cache_age": "3153600000",
            "provider_name": "Twitter",
            "provider_url": "https://twitter.com",
            "version": "1.0",
        }
    )


def _oembed_attrs(request: Request) -> tuple[str, int]:
    attrs, width = "", 550
    maxwidth = query(request, "maxwidth") or ""
    if maxwidth.isdigit():
        width = max(220, min(550, int(maxwidth)))
        attrs += f' data-width="{width}"'
    for name, attr in (("theme", "data-theme"), ("lang", "data-lang"), ("align", "align")):
        if value := query(request, name):
            attrs += f' {attr}="{escape_html(value)}"'
    if query(request, "dnt") in ("1", "true", "t"):
        attrs += ' data-dnt="true"'
    return attrs, width


async def handle_platform(request: Request, ctx: Ctx) -> Response:
    """``GET /embed/Tweet.html?id=ID``: a static card of the post, for screenshots."""
    tweet_id = query(request, "id") or ""
    if request.url.path not in ("/embed/Tweet.html", "/embed/index.html"):
        return _not_found()
    with ctx.world.lock:
        found = ctx.world.x_version(tweet_id) if tweet_id.isdigit() else None
        shown = visibility(found[0]) if found else "deleted"
        if found is None or shown in ("deleted", "empty"):
            return _not_found()
        if shown not in ("live", "no_user"):
            kind = shown.removeprefix("tombstone_")
            return html_response(
                pages.notice_page("X", TOMBSTONES.get(kind, TOMBSTONES["unavailable"]))
            )
        post, index = found
        quote_html = ""
        quoted = ctx.world.x_version(post.quoted_id) if post.quoted_id else None
        if quoted and visibility(quoted[0]) == "live":
            quote_html = f'<div class="quote">{blockquote(ctx.world, *quoted)}</div>'
        card = pages.Card(
            provider="X",
            name=post.account.name,
            handle=f"@{post.account.handle}",
            avatar=post.account.avatar_url,
            lang=post.lang,
            text_html=blockquote(ctx.world, post, index).split("</p>")[0].split('dir="ltr">')[1],
            date=long_date(post.versions[index].at),
            permalink=f"https://x.com/{post.account.handle}/status/{post.versions[index].id}",
            images=[
                m.urls.get("full") or m.urls["thumb"] for m in post.versions[index].media if m.urls
            ],
            quote_html=quote_html,
        )
    return html_response(pages.card_page(card))
