"""The address policy of the outbound gate (SPEC §7): which IP addresses Archiver may reach.

Pure functions, the default resolver (the event loop's ``getaddrinfo``), and
:func:`checked_address`, which resolves a host once and judges every answer.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from archiver.errors import EgressNetworkError, EgressRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Turns (host, port) into the IP address strings to choose from.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_FLAGS = ("unspecified", "loopback", "link_local", "multicast", "private", "reserved")


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system (the event loop's ``getaddrinfo``)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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


async def checked_address(host: str, port: int, resolve: Resolver, *, trusted: bool) -> str:
    """Resolve ``host`` once and return the address to connect to.

    Unless ``trusted``, raises EgressRefused if *any* address is refused (a name that resolves
    to both a public and a private address is refused). EgressNetworkError when resolving fails.
    """
    literal = literal_address(host)
    if literal is not None:
        candidates: list[IPAddress | None] = [literal]
    else:
        try:
            candidates = [literal_address(answer) for answer in await resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise EgressNetworkError(f"cannot resolve {host}: {detail}") from None
    checked = [candidate for candidate in candidates if candidate is not None]
    if not checked or len(checked) != len(candidates):
        raise EgressNetworkError(f"cannot resolve {host}: no usable address")
    if not trusted:
        for address in checked:
            reason = address_refusal(address)
            if reason is not None:
                kind, _, note = reason.partition(" (")
                article = "an" if kind[0] in "aeiou" else "a"
                named = f"{host} is" if host == str(address) else f"{host} is {address},"
                note = f" ({note}" if note else ""
                raise EgressRefused(f"{named} {article} {kind} address{note}: refused")
    return str(checked[0])
