"""Helpers for tests that talk to the platform emulator (``archiver.emulator``) over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from archiver.config import Settings
from archiver.domain import Observation
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from archiver.platforms import adapter_for, match_url


def local_url(server: EmulatorServer, url: str) -> str:
    """The emulator URL that plays a real platform URL (path and query kept)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return server.origin_url(origin) + url[len(origin) :]


def fetch(client: httpx.Client, server: EmulatorServer, url: str, **kwargs: Any) -> httpx.Response:
    """GET a real platform URL from the emulator."""
    return client.get(local_url(server, url), **kwargs)


def control(
    client: httpx.Client, server: EmulatorServer, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """Call the emulator's control API (``path`` starts with ``/control``)."""
    return client.request(method, server.control_url + path, **kwargs)


async def observe(settings: Settings, url: str, timeout: float = 10.0) -> Observation:
    """Fetch ``url`` with the adapter that claims it, through a fresh gate."""
    ref = match_url(url)
    assert ref is not None, url
    async with Egress(settings, timeout=timeout) as gate:
        return await adapter_for(ref).fetch(ref, gate)
