"""Screenshots with Chromium, where the browser never touches the network itself (SPEC §7).

``pool`` holds :class:`BrowserPool` (one Chromium per process), ``gate`` routes every request
a page makes through the outbound gate, ``card`` renders Archiver's own card of captured data,
and ``shot`` the result type and its exception.
"""

from __future__ import annotations

from archiver.browser.card import BANNER, CardData, render_card_html
from archiver.browser.page import RoutedPage
from archiver.browser.pool import BrowserPool
from archiver.browser.shot import ScreenshotFailed, Shot, ShotSource, png_size

__all__ = [
    "BANNER",
    "BrowserPool",
    "CardData",
    "RoutedPage",
    "ScreenshotFailed",
    "Shot",
    "ShotSource",
    "png_size",
    "render_card_html",
]
