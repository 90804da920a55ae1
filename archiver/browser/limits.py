"""How Chromium is launched and how long a capture may take: the browser pool's fixed limits."""

from __future__ import annotations

LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    # Whatever escapes routing (preconnects, WebRTC over TCP…) meets a dead proxy, not the network.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    # Captures share a few renderer processes instead of spawning one per context: most of a
    # screenshot's cost was process start-up, and each renderer holds ~100 MB. Contexts still
    # keep storage, cookies and caches apart.
    "--renderer-process-limit=2",
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins,Translate,MediaRouter",
)
#: How long one capture of a platform's page may take, everything included (the default).
PAGE_DEADLINE_SECONDS = 20.0
CARD_DEADLINE_SECONDS = 15.0
#: What a capture may run over its deadline before it is abandoned (a renderer stuck in a
#: script answers nothing, so only this outer limit ends the wait).
GRACE_SECONDS = 10.0
#: The share of a capture's deadline its resource fetches may use.
FETCH_SHARE = 0.75
#: Chromium ignores flags it does not know: this one lets us find our process in /proc.
MARKER_FLAG = "--archiver-pool="
