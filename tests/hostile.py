"""The hostile targets of the outbound-safety table and the witnesses that nothing reached them.

* :class:`Listener`: a thread accepting every connection on 127.0.0.1 and ::1 (one port) and
  keeping every byte; the private targets point at its port.
* :class:`Outside`: stands in for everything beyond loopback. Under the gate's sockets
  (:class:`RecordingEgress`), it records each connection made to a non-loopback address and
  fails it, so no test touches the real network and a connection to a private one shows up.
* :class:`Resolver`: the injected DNS: ``localhost`` is loopback; ``rebind.test`` answers a
  public address first and loopback afterwards (a rebinding attack between check and connect).
* :class:`Origin`: the allowed, override-trusted origin whose redirects end on the listener.
"""

from __future__ import annotations

import contextlib
import ipaddress
import selectors
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpcore

from archiver.config import Settings
from archiver.domain import HttpExchange
from archiver.egress import Egress
from archiver.errors import EgressError
from tests.background import BackgroundServer

ALLOWED = "https://allowed.example.test"
PUBLIC = "93.184.216.34"


@dataclass(frozen=True)
class Target:
    """One row of the table: ``url`` may name ``{port}`` (the listener), ``{tag}`` (a path
    token that identifies the row in whatever reaches the listener) and ``{allowed}``."""

    name: str
    url: str

    def format(self, port: int, index: int) -> tuple[str, str]:
        """The row's URL for a listener on ``port``, and its tag."""
        tag = f"row{index}x"
        return self.url.format(port=port, tag=tag, allowed=ALLOWED), tag


TARGETS = [
    Target("loopback", "http://127.0.0.1:{port}/{tag}"),
    Target("localhost", "http://localhost:{port}/{tag}"),
    Target("IPv6 loopback", "http://[::1]:{port}/{tag}"),
    Target("unspecified", "http://0.0.0.0:{port}/{tag}"),
    Target("10/8", "http://10.0.0.1:{port}/{tag}"),
    Target("172.16/12", "http://172.16.0.1:{port}/{tag}"),
    Target("192.168/16", "http://192.168.1.1:{port}/{tag}"),
    Target("cloud metadata", "http://169.254.169.254/latest/meta-data/{tag}"),
    Target("IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:{port}/{tag}"),
    Target("NAT64 of metadata", "http://[64:ff9b::a9fe:a9fe]/{tag}"),
    Target("NAT64 of loopback", "http://[64:ff9b::7f00:1]:{port}/{tag}"),
    Target("decimal IPv4", "http://2130706433:{port}/{tag}"),
    Target("hex IPv4", "http://0x7f000001:{port}/{tag}"),
    Target("octal IPv4", "http://017700000001:{port}/{tag}"),
    Target("uppercase scheme", "HTTP://127.0.0.1:{port}/{tag}"),
    Target("file", "file:///etc/passwd"),
    Target("gopher", "gopher://127.0.0.1:{port}/_{tag}"),
    Target("data", "data:text/html,<script>fetch('http://127.0.0.1:{port}/{tag}')</script>"),
    Target("redirect chain", "{allowed}/redirect/{tag}"),
    Target("DNS rebinding", "http://rebind.test:{port}/{tag}"),
]


class Listener:
    """A loopback listener in a thread: accepts every connection and records every byte."""

    def __init__(self) -> None:
        self._sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM)]
        self._sockets[0].bind(("127.0.0.1", 0))
        self.port: int = self._sockets[0].getsockname()[1]
        with contextlib.suppress(OSError):  # no IPv6 here: [::1] is then unreachable anyway
            six = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            six.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            six.bind(("::1", self.port))
            self._sockets.append(six)
        self.connections = 0
        self.received = b""
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        for listening in self._sockets:
            listening.listen(64)
            listening.setblocking(False)
            self._selector.register(listening, selectors.EVENT_READ, "listening")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                if key.data == "listening":
                    with contextlib.suppress(BlockingIOError):
                        connection, _ = sock.accept()
                        connection.setblocking(False)
                        self._selector.register(connection, selectors.EVENT_READ, "open")
                        with self._lock:
                            self.connections += 1
                    continue
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if data:
                    with self._lock:
                        self.received += data
                else:
                    self._selector.unregister(sock)
                    sock.close()

    def seen(self) -> tuple[int, bytes]:
        """Connections accepted and bytes received so far."""
        with self._lock:
            return self.connections, self.received

    def close(self) -> None:
        """Stop the thread and every socket."""
        self._stop.set()
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()


class Outside:
    """What lies beyond loopback: every connection the gate tries there, refused."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def backend(self) -> httpcore.AnyIOBackend:
        """An httpcore backend: loopback connects go through, others are recorded and fail."""
        outside = self

        class Guarded(httpcore.AnyIOBackend):
            async def connect_tcp(
                self, host: str, port: int, *args: Any, **kwargs: Any
            ) -> httpcore.AsyncNetworkStream:
                if ipaddress.ip_address(host).is_loopback:
                    return await super().connect_tcp(host, port, *args, **kwargs)
                outside.attempts.append(host)
                raise httpcore.ConnectError(f"no route to {host} (the tests have no internet)")

        return Guarded()

    def private(self) -> list[str]:
        """The non-global addresses a connection was tried to (there must be none)."""
        return [host for host in self.attempts if not ipaddress.ip_address(host).is_global]


class Resolver:
    """The injected DNS (see the module docstring); :meth:`reset` forgets earlier answers."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def reset(self) -> None:
        self.calls.clear()

    async def __call__(self, host: str, port: int) -> list[str]:
        first = host not in self.calls
        self.calls.append(host)
        if host == "localhost":
            return ["127.0.0.1", "::1"]
        if host == "rebind.test":
            return [PUBLIC] if first else ["127.0.0.1"]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


class RecordingEgress(Egress):
    """The real gate whose sockets open only to loopback (the rest goes to ``outside``), noting
    the outcome of every request: (url, "HTTP 200" or the error's name)."""

    def __init__(self, settings: Settings, *, outside: Outside, **options: Any) -> None:
        super().__init__(settings, **options)
        self._transport._backend._inner = outside.backend()
        self.log: list[tuple[str, str]] = []

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
    ) -> HttpExchange:
        """Send through the gate and note the outcome."""
        try:
            exchange = await super().request(
                method,
                url,
                headers=headers,
                content=content,
                max_bytes=max_bytes,
                follow_redirects=follow_redirects,
            )
        except EgressError as exc:
            self.log.append((url, type(exc).__name__))
            raise
        self.log.append((url, f"HTTP {exchange.status}"))
        return exchange

    def answered(self, tag: str) -> list[str]:
        """The URLs naming ``tag`` that the gate fetched and answered (there must be none)."""
        return [url for url, outcome in self.log if tag in url and outcome.startswith("HTTP")]


class Origin:
    """The allowed origin (reached as ``ALLOWED`` through an override): ``/redirect/TAG`` hops
    to ``/hop/TAG``, which redirects to the listener; ``/embed/N`` serves ``pages[N]``."""

    def __init__(self, listener_port: int, pages: Iterable[str] = ()) -> None:
        self.pages = list(pages)
        self.paths: list[str] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                origin.paths.append(self.path)
                kind, _, rest = self.path.lstrip("/").partition("/")
                if kind == "redirect":
                    self._answer(302, b"", {"Location": f"{ALLOWED}/hop/{rest}"})
                elif kind == "hop":
                    target = f"http://127.0.0.1:{listener_port}/{rest}"
                    self._answer(302, b"", {"Location": target})
                elif kind == "embed" and rest.isdigit() and int(rest) < len(origin.pages):
                    page = origin.pages[int(rest)].encode()
                    self._answer(200, page, {"Content-Type": "text/html; charset=utf-8"})
                else:
                    self._answer(404, b"no", {})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.do_GET()

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.background = BackgroundServer(Handler)
        self.url = self.background.origin

    def close(self) -> None:
        """Stop serving."""
        self.background.close()
