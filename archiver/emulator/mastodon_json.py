"""Mastodon's JSON entities (Status, Account, MediaAttachment, PreviewCard, StatusEdit), with
Truth Social's differences: ``quote_id``, ``quote`` and ``in_reply_to`` as statuses, ``group``,
``sponsored``, the account's ``verified``/``location``/``website`` and friends."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from archiver.emulator import idgen
from archiver.emulator.common import iso_ms
from archiver.emulator.model import Account, MediaItem, Post
from archiver.emulator.text import mastodon_html

if TYPE_CHECKING:
    from archiver.emulator.world import World


def api_visible(post: Post | None) -> bool:
    """Whether the public API shows the status."""
    return bool(
        post and not post.deleted and post.variant != "private" and post.account.state == "active"
    )


def account_json(account: Account) -> dict[str, Any]:
    """The Account entity (Truth Social's extra fields included there)."""
    host, handle = account.host, account.handle
    header = f"https://{host}/headers/original/missing.png"
    data: dict[str, Any] = {
        "id": account.id,
        "username": handle,
        "acct": handle,
        "display_name": account.name,
        "locked": account.state == "protected",
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": iso_ms(account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": f"<p>{account.bio}</p>" if account.bio else "",
        "url": f"https://{host}/@{handle}",
        "uri": f"https://{host}/users/{handle}",
        "avatar": account.avatar_url,
        "avatar_static": account.avatar_url,
        "header": header,
        "header_static": header,
        "followers_count": account.followers,
        "following_count": account.following,
        "statuses_count": account.post_count,
        "last_status_at": account.last_post_at.date().isoformat() if account.last_post_at else None,
        "emojis": [],
        "fields": [],
    }
    if account.platform == "truthsocial":
        data.update(
            verified=account.verified,
            location=account.location,
            website=account.website,
            unauth_visibility=True,
            chats_onboarded=True,
            feeds_onboarded=True,
            accepting_messages=False,
            show_nonmember_group_statuses=None,
            tv_onboarded=False,
            tv_account=False,
        )
    if account.state in ("suspended", "withheld"):  # withheld: suspended, for now
        data.update(display_name="", note="", fields=[], statuses_count=0, suspended=True)
    return data


def attachment_json(item: MediaItem) -> dict[str, Any]:
    """A MediaAttachment entity."""
    size = {
        "width": item.width,
        "height": item.height,
        "size": f"{item.width}x{item.height}",
        "aspect": round(item.width / max(item.height, 1), 6),
    }
    colour = idgen.digest("media", item.key)
    return {
        "id": item.media_id,
        "type": {"gif": "gifv"}.get(item.type, item.type),
        "url": item.urls["full"],
        "preview_url": item.urls["preview"],
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {
            "original": size,
            "small": {**size, "width": 400, "height": 400 * item.height // max(item.width, 1)},
        },
        "description": item.alt or None,
        "blurhash": idgen.blurhash(*colour[:3]),
    }


def card_json(link: dict[str, str]) -> dict[str, Any]:
    """A PreviewCard for a link."""
    host = re.sub(r"^https?://(?:www\.)?([^/]+).*", r"\1", link["uri"])
    return {
        "url": link["uri"],
        "title": link.get("title") or f"Page at {host}",
        "description": link.get("description", ""),
        "language": "en",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": host,
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "image": None,
        "image_description": "",
        "embed_url": "",
        "blurhash": None,
        "published_at": None,
        "authors": [],
    }


def status_json(world: World, post: Post, depth: int = 0) -> dict[str, Any]:
    """The Status entity of the current version."""
    host, handle, truth = post.host, post.account.handle, post.platform == "truthsocial"
    rendered = _render(world, post, -1)
    version = post.current
    url = f"https://{host}/@{handle}/{post.id}"
    parent = world.status(host, post.reply_to_id) if post.reply_to_id else None
    quoted = world.status(host, post.quoted_id) if post.quoted_id else None
    items = [m for m in version.media if m.type != "external"]
    links = [m.link for m in version.media if m.type == "external"] or [
        {"uri": link} for link in rendered.links
    ]
    data: dict[str, Any] = {
        "id": post.id,
        "created_at": iso_ms(post.created_at),
        "in_reply_to_id": post.reply_to_id,
        "in_reply_to_account_id": parent.account.id if parent else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": post.lang,
        "uri": url if truth else f"https://{host}/users/{handle}/statuses/{post.id}",
        "url": url,
        "replies_count": post.replies,
        "reblogs_count": post.reposts,
        "favourites_count": post.likes,
        "quotes_count": post.quotes,
        "edited_at": iso_ms(version.at) if len(post.versions) > 1 else None,
        "content": version.html or rendered.html,
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": account_json(post.account),
        "media_attachments": [attachment_json(item) for item in items],
        "mentions": rendered.mentions,
        "tags": rendered.tags,
        "emojis": [],
        "card": card_json(links[0]) if links and not items else None,
        "poll": None,
    }
    shown = api_visible(quoted) and depth < 1
    if truth:
        del data["application"], data["quotes_count"]
        data["quote_id"] = post.quoted_id
        data["quote"] = status_json(world, quoted, depth + 1) if quoted and shown else None
        reply_shown = parent is not None and api_visible(parent) and depth < 1
        data["in_reply_to"] = (
            status_json(world, parent, depth + 1) if parent and reply_shown else None
        )
        data.update(group=None, sponsored=False)
    elif post.quoted_id:
        state = (
            "accepted"
            if api_visible(quoted)
            else "deleted"
            if not quoted or quoted.deleted
            else "unauthorized"
        )
        if quoted and state == "accepted" and depth >= 1:
            data["quote"] = {"state": state, "quoted_status_id": quoted.id}
        else:
            inner = status_json(world, quoted, depth + 1) if quoted and shown else None
            data["quote"] = {"state": state, "quoted_status": inner}
    else:
        data["quote"] = None
    return data


def _render(world: World, post: Post, index: int) -> Any:
    def account_of(username: str, domain: str) -> tuple[str, str, str]:
        where = domain or post.host
        found = (
            world.account(post.platform, username, host=where)
            if where in world.mastodon_hosts
            else None
        )
        account_id = found.id if found else str(idgen.number("acct", username, where) % 10**17)
        acct = f"{username}@{domain}" if domain and domain != post.host else username
        return account_id, f"https://{where}/@{username}", acct

    return mastodon_html(
        post.versions[index].text,
        host=post.host,
        account_of=account_of,
        truth=post.platform == "truthsocial",
    )


def history_json(world: World, post: Post) -> list[dict[str, Any]]:
    """``/history``: every version, oldest first, the initial and current included."""
    account = account_json(post.account)
    return [
        {
            "content": version.html or _render(world, post, index).html,
            "spoiler_text": "",
            "sensitive": False,
            "created_at": iso_ms(version.at),
            "account": account,
            "media_attachments": [
                attachment_json(m) for m in version.media if m.type != "external"
            ],
            "emojis": [],
        }
        for index, version in enumerate(post.versions)
    ]
