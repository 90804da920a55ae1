"""RFC 3161 trusted timestamps: the request sent to a Time-Stamp Authority, the reply read
back, and the reply checked against the message and a set of trusted root certificates.

``request`` builds a ``TimeStampReq`` over a message's SHA-256; ``reply`` reads a
``TimeStampResp`` (leniently, as BER: OpenSSL-based TSAs send their certificates unsorted);
``verify`` checks a token's signature, its signer and the signer's chain; ``certs`` reads and
writes PEM certificates. Parsing is asn1crypto's, cryptography does the signatures and the
path building. No I/O: sending a request is the caller's (through the outbound gate).
"""

from __future__ import annotations

from archiver.tsp.certs import fingerprint, load_pem, pem_bundle
from archiver.tsp.reply import Token, TokenError, parse_reply
from archiver.tsp.request import MEDIA_TYPE_QUERY, MEDIA_TYPE_REPLY, TimestampRequest, build
from archiver.tsp.verify import Verdict, check_token

__all__ = [
    "MEDIA_TYPE_QUERY",
    "MEDIA_TYPE_REPLY",
    "TimestampRequest",
    "Token",
    "TokenError",
    "Verdict",
    "build",
    "check_token",
    "fingerprint",
    "load_pem",
    "parse_reply",
    "pem_bundle",
]
