"""The request to a Time-Stamp Authority: a ``TimeStampReq`` (RFC 3161 §2.4.1) over the SHA-256
of a message, with a fresh 64-bit nonce and ``certReq`` set, so the TSA puts its signing
certificate in the token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from asn1crypto import tsp

#: The HTTP media types of RFC 3161 §3.4.
MEDIA_TYPE_QUERY = "application/timestamp-query"
MEDIA_TYPE_REPLY = "application/timestamp-reply"


@dataclass(frozen=True, slots=True)
class TimestampRequest:
    """A DER ``TimeStampReq`` and what its reply must echo."""

    body: bytes
    imprint: bytes  # the SHA-256 of the message
    nonce: int


def build(message: bytes) -> TimestampRequest:
    """A request to timestamp ``message`` (its SHA-256 is what the TSA sees and signs)."""
    imprint = hashlib.sha256(message).digest()
    nonce = secrets.randbits(64)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": imprint,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return TimestampRequest(body=request.dump(), imprint=imprint, nonce=nonce)
