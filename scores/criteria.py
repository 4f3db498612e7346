"""Classification criteria: five-valued verdicts from three-valued items (spec §4.4, §5.3, §6).

The rules conclude, per criteria set ``S``, one state per item (``S.item.<item>`` = positive |
negative | unknown), the entry status (``S.entry``), each exclusion (``S.exclusion.<x>`` =
present | absent | not_documented) and flags (``S.flag.<f>``). Everything else comes from the
rule files' ``meta`` (merged over the set's files):

    meta: {set: acr_eular_2016, verdict: {kind: weighted_sum, threshold: 4}, entry: true,
           items: {focus_score: {weight: 3, label: ...}, ...}, exclusions: {hcv: {label: ...}},
           flags: {isolated_ro52: "..."}}

so a new set that uses an existing verdict kind (weighted_sum | count | aecg) needs only its
YAML and its feature file. Verdict order (spec §4.4): excluded > not_applicable > undetermined
(entry unknown) > met / not_met / undetermined. The arithmetic here never looks at inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sicca.base.errors import EvaluationError, Problem
from sicca.language.loader import RuleFile
from sicca.running.evaluate import Derived, Evaluation, Sicca
from sicca.running.facts import Fact
from sicca.scores.meta import validate_meta

ITEM_STATES = ("positive", "negative", "unknown")
EXCLUSION_STATES = ("present", "absent", "not_documented")
VERDICTS = ("met", "not_met", "undetermined", "excluded", "not_applicable")

States = dict[str, str]
Core = tuple[str, int, int, dict[str, Any]]  # verdict, score_min, score_max, detail


# --- meta ------------------------------------------------------------------------------------

class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Labelled(_Meta):
    label: str | None = None


class ItemMeta(_Labelled):
    weight: int | None = None
    roman: str | None = None
    objective: bool | None = None


class _RuleA(_Meta):
    min_items: int
    requires_any: list[str]


class _RuleB(_Meta):
    min_objective: int


class _Secondary(_Meta):
    requires_any: list[str]
    of: list[str]
    min_of: int


class VerdictMeta(_Meta):
    kind: Literal["weighted_sum", "count", "aecg"]
    threshold: int | None = None
    rule_a: _RuleA | None = None
    rule_b: _RuleB | None = None
    secondary: _Secondary | None = None


class _Associated(_Labelled):
    fact: str


class CriteriaMeta(_Meta):
    """The ``meta:`` of one file of a criteria set (the set's files are merged)."""

    order: int | None = None
    set: str | None = None
    label: str | None = None
    verdict: VerdictMeta | None = None
    entry: bool | _Labelled | None = None
    items: dict[str, ItemMeta] | None = None
    exclusions: dict[str, _Labelled] | None = None
    flags: dict[str, str] | None = None
    #: flags that, when raised, make the verdict conditional (named in ``conditional[]``)
    conditional_flags: list[str] | None = None
    associated_disease: _Associated | None = None


def meta_problems(files: Sequence[RuleFile], name: str) -> list[Problem]:
    """Every problem in the meta of criteria set ``name`` (E363), located at the meta key."""
    problems: list[Problem] = []
    mine = [f for f in files if f.ruleset == name]
    metas = [(f, validate_meta(CriteriaMeta, f, code="E363", problems=problems)) for f in mine]
    if problems:
        return problems
    verdicts = [(f, m.verdict) for f, m in metas if m is not None and m.verdict is not None]
    if not verdicts:
        where = mine[0].src.problem((), f"criteria set '{name}' declares no meta.verdict",
                                    code="E363") if mine else \
            Problem(f"no rule set '{name}' is loaded", code="E363")
        return [where]
    f, v = verdicts[-1]
    needs = {"weighted_sum": ("threshold",), "count": ("threshold",),
             "aecg": ("rule_a", "rule_b")}[v.kind]
    for key in needs:
        if getattr(v, key) is None:
            problems.append(f.src.problem(("meta", "verdict"), f"a '{v.kind}' verdict needs "
                                          f"'{key}'", code="E363"))
    if not any(m is not None and m.items for _, m in metas):
        problems.append(f.src.problem(("meta",), f"criteria set '{name}' has no meta.items",
                                      code="E363"))
    return problems


def set_meta(sicca: Sicca, ruleset: str) -> dict[str, Any]:
    """The meta of every file of ``ruleset`` merged (mappings merged one level deep)."""
    out: dict[str, Any] = {}
    for m in sicca.meta(ruleset):
        for k, v in m.items():
            if k == "_file":
                continue
            if isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = {**out[k], **v}
            else:
                out[k] = v
    return out


def criteria_sets(sicca: Sicca) -> list[str]:
    """Rule sets whose meta declares a verdict, by meta ``order`` then name."""
    result: list[str] = sicca.memo("criteria.sets", lambda: _criteria_sets(sicca))
    return result


def _criteria_sets(sicca: Sicca) -> list[str]:
    metas = {r["name"]: set_meta(sicca, r["name"]) for r in sicca.rulesets()}
    return sorted((n for n, m in metas.items() if "verdict" in m),
                  key=lambda n: (int(metas[n].get("order", 99)), n))


# --- verdict kinds (pure arithmetic on item states) -----------------------------------------

def _threshold(states: States, weights: Mapping[str, int], threshold: int) -> Core:
    smin = sum(weights[i] for i, s in states.items() if s == "positive")
    smax = smin + sum(weights[i] for i, s in states.items() if s == "unknown")
    verdict = "met" if smin >= threshold else "not_met" if smax < threshold else "undetermined"
    return verdict, smin, smax, {"threshold": threshold}


def weighted_sum(states: States, meta: Mapping[str, Any]) -> Core:
    """2016 ACR/EULAR: Σ weights of positive items (min) to + Σ weights of unknown ones (max)."""
    weights = {i: int(meta["items"][i].get("weight", 1)) for i in states}
    return _threshold(states, weights, int(meta["verdict"]["threshold"]))


def count(states: States, meta: Mapping[str, Any]) -> Core:
    """2012 ACR: number of positive items against a threshold (spec §6)."""
    return _threshold(states, dict.fromkeys(states, 1), int(meta["verdict"]["threshold"]))


def aecg(states: States, meta: Mapping[str, Any], secondary: bool = False) -> Core:
    """AECG 2002: rules (a) and (b) (or the secondary rule), pessimistic and optimistic (§5.3)."""
    v = meta["verdict"]
    objective = [i for i, m in meta["items"].items() if m.get("objective")]

    def holds(assume: str) -> list[str]:  # assume: what an unknown item is taken to be
        pos = {i for i, s in states.items()
               if s == "positive" or (s == "unknown" and assume == "positive")}
        if secondary:
            sec = v["secondary"]
            ok = any(i in pos for i in sec["requires_any"]) and \
                sum(i in pos for i in sec["of"]) >= int(sec["min_of"])
            return ["secondary"] if ok else []
        out = []
        a, b = v["rule_a"], v["rule_b"]
        if len(pos) >= int(a["min_items"]) and any(i in pos for i in a["requires_any"]):
            out.append("a")
        if sum(i in pos for i in objective) >= int(b["min_objective"]):
            out.append("b")
        return out

    pess, opt = holds("negative"), holds("positive")
    verdict = "met" if pess else "not_met" if not opt else "undetermined"
    smin = sum(s == "positive" for s in states.values())
    smax = smin + sum(s == "unknown" for s in states.values())
    return verdict, smin, smax, {"rules_met": pess, "rules_possible": opt,
                                 "classification": "secondary SS" if secondary else "primary SS"}


KINDS: dict[str, Callable[..., Core]] = {"weighted_sum": weighted_sum, "count": count,
                                         "aecg": aecg}


def verdict_of(meta: Mapping[str, Any], states: States, entry: str | None,
               exclusions: Mapping[str, str], secondary: bool = False) -> Core:
    """The full verdict: excluded > not_applicable > undetermined (entry unknown) > the kind."""
    kind = meta["verdict"]["kind"]
    fn = KINDS[kind]
    core = fn(states, meta, secondary) if kind == "aecg" else fn(states, meta)
    verdict, smin, smax, detail = core
    if any(s == "present" for s in exclusions.values()):
        return "excluded", smin, smax, detail
    if entry == "negative":
        return "not_applicable", smin, smax, detail
    if entry == "unknown":
        return "undetermined", smin, smax, detail
    return verdict, smin, smax, detail


# --- reading the evaluation -----------------------------------------------------------------

def _one_state(ev: Evaluation, fact: str, allowed: tuple[str, ...]) -> str:
    """The one state the rules concluded. With a censored input the rules may leave it open
    (possible conclusions): one value possible and nothing else -> that value; several
    -> the set's unknown state (the last of ``allowed``: unknown / not_documented)."""
    got = [str(v) for v in ev.values(fact)]
    maybe = [str(v) for v in ev.possible_values(fact)]
    if maybe and len(got) <= 1 and all(v in allowed for v in got + maybe):
        vals = set(got) | set(maybe)
        return vals.pop() if len(vals) == 1 else allowed[-1]
    if len(got) != 1 or got[0] not in allowed:
        raise EvaluationError(Problem(
            f"'{fact}' concluded {got or 'nothing'} at {ev.timepoint}", code="E401",
            expected=f"exactly one of {' | '.join(allowed)}",
            hint="the rules for this fact must cover every input state exactly once: "
                 + ", ".join(ev.rules_for(fact)) if got else "no rule fired for it"))
    return got[0]


def _possible_rules(ev: Evaluation, fact: str) -> list[str]:
    """The rules that may conclude ``fact`` (its state left open by a censored input)."""
    return ev.possible_rules_for(fact)


def _input_flags(f: Fact) -> set[str]:
    """inferred / hypothetical (flags of the record) and interpreted (a ``.interpreted``
    attribute answered yes) of one input fact."""
    if not f.flags and f.code != "yes":  # most inputs: nothing to look at
        return set()
    got = {k for k in ("inferred", "hypothetical") if f.flags.get(k) is True}
    if f.name.endswith(".interpreted") and f.code == "yes":
        got.add("interpreted")
    return got


def _derived_flags(ev: Evaluation, d: Derived, memo: dict[str, frozenset[str]],
                   open_: set[str]) -> frozenset[str]:
    """The flags ``d`` rests on: those under *every* firing (another firing without them would
    conclude the same), each firing collecting its inputs' flags and its chains'. Walks the
    firings directly (no trace is built); each conclusion is worked out once per visit.
    A conclusion that (through a cyclic stratum) reads itself adds nothing to itself."""
    hit = memo.get(d.id)
    if hit is not None:
        return hit
    open_.add(d.id)
    per_firing: list[set[str]] = []
    for firing in d.firings:
        got: set[str] = set()
        for fid in firing.matched:
            obj = ev.lookup(fid)
            if isinstance(obj, Derived):
                if obj.id not in open_:
                    got |= _derived_flags(ev, obj, memo, open_)
            elif obj is not None:
                got |= _input_flags(obj)
        per_firing.append(got)
    open_.discard(d.id)
    out = frozenset(set.intersection(*per_firing)) if per_firing else frozenset()
    memo[d.id] = out
    return out


def any_flagged(ev: Evaluation) -> bool:
    """Whether any recorded input of the visit is inferred, interpreted or hypothetical (if
    none is, no conclusion can rest on one and the walk is skipped)."""
    facts = ev.visit.facts
    for n in ev.visit.recorded:
        if _input_flags(facts[n]):
            return True
    return False


def _rests_on(ev: Evaluation, fact: str, state: str,
              memo: dict[str, frozenset[str]] | None = None,
              flagged: bool = True) -> dict[str, bool]:
    """Whether a conclusion rests on inferred / interpreted / hypothetical inputs."""
    if not flagged:
        return dict.fromkeys(("inferred", "interpreted", "hypothetical"), False)
    memo = {} if memo is None else memo
    flags: set[str] = set()
    for d in ev.conclusions(fact, state):
        flags |= _derived_flags(ev, d, memo, set())
    return {k: k in flags for k in ("inferred", "interpreted", "hypothetical")}


def _decides(current: str, if_pos: str, if_neg: str) -> str:
    parts = []
    if if_pos != current:
        parts.append(f"positive would give {if_pos}")
    if if_neg != current:
        parts.append(f"negative would give {if_neg}")
    return ", ".join(parts) if parts else "not decisive alone"


def evaluate_set(ev: Evaluation, name: str, meta: Mapping[str, Any],
                 memo: dict[str, frozenset[str]] | None = None,
                 flagged: bool | None = None) -> dict[str, Any]:
    """One criteria set at one timepoint: items, entry, exclusions, verdict, missing, flags
    (``memo``, ``flagged``: shared by the sets of one evaluation, see ``score``)."""
    kind = meta["verdict"]["kind"]
    weighted = kind == "weighted_sum"
    items: dict[str, dict[str, Any]] = {}
    states: States = {}
    rests: dict[str, dict[str, bool]] = {}
    memo = {} if memo is None else memo
    flagged = any_flagged(ev) if flagged is None else flagged
    for item, im in meta["items"].items():
        fact = f"{name}.item.{item}"
        state = _one_state(ev, fact, ITEM_STATES)
        states[item] = state
        weight = int(im.get("weight", 1))
        rests[item] = _rests_on(ev, fact, state, memo, flagged)
        items[item] = {"state": state,
                       "points": (weight if state == "positive" else 0) if weighted else
                       (1 if state == "positive" else 0),
                       "rules": ev.rules_for(fact, state) or _possible_rules(ev, fact),
                       "label": im.get("label", item)}
        if weighted:
            items[item]["weight"] = weight
        if "roman" in im:
            items[item]["roman"] = im["roman"]
        for k in ("inferred", "interpreted", "hypothetical"):
            if rests[item][k]:
                items[item][k] = True
    out: dict[str, Any] = {"label": meta.get("label", name)}
    entry: str | None = None
    if meta.get("entry"):
        entry = _one_state(ev, f"{name}.entry", ITEM_STATES)
        rests["entry"] = _rests_on(ev, f"{name}.entry", entry, memo, flagged)
        out["entry"] = {"state": entry, "rules": ev.rules_for(f"{name}.entry", entry)}
        for k in ("inferred", "interpreted", "hypothetical"):
            if rests["entry"][k]:
                out["entry"][k] = True
    exclusions: dict[str, str] = {}
    excl_rules: list[str] = []
    for x in meta.get("exclusions", {}):
        fact = f"{name}.exclusion.{x}"
        exclusions[x] = _one_state(ev, fact, EXCLUSION_STATES)
        excl_rules += ev.rules_for(fact, exclusions[x])
    secondary = False
    assoc_state = None
    if "associated_disease" in meta:
        assoc_state = _one_state(ev, meta["associated_disease"]["fact"], EXCLUSION_STATES)
        secondary = assoc_state == "present"

    def full(st: States, en: str | None) -> Core:
        return verdict_of(meta, st, en, exclusions, secondary)

    verdict, smin, smax, detail = full(states, entry)
    missing: list[dict[str, Any]] = []
    if verdict == "undetermined":
        for item, state in states.items():
            if state != "unknown":
                continue
            vp = full({**states, item: "positive"}, entry)[0]
            vn = full({**states, item: "negative"}, entry)[0]
            row: dict[str, Any] = {"item": item, "if_positive": vp, "if_negative": vn,
                                   "decides": _decides(verdict, vp, vn)}
            if weighted:
                row["points"] = items[item]["weight"]
            missing.append(row)
        if entry == "unknown":
            vp = full(states, "positive")[0]
            missing.append({"item": "entry", "if_positive": vp, "if_negative": "not_applicable",
                            "decides": _decides(verdict, vp, "not_applicable")})
    conditional: list[str] = []
    if verdict != "excluded" and any(s == "not_documented" for s in exclusions.values()):
        conditional.append("exclusions_not_documented")
    if assoc_state == "not_documented" and verdict != "excluded":
        conditional.append("associated_disease_not_documented")
    lists: dict[str, list[str]] = {}
    for k, tag in (("inferred", "inferred_from_narrative"),
                   ("interpreted", "interpreted_focus_score"),
                   ("hypothetical", "hypothetical_values")):
        resting = [i for i, r in rests.items() if r[k]]
        lists[k] = resting
        if not resting:
            continue
        # the verdict rests on them when it would differ with those items unknown
        st = {i: ("unknown" if i in resting else s) for i, s in states.items()}
        en = "unknown" if "entry" in resting else entry
        if k == "hypothetical" or full(st, en)[0] != verdict:
            conditional.append(tag)
    flags = [f for f in meta.get("flags", {}) if ev.has(f"{name}.flag.{f}")]
    conditional += [f"conditional_on_{f}" for f in flags
                    if f in (meta.get("conditional_flags") or []) and verdict != "excluded"]
    rules: list[str] = []
    for it in items.values():
        rules += it["rules"]
    if "entry" in out:
        rules += out["entry"]["rules"]
    rules += excl_rules
    if assoc_state is not None:
        rules += ev.rules_for(meta["associated_disease"]["fact"], assoc_state)
    for f in flags:
        rules += ev.rules_for(f"{name}.flag.{f}")
    out.update({
        "verdict": verdict, "score_min": smin, "score_max": smax,
        "items": items, "missing": missing, "conditional": conditional,
        "rules": list(dict.fromkeys(rules)),
        "exclusions": exclusions,
        "flags": [{"flag": f, "message": meta["flags"][f]} for f in flags],
        "inferred": lists["inferred"], "interpreted": lists["interpreted"],
        "hypothetical": lists["hypothetical"],
    })
    if kind == "aecg":
        out["classification"] = detail["classification"]
        out["rules_met"] = detail["rules_met"]
        out["associated_disease"] = assoc_state
    else:
        out["threshold"] = detail["threshold"]
    return out


def score(ev: Evaluation, sicca: Sicca) -> dict[str, Any]:
    """The ``criteria`` key of a timepoint's JSON: one entry per criteria set."""
    metas: dict[str, dict[str, Any]] = sicca.memo(
        "criteria.metas", lambda: {n: set_meta(sicca, n) for n in criteria_sets(sicca)})
    memo: dict[str, frozenset[str]] = {}
    flagged = any_flagged(ev)
    return {"criteria": {n: score_set(ev, n, m, memo, flagged) for n, m in metas.items()}}


def score_set(ev: Evaluation, name: str, meta: Mapping[str, Any],
              memo: dict[str, frozenset[str]], flagged: bool) -> dict[str, Any]:
    """One criteria set's result (``evaluate_set``), its verdict and score range taken over
    the cells of an uncertain value when the visit was split (``_hull_verdict``)."""
    out = evaluate_set(ev, name, meta, memo, flagged)
    if ev.cells:
        _hull_verdict(out, [_cell_verdict(c, name, meta) for c in ev.cells])
    return out


def _cell_verdict(ev: Evaluation, name: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """Verdict and score range of one criteria set on one cell (``evaluate_set`` without
    the explanations: a cell only feeds the hull)."""
    states: States = {item: _one_state(ev, f"{name}.item.{item}", ITEM_STATES)
                      for item in meta["items"]}
    entry = _one_state(ev, f"{name}.entry", ITEM_STATES) if meta.get("entry") else None
    exclusions = {x: _one_state(ev, f"{name}.exclusion.{x}", EXCLUSION_STATES)
                  for x in meta.get("exclusions", {})}
    secondary = "associated_disease" in meta and _one_state(
        ev, meta["associated_disease"]["fact"], EXCLUSION_STATES) == "present"
    verdict, smin, smax, _ = verdict_of(meta, states, entry, exclusions, secondary)
    return {"verdict": verdict, "score_min": smin, "score_max": smax}


def _hull_verdict(got: dict[str, Any], cells: list[dict[str, Any]]) -> None:
    """The verdict and score range over the cells of a visit's censored values (each a
    definite evaluation): one verdict when every cell gives it, else ``undetermined``; the
    score range from the lowest to the highest cell (exact where the items alone, judged
    one by one, would leave it wider). An exclusion present in some cells only is not
    documented (spec §4.4): the verdict is that of the other cells, and ``conditional`` (from
    the merged conclusions) says it rests on the exclusion's absence."""
    verdicts = {c["verdict"] for c in cells}
    if len(verdicts) > 1:
        verdicts.discard("excluded")
    got["score_min"] = min(c["score_min"] for c in cells)
    got["score_max"] = max(c["score_max"] for c in cells)
    if len(verdicts) == 1:
        got["verdict"] = verdicts.pop()
        if got["verdict"] != "undetermined":
            got["missing"] = []
    else:
        got["verdict"] = "undetermined"
