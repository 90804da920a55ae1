"""A loopback listener that must receive nothing: the proof that a refused request never left."""

from __future__ import annotations

import contextlib
import socket


class Canary:
    """A loopback listener nobody may reach: counts what the kernel accepted for it."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.setblocking(False)
        self.port: int = self._socket.getsockname()[1]
        self.count = 0
        self.received = b""

    def connections(self) -> int:
        """Every connection made to the canary so far (and the bytes they sent)."""
        while True:
            try:
                connection, _ = self._socket.accept()
            except BlockingIOError:
                return self.count
            self.count += 1
            with connection, contextlib.suppress(BlockingIOError):
                connection.setblocking(False)
                self.received += connection.recv(65536)

    def close(self) -> None:
        """Stop listening."""
        self._socket.close()
