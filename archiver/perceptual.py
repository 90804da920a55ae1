"""Perceptual hashes of pictures (screenshots and the photos of posts).

A SHA-256 changes with every byte, so a photo a CDN re-encoded looks as new as a photo that
was replaced. A perceptual hash changes with what the picture shows: the same picture stored
again (another format, another quality, resized) hashes within a few bits of itself, another
picture about half the bits away. The hash is the 64-bit DCT hash "pHash" as ``imagehash``
computes it, written as 16 hexadecimal digits; how near two must be to count as the same
picture is ``archiver.detect.visual``'s question.

Pictures are hostile input: one that is not an image Pillow reads, or is larger than
``MAX_PIXELS`` (a decompression bomb), has no hash (``None``), never an exception.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

import imagehash
from PIL import Image

#: The largest picture hashed, in pixels (a 16,000 x 10,000 photo); larger is left unhashed.
MAX_PIXELS: Final = 160_000_000
#: JPEGs are decoded at a reduced scale no smaller than this (the hash reads 32 x 32 pixels).
_DRAFT_SIZE: Final = (256, 256)


def phash(data: bytes) -> str | None:
    """The pHash of the picture in ``data`` as 16 hex digits, or ``None`` when it is no picture
    this reads (or too large to read safely)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    return None
                image.draft("L", _DRAFT_SIZE)  # JPEG only: decode small, much faster
                return str(imagehash.phash(image.convert("L")))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
