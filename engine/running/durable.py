"""The durable-rules backend. This is the only module that imports durable_rules.

It drives durable-rules' C core (``durable_rules_engine``, the module under
``durable.engine.Host``) directly: assert a batch, then run each action the core hands out
and complete it, in one loop per stratum. That skips the Host's per-action Closure, Promise,
state JSON round trip and clock reads (shared/notes/durable-rules.md §4: about 80 % of the
time is that glue), and an action's exception reaches the caller instead of being swallowed
into the session state. The Rete network, matching and negation are durable-rules' own.

Every workaround of shared/notes/durable-rules.md is applied here:
- no Host, so no background timer threads (they steal actions and can segfault);
- a bounded pool of short sequential session ids per ruleset (< 1,024 live sessions, and
  FNV-1a hash collisions cannot occur between them), ``delete_state`` always in ``finally``;
- explicit short fact ids (``f<i>``, ``d<i>``): no 32-bit hash false duplicates;
- a silent catch-all rule, so a fact that matches nothing never raises MessageNotHandled;
- a sentinel fact that fires a no-op rule before deletion (``delete_state`` segfaults in a
  session where no action ever ran);
- negation stratified: one ruleset per stratum, lower-strata conclusions asserted first, and
  every branch with a negation waits for a visit fact asserted last (compiler.to_durable);
- clean value types only (floats / None / strings, see engine/facts.py);
- an exception in an action abandons the action and is raised (E900), never swallowed;
- compiler-side limits (≤ 60 comparison siblings, < 512 constants, no empty ``$and``).
"""

from __future__ import annotations

import json
import queue
from collections.abc import Callable
from typing import Any

import durable_rules_engine as _core  # durable-rules' C core: the one import of durable_rules

from sicca.base.errors import EvaluationError, Problem
from sicca.language.compiler import to_durable
from sicca.running.native import _derived_fact
from sicca.running.trace import Firing, RawResult

POOL_SIZE = 1000  # live sessions per ruleset stay below durable-rules' 1,024

# durable-rules' result codes of an assert (durable/engine.py Ruleset._handle_result)
_NOT_HANDLED, _OBSERVED, _NO_STATE = 1, 2, 3

Action = Callable[[dict[str, Any], "_Visit"], None]


class _Visit:
    __slots__ = ("firings", "have", "handle", "sid", "ran")

    def __init__(self, have: set[str], handle: int, sid: str) -> None:
        self.firings: list[Firing] = []
        self.have = have
        self.handle = handle
        self.sid = sid
        self.ran = False  # whether any action ran in the session (delete_state needs one)


def _noop(m: dict[str, Any], v: _Visit) -> None:
    return None


class DurableBackend:
    """Evaluates a compiled program on durable-rules, one session per visit and stratum."""

    name = "durable"

    def __init__(self, program: dict[str, Any]) -> None:
        self.program = program
        self.derived = {d["id"]: d for d in program["derived"]}
        self._pool: queue.Queue[str] = queue.Queue()
        for i in range(POOL_SIZE):
            self._pool.put(str(i))
        self._needs_visit: list[bool] = []
        # the fact names each stratum's rules read: any other fact could only meet the
        # catch-all there, so it is not asserted in that stratum (not the inputs, not the lower
        # strata's conclusions, not the stratum's own conclusions): same firings, far fewer
        # asserts and json.dumps calls
        self._reads: list[frozenset[str]] = [frozenset() for _ in range(program["strata"])]
        for r in program["rules"]:
            names = {lit["fact"] for br in r["branches"] for lit in br}
            self._reads[r["stratum"]] = self._reads[r["stratum"]] | names
        self._rulesets: list[tuple[int, dict[str, Action]]] = []
        for s, rules in enumerate(to_durable(program)):
            actions: dict[str, Action] = {}
            defn: dict[str, Any] = {}
            needs = False
            for rname, spec in rules.items():
                i, j = (int(x) for x in rname.split("~"))
                aliases = [next(iter(p)) for p in spec["all"] if next(iter(p)).startswith("a")]
                needs = needs or any("visit" in p for p in spec["all"])
                then = program["rules"][i]["then"]
                actions[rname] = self._action(i, j, aliases, then,
                                              self.derived[then]["name"] in self._reads[s])
                defn[rname] = spec
            defn["__catch_all"] = {"all": [{"m": {"$ex": {"name": 1}}},
                                           {"never": {"name": "__never__"}}]}
            defn["__end"] = {"pri": 1000, "all": [{"m": {"name": "__end__"}}]}
            actions["__catch_all"] = actions["__end"] = _noop
            handle = _core.create_ruleset(f"s{s}", json.dumps(defn, ensure_ascii=False))
            self._rulesets.append((handle, actions))
            self._needs_visit.append(needs)
        self.strata = len(self._rulesets)

    def _action(self, i: int, j: int, aliases: list[str], then: str, read_here: bool) -> Action:
        fact = _derived_fact(self.derived[then])

        def act(m: dict[str, Any], v: _Visit) -> None:
            v.firings.append(Firing(i, j, tuple(m[a]["id"] for a in aliases)))
            if then not in v.have:
                v.have.add(then)
                if read_here:  # else a later stratum gets it with the lower conclusions
                    text = json.dumps(dict(fact, sid=v.sid), ensure_ascii=False)
                    _assert(_core.assert_fact(v.handle, text))
        return act

    def _run(self, handle: int, actions: dict[str, Action], visit: _Visit,
             result: Any) -> None:
        """Run every action the core hands out for the visit's session, until none is left."""
        state = _assert(result)
        started = _core.start_action_for_state(handle, state)
        message = started[1] if started else None
        visit.ran = visit.ran or bool(message)
        while message:
            ((name, matched),) = json.loads(message).items()
            try:
                actions[name](matched, visit)
            except BaseException as exc:
                _core.abandon_action(handle, state)
                raise EvaluationError(Problem(
                    f"a rule action failed in durable-rules ({name}): {exc}",
                    code="E900")) from exc
            message = _core.complete_and_start_action(handle, state)

    def evaluate(self, facts: list[dict[str, Any]]) -> RawResult:
        sid = self._pool.get()
        retire = False
        try:
            have: set[str] = set()
            firings: list[Firing] = []
            lower: list[dict[str, Any]] = []
            for s, (handle, actions) in enumerate(self._rulesets):
                visit = _Visit(set(have), handle, sid)
                try:
                    reads = self._reads[s]
                    batch = [dict(f, sid=sid) for f in lower  # blockers first
                             if f["name"] in reads]
                    batch += [dict(f, sid=sid) for f in facts if f["name"] in reads]
                    if self._needs_visit[s]:
                        batch.append({"sid": sid, "id": "visit", "name": "__visit__",
                                      "state": "", "value": None, "code": "", "censor": ""})
                    self._run(handle, actions, visit,
                              _core.assert_facts(handle, json.dumps(batch, ensure_ascii=False)))
                    end = json.dumps({"sid": sid, "id": "end", "name": "__end__"})
                    self._run(handle, actions, visit, _core.assert_fact(handle, end))
                finally:
                    if visit.ran:
                        _core.delete_state(handle, sid)
                    else:  # failed before any action: delete_state would segfault, so the
                        retire = True  # session id is never used again instead
                firings += visit.firings
                new = visit.have - have
                have |= new
                lower += [_derived_fact(self.derived[d]) for d in sorted(new)]
            return RawResult(firings, have)
        finally:
            if not retire:
                self._pool.put(sid)


def _assert(result: Any) -> Any:
    """The session handle of an assert's result; a refusal is a Sicca bug (the catch-all
    rule handles every fact), reported as such."""
    code = result[0]
    if code in (_NOT_HANDLED, _OBSERVED):
        raise EvaluationError(Problem(
            f"durable-rules refused a fact (result code {code})", code="E900",
            hint="the catch-all rule should handle every fact"))
    return 0 if code == _NO_STATE else result[1]
