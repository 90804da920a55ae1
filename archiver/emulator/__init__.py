"""A local emulator of the social platforms Archiver reads: a real HTTP server on loopback that
speaks each platform's wire format (X syndication, oEmbed and embed; the Mastodon API for
mastodon.social and Truth Social; the Bluesky AppView and embed service; Reddit, Telegram,
Threads and YouTube; a news site and a web publication with oEmbed; their media CDNs; the
Internet Archive's Save Page Now and Wayback Machine, for corroboration) and can be told,
through a control API or ``EmulatorServer.world``, to edit, delete, suspend, protect,
withhold, rate-limit, fail or hang.

One local port per emulated origin: the service reaches it through
``ARCHIVER_UPSTREAM_OVERRIDES`` (``EmulatorServer.overrides``). Test and development tooling
only: nothing in the service imports it.
"""

from __future__ import annotations

from archiver.emulator.model import PostInfo
from archiver.emulator.server import EmulatorServer
from archiver.emulator.world import World

__all__ = ["EmulatorServer", "PostInfo", "World"]
