"""What a capture hands back (:class:`Shot`) and how it fails (:class:`ScreenshotFailed`)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from archiver.errors import ArchiverError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Where a screenshot's pixels came from: the platform's own page, or Archiver's card.
ShotSource = Literal["platform", "archiver_card"]


class ScreenshotFailed(ArchiverError):
    """A page could not be rendered; the message is one sentence saying why."""


@dataclass(frozen=True, slots=True)
class Shot:
    """One PNG screenshot. ``width``/``height`` are image pixels (CSS pixels times the scale)."""

    png: bytes
    width: int
    height: int
    browser_version: str
    source: ShotSource
    url: str | None
    taken_at: datetime


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` from a PNG's IHDR chunk; ValueError if it is not a PNG."""
    if len(png) < 24 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)
