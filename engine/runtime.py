"""The durable-rules backend. This is the only module that imports durable_rules.

Every workaround of shared/notes/durable-rules.md is applied here:
- ``QuietHost``: no background timer threads (they steal actions and can segfault);
- a bounded pool of short sequential session ids per ruleset (< 1,024 live sessions, and
  FNV-1a hash collisions cannot occur between them), ``delete_state`` always in ``finally``;
- explicit short fact ids (``f<i>``, ``d<i>``): no 32-bit hash false duplicates;
- a silent catch-all rule, so a fact that matches nothing never raises MessageNotHandled;
- a sentinel fact that fires a no-op rule before deletion (``delete_state`` segfaults in a
  session where no action ever ran);
- negation stratified: one ruleset per stratum, lower-strata conclusions asserted first;
- clean value types only (floats / None / strings, see engine/facts.py);
- ``state['exception']`` checked after every visit (actions' exceptions are swallowed);
- compiler-side limits (≤ 60 comparison siblings, < 512 constants, no empty ``$and``).
"""

from __future__ import annotations

import queue
import threading
from typing import Any

from durable import engine as _dr  # the one import of durable_rules in Sicca

from .compiler import to_durable
from .errors import EvaluationError, Problem
from .native import _derived_fact
from .result import Firing, RawResult

POOL_SIZE = 1000  # live sessions per ruleset stay below durable-rules' 1,024


class _QuietHost(_dr.Host):  # type: ignore[misc]
    def _run(self) -> None:  # no timer threads: no stolen actions, no dispatcher segfault
        pass


def _noop(c: Any) -> None:
    return None


class _Visit:
    __slots__ = ("firings", "have", "error")

    def __init__(self, have: set[str]) -> None:
        self.firings: list[Firing] = []
        self.have = have
        self.error: str | None = None


class DurableBackend:
    """Evaluates a compiled program on durable-rules, one session per visit and stratum."""

    name = "durable"

    def __init__(self, program: dict[str, Any]) -> None:
        self.program = program
        self.derived = {d["id"]: d for d in program["derived"]}
        self._visits: dict[str, _Visit] = {}
        self._lock = threading.Lock()
        self._pool: queue.Queue[str] = queue.Queue()
        for i in range(POOL_SIZE):
            self._pool.put(str(i))
        self._needs_visit = []
        # the fact names each stratum's rules read: any other fact could only meet the
        # catch-all there, so it is not asserted in that stratum (not the inputs, not the lower
        # strata's conclusions, not the stratum's own conclusions): same firings, far fewer
        # asserts and json.dumps calls
        self._reads: list[frozenset[str]] = [frozenset() for _ in range(program["strata"])]
        for r in program["rules"]:
            names = {lit["fact"] for br in r["branches"] for lit in br}
            self._reads[r["stratum"]] = self._reads[r["stratum"]] | names
        rulesets: dict[str, dict[str, Any]] = {}
        for s, rules in enumerate(to_durable(program)):
            named: dict[str, Any] = {}
            needs = False
            for rname, spec in rules.items():
                i, j = (int(x) for x in rname.split("~"))
                n_pos = sum(1 for p in spec["all"] if next(iter(p)).startswith("a"))
                aliases = [next(iter(p)) for p in spec["all"] if next(iter(p)).startswith("a")]
                needs = needs or any("visit" in p for p in spec["all"])
                then = program["rules"][i]["then"]
                named[rname] = dict(spec, run=self._action(
                    i, j, aliases, then, self.derived[then]["name"] in self._reads[s]))
                del n_pos
            named["__catch_all"] = {"all": [{"m": {"$ex": {"name": 1}}},
                                            {"never": {"name": "__never__"}}], "run": _noop}
            named["__end"] = {"pri": 1000, "all": [{"m": {"name": "__end__"}}], "run": _noop}
            rulesets[f"s{s}"] = named
            self._needs_visit.append(needs)
        self.host = _QuietHost(rulesets)
        self.strata = len(rulesets)

    def _action(self, i: int, j: int, aliases: list[str], then: str, read_here: bool) -> Any:
        def act(c: Any) -> None:
            v = self._visits[c.s.sid]
            m = c._m
            v.firings.append(Firing(i, j, tuple(m[a]["id"] for a in aliases)))
            if then not in v.have:
                v.have.add(then)
                fact = _derived_fact(self.derived[then])
                if read_here:  # else a later stratum gets it with the lower conclusions
                    c.assert_fact(fact)
        return act

    def evaluate(self, facts: list[dict[str, Any]]) -> RawResult:
        sid = self._pool.get()
        try:
            have: set[str] = set()
            firings: list[Firing] = []
            lower: list[dict[str, Any]] = []
            for s in range(self.strata):
                rs = f"s{s}"
                visit = _Visit(set(have))
                self._visits[sid] = visit
                try:
                    reads = self._reads[s]
                    batch = [dict(f, sid=sid) for f in lower  # blockers first
                             if f["name"] in reads]
                    batch += [dict(f, sid=sid) for f in facts if f["name"] in reads]
                    if self._needs_visit[s]:
                        batch.append({"sid": sid, "id": "visit", "name": "__visit__",
                                      "state": "", "value": None, "code": "", "censor": ""})
                    self.host.assert_facts(rs, batch)
                    state = self.host.assert_fact(rs, {"sid": sid, "id": "end",
                                                       "name": "__end__"})
                    if state.get("exception"):
                        raise EvaluationError(Problem(
                            "durable-rules swallowed an exception in a rule action: "
                            + str(state["exception"]).splitlines()[0], code="E900"))
                finally:
                    try:
                        self.host.delete_state(rs, sid)
                    finally:
                        self._visits.pop(sid, None)
                firings += visit.firings
                new = visit.have - have
                have |= new
                lower += [_derived_fact(self.derived[d]) for d in sorted(new)]
            return RawResult(firings, have)
        finally:
            self._pool.put(sid)
