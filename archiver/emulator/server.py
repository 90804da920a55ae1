"""``EmulatorServer``: uvicorn on loopback with one listening socket per emulated origin (and one
for the control API), in a background thread.

    with EmulatorServer() as server:
        server.world.add_post("x", "someone", "Hello https://example.org")
        os.environ["ARCHIVER_UPSTREAM_OVERRIDES"] = server.overrides
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType

import uvicorn

from archiver.emulator.app import CONTROL, create_app
from archiver.emulator.common import DEFAULT_ORIGINS, Origin
from archiver.emulator.world import World


class EmulatorServer:
    """The platform emulator. ``base_port=0`` picks free ports; otherwise the control API
    listens on ``base_port`` and the origins on the following ports, in ``origins`` order."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        base_port: int = 0,
        extra_mastodon_hosts: Iterable[str] = (),
        world: World | None = None,
        shutdown_seconds: float = 1.0,
    ) -> None:
        extra = [h.lower().removeprefix("https://").rstrip("/") for h in extra_mastodon_hosts]
        self.host = host
        self.base_port = base_port
        self.world = world or World(mastodon_hosts=extra)
        self.world.mastodon_hosts.update(extra)
        known = {origin.host for origin in DEFAULT_ORIGINS}
        self.origins: tuple[Origin, ...] = DEFAULT_ORIGINS + tuple(
            Origin(f"https://{h}", "mastodon") for h in dict.fromkeys(extra) if h not in known
        )
        self._ports: dict[int, Origin] = {}
        self._directory: dict[str, str] = {}
        self._local: dict[str, str] = {}
        self._sockets: list[socket.socket] = []
        self._shutdown_seconds = shutdown_seconds
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._stopping = threading.Event()

    def _bind(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        shown = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        for index, origin in enumerate((CONTROL, *self.origins)):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
            try:
                sock.bind((self.host, self.base_port + index if self.base_port else 0))
            except OSError:
                sock.close()
                self._close_sockets()
                raise
            sock.listen(128)
            self._sockets.append(sock)
            port = int(sock.getsockname()[1])
            self._ports[port] = origin
            self._local[origin.url] = f"http://{shown}:{port}"
            if origin is not CONTROL:
                self._directory[origin.url] = self._local[origin.url]

    def start(self) -> EmulatorServer:
        """Bind the sockets and serve in a background thread; returns once it accepts."""
        if self._thread is not None:
            return self
        self._bind()
        self._stopping.clear()
        app = create_app(self.world, self._ports, self._directory, self._stopping)
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=max(1, round(self._shutdown_seconds)),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="platform-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                self.stop()
                raise RuntimeError(f"the emulator did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start within 15 seconds")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None
        try:
            asyncio.run(self._server.serve(sockets=self._sockets))
        except BaseException as error:  # reported by start()
            self._error = error

    def stop(self) -> None:
        """Stop serving (requests still hanging are cancelled) and close the sockets."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=self._shutdown_seconds + 10)
        self._thread, self._server = None, None
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def control_url(self) -> str:
        """The control API's origin, ``http://127.0.0.1:PORT``."""
        return self._local[CONTROL.url]

    @property
    def override_map(self) -> dict[str, str]:
        """Each real origin and the local origin that plays it."""
        return dict(self._directory)

    @property
    def overrides(self) -> str:
        """The value for ``ARCHIVER_UPSTREAM_OVERRIDES``: ``ORIGIN=ORIGIN,…``."""
        return ",".join(f"{real}={local}" for real, local in self._directory.items())

    def origin_url(self, real_origin: str) -> str:
        """The local origin playing ``real_origin`` (``https://mastodon.social``)."""
        return self._directory[real_origin.rstrip("/").lower()]
