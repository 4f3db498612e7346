"""The native backend: a pure-Python stratified evaluator of the compiled program.

It is the oracle the durable-rules backend is checked against and the fast path. It reads
the same compiled form and yields the same firings: one per rule branch and matching
combination of facts, strata in order, each stratum run to a fixpoint.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from typing import Any

from .result import Firing, RawResult

Fact = dict[str, Any]
Pred = Callable[[Fact], bool]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne,
}


def decided(op: str, c: float, value: float | None, censor: str) -> bool:
    """True when every value the (possibly censored) number allows satisfies ``op c``."""
    if value is None:
        return False
    if not censor:
        return _OPS[op](value, c)
    if op == "eq":
        return False
    if op == "ne":
        return decided("lt", c, value, censor) or decided("gt", c, value, censor)
    if censor in (">", ">="):
        if op == "gt":
            return value >= c if censor == ">" else value > c
        if op == "ge":
            return value >= c
        return False
    # "<" / "<="
    if op == "lt":
        return value <= c if censor == "<" else value < c
    if op == "le":
        return value <= c
    return False


def _pred(t: dict[str, Any]) -> Pred:
    fld, op, v, neg = t["field"], t["op"], t["value"], t["neg"]
    if fld == "value" and not isinstance(v, list):
        c = float(v)

        def num(f: Fact) -> bool:
            return bool(decided(op, c, f["value"], f["censor"]) != neg)

        return num
    vals = frozenset(v if isinstance(v, list) else [v])
    if op in ("eq", "in"):
        def member(f: Fact) -> bool:
            return bool((f[fld] in vals) != neg)

        return member

    def differs(f: Fact) -> bool:  # ne: a value present and different
        x = f[fld]
        return bool((x != "" and x not in vals) != neg)

    return differs


def _conj(preds: list[Pred]) -> Pred:
    if not preds:
        return lambda f: True
    if len(preds) == 1:
        return preds[0]
    return lambda f: all(p(f) for p in preds)


class NativeBackend:
    """Evaluates a compiled program on one visit's facts."""

    name = "native"

    def __init__(self, program: dict[str, Any]) -> None:
        self.program = program
        self.derived = {d["id"]: d for d in program["derived"]}
        derived_names = {d["name"] for d in program["derived"]}
        # (stratum) -> list of (rule index, branch index, positives, negatives, conclusion id)
        self.strata: list[list[tuple[int, int, list[tuple[str, Pred, bool]],
                                     list[tuple[str, Pred]], str]]] = [
            [] for _ in range(program["strata"])]
        for i, r in enumerate(program["rules"]):
            for j, br in enumerate(r["branches"]):
                pos = [(lit["fact"], _conj([_pred(t) for t in lit["tests"]]),
                        lit["fact"] in derived_names) for lit in br if not lit["negated"]]
                neg = [(lit["fact"], _conj([_pred(t) for t in lit["tests"]]))
                       for lit in br if lit["negated"]]
                self.strata[r["stratum"]].append((i, j, pos, neg, r["then"]))

    def evaluate(self, facts: list[Fact]) -> RawResult:
        inputs = {f["name"]: f for f in facts}
        derived: dict[str, list[Fact]] = {}
        have: set[str] = set()
        firings: list[Firing] = []
        seen: set[tuple[int, int, tuple[str, ...]]] = set()
        for stratum in self.strata:
            changed = True
            while changed:
                changed = False
                for i, j, pos, neg, then in stratum:
                    pools: list[list[Fact]] = []
                    for name, pred, is_derived in pos:
                        if is_derived:
                            pool = [f for f in derived.get(name, ()) if pred(f)]
                        else:
                            f = inputs.get(name)
                            pool = [f] if f is not None and pred(f) else []
                        if not pool:
                            break
                        pools.append(pool)
                    else:
                        if any(pred(f) for name, pred in neg for f in derived.get(name, ())):
                            continue
                        for combo in itertools.product(*pools):
                            ids = tuple(f["id"] for f in combo)
                            key = (i, j, ids)
                            if key in seen:
                                continue
                            seen.add(key)
                            firings.append(Firing(i, j, ids))
                            changed = True
                            if then not in have:
                                have.add(then)
                                d = self.derived[then]
                                derived.setdefault(d["name"], []).append(_derived_fact(d))
        return RawResult(firings, have)


def _derived_fact(d: dict[str, Any]) -> Fact:
    return {"id": d["id"], "name": d["name"], "state": "derived",
            "value": float(d["value"]) if d["value"] is not None else None,
            "code": d["code"] or "", "censor": ""}
