"""Asking one Time-Stamp Authority for a token, through the outbound gate.

``ask`` POSTs an RFC 3161 request (``application/timestamp-query``) over a message's SHA-256,
reads the reply, and keeps it only when it is a granted token over that very hash with the
request's nonce, signed by a certificate fit for timestamping (``archiver.tsp``). Anything
else — the gate refused or timed out, an HTTP error, a reply that is not such a token — is a
:class:`TsaFailure` in one sentence, with the time the TSA asked us to come back, if it did.
Whether the signer chains to a trusted root is the token's verdict, not a failure: a genuine
token is kept even when its chain cannot be verified here, and says so.

``ask_first`` asks each TSA in turn until one gives a token (a signed WACZ's timestamp).

``trusted_roots`` reads the roots a TSA's signer must chain to: ``ARCHIVER_TSA_CA_FILE``, or
certifi's bundle (Mozilla's roots) when it is not set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import certifi
from cryptography import x509

from archiver import tsp
from archiver.config import Settings
from archiver.errors import ConfigError, EgressError, EgressRateLimited
from archiver.ratelimits import parse_retry_after
from archiver.services.webhooks import Sender

#: The largest reply read (tokens are a few kilobytes, with their certificates).
MAX_REPLY_BYTES = 1_000_000


class TsaFailure(Exception):
    """The TSA gave no usable token this time. ``sent`` is false when the gate sent nothing
    because the TSA had asked us to wait (until ``retry_after``)."""

    def __init__(
        self, message: str, *, retry_after: datetime | None = None, sent: bool = True
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.sent = sent


@dataclass(frozen=True, slots=True)
class Stamp:
    """A genuine token over the message, and what checking it against the roots found."""

    token: tsp.Token
    verdict: tsp.Verdict


def trusted_roots(settings: Settings) -> list[x509.Certificate]:
    """The root certificates TSA signers must chain to; ConfigError when unreadable."""
    path = settings.tsa_ca_file or Path(certifi.where())
    try:
        return tsp.load_pem(path.read_bytes())
    except OSError as exc:
        raise ConfigError(
            f"ARCHIVER_TSA_CA_FILE cannot be read: {path} ({exc.strerror or exc})"
        ) from None
    except ValueError:
        raise ConfigError(f"ARCHIVER_TSA_CA_FILE holds no PEM certificate: {path}") from None


async def ask(
    sender: Sender, url: str, message: bytes, roots: Sequence[x509.Certificate], now: datetime
) -> Stamp:
    """A token from the TSA at ``url`` over ``message``'s SHA-256, or :class:`TsaFailure`."""
    request = tsp.build(message)
    try:
        exchange = await sender.request(
            "POST",
            url,
            headers={"Content-Type": tsp.MEDIA_TYPE_QUERY, "Accept": tsp.MEDIA_TYPE_REPLY},
            content=request.body,
            max_bytes=MAX_REPLY_BYTES,
        )
    except EgressRateLimited as exc:
        raise TsaFailure(str(exc), retry_after=exc.retry_after, sent=False) from None
    except EgressError as exc:
        raise TsaFailure(str(exc) or type(exc).__name__) from None
    if exchange.status != 200:
        raise TsaFailure(
            f"the TSA answered {exchange.status} {exchange.reason}".rstrip(),
            retry_after=parse_retry_after(exchange.response_headers, now),
        )
    try:
        token = tsp.parse_reply(exchange.body)
    except tsp.TokenError as exc:
        raise TsaFailure(str(exc)) from None
    if token.nonce != request.nonce:
        raise TsaFailure("the reply's nonce is not the request's (a stale or mixed-up answer)")
    verdict = tsp.check_token(token, message, roots)
    if not verdict.genuine:
        raise TsaFailure(f"the reply is not a good token: {verdict.problem}")
    return Stamp(token, verdict)


async def ask_first(
    sender: Sender,
    urls: Sequence[str],
    message: bytes,
    roots: Sequence[x509.Certificate],
    now: datetime,
) -> Stamp:
    """A token over ``message`` from the first TSA of ``urls`` that gives one; otherwise a
    :class:`TsaFailure` naming what each said."""
    said = []
    for url in urls:
        try:
            return await ask(sender, url, message, roots, now)
        except TsaFailure as failure:
            said.append(f"{url}: {failure}")
    raise TsaFailure("; ".join(said) or "no TSA is configured")
