"""A TCP proxy that can be cut and restored, to play a database that goes away for a while.

with TcpProxy(("127.0.0.1", 5432)) as proxy:   # listens on 127.0.0.1:proxy.port
    proxy.cut()       # open connections reset, new ones refused (nothing listens)
    proxy.restore()   # listening again on the same port
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType


def _reset(sock: socket.socket) -> None:
    """Close ``sock`` with a TCP RST, as a dying server's kernel would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class TcpProxy:
    """Forwards every connection on ``127.0.0.1:port`` to ``upstream``, one thread per
    direction."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._up = threading.Event()
        self.connections = 0

    def start(self) -> TcpProxy:
        """Accept and forward connections in the background."""
        self._up.set()
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Stop listening (connections are refused) and reset every open connection."""
        with self._lock:
            self._up.clear()
            self._listener.close()
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            _reset(client)
            _reset(server)

    def restore(self) -> None:
        """Listen on the same port again."""
        with self._lock:
            self._listener = socket.create_server(("127.0.0.1", self.port))
        self.start()

    def close(self) -> None:
        """Cut for good."""
        if self._up.is_set():
            self.cut()

    def _accept(self, listener: socket.socket) -> None:
        listener.settimeout(0.05)
        while self._up.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by cut()
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                if not self._up.is_set():
                    _reset(client)
                    _reset(server)
                    continue
                self._pairs.append((client, server))
                self.connections += 1
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
