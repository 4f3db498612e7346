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
- clean value types only (floats / None / strings, see engine/facts.py), and every number
  written in a form the core's JSON reader takes exactly (``_dumps``: it reads an exponent
  only after a fraction, so Python's ``5e-05`` became 5 in a fact, error 204 in a ruleset,
  and a conclusion of ``1e-10`` crashed the process);
- an exception in an action abandons the action and is raised (E900), never swallowed;
- an interrupt (KeyboardInterrupt, or any BaseException that is not an Exception) is never
  wrapped: it propagates as itself. In the main thread a Ctrl-C that arrives during a visit
  is held until the visit's sessions are closed, and whatever stops a visit, each session is
  closed the safe way (``_close``) so its id goes back to the pool;
- compiler-side limits (≤ 60 comparison siblings, < 512 constants, no empty ``$and``).

Three-valued (README "Honest uncertainty"): each stratum has two rulesets, the *definite* one
(every literal true) and the *possible* one (every literal true or unknown), compiled by
``to_durable(program, mode)``. Concluded facts carry ``sure`` (1 definite, 0 possible only).
The possible rulesets run only for a visit with a censored value: without one, no literal is
unknown and they would repeat the definite firings.
"""

from __future__ import annotations

import _signal  # signal's enum-converting wrappers cost ~15 µs a visit; these ~1 µs
import json
import queue
import re
import threading
from collections.abc import Callable
from typing import Any

import durable_rules_engine as _core  # durable-rules' C core: the one import of durable_rules

from sicca.base.errors import EvaluationError, Problem
from sicca.running.native import _derived_fact
from sicca.running.trace import Firing, RawResult

POOL_SIZE = 1000  # live sessions per ruleset stay below durable-rules' 1,024
MAX_REPLACED = 20  # fresh ids for sessions that could not be closed: 1,020 live at most

# durable-rules' result codes of an assert (durable/engine.py Ruleset._handle_result)
_NOT_HANDLED, _OBSERVED, _NO_STATE = 1, 2, 3

Action = Callable[[dict[str, Any], "_Visit"], None]


class _Visit:
    __slots__ = ("firings", "have", "handle", "sid", "state")

    def __init__(self, have: set[str], handle: int, sid: str) -> None:
        self.firings: list[Firing] = []
        self.have = have
        self.handle = handle
        self.sid = sid
        self.state: int | None = None  # the core's state handle of the last assert


def _noop(m: dict[str, Any], v: _Visit) -> None:
    return None


class DurableBackend:
    """Evaluates a compiled program on durable-rules, one session per visit and stratum."""

    name = "durable"

    def __init__(self, program: dict[str, Any],
                 memo: Callable[[str, Callable[[], Any]], Any] | None = None) -> None:
        """``memo(key, make)`` may return the plan of an earlier process (a session passes its
        disk cache's): the plan is a function of the program alone (``durable_plan``)."""
        self.program = program
        self.derived = {d["id"]: d for d in program["derived"]}
        self._pool: queue.Queue[str] = queue.Queue()
        # filled before any thread can wait on it: no lock and no wake-up needed per id
        self._pool.queue.extend(str(i) for i in range(POOL_SIZE))
        self._lock = threading.Lock()
        self._create_lock = threading.Lock()
        self._lost: set[str] = set()  # ids of sessions that could not be closed
        self._replaced = 0
        plan = None
        if memo is not None:
            plan = memo(PLAN_KEY, lambda: durable_plan(program))
            if not _is_plan(plan, program["strata"]):  # a damaged cache: built again
                plan = None
        if plan is None:
            plan = durable_plan(program)
        self._reads: list[frozenset[str]] = [frozenset(r) for r in plan["reads"]]
        self._needs_visit: list[bool] = [bool(x) for x in plan["needs_visit"]]
        self._plan = plan
        self._rulesets = self._create("definite")
        #: the possible rulesets, created when the first visit with a censored value comes
        #: (most visits have none: creating them is ~40 % of a backend's start)
        self._possible_sets: list[tuple[int, dict[str, Action]]] | None = None
        self.strata = len(self._rulesets)

    def _create(self, mode: str) -> list[tuple[int, dict[str, Action]]]:
        """The core's rulesets of ``mode`` (one per stratum), with their actions."""
        out: list[tuple[int, dict[str, Action]]] = []
        for s, (text, specs) in enumerate(self._plan[mode]):
            actions: dict[str, Action] = {"__catch_all": _noop, "__end": _noop}
            for rname, i, j, aliases in specs:
                then = self.program["rules"][i]["then"]
                actions[rname] = self._action(
                    i, j, aliases, then, self.derived[then]["name"] in self._reads[s],
                    1 if mode == "definite" else 0)
            out.append((_core.create_ruleset(f"{mode[0]}{s}", text), actions))
        return out

    @property
    def _possible(self) -> list[tuple[int, dict[str, Action]]]:
        """The possible rulesets (created on first use, once, whichever thread asks)."""
        if self._possible_sets is None:
            with self._create_lock:
                if self._possible_sets is None:
                    self._possible_sets = self._create("possible")
        return self._possible_sets

    def _action(self, i: int, j: int, aliases: list[str], then: str, read_here: bool,
                sure: int) -> Action:
        fact = dict(_derived_fact(self.derived[then]), sure=sure)

        def act(m: dict[str, Any], v: _Visit) -> None:
            v.firings.append(Firing(i, j, tuple(m[a]["id"] for a in aliases)))
            if then not in v.have:
                v.have.add(then)
                if read_here:  # else a later stratum gets it with the lower conclusions
                    _assert(_core.assert_fact(v.handle, _dumps(dict(fact, sid=v.sid))))
        return act

    def _run(self, handle: int, actions: dict[str, Action], visit: _Visit,
             result: Any) -> None:
        """Run every action the core hands out for the visit's session, until none is left."""
        state = visit.state = _assert(result)
        started = _core.start_action_for_state(handle, state)
        message = started[1] if started else None
        while message:
            ((name, matched),) = json.loads(message).items()
            try:
                actions[name](matched, visit)
            except Exception as exc:  # an interrupt is not a rule failure: it goes up as is
                _core.abandon_action(handle, state)
                raise EvaluationError(Problem(
                    f"a rule action failed in durable-rules ({name}): {exc}",
                    code="E900")) from exc
            message = _core.complete_and_start_action(handle, state)

    def evaluate(self, facts: list[dict[str, Any]]) -> RawResult:
        if (threading.current_thread() is not _MAIN
                or _signal.getsignal(_SIGINT) is not _signal.default_int_handler):
            return self._evaluate(facts)  # Ctrl-C only ever reaches the main thread
        held = _Held()
        _signal.signal(_SIGINT, held)
        try:
            return self._evaluate(facts)
        finally:
            _signal.signal(_SIGINT, _signal.default_int_handler)
            if held.count:
                raise KeyboardInterrupt  # delivered now, with every session closed

    def _evaluate(self, facts: list[dict[str, Any]]) -> RawResult:
        box = [self._pool.get()]  # the session id; "" once retired (never used again)
        censored = any(f["censor"] for f in facts)
        texts: dict[str, list[tuple[str, str]]] = {}  # the input facts' JSON, per session id
        try:
            have: set[str] = set()  # definitely concluded
            may: set[str] = set()   # possibly concluded (definite ones included)
            firings: list[Firing] = []
            pfirings: list[Firing] = []
            for s in range(self.strata):
                # the lower strata's conclusions, blockers first: sure ones 1, possible ones 0
                lower = [dict(_derived_fact(self.derived[d]), sure=int(d in have))
                         for d in sorted(may if censored else have)]
                got = self._stratum(s, self._rulesets[s], box, facts, lower, have, texts)
                firings += got.firings
                have |= got.have
                if censored:
                    got = self._stratum(s, self._possible[s], box, facts, lower, may,
                                        texts)
                    pfirings += got.firings
                    may |= got.have
            if not censored:
                return RawResult(firings, have)
            done = {(f.rule, f.branch, f.matched) for f in firings}
            return RawResult(firings, have, may - have,
                             [f for f in pfirings if (f.rule, f.branch, f.matched) not in done])
        finally:
            if box[0]:  # every session of the visit closed: the id can be used again
                self._pool.put(box[0])

    def _stratum(self, s: int, ruleset: tuple[int, dict[str, Action]], box: list[str],
                 facts: list[dict[str, Any]], lower: list[dict[str, Any]],
                 have: set[str], texts: dict[str, list[tuple[str, str]]]) -> _Visit:
        """Run one stratum's ruleset on the visit; its new conclusions in ``visit.have``.
        A session that cannot be closed retires its id (``box[0]`` becomes ""). ``texts``
        keeps each input fact's JSON for the visit's later strata (written once, not per
        stratum and mode: the batch text is the same as ``_dumps`` of the whole list)."""
        handle, actions = ruleset
        sid = box[0]
        visit = _Visit(set(have), handle, sid)
        done = False
        try:
            reads = self._reads[s]
            if sid not in texts:
                texts[sid] = [(f["name"], _dumps(dict(f, sid=sid))) for f in facts]
            # blockers first
            batch = [_dumps(dict(f, sid=sid)) for f in lower if f["name"] in reads]
            batch += [t for name, t in texts[sid] if name in reads]
            if self._needs_visit[s]:
                batch.append(_dumps({"sid": sid, "id": "visit", "name": "__visit__",
                                     "state": "", "value": None, "code": "", "censor": ""}))
            self._run(handle, actions, visit,
                      _core.assert_facts(handle, "[" + ", ".join(batch) + "]"))
            end = json.dumps({"sid": sid, "id": "end", "name": "__end__"})
            self._run(handle, actions, visit, _core.assert_fact(handle, end))
            visit.state = None  # every action completed: nothing left to abandon
            _core.delete_state(handle, sid)  # the no-op __end__ rule ran: safe
            done = True
        finally:
            if not done and not _close(handle, visit):
                self._retire(sid)
                box[0] = ""  # never used again
        visit.have -= have
        return visit

    def _retire(self, sid: str) -> None:
        """A session that could not be closed stays live in the core: its id is never reused
        (a new session on it would meet the old facts). A fresh id takes its place while the
        live sessions stay below the core's 1,024."""
        with self._lock:
            self._lost.add(sid)
            if self._replaced < MAX_REPLACED:
                self._replaced += 1
                self._pool.put(str(POOL_SIZE + self._replaced - 1))


#: the key of a program's durable plan in a session's cache (bumped when the plan changes)
PLAN_KEY = "durable.plan.2"


def durable_plan(program: dict[str, Any]) -> dict[str, Any]:
    """What a backend needs beyond the program, as JSON data: per mode (``definite``,
    ``possible``) and stratum, the ruleset text for the core and each rule's action spec
    ``[name, rule index, branch, aliases]``; per stratum the fact names its rules read and
    whether a branch waits for the visit fact. A pure function of the program, so a session
    keeps it in its disk cache beside the program (to_durable and the JSON text are most of a
    backend's start)."""
    from sicca.language.compiler import to_durable  # only on a cache miss: a warm start skips it

    # the fact names each stratum's rules read: any other fact could only meet the
    # catch-all there, so it is not asserted in that stratum (not the inputs, not the lower
    # strata's conclusions, not the stratum's own conclusions): same firings, far fewer
    # asserts and json.dumps calls
    reads: list[set[str]] = [set() for _ in range(program["strata"])]
    for r in program["rules"]:
        reads[r["stratum"]] |= {lit["fact"] for br in r["branches"] for lit in br}
    plan: dict[str, Any] = {"reads": [sorted(x) for x in reads], "needs_visit": []}
    for mode in ("definite", "possible"):
        rulesets: list[list[Any]] = []
        for rules in to_durable(program, mode):
            specs: list[list[Any]] = []
            defn: dict[str, Any] = {}
            needs = False
            for rname, spec in rules.items():
                i, j = (int(x) for x in rname.split("~"))
                aliases = [next(iter(p)) for p in spec["all"] if next(iter(p)).startswith("a")]
                needs = needs or any("visit" in p for p in spec["all"])
                specs.append([rname, i, j, aliases])
                defn[rname] = spec
            defn["__catch_all"] = {"all": [{"m": {"$ex": {"name": 1}}},
                                           {"never": {"name": "__never__"}}]}
            defn["__end"] = {"pri": 1000, "all": [{"m": {"name": "__end__"}}]}
            rulesets.append([_dumps(defn), specs])
            if mode == "definite":
                plan["needs_visit"].append(needs)
        plan[mode] = rulesets
    return plan


def _is_plan(plan: Any, strata: int) -> bool:
    """Whether ``plan`` (read from a cache) has the shape :func:`durable_plan` gives."""
    try:
        return (len(plan["reads"]) == len(plan["needs_visit"]) == strata
                and all(isinstance(x, str) for r in plan["reads"] for x in r)
                and all(isinstance(x, bool) for x in plan["needs_visit"])
                and all(len(plan[m]) == strata and all(
                    isinstance(text, str) and all(
                        isinstance(n, str) and type(i) is int and type(j) is int
                        and all(isinstance(a, str) for a in al) for n, i, j, al in specs)
                    for text, specs in plan[m]) for m in ("definite", "possible")))
    except (KeyError, TypeError, ValueError):
        return False


class _Held:
    """A SIGINT handler that counts the signals held until the visit is over."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: Any) -> None:
        self.count += 1


_SIGINT = 2  # signal.SIGINT, as the int _signal takes
_MAIN = threading.main_thread()


def _close(handle: int, visit: _Visit) -> bool:
    """Close a session a failure or an interrupt left in any state; False if it could not be.

    delete_state segfaults in a session where no action ever completed (shared/notes/
    durable-rules.md §6), and a session can be left with an action started and not completed,
    or with actions pending. So: abandon any started action (harmless when none is), assert a
    sentinel the no-op ``__end__`` rule matches (this also creates the session if the failure
    came before any assert), complete every action handed out without running it, and delete
    only when at least one action completed.
    """
    try:
        if visit.state is not None:
            _core.abandon_action(handle, visit.state)
        text = json.dumps({"sid": visit.sid, "id": "close", "name": "__end__"})
        state = _assert(_core.assert_fact(handle, text))
        started = _core.start_action_for_state(handle, state)
        message = started[1] if started else None
        completed = 0
        while message:
            completed += 1
            message = _core.complete_and_start_action(handle, state)
        if not completed:
            return False
        _core.delete_state(handle, visit.sid)
        return True
    except Exception:  # noqa: BLE001 - the caller retires the session id instead
        return False


# A JSON number as durable-rules' reader takes it (src/rules/json.c getNumber): an exponent is
# read only after a fraction, so Python's "5e-05" and "1e+16" must be written "5.0e-05" and
# "1.0e+16". JSON strings are matched first and kept, so text inside them is never touched.
_BARE_EXP = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.])(-?\d+)(e[-+]\d+)')


def _fix_number(m: re.Match[str]) -> str:
    return m.group(0) if m.group(1) is None else f"{m.group(1)}.0{m.group(2)}"


def _dumps(obj: Any) -> str:
    """``json.dumps`` whose floats durable-rules' C core reads as the same doubles (glibc's
    ``atof`` on the shortest round-trip text Python writes)."""
    text = json.dumps(obj, ensure_ascii=False)
    if "e-" not in text and "e+" not in text:  # no exponent at all: the usual case, cheap
        return text
    return _BARE_EXP.sub(_fix_number, text)


def _assert(result: Any) -> Any:
    """The session handle of an assert's result; a refusal is a Sicca bug (the catch-all
    rule handles every fact), reported as such."""
    code = result[0]
    if code in (_NOT_HANDLED, _OBSERVED):
        raise EvaluationError(Problem(
            f"durable-rules refused a fact (result code {code})", code="E900",
            hint="the catch-all rule should handle every fact"))
    return 0 if code == _NO_STATE else result[1]
