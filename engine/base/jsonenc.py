"""Decimals (and a few other values) as JSON: one rule for every JSON the engine writes.

Sicca computes in exact decimals; JSON output prints them as numbers: a whole decimal as an int
(``Decimal("3")`` -> ``3``, ``Decimal("1E+2")`` -> ``100``), any other as the nearest double
(``Decimal("25.3")`` -> ``25.3``; ``float(Decimal)`` reads the exact decimal string).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any


def number(d: Decimal, int_below: int | None = None) -> int | float:
    """``d`` as a JSON number: an int when whole (and, if ``int_below`` is given, when its
    magnitude is below it: larger whole values stay floats), else a float."""
    if d == d.to_integral_value() and (int_below is None or abs(d) < int_below):
        return int(d)
    return float(d)


def default(o: Any) -> Any:
    """A ``json.dumps(default=...)`` hook: Decimal -> number, set -> sorted list, Path and
    anything else -> its text."""
    if isinstance(o, Decimal):
        return number(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, Path):
        return str(o)
    return str(o)


def plain(obj: Any, int_below: int | None = None) -> Any:
    """``obj`` with every Decimal inside dicts and lists made a JSON number (see number)."""
    if isinstance(obj, Decimal):
        return number(obj, int_below)
    if isinstance(obj, dict):
        return {k: plain(v, int_below) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v, int_below) for v in obj]
    return obj


def dumps(data: Any, **kw: Any) -> str:
    """``json.dumps`` with :func:`default` and ``ensure_ascii=False`` (keyword arguments pass)."""
    kw.setdefault("ensure_ascii", False)
    return json.dumps(data, default=default, **kw)


# A Decimal is first written as a marked string, then the marks are replaced by the bare digits:
# json.dumps has no hook that writes raw number text.
_MARKED = re.compile(r'"\\u0000dec:([-+0-9.]+)"')


def dumps_exact(data: Any, **kw: Any) -> str:
    """JSON text in which every Decimal is a number written with its exact digits
    (``Decimal('241.00')`` -> ``241.00``, not ``241.0``; lossless where :func:`dumps` is
    not); dates as ISO text; keyword arguments go to json.dumps."""
    def mark(x: Any) -> str:
        if isinstance(x, Decimal):
            return "\x00dec:" + format(x, "f")
        if isinstance(x, (dt.date, dt.datetime)):
            return x.isoformat()
        raise TypeError(f"not JSON: {type(x).__name__}")

    kw.setdefault("ensure_ascii", False)
    return _MARKED.sub(lambda m: m.group(1), json.dumps(data, default=mark, **kw))


def loads_exact(text: str | bytes) -> Any:
    """JSON text read back with every number that has a fraction as a Decimal of the digits
    written (``241.00`` -> ``Decimal('241.00')``); whole numbers stay ints."""
    return json.loads(text, parse_float=Decimal)
