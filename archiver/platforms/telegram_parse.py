"""Reading Telegram's post widget (``t.me/{channel}/{id}?embed=1``): the message (text as a
reader sees it, channel, time, photos, video, reply, edited mark) or the error the widget
shows in its place, parsed with BeautifulSoup's ``html.parser``.

The page is hostile input: values are only read, never rendered; media URLs are kept only
when they are ``https``.

Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.exceptions import ParserRejectedMarkup

from archiver.domain import LinkedPost, Media, MediaType, PostData, PostStatus
from archiver.platforms._values import GoneReason, author, string, timestamp
from archiver.platforms.html_text import html_to_text

WEB: Final = "https://t.me"
#: The widget's words for a message that does not exist (deleted, or never posted).
NOT_FOUND: Final = "post not found"
#: ``background-image:url('…')`` in a style attribute: where the widget puts its pictures.
_BACKGROUND: Final = re.compile(
    r"background-image\s*:\s*url\(\s*(['\"]?)(?P<url>[^'\"()\s]{1,2000})\1\s*\)", re.IGNORECASE
)
_MESSAGE_LINK: Final = re.compile(r"https://t\.me/(?:s/)?(?P<channel>\w{1,64})/(?P<id>\d{1,12})")


def complete(body: bytes) -> bool:
    """Whether the page arrived whole (it ends with its closing ``</html>``): a page cut
    short may hold half a message."""
    return body.rstrip().lower().endswith(b"</html>")


def read_widget(body: bytes, channel: str, post_id: str) -> PostData | GoneReason | None:
    """The widget page as the message ``channel/post_id``, the reason the widget gives for
    not showing it, or ``None`` when the page shows neither (not the widget we asked for)."""
    try:
        soup = BeautifulSoup(body.decode("utf-8", errors="replace"), "html.parser")
    except (ParserRejectedMarkup, AssertionError, ValueError, RecursionError):
        return None
    error = soup.select_one(".tgme_widget_message_error")
    if error is not None:
        said = error.get_text(" ", strip=True)
        if said.lower() == NOT_FOUND:
            return GoneReason(PostStatus.DELETED, f"Telegram's widget says “{said}”.")
        return GoneReason(PostStatus.UNAVAILABLE, f"Telegram's widget says “{said[:300]}”.")
    message = soup.select_one("div.tgme_widget_message[data-post]")
    wanted = f"{channel}/{post_id}".lower()
    if message is None or str(message.get("data-post", "")).lower() != wanted:
        return None
    return _message(message, channel, post_id)


def _message(message: Tag, channel: str, post_id: str) -> PostData:
    text_div = next(
        (
            div
            for div in message.select(".tgme_widget_message_text")
            if div.find_parent(class_="tgme_widget_message_reply") is None
        ),
        None,
    )
    owner = message.select_one(".tgme_widget_message_owner_name")
    signed = message.select_one(".tgme_widget_message_from_author")
    meta = message.select_one(".tgme_widget_message_meta")
    views = message.select_one(".tgme_widget_message_views")
    moment = message.select_one(".tgme_widget_message_date time[datetime]")
    extra: dict[str, object] = {"data_post": str(message.get("data-post"))}
    if meta is not None and "edited" in meta.get_text(" ", strip=True).lower():
        extra["edited"] = True
    if views is not None:
        extra["views"] = views.get_text(strip=True)
    if signed is not None:
        extra["signed_by"] = signed.get_text(" ", strip=True)
    forwarded = message.select_one(".tgme_widget_message_forwarded_from_name")
    if forwarded is not None:
        extra["forwarded_from"] = forwarded.get_text(" ", strip=True)
    preview = message.select_one("a.tgme_widget_message_link_preview[href]")
    if preview is not None:
        extra["link_preview"] = _https(preview.get("href"))
    return PostData(
        post_id=post_id,
        url=f"{WEB}/{channel}/{post_id}",
        text=html_to_text(text_div.decode_contents()) if text_div is not None else "",
        author=author(
            None,
            channel,
            owner.get_text(" ", strip=True) if owner is not None else None,
            f"{WEB}/{channel}",
        ),
        posted_at=timestamp(moment.get("datetime")) if moment is not None else None,
        media=_media(message),
        reply_to=_reply(message),
        extra=extra,
    )


def _media(message: Tag) -> tuple[Media, ...]:
    """Photos (their ``background-image``) and videos (``<video src>``), in page order."""
    found: list[Media] = []
    for node in message.select("a.tgme_widget_message_photo_wrap, .tgme_widget_message_video"):
        if "tgme_widget_message_photo_wrap" in (node.get("class") or []):
            url = _background(node)
            if url is not None:
                found.append(Media(MediaType.PHOTO, url))
            continue
        src = _https(node.get("src"))
        if src is None:
            continue
        player = node.find_parent(class_="tgme_widget_message_video_player")
        thumb = player.select_one(".tgme_widget_message_video_thumb") if player else None
        preview = _background(thumb) if thumb is not None else None
        found.append(Media(MediaType.VIDEO, src, preview_url=preview))
    return tuple(found)


def _reply(message: Tag) -> LinkedPost | None:
    """The message this one replies to, when the widget shows it."""
    reply = message.select_one("a.tgme_widget_message_reply[href]")
    if reply is None:
        return None
    href = _https(reply.get("href"))
    found = _MESSAGE_LINK.match(href or "")
    if found is None:
        return None
    text = reply.select_one(".tgme_widget_message_metatext, .tgme_widget_message_text")
    return LinkedPost(
        found["id"],
        f"{WEB}/{found['channel']}/{found['id']}",
        found["channel"],
        html_to_text(text.decode_contents()) if text is not None else None,
    )


def _background(node: Tag) -> str | None:
    """The https URL of an element's ``background-image``, if it has one."""
    found = _BACKGROUND.search(str(node.get("style") or ""))
    return _https(found["url"]) if found else None


def _https(value: object) -> str | None:
    """``value`` if it is an absolute https URL (protocol-relative ones made https)."""
    url = string(value)
    if url is None:
        return None
    url = f"https:{url}" if url.startswith("//") else url
    parts = urlsplit(url)
    return url if parts.scheme == "https" and parts.hostname else None
