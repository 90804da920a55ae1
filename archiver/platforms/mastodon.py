"""Mastodon and compatible servers (Truth Social among them): recognising post URLs.

Mastodon runs on any host, so this adapter comes last in the registry and recognises the path
shapes alone: ``/@user/{id}``, ``/@user@origin.tld/{id}`` (a remote account seen through this
server; the id is this server's), ``/web/@user/{id}``, ``/users/{user}/statuses/{id}`` and Truth
Social's ``/@user/posts/{id}``, each optionally followed by ``/embed`` or a slash. Status ids
are per server, so the key is ``host/id`` and the host is kept exactly (no ``www.`` stripping).

Fetching asks ``/api/v1/statuses/{id}`` on the post's own host, after checking once per host
(``/api/v1/instance``, else nodeinfo) that the host speaks Mastodon's API at all: a 404 from a
server that does not is no evidence of deletion. A 404 "Record not found" means deleted or
private, or suspended when looking the author up says so; 410 means suspended. An edited
status also brings its edit history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

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
from archiver.platforms._http import (
    ClockedAdapter,
    Exchanges,
    NotJson,
    json_body,
    json_object,
    utc_now,
)
from archiver.platforms.base import Fetcher, ascii_host, split_url
from archiver.platforms.mastodon_parse import (
    account_suspended,
    is_instance,
    nodeinfo_link,
    read_history,
    read_status,
    speaks_mastodon,
)

#: Domains owned by other platforms: never Mastodon, whatever the path looks like.
NOT_MASTODON_DOMAINS: Final = frozenset(
    {
        "x.com", "twitter.com", "fxtwitter.com", "vxtwitter.com", "fixupx.com", "fixvx.com",
        "t.co", "bsky.app", "bsky.dev", "fxbsky.app", "threads.net", "threads.com",
        "instagram.com", "facebook.com", "fb.com", "tiktok.com", "youtube.com", "youtu.be",
        "medium.com", "reddit.com", "redd.it", "t.me", "telegram.me", "telegram.org",
        "substack.com", "linkedin.com",
    }
)  # fmt: skip

#: The one host whose canonical post URL keeps the ``/posts/`` segment.
TRUTH_SOCIAL_HOST: Final = "truthsocial.com"

#: Hosts known to serve Mastodon's API, never asked.
KNOWN_MASTODON_HOSTS: Final = frozenset({"mastodon.social", TRUTH_SOCIAL_HOST})
#: Answers that settle whether a host speaks Mastodon (anything else may be passing trouble).
_DEFINITE: Final = frozenset({200, 404, 410})
_FORGET_NO_AFTER: Final = timedelta(days=1)
#: Hosts remembered at most; past it the memory starts afresh (submitted URLs name any host).
_MAX_VERDICTS: Final = 10_000

_USER: Final = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,98}[A-Za-z0-9_])?"
_PATH: Final = re.compile(
    rf"/(?:(?:web/)?@(?P<user>{_USER}(?:@[A-Za-z0-9-]{{1,63}}(?:\.[A-Za-z0-9-]{{1,63}})+)?)"
    rf"(?:/posts)?|users/(?P<ap_user>{_USER})/statuses)"
    r"/(?P<id>\d{1,25})(?:/embed)?/?",
    re.ASCII,
)


def _other_platform(host: str) -> bool:
    """Whether ``host`` is, or is under, a domain owned by another platform."""
    return any(host == d or host.endswith(f".{d}") for d in NOT_MASTODON_DOMAINS)


class MastodonAdapter(ClockedAdapter):
    """Recognises post URLs of Mastodon and compatible servers, on any host, and observes them
    through the host's own API. Remembers, per host, whether it speaks Mastodon's API."""

    platform: Platform = Platform.MASTODON
    display_name: str = "Mastodon (and compatible servers such as Truth Social)"

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock
        #: host → (speaks Mastodon's API, when that was found out)
        self._verdicts: dict[str, tuple[bool, datetime]] = {}

    def screenshot_target(self, ref: PostRef, data: PostData) -> ScreenshotTarget:
        """The server's embed page ``/@user/ID/embed`` (Truth Social drops its ``/posts/``)."""
        user = ref.author_handle or (data.author.handle if data.author else None) or "_"
        return ScreenshotTarget(
            url=f"https://{ref.host}/@{user}/{ref.post_id}/embed",
            selector="article, .detailed-status, .status, .embed",
        )

    def match(self, url: str) -> PostRef | None:
        """Recognise a URL naming one Mastodon-style post, in any of its forms, or ``None``."""
        parts = split_url(url)
        if parts is None:
            return None
        host = ascii_host(parts.netloc)
        if host is None or _other_platform(host):
            return None
        found = _PATH.fullmatch(parts.path)
        if found is None:
            return None
        user: str = found["user"] or found["ap_user"]
        post_id: str = found["id"]
        posts = "/posts" if host == TRUTH_SOCIAL_HOST else ""
        return PostRef(
            platform=self.platform,
            key=f"{host}/{post_id}",
            post_id=post_id,
            canonical_url=f"https://{host}/@{user}{posts}/{post_id}",
            author_handle=user,
            host=host,
        )

    async def fetch(self, ref: PostRef, fetcher: Fetcher) -> Observation:
        """Observe the status on its host; see the module docstring."""
        host = ref.host or ref.key.split("/", 1)[0]
        calls = self._exchanges(fetcher)
        refused = await self._check_host(calls, host)
        if refused is not None:
            return refused
        exchange = await calls.get(f"https://{host}/api/v1/statuses/{ref.post_id}")
        if isinstance(exchange, Failed):
            return exchange
        # Mastodon's API answers its errors in JSON: a bare 404 or 410 page is not it speaking.
        spoke = json_object(exchange) is not None
        if exchange.status == 404 and spoke:
            return await _not_found(calls, host, ref.author_handle)
        if exchange.status == 410 and spoke:
            said = f"{host} answers 410 Gone: the author's account is suspended."
            return calls.gone(PostStatus.SUSPENDED, said)
        if exchange.status != 200:
            return calls.unexpected(exchange)
        status = json_object(exchange)
        if status is None:
            return calls.not_json(exchange)
        data = read_status(status, host)
        if data is None:
            return calls.failed(FailureKind.UPSTREAM, f"{host} answered something not a status")
        if data.edited_at is not None:
            data = await _with_history(calls, host, data)
        return calls.live(data, exchange)

    async def _check_host(self, calls: Exchanges, host: str) -> Failed | None:
        """``None`` if ``host`` speaks Mastodon's API, else the failure. A "yes" is remembered
        for good, a "no" for a day (a server may be fixed or installed later)."""
        if host in KNOWN_MASTODON_HOSTS:
            return None
        known = self._verdicts.get(host)
        if known is None or (not known[0] and calls.now - known[1] > _FORGET_NO_AFTER):
            verdict = await _probe(calls, host)
            if isinstance(verdict, Failed):
                return verdict
            if len(self._verdicts) >= _MAX_VERDICTS:
                self._verdicts.clear()
            self._verdicts[host] = known = (verdict, calls.now)
        if known[0]:
            return None
        said = f"{host} does not look like a Mastodon-compatible server"
        return calls.failed(FailureKind.UPSTREAM, said)


async def _probe(calls: Exchanges, host: str) -> bool | Failed:
    """Whether ``host`` speaks Mastodon's API: its instance document, else nodeinfo naming
    software that does. A failure when the answers settle nothing (5xx, 403, 429…)."""
    instance = await calls.get(f"https://{host}/api/v1/instance")
    if isinstance(instance, Failed):
        return instance
    if instance.status == 200 and is_instance(json_object(instance)):
        return True
    well_known = await calls.get(f"https://{host}/.well-known/nodeinfo")
    if isinstance(well_known, Failed):
        return well_known
    answers = [instance, well_known]
    link = nodeinfo_link(json_object(well_known), host) if well_known.status == 200 else None
    if link is not None:
        document = await calls.get(link)
        if isinstance(document, Failed):
            return document
        if document.status == 200:
            return speaks_mastodon(json_object(document))
        answers.append(document)
    if all(answer.status in _DEFINITE for answer in answers):
        return False
    limited = next((answer for answer in answers if answer.status == 429), None)
    if limited is not None:
        return calls.unexpected(limited)
    said = ", ".join(f"HTTP {answer.status}" for answer in answers)
    return calls.failed(
        FailureKind.UPSTREAM, f"could not tell whether {host} is Mastodon-compatible ({said})"
    )


async def _not_found(calls: Exchanges, host: str, handle: str | None) -> Observation:
    """The status answered 404: deleted or private, unless the author turns out suspended."""
    said = f"{host} answers 404 Record not found: deleted or private"
    if handle is None:
        return calls.gone(PostStatus.DELETED, f"{said}.")
    lookup = await calls.get(f"https://{host}/api/v1/accounts/lookup?acct={quote(handle, '@')}")
    if isinstance(lookup, Failed):
        detail = f"{said}, and looking up @{handle} failed: {lookup.detail}"
        return calls.failed(lookup.kind, detail, lookup.retry_after)
    if lookup.status in (404, 410) and json_object(lookup) is not None:
        why = f"{said}; @{handle} is not found either (suspended or removed account)."
        return calls.gone(PostStatus.SUSPENDED, why)
    if lookup.status != 200:
        return calls.unexpected(lookup)
    account = json_object(lookup)
    if account is None:
        return calls.not_json(lookup)
    if account_suspended(account):
        return calls.gone(PostStatus.SUSPENDED, f"{said}; @{handle} is suspended.")
    return calls.gone(PostStatus.DELETED, f"{said}; @{handle} is an active account.")


async def _with_history(calls: Exchanges, host: str, data: PostData) -> PostData:
    """``data`` with its edit history; without, and why, if the history cannot be read."""
    exchange = await calls.get(f"https://{host}/api/v1/statuses/{data.post_id}/history")
    extra: dict[str, Any] = dict(data.extra)
    if isinstance(exchange, Failed):
        extra["history_unavailable"] = exchange.detail
        return replace(data, extra=extra)
    try:
        entries = json_body(exchange) if exchange.status == 200 else None
    except NotJson:
        entries = None
    if not isinstance(entries, list):
        extra["history_unavailable"] = f"HTTP {exchange.status} from {host}: no history list"
        return replace(data, extra=extra)
    stamps, history = read_history(entries)
    extra["history"] = history
    return replace(data, edit_history_ids=stamps, extra=extra)
