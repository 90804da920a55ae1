"""The socket layer of the outbound gate: connections go only to the address that was checked.

:class:`PinnedTransport` is an httpx transport over an httpcore connection pool whose network
backend never resolves names: ``connect_tcp(host, port)`` connects to the address pinned for
``host`` by :func:`pinned` (set by the gate after it checked that very address), and refuses
when nothing is pinned. TLS still verifies and sends SNI for the host name, because httpcore
passes the URL's host to ``start_tls``. There is no window for DNS rebinding: the name is
resolved once, the answer checked, and the socket opened to that answer.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from archiver.errors import EgressRefused, EgressTooLarge

_PIN: ContextVar[tuple[str, str] | None] = ContextVar("archiver_egress_pin", default=None)


@contextmanager
def pinned(host: str, address: str) -> Iterator[None]:
    """While inside, a connection to ``host`` (as the URL spells it) goes to ``address``."""
    token = _PIN.set((host.lower(), address))
    try:
        yield
    finally:
        _PIN.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to pinned, checked addresses."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the address pinned for ``host``, never to a fresh DNS answer."""
        pin = _PIN.get()
        if pin is None or pin[0] != host.lower():
            raise EgressRefused(f"refusing to connect to {host}: its address was not checked")
        return await self._inner.connect_tcp(
            pin[1],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refuse: Unix sockets are not reachable through the gate."""
        raise EgressRefused(f"refusing to connect to the Unix socket {path}")

    async def sleep(self, seconds: float) -> None:
        """Sleep the way the wrapped backend does."""
        await self._inner.sleep(seconds)


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over connection pools with :class:`PinnedBackend`, one per origin.

    One pool per origin, not one for all: httpcore looks over every pooled connection for
    every queued request, so one big pool costs time growing with the square of the
    concurrency (measured: a third of a re-check's CPU at 64 requests in flight).
    httpcore exceptions are not translated here: the gate turns them into ``EgressError``.
    """

    def __init__(self, *, max_connections: int) -> None:
        self._max_connections = max_connections
        self._ssl_context = httpx.create_ssl_context()
        self._backend = PinnedBackend()
        self._pools: dict[tuple[bytes, bytes, int | None], httpcore.AsyncConnectionPool] = {}

    def _pool(self, url: httpx.URL) -> httpcore.AsyncConnectionPool:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context,
                max_connections=self._max_connections,
                max_keepalive_connections=self._max_connections,
                keepalive_expiry=5.0,
                network_backend=self._backend,
            )
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; the response body is left to stream."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        response = await self._pool(request.url).handle_async_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        """Close every pooled connection."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def peer_address(response: httpx.Response) -> str | None:
    """The IP address the response's connection is to, if the socket still says."""
    stream = response.extensions.get("network_stream")
    try:
        address = None if stream is None else stream.get_extra_info("server_addr")
    except OSError:
        return None
    return str(address[0]) if isinstance(address, tuple) and address else None


async def read_body(response: httpx.Response, cap: int, what: str) -> bytes:
    """The whole (decoded) body, or EgressTooLarge as soon as it passes ``cap`` bytes.

    A Content-Length over the cap is refused before reading (except for HEAD).
    """
    declared = response.headers.get("content-length", "")
    if response.request.method != "HEAD" and declared.isdigit() and int(declared) > cap:
        raise EgressTooLarge(f"{what}: body of {declared} bytes is over {cap}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise EgressTooLarge(f"{what}: body is over {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
