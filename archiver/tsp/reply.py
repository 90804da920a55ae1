"""A Time-Stamp Authority's reply (``TimeStampResp``, RFC 3161 §2.4.2) read into a
:class:`Token`: the status, the ``TSTInfo`` it signs (time, serial number, policy, message
imprint, nonce) and the certificates it carries.

Read as BER (asn1crypto): an OpenSSL-based TSA writes its certificates in chain order rather
than DER's sorted order, which a strict DER reader refuses. Only a granted reply with a token
is a :class:`Token`; anything else is a :class:`TokenError` in one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import core, tsp
from cryptography import x509

from archiver.errors import ArchiverError

_GRANTED = frozenset({"granted", "granted_with_mods"})


class TokenError(ArchiverError):
    """The reply is not a readable, granted timestamp token."""


@dataclass(frozen=True, slots=True)
class Token:
    """A granted timestamp token and the facts it signs."""

    reply: bytes  # the TimeStampResp exactly as received
    gen_time: datetime  # when the TSA says it saw the imprint (aware, UTC)
    serial: int
    policy: str  # the TSA policy's OID, dotted
    hash_algorithm: str  # of the imprint, e.g. "sha256"
    imprint: bytes
    nonce: int | None
    tsa_name: str | None  # the TSTInfo's ``tsa`` name, as text
    certificates: tuple[x509.Certificate, ...]  # carried in the token (the signer's, usually)
    content: bytes  # the DER TSTInfo: what the signature covers (through its digest)
    signer_info: Any  # asn1crypto ``SignerInfo``, read by ``archiver.tsp.verify``


def parse_reply(data: bytes) -> Token:
    """Read a ``TimeStampResp``; a :class:`TokenError` unless it is granted and well-formed."""
    try:
        # Read the status alone first: a refusal carries no token (asn1crypto's TimeStampResp
        # would call that malformed).
        status = tsp.PKIStatusInfo.load(core.Sequence.load(data, strict=True)[0].dump())
        granted = status["status"].native
        if granted not in _GRANTED:
            said = " ".join(status["status_string"].native or [])
            failure = status["fail_info"].native
            details = "; ".join(str(part) for part in (said, failure) if part)
            raise TokenError(f"the TSA did not grant the timestamp ({granted}: {details or '-'})")
        token = tsp.TimeStampResp.load(data, strict=True)["time_stamp_token"]
        if token.native is None or token["content_type"].native != "signed_data":
            raise TokenError("the reply carries no signed timestamp token")
        signed = token["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise TokenError("the token does not sign a TSTInfo")
        info = encapsulated["content"].parsed
        signers = list(signed["signer_infos"])
        if len(signers) != 1:
            raise TokenError(f"the token has {len(signers)} signers, not one")
        imprint = info["message_imprint"]
        return Token(
            reply=data,
            gen_time=info["gen_time"].native,
            serial=int(info["serial_number"].native),
            policy=str(info["policy"].dotted),
            hash_algorithm=str(imprint["hash_algorithm"]["algorithm"].native),
            imprint=bytes(imprint["hashed_message"].native),
            nonce=info["nonce"].native,
            tsa_name=_name(info["tsa"]),
            certificates=_certificates(signed["certificates"]),
            content=bytes(encapsulated["content"]),
            signer_info=signers[0],
        )
    except TokenError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError…
        raise TokenError(f"the reply is not a timestamp token ({type(exc).__name__})") from None


def _name(general_name: Any) -> str | None:
    if general_name.native is None:
        return None
    if general_name.name == "directory_name":
        return str(general_name.chosen.human_friendly)
    return str(general_name.native)


def _certificates(choices: Any) -> tuple[x509.Certificate, ...]:
    """The X.509 certificates among a SignedData's certificates (others are skipped)."""
    found = []
    if isinstance(choices, core.Void):
        return ()
    for choice in choices:
        if choice.name != "certificate":
            continue
        try:
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
        except ValueError:
            continue  # one cryptography cannot read cannot be the signer we check either
    return tuple(found)
