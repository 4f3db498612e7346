"""The one number reader: text or a parsed scalar -> an exact, finite ``Decimal``.

Every number a user writes (case values, ratings, per-eye values, labs, rule constants) goes
through :func:`finite_decimal`, so that NaN, ±infinity, integers too large for a float and
exponents that overflow or underflow a float are refused in one place, with one message, before
any engine sees them. Callers turn the ``ValueError`` into a located error of their own family.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

#: the largest decimal exponent (of the leading digit) a number may have: a float holds about
#: 1.8e308 and its smallest normal is about 2.2e-308; a margin keeps every conversion exact
#: enough and every comparison between two inputs the same in both engines
MAX_EXPONENT = 300
#: the longest number text read (a 30,000-digit value is refused without being converted)
MAX_NUMBER_CHARS = 100

#: a plain decimal: sign, digits with an optional fraction, optional exponent (no NaN, no inf,
#: no hex, no underscores); anchored and linear
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class NumberError(ValueError):
    """Raised when a value is not a finite decimal a float can hold; the message says why."""


def finite_decimal(value: object) -> Decimal:
    """``"25.3"`` -> ``Decimal('25.3')``; ``25.3`` -> ``Decimal('25.3')`` (shortest repr).

    Raises NumberError for booleans, NaN, ±inf, text that is not a plain decimal, and a number
    whose magnitude is beyond 1e±300 (too large for a float, or a non-zero that rounds to 0).
    """
    if isinstance(value, bool):
        raise NumberError(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        if value.bit_length() > 1000:  # > ~1e301: checked before str(), which is quadratic
            raise NumberError("the number is too large (beyond 1e300)")
        d = Decimal(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise NumberError(f"{value!r} is not a finite number")
        d = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_CHARS:
            raise NumberError(f"a number of {len(text)} characters "
                              f"(at most {MAX_NUMBER_CHARS})")
        if not NUMBER.fullmatch(text):
            raise NumberError(f"{value!r} is not a number")
        try:
            d = Decimal(text)
        except InvalidOperation:  # pragma: no cover - NUMBER admits only valid decimals
            raise NumberError(f"{value!r} is not a number") from None
    else:
        raise NumberError(f"{value!r} is not a number")
    if not d.is_finite():
        raise NumberError(f"{value!r} is not a finite number")
    if d and not -MAX_EXPONENT <= d.adjusted() <= MAX_EXPONENT:
        raise NumberError(f"{_short(value)} is out of range (magnitude 1e-{MAX_EXPONENT} "
                          f"to 1e{MAX_EXPONENT})")
    return d


def _short(value: object) -> str:
    text = repr(value) if not isinstance(value, int) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
