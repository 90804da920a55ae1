"""Canary posts: known-live posts asked before a disappearance on their platform is believed.

If a platform's canary is not live — gone, or the platform cannot even show it — the platform
is treated as degraded and no deletion there is confirmed (SPEC §4). Answers are remembered
for a minute per platform, so a burst of "gone" answers costs one canary fetch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from archiver.domain import Live, Platform
from archiver.platforms import adapter_for, match_url
from archiver.platforms.base import Fetcher

#: How long a canary's answer is trusted.
REMEMBER_SECONDS = 60.0


class Canaries:
    """The configured canary posts, asked through the outbound gate."""

    def __init__(self, urls: Sequence[str], fetcher: Fetcher | None) -> None:
        self._refs = [ref for ref in (match_url(url) for url in urls) if ref is not None]
        self._fetcher = fetcher
        self._known: dict[Platform, tuple[float, bool]] = {}
        self._lock = asyncio.Lock()

    async def gone(self, platform: Platform) -> bool:
        """Whether any canary of ``platform`` is not live right now."""
        refs = [ref for ref in self._refs if ref.platform is platform]
        if not refs or self._fetcher is None:
            return False
        async with self._lock:
            known = self._known.get(platform)
            if known is not None and time.monotonic() - known[0] < REMEMBER_SECONDS:
                return known[1]
            answers = [await adapter_for(ref).fetch(ref, self._fetcher) for ref in refs]
            verdict = not all(isinstance(answer, Live) for answer in answers)
            self._known[platform] = (time.monotonic(), verdict)
            return verdict
