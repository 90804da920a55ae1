"""Bluesky: recognising post URLs and AT-URIs and canonicalising them.

Accepted: ``https://bsky.app/profile/{handle-or-DID}/post/{rkey}`` (also on ``www.bsky.app``,
``main.bsky.dev`` and the ``fxbsky.app`` mirror) and ``at://{handle-or-DID}/app.bsky.feed.post/
{rkey}``. A handle and the DID it resolves to name the same post but stay distinct keys here;
resolving handles needs the network and happens later.

Fetching asks the public AppView (``public.api.bsky.app``): a handle is first resolved to its
DID (one that no longer resolves means the account is gone), then ``getPostThread`` reads the
post. "Not found" is refined by the author's profile: taken down means suspended.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, unquote

from archiver.domain import (
    Failed,
    FailureKind,
    Observation,
    Platform,
    PostData,
    PostRef,
    PostStatus,
    ScreenshotTarget,
)
from archiver.platforms._http import ClockedAdapter, Exchanges, json_object
from archiver.platforms._values import GoneReason
from archiver.platforms.base import Fetcher, split_url
from archiver.platforms.bluesky_parse import read_thread, xrpc_error

XRPC: Final = "https://public.api.bsky.app/xrpc"

_HOSTS: Final = frozenset(
    {"bsky.app", "www.bsky.app", "main.bsky.dev", "fxbsky.app", "d.fxbsky.app", "m.fxbsky.app"}
)

_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: A handle: a domain name whose last label does not start with a digit (atproto spec).
_HANDLE: Final = re.compile(rf"(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?", re.ASCII)
_DID: Final = re.compile(rf"did:(?:plc:[a-z2-7]{{24}}|web:(?:{_LABEL}\.)+{_LABEL})", re.ASCII)
_RKEY: Final = re.compile(r"[A-Za-z0-9._:~-]{1,512}", re.ASCII)

_WEB_PATH: Final = re.compile(r"/profile/(?P<authority>[^/]{1,600})/post/(?P<rkey>[^/]{1,600})/?")
_AT_URI: Final = re.compile(
    r"(?i:at)://(?P<authority>[^/?#]{1,600})/app\.bsky\.feed\.post/(?P<rkey>[^/?#]{1,600})/?(?:[?#].*)?",
    re.DOTALL,
)


def _authority(raw: str) -> tuple[str, str | None] | None:
    """Return ``(authority, handle or None)`` for a handle or DID, or ``None`` if it is neither."""
    text = unquote(raw)
    if _DID.fullmatch(text):
        return text, None
    handle = text.lower()
    if text.isascii() and len(handle) <= 253 and _HANDLE.fullmatch(handle):
        return handle, handle
    return None


def thread_url(did: str, rkey: str) -> str:
    """The AppView address of one post, without its parents or replies."""
    uri = quote(f"at://{did}/app.bsky.feed.post/{rkey}", safe=":/")
    return f"{XRPC}/app.bsky.feed.getPostThread?uri={uri}&depth=0&parentHeight=0"


class BlueskyAdapter(ClockedAdapter):
    """Recognises Bluesky post URLs and AT-URIs and observes posts through the public AppView."""

    platform: Platform = Platform.BLUESKY
    display_name: str = "Bluesky"

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """Bluesky's embed page, which names the post by DID and record key."""
        authority = ref.key.rsplit("/", 1)[0]
        did = data.extra.get("did") if isinstance(data.extra.get("did"), str) else authority
        return ScreenshotTarget(
            url=f"https://embed.bsky.app/embed/{did}/app.bsky.feed.post/{ref.post_id}",
            selector="article, main, #app",
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL or AT-URI naming one Bluesky post, in any of its forms, or ``None``."""
        found = _AT_URI.fullmatch(url.strip())
        if found is None:
            parts = split_url(url)
            if parts is None or parts.netloc not in _HOSTS:
                return None
            found = _WEB_PATH.fullmatch(parts.path)
            if found is None:
                return None
        authority = _authority(found["authority"])
        rkey = unquote(found["rkey"])
        if authority is None or rkey in {".", ".."} or not _RKEY.fullmatch(rkey):
            return None
        did_or_handle, handle = authority
        return PostRef(
            platform=self.platform,
            key=f"{did_or_handle}/{rkey}",
            post_id=rkey,
            canonical_url=f"https://bsky.app/profile/{did_or_handle}/post/{rkey}",
            author_handle=handle,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the post; see the module docstring."""
        authority, rkey = ref.key.rsplit("/", 1)
        calls = self._exchanges(fetcher)
        did = authority if authority.startswith("did:") else await _resolve(calls, authority)
        if not isinstance(did, str):
            return did
        exchange = await calls.get(thread_url(did, rkey))
        if isinstance(exchange, Failed):
            return exchange
        payload = json_object(exchange)
        error, message = xrpc_error(payload)
        if exchange.status == 400 and error == "NotFound":
            return await _not_found(calls, did, f"Bluesky answers NotFound ({message or error})")
        if exchange.status != 200:
            return calls.unexpected(exchange)
        if payload is None:
            return calls.not_json(exchange)
        read = read_thread(payload)
        if read is None:
            return calls.failed(FailureKind.UPSTREAM, "the AppView answered no post we know")
        if isinstance(read, GoneReason):
            if read.reason is PostStatus.DELETED:
                return await _not_found(calls, did, read.evidence.rstrip("."))
            return calls.gone(read.reason, read.evidence)
        return calls.live(read, exchange)


async def _resolve(calls: Exchanges, handle: str) -> str | Observation:
    """The DID ``handle`` names, or why there is none."""
    exchange = await calls.get(
        f"{XRPC}/com.atproto.identity.resolveHandle?handle={quote(handle, safe='')}"
    )
    if isinstance(exchange, Failed):
        return exchange
    payload = json_object(exchange)
    error, message = xrpc_error(payload)
    unresolved = error == "HandleNotFound" or (
        error == "InvalidRequest" and "resolve handle" in message.lower()
    )
    if exchange.status == 400 and unresolved:
        said = f"The handle {handle} no longer resolves to an account ({message or error})."
        return calls.gone(PostStatus.UNAVAILABLE, said)
    if exchange.status != 200:
        return calls.unexpected(exchange)
    did = (payload or {}).get("did")
    if not isinstance(did, str) or not did.startswith("did:"):
        return calls.not_json(exchange)
    return did


async def _not_found(calls: Exchanges, did: str, said: str) -> Observation:
    """The post is not found: deleted, unless its author's account is taken down (suspended)
    or deactivated (hidden, not deleted)."""
    exchange = await calls.get(f"{XRPC}/app.bsky.actor.getProfile?actor={quote(did, safe=':')}")
    if isinstance(exchange, Failed):
        detail = f"{said}, and looking up its author failed: {exchange.detail}"
        return calls.failed(exchange.kind, detail, exchange.retry_after)
    error, _ = xrpc_error(json_object(exchange))
    if exchange.status == 200:
        return calls.gone(PostStatus.DELETED, f"{said}; its author's account is active.")
    if exchange.status != 400:
        return calls.unexpected(exchange)
    if error == "AccountTakedown":
        return calls.gone(PostStatus.SUSPENDED, f"{said}; the author's account is taken down.")
    if error == "AccountDeactivated":
        return calls.gone(PostStatus.UNAVAILABLE, f"{said}; the author deactivated the account.")
    return calls.gone(PostStatus.DELETED, f"{said}; the author's profile is not found either.")
