"""The outbound gate: :class:`Egress`, the only way Archiver's code reaches the network over HTTP.

Every request passes one check (SPEC §7): http/https only, no userinfo; the host resolved once
and refused if any address is loopback, private, link-local, multicast, reserved, unspecified
or otherwise not global; the connection made to the checked address; each redirect followed
by hand and checked again; a size cap on every body and one deadline over the whole operation.
Upstream overrides send a platform's origin to a local stand-in while the evidence still names
the platform's URL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import TracebackType

import httpcore
import httpx

from archiver import __version__, telemetry
from archiver.config import Settings
from archiver.domain import HttpExchange
from archiver.egress.addresses import Resolver, checked_address, system_resolve
from archiver.egress.ratelimit import Backoff
from archiver.egress.transport import PinnedTransport, peer_address, pinned, read_body
from archiver.errors import (
    ConfigError,
    EgressError,
    EgressNetworkError,
    EgressRefused,
    EgressTimeout,
)

USER_AGENT = (
    f"Archiver/{__version__} (+https://github.com/archiver-project/archiver; self-hosted archive)"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Methods whose host is named in the upstream metrics (reads of what is public anyway).
_READS = frozenset({"GET", "HEAD"})
_CREDENTIALS = frozenset({"authorization", "cookie", "proxy-authorization"})
_NETWORK_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
    httpx.HTTPError,
    ssl.SSLError,
    OSError,
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _origin(url: httpx.URL) -> str:
    """``scheme://host[:port]``, lower-cased, default port omitted (httpx drops it)."""
    host = url.raw_host.decode("ascii")
    host = f"[{host}]" if ":" in host else host
    return f"{url.scheme}://{host}" + ("" if url.port is None else f":{url.port}")


def _parse(url: str) -> httpx.URL:
    """The URL, if the gate lets it out at all (scheme, userinfo, host); else EgressRefused."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise EgressRefused(f"{url!r} is not a valid URL") from None
    if parsed.scheme not in {"http", "https"}:
        raise EgressRefused(f"{url!r}: only http and https URLs may be fetched")
    if parsed.userinfo:
        raise EgressRefused(f"{url!r}: URLs with a user name or password are refused")
    if not parsed.raw_host:
        raise EgressRefused(f"{url!r} names no host")
    return parsed


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(pairs: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((key.decode("latin-1"), value.decode("latin-1")) for key, value in pairs)


class Egress:
    """The outbound HTTP gate; implements ``archiver.platforms.base.Fetcher``.

    One per process (it pools connections and remembers which hosts asked us to back off); use
    it as an async context manager or call :meth:`aclose`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] | None = None,
        timeout: float = 30.0,
        max_bytes: int = 20_000_000,
        max_redirects: int = 10,
    ) -> None:
        self._allow_private = settings.allow_private_addresses
        self._resolve = resolver or system_resolve
        self._clock = clock or _utcnow
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        try:
            self._overrides = {
                _origin(httpx.URL(source)): httpx.URL(target)
                for source, target in settings.upstream_overrides.items()
            }
        except httpx.InvalidURL as exc:
            raise ConfigError(f"ARCHIVER_UPSTREAM_OVERRIDES is not valid: {exc}") from None
        self._trusted = frozenset(_origin(target) for target in self._overrides.values())
        self._concurrency = settings.check_concurrency
        self._per_host_limit = max(1, settings.check_concurrency // 4)
        self._transport = PinnedTransport(max_connections=self._per_host_limit)
        self._global: asyncio.Semaphore | None = None
        self._per_host: dict[str, asyncio.Semaphore] = {}
        self._backoff = Backoff()

    async def __aenter__(self) -> Egress:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._transport.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> HttpExchange:
        """GET ``url`` through the gate, following redirects (see :meth:`request`)."""
        return await self.request("GET", url, headers=headers, max_bytes=max_bytes)

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
        """Send one request through the gate and return the final exchange.

        Any HTTP status comes back as an exchange; redirect hops are in its ``redirects``.
        Raises EgressRefused, EgressRateLimited (nothing was sent), EgressTooLarge,
        EgressTimeout or EgressNetworkError.
        """
        method = method.upper()
        cap = self._max_bytes if max_bytes is None else max_bytes
        parsed = _parse(url)
        host = parsed.host
        self._backoff.check(host, self._clock())
        async with self._slot(host):
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._follow(
                        method, url, parsed, dict(headers or {}), content, cap, follow_redirects
                    )
            except TimeoutError:
                raise EgressTimeout(
                    f"{method} {url}: no complete response within {self._timeout:g} s"
                ) from None

    async def _follow(
        self,
        method: str,
        url: str,
        parsed: httpx.URL,
        headers: dict[str, str],
        content: bytes | None,
        cap: int,
        follow_redirects: bool,
    ) -> HttpExchange:
        hops: list[HttpExchange] = []
        while True:
            exchange = await self._exchange(method, url, parsed, headers, content, cap)
            location = exchange.header("location")
            if not follow_redirects or exchange.status not in _REDIRECTS or location is None:
                return dataclasses.replace(exchange, redirects=tuple(hops))
            if len(hops) >= self._max_redirects:
                raise EgressNetworkError(
                    f"{hops[0].url}: too many redirects (more than {self._max_redirects})"
                )
            hops.append(exchange)
            try:
                next_url = parsed.join(location)
            except (httpx.InvalidURL, TypeError, ValueError):
                raise EgressNetworkError(f"{url}: unreadable redirect to {location!r}") from None
            if (exchange.status == 303 and method != "HEAD") or (
                exchange.status in {301, 302} and method == "POST"
            ):
                method, content = "GET", None
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            if _origin(next_url) != _origin(parsed):
                headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
            url = str(next_url)
            parsed = _parse(url)

    async def _exchange(
        self,
        method: str,
        url: str,
        parsed: httpx.URL,
        headers: Mapping[str, str],
        content: bytes | None,
        cap: int,
    ) -> HttpExchange:
        """One request and response, no redirects followed; ``url`` is what the evidence names."""
        self._backoff.check(parsed.host, self._clock())
        target, address = await self._route(parsed)
        request = httpx.Request(method, target, headers=self._headers(headers), content=content)
        started_at = self._clock()
        start = time.perf_counter()
        answered: int | None = None  # the status once the whole answer is read
        try:
            with pinned(target.raw_host.decode("ascii"), address):
                response = await self._transport.handle_async_request(request)
            try:
                peer = peer_address(response) or address
                body = await read_body(response, cap, f"{method} {url}")
            finally:
                await response.aclose()
            answered = response.status_code
        except EgressError:
            raise
        except httpcore.TimeoutException as exc:
            raise EgressTimeout(f"{method} {url}: {_one_line(exc)}") from None
        except _NETWORK_ERRORS as exc:
            raise EgressNetworkError(f"{method} {url}: {_one_line(exc)}") from None
        finally:
            # Hosts read from are named; where we send to (webhooks: POST) is not said.
            telemetry.record_upstream(
                parsed.host, answered, time.perf_counter() - start, named=method in _READS
            )
        exchange = HttpExchange(
            method=method,
            url=url,
            request_headers=_decode(request.headers.raw),
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=_decode(response.headers.raw),
            body=body,
            http_version=response.http_version,
            ip_address=peer,
            started_at=started_at,
            elapsed_ms=(time.perf_counter() - start) * 1000,
        )
        self._backoff.note(parsed.host, exchange.status, exchange.response_headers, self._clock())
        return exchange

    async def _route(self, parsed: httpx.URL) -> tuple[httpx.URL, str]:
        """Where to connect for ``parsed`` (after overrides), and the checked address to use."""
        override = self._overrides.get(_origin(parsed))
        target = (
            parsed
            if override is None
            else parsed.copy_with(scheme=override.scheme, host=override.host, port=override.port)
        )
        trusted = self._allow_private or _origin(target) in self._trusted
        port = target.port or (443 if target.scheme == "https" else 80)
        host = target.raw_host.decode("ascii")
        return target, await checked_address(host, port, self._resolve, trusted=trusted)

    def _headers(self, given: Mapping[str, str]) -> dict[str, str]:
        """Ours (honest User-Agent, identity encoding so the body is the wire bytes) + ``given``."""
        ours = {"User-Agent": USER_AGENT, "Accept": "*/*", "Accept-Encoding": "identity"}
        names = {name.lower() for name in given}
        return {k: v for k, v in ours.items() if k.lower() not in names} | dict(given)

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a per-host slot, then a global one (semaphores made in the running loop)."""
        if self._global is None:
            self._global = asyncio.Semaphore(self._concurrency)
        per_host = self._per_host.get(host)
        if per_host is None:
            per_host = self._per_host[host] = asyncio.Semaphore(self._per_host_limit)
        async with per_host, self._global:
            yield
