"""Compiler: rule files → an engine-neutral compiled program (plain data) → durable dicts.

The compiled program is JSON-serialisable and golden-file tested. Each rule's condition is
put in disjunctive normal form: a rule has *branches*; a branch is a list of *literals*; a
literal names one fact and holds tests that must all hold on that fact. Negation is pushed to
the leaves: on an input fact (every input fact exists exactly once per visit) a negated test
is a test of its own; on a concluded fact a negated literal means "no such fact", and the rule
is put in a later *stratum* than every rule concluding that fact, so negation never depends
on arrival order.

Semantics (README "Honest uncertainty", sicca.language.intervals): a literal is true, false
or unknown. A numeric test on a censored value ("<0.91", ">=1") is decided only when every
value the censored interval allows decides it the same way; otherwise it is unknown. A test on
a missing value is false and its negation true (missing data is asked about with ``state:``).
The durable form is made twice (``to_durable(program, mode)``): ``definite`` patterns match
when a literal is true, ``possible`` patterns when it is true or unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sicca.base.errors import InputError, Problem, Problems, RuleSyntaxError
from sicca.base.suggest import did_you_mean
from sicca.base.yamlsrc import KEY, PathKey, Reader, load
from sicca.language.docs import point_to_reference
from sicca.language.intervals import INF, OPEN, satisfying
from sicca.language.loader import (
    CMP_OPS,
    ENDS,
    LEAF_KEYS,
    Rule,
    RuleFile,
    load_manifest,
    load_rule_files,
    rule_dirs,
    ruleset_infos,
)
from sicca.language.program import Catalog, Compiled, FactSpec

FORMAT = 1
MAX_BRANCHES = 64
MAX_SIBLINGS = 60      # durable-rules error 303 past ~64 matching comparison nodes
MAX_CONSTANTS = 511    # durable-rules hangs at 512 distinct constants on one field
INPUT_STATES = ("reported", "not_reported", "not_done", "unknown", "invalid")
NUMERIC_OPS = ("lt", "le", "gt", "ge")


# --- the compiled form ------------------------------------------------------------------------

def _test(fld: str, op: str, value: Any, neg: bool = False) -> dict[str, Any]:
    return {"field": fld, "op": op, "value": value, "neg": neg}


def _neg(t: dict[str, Any]) -> dict[str, Any]:
    return dict(t, neg=not t["neg"])


@dataclass
class _Leaf:
    fact: str
    tests: list[dict[str, Any]]


@dataclass
class _Ctx:
    rule: Rule
    rf: RuleFile
    problems: Problems
    catalog: Catalog
    derived_kinds: dict[str, set[str]]
    units: Any

    def problem(self, path: PathKey, message: str, **kw: Any) -> None:
        self.problems.add(self.rf.src.problem(path, message, rule=self.rule.id, **kw))


def _const(ctx: _Ctx, raw: Any, path: PathKey) -> Decimal | str | None:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, (int, float)):
        return Decimal(str(raw))
    if isinstance(raw, str):
        return raw
    ctx.problem(path, "a constant must be a number or a word", code="E320", found=repr(raw))
    return None


def _leaf(ctx: _Ctx, raw: dict[str, Any], path: PathKey) -> _Leaf | None:
    for key in raw:
        if key not in LEAF_KEYS:
            ctx.problem(path + (key, KEY), f"unknown key '{key}' in a condition", code="E321",
                        expected="fact with eq|ne|lt|le|gt|ge|between|in|state, or all|any|not",
                        hint=did_you_mean(str(key), LEAF_KEYS | {"all", "any", "not"}))
            return None
    name = str(raw["fact"])
    spec = ctx.catalog.facts.get(name)
    derived = name in ctx.derived_kinds
    if spec is None and not derived:
        pool = list(ctx.catalog.facts) + list(ctx.derived_kinds)
        ctx.problem(path + ("fact",), f"unknown fact '{name}'", code="E322",
                    expected="a vocabulary item, a lab (lab.<key>), an option (option.<name>) "
                    "or a fact some rule concludes",
                    hint=did_you_mean(name, pool))
        return None
    ops = [k for k in raw if k in CMP_OPS or k in ("between", "in", "state")]
    tests: list[dict[str, Any]] = []
    fld_override = raw.get("field")
    if fld_override is not None and fld_override not in ("value", "code", "state"):
        ctx.problem(path + ("field",), f"unknown field '{fld_override}'", code="E323",
                    expected="value | code | state")
        return None
    unit = raw.get("unit")
    if unit is not None and not _unit_applies(ctx, raw, ops, name, derived, path):
        return None
    if not ops:
        # A bare fact: "it is reported" for an input, "it exists" for a concluded fact.
        if derived:
            return _Leaf(name, [])
        return _Leaf(name, [_test("state", "eq", "reported")])
    kind = spec.kind if spec else _derived_kind(ctx.derived_kinds[name])
    for op in ops:
        p = path + (op,)
        if op == "state":
            vals = raw[op] if isinstance(raw[op], list) else [raw[op]]
            allowed = ("derived",) if derived else INPUT_STATES
            for v in vals:
                if v not in allowed:
                    ctx.problem(p, f"unknown state '{v}'", code="E324",
                                expected=" | ".join(allowed))
                    return None
            tests.append(_test("state", "in", sorted(str(v) for v in vals)))
            continue
        if op == "in":
            vals = raw[op]
            if not isinstance(vals, list) or not vals:
                ctx.problem(p, "'in' needs a non-empty list", code="E325", found=repr(vals))
                return None
            consts = [_const(ctx, v, p) for v in vals]
            if any(isinstance(c, Decimal) for c in consts):
                ctx.problem(p, "'in' is for words (codes); use between for numbers",
                            code="E325")
                return None
            codes = [str(c) for c in consts]
            fld = fld_override or "code"
            if fld == "value":
                ctx.problem(p, "'in' compares words, but field 'value' holds numbers",
                            code="E328", expected="field: code (the default) or state",
                            hint="use between for a range of numbers")
                return None
            if not _check_codes(ctx, spec, name, codes, p, fld):
                return None
            tests.append(_test(fld, "in", sorted(set(codes))))
            continue
        if op == "between":
            rng = raw["between"]
            ends = raw.get("ends")
            if fld_override not in (None, "value"):
                ctx.problem(p, f"between compares numbers, but field '{fld_override}' holds "
                            "words", code="E328", expected="field: value (the default)")
                return None
            if not (isinstance(rng, list) and len(rng) == 2 and
                    all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rng)):
                ctx.problem(p, "between needs [low, high] numbers", code="E326",
                            expected="[low, high]", found=repr(rng),
                            hint="write `between: [37.5, 38.5]` with `ends: both`")
                return None
            if ends not in ENDS:
                ctx.problem(path + ("ends",) if "ends" in raw else p,
                            "between needs its ends stated", code="E327",
                            expected="ends: both | neither | low | high (which ends are included)",
                            found=repr(ends))
                return None
            lo = _convert(ctx, Decimal(str(rng[0])), unit, spec, p)
            hi = _convert(ctx, Decimal(str(rng[1])), unit, spec, p)
            if lo is None or hi is None:
                return None
            if kind != "number":
                ctx.problem(p, f"'{name}' is not a number", code="E328")
                return None
            tests.append(_test("value", "ge" if ends in ("both", "low") else "gt", str(lo)))
            tests.append(_test("value", "le" if ends in ("both", "high") else "lt", str(hi)))
            continue
        c = _const(ctx, raw[op], p)
        if c is None:
            return None
        if isinstance(c, Decimal):
            fld = fld_override or "value"
            if fld != "value":
                ctx.problem(p, f"field '{fld}' holds words, not numbers", code="E328",
                            expected="a word, or field: value for a number", found=str(c))
                return None
            if kind != "number":
                ctx.problem(p, f"'{name}' holds words, not numbers", code="E328",
                            expected=f"one of {', '.join(spec.choices or ())}" if spec and
                            spec.choices else "a word", found=str(c))
                return None
            conv = _convert(ctx, c, unit, spec, p)
            if conv is None:
                return None
            tests.append(_test(fld, op, str(conv)))
        else:
            if op in NUMERIC_OPS:
                ctx.problem(p, f"'{op}' needs a number", code="E328", found=repr(c))
                return None
            fld = fld_override or "code"
            if fld == "value":
                ctx.problem(p, "field 'value' holds numbers, not words", code="E328",
                            expected="a number, or field: code for a word", found=repr(c))
                return None
            if fld == "code" and kind == "number" and not derived:
                ctx.problem(p, f"'{name}' is a number; compare it with a number", code="E328",
                            found=repr(c))
                return None
            if not _check_codes(ctx, spec, name, [c], p, fld):
                return None
            tests.append(_test(fld, op, c))
    return _Leaf(name, tests)


def _is_number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


def _unit_applies(ctx: _Ctx, raw: dict[str, Any], ops: list[str], name: str, derived: bool,
                  path: PathKey) -> bool:
    """``unit:`` converts numeric constants of an input fact; anywhere else it is an error
    (it would be ignored). A unit that does not fit the fact is reported by ``_convert``."""
    if derived:
        ctx.problem(path + ("unit",), f"'{name}' is a concluded fact; it has no unit",
                    code="E330", found=str(raw["unit"]),
                    hint="remove `unit:` and write the constant as the rules conclude it")
        return False
    numeric = any(op == "between" or (op in CMP_OPS and _is_number(raw[op])) for op in ops)
    if not numeric:
        ctx.problem(path + ("unit",), "`unit:` without a numeric comparison", code="E330",
                    expected="unit: beside eq, ne, lt, le, gt, ge or between with a number",
                    found=str(raw["unit"]), hint="remove `unit:`; words have no unit")
        return False
    return True


def _derived_kind(kinds: set[str]) -> str:
    return "number" if kinds == {"number"} else "code"


def _check_codes(ctx: _Ctx, spec: FactSpec | None, name: str, codes: list[str], path: PathKey,
                 fld: str) -> bool:
    if fld == "state":
        bad = [c for c in codes if c not in INPUT_STATES + ("derived",)]
        choices: tuple[str, ...] | None = INPUT_STATES
    else:
        choices = spec.choices if spec else tuple(sorted(ctx.derived_kinds.get(name, set())
                                                         - {"number"}))
        if spec is None:
            choices = None  # concluded words are checked when the conclusions are known
        bad = [c for c in codes if choices is not None and c not in choices]
    if bad:
        ctx.problem(path, f"'{bad[0]}' is not a value of '{name}'", code="E329",
                    expected=" | ".join(choices or ()),
                    hint=did_you_mean(bad[0], choices or ()))
        return False
    return True


def _convert(ctx: _Ctx, value: Decimal, unit: Any, spec: FactSpec | None,
             path: PathKey) -> Decimal | None:
    if unit is None or spec is None or spec.unit is None or unit == spec.unit:
        if unit is not None and spec is not None and spec.unit is None:
            ctx.problem(path, f"'{spec.name}' has no unit", code="E330", found=str(unit))
            return None
        return value
    try:
        return ctx.units.convert(value, str(unit), spec.unit)  # type: ignore[no-any-return]
    except InputError as exc:
        ctx.problem(path, f"unit '{unit}' does not fit '{spec.name}' (stored in {spec.unit})",
                    code="E330", expected=f"a unit convertible to {spec.unit}", found=str(unit),
                    hint=exc.problems[0].message if exc.problems else None)
        return None


# DNF: a branch is a list of (leaf, negated) pairs.
Branch = list[tuple[_Leaf, bool]]


def _dnf(ctx: _Ctx, raw: Any, path: PathKey, neg: bool) -> list[Branch] | None:
    if not isinstance(raw, dict) or not raw:
        ctx.problem(path, "a condition must be a mapping", code="E321", found=repr(raw)[:60],
                    expected="{fact: ...}, {all: [...]}, {any: [...]} or {not: ...}")
        return None
    keys = set(raw)
    if keys & {"all", "any", "not"}:
        if len(keys) != 1:
            ctx.problem(path, "all / any / not stand alone in their mapping", code="E321",
                        found=", ".join(sorted(keys)))
            return None
        (key,) = keys
        if key == "not":
            return _dnf(ctx, raw["not"], path + ("not",), not neg)
        subs = raw[key]
        if not isinstance(subs, list) or not subs:
            ctx.problem(path + (key,), f"'{key}' needs a non-empty list", code="E331",
                        found=repr(subs)[:60])
            return None
        parts = [_dnf(ctx, s, path + (key, i), neg) for i, s in enumerate(subs)]
        if any(p is None for p in parts):
            return None
        conj = (key == "all") != neg  # De Morgan
        if conj:
            out: list[Branch] = [[]]
            for p in parts:
                out = [a + b for a in out for b in p]  # type: ignore[union-attr]
                if len(out) > MAX_BRANCHES:
                    ctx.problem(path, f"condition expands to more than {MAX_BRANCHES} branches",
                                code="E332", hint="split the rule")
                    return None
            return out
        return [b for p in parts for b in p]  # type: ignore[union-attr]
    if "fact" not in raw:
        ctx.problem(path, "a condition names a fact", code="E321", found=repr(raw)[:60],
                    expected="{fact: <name>, <op>: <constant>}")
        return None
    leaf = _leaf(ctx, raw, path)
    if leaf is None:
        return None
    if not neg:
        return [[(leaf, False)]]
    if leaf.fact in ctx.catalog.facts:
        # An input fact exists exactly once: not(t1 and t2) = (not t1) or (not t2).
        return [[(_Leaf(leaf.fact, [_neg(t)]), False)] for t in leaf.tests]
    return [[(leaf, True)]]


def compile_program(files: list[RuleFile], catalog: Catalog, problems: Problems) -> dict[str, Any]:
    """Compile loaded rule files into the plain-data program (problems are collected)."""
    from sicca.records import units

    derived_kinds: dict[str, set[str]] = {}
    first_rule: dict[str, str] = {}  # concluded fact -> the first rule concluding it
    for rf in files:
        for r in rf.rules:
            v = r.then["value"]
            derived_kinds.setdefault(str(r.then["fact"]), set()).add(
                "number" if isinstance(v, (int, float)) else str(v))
            first_rule.setdefault(str(r.then["fact"]), r.id)
    for name in sorted(derived_kinds):
        if name in catalog.facts:
            problems.add(Problem(f"concluded fact '{name}' is also an input fact", code="E333",
                                 rule=first_rule[name]))
            # reported once: rules reading the name read the input fact, with no follow-on
            # errors (E324 on their state tests, E329 on its words)
            del derived_kinds[name]
    derived_table: dict[tuple[str, str | None, str | None], str] = {}
    rules_out: list[dict[str, Any]] = []
    for rf in files:
        for r in rf.rules:
            ctx = _Ctx(r, rf, problems, catalog, derived_kinds, units)
            branches = _dnf(ctx, r.when, r.path + ("when",), False)
            if branches is None:
                continue
            v = r.then["value"]
            value = str(Decimal(str(v))) if isinstance(v, (int, float)) else None
            code = None if value is not None else str(v)
            key = (str(r.then["fact"]), value, code)
            did = derived_table.setdefault(key, f"d{len(derived_table)}")
            rules_out.append({
                "id": r.id, "ruleset": r.ruleset, "loc": r.loc, "file": rf.rel,
                "description": r.description, "source": r.source.as_dict(), "status": r.status,
                "then": did, "stratum": 0,
                "branches": [_merge(b) for b in branches],
            })
    # codes used on concluded facts must be conclusions someone can draw
    for rule in rules_out:
        for br in rule["branches"]:
            for lit in br:
                if lit["fact"] in derived_kinds:
                    for t in lit["tests"]:
                        if t["field"] == "code":
                            vals = t["value"] if isinstance(t["value"], list) else [t["value"]]
                            for v in vals:
                                if v not in derived_kinds[lit["fact"]]:
                                    problems.add(Problem(
                                        f"'{v}' is never concluded for '{lit['fact']}'",
                                        file=rule["loc"].rsplit(":", 2)[0],
                                        line=int(rule["loc"].rsplit(":", 2)[1]) if
                                        rule["loc"].rsplit(":", 2)[1].isdigit() else None,
                                        rule=rule["id"], code="E329",
                                        expected=" | ".join(sorted(derived_kinds[lit["fact"]]
                                                                   - {"number"}))))
    derived = [{"id": did, "name": k[0], "value": k[1], "code": k[2]}
               for k, did in derived_table.items()]
    _stratify(rules_out, derived, problems)
    inputs = sorted({lit["fact"] for r in rules_out for b in r["branches"] for lit in b
                     if lit["fact"] in catalog.facts})
    return {
        "format": FORMAT,
        "rulesets": [i.as_dict() for i in ruleset_infos(files, problems)],
        "files": [{"file": f.rel, "ruleset": f.ruleset, "meta": f.meta, "outputs": f.outputs}
                  for f in files],
        "inputs": inputs,
        "censorable": sorted(n for n in inputs if catalog.facts[n].censorable),
        "derived": derived,
        "strata": 1 + max((r["stratum"] for r in rules_out), default=0),
        "rules": rules_out,
    }


def _merge(branch: Branch) -> list[dict[str, Any]]:
    """Positive leaves on one fact share that fact; negated concluded leaves stay apart."""
    merged: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for leaf, negated in branch:
        if negated:
            out.append({"fact": leaf.fact, "negated": True, "tests": list(leaf.tests)})
            continue
        if leaf.fact in merged:
            merged[leaf.fact]["tests"].extend(t for t in leaf.tests
                                              if t not in merged[leaf.fact]["tests"])
        else:
            lit = {"fact": leaf.fact, "negated": False, "tests": list(leaf.tests)}
            merged[leaf.fact] = lit
            out.append(lit)
    # positives first (durable needs a positive pattern before a negation), stable order
    return [x for x in out if not x["negated"]] + [x for x in out if x["negated"]]


def _stratify(rules: list[dict[str, Any]], derived: list[dict[str, Any]],
              problems: Problems) -> None:
    producers: dict[str, list[dict[str, Any]]] = {}
    by_id = {d["id"]: d for d in derived}
    for r in rules:
        producers.setdefault(by_id[r["then"]]["name"], []).append(r)
    name_stratum = dict.fromkeys(producers, 0)
    for _ in range(len(rules) + 2):
        changed = False
        for r in rules:
            need = 0
            for b in r["branches"]:
                for lit in b:
                    if lit["fact"] in name_stratum:
                        need = max(need, name_stratum[lit["fact"]] + (1 if lit["negated"] else 0))
            if need != r["stratum"]:
                r["stratum"], changed = need, True
        for name, rs in producers.items():
            name_stratum[name] = max(x["stratum"] for x in rs)
        if not changed:
            return
        if max(name_stratum.values(), default=0) > len(rules):
            break
    cyc = [r["id"] for r in rules if r["stratum"] > len(rules) // 2][:5]
    problems.add(Problem("negation through a cycle of conclusions: no stratification exists",
                         code="E334", rule=cyc[0] if cyc else None,
                         hint="rules involved include " + ", ".join(cyc)))


# --- whole pipeline -------------------------------------------------------------------------

def build(extra_dirs: list[Path] | None = None, catalogue: Any = None,
          only: list[str] | None = None, read: Reader = load) -> Compiled:
    """Load and compile the bundled rules plus any rule packs; raise on any error."""
    from sicca.records.models import Catalogue

    cat = catalogue or Catalogue.load(list(extra_dirs or []), read)
    problems = Problems()
    files = load_rule_files(rule_dirs(extra_dirs), problems, only, read)
    catalog = Catalog.from_catalogue(cat)
    program = compile_program(files, catalog, problems)
    check_limits(program, problems)
    manifest = load_manifest(rule_dirs(extra_dirs), problems)
    point_to_reference(problems.items)
    problems.raise_if_any(RuleSyntaxError)
    return Compiled(program, files, catalog, manifest)


def check_limits(program: dict[str, Any], problems: Problems) -> None:
    """durable-rules limits, checked before anything reaches its C core. Each problem names
    the rule at which the count first went over the limit."""
    constants: dict[str, set[Any]] = {}  # field -> distinct constants
    siblings: dict[str, int] = {}
    over: dict[tuple[str, str], str] = {}  # (code, field or fact) -> rule id
    for r in program["rules"]:
        for b in r["branches"]:
            for lit in b:
                constants.setdefault("name", set()).add(lit["fact"])
                if len(constants["name"]) > MAX_CONSTANTS:
                    over.setdefault(("E336", "name"), r["id"])
                for t in lit["tests"]:
                    consts = t["value"] if isinstance(t["value"], list) else [t["value"]]
                    constants.setdefault(t["field"], set()).update(consts)
                    if len(constants[t["field"]]) > MAX_CONSTANTS:
                        over.setdefault(("E336", t["field"]), r["id"])
                    if t["field"] == "value":
                        siblings[lit["fact"]] = siblings.get(lit["fact"], 0) + 1
                        if siblings[lit["fact"]] > MAX_SIBLINGS:
                            over.setdefault(("E337", lit["fact"]), r["id"])
    for fld, vals in constants.items():
        if len(vals) > MAX_CONSTANTS:
            problems.add(Problem(f"{len(vals)} distinct constants on field '{fld}'",
                                 code="E336", rule=over[("E336", fld)],
                                 expected=f"at most {MAX_CONSTANTS} (durable-rules hangs at 512)"))
    for fact, n in siblings.items():
        if n > MAX_SIBLINGS:
            problems.add(Problem(f"{n} numeric comparisons on '{fact}'", code="E337",
                                 rule=over[("E337", fact)],
                                 expected=f"at most {MAX_SIBLINGS} (durable-rules error 303)"))


# --- durable-rules dict form (pure data; runtime.py attaches the actions) -------------------

def _eq(fld: str, v: Any) -> dict[str, Any]:
    return {fld: v}


def _cmp(op: str, fld: str, v: float) -> dict[str, Any]:
    return {{"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte", "ne": "$neq"}[op]: {fld: v}}


def _or(xs: list[dict[str, Any]]) -> dict[str, Any]:
    return xs[0] if len(xs) == 1 else {"$or": xs}


def _and(xs: list[dict[str, Any]]) -> dict[str, Any]:
    assert xs, "never emit an empty $and (durable-rules hangs)"
    return xs[0] if len(xs) == 1 else {"$and": xs}


_UNCENSORED = {"censor": ""}
_UP = ("<", "<=")   # true value lies below the bound
_DOWN = (">", ">=")  # true value lies above the bound


def _num_pos(op: str, c: float, censorable: bool) -> dict[str, Any]:
    if op == "eq":   # a censored value is an interval: never decided equal
        return _and([_UNCENSORED, {"value": c}]) if censorable else {"value": c}
    if op == "ne":   # decided different: the whole interval lies below or above c
        return _or([_num_pos("lt", c, censorable), _num_pos("gt", c, censorable)])
    plain = _and([_UNCENSORED, _cmp(op, "value", c)]) if censorable else _cmp(op, "value", c)
    if not censorable:
        return plain
    if op == "gt":   # (b, inf) > c iff b >= c ; [b, inf) > c iff b > c
        return _or([plain, _and([{"censor": ">"}, _cmp("ge", "value", c)]),
                    _and([{"censor": ">="}, _cmp("gt", "value", c)])])
    if op == "ge":
        return _or([plain, _and([{"censor": ">"}, _cmp("ge", "value", c)]),
                    _and([{"censor": ">="}, _cmp("ge", "value", c)])])
    if op == "lt":   # (-inf, b) < c iff b <= c ; (-inf, b] < c iff b < c
        return _or([plain, _and([{"censor": "<"}, _cmp("le", "value", c)]),
                    _and([{"censor": "<="}, _cmp("lt", "value", c)])])
    # le
    return _or([plain, _and([{"censor": "<"}, _cmp("le", "value", c)]),
                _and([{"censor": "<="}, _cmp("le", "value", c)])])


_COMPLEMENT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne", "ne": "eq"}


def _num_neg(op: str, c: float, censorable: bool) -> dict[str, Any]:
    """Decided false (the negated test decided true), or missing: a negated test holds on a
    missing value, as ``state:`` is the way to ask about missing data."""
    return _or([{"value": None}, _num_pos(_COMPLEMENT[op], c, censorable)])


_NEVER = {"state": "__never__"}
_OPEN = {"censor": OPEN}
_NOT_OPEN = {"$neq": {"censor": OPEN}}


def _bound(op: str, c: float) -> dict[str, Any]:
    return _cmp(op, "value", c)


def _meets(iv: tuple[float, bool, float, bool], censorable: bool) -> list[dict[str, Any]]:
    """Patterns for "the fact's interval meets ``iv``" (one per censor form)."""
    lo, lc, hi, hc = iv
    inside: list[dict[str, Any]] = []
    if lo != -INF:
        inside.append(_bound("ge" if lc else "gt", lo))
    if hi != INF:
        inside.append(_bound("le" if hc else "lt", hi))
    exact = _and(([_UNCENSORED] if censorable else []) + inside) if (censorable or inside) \
        else {"$ex": {"value": 1}}
    if not censorable:
        return [exact]
    out = [exact]
    # (-inf, b) meets iv iff b > lo; (-inf, b] iff b >= lo (lo included) else b > lo
    for cen, incl in (("<", False), ("<=", True)):
        if lo == -INF:
            out.append({"censor": cen})
        else:
            out.append(_and([{"censor": cen}, _bound("ge" if incl and lc else "gt", lo)]))
    for cen, incl in ((">", False), (">=", True)):
        if hi == INF:
            out.append({"censor": cen})
        else:
            out.append(_and([{"censor": cen}, _bound("le" if incl and hc else "lt", hi)]))
    return out


def _num_possible(tests: list[dict[str, Any]], censorable: bool) -> dict[str, Any]:
    """The numeric tests of one input literal, judged together: true or unknown (the fact's
    interval meets the set where they all hold), or missing when every test is negated."""
    numeric = [(t["op"], float(t["value"]), bool(t["neg"])) for t in tests]
    xs = [p for iv in satisfying(numeric) for p in _meets(iv, censorable)]
    if all(neg for _, _, neg in numeric):
        xs.insert(0, {"value": None})
    return _or(xs) if xs else _NEVER


def _code_test(t: dict[str, Any]) -> dict[str, Any]:
    fld, op, v, neg = t["field"], t["op"], t["value"], t["neg"]
    vals = v if isinstance(v, list) else [v]
    if op in ("eq", "in"):
        if not neg:
            return _or([_eq(fld, x) for x in vals])
        return _and([{"$neq": {fld: x}} for x in vals])
    # ne: decided-true needs a value present and different
    if not neg:
        return _and([{"$neq": {fld: v}}, {"$neq": {fld: ""}}])
    return _or([{fld: v}, {fld: ""}])


def durable_test(t: dict[str, Any], censorable: bool) -> dict[str, Any]:
    if t["field"] == "value" and not isinstance(t["value"], list):
        c = float(t["value"])
        return _num_neg(t["op"], c, censorable) if t["neg"] else _num_pos(t["op"], c, censorable)
    return _code_test(t)


def _is_num(t: dict[str, Any]) -> bool:
    return bool(t["field"] == "value" and not isinstance(t["value"], list))


def durable_literal(lit: dict[str, Any], censorable: set[str], mode: str = "definite",
                    derived: bool = False) -> dict[str, Any]:
    """One literal as a durable pattern. ``definite``: the literal is true; ``possible``: true
    or unknown. A concluded fact carries ``sure`` (1 definite, 0 possible only): a positive
    literal in the definite mode, and a negated one in the possible mode, read only sure
    conclusions (the negation of "possibly concluded" is definite, and the other way)."""
    parts: list[dict[str, Any]] = [{"name": lit["fact"]}]  # equality on the name first
    cens = lit["fact"] in censorable
    if derived:
        if (mode == "definite") != bool(lit["negated"]):
            parts.append({"sure": 1})
        parts += [durable_test(t, False) for t in lit["tests"]]
        return _and(parts)
    # an OPEN fact (a value nobody knows) is read as recorded and as any completion (state
    # reported, any value): decided only where both readings agree (native._literal)
    states = [t for t in lit["tests"] if t["field"] == "state"]
    values = [t for t in lit["tests"] if t["field"] != "state"]
    on_reported = all(state_holds(t, "reported") for t in states)
    num = [(t["op"], float(t["value"]), bool(t["neg"])) for t in values if _is_num(t)]
    completed_may = on_reported and (any(not _is_num(t) for t in values)
                                     or not num or bool(satisfying(num)))
    completed_true = on_reported and not values
    if mode == "possible":
        parts += [_code_test(t) for t in lit["tests"] if not _is_num(t)]
        nums = [t for t in lit["tests"] if _is_num(t)]
        if nums:
            parts.append(_num_possible(nums, cens))
        if not completed_may:
            return _and(parts)
        # the two alternatives exclude each other: durable-rules fires once per alternative
        # that matches
        return _or([_and(parts + [_NOT_OPEN]), _and([{"name": lit["fact"]}, _OPEN])])
    if not completed_true:
        parts.append(_NOT_OPEN)  # the completions do not all satisfy it
    parts += [durable_test(t, cens) for t in lit["tests"]]
    return _and(parts)


def state_holds(t: dict[str, Any], state: str) -> bool:
    """Whether a state test holds on a fact in ``state``."""
    vals = t["value"] if isinstance(t["value"], list) else [t["value"]]
    if t["op"] in ("eq", "in"):
        return (state in vals) != bool(t["neg"])
    return (state != "" and state not in vals) != bool(t["neg"])


def to_durable(program: dict[str, Any], mode: str = "definite"
               ) -> list[dict[str, dict[str, Any]]]:
    """One durable ruleset dict per stratum; rule names are '<index>~<branch>'."""
    cens = set(program["censorable"])
    names = {d["name"] for d in program["derived"]}
    strata: list[dict[str, dict[str, Any]]] = [{} for _ in range(program["strata"])]
    for i, r in enumerate(program["rules"]):
        for j, br in enumerate(r["branches"]):
            patterns: list[dict[str, Any]] = []
            if any(lit["negated"] for lit in br):
                # durable-rules checks a negation only when the facts before it arrive, and a
                # blocker arriving later does not cancel: so a branch with a negation waits for
                # the visit fact, matched first and asserted last, after every blocker.
                patterns.append({"visit": {"name": "__visit__"}})
            for k, lit in enumerate(br):
                alias = f"n{k}$not" if lit["negated"] else f"a{k}"
                patterns.append({alias: durable_literal(lit, cens, mode,
                                                        lit["fact"] in names)})
            strata[r["stratum"]][f"{i}~{j}"] = {"all": patterns}
    return strata


def branch_count(program: dict[str, Any]) -> int:
    return sum(len(r["branches"]) for r in program["rules"])

