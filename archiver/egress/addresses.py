"""The outbound gate's side of the address policy (SPEC §7; the pure policy itself is
:mod:`archiver.addresses`): the default resolver (the event loop's ``getaddrinfo``), and
:func:`checked_address`, which resolves a host once and judges every answer.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

from archiver.addresses import IPAddress, address_refusal, literal_address
from archiver.errors import EgressNetworkError, EgressRefused

#: Turns (host, port) into the IP address strings to choose from.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolve(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system (the event loop's ``getaddrinfo``)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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
