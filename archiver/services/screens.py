"""The screenshot of a live capture: the platform's own page, or Archiver's card of the data.

Steps:
1. ask the post's adapter which page shows it (its embed page) and which element is the post;
2. render it in the browser pool, every request through the outbound gate;
3. if the platform page cannot be rendered, render Archiver's card of the captured data,
   marked ``archiver_card`` and with the reason kept on the check;
4. store the PNG by its SHA-256 under the screenshots folder, and take its perceptual hash
   (``archiver.perceptual``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from archiver import perceptual
from archiver.browser import BrowserPool, CardData, ScreenshotFailed, Shot
from archiver.domain import Live, PostRef
from archiver.platforms import adapter_for
from archiver.storage import BlobStore


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A stored screenshot, and why the platform page was not used, if it was not."""

    shot: Shot
    sha256: str
    platform_error: str | None
    phash: str | None = None


def card_of(ref: PostRef, live: Live, captured_at: datetime, media: list[str]) -> CardData:
    """Archiver's card of what was captured."""
    data = live.data
    return CardData(
        platform=adapter_for(ref).display_name,
        author_name=data.author.name if data.author else None,
        author_handle=data.author.handle if data.author else None,
        posted_at=data.posted_at,
        text=data.text,
        captured_at=captured_at,
        post_url=data.url or ref.canonical_url,
        media_count=len(data.media),
        media_sha256=tuple(media),
    )


async def take(
    ref: PostRef,
    live: Live,
    *,
    browser: BrowserPool,
    store: BlobStore,
    captured_at: datetime,
    media_sha256: list[str],
) -> Screenshot:
    """Render and store the screenshot of a live capture (see the module docstring)."""
    target = adapter_for(ref).screenshot_target(ref, live.data)  # 1
    error: str | None = None
    try:
        shot = await browser.screenshot_page(target.url, selector=target.selector)  # 2
    except ScreenshotFailed as exc:
        error = str(exc)
        shot = await browser.screenshot_card(card_of(ref, live, captured_at, media_sha256))  # 3
    stored = await asyncio.to_thread(store.put, shot.png)  # 4
    phash = await asyncio.to_thread(perceptual.phash, shot.png)
    return Screenshot(shot=shot, sha256=stored.sha256, platform_error=error, phash=phash)
