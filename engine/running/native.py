"""The native backend: a pure-Python stratified evaluator of the compiled program.

It is the oracle the durable-rules backend is checked against and the fast path. It reads
the same compiled form and yields the same firings: one per rule branch and matching
combination of facts, strata in order, each stratum run to a fixpoint.

Three-valued (README "Honest uncertainty"): a literal is true, false or unknown (a censored
value its interval does not decide; sicca.language.intervals). Each stratum is run twice:
the *definite* pass needs every literal true (a negated conclusion: not even possibly
concluded), the *possible* pass needs every literal true or unknown (a negated conclusion: not
definitely concluded). A visit with no censored value has no unknown literal, and its possible
pass is skipped (it would repeat the definite one). An input given as ``OPEN`` (a value
nobody knows) counts as censored here: its value and code tests are unknown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sicca.language.intervals import (
    EVERYTHING,
    FALSE,
    OPEN,
    OPS,
    TRUE,
    UNKNOWN,
    fact_interval,
    satisfying,
    truth,
)
from sicca.running.trace import Firing, RawResult

Fact = dict[str, Any]
Pred = Callable[[Fact], bool]
Lit = Callable[[Fact], int]  # FALSE 0, UNKNOWN 1, TRUE 2



def decided(op: str, c: float, value: float | None, censor: str) -> bool:
    """True when every value the (possibly censored) number allows satisfies ``op c``."""
    if value is None:
        return False
    if not censor:
        return OPS[op](value, c)
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
        cmp = OPS[op]
        if neg:
            def num_not(f: Fact) -> bool:
                return not decided(op, c, f["value"], f["censor"])

            return num_not

        def num(f: Fact) -> bool:  # the uncensored case inline; censored via decided()
            x = f["value"]
            if x is None:
                return False
            if not f["censor"]:
                return bool(cmp(x, c))
            return decided(op, c, x, f["censor"])

        return num
    vals = frozenset(v if isinstance(v, list) else [v])
    if op in ("eq", "in"):
        if len(vals) == 1:
            (one,) = vals
            if neg:
                return lambda f: bool(f[fld] != one)
            return lambda f: bool(f[fld] == one)
        if neg:
            return lambda f: f[fld] not in vals
        return lambda f: f[fld] in vals

    def differs(f: Fact) -> bool:  # ne: a value present and different
        x = f[fld]
        return bool((x != "" and x not in vals) != neg)

    return differs


def _conj(preds: list[Pred]) -> Pred:
    if not preds:
        return lambda f: True
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda f: a(f) and b(f)

    def every(f: Fact) -> bool:
        for p in preds:
            if not p(f):
                return False
        return True

    return every


#: a fact as a completion of an OPEN input has it: reported (state tests read only this)
_REPORTED: Fact = {"id": "", "name": "", "state": "reported", "value": None, "code": "",
                   "censor": ""}


def _literal(tests: list[dict[str, Any]]) -> Lit:
    """One literal's tests judged together on one fact: TRUE, FALSE or UNKNOWN.

    Words and states are decided; numbers: a missing value fails every test and passes every
    negated one (missing data is asked about with ``state:``); an exact value is decided; a
    censored value is decided only when its whole interval is (intervals.truth over the
    tests' common set).

    A fact that holds a value nobody knows (censor ``OPEN``, README "Honest uncertainty")
    is read two ways: as recorded (its state, no value) and as any completion (state
    reported, any value or code of the item). The literal is TRUE or FALSE when both readings
    agree, UNKNOWN otherwise: a value or code test is never decided on it, and a state test
    that tells its recorded state from ``reported`` is UNKNOWN, so the rules that read the
    missing state (a criteria item ``unknown``, a domain ``not_assessable``) may conclude
    but never definitely."""
    numeric = [(t["op"], float(t["value"]), bool(t["neg"])) for t in tests
               if t["field"] == "value" and not isinstance(t["value"], list)]
    states = _conj([_pred(t) for t in tests if t["field"] == "state"])
    words = [t for t in tests if t["field"] != "state"
             and not (t["field"] == "value" and not isinstance(t["value"], list))]
    codes = _conj([_pred(t) for t in words])
    on_reported = states(_REPORTED)
    if not numeric and not words:
        if on_reported:
            return lambda f: TRUE if states(f) else UNKNOWN if f["censor"] == OPEN else FALSE
        return lambda f: (UNKNOWN if f["censor"] == OPEN else TRUE) if states(f) else FALSE
    sat = satisfying(numeric)
    # the literal on every completion of an OPEN fact (never TRUE: a test reads its value)
    completed = FALSE if not on_reported else UNKNOWN if words else truth(EVERYTHING, sat)
    if not numeric:
        def word(f: Fact) -> int:
            r = TRUE if states(f) and codes(f) else FALSE
            if f["censor"] == OPEN and r != completed:
                return UNKNOWN
            return r

        return word
    all_neg = all(neg for _, _, neg in numeric)
    exact = [(OPS[op], c, neg) for op, c, neg in numeric]

    def lit(f: Fact) -> int:
        if not states(f) or not codes(f):
            r = FALSE
        else:
            x = f["value"]
            if x is None:
                r = TRUE if all_neg else FALSE
            else:
                cen = f["censor"]
                if not cen:
                    for cmp, c, neg in exact:
                        if cmp(x, c) == neg:
                            return FALSE
                    return TRUE
                return truth(fact_interval(x, cen), sat)
        if f["censor"] == OPEN and r != completed:
            return UNKNOWN
        return r

    return lit


class _Branch:
    """One rule branch, precompiled: input tests first (they fail fast), then conclusions."""

    __slots__ = ("rule", "branch", "names", "kinds", "inputs", "derived", "neg", "then",
                 "level")

    def __init__(self, rule: int, branch: int, pos: list[tuple[str, Lit, bool]],
                 neg: list[tuple[str, Lit]], then: str) -> None:
        self.rule, self.branch, self.then = rule, branch, then
        self.names = tuple(name for name, _, _ in pos)
        self.kinds = tuple((name, d) for name, _, d in pos)
        self.inputs = tuple((name, pred) for name, pred, d in pos if not d)
        # derived positives keep their place among the literals (it orders the matched ids)
        self.derived = tuple((k, name, pred) for k, (name, pred, d) in enumerate(pos) if d)
        self.neg = tuple(neg)
        self.level = 0


class NativeBackend:
    """Evaluates a compiled program on one visit's facts.

    Speed (same results as a naive fixpoint): within a stratum the branches run in dependency
    order (a branch after every branch concluding a fact it reads), so one pass reaches the
    fixpoint unless conclusions of the stratum depend on each other in a cycle; then only the
    branches that read conclusions are re-run until nothing new is concluded.
    """

    name = "native"

    def __init__(self, program: dict[str, Any]) -> None:
        self.program = program
        self.derived = {d["id"]: d for d in program["derived"]}
        self._facts = {d["id"]: _derived_fact(d) for d in program["derived"]}
        derived_names = {d["name"] for d in program["derived"]}
        by_stratum: list[list[_Branch]] = [[] for _ in range(program["strata"])]
        for i, r in enumerate(program["rules"]):
            for j, br in enumerate(r["branches"]):
                pos = [(lit["fact"], _literal(lit["tests"]),
                        lit["fact"] in derived_names) for lit in br if not lit["negated"]]
                neg = [(lit["fact"], _literal(lit["tests"]))
                       for lit in br if lit["negated"]]
                by_stratum[r["stratum"]].append(_Branch(i, j, pos, neg, r["then"]))
        # per stratum: (input-only branches indexed by fact, the other branches in dependency
        # order, cyclic?, branches reading conclusions)
        self.strata: list[tuple[list[_Indexed], list[_Branch], bool, list[_Branch]]] = []
        for branches in by_stratum:
            cyclic = _order(branches, self.derived)
            flat = [b for b in branches if b.inputs and not b.derived]
            rest = [b for b in branches if not (b.inputs and not b.derived)]
            self.strata.append((_index(flat), rest, cyclic, [b for b in branches if b.derived]))

    def evaluate(self, facts: list[Fact]) -> RawResult:
        inputs = {f["name"]: f for f in facts}
        censored = any(f["censor"] for f in facts)
        sure: dict[str, list[Fact]] = {}    # definitely concluded, by name
        maybe: dict[str, list[Fact]] = {}   # possibly concluded (definite ones included)
        have: set[str] = set()
        may: set[str] = set()
        firings: list[Firing] = []
        pfirings: list[Firing] = []
        seen: set[tuple[int, int, tuple[str, ...]]] = set()
        pseen: set[tuple[int, int, tuple[str, ...]]] = set()
        for index, rest, cyclic, readers in self.strata:
            # Branches on inputs only read nothing the stratum concludes, so they may run
            # first and in any order; each is tried only when its indexed fact can pass.
            get = inputs.get
            tried: list[_Branch] = []
            for name, always, if_recorded in index:
                f = get(name)
                if f is None:
                    continue
                tried += always
                if if_recorded and not _is_not_reported(f):
                    tried += if_recorded
            # definite: literals TRUE; a negated conclusion must not even be possible
            blockers = maybe if censored else sure
            self._pass(tried, inputs, sure, blockers, have, firings, seen, TRUE)
            self._pass(rest, inputs, sure, blockers, have, firings, seen, TRUE)
            if cyclic:
                while self._pass(readers, inputs, sure, blockers, have, firings, seen, TRUE):
                    pass
            if not censored:
                continue
            # possible: literals TRUE or UNKNOWN; a negated conclusion must not be definite
            self._pass(tried, inputs, maybe, sure, may, pfirings, pseen, 1)
            self._pass(rest, inputs, maybe, sure, may, pfirings, pseen, 1)
            if cyclic:
                while self._pass(readers, inputs, maybe, sure, may, pfirings, pseen, 1):
                    pass
        if not censored:
            return RawResult(firings, have)
        return RawResult(firings, have, may - have, [f for f in pfirings
                                                     if (f.rule, f.branch, f.matched)
                                                     not in seen])

    def _pass(self, branches: list[_Branch], inputs: dict[str, Fact],
              derived: dict[str, list[Fact]], blockers: dict[str, list[Fact]], have: set[str],
              firings: list[Firing], seen: set[tuple[int, int, tuple[str, ...]]],
              need: int) -> bool:
        """Fire every branch whose literals reach ``need`` (TRUE, or UNKNOWN for the possible
        pass) and whose negated conclusions have no match among ``blockers``."""
        new = False
        get = inputs.get
        for b in branches:
            for name, pred in b.inputs:
                f = get(name)
                if f is None or pred(f) < need:
                    break
            else:
                if b.derived:
                    pools: list[list[Fact]] = []
                    for _, name, pred in b.derived:
                        pool = [f for f in derived.get(name, ()) if pred(f)]
                        if not pool:
                            break
                        pools.append(pool)
                    else:
                        if b.neg and any(pred(f) for name, pred in b.neg
                                         for f in blockers.get(name, ())):
                            continue
                        it = iter(pools)
                        slots = [next(it) if d else [inputs[n]] for n, d in b.kinds]
                        for combo in itertools.product(*slots):
                            ids = tuple(f["id"] for f in combo)
                            key = (b.rule, b.branch, ids)
                            if key in seen:
                                continue
                            seen.add(key)
                            firings.append(Firing(b.rule, b.branch, ids))
                            new = self._conclude(b.then, have, derived) or new
                    continue
                if b.neg and any(pred(f) for name, pred in b.neg
                                 for f in blockers.get(name, ())):
                    continue
                # input literals only: exactly one combination, fired at most once per visit
                ids = tuple(inputs[n]["id"] for n in b.names)
                seen.add((b.rule, b.branch, ids))
                firings.append(Firing(b.rule, b.branch, ids))
                new = self._conclude(b.then, have, derived) or new
        return new

    def _conclude(self, then: str, have: set[str], derived: dict[str, list[Fact]]) -> bool:
        """Add a conclusion once; whether it is new (a cyclic stratum runs until none is)."""
        if then in have:
            return False
        have.add(then)
        fact = self._facts[then]
        derived.setdefault(fact["name"], []).append(fact)
        return True


#: A fact nothing was recorded for, as the backends receive it (tests read only these fields).
_NOT_REPORTED: Fact = {"id": "", "name": "", "state": "not_reported", "value": None, "code": "",
                       "censor": ""}

def _is_not_reported(f: Fact) -> bool:
    """Whether ``f`` holds no more than ``_NOT_REPORTED`` (the fields tests read)."""
    return bool(f["state"] == "not_reported" and f["value"] is None and f["code"] == ""
                and f["censor"] == "")


#: (fact name, branches to try whatever the fact holds, branches to try only when it holds
#: more than "not reported")
_Indexed = tuple[str, list[_Branch], list[_Branch]]


def _index(branches: list[_Branch]) -> list[_Indexed]:
    """Index input-only branches by one of their facts: the first whose test fails on a
    not_reported fact (then the branch cannot fire while that fact is not reported), else the
    first. Most facts of a visit are not reported, so most branches are never tried."""
    by_fact: dict[str, tuple[list[_Branch], list[_Branch]]] = {}
    for b in branches:
        key, fails = b.inputs[0][0], False
        for name, pred in b.inputs:
            if not pred(_NOT_REPORTED):
                key, fails = name, True
                break
        always, if_recorded = by_fact.setdefault(key, ([], []))
        (if_recorded if fails else always).append(b)
    return [(name, a, r) for name, (a, r) in by_fact.items()]


def _order(branches: list[_Branch], table: dict[str, dict[str, Any]]) -> bool:
    """Sort ``branches`` so that each runs after those concluding what it reads; True if the
    stratum's conclusions depend on each other in a cycle (then one pass is not enough)."""
    producers: dict[str, list[_Branch]] = {}
    for b in branches:
        producers.setdefault(table[b.then]["name"], []).append(b)
    state: dict[int, int] = {}  # 1 visiting, 2 done
    cyclic = False

    def level(b: _Branch) -> int:
        nonlocal cyclic
        key = id(b)
        if state.get(key) == 2:
            return b.level
        if state.get(key) == 1:
            cyclic = True
            return 0
        state[key] = 1
        lv = 0
        for _, name, _ in b.derived:
            for p in producers.get(name, ()):
                lv = max(lv, level(p) + 1)
        b.level = lv
        state[key] = 2
        return lv

    for b in branches:
        level(b)
    branches.sort(key=lambda b: b.level)  # stable: program order within a level
    return cyclic


def _derived_fact(d: dict[str, Any]) -> Fact:
    return {"id": d["id"], "name": d["name"], "state": "derived",
            "value": float(d["value"]) if d["value"] is not None else None,
            "code": d["code"] or "", "censor": ""}
