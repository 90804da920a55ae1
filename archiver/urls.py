"""Every URL Archiver hands out, built in one place (paths relative to the service root).

Pure: no I/O.
"""

from __future__ import annotations

API = "/api/v1"


def post_api(post_id: str) -> str:
    """The post's JSON resource."""
    return f"{API}/posts/{post_id}"


def post_snapshots_api(post_id: str) -> str:
    """The post's snapshots, oldest first."""
    return f"{API}/posts/{post_id}/snapshots"


def post_checks_api(post_id: str) -> str:
    """The post's observation log."""
    return f"{API}/posts/{post_id}/checks"


def post_events_api(post_id: str) -> str:
    """The post's events."""
    return f"{API}/posts/{post_id}/events"


def snapshot_api(snapshot_id: str) -> str:
    """A snapshot's JSON resource."""
    return f"{API}/snapshots/{snapshot_id}"


def problem_type(slug: str) -> str:
    """The ``type`` URI of an RFC 9457 problem."""
    return f"/problems/{slug}"


def snapshot_raw(snapshot_id: str) -> str:
    """The raw upstream body a snapshot was read from, byte for byte."""
    return f"{API}/snapshots/{snapshot_id}/raw"


def snapshot_warc(snapshot_id: str) -> str:
    """The WARC of a snapshot's capture."""
    return f"{API}/snapshots/{snapshot_id}/warc"


def snapshot_media(snapshot_id: str, sha256: str) -> str:
    """One media file of a snapshot, byte for byte."""
    return f"{API}/snapshots/{snapshot_id}/media/{sha256}"


def snapshot_timestamp_file(snapshot_id: str, timestamp_id: str, name: str) -> str:
    """One file of a snapshot's trusted timestamp: ``manifest.json``, ``token.tsr`` (the
    TSA's reply) or ``chain.pem`` (its certificate chain), byte for byte."""
    return f"{API}/snapshots/{snapshot_id}/timestamps/{timestamp_id}/{name}"


def check_warc(check_id: str) -> str:
    """The WARC of one observation (kept for gone answers too)."""
    return f"{API}/checks/{check_id}/warc"


def snapshot_screenshot(snapshot_id: str) -> str:
    """The PNG of a snapshot, byte for byte."""
    return f"{API}/snapshots/{snapshot_id}/screenshot.png"


def webhooks_api() -> str:
    """The webhooks collection (admin keys only)."""
    return f"{API}/webhooks"


def webhook_api(webhook_id: str) -> str:
    """One webhook (``DELETE`` removes it)."""
    return f"{API}/webhooks/{webhook_id}"


def webhook_deliveries_api(webhook_id: str) -> str:
    """A webhook's delivery log, newest first."""
    return f"{API}/webhooks/{webhook_id}/deliveries"


def article_api(article_id: str) -> str:
    """An article's quote report in the API."""
    return f"{API}/articles/{article_id}"


def article_raw(article_id: str) -> str:
    """An article's bytes as fetched or given."""
    return f"{API}/articles/{article_id}/raw"


# --- Pages, Memento, oEmbed, exports (paths; the host comes from the request) ---------------


def home_page() -> str:
    """The web interface's front page."""
    return "/"


def post_page(post_id: str) -> str:
    """A post's timeline page."""
    return f"/p/{post_id}"


def snapshot_page(snapshot_id: str) -> str:
    """The citable page of a snapshot (its permanent URL, with the host)."""
    return f"/s/{snapshot_id}"


def article_page(article_id: str) -> str:
    """An article's quote report page."""
    return f"/a/{article_id}"


def events_page() -> str:
    """The feed of changes."""
    return "/events"


def static_file(name: str) -> str:
    """One of Archiver's own static files (CSS, script)."""
    return f"/static/{name}"


def timegate(original: str) -> str:
    """The Memento TimeGate of an original post URL (RFC 7089)."""
    return f"/timegate/{original}"


def timemap_link(original: str) -> str:
    """The Memento TimeMap of an original post URL, in link format."""
    return f"/timemap/link/{original}"


def timemap_json(original: str) -> str:
    """The Memento TimeMap of an original post URL, as JSON."""
    return f"/timemap/json/{original}"


def oembed() -> str:
    """The oEmbed endpoint."""
    return "/oembed"


def post_export_wacz(post_id: str) -> str:
    """A post's snapshots, WARCs and screenshots as one WACZ file."""
    return f"{API}/posts/{post_id}/export.wacz"


def signing_key() -> str:
    """The public key this archive signs its WACZ exports with (PEM)."""
    return "/.well-known/archiver-signing-key"
