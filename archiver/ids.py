"""Short opaque identifiers that people can read aloud and type.

IDs are 12 characters of Crockford's base32 (digits and upper-case letters without I, L, O, U),
drawn from the system's cryptographic RNG: 60 bits, never sequential, unguessable enough that
listing them by counting is hopeless. Lookups normalise what a person typed: case, hyphens and
spaces, and the letters people confuse with digits (O→0, I/L→1). They are shown grouped
(``7K3Q-9MZD-A2XF``) where a person reads them, as Perma.cc does for its links.

Pure: no I/O.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_id() -> str:
    """Return a fresh random ID."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_id(text: str) -> str | None:
    """Return the canonical form of a typed ID, or ``None`` when it cannot be one."""
    cleaned = text.replace("-", "").replace(" ", "").upper().translate(_CONFUSABLE)
    if len(cleaned) != LENGTH or any(char not in ALPHABET for char in cleaned):
        return None
    return cleaned


def group_id(identifier: str) -> str:
    """Show an ID in groups of four for people: ``7K3Q9MZDA2XF`` -> ``7K3Q-9MZD-A2XF``."""
    return "-".join(identifier[i : i + 4] for i in range(0, len(identifier), 4))
