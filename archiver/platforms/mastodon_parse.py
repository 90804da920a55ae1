"""Reading Mastodon's answers (Truth Social's modified ones too): a status, its edit history,
an account lookup and the documents that say whether a host speaks Mastodon's API.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from archiver.domain import LinkedPost, Media, MediaType, PostData
from archiver.platforms._values import (
    author,
    counts,
    integer,
    items,
    obj,
    present,
    string,
    timestamp,
)
from archiver.platforms.html_text import html_to_text

_MEDIA_TYPES: Final = {
    "image": MediaType.PHOTO,
    "video": MediaType.VIDEO,
    "gifv": MediaType.GIF,
    "audio": MediaType.AUDIO,
}
_METRICS: Final = (
    ("replies_count", "replies"),
    ("reblogs_count", "reposts"),
    ("favourites_count", "likes"),
    ("quotes_count", "quotes"),
)
_STATUS_EXTRA: Final = ("spoiler_text", "sensitive", "visibility", "uri", "in_reply_to_account_id")
#: Fields only Truth Social serves, kept as served.
_TRUTH_EXTRA: Final = ("quote_id", "in_reply_to", "group", "sponsored")
_TRUTH_ACCOUNT_EXTRA: Final = ("verified", "location", "website")
#: Server software (nodeinfo ``software.name``) known to serve Mastodon's client API.
MASTODON_API_SOFTWARE: Final = frozenset(
    {
        "mastodon", "hometown", "glitch-soc", "fedibird", "truthsocial", "pleroma", "akkoma",
        "gotosocial", "takahe", "mitra", "iceshrimp", "sharkey", "friendica", "snac",
    }
)  # fmt: skip


def read_status(status: Mapping[str, Any], host: str) -> PostData | None:
    """A status as a post, or ``None`` if the answer is not a status."""
    post_id = string(status.get("id"))
    content = status.get("content")
    if post_id is None or not isinstance(content, str):
        return None
    account = obj(status.get("account"))
    acct = string(account.get("acct"))
    return PostData(
        post_id=post_id,
        url=string(status.get("url")) or _status_url(host, acct, post_id),
        text=html_to_text(content),
        author=author(
            account.get("id"), acct, account.get("display_name"), string(account.get("url"))
        ),
        posted_at=timestamp(status.get("created_at")),
        lang=string(status.get("language")),
        media=_media(status),
        metrics=counts(status, _METRICS),
        quoted_post=_quoted(status, host),
        reply_to=_reply_to(status, host),
        edited_at=timestamp(status.get("edited_at")),
        extra=_extra(status),
    )


def _status_url(host: str, acct: str | None, post_id: str) -> str:
    return f"https://{host}/@{acct}/{post_id}" if acct else f"https://{host}/statuses/{post_id}"


def _extra(status: Mapping[str, Any]) -> dict[str, Any]:
    extra = present(status, _STATUS_EXTRA + _TRUTH_EXTRA)
    account = obj(status.get("account"))
    extra.update({f"account_{k}": v for k, v in present(account, _TRUTH_ACCOUNT_EXTRA).items()})
    card = obj(status.get("card"))
    if card:
        extra["card"] = present(card, ("url", "title", "description"))
    options = [string(obj(o).get("title")) for o in items(obj(status.get("poll")).get("options"))]
    if options:
        extra["poll_options"] = options
    quote_state = string(obj(status.get("quote")).get("state"))
    if quote_state:
        extra["quote_state"] = quote_state
    return extra


def _media(status: Mapping[str, Any]) -> tuple[Media, ...]:
    found: list[Media] = []
    for attachment in map(obj, items(status.get("media_attachments"))):
        kind = _MEDIA_TYPES.get(str(attachment.get("type")))
        url = string(attachment.get("url")) or string(attachment.get("remote_url"))
        if kind is None or url is None:
            continue
        size = obj(obj(attachment.get("meta")).get("original"))
        found.append(
            Media(
                kind,
                url,
                alt=string(attachment.get("description")),
                width=integer(size.get("width")),
                height=integer(size.get("height")),
                preview_url=string(attachment.get("preview_url")),
            )
        )
    return tuple(found)


def _linked(status: Mapping[str, Any], host: str) -> LinkedPost:
    post_id = string(status.get("id"))
    acct = string(obj(status.get("account")).get("acct"))
    content = status.get("content")
    return LinkedPost(
        id=post_id,
        url=string(status.get("url")) or (_status_url(host, acct, post_id) if post_id else None),
        author_handle=acct,
        text=html_to_text(content) if isinstance(content, str) else None,
    )


def _quoted(status: Mapping[str, Any], host: str) -> LinkedPost | None:
    """Mastodon 4.4's ``quote{state, quoted_status}`` (or its shallow ``quoted_status_id``
    form), or Truth Social's ``quote`` status and ``quote_id``."""
    quote = obj(status.get("quote"))
    quoted = quote if "content" in quote else obj(quote.get("quoted_status"))
    if quoted:
        return _linked(quoted, host)
    quoted_id = string(quote.get("quoted_status_id")) or string(status.get("quote_id"))
    return LinkedPost(quoted_id, None) if quoted_id else None


def _reply_to(status: Mapping[str, Any], host: str) -> LinkedPost | None:
    parent = obj(status.get("in_reply_to"))  # Truth Social serves the parent status itself
    if "content" in parent:
        return _linked(parent, host)
    post_id = string(status.get("in_reply_to_id"))
    if post_id is None:
        return None
    account_id = string(status.get("in_reply_to_account_id"))
    accounts = [obj(status.get("account"))] + [obj(m) for m in items(status.get("mentions"))]
    acct = next(
        (string(a.get("acct")) for a in accounts if account_id and a.get("id") == account_id),
        None,
    )
    return LinkedPost(post_id, _status_url(host, acct, post_id) if acct else None, acct)


def read_history(entries: list[Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """An edit history (oldest first) as version timestamps and ``{created_at, text}`` entries
    (Mastodon's versions have no ids of their own)."""
    versions = [obj(entry) for entry in entries if obj(entry)]
    history: list[dict[str, Any]] = []
    for version in versions:
        entry = {
            "created_at": string(version.get("created_at")),
            "text": html_to_text(str(version.get("content") or "")),
        }
        if spoiler := string(version.get("spoiler_text")):
            entry["spoiler_text"] = spoiler
        history.append(entry)
    stamps = tuple(e["created_at"] for e in history if e["created_at"])
    return stamps, history


def is_instance(document: Mapping[str, Any] | None) -> bool:
    """Whether ``/api/v1/instance`` (or ``/api/v2/instance``) answered as Mastodon does."""
    return document is not None and any(
        string(document.get(key)) for key in ("uri", "domain", "version")
    )


def nodeinfo_link(document: Mapping[str, Any] | None, host: str) -> str | None:
    """The nodeinfo document ``/.well-known/nodeinfo`` points to, if it is on ``host``."""
    for link in map(obj, items((document or {}).get("links"))):
        href = string(link.get("href"))
        if "nodeinfo" in str(link.get("rel")) and href and href.startswith(f"https://{host}/"):
            return href
    return None


def speaks_mastodon(document: Mapping[str, Any] | None) -> bool:
    """Whether a nodeinfo document names server software that serves Mastodon's API."""
    name = string(obj((document or {}).get("software")).get("name"))
    return name is not None and name.lower() in MASTODON_API_SOFTWARE


def account_suspended(account: Mapping[str, Any]) -> bool:
    """Whether an account lookup says the account is suspended."""
    return account.get("suspended") is True
