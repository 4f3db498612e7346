"""Numbers as intervals: what a censored value allows, and where a literal's tests hold.

The three-valued semantics of numeric tests (docs/rule-language.md#censored-values, README
"Honest uncertainty") in one place, shared by both backends and by the durable compiler:

- a recorded number is the interval it allows: ``5`` is [5, 5], ``"<5"`` is (-inf, 5),
  ``"<=5"`` (-inf, 5], ``">5"`` (5, inf), ``">=5"`` [5, inf);
- the numeric tests of one literal (all on one fact) hold on a set of numbers, a union of
  disjoint intervals (``satisfying``);
- the literal is true when the fact's interval lies inside that set, false when it meets none
  of it, unknown otherwise (``truth``). The tests of one literal are judged together, so
  ``{gt: 3}`` and ``{lt: 3}`` on one fact are false on ``"<5"``, not unknown.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from decimal import Decimal

#: (low, low included, high, high included); low/high may be -inf/inf (never included)
Interval = tuple[float, bool, float, bool]

FALSE, UNKNOWN, TRUE = 0, 1, 2
INF = math.inf
EVERYTHING: Interval = (-INF, False, INF, False)
COMPLEMENT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne", "ne": "eq"}
CENSORS = ("", "<", "<=", ">", ">=")
#: the censor the engine gives an input that holds a value nobody knows (an ``unknown``
#: state, or ``not_done`` where that leaves a value): any value of the item, any code
OPEN = "?"
#: the rule language's numeric operators on exact numbers
OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne,
}


def fact_interval(value: float, censor: str) -> Interval:
    """The numbers a recorded value allows (any number for an ``OPEN`` one)."""
    if censor == OPEN:
        return EVERYTHING
    if not censor:
        return (value, True, value, True)
    if censor == "<":
        return (-INF, False, value, False)
    if censor == "<=":
        return (-INF, False, value, True)
    if censor == ">":
        return (value, False, INF, False)
    if censor == ">=":
        return (value, True, INF, False)
    raise ValueError(f"unknown censor {censor!r}")


def test_set(op: str, c: float, neg: bool = False) -> list[Interval]:
    """The numbers on which ``x <op> c`` holds (its complement when ``neg``)."""
    if neg:
        op = COMPLEMENT[op]
    if op == "lt":
        return [(-INF, False, c, False)]
    if op == "le":
        return [(-INF, False, c, True)]
    if op == "gt":
        return [(c, False, INF, False)]
    if op == "ge":
        return [(c, True, INF, False)]
    if op == "eq":
        return [(c, True, c, True)]
    if op == "ne":
        return [(-INF, False, c, False), (c, False, INF, False)]
    raise ValueError(f"unknown operator {op!r}")


def nonempty(iv: Interval) -> bool:
    lo, lc, hi, hc = iv
    return lo < hi or (lo == hi and lc and hc)


def intersect(a: Interval, b: Interval) -> Interval | None:
    if a[0] > b[0] or (a[0] == b[0] and not a[1]):
        lo, lc = a[0], a[1]
    else:
        lo, lc = b[0], b[1]
    if a[2] < b[2] or (a[2] == b[2] and not a[3]):
        hi, hc = a[2], a[3]
    else:
        hi, hc = b[2], b[3]
    out = (lo, lc, hi, hc)
    return out if nonempty(out) else None


def subset(a: Interval, b: Interval) -> bool:
    """Whether every number of ``a`` is in ``b``."""
    lo_ok = b[0] < a[0] or (b[0] == a[0] and (b[1] or not a[1]))
    hi_ok = a[2] < b[2] or (a[2] == b[2] and (b[3] or not a[3]))
    return lo_ok and hi_ok


def satisfying(tests: list[tuple[str, float, bool]]) -> list[Interval]:
    """Where every test ``(op, constant, negated)`` holds: disjoint intervals, in order,
    adjacent pieces merged (so a connected interval inside the union is inside one piece)."""
    cur = [EVERYTHING]
    for op, c, neg in tests:
        cur = [x for a in cur for b in test_set(op, c, neg)
               if (x := intersect(a, b)) is not None]
    cur.sort(key=lambda iv: (iv[0], not iv[1]))
    merged: list[Interval] = []
    for iv in cur:
        if merged:
            lo, lc, hi, hc = merged[-1]
            if iv[0] < hi or (iv[0] == hi and (hc or iv[1])):
                if iv[2] > hi or (iv[2] == hi and iv[3]):
                    merged[-1] = (lo, lc, iv[2], iv[3])
                continue
        merged.append(iv)
    return merged


def truth(iv: Interval, sat: list[Interval]) -> int:
    """TRUE if every number of ``iv`` is in ``sat``, FALSE if none is, else UNKNOWN."""
    if any(subset(iv, s) for s in sat):
        return TRUE
    if any(intersect(iv, s) is not None for s in sat):
        return UNKNOWN
    return FALSE


def cell_points(tests: list[tuple[str, float]], value: float, censor: str,
                bounds: tuple[Decimal | None, Decimal | None], integer: bool) -> list[float]:
    """One number per cell of a censored value: the regions of its interval (within the
    item's ``bounds``; whole numbers for a count) on which every comparison in ``tests`` has
    one answer. Two numbers that answer every comparison alike are one cell: each cell is
    evaluated once, as that number."""
    lo, lc, hi, hc = fact_interval(value, censor)
    if bounds[0] is not None and float(bounds[0]) >= lo:
        lo, lc = float(bounds[0]), lc or float(bounds[0]) > lo
    if bounds[1] is not None and float(bounds[1]) <= hi:
        hi, hc = float(bounds[1]), hc or float(bounds[1]) < hi
    edges = sorted({c for _, c in tests} | {x for x in (lo, hi) if math.isfinite(x)})
    cand = set(edges)
    cand |= {(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)}
    if edges:
        cand |= {edges[0] - 1, edges[-1] + 1}
    else:
        cand.add(0.0)
    if integer:
        cand = {float(f(x)) for x in cand for f in (math.floor, math.ceil)}
    out: dict[tuple[bool, ...], float] = {}
    for x in sorted(cand):
        if (lo < x or (lo == x and lc)) and (x < hi or (x == hi and hc)):
            out.setdefault(tuple(OPS[op](x, c) for op, c in tests), x)
    return list(out.values())
