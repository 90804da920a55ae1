"""The token X's embed code sends to its syndication endpoint, computed from the post id alone.

The embed code computes ``((Number(id) / 1e15) * Math.PI).toString(36)`` and removes every run
of zeros and the dot. ECMAScript leaves non-decimal ``Number.prototype.toString`` to the engine,
so the token is whatever V8 prints; :func:`js_number_to_string` follows V8's digit-generation
scheme (shortest fraction that still identifies the double, round half to even, carries
propagated back into the integer part) so the token matches the browser's exactly.

Pure: no I/O.
"""

from __future__ import annotations

import math
from typing import Final

_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Doubles at or above this hold no fractional bits and integer digits past it are not exact.
_EXACT_LIMIT: Final = 2.0**53
_SMALLEST_DOUBLE: Final = math.nextafter(0.0, 1.0)


def js_number_to_string(value: float, radix: int) -> str:
    """Format ``value`` as JavaScript's ``Number.prototype.toString(radix)`` does in V8.

    ``radix`` must be 2 to 36 but not 10: decimal output follows a different (shortest
    round-trip) algorithm that nothing here needs.
    """
    if not 2 <= radix <= 36 or radix == 10:
        raise ValueError(f"unsupported radix {radix}")
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    integer = math.floor(value) * 1.0
    fraction_digits, carry = _fraction_digits(value, value - integer, radix)
    return sign + _integer_digits(integer + carry, radix) + _join_fraction(fraction_digits)


def _fraction_digits(value: float, fraction: float, radix: int) -> tuple[list[int], int]:
    """The fraction's digits, generated only as far as the double's own precision reaches,
    and 1 when rounding the last digit up carried into the integer part (else 0)."""
    # Half the gap to the next double: digits beyond this distinguish nothing.
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), _SMALLEST_DOUBLE)
    digits: list[int] = []
    if fraction < delta:
        return digits, 0
    while True:
        fraction *= radix
        delta *= radix
        digit = int(fraction)
        digits.append(digit)
        fraction -= digit
        rounds_up = fraction > 0.5 or (fraction == 0.5 and digit % 2 == 1)
        if rounds_up and fraction + delta > 1:
            return _round_up(digits, radix)
        if fraction < delta:
            return digits, 0


def _round_up(digits: list[int], radix: int) -> tuple[list[int], int]:
    """Add one unit in the last place: digits that overflow are dropped, the carry moves left."""
    while digits:
        last = digits.pop() + 1
        if last < radix:
            digits.append(last)
            return digits, 0
    return digits, 1


def _integer_digits(integer: float, radix: int) -> str:
    """The integer part's digits; places beyond a double's precision print as zeros."""
    zeros = 0
    while integer / radix >= _EXACT_LIMIT:
        integer /= radix
        zeros += 1
    digits: list[str] = []
    while True:
        remainder = math.fmod(integer, radix)
        digits.append(_DIGITS[int(remainder)])
        integer = (integer - remainder) / radix
        if integer <= 0:
            break
    return "".join(reversed(digits)) + "0" * zeros


def _join_fraction(digits: list[int]) -> str:
    return "." + "".join(_DIGITS[d] for d in digits) if digits else ""


def syndication_token(post_id: str) -> str:
    """The ``token`` query parameter the syndication endpoint expects for ``post_id``."""
    formatted = js_number_to_string(float(post_id) / 1e15 * math.pi, 36)
    return formatted.replace("0", "").replace(".", "")
