"""What the request handlers share: the origin a request arrived on, the handler signature,
response builders and time formats."""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from archiver.emulator.world import World

#: Which failure answers an origin kind gives (its "family").
FAMILIES: Final = {
    "x-syndication": "x",
    "x-publish": "x",
    "x-platform": "x",
    "mastodon": "mastodon",
    "bsky-api": "bluesky",
    "bsky-embed": "bluesky",
    "reddit": "reddit",
    "reddit-embed": "reddit",
    "telegram": "telegram",
    "threads-web": "threads",
    "threads-graph": "meta-graph",
    "youtube": "youtube",
    "ytimg": "media",
    "media": "media",
    "web": "web",
    "web-oembed": "web",
    "wayback": "wayback",
    "control": "control",
}


@dataclass(frozen=True)
class Origin:
    """An emulated origin: the real ``url`` (``https://mastodon.social``) and its ``kind``."""

    url: str
    kind: str

    @property
    def host(self) -> str:
        """The real host name."""
        return self.url.split("://", 1)[-1]

    @property
    def family(self) -> str:
        """``x``, ``mastodon``, ``bluesky``, ``reddit``, ``telegram``, ``threads``,
        ``meta-graph``, ``youtube``, ``web``, ``media``, ``wayback`` or ``control``."""
        return FAMILIES[self.kind]


#: The real origins emulated by default, in port order (the control origin comes first).
DEFAULT_ORIGINS: Final = (
    Origin("https://cdn.syndication.twimg.com", "x-syndication"),
    Origin("https://publish.twitter.com", "x-publish"),
    Origin("https://publish.x.com", "x-publish"),
    Origin("https://platform.twitter.com", "x-platform"),
    Origin("https://pbs.twimg.com", "media"),
    Origin("https://video.twimg.com", "media"),
    Origin("https://mastodon.social", "mastodon"),
    Origin("https://files.mastodon.social", "media"),
    Origin("https://truthsocial.com", "mastodon"),
    Origin("https://static-assets-1.truthsocial.com", "media"),
    Origin("https://public.api.bsky.app", "bsky-api"),
    Origin("https://embed.bsky.app", "bsky-embed"),
    Origin("https://cdn.bsky.app", "media"),
    Origin("https://video.bsky.app", "media"),
    Origin("https://www.ledger-gazette.example", "news"),
    Origin("https://www.reddit.com", "reddit"),
    Origin("https://embed.reddit.com", "reddit-embed"),
    Origin("https://i.redd.it", "media"),
    Origin("https://preview.redd.it", "media"),
    Origin("https://v.redd.it", "media"),
    Origin("https://t.me", "telegram"),
    Origin("https://cdn4.telesco.pe", "media"),
    Origin("https://www.threads.com", "threads-web"),
    Origin("https://www.threads.net", "threads-web"),
    Origin("https://graph.threads.net", "threads-graph"),
    Origin("https://scontent.cdninstagram.com", "media"),
    Origin("https://www.youtube.com", "youtube"),
    Origin("https://i.ytimg.com", "ytimg"),
    Origin("https://yt3.ggpht.com", "media"),
    Origin("https://www.riverside-dispatch.example", "web"),
    Origin("https://embed.riverside-dispatch.example", "web-oembed"),
    Origin("https://cdn.riverside-dispatch.example", "media"),
    Origin("https://web.archive.org", "wayback"),
)


@dataclass(frozen=True)
class Ctx:
    """A request's context: the world, the origin the request arrived on, the directory."""

    world: World
    origin: Origin
    #: Every emulated real origin and the local origin serving it.
    directory: Mapping[str, str] = field(default_factory=dict)
    #: Set when the server stops: hanging requests give up.
    stopping: threading.Event = field(default_factory=threading.Event)


Handler = Callable[[Request, Ctx], Awaitable[Response]]


def json_response(
    data: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    content_type: str = "application/json; charset=utf-8",
) -> Response:
    """Compact UTF-8 JSON, as the platforms send it."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    merged = {"content-type": content_type, **(headers or {})}
    return Response(body, status_code=status, headers=merged)


def text_response(
    text: str, status: int = 200, *, content_type: str = "text/plain; charset=utf-8"
) -> Response:
    """A text body with the given content type."""
    return Response(text.encode(), status_code=status, headers={"content-type": content_type})


def html_response(html: str, status: int = 200) -> Response:
    """An HTML page."""
    return text_response(html, status, content_type="text/html; charset=utf-8")


def now() -> datetime:
    """The current time, UTC."""
    return datetime.now(UTC)


def iso_ms(moment: datetime) -> str:
    """``2023-09-17T15:52:15.000Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def iso_us(moment: datetime) -> str:
    """``2026-09-01T12:05:00.000000Z`` (Mastodon's rate-limit reset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def long_date(moment: datetime) -> str:
    """``July 12, 2023``."""
    return f"{moment.strftime('%B')} {moment.day}, {moment.year}"


def parse_time(value: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; naive means UTC)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def query(request: Request, name: str) -> str | None:
    """A query parameter, or ``None``."""
    return request.query_params.get(name)
