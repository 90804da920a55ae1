"""Is it the same picture? Perceptual hashes compared (``archiver.perceptual`` makes them).

Two pHashes of the same picture, re-encoded or resized, differ in a few of their 64 bits;
two different pictures in about half. ``ARCHIVER_PHASH_MAX_DISTANCE`` (default 10 bits) is
where "the same picture" ends: a photo re-encoded by its CDN is no edit, a photo replaced at
the same address is one (an ``edited`` event with reason ``media``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def distance(first: str, second: str) -> int:
    """How many bits two hex hashes of the same length differ in."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def same_picture(first: str, second: str, max_distance: int) -> bool:
    """Whether two perceptual hashes are near enough to be one picture."""
    return distance(first, second) <= max_distance


@dataclass(frozen=True, slots=True)
class ReplacedMedia:
    """A photo that now shows another picture at the same address."""

    url: str
    before_sha256: str
    after_sha256: str
    before_phash: str
    after_phash: str

    @property
    def distance(self) -> int:
        """Bits between the two pictures' hashes."""
        return distance(self.before_phash, self.after_phash)

    def to_json(self) -> dict[str, Any]:
        """As an ``edited`` event's diff lists it."""
        return {
            "url": self.url,
            "before_sha256": self.before_sha256,
            "after_sha256": self.after_sha256,
            "before_phash": self.before_phash,
            "after_phash": self.after_phash,
            "distance": self.distance,
        }
