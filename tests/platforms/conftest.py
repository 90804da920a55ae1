"""Fixtures of the adapter tests that read from the platform emulator over real sockets: one
emulator per module, the gate's settings that send every emulated origin to it, the emulator's
world emptied around each test, and an HTTP client to look at the emulator directly.

``settings`` here are the outbound gate's, not the database settings of the top ``conftest``:
no test under ``tests/platforms`` uses a database.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from archiver.config import Settings, load_settings
from archiver.emulator import EmulatorServer, World


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """One emulator for the module."""
    with EmulatorServer() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def settings(server: EmulatorServer) -> Settings:
    """Settings sending every emulated origin to the emulator."""
    return load_settings(upstream_overrides=server.override_map)


@pytest.fixture
def world(server: EmulatorServer) -> Iterator[World]:
    """The emulator's world, empty and without failure modes, for one test."""
    server.world.reset()
    yield server.world
    server.world.reset()


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A plain HTTP client, to ask the emulator itself."""
    with httpx.Client(timeout=10) as http:
        yield http
