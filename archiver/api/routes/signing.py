"""``GET /.well-known/archiver-signing-key``: the public half of the key this archive signs
its WACZ exports with (PEM), so that anyone holding a signed WACZ can check that it came from
here and has not changed since (``archiver verify-wacz FILE --key KEY.pem``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from archiver import urls
from archiver.api.deps import SigningKeyDep

router = APIRouter(tags=["signing"])

#: The key is made once and never replaced; an hour of caching is safe.
CACHE_AGE = 3600


@router.get(
    urls.signing_key(),
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "a PEM PUBLIC KEY block"},
        500: {"content": {"text/plain": {}}, "description": "the key file cannot be read"},
    },
)
def signing_key(key: SigningKeyDep) -> PlainTextResponse:
    """The archive's public signing key: ECDSA P-384, PEM ``SubjectPublicKeyInfo``; it is
    the ``publicKey`` of every WACZ this archive signs. Made on first use."""
    return PlainTextResponse(
        key.public_pem,
        headers={
            "Cache-Control": f"public, max-age={CACHE_AGE}",
            "Content-Disposition": 'inline; filename="archiver-signing-key.pem"',
        },
    )
