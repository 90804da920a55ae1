"""Which IP addresses Archiver may reach (SPEC §7): the address policy the outbound gate
enforces on every connection, and the web adapter applies to the URLs it accepts.

Pure: no I/O (no name is resolved here).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_FLAGS = ("unspecified", "loopback", "link_local", "multicast", "private", "reserved")


def parse_numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` the way ``inet_aton`` does, or return ``None`` if it is a name.

    ``2130706433``, ``0x7f000001``, ``017700000001``, ``127.1`` and ``0177.0.0.1`` are all
    127.0.0.1 to the C library, so the gate must see them that way too.
    """
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_inet_number(part) for part in parts]
    numbers = [value for value in values if value is not None]
    if len(numbers) != len(values):
        return None
    *head, last = numbers
    if any(value > 255 for value in head) or last >= 256 ** (4 - len(head)):
        return None
    result = 0
    for value in head:
        result = result << 8 | value
    return ipaddress.IPv4Address(result << 8 * (4 - len(head)) | last)


def _inet_number(part: str) -> int | None:
    """One dotted part as ``inet_aton`` reads it: ``0x`` hex, leading ``0`` octal, else decimal."""
    text = part.lower()
    if text.startswith("0x"):
        digits, base = text[2:] or "0", 16
    elif len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits or any(char not in "0123456789abcdef"[:base] for char in digits):
        return None
    return int(digits, base)


def literal_address(host: str) -> IPAddress | None:
    """The IP address ``host`` spells (``[::1]``, ``10.0.0.1``, ``0x7f000001``…), else ``None``."""
    text = unquote(host.removeprefix("[").removesuffix("]"))
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return parse_numeric_ipv4(text)


def address_refusal(address: IPAddress | str) -> str | None:
    """Why the gate refuses ``address`` (``"loopback"``, ``"private"``…), or ``None`` if global.

    IPv4-mapped IPv6, NAT64 (``64:ff9b::/96``) and 6to4 (``2002::/16``) addresses are judged by
    the IPv4 address they carry; Teredo is always refused.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = _flag(embedded)
            return None if reason is None else f"{reason} (it embeds {embedded})"
        if ip.teredo is not None:
            return "Teredo tunnel"
    return _flag(ip)


def _flag(ip: IPAddress) -> str | None:
    for name in _FLAGS:
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    return None if ip.is_global else "non-global"
