"""The completion oracle (README "Honest uncertainty"): a visit with censored and unknown
inputs against every definite visit consistent with it.

A *completion* gives each censored value one number its interval allows, and each unknown
item that ``completed`` names one of its values (a code of its choices, a number in each
region of its thresholds over its whole range). The numbers tried are a value on each
side of every threshold the compiled program tests on that fact (``cut_points``), at each
threshold, and at the interval's own ends: one per region of the line the rules can tell
apart. Each completion is scored as a definite visit; the engine's answer for the uncertain
visit must be the hull of the completions' answers:

- sound: every completion's result lies inside the reported range / verdict set;
- tight: both ends are reached (the engine evaluates each cell of the censored values, so
  no relaxation is needed when a value is read by several rules).
"""

from __future__ import annotations

import collections
import itertools
import math
import operator
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sicca.running.evaluate import Evaluation, Sicca, code_tests, numeric_tests
from sicca.running.facts import Fact, Visit
from sicca.scores import criteria, essdai, esspri
from tests.support.randomvisits import codes_used, cut_points

_OPS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
        "eq": operator.eq, "ne": operator.ne}
#: how many visits ``check`` saw, and how many it could hold to soundness only
STATS: collections.Counter[str] = collections.Counter()
#: completions enumerated exhaustively up to this many (the generated visits need at most a
#: few hundred: 375 in 3,000); past it they are sampled, and a sample cannot prove tightness
MAX_COMPLETIONS = 1024
UNKNOWN_STATES = ("not_reported", "not_done", "unknown")


@dataclass(frozen=True)
class Input:
    """One generated input: ``value`` with ``censor`` for numbers, ``code`` for words, or an
    unknown ``state``."""

    name: str
    state: str = "reported"
    value: Decimal | None = None
    censor: str = ""
    code: str = ""


@dataclass
class Universe:
    """What the oracle needs to know of a loaded rule set, worked out once."""

    sicca: Sicca
    base: Visit
    options: dict[str, str]
    cuts: dict[str, list[Decimal]]
    codes: dict[str, list[str]]
    numeric: list[str]
    words: list[str]
    ranges: dict[str, tuple[Decimal | None, Decimal | None]]
    integers: frozenset[str]
    esspri: list[str] = field(default_factory=list)
    #: the program's input facts (what a backend is given)
    inputs: frozenset[str] = frozenset()
    #: per input fact, the comparisons ``(op, constant)`` the program makes on it
    tests: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    #: per input word, the sets of codes the program's code tests name
    code_tests: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    #: the items of the vocabulary's tests section (a test ``not_done`` was not performed)
    tests_section: frozenset[str] = frozenset()
    #: a completion's (ESSDAI, criteria) results by its set of conclusions (score_definite)
    memo: dict[frozenset[str], tuple[dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict)
    #: a completion's results by its inputs (score_definite)
    completed: dict[frozenset[Input], Completion] = field(default_factory=dict)


def universe(sicca: Sicca) -> Universe:
    program = sicca.program
    base = _empty_visit(sicca)
    cuts = {k: sorted(set(v)) for k, v in cut_points(program).items()}
    # ESSPRI's ratings meet their threshold in the instrument, not in a rule: the PASS line
    # (the esspri file's meta, in the compiled program) is where they are cut
    for f in program["files"]:
        meta = f.get("meta") or {}
        if f["ruleset"] == "esspri" and "pass_below" in meta:
            for item in meta.get("items", []):
                cuts.setdefault(item, []).append(Decimal(str(meta["pass_below"])))
    cat = sicca.compiled.catalog.facts
    vocab = sicca.catalogue.vocabulary
    ranges: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    integers: set[str] = set()
    for item in vocab.items.values():
        if item.type == "option":
            continue
        ranges[item.name] = item.spec.bounds()
        if item.type == "count":
            integers.add(item.name)
    used = codes_used(program)
    numeric = [n for n in program["inputs"] if cat[n].kind == "number" and n in cuts]
    # the ESSPRI ratings together, often enough to reach a mean
    u_esspri = [n for n in numeric if n.startswith("esspri.")]
    words = [n for n in program["inputs"] if cat[n].kind == "code" and not n.startswith("option.")
             and (cat[n].choices or used.get(n))]
    codes = {n: sorted(set(cat[n].choices or ()) | used.get(n, set())) for n in words}
    u = Universe(sicca, base, sicca.check_options({}), cuts, codes, numeric, words, ranges,
                 frozenset(integers), esspri=u_esspri)
    # the program's comparisons are a fact of the rules, not of the engine's splitting; the
    # oracle enumerates its own completions from them (_points), independently of cell_points
    u.tests = numeric_tests(program)
    u.inputs = frozenset(program["inputs"])
    u.code_tests = code_tests(program)
    u.tests_section = frozenset(i.name for i in vocab.items.values() if i.section == "tests")
    return u


EMPTY = Path(__file__).resolve().parents[1] / "data" / "cases" / "empty_visit.yaml"


def _empty_visit(sicca: Sicca) -> Visit:
    case = sicca.load_case(EMPTY)
    return sicca.visit(case, case.timepoints[0])


# --- completions --------------------------------------------------------------------------------

def _points(u: Universe, name: str, lo: float, lo_in: bool, hi: float, hi_in: bool
            ) -> list[Decimal]:
    """One number in each region of ``name``'s thresholds that the interval meets."""
    rlo, rhi = u.ranges.get(name, (None, None))
    if rlo is not None and float(rlo) > lo:
        lo, lo_in = float(rlo), True
    if rhi is not None and float(rhi) < hi:
        hi, hi_in = float(rhi), True
    edges = sorted({float(c) for c in u.cuts.get(name, [])} |
                   {x for x in (lo, hi) if math.isfinite(x)})
    cand = set(edges)
    cand |= {(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)}
    if edges:
        cand |= {edges[0] - 1, edges[-1] + 1}
    if name in u.integers:
        cand = {float(f(x)) for x in cand for f in (math.floor, math.ceil)}
    inside = sorted(x for x in cand
                    if (lo < x or (lo == x and lo_in)) and (x < hi or (x == hi and hi_in)))
    # one number per class of numbers that every comparison the program makes on the fact
    # answers alike (no rule tells two of them apart); a cut no rule compares with (ESSPRI's
    # PASS line) by region: below, at or above it
    tests = u.tests.get(name, [])
    extra = sorted({float(c) for c in u.cuts.get(name, [])} - {c for _, c in tests})
    classes: dict[tuple[object, ...], float] = {}
    for x in inside:
        sig = tuple(_OPS[op](x, c) for op, c in tests) + tuple((x > c) - (x < c)
                                                              for c in extra)
        classes.setdefault(sig, x)
    return [Decimal(repr(x)) for x in classes.values()]


def _interval(inp: Input) -> tuple[float, bool, float, bool]:
    assert inp.value is not None
    v = float(inp.value)
    return {"": (v, True, v, True), "<": (-math.inf, False, v, False),
            "<=": (-math.inf, False, v, True), ">": (v, False, math.inf, False),
            ">=": (v, True, math.inf, False)}[inp.censor]


def completed(u: Universe, inp: Input) -> bool:
    """Whether an unknown input is completed (README "Honest uncertainty"):

    - ``unknown`` (a value exists and is not known): always;
    - ``not_done`` (not assessed): always, except a test of the vocabulary's tests section,
      which was not performed and has no value: where a criterion offers alternative tests
      the item rests on those performed (spec §5.3, AECG's default mode; the 2016 ocular
      staining item, OSS or van Bijsterveld, alike);
    - ``not_reported`` (the source is silent): never. Silence has the readings the spec and
      the rules give it: a domain with nothing recorded is not assessable, an exclusion not
      documented makes the verdict conditional (§4.4, §9.2.8), a finding recorded without a
      cause or a damage statement is rated as an active Sjögren manifestation (§9.2.2).
    """
    if inp.state == "unknown":
        return True
    return inp.state == "not_done" and inp.name not in u.tests_section


def choices(u: Universe, inp: Input, unknowns: bool = True) -> list[Input]:
    """The definite inputs a generated input allows (itself when it is definite). A completed
    unknown input is completed whatever ``unknowns`` says: the engine's contract covers it."""
    if inp.state == "reported" and inp.censor and inp.value is not None:
        return [Input(inp.name, value=x) for x in _points(u, inp.name, *_interval(inp))]
    if inp.state != "reported" and completed(u, inp):
        if inp.name in u.codes:
            # one code per class of codes that every code test of the program on the fact
            # answers alike (as numbers: one per region of its thresholds)
            classes: dict[tuple[bool, ...], str] = {}
            for c in u.codes[inp.name]:
                classes.setdefault(tuple(c in s for s in u.code_tests.get(inp.name, [])), c)
            return [Input(inp.name, code=c) for c in classes.values()]
        return [Input(inp.name, value=x)
                for x in _points(u, inp.name, -math.inf, False, math.inf, False)]
    return [inp]


def completions(u: Universe, inputs: list[Input], unknowns: bool, rng: random.Random
                ) -> list[list[Input]]:
    options = [choices(u, i, unknowns) for i in inputs]
    total = math.prod(len(o) for o in options)
    if total <= MAX_COMPLETIONS:
        return [list(c) for c in itertools.product(*options)]
    # past the bound: every value of every input at least once, the rest sampled
    out = [[o[k % len(o)] for o in options] for k in range(max(len(o) for o in options))]
    while len(out) < MAX_COMPLETIONS:
        out.append([rng.choice(o) for o in options])
    return out


def visit_of(u: Universe, inputs: list[Input]) -> Visit:
    facts = dict(u.base.facts)
    for inp in inputs:
        old = facts[inp.name]
        facts[inp.name] = Fact(old.id, inp.name, inp.state, inp.value, inp.code or None,
                               inp.censor or None, old.unit, integer=inp.name in u.integers)
    return Visit(u.base.case_file, u.base.timepoint, facts,
                 recorded=sorted({i.name for i in inputs} | set(u.base.recorded)))


# --- generation ------------------------------------------------------------------------------

def random_inputs(u: Universe, rng: random.Random) -> list[Input]:
    """A few numeric inputs (exact, censored or unknown) and a few words, the rest not
    reported. Numbers sit on and around the program's thresholds."""
    out: list[Input] = []
    for name in rng.sample(u.numeric, rng.randint(1, 4)):
        roll = rng.random()
        cuts = u.cuts[name]
        base = rng.choice(cuts) + rng.choice([Decimal(0), Decimal("0.5"), Decimal("-0.5"),
                                              Decimal(1), Decimal(-1)])
        if name in u.integers:
            base = base.to_integral_value()
        rlo, rhi = u.ranges.get(name, (None, None))
        if rlo is not None:
            base = max(base, rlo)
        if rhi is not None:
            base = min(base, rhi)
        if roll < 0.15:
            inp = Input(name, state=rng.choice(UNKNOWN_STATES))
        elif roll < 0.75:
            inp = Input(name, value=base, censor=rng.choice(["<", "<=", ">", ">="]))
        else:
            inp = Input(name, value=base)
        if choices(u, inp, True):  # a bound outside the item's range allows nothing
            out.append(inp)
    for name in rng.sample(u.words, rng.randint(0, 4)):
        if rng.random() < 0.2:
            out.append(Input(name, state=rng.choice(UNKNOWN_STATES)))
        else:
            out.append(Input(name, code=rng.choice(u.codes[name])))
    return out


# --- scoring and the hull --------------------------------------------------------------------

@dataclass
class Scored:
    ev: Evaluation
    essdai: dict[str, Any]
    criteria: dict[str, Any]
    esspri: dict[str, Any]


def score(u: Universe, inputs: list[Input]) -> Scored:
    ev = u.sicca.evaluate_visit(visit_of(u, inputs), u.options)
    return Scored(ev, essdai.score(ev, u.sicca).get("essdai", {}),
                  criteria.score(ev, u.sicca)["criteria"],
                  esspri.score(ev, u.sicca).get("esspri", {}))


@dataclass
class Completion:
    """What the oracle reads of a completion's result (``Scored`` without the evaluation)."""

    derived: set[str]
    essdai: dict[str, Any]
    criteria: dict[str, Any]
    esspri: dict[str, Any]


def score_definite(u: Universe, inputs: list[Input]) -> Completion:
    """``score`` for a completion (a definite visit without flags): its ESSDAI and criteria
    results depend on the concluded facts alone, so they are kept per set of conclusions
    (most completions of a run conclude a set seen before), and the backend is run directly
    (a definite visit is one backend run; ``Sicca.evaluate_visit`` would only wrap it). This
    is what lets the slow oracle check 10,000 visits within its budget. A completion met
    before (generated visits share inputs, and hypothesis tries variants of a visit) is
    looked up whole."""
    done = u.completed.get(frozenset(inputs))
    if done is not None:
        STATS["completions_reused"] += 1
        return done
    visit = visit_of(u, inputs)
    facts = [f.engine() for f in visit.facts.values() if f.name in u.inputs]
    assert not any(f["censor"] for f in facts), "a completion must be definite"
    raw = u.sicca.backend.evaluate(facts)
    key = frozenset(raw.derived)
    hit = u.memo.get(key)
    ev = None
    if hit is None:
        ev = u.sicca.wrap(visit, raw, u.options)
        hit = (essdai.score(ev, u.sicca).get("essdai", {}), criteria.score(ev, u.sicca)["criteria"])
        u.memo[key] = hit
    pro: dict[str, Any] = {}
    if any(i.name in u.esspri for i in inputs):  # ESSPRI reads the ratings themselves
        ev = ev or u.sicca.wrap(visit, raw, u.options)
        pro = esspri.score(ev, u.sicca).get("esspri", {})
    out = Completion(raw.derived, hit[0], hit[1], pro)
    if len(u.completed) < 200_000:
        u.completed[frozenset(inputs)] = out
    return out


def check(u: Universe, inputs: list[Input], unknowns: bool = False, seed: int = 0,
          reference: Universe | None = None) -> list[str]:
    """Every way the engine's answer differs from the hull of the completions' answers
    (the completions are scored on ``reference``, by default the same engine)."""
    rng = random.Random(seed)
    got = score(u, inputs)
    ref = reference or u
    todo = completions(u, inputs, unknowns, rng)
    comps = [score_definite(ref, c) for c in todo]
    problems: list[str] = []
    sampled = math.prod(len(choices(u, i, unknowns)) for i in inputs) > MAX_COMPLETIONS
    STATS["visits"] += 1
    if got.ev.approximate or sampled:
        # past MAX_CELLS the engine says its ranges may be loose; past MAX_COMPLETIONS the
        # oracle's sample may miss an end: soundness only (counted, so that a test can bound
        # how often)
        STATS["soundness_only"] += 1
        problems = [p for p in _compare(u, got, comps, inputs)
                    if not p.startswith("not tight")]
        return problems
    return _compare(u, got, comps, inputs)


def _compare(u: Universe, got: Scored, comps: list[Completion], inputs: list[Input]
             ) -> list[str]:
    problems: list[str] = []
    if not (got.ev.approximate and any(i.state != "reported" and completed(u, i)
                                       for i in inputs)):
        problems += _compare_conclusions(u, got, comps)
    return problems + _compare_results(got, comps)


def _compare_conclusions(u: Universe, got: Scored, comps: list[Completion]) -> list[str]:
    """The concluded facts: definite in every completion, possible in some. Not on a visit
    whose unknown inputs had too many cells to split (``approximate``): the three-valued pass
    concludes what the rules say of the unknown *state* (a criteria item ``unknown``), which
    no completion concludes; the contract there is on the instruments' results."""
    problems: list[str] = []
    definite = got.ev.raw.derived
    possible = definite | got.ev.raw.possible
    table = {d["id"]: d["name"] for d in u.sicca.program["derived"]}
    everywhere = set.intersection(*(c.derived for c in comps))
    somewhere = set.union(*(c.derived for c in comps))
    for d in sorted(definite - everywhere):
        problems.append(f"unsound: {table[d]} ({d}) definite but missing in a completion")
    for d in sorted(somewhere - possible):
        problems.append(f"unsound: {table[d]} ({d}) concluded in a completion, not possible")
    for d in sorted((everywhere - definite) | (possible - somewhere)):
        problems.append(f"not tight: {table[d]} ({d})")
    return problems


def _compare_results(got: Scored, comps: list[Completion]) -> list[str]:
    """ESSDAI domain ranges, totals and ``severe``; criteria verdicts and score ranges;
    ESSPRI's range and PASS."""
    problems: list[str] = []
    # ESSDAI domains
    for dom, st in got.essdai.get("domains", {}).items():
        levels = [c.essdai["domains"][dom]["level_min"] for c in comps]
        levels_hi = [c.essdai["domains"][dom]["level_max"] for c in comps]
        lo, hi = min(levels), max(levels_hi)
        if st["level_min"] > lo or st["level_max"] < hi:
            problems.append(f"unsound: essdai {dom} [{st['level_min']}, {st['level_max']}] "
                            f"vs completions [{lo}, {hi}]")
        elif (st["level_min"], st["level_max"]) != (lo, hi):
            problems.append(f"not tight: essdai {dom} [{st['level_min']}, "
                            f"{st['level_max']}] vs completions [{lo}, {hi}]")
    if got.essdai:
        lo = min(c.essdai["min"] for c in comps)
        hi = max(c.essdai["max"] for c in comps)
        if got.essdai["min"] > lo or got.essdai["max"] < hi:
            problems.append(f"unsound: ESSDAI [{got.essdai['min']}, {got.essdai['max']}] vs "
                            f"[{lo}, {hi}]")
        elif (got.essdai["min"], got.essdai["max"]) != (lo, hi):
            problems.append(f"not tight: ESSDAI [{got.essdai['min']}, {got.essdai['max']}] "
                            f"vs [{lo}, {hi}]")
        sev = {c.essdai["severe"] for c in comps}
        if got.essdai["severe"] is not None and sev != {got.essdai["severe"]}:
            problems.append(f"unsound: severe {got.essdai['severe']} vs {sev}")
        elif got.essdai["severe"] is None and len(sev) == 1 and None not in sev:
            problems.append(f"not tight: severe undetermined vs {sev}")
    # criteria: the verdict and the score range
    for name, cs in got.criteria.items():
        verdicts = {c.criteria[name]["verdict"] for c in comps}
        if len(verdicts) > 1 and "exclusions_not_documented" in cs.get("conditional", []):
            # an exclusion present in some completions only is not documented: the verdict
            # is that of its absence, flagged conditional on it (spec §4.4), so the
            # completions where it is present are that condition, not a verdict missed
            verdicts.discard("excluded")
        smin = min(c.criteria[name]["score_min"] for c in comps)
        smax = max(c.criteria[name]["score_max"] for c in comps)
        if cs["verdict"] != "undetermined" and verdicts != {cs["verdict"]}:
            problems.append(f"unsound: {name} {cs['verdict']} vs {sorted(verdicts)}")
        elif cs["verdict"] == "undetermined" and len(verdicts) == 1 \
                and verdicts != {"undetermined"}:
            problems.append(f"not tight: {name} undetermined vs {sorted(verdicts)}")
        if cs["score_min"] > smin or cs["score_max"] < smax:
            problems.append(f"unsound: {name} score [{cs['score_min']}, {cs['score_max']}] "
                            f"vs [{smin}, {smax}]")
        elif (cs["score_min"], cs["score_max"]) != (smin, smax):
            problems.append(f"not tight: {name} score [{cs['score_min']}, {cs['score_max']}] "
                            f"vs [{smin}, {smax}]")
    # ESSPRI: the range holds every completion's mean; PASS decided only when they agree
    if got.esspri.get("state") == "censored":
        for c in comps:
            x = c.esspri.get("score")
            if x is not None and not (got.esspri["score_min"] - Decimal("0.01") <= x
                                      <= got.esspri["score_max"] + Decimal("0.01")):
                problems.append(f"unsound: ESSPRI {x} outside {got.esspri['bounds']}")
        passes = {c.esspri.get("pass") for c in comps}
        if got.esspri["pass"] is not None and passes != {got.esspri["pass"]}:
            problems.append(f"unsound: ESSPRI pass {got.esspri['pass']} vs {passes}")
    return problems


# --- hypothesis ------------------------------------------------------------------------------

def visit_inputs(u: Universe, unknowns: bool = False) -> Any:
    """A hypothesis strategy of generated visits (lists of ``Input``): one to four numbers,
    mostly censored, on and around the program's thresholds, and up to four words. Some are
    unknown; with ``unknowns=False`` only in states no completion fills (``completed``)."""
    from hypothesis import strategies as st

    def states(name: str) -> list[str]:
        return [s for s in UNKNOWN_STATES
                if unknowns or not completed(u, Input(name, state=s))]

    deltas = [Decimal(0), Decimal("0.5"), Decimal("-0.5"), Decimal(1), Decimal(-1)]

    @st.composite
    def number(draw: Any, name: str) -> Input:
        kind = draw(st.sampled_from(["censored"] * 4 + ["exact", "unknown"]))
        if kind == "unknown":
            return Input(name, state=draw(st.sampled_from(states(name))))
        base = draw(st.sampled_from(u.cuts[name])) + draw(st.sampled_from(deltas))
        if name in u.integers:
            base = base.to_integral_value()
        rlo, rhi = u.ranges.get(name, (None, None))
        base = max(base, rlo) if rlo is not None else base
        base = min(base, rhi) if rhi is not None else base
        if kind == "exact":
            return Input(name, value=base)
        return Input(name, value=base, censor=draw(st.sampled_from(["<", "<=", ">", ">="])))

    @st.composite
    def word(draw: Any, name: str) -> Input:
        if draw(st.integers(0, 4)) == 0:
            return Input(name, state=draw(st.sampled_from(states(name))))
        return Input(name, code=draw(st.sampled_from(u.codes[name])))

    @st.composite
    def visit(draw: Any) -> list[Input]:
        nums = draw(st.lists(st.sampled_from(u.numeric), min_size=1, max_size=4, unique=True))
        if u.esspri and draw(st.integers(0, 5)) == 0:  # all three ESSPRI ratings
            nums = [n for n in nums if n not in u.esspri] + u.esspri
        words = draw(st.lists(st.sampled_from(u.words), max_size=4, unique=True))
        out = [draw(number(n)) for n in nums] + [draw(word(n)) for n in words]
        # a bound outside the item's range allows nothing: such an input is left out
        return [i for i in out if choices(u, i, True)]

    return visit()


# --- durable against native ------------------------------------------------------------------

def differ(u: Universe, ref: Universe, inputs: list[Input]) -> list[str]:
    """Every way ``u``'s report of a visit differs from ``ref``'s (the same visit on the other
    backend): conclusions, firings, cells, and what ESSDAI, criteria and ESSPRI report.
    With ``check`` proving native exact against the hull, durable = native proves durable
    exact too, at one engine run per visit instead of one per completion."""
    a, b = score(u, inputs), score(ref, inputs)
    problems: list[str] = []
    if a.ev.raw.canonical() != b.ev.raw.canonical():
        problems.append("conclusions or firings differ")
    if (len(a.ev.cells), a.ev.approximate) != (len(b.ev.cells), b.ev.approximate):
        problems.append(f"cells {len(a.ev.cells)}/{a.ev.approximate} vs "
                        f"{len(b.ev.cells)}/{b.ev.approximate}")
    for part in ("essdai", "criteria", "esspri"):
        if getattr(a, part) != getattr(b, part):
            problems.append(f"{part} differs")
    return problems
