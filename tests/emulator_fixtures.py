"""Helpers for tests that talk to the platform emulator (``archiver.emulator``) over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from archiver.emulator import EmulatorServer


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
