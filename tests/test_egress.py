"""The outbound gate against real sockets: local HTTP servers on 127.0.0.1, and a canary
listener that counts every TCP connection the kernel accepts for it, to prove nothing got
through."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from archiver.config import Settings
from archiver.egress import (
    USER_AGENT,
    Egress,
    address_refusal,
    parse_numeric_ipv4,
    parse_retry_after,
)
from archiver.errors import (
    EgressNetworkError,
    EgressRateLimited,
    EgressRefused,
    EgressTimeout,
    EgressTooLarge,
)
from tests.canary import Canary
from tests.service import free_port

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_settings(**values: Any) -> Settings:
    """Settings with no overrides and private addresses refused, unless told otherwise."""
    defaults: dict[str, Any] = {"allow_private_addresses": False, "upstream_overrides": {}}
    return Settings(_env_file=None, **(defaults | values))


# --- Real servers -------------------------------------------------------------------------


@dataclass
class Request:
    """One request a test server received."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


async def respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    reason: str = "OK",
) -> None:
    """Write one complete response with a Content-Length."""
    head = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in headers]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()


@dataclass
class Server:
    """A tiny HTTP/1.1 server on 127.0.0.1 that records every request it reads."""

    handler: Handler
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                method, target, _ = head[0].split(" ", 2)
                headers = {}
                for line in filter(None, head[1:]):
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Request(method, target, headers, body)
                self.requests.append(request)
                await self.handler(request, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def close(self) -> None:
        """Stop listening and end every connection still open."""
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


@pytest.fixture
def canary() -> Iterator[Canary]:
    """A loopback listener that must receive nothing."""
    listener = Canary()
    yield listener
    listener.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[Server]]]:
    """Start servers for a test; all are closed after it."""
    servers: list[Server] = []

    async def start(handler: Handler) -> Server:
        server = Server(handler)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


async def ok(request: Request, writer: asyncio.StreamWriter) -> None:
    """Answer 200 with a short body."""
    await respond(writer, 200, b"fine")


# --- Refusals -----------------------------------------------------------------------------

REFUSED = [
    "http://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://[::1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://017700000001:{port}/",
    "http://127.1:{port}/",
    "HTTP://127.0.0.1:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    "http://[fe80::1%25eth0]/",
    "http://100.64.0.1/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/",
    "data:text/plain,hi",
    "ftp://example.com/",
    "http://user:pass@example.com/",
]


@pytest.mark.parametrize("template", REFUSED)
async def test_refuses_unsafe_url_without_connecting(template: str, canary: Canary) -> None:
    """An unsafe scheme, userinfo or non-global address is refused before any connection."""
    async with Egress(make_settings()) as egress:
        with pytest.raises(EgressRefused):
            await egress.get(template.format(port=canary.port))
    assert canary.connections() == 0


async def test_refuses_a_name_with_any_private_answer(canary: Canary) -> None:
    """A name is refused when any one of its addresses is private."""
    calls: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.216.34", "127.0.0.1"]

    async with Egress(make_settings(), resolver=resolver) as egress:
        with pytest.raises(EgressRefused, match=r"mixed\.test is 127\.0\.0\.1"):
            await egress.get(f"http://mixed.test:{canary.port}/")
    assert calls == ["mixed.test"]
    assert canary.connections() == 0


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "017700000001", "127.1"])
async def test_reads_numeric_hosts_itself(host: str, canary: Canary) -> None:
    """Numeric spellings of loopback are refused even when the resolver would say otherwise."""
    calls: list[str] = []

    async def public(name: str, port: int) -> list[str]:
        calls.append(name)
        return ["93.184.216.34"]

    async with Egress(make_settings(), resolver=public) as egress:
        with pytest.raises(EgressRefused, match="loopback"):
            await egress.get(f"http://{host}:{canary.port}/")
    assert calls == []
    assert canary.connections() == 0


async def test_connects_to_the_address_it_checked(canary: Canary) -> None:
    """A rebinding resolver cannot swap in loopback between the check and the connection."""
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"] if len(calls) == 1 else ["127.0.0.1"]

    async with Egress(make_settings(), resolver=rebinding, timeout=2) as egress:
        with pytest.raises((EgressNetworkError, EgressTimeout)):
            await egress.get(f"http://rebind.test:{canary.port}/")
    assert calls == ["rebind.test"]
    assert canary.connections() == 0
    assert canary.received == b""


async def test_reports_a_resolver_failure_as_network_error() -> None:
    """A name that does not resolve is a network error."""

    async def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async with Egress(make_settings(), resolver=failing) as egress:
        with pytest.raises(EgressNetworkError, match=r"cannot resolve nowhere\.test"):
            await egress.get("https://nowhere.test/")


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("::ffff:93.184.216.34", True),
        ("64:ff9b::5db8:d822", True),
        ("2002:5db8:d822::1", True),
        ("64:ff9b::a9fe:a9fe", False),
        ("::ffff:10.0.0.1", False),
        ("2002:a00:1::", False),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
        ("100.64.0.1", False),
        ("198.18.0.1", False),
        ("240.0.0.1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::", False),
        ("::1", False),
    ],
)
def test_judges_addresses(address: str, allowed: bool) -> None:
    """Global addresses pass; embedded IPv4 is judged by itself; Teredo never passes."""
    assert (address_refusal(address) is None) is allowed


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.0x1", "127.0.0.1"),
        ("10.1.", "10.0.0.1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("08", None),
    ],
)
def test_reads_numeric_hosts_like_inet_aton(host: str, expected: str | None) -> None:
    """Numeric host spellings are read the way the C library reads them."""
    parsed = parse_numeric_ipv4(host)
    assert (None if parsed is None else str(parsed)) == expected


# --- Overrides and redirects --------------------------------------------------------------


async def test_override_sends_the_connection_to_the_stand_in(serve: Any) -> None:
    """An overridden origin reaches the local server; the exchange names the platform URL."""

    async def echo(request: Request, writer: asyncio.StreamWriter) -> None:
        body = json.dumps({"target": request.target, "host": request.headers["host"]})
        await respond(writer, 200, body.encode(), (("X-Test", "yes"),))

    server = await serve(echo)
    origin = f"http://127.0.0.1:{server.port}"
    settings = make_settings(upstream_overrides={"https://cdn.example.test": origin})
    async with Egress(settings, clock=lambda: NOW) as egress:
        exchange = await egress.get("https://cdn.example.test/path?q=1")
        custom = await egress.get("https://cdn.example.test/", headers={"user-agent": "Mine"})
    assert exchange.status == 200
    assert exchange.reason == "OK"
    assert json.loads(exchange.body) == {"target": "/path?q=1", "host": f"127.0.0.1:{server.port}"}
    assert exchange.header("x-test") == "yes"
    assert exchange.url == "https://cdn.example.test/path?q=1"
    assert exchange.ip_address == "127.0.0.1"
    assert exchange.http_version == "HTTP/1.1"
    assert exchange.started_at == NOW
    assert exchange.elapsed_ms >= 0
    assert exchange.redirects == ()
    assert ("User-Agent", USER_AGENT) in exchange.request_headers
    assert ("Host", f"127.0.0.1:{server.port}") in exchange.request_headers
    assert server.requests[1].headers["user-agent"] == "Mine"
    assert ("user-agent", "Mine") in custom.request_headers


async def test_refuses_a_redirect_to_loopback(serve: Any, canary: Canary) -> None:
    """A redirect from an allowed origin to 127.0.0.1 is refused and never connected."""

    async def redirect(request: Request, writer: asyncio.StreamWriter) -> None:
        location = f"http://127.0.0.1:{canary.port}/"
        await respond(writer, 302, headers=(("Location", location),), reason="Found")

    server = await serve(redirect)
    settings = make_settings(
        upstream_overrides={"https://a.example.test": f"http://127.0.0.1:{server.port}"}
    )
    async with Egress(settings) as egress:
        with pytest.raises(EgressRefused, match="loopback"):
            await egress.get("https://a.example.test/start")
    assert len(server.requests) == 1
    assert canary.connections() == 0


async def test_follows_redirects_between_allowed_origins(serve: Any) -> None:
    """Each hop is overridden and checked again, and comes back as an exchange of its own."""

    async def first(request: Request, writer: asyncio.StreamWriter) -> None:
        hop = (("Location", "https://b.example.test/hop"),)
        await respond(writer, 301, b"moved", hop, reason="Moved Permanently")

    async def second(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.target == "/hop":
            await respond(writer, 302, b"again", (("Location", "/final?x=1"),), reason="Found")
        else:
            await respond(writer, 200, b"done")

    a, b = await serve(first), await serve(second)
    settings = make_settings(
        upstream_overrides={
            "https://a.example.test": f"http://127.0.0.1:{a.port}",
            "https://b.example.test": f"http://127.0.0.1:{b.port}",
        }
    )
    async with Egress(settings) as egress:
        exchange = await egress.get(
            "https://a.example.test/start", headers={"Authorization": "Bearer secret"}
        )
    assert (exchange.status, exchange.body, exchange.url) == (
        200,
        b"done",
        "https://b.example.test/final?x=1",
    )
    assert [(hop.url, hop.status, hop.body) for hop in exchange.redirects] == [
        ("https://a.example.test/start", 301, b"moved"),
        ("https://b.example.test/hop", 302, b"again"),
    ]
    assert a.requests[0].headers["authorization"] == "Bearer secret"
    assert all("authorization" not in request.headers for request in b.requests)
    assert [request.target for request in b.requests] == ["/hop", "/final?x=1"]


async def test_stops_after_too_many_redirects(serve: Any) -> None:
    """A redirect loop ends in a network error once max_redirects hops were followed."""

    async def loop(request: Request, writer: asyncio.StreamWriter) -> None:
        await respond(writer, 302, headers=(("Location", "/again"),), reason="Found")

    server = await serve(loop)
    settings = make_settings(allow_private_addresses=True)
    async with Egress(settings, max_redirects=3) as egress:
        with pytest.raises(EgressNetworkError, match="too many redirects"):
            await egress.get(f"http://127.0.0.1:{server.port}/")
    assert len(server.requests) == 4


async def test_post_keeps_its_body_on_307_and_becomes_get_on_303(serve: Any) -> None:
    """A 307 resends the POST with its body; a 303 turns it into a GET without one."""

    async def hooks(request: Request, writer: asyncio.StreamWriter) -> None:
        if request.target == "/a":
            await respond(writer, 307, headers=(("Location", "/b"),), reason="Temporary Redirect")
        elif request.target == "/b":
            await respond(writer, 303, headers=(("Location", "/c"),), reason="See Other")
        else:
            await respond(writer, 200, b"received")

    server = await serve(hooks)
    async with Egress(make_settings(allow_private_addresses=True)) as egress:
        exchange = await egress.request(
            "POST",
            f"http://127.0.0.1:{server.port}/a",
            headers={"Content-Type": "application/json"},
            content=b'{"event":"deleted"}',
        )
    assert exchange.method == "GET"
    assert [(r.method, r.target, r.body) for r in server.requests] == [
        ("POST", "/a", b'{"event":"deleted"}'),
        ("POST", "/b", b'{"event":"deleted"}'),
        ("GET", "/c", b""),
    ]


# --- Caps ---------------------------------------------------------------------------------


async def test_refuses_a_declared_length_over_the_cap_before_reading(serve: Any) -> None:
    """A Content-Length over the cap is refused at once, without waiting for the body."""

    async def promise(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(60)

    server = await serve(promise)
    async with Egress(make_settings(allow_private_addresses=True), timeout=10) as egress:
        async with asyncio.timeout(5):
            with pytest.raises(EgressTooLarge):
                await egress.get(f"http://127.0.0.1:{server.port}/", max_bytes=1_000_000)


async def test_stops_reading_a_chunked_body_over_the_cap(serve: Any) -> None:
    """A body with no Content-Length is cut off as soon as it passes the cap."""

    async def chunked(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(32):  # 2 MB
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    server = await serve(chunked)
    async with Egress(make_settings(allow_private_addresses=True)) as egress:
        with pytest.raises(EgressTooLarge):
            await egress.get(f"http://127.0.0.1:{server.port}/", max_bytes=1_000_000)
        exchange = await egress.get(f"http://127.0.0.1:{server.port}/", max_bytes=2 * 2**20)
    assert len(exchange.body) == 2 * 2**20


async def test_a_slow_drip_cannot_outlast_the_deadline(serve: Any) -> None:
    """A server sending one byte every half second hits the total deadline."""

    async def drip(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while True:
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.5)

    server = await serve(drip)
    async with Egress(make_settings(allow_private_addresses=True), timeout=2) as egress:
        async with asyncio.timeout(15):
            with pytest.raises(EgressTimeout):
                await egress.get(f"http://127.0.0.1:{server.port}/")


async def test_reports_a_refused_connection_as_network_error() -> None:
    """A closed port behind an override is a network error."""
    port = free_port()  # nobody listens there, nor will (a block of this process's own)
    settings = make_settings(
        upstream_overrides={"https://down.example.test": f"http://127.0.0.1:{port}"}
    )
    async with Egress(settings) as egress:
        with pytest.raises(EgressNetworkError):
            await egress.get("https://down.example.test/")


async def test_allow_private_addresses_lets_loopback_through(serve: Any) -> None:
    """With allow_private_addresses a loopback URL is fetched."""
    server = await serve(ok)
    async with Egress(make_settings(allow_private_addresses=True)) as egress:
        exchange = await egress.get(f"http://127.0.0.1:{server.port}/")
    assert (exchange.status, exchange.body, exchange.ip_address) == (200, b"fine", "127.0.0.1")


# --- Rate limits --------------------------------------------------------------------------


async def test_backs_off_a_host_that_answered_429(serve: Any) -> None:
    """After a 429 with Retry-After, the host gets nothing until that time has passed."""

    async def limited(request: Request, writer: asyncio.StreamWriter) -> None:
        status, reason = (429, "Too Many Requests") if len(server.requests) == 1 else (200, "OK")
        await respond(writer, status, b"slow down", (("Retry-After", "120"),), reason=reason)

    server = await serve(limited)
    now = [NOW]
    settings = make_settings(
        upstream_overrides={"https://api.example.test": f"http://127.0.0.1:{server.port}"}
    )
    async with Egress(settings, clock=lambda: now[0]) as egress:
        first = await egress.get("https://api.example.test/one")
        with pytest.raises(EgressRateLimited) as raised:
            await egress.get("https://api.example.test/two")
        assert len(server.requests) == 1
        now[0] = NOW + timedelta(seconds=121)
        later = await egress.get("https://api.example.test/three")
    assert (first.status, first.reason) == (429, "Too Many Requests")
    assert raised.value.retry_after == NOW + timedelta(seconds=120)
    assert later.status == 200
    assert len(server.requests) == 2


EPOCH = 1_700_000_000
AT_EPOCH = datetime.fromtimestamp(EPOCH, UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("Retry-After", "120")], NOW + timedelta(seconds=120)),
        (
            [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")],
            datetime(2015, 10, 21, 7, 28, tzinfo=UTC),
        ),
        ([("X-RateLimit-Reset", "2017-06-23T00:00:00.000Z")], datetime(2017, 6, 23, tzinfo=UTC)),
        ([("X-RateLimit-Reset", str(EPOCH))], AT_EPOCH),
        ([("RateLimit-Reset", "30")], NOW + timedelta(seconds=30)),
        ([("RateLimit-Reset", str(EPOCH))], AT_EPOCH),
        ([("x-rate-limit-reset", str(EPOCH))], AT_EPOCH),
        ([("x-rate-limit-reset", "900")], NOW + timedelta(seconds=900)),
        ([("Retry-After", "5"), ("x-rate-limit-reset", str(EPOCH))], NOW + timedelta(seconds=5)),
        ([("Retry-After", "soon"), ("RateLimit-Reset", "10")], NOW + timedelta(seconds=10)),
        ([("Retry-After", "soon")], None),
        ([("X-RateLimit-Reset", "-5")], None),
        ([("Content-Type", "text/html")], None),
    ],
)
def test_parses_retry_after(headers: list[tuple[str, str]], expected: datetime | None) -> None:
    """Each back-off header form gives the time to come back."""
    assert parse_retry_after(headers, NOW) == expected
