"""Helpers for tests that talk to the platform emulator (``archiver.emulator``) over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from archiver.config import Settings
from archiver.domain import Failed, FailureKind, Observation
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


async def failure(
    settings: Settings, url: str, kind: FailureKind, *, timeout: float = 10.0, waits: bool = False
) -> Failed:
    """Observe ``url`` and check it is a failure of ``kind`` (never a verdict on the post);
    ``waits``: it must also carry the time to wait (a rate limit that said when to retry)."""
    observation = await observe(settings, url, timeout=timeout)
    assert isinstance(observation, Failed), observation
    assert observation.kind is kind, observation.detail
    if waits:
        assert observation.retry_after is not None
    return observation
