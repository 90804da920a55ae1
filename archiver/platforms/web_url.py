"""Which URLs the generic web adapter takes as pages, and how it writes them down.

A page URL is an ``http`` or ``https`` URL without a user name or password, on a public host:
a dotted DNS name that is not a special-use or private-network name (``localhost``, ``.local``,
``.internal``, ``.home.arpa``, ``.onion``…), or an IP literal in a global range (the address
policy of :mod:`archiver.addresses`). This is a first check on the words of the URL only: a
name that *resolves* to a private address is refused by the outbound gate when the page is
fetched.

The normalised form is what the page is stored under: scheme and host lower-cased (an
internationalised host in its ASCII form), the default port dropped, an empty path written
``/``, spaces and non-ASCII characters of path and query percent-encoded (as a browser sends
them), the fragment dropped, tracking parameters dropped (``utm_*``, ``fbclid``, ``gclid``,
``mc_cid``… see :data:`archiver.detect.normalise.TRACKING_PARAMETERS`) and every other query
parameter kept, in its order and spelling. ``http`` and ``https`` stay distinct: some sites
still serve only one of them.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlsplit

from archiver.addresses import address_refusal, literal_address
from archiver.detect.normalise import without_tracking
from archiver.platforms.base import ascii_host

#: Longer normalised URLs are keyed by host and hash (the key column holds 600 characters).
MAX_KEY_CHARS: Final = 500
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
#: What stays as it is in a path or query; the rest (spaces, non-ASCII) is percent-encoded as
#: a browser sends it, and escapes already there are kept as written.
_PATH_SAFE: Final = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE: Final = _PATH_SAFE + "?"
#: Names that never lead to a public site: special-use names (RFC 6761, 6762, 7686, 8375,
#: 9476), ICANN's private-use ``.internal``, and the suffixes RFC 6762 lists as in private use.
_PRIVATE_SUFFIXES: Final = (
    ("localhost", "a name of this machine"),
    ("local", "a local-network (mDNS) name"),
    ("internal", "a private-network name"),
    ("home.arpa", "a home-network name"),
    ("lan", "a private-network name"),
    ("home", "a private-network name"),
    ("corp", "a private-network name"),
    ("intranet", "a private-network name"),
    ("private", "a private-network name"),
    ("invalid", "a name that can never exist"),
    ("onion", "a Tor onion service, which Archiver cannot reach"),
    ("alt", "a name outside the DNS"),
)


@dataclass(frozen=True, slots=True)
class PageUrl:
    """A page URL, normalised; ``host`` without port (an IPv6 literal without brackets)."""

    url: str
    host: str

    @property
    def key(self) -> str:
        """What the page is stored under: the normalised URL, or, past
        :data:`MAX_KEY_CHARS`, ``host/`` and the URL's SHA-256."""
        if len(self.url) <= MAX_KEY_CHARS:
            return self.url
        return f"{self.host}/{self.digest}"

    @property
    def digest(self) -> str:
        """The SHA-256 of the normalised URL, in hex."""
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a URL is not taken as a page: a clause such as ``localhost is a name of this
    machine``."""

    reason: str


def page_url(url: str) -> PageUrl | Refused:
    """``url`` normalised as a page URL, or why it is refused."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return Refused("it is not a well-formed URL")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return Refused(
            "it names no post Archiver recognises, and only http and https addresses can be "
            "archived as web pages"
        )
    try:
        port = parts.port
        raw_host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return Refused("it is not a well-formed URL")
    if "@" in parts.netloc:
        return Refused("it carries a user name or password, which Archiver never sends")
    if not raw_host:
        return Refused("it names no host")
    host = _public_host(raw_host)
    if isinstance(host, Refused):
        return host
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = quote(without_tracking(parts.query), safe=_QUERY_SAFE)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return PageUrl(f"{scheme}://{netloc}{path}" + (f"?{query}" if query else ""), host)


def _public_host(host: str) -> str | Refused:
    """The host as written in a normalised URL, or why it cannot be a public site."""
    address = literal_address(host)
    if address is not None:
        refusal = address_refusal(address)
        if refusal is None:
            return str(address)
        kind = refusal.partition(" (")[0]
        return Refused(f"{host} is {_article(kind)} {kind} address, which Archiver never fetches")
    name = ascii_host(host)
    for suffix, what in _PRIVATE_SUFFIXES:
        if (name or host) == suffix or (name or host).endswith(f".{suffix}"):
            return Refused(f"{name or host} is {what}")
    if name is None and "." not in host:
        return Refused(f"{host} is not a full domain name (a name on a local network?)")
    if name is None:
        return Refused(f"{host} is not a valid host name")
    return name


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
