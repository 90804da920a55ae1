"""X (Twitter): the syndication endpoint ``cdn.syndication.twimg.com/tweet-result``, oEmbed on
``publish.twitter.com``/``publish.x.com`` and the embed document on ``platform.twitter.com``.

What a tweet id answers: live → 200 Tweet JSON; deleted or unknown → 404 with an HTML body;
an unavailable account or a tombstone variant → 200 ``TweetTombstone``; variant ``empty`` →
200 ``{}``; variant ``no_user`` → a Tweet without ``user``. Editing makes a new id; every
version lists ``edit_control.edit_tweet_ids`` and an older id is served with ``isStaleEdit``.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import Response

from archiver.emulator import idgen, pages
from archiver.emulator.common import (
    Ctx,
    html_response,
    iso_ms,
    json_response,
    query,
    text_response,
)
from archiver.emulator.idgen import millis
from archiver.emulator.model import Post
from archiver.emulator.text import XText, x_text
from archiver.emulator.x_media import media_details

if TYPE_CHECKING:
    from archiver.emulator.world import World

SYNDICATION: Final = "https://cdn.syndication.twimg.com"
TOMBSTONES: Final = {
    "deleted": "This Post was deleted by the Post author. Learn more",
    "suspended": "This Post is from a suspended account. Learn more",
    "gone_account": "This Post is from an account that no longer exists. Learn more",
    "protected": "You\u2019re unable to view this Post because this account owner limits who can "
    "view their Posts. Learn more",
    "unavailable": "This Post is unavailable. Learn more",
    "violated": "This Post violated the X Rules. Learn more",
    "age_restricted": "Age-restricted adult content. This content might not be appropriate for "
    "people under 18 years old. To view this media, you\u2019ll need to log in to Twitter. "
    "Learn more",
}
_ACCOUNT_TOMBSTONES: Final = {
    "suspended": "suspended",
    "takedown": "suspended",
    "protected": "protected",
    "withheld": "age_restricted",
    "deactivated": "gone_account",
}
_STATUS_URL: Final = re.compile(r"(?:twitter|x)\.com/(?:\w+/status(?:es)?|i/(?:web/)?status)/(\d+)")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _radix_string(value: float, radix: int) -> str:
    """JavaScript's ``Number.prototype.toString(radix)`` for a finite double: the shortest
    digits that read back to the same double, rounding half to even."""
    sign, value = ("-", -value) if value < 0 else ("", value)
    integer = math.floor(value)
    fraction = value - integer
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    digits: list[int] = []
    if fraction >= delta:
        while True:
            fraction *= radix
            delta *= radix
            digit = int(fraction)
            digits.append(digit)
            fraction -= digit
            if (fraction > 0.5 or (fraction == 0.5 and digit & 1)) and fraction + delta > 1:
                while True:  # round up, carrying into earlier digits
                    if not digits:
                        integer += 1
                        break
                    last = digits.pop() + 1
                    if last < radix:
                        digits.append(last)
                        break
                break
            if fraction < delta:
                break
    whole, zeros = float(integer), 0
    while whole / radix >= 2.0**53:
        whole /= radix
        zeros += 1
    integer_digits = ""
    while True:
        remainder = math.fmod(whole, radix)
        integer_digits = _DIGITS[int(remainder)] + integer_digits
        whole = (whole - remainder) / radix
        if whole <= 0:
            break
    fraction_digits = "".join(_DIGITS[d] for d in digits)
    return sign + integer_digits + "0" * zeros + ("." + fraction_digits if digits else "")


def _token(tweet_id: str) -> str:
    """The syndication token the official embed computes from a tweet id."""
    value = (float(int(tweet_id)) / 1e15) * math.pi
    return re.sub(r"(0+|\.)", "", _radix_string(value, 36))


def syndication_url(tweet_id: str) -> str:
    """The syndication URL the official embed fetches for a tweet id."""
    return f"{SYNDICATION}/tweet-result?id={tweet_id}&lang=en&token={_token(tweet_id)}"


def tombstone(kind: str | None) -> dict[str, Any]:
    """A ``TweetTombstone`` body (``kind`` None: the bare form with an empty tombstone)."""
    if kind is None:
        return {"__typename": "TweetTombstone", "tombstone": {}}
    text = {"rtl": False, "text": TOMBSTONES[kind], "entities": []}
    return {
        "__typename": "TweetTombstone",
        "tombstone": {"__typename": "TextTombstone", "text": text},
    }


def visibility(post: Post) -> str:
    """``live``, ``deleted``, ``empty``, ``no_user``, ``bare`` or ``tombstone_KIND``."""
    if post.deleted:
        return "deleted"
    if post.account.state in _ACCOUNT_TOMBSTONES:
        return "tombstone_" + _ACCOUNT_TOMBSTONES[post.account.state]
    if post.variant == "tombstone_bare":
        return "bare"
    return "live" if post.variant == "normal" else post.variant


def user_json(post: Post) -> dict[str, Any]:
    """The syndication ``user`` object."""
    account = post.account
    user = {
        "id_str": account.id,
        "name": account.name,
        "profile_image_url_https": account.avatar_url,
        "screen_name": account.handle,
        "verified": False,
        "is_blue_verified": account.verified,
        "profile_image_shape": "Circle",
    }
    return user


def render_text(world: World, post: Post, index: int) -> XText:
    """The version's text and entities as X renders them."""
    version = post.versions[index]
    reply_to = None
    if post.reply_to_id and (parent := world.x_version(post.reply_to_id)):
        author = parent[0].account
        reply_to = (author.id, author.name, author.handle)

    def user_of(screen_name: str) -> tuple[str, str]:
        found = world.account("x", screen_name)
        if found:
            return found.id, found.name
        return idgen.x_user_id(screen_name), screen_name

    visual = [item for item in version.media if item.type != "external"]
    return x_text(
        version.text,
        tweet_id=version.id,
        reply_to=reply_to,
        has_media=bool(visual),
        user_of=user_of,
    )


def tweet_json(world: World, post: Post, index: int, *, nested: bool = False) -> dict[str, Any]:
    """The syndication Tweet object for version ``index`` of ``post``."""
    version = post.versions[index]
    rendered = render_text(world, post, index)
    entities: dict[str, Any] = dict(rendered.entities)
    media = media_details(post, index, rendered)
    if media:
        entities["media"] = [
            {k: d[k] for k in ("display_url", "expanded_url", "indices", "url")}
            for d in media["mediaDetails"]
        ]
    first = post.versions[0].at
    data: dict[str, Any] = {
        "__typename": "Tweet",
        "lang": post.lang,
        "favorite_count": post.likes,
        "possibly_sensitive": False,
        "created_at": iso_ms(version.at),
        "display_text_range": rendered.display_text_range,
        "entities": entities,
        "id_str": version.id,
        "text": rendered.text,
        **media,
        "user": user_json(post),
        "edit_control": {
            "edit_tweet_ids": [v.id for v in post.versions],
            "editable_until_msecs": str(millis(first) + 30 * 60 * 1000),
            "is_edit_eligible": True,
            "edits_remaining": str(max(0, 6 - len(post.versions))),
        },
        "conversation_count": post.replies,
        "news_action_type": "conversation",
        "isEdited": len(post.versions) > 1,
        "isStaleEdit": index < len(post.versions) - 1,
    }
    if post.variant == "no_user":
        del data["user"]
    if nested:
        data.update(reply_count=post.replies, retweet_count=post.reposts)
        data["self_thread"] = {"id_str": post.id}
        return data
    if post.reply_to_id and (parent := world.x_version(post.reply_to_id)):
        data["in_reply_to_screen_name"] = parent[0].account.handle
        data["in_reply_to_status_id_str"] = post.reply_to_id
        data["in_reply_to_user_id_str"] = parent[0].account.id
        if visibility(parent[0]) == "live":
            data["parent"] = tweet_json(world, parent[0], parent[1], nested=True)
    quoted = world.x_version(post.quoted_id) if post.quoted_id else None
    if quoted and visibility(quoted[0]) == "live":
        data["quoted_tweet"] = tweet_json(world, quoted[0], quoted[1], nested=True)
    return data


def _not_found() -> Response:
    return html_response(pages.notice_page("Not Found", "Sorry, that page does not exist."), 404)


def post_key(request: Request, ctx: Ctx) -> tuple[str, str] | None:
    """Which post a request is about, for per-post failure modes."""
    tweet_id = query(request, "id")
    if ctx.origin.kind == "x-publish":
        found = _STATUS_URL.search(query(request, "url") or "")
        tweet_id = found.group(1) if found else None
    return ("x", tweet_id) if tweet_id else None


async def handle_syndication(request: Request, ctx: Ctx) -> Response:
    """``GET /tweet-result?id=ID&lang=en&token=T``."""
    if request.url.path != "/tweet-result":
        return _not_found()
    tweet_id, token = query(request, "id") or "", query(request, "token") or ""
    if not tweet_id.isdigit() or len(tweet_id) > 40 or not token:
        return text_response("Bad Request", 400)
    if ctx.world.strict_x_token and token != _token(tweet_id):
        return text_response("Bad Request", 400)
    headers = {"cache-control": "public, max-age=300"}
    with ctx.world.lock:
        found = ctx.world.x_version(tweet_id)
        shown = visibility(found[0]) if found else "deleted"
        if shown == "deleted" or found is None:
            return _not_found()
        if shown == "empty":
            return json_response({}, headers=headers)
        if shown.startswith("tombstone_") or shown == "bare":
            kind = None if shown == "bare" else shown.removeprefix("tombstone_")
            return json_response(tombstone(kind), headers=headers)
        return json_response(tweet_json(ctx.world, *found), headers=headers)
