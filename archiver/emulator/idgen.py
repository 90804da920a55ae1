"""Identifiers shaped like each platform's own: X and Mastodon snowflakes, atproto TIDs, DIDs
and CIDs, t.co codes and media keys. Everything derives from its inputs, so a seeded world
comes out the same every time.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Final

#: X's snowflake epoch (2010-11-04T01:42:54.657Z) in milliseconds.
X_EPOCH_MS: Final = 1288834974657
_BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SORTABLE32: Final = "234567abcdefghijklmnopqrstuvwxyz"
_BASE83: Final = (
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)


def millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch."""
    return int(moment.timestamp() * 1000)


def digest(*parts: object) -> bytes:
    """SHA-256 of the parts joined with a separator."""
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).digest()


def number(*parts: object) -> int:
    """A large non-negative integer derived from the parts."""
    return int.from_bytes(digest(*parts)[:8], "big")


def base62(length: int, *parts: object) -> str:
    """``length`` base-62 characters derived from the parts."""
    value = int.from_bytes(digest(*parts), "big")
    chars = []
    for _ in range(length):
        value, rest = divmod(value, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def base36(value: int) -> str:
    """``value`` in lower-case base 36, as Reddit writes its ids (``1ri4d80``)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    chars = []
    while True:
        value, rest = divmod(value, 36)
        chars.append(digits[rest])
        if not value:
            return "".join(reversed(chars))


def hex_key(length: int, *parts: object) -> str:
    """``length`` lower-case hexadecimal characters derived from the parts."""
    return digest(*parts).hex()[:length]


def x_snowflake(moment: datetime, sequence: int) -> str:
    """An X post or media id for ``moment``: milliseconds since X's epoch, shifted 22 bits."""
    return str(((millis(moment) - X_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))


def x_user_id(screen_name: str) -> str:
    """An 18-digit X user id derived from a screen name (case-insensitive)."""
    return str(10**17 + number("xuser", screen_name.lower()) % (9 * 10**17))


def mastodon_snowflake(moment: datetime, sequence: int) -> str:
    """A Mastodon id for ``moment``: Unix milliseconds shifted 16 bits, plus a sequence."""
    return str((millis(moment) << 16) | (sequence & 0xFFFF))


def tid(moment: datetime, sequence: int) -> str:
    """An atproto record key (TID): 13 sortable base-32 characters of microseconds and a clock."""
    value = (int(moment.timestamp() * 1_000_000) << 10) | (sequence & 0x3FF)
    chars = []
    for _ in range(13):
        value, rest = divmod(value, 32)
        chars.append(_SORTABLE32[rest])
    return "".join(reversed(chars))


def plc_did(handle: str) -> str:
    """A ``did:plc:`` identifier (24 base-32 characters) derived from a handle."""
    encoded = base64.b32encode(digest("did", handle.lower())).decode().lower()
    return f"did:plc:{encoded[:24]}"


def cid(content: object, *, raw: bool = False) -> str:
    """A CIDv1 (base32, SHA-256): ``bafyrei…`` for records, ``bafkrei…`` for raw blobs."""
    codec = b"\x55" if raw else b"\x71"
    encoded = base64.b32encode(b"\x01" + codec + b"\x12\x20" + digest("cid", content))
    return "b" + encoded.decode().lower().rstrip("=")


def blurhash(red: int, green: int, blue: int) -> str:
    """A valid one-component BlurHash of a single colour."""
    value = (red << 16) | (green << 8) | blue
    chars = []
    for _ in range(4):
        value, rest = divmod(value, 83)
        chars.append(_BASE83[rest])
    return "00" + "".join(reversed(chars))


def split_digits(identifier: str) -> str:
    """Mastodon's storage path for an id: ``110123456789012345`` → ``110/123/456/789/012/345``."""
    padded = identifier.zfill((len(identifier) + 2) // 3 * 3)
    return "/".join(padded[i : i + 3] for i in range(0, len(padded), 3))
