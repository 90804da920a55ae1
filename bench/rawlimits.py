"""Raw limits for the throughput benches: what the emulator and Chromium manage without Archiver.

* :func:`replay`: the upstream requests Archiver made (read from the emulator's request log)
  sent again with plain ``httpx.AsyncClient``s, one per origin (HTTP/1.1, keep-alive), N at a
  time, with the headers Archiver sent.
* :func:`raw_screenshots`: the embed pages Archiver's browser loaded, loaded again by plain
  Playwright (the same Chromium and launch flags; one browser, one context, N pages each reused
  for every load, warmed up by one untimed load each), every request answered by
  ``route.fetch`` from the emulator (Chromium cannot be sent from https to http by
  ``route.continue_``); a PNG of the post's element, as large as Archiver's. It runs in a child
  process (this file run as a script), so its peak memory is Playwright's and Chromium's alone.

Also the machine line and the peak-memory sampler the benches print.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

#: The emulator keeps only the newest 5,000 requests (archiver/emulator/world.py).
LOG_CAP = 5000
#: Request headers not replayed: the connection's own, set by httpx.
_HOP_HEADERS = frozenset({"host", "connection", "content-length", "transfer-encoding"})
Record = dict[str, Any]


# --- The machine --------------------------------------------------------------------------------


def chromium_path() -> Path | None:
    """The Chromium Archiver would use (``ARCHIVER_CHROMIUM``, the system's, Playwright's)."""
    from archiver.chromium import find_chromium
    from archiver.config import load_settings

    return find_chromium(load_settings().chromium)


def machine_line(chromium: Path | None = None) -> str:
    """``machine: x86_64, 2 cores (CPU model), 24 GiB, Python 3.11.7[, Chromium 156…]``."""
    info: dict[str, str] = {}
    for name in ("cpuinfo", "meminfo"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{name}").read_text().splitlines():
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    model = info.get("model name", platform.processor() or "unknown CPU")
    memory = int(info.get("MemTotal", "0 kB").split()[0]) / 2**20
    line = f"machine: {platform.machine()}, {os.cpu_count()} cores ({model}), {memory:.0f} GiB"
    line += f", Python {platform.python_version()}"
    if chromium is not None:
        said = subprocess.run(
            [str(chromium), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
        version = re.search(r"\d+(?:\.\d+)+", said)
        line += f", Chromium {version[0] if version else '(version unknown)'}"
    return line


# --- Memory -------------------------------------------------------------------------------------


def _pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    for line in (Path("/proc") / str(pid) / "smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_memory_bytes(pid: int, skip: Iterable[int] = ()) -> int:
    """Summed PSS of a process and its descendants, leaving out ``skip`` and theirs.

    Summed RSS would count the pages Chromium's processes share once per process.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    total, stack, skipped = 0, [pid], set(skip)
    while stack:
        current = stack.pop()
        if current in skipped:
            continue
        with contextlib.suppress(OSError):
            total += _pss_bytes(current)
        stack.extend(children.get(current, []))
    return total


@contextlib.contextmanager
def peak_memory(pid: int, skip: Iterable[int] = ()) -> Iterator[list[int]]:
    """Sample :func:`tree_memory_bytes` every 50 ms meanwhile; the peak is ``box[0]``."""
    box, stop, skipped = [0], threading.Event(), tuple(skip)

    def sample() -> None:
        while not stop.is_set():
            box[0] = max(box[0], tree_memory_bytes(pid, skipped))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield box
    finally:
        stop.set()
        sampler.join()


# --- The emulator's request log -----------------------------------------------------------------


def origin_map(overrides: str) -> dict[str, str]:
    """``{real origin: local origin}`` from ``ORIGIN=ORIGIN,...``."""
    pairs = (item.split("=", 1) for item in overrides.split(",") if "=" in item)
    return {real.rstrip("/"): local.rstrip("/") for real, local in pairs}


def origin_of(url: str) -> str:
    """``https://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def clear_log(control: str) -> None:
    httpx.delete(f"{control}/requests", timeout=30).raise_for_status()


def read_log(control: str) -> list[Record]:
    """Requests the emulated origins received since the last :func:`clear_log`, oldest first.

    Raises when the log may have overflowed: the replay would then miss requests.
    """
    records: list[Record] = httpx.get(f"{control}/requests", timeout=60).json()
    if len(records) >= LOG_CAP:
        raise OverflowError(f"the emulator's request log holds only the last {LOG_CAP:,}")
    return records


def is_page(record: Record) -> bool:
    """Whether a logged request is a page document (a navigation asks for HTML first)."""
    return str(record["headers"].get("accept", "")).startswith("text/html")


# --- Plain httpx --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """``count`` requests or pages in ``seconds``, ``failed`` of them failed; ``peak_bytes``:
    peak memory (PSS), when measured."""

    count: int
    seconds: float
    failed: int
    peak_bytes: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


async def _replay(records: list[Record], overrides: str, concurrency: int) -> Timed:
    local = origin_map(overrides)
    calls = [
        (
            local.get(record["origin"], record["local_origin"]) + record["path"],
            {k: v for k, v in record["headers"].items() if k.lower() not in _HOP_HEADERS},
        )
        for record in records
        if record["method"] == "GET"
    ]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # One client (one connection pool) per origin, as Archiver's gate has: one httpx client for
    # every origin managed a third of this here (httpcore scans every pooled connection for
    # every queued request).
    clients = {
        origin_of(url): httpx.AsyncClient(limits=limits, timeout=30, http1=True, http2=False)
        for url, _ in calls
    }
    failed = 0
    async with contextlib.AsyncExitStack() as stack:
        for client in clients.values():
            await stack.enter_async_context(client)

        async def worker(pending: Iterator[tuple[str, dict[str, str]]]) -> None:
            nonlocal failed
            for url, headers in pending:
                try:
                    answer = await clients[origin_of(url)].get(url, headers=headers)
                    failed += answer.status_code >= 400
                except httpx.HTTPError:
                    failed += 1

        async def all_of(batch: list[tuple[str, dict[str, str]]]) -> float:
            pending = iter(batch)
            started = time.perf_counter()
            await asyncio.gather(*(worker(pending) for _ in range(concurrency)))
            return time.perf_counter() - started

        await all_of(calls[: 4 * concurrency])  # open connections, as a running worker has them
        failed = 0
        seconds = await all_of(calls)
    return Timed(len(calls), seconds, failed)


def replay(records: list[Record], overrides: str, concurrency: int = 64) -> Timed:
    """Send the logged GETs again (to the emulator's origins), ``concurrency`` at a time."""
    return asyncio.run(_replay(records, overrides, concurrency))


# --- Plain Playwright ---------------------------------------------------------------------------


def selectors_by_origin(post_urls: Iterable[str]) -> dict[str, str]:
    """``{embed page origin: post element selector}``, as the platform adapters say."""
    from archiver.domain import PostData
    from archiver.platforms import adapter_for, match_url

    found = {}
    for url in post_urls:
        ref = match_url(url)
        if ref is not None:
            data = PostData(post_id=ref.post_id, url=url, text="", author=None, posted_at=None)
            target = adapter_for(ref).screenshot_target(ref, data)
            found[origin_of(target.url)] = target.selector
    return found


def raw_screenshots(
    records: list[Record], post_urls: list[str], overrides: str, concurrency: int
) -> Timed:
    """Load and shoot again every page document Archiver's browser asked of an embed origin
    (``records``: the emulator's log), ``concurrency`` pages at once, in a child process."""
    selectors = selectors_by_origin(post_urls)
    pages = [r for r in records if is_page(r) and r["origin"] in selectors]
    job = {
        "overrides": overrides,
        "concurrency": concurrency,
        "chromium": str(chromium_path()),
        "pages": [[r["origin"] + r["path"], selectors[r["origin"]]] for r in pages],
    }
    child = subprocess.Popen(
        [sys.executable, __file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with peak_memory(child.pid) as peak:
        out, _ = child.communicate(json.dumps(job))
    if child.returncode:
        raise RuntimeError(f"the raw Playwright run failed ({child.returncode})")
    result = json.loads(out)
    return Timed(len(pages), result["seconds"], result["failed"], peak[0])


async def _shoot(job: dict[str, Any]) -> dict[str, Any]:
    from playwright.async_api import Error, FloatRect, Page, Route, async_playwright

    from archiver.browser.limits import LAUNCH_ARGS
    from archiver.browser.page import CONTEXT_OPTIONS, MAX_HEIGHT, MAX_WIDTH

    local = origin_map(job["overrides"])

    async def route(route: Route) -> None:
        prefix = origin_of(route.request.url)
        if prefix not in local:
            await route.abort("blockedbyclient")
            return
        try:
            target = local[prefix] + route.request.url[len(prefix) :]
            await route.fulfill(response=await route.fetch(url=target))
        except Error:
            with contextlib.suppress(Error):
                await route.abort("failed")

    failed = 0

    async def shot(page: Page, url: str, selector: str) -> bytes:
        await page.goto(url, wait_until="load", timeout=20_000)
        element = await page.wait_for_selector(selector, state="visible")
        box = await element.bounding_box() if element is not None else None
        if box is None:
            raise Error("the post element has no box")
        width, height = min(box["width"], MAX_WIDTH), min(box["height"], MAX_HEIGHT)
        clip = FloatRect(x=box["x"], y=box["y"], width=width, height=height)
        return await page.screenshot(
            type="png", clip=clip, full_page=True, animations="disabled", caret="hide"
        )

    async def slot(page: Page, pending: Iterator[tuple[str, str]]) -> None:
        nonlocal failed
        for url, selector in pending:
            try:
                await shot(page, url, selector)
            except Error:
                failed += 1

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=job["chromium"], headless=True, args=list(LAUNCH_ARGS)
        )
        context = await browser.new_context(**CONTEXT_OPTIONS)
        await context.route("**/*", route)
        pages = [await context.new_page() for _ in range(job["concurrency"])]
        warm = iter((url, selector) for url, selector in job["pages"][: len(pages)])
        await asyncio.gather(*(slot(page, warm) for page in pages))  # a renderer each, untimed
        failed = 0
        pending = iter((url, selector) for url, selector in job["pages"])
        started = time.perf_counter()
        await asyncio.gather(*(slot(page, pending) for page in pages))
        seconds = time.perf_counter() - started
        await browser.close()
    return {"seconds": seconds, "failed": failed}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_shoot(json.loads(sys.stdin.read())))))
