"""The Python API: load rules once, evaluate visits on either backend, read conclusions.

    sicca = Sicca.load(engine="native")          # or "durable" (the default)
    case = sicca.load_case("examples/rfib-case.yaml")
    ev = sicca.evaluate(case, case.timepoints[0])
    ev.values("essdai.biological.level")         # -> [Decimal('2')]
    ev.trace("essdai.biological.level")          # rule ids, sources, matched inputs
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

from sicca.base.errors import InputError, Problem, Problems, RuleSyntaxError
from sicca.base.jsonenc import number
from sicca.base.yamlsrc import Reader
from sicca.base.yamlsrc import load as load_yaml
from sicca.language.intervals import OPEN, OPS, cell_points
from sicca.language.loader import load_manifest, load_rule_files, rule_dirs
from sicca.language.program import Catalog, Compiled
from sicca.records.models import Case, Catalogue, Record, load_case
from sicca.running.facts import Fact, Visit, build_visit
from sicca.running.trace import Firing, RawResult

ENGINES = ("durable", "native")
#: Most cells evaluated for one visit; past it, the three-valued pass (sound, maybe loose).
MAX_CELLS = 64


class Backend(Protocol):
    name: str

    def evaluate(self, facts: list[dict[str, Any]]) -> RawResult: ...


#: ``memo(key, make)``: a value derived from the program alone, kept by the caller (a session's
#: disk cache) or made now
Memo = Callable[[str, Callable[[], Any]], Any]


def make_backend(name: str, program: dict[str, Any], memo: Memo | None = None) -> Backend:
    if name == "native":
        from sicca.running.native import NativeBackend

        return NativeBackend(program)
    if name == "durable":
        from sicca.running.durable import DurableBackend

        return DurableBackend(program, memo)
    raise InputError(Problem(f"unknown engine '{name}'", field="--engine",
                             expected=" | ".join(ENGINES), code="E121"))


@dataclass
class Derived:
    """One concluded fact and every firing that concluded it."""

    id: str
    name: str
    value: Decimal | None
    code: str | None
    firings: list[Firing] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return str(self.value) if self.value is not None else str(self.code)


@dataclass
class Evaluation:
    """The result of one visit: input facts, conclusions, firings, and how to explain them."""

    visit: Visit
    derived: dict[str, list[Derived]]
    raw: RawResult
    program: dict[str, Any]
    options: dict[str, str]
    engine: str
    _objs: dict[str, Derived] = field(default_factory=dict)
    _facts_by_id: dict[str, Fact] | None = None
    #: conclusions that only *may* hold: some rule concluding them had an unknown literal (a
    #: censored value its interval does not decide) and none concluded them definitely
    possible: dict[str, list[Derived]] = field(default_factory=dict)
    #: with censored inputs: one definite evaluation per *cell*, a choice of one region per
    #: censored input between the thresholds the program compares it with (every comparison
    #: decided); ``derived``/``possible`` are then their intersection / the rest of their
    #: union, and instruments take the hull of their per-cell results (exact, not Kleene)
    cells: list[Evaluation] = field(default_factory=list, repr=False)
    #: True when the censored inputs had too many cells to evaluate each (MAX_CELLS): the
    #: ranges come from the three-valued pass, sound but possibly wider than the true hull
    approximate: bool = False

    def lookup(self, fid: str) -> Derived | Fact | None:
        """The concluded or input fact with engine id ``fid`` (input ids indexed on first use:
        most evaluations are never explained)."""
        obj = self._objs.get(fid)
        if obj is not None:
            return obj
        if self._facts_by_id is None:
            self._facts_by_id = {f.id: f for f in self.visit.facts.values()}
        return self._facts_by_id.get(fid)

    @property
    def timepoint(self) -> str:
        return self.visit.timepoint

    def fact(self, name: str) -> Fact | None:
        return self.visit.facts.get(name)

    def values(self, name: str) -> list[Decimal | str]:
        return [d.value if d.value is not None else str(d.code) for d in
                self.derived.get(name, [])]

    def possible_values(self, name: str) -> list[Decimal | str]:
        """The values ``name`` may take beyond its definite ones (see ``possible``)."""
        return [d.value if d.value is not None else str(d.code) for d in
                self.possible.get(name, [])]

    def may(self, name: str, value: Any = None) -> bool:
        """Whether ``name`` (with ``value``) is possibly but not definitely concluded."""
        got = self.possible.get(name, [])
        return bool(got) if value is None else any(_same(d, value) for d in got)

    def possible_rules_for(self, name: str, value: Any = None) -> list[str]:
        """The rules that may conclude ``name`` (``value``): an unknown literal each."""
        return self._rule_ids(self.possible.get(name, []), value)

    def _rule_ids(self, facts: list[Derived], value: Any) -> list[str]:
        """The ids of the rules behind ``facts`` (those with ``value``), first seen first."""
        out: list[str] = []
        for d in facts:
            if value is None or _same(d, value):
                for f in d.firings:
                    rid = self.program["rules"][f.rule]["id"]
                    if rid not in out:
                        out.append(rid)
        return out

    def conclusions(self, name: str, value: Any = None) -> list[Derived]:
        """The concluded facts named ``name`` (with ``value``, when given)."""
        got = self.derived.get(name, [])
        return list(got) if value is None else [d for d in got if _same(d, value)]

    def has(self, name: str, value: Any = None) -> bool:
        if value is None:
            return bool(self.derived.get(name))
        return any(_same(d, value) for d in self.derived.get(name, []))

    def rules_for(self, name: str, value: Any = None) -> list[str]:
        return self._rule_ids(self.derived.get(name, []), value)

    def fired_rules(self) -> set[str]:
        return {self.program["rules"][f.rule]["id"] for f in self.raw.firings}

    def trace(self, name: str, value: Any = None, depth: int = 0) -> list[dict[str, Any]]:
        """For each conclusion: the rules that fired, their sources and matched facts."""
        out = []
        for d in self.derived.get(name, []):
            if value is not None and not _same(d, value):
                continue
            out.append(self._trace_derived(d, depth))
        return out

    def _trace_derived(self, d: Derived, depth: int) -> dict[str, Any]:
        fired = []
        for f in d.firings:
            rule = self.program["rules"][f.rule]
            matched = []
            for fid in f.matched:
                obj = self.lookup(fid)
                if isinstance(obj, Derived):
                    matched.append({"fact": obj.name, "value": _jsonable(obj),
                                    "concluded": self._trace_derived(obj, depth + 1)
                                    if depth < 12 else "…"})
                elif isinstance(obj, Fact):
                    matched.append(obj.as_dict())
            fired.append({"rule": rule["id"], "description": rule["description"],
                          "source": rule["source"], "status": rule["status"],
                          "loc": rule["loc"], "matched": matched})
        return {"fact": d.name, "value": _jsonable(d), "rules": fired}


def _firing_key(f: Firing) -> tuple[int, int, tuple[str, ...]]:
    return f.rule, f.branch, f.matched


def _derived_key(d: Derived) -> tuple[Decimal, str]:
    return d.value if d.value is not None else Decimal(0), d.code or ""


def _jsonable(d: Derived) -> Any:
    return number(d.value) if d.value is not None else d.code


def _same(d: Derived, value: Any) -> bool:
    if d.value is not None:
        try:
            return d.value == Decimal(str(value))
        except Exception:
            return False
    return d.code == str(value)


class Sicca:
    """Rules compiled once; evaluate any number of visits on the chosen backend."""

    #: Called with every Evaluation (the test suite's rule-coverage check listens here).
    observers: ClassVar[list[Callable[[Evaluation], None]]] = []

    def __init__(self, compiled: Compiled, catalogue: Catalogue, engine: str = "durable",
                 extra_dirs: list[Path] | None = None, memo: Memo | None = None) -> None:
        self.compiled = compiled
        self.catalogue = catalogue
        self.engine = engine
        self.extra_dirs = list(extra_dirs or [])
        self.program = compiled.program
        self.backend = make_backend(engine, self.program, memo)
        inputs = set(self.program["inputs"])
        # Worked out once: the input facts in catalog order (the order the backends are given
        # them), and per concluded id its name, value, code and place in id order.
        self._input_names = [n for n in compiled.catalog.facts if n in inputs]
        self._derived_table = {
            d["id"]: (int(d["id"][1:]), d["name"],
                      Decimal(d["value"]) if d["value"] is not None else None, d["code"])
            for d in self.program["derived"]}
        self._then = [r["then"] for r in self.program["rules"]]
        #: per fact, the comparisons the program makes on it (op, constant): where a censored
        #: value's cells split (read by the per-visit cells and the columnar path alike)
        self.tests_by_fact = numeric_tests(self.program)
        #: per vocabulary item, the range its values may take (the ends of the outer cells)
        self.value_ranges = {i.name: i.spec.bounds() for i in catalogue.vocabulary.items.values()
                             if i.type != "option"}
        #: per-eye tests the program reads, with the side that is worse (min | max)
        self.per_eye = {i.name: i.spec.worse or "max"
                        for i in catalogue.vocabulary.items.values()
                        if i.type == "per_eye" and i.name in inputs}
        #: the items whose ``not_done`` leaves no value (their vocabulary section says so);
        #: any other input ``not_done``, and any ``unknown`` one, holds a value nobody knows:
        #: the backends see it ``OPEN`` and it is split into cells (README "Honest uncertainty")
        self.no_value_when_not_done = frozenset(
            i.name for i in catalogue.vocabulary.items.values() if i.not_done_no_value)
        #: per input word, the codes an OPEN value of it takes, one cell each: one per class
        #: of its choices that the program's code tests answer alike
        self.open_codes = open_codes(self.program, compiled.catalog)
        self._integers = frozenset(i.name for i in catalogue.vocabulary.items.values()
                                   if i.type == "count")
        self._memo: dict[str, Any] = {}
        #: the instruments that score a case, as the pack manifest declares them (in order)
        self.declared: list[str] = list(compiled.manifest.instruments) \
            if compiled.manifest is not None else []

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per loaded rule set: instruments keep what they read from the
        program (merged meta, domain tables) here instead of re-reading it every visit."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    @classmethod
    def load(cls, rules: list[Path] | None = None, engine: str = "durable",
             only: list[str] | None = None, read: Reader = load_yaml,
             catalogue: Catalogue | None = None, memo: Memo | None = None) -> Sicca:
        """Compile the bundled rules plus ``rules`` packs; ``read`` parses each file (a session
        passes its disk cache), ``catalogue`` is reused when already loaded, ``memo`` keeps
        what the backend derives from the program (see :func:`make_backend`)."""
        from sicca.language.compiler import build  # a start from the disk cache never compiles

        catalogue = catalogue or Catalogue.load(list(rules or []), read)
        compiled = build(list(rules or []), catalogue, only, read)
        return cls(compiled, catalogue, engine, rules, memo)

    @classmethod
    def from_program(cls, program: dict[str, Any], catalogue: Catalogue,
                     engine: str = "durable", rules: list[Path] | None = None,
                     read: Reader = load_yaml, memo: Memo | None = None) -> Sicca:
        """A program compiled earlier from the same rule files (the disk cache). The rule files
        themselves (the instruments read their ``meta``) and the pack manifest are read again
        through ``read``, which is cheap from the cache; only the compiling is skipped."""
        problems = Problems()
        dirs = rule_dirs(list(rules or []))
        files = load_rule_files(dirs, problems, None, read)
        manifest = load_manifest(dirs, problems)
        problems.raise_if_any(RuleSyntaxError)
        compiled = Compiled(program, files, Catalog.from_catalogue(catalogue), manifest)
        return cls(compiled, catalogue, engine, rules, memo)

    def load_case(self, path: str | Path) -> Case:
        return load_case(path, self.catalogue)

    def option_defaults(self) -> dict[str, str]:
        return {i.name: str(i.spec.default) for i in self.catalogue.vocabulary.options()}

    def check_options(self, options: dict[str, str]) -> dict[str, str]:
        """Every option with its value: the defaults, replaced by ``options`` (checked)."""
        if not options:
            return dict(self.memo("options.defaults", self.option_defaults))
        known = {i.name: i for i in self.catalogue.vocabulary.options()}
        out = self.option_defaults()
        for k, v in options.items():
            if k not in known:
                from sicca.base.suggest import did_you_mean

                raise InputError(Problem(f"unknown option '{k}'", field="--option", code="E122",
                                         expected=" | ".join(sorted(known)),
                                         hint=did_you_mean(k, known)))
            choices = known[k].spec.choices or []
            if v not in choices:
                raise InputError(Problem(f"'{v}' is not a value of option '{k}'",
                                         field=f"--option {k}", code="E122",
                                         expected=" | ".join(choices), found=v))
            out[k] = v
        return out

    def visit(self, case: Case, tp: Record, options: dict[str, str] | None = None,
              overrides: dict[str, Any] | None = None) -> Visit:
        return build_visit(case, tp, self.compiled.catalog, self.check_options(options or {}),
                           overrides)

    def evaluate(self, case: Case, tp: Record, options: dict[str, str] | None = None,
                 overrides: dict[str, Any] | None = None) -> Evaluation:
        opts = self.check_options(options or {})
        visit = build_visit(case, tp, self.compiled.catalog, opts, overrides)
        return self.evaluate_visit(visit, opts)

    def evaluate_visit(self, visit: Visit, options: dict[str, str]) -> Evaluation:
        vf = visit.facts
        facts = [vf[n].engine() for n in self._input_names if n in vf]
        self.mark_open(visit, facts)
        if not any(f["censor"] for f in facts):
            return self.wrap(visit, self.backend.evaluate(facts), options)
        return self._evaluate_cells(visit, facts, options)

    def is_open(self, name: str, state: str) -> bool:
        """Whether an input in ``state`` with no value holds a value nobody knows: ``unknown``
        always, ``not_done`` unless its item's section says a test not done has none;
        ``not_reported`` never (the rules read silence their own way; README "Honest
        uncertainty")."""
        return state == "unknown" or (state == "not_done"
                                      and name not in self.no_value_when_not_done)

    def mark_open(self, visit: Visit, facts: list[dict[str, Any]]) -> None:
        """Give every OPEN input of ``facts`` (the backends' dicts, in input order) the
        censor ``OPEN``. Only recorded facts can be: the rest are not reported."""
        recorded = set(visit.recorded)
        for k, f in enumerate(facts):
            if f["name"] in recorded and f["value"] is None and not f["code"] \
                    and not f["censor"] and self.is_open(f["name"], f["state"]):
                facts[k] = dict(f, censor=OPEN)

    def _evaluate_cells(self, visit: Visit, facts: list[dict[str, Any]],
                        options: dict[str, str]) -> Evaluation:
        """A visit with censored inputs: each combination of cells evaluated as a definite
        visit, the conclusions merged (definite in every cell / possible in some). Past
        MAX_CELLS combinations, the backend's three-valued pass, marked ``approximate``."""
        # one dimension per censored input (a per-eye test with both eyes measured: one for
        # the pair, its worse eye worked out per cell); each a list of value assignments
        dims: list[list[dict[int, dict[str, Any]]]] = []
        pos = {f["name"]: k for k, f in enumerate(facts)}
        done: set[int] = set()
        for name, worse in self.per_eye.items():
            k = pos.get(name)
            if k is not None and facts[k]["censor"] not in ("", OPEN):
                pair = self._eye_cells(visit, name, worse, k, pos, facts)
                if pair is not None:
                    dims.append(pair)
                    done |= {k} | {pos[n] for n in (f"{name}.right", f"{name}.left")
                                   if n in pos}
        for k, f in enumerate(facts):
            if f["censor"] and k not in done:
                name = f["name"]
                if f["censor"] == OPEN and name in self.open_codes:
                    dims.append([{k: dict(f, state="reported", code=c, censor="")}
                                 for c in self.open_codes[name]])
                    continue
                integer = visit.facts[name].integer or name in self._integers
                pts = cell_points(self.tests_by_fact.get(name, []), f["value"] or 0.0,
                                  f["censor"], self.value_ranges.get(name, (None, None)),
                                  integer)
                state = "reported" if f["censor"] == OPEN else f["state"]
                dims.append([{k: dict(f, state=state, value=x, censor="")} for x in pts])
        total = 1
        for dim in dims:
            total *= max(len(dim), 1)
        if total > MAX_CELLS or any(not dim for dim in dims):
            # too many cells, or a bound that allows no value in the item's range (the
            # three-valued pass then reads it as recorded)
            ev = self.wrap(visit, self.backend.evaluate(facts), options)
            ev.approximate = total > MAX_CELLS
            return ev
        raws: list[RawResult] = []
        kinds: set[tuple[frozenset[str], frozenset[tuple[int, int, tuple[str, ...]]]]] = set()
        for combo in itertools.product(*dims):
            cell = list(facts)
            for assign in combo:
                for k, x in assign.items():
                    cell[k] = x
            raw = self.backend.evaluate(cell)
            kind = (frozenset(raw.derived), frozenset(_firing_key(f) for f in raw.firings))
            if kind not in kinds:  # cells that fire alike are one for every instrument
                kinds.add(kind)
                raws.append(raw)
        cells = [self.wrap(visit, raw, options, observe=False) for raw in raws]
        sure = set.intersection(*(r.derived for r in raws))
        maybe = set.union(*(r.derived for r in raws)) - sure
        seen: set[tuple[int, int, tuple[str, ...]]] = set()
        firings: list[Firing] = []
        pfirings: list[Firing] = []
        then = self._then
        for r in raws:
            for fired in r.firings:
                key = _firing_key(fired)
                if key not in seen:
                    seen.add(key)
                    (firings if then[fired.rule] in sure else pfirings).append(fired)
        ev = self.wrap(visit, RawResult(firings, sure, maybe, pfirings), options)
        ev.cells = cells
        return ev

    def _eye_cells(self, visit: Visit, name: str, worse: str, k: int, pos: dict[str, int],
                   facts: list[dict[str, Any]]) -> list[dict[int, dict[str, Any]]] | None:
        """The cells of a per-eye test whose worse eye is censored, both eyes measured: each
        eye split at the thresholds of the test, the worse eye of each pair exact. (One value
        cannot hold a two-sided range: right ">5" and left 8 mm make the worse eye (5, 8],
        which the recorded bound keeps as "<=8"; the pair decides "> 5".) None when an eye
        is missing (the recorded bound is then the whole truth)."""
        sides = [visit.facts.get(f"{name}.{side}") for side in ("right", "left")]
        if any(s is None or s.state != "reported" or s.value is None for s in sides):
            return None
        names = [f"{name}.right", f"{name}.left"]
        tests = sorted(set(self.tests_by_fact.get(name, [])) |
                       {t for n in names for t in self.tests_by_fact.get(n, [])})
        bounds = self.value_ranges.get(name, (None, None))
        pts = [cell_points(tests, float(s.value), s.censor or "", bounds, False)
               for s in sides if s is not None and s.value is not None]
        pick = min if worse == "min" else max
        out: dict[tuple[tuple[bool, ...], ...], dict[int, dict[str, Any]]] = {}
        for r, left in itertools.product(*pts):
            w = pick(r, left)
            assign = {k: dict(facts[k], value=w, censor="")}
            for n, x in zip(names, (r, left), strict=True):
                if n in pos:
                    assign[pos[n]] = dict(facts[pos[n]], value=x, censor="")
            sig = tuple(tuple(OPS[op](x, c) for op, c in tests) for x in (w, r, left))
            out.setdefault(sig, assign)
        return list(out.values())

    def wrap(self, visit: Visit, raw: RawResult, options: dict[str, str],
             observe: bool = True) -> Evaluation:
        table, then = self._derived_table, self._then
        derived: dict[str, list[Derived]] = {}
        objs: dict[str, Derived] = {}
        for did in sorted(raw.derived, key=lambda x: table[x][0]):
            _, name, value, code = table[did]
            obj = Derived(did, name, value, code)
            objs[did] = obj
            derived.setdefault(name, []).append(obj)
        # (rule, branch, matched) order, as Firing's own ordering, without its slow __lt__
        for f in sorted(raw.firings, key=_firing_key):
            objs[then[f.rule]].firings.append(f)
        for lst in derived.values():
            if len(lst) > 1:
                lst.sort(key=_derived_key)
        possible: dict[str, list[Derived]] = {}
        if raw.possible:
            for did in sorted(raw.possible, key=lambda x: table[x][0]):
                _, name, value, code = table[did]
                obj = Derived(did, name, value, code)
                objs[did] = obj
                possible.setdefault(name, []).append(obj)
            for f in sorted(raw.possible_firings, key=_firing_key):
                target = objs[then[f.rule]]
                if target.id in raw.possible:  # a definite conclusion keeps its definite firings
                    target.firings.append(f)
            for lst in possible.values():
                if len(lst) > 1:
                    lst.sort(key=_derived_key)
        ev = Evaluation(visit, derived, raw, self.program, options, self.backend.name, objs,
                        possible=possible)
        if observe:
            for observer in Sicca.observers:
                observer(ev)
        return ev

    def rulesets(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.program["rulesets"]]

    def meta(self, ruleset: str) -> list[dict[str, Any]]:
        """The ``meta`` of every file of a rule set (weights, item tables, …), by file."""
        return [dict(f["meta"], _file=f["file"]) for f in self.program["files"]
                if f["ruleset"] == ruleset]


def literal_tests(program: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every test of every literal of the program, with the fact the literal reads."""
    for r in program["rules"]:
        for br in r["branches"]:
            for lit in br:
                for t in lit["tests"]:
                    yield lit["fact"], t


def numeric_tests(program: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Per input fact, every numeric comparison ``(op, constant)`` the program makes on it."""
    out: dict[str, set[tuple[str, float]]] = {}
    for fact, t in literal_tests(program):
        if t["field"] == "value" and not isinstance(t["value"], list):
            out.setdefault(fact, set()).add((t["op"], float(t["value"])))
    return {k: sorted(v) for k, v in out.items()}


def code_tests(program: dict[str, Any]) -> dict[str, list[frozenset[str]]]:
    """Per fact, each distinct set of codes the program tests it against (``eq``: one code,
    ``in``: several), in the order the program first tests them."""
    out: dict[str, list[frozenset[str]]] = {}
    for fact, t in literal_tests(program):
        if t["field"] == "code":
            vals = t["value"] if isinstance(t["value"], list) else [t["value"]]
            codes, sets = frozenset(str(v) for v in vals), out.setdefault(fact, [])
            if codes not in sets:
                sets.append(codes)
    return out


def open_codes(program: dict[str, Any], catalog: Catalog) -> dict[str, list[str]]:
    """Per input word, the codes an OPEN value of it may take (``Sicca.open_codes``)."""
    tested = code_tests(program)
    out: dict[str, list[str]] = {}
    for name in program["inputs"]:
        spec = catalog.facts.get(name)
        if spec is None or spec.kind != "code":
            continue
        sets = sorted(tested.get(name, []), key=sorted)
        codes = list(spec.choices or sorted({c for s in sets for c in s}) + ["__other__"])
        # one code per class of codes every test of the program answers alike (a code no
        # rule names stands for every other one; none named: one cell, its state reported)
        classes: dict[tuple[bool, ...], str] = {}
        for c in codes:
            classes.setdefault(tuple(c in s for s in sets), c)
        out[name] = list(classes.values())
    return out
