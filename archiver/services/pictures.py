"""Photos looked at again: was a post's photo replaced at the same address?

A re-check that finds a post's text and media addresses unchanged would miss a photo swapped
behind the same URL (a page's picture, a CDN object overwritten). So each photo of the newest
snapshot that has a perceptual hash is asked for again through the gate, conditionally
(``If-None-Match`` / ``If-Modified-Since`` from its capture, so an unchanged file costs a
``304``):

- ``304``, or the same bytes: the same photo;
- other bytes whose pHash is within ``ARCHIVER_PHASH_MAX_DISTANCE`` bits: the same picture
  re-encoded (a CDN's recompression): no edit;
- other bytes showing another picture: replaced (the capture then makes a new snapshot and an
  ``edited`` event with reason ``media``).

Anything else — a network error, a 4xx or 5xx, a body that is no picture — is evidence of
nothing and changes nothing (a photo that disappears is the post's re-check's business, not
this one's). Only photos are asked (videos are large, and their posters are photos).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from archiver import perceptual
from archiver.detect.visual import ReplacedMedia, same_picture
from archiver.domain import MediaType
from archiver.errors import EgressError
from archiver.platforms.base import Fetcher


def conditional_headers(entry: Mapping[str, Any]) -> dict[str, str]:
    """The validators a photo's capture kept, as conditional request headers."""
    headers: dict[str, str] = {}
    if entry.get("etag"):
        headers["If-None-Match"] = str(entry["etag"])
    if entry.get("last_modified"):
        headers["If-Modified-Since"] = str(entry["last_modified"])
    return headers


def _rechecked(entry: Mapping[str, Any]) -> bool:
    return (
        entry.get("type") == MediaType.PHOTO.value
        and bool(entry.get("url"))
        and bool(entry.get("sha256"))
        and bool(entry.get("phash"))
    )


async def replaced(
    media: Sequence[Mapping[str, Any]],
    fetcher: Fetcher,
    *,
    max_bytes: int,
    max_distance: int,
) -> list[ReplacedMedia]:
    """The photos among a snapshot's ``media`` entries that now show another picture."""
    found: list[ReplacedMedia] = []
    for entry in media:
        if not _rechecked(entry):
            continue
        try:
            exchange = await fetcher.get(
                str(entry["url"]), headers=conditional_headers(entry), max_bytes=max_bytes
            )
        except EgressError:
            continue  # ours or the network's trouble: evidence of nothing
        if exchange.status != 200:
            continue  # 304: unchanged; anything else: evidence of nothing
        sha256 = hashlib.sha256(exchange.body).hexdigest()
        if sha256 == entry["sha256"]:
            continue
        after = await asyncio.to_thread(perceptual.phash, exchange.body)
        before = str(entry["phash"])
        if after is None or same_picture(before, after, max_distance):
            continue
        found.append(ReplacedMedia(str(entry["url"]), str(entry["sha256"]), sha256, before, after))
    return found
