"""The platform-wide anomaly guard (SPEC §4): when many posts of one platform turn "gone" at
once, the platform is more likely down, changed or behind a login wall than all those posts
deleted. While it looks so, no disappearance is confirmed on that platform.

Pure: the caller counts the window's checks and passes the figures in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """One platform's observations within the last ``CONFIRM_AFTER``: distinct posts checked,
    and distinct posts whose latest answer there was "gone"."""

    posts_checked: int
    posts_gone: int
    canary_gone: bool = False


def degraded(window: Window, *, min_posts: int, share: float) -> bool:
    """Whether the platform's answers look like an outage rather than deletions."""
    if window.canary_gone:
        return True
    if window.posts_gone < min_posts or window.posts_checked == 0:
        return False
    return window.posts_gone / window.posts_checked >= share
