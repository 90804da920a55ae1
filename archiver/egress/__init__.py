"""The outbound gate (SPEC §7): :class:`Egress` is the only way Archiver reaches the network.

``gate`` holds the client, ``addresses`` the resolving and checking of addresses (the policy
itself is :mod:`archiver.addresses`), ``transport`` the pinned connections and ``ratelimit``
the reading of back-off headers.
"""

from __future__ import annotations

from archiver.addresses import address_refusal, parse_numeric_ipv4
from archiver.egress.addresses import Resolver
from archiver.egress.gate import USER_AGENT, Egress
from archiver.ratelimits import parse_retry_after

__all__ = [
    "USER_AGENT",
    "Egress",
    "Resolver",
    "address_refusal",
    "parse_numeric_ipv4",
    "parse_retry_after",
]
