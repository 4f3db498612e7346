"""ESSDAI and ClinESSDAI: domain states, totals with ranges, categories (clinical-spec §1, §2).

Generic over the domains: every file of the ``essdai`` rule set whose ``meta`` has a ``domain``
is one domain (weight, ClinESSDAI weight, allowed levels). Rules conclude
``essdai.<domain>.level`` (1-3) and ``essdai.<domain>.assessment`` (``not_assessable`` |
``assumed_absent``); this module only reads them:

- a level fired            -> ``rated`` at the highest level concluded;
- ``essdai.<domain>.level_possible`` above the level fired (missing data leave a higher level
  open) -> ``partly_assessable``: level = the level met (documented), bounds level .. possible;
- else ``not_assessable``  -> level null, bounds 0 .. the domain's maximum level;
- else ``assumed_absent``  -> level 0, labelled;
- else                     -> ``rated`` 0 (data present, nothing met).

Totals are exact (Decimal): ``documented`` counts not-assessable domains as 0 (and says so),
``min``/``max`` bound the unknown domains. Nothing missing is counted as 0 without a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from sicca.base.errors import InputError, Problem
from sicca.language.loader import RuleFile
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores.meta import validate_meta

RULESET = "essdai"

#: The spec's invariants (§1.2, §10.1): ESSDAI weights, and the levels each domain may take.
SPEC_WEIGHTS = {"constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
                "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
                "haematological": 2, "biological": 1}
SPEC_MAX = Decimal(123)
NO_HIGH = ("constitutional", "glandular", "biological")
NO_LOW = ("cns",)

#: Activity categories (S4 abstract, §1.5): < 5 low, 5-13 moderate, >= 14 high. ClinESSDAI
#: borrows them provisionally [UNVERIFIED, §2].
MODERATE_FROM = Decimal(5)
HIGH_FROM = Decimal(14)
#: EULAR 2020 "severe systemic disease" (S17): ESSDAI > 14, or any domain at its high level.
SEVERE_ABOVE = Decimal(14)
#: The "high" activity level of a domain (S17's "any domain at high level").
HIGH_LEVEL = 3
CLIN_WEIGHTS_STATUS = "weights: S6, pending primary-source check (clinical-spec §2)"
CLIN_CATEGORY_STATUS = "categories borrowed from ESSDAI, unverified for ClinESSDAI (spec §2)"
DOCUMENTED_LABEL = "not-assessable domains counted as 0"
UNDETERMINED_LABEL = "undetermined domains (censored values) counted at their lowest level"
PARTLY_LABEL = "partly assessable domains counted at the level met"


@dataclass(frozen=True)
class Domain:
    """One ESSDAI domain as its rule file's ``meta`` describes it."""

    name: str
    weight: Decimal
    clin_weight: Decimal | None
    levels: tuple[int, ...]
    file: str

    @property
    def max_level(self) -> int:
        return max(self.levels)


class DomainMeta(BaseModel):
    """The ``meta:`` of an ``essdai`` rule file: a domain's weights and levels, or nothing
    (a file of the set that rates no domain, e.g. validity.yaml)."""

    model_config = ConfigDict(extra="forbid")

    domain: str | None = None
    weight: Decimal | None = None
    clinessdai_weight: Decimal | None = None
    levels: list[int] | None = None
    clinessdai_weights_status: str | None = None
    #: the display names of ESSDAI and ClinESSDAI (reports, text views), in one file of the set
    title: str | None = None
    clinessdai_title: str | None = None
    #: words the text views and reports print for this set's outputs (``severe``, ``mcii``,
    #: ``scope``): clinical wording lives in the pack, not in the renderers
    terms: dict[str, str] | None = None


def _files(files: Sequence[RuleFile]) -> list[RuleFile]:
    return [f for f in files if f.ruleset == RULESET]


def meta_problems(files: Sequence[RuleFile], program: dict[str, Any] | None) -> list[Problem]:
    """Every problem in the ``essdai`` meta (E360) and in what its rules conclude (E361),
    located at the offending meta key or rule."""
    problems: list[Problem] = []
    domains_from(files, problems)
    problems += _title_problems(files)
    if not problems and program is not None:
        problems += conclusion_problems(program, domains_from(files, []))
    return problems


def _title_problems(files: Sequence[RuleFile]) -> list[Problem]:
    """A display name (``title``, ``clinessdai_title``) is declared in one file of the set."""
    first: dict[str, RuleFile] = {}
    problems: list[Problem] = []
    for rf in _files(files):
        for key in ("title", "clinessdai_title"):
            if rf.meta.get(key) is not None:
                if key in first:
                    problems.append(rf.src.problem(
                        ("meta", key), f"meta.{key} is declared twice in rule set "
                        f"'{RULESET}'", code="E360", hint=f"first in {first[key].src.file}"))
                first.setdefault(key, rf)
    return problems


def domains_from(files: Sequence[RuleFile], problems: list[Problem]) -> list[Domain]:
    """The domains the ``essdai`` files describe, in spec order; problems added to
    ``problems`` (a domain with a problem is left out)."""
    out: list[Domain] = []
    srcs: dict[str, RuleFile] = {}
    for rf in _files(files):
        m = validate_meta(DomainMeta, rf, code="E360", problems=problems)
        if m is None or m.domain is None:
            continue
        if m.weight is None:
            problems.append(rf.src.problem(("meta",), f"domain '{m.domain}' needs meta.weight",
                                           code="E360"))
            continue
        if not m.levels or 0 not in m.levels:
            problems.append(rf.src.problem(("meta", "levels"), f"domain '{m.domain}' needs "
                                           "meta.levels including 0", code="E360"))
            continue
        d = Domain(m.domain, m.weight, m.clinessdai_weight, tuple(m.levels), rf.rel)
        before = len(problems)
        problems += _invariant_problems(d, rf, srcs.get(d.name))
        srcs.setdefault(d.name, rf)
        if len(problems) == before:
            out.append(d)
    order = list(SPEC_WEIGHTS)
    out.sort(key=lambda d: (order.index(d.name) if d.name in order else len(order), d.name))
    if not problems and {d.name for d in out} == set(SPEC_WEIGHTS):
        total = sum((d.weight * d.max_level for d in out), Decimal(0))
        if total != SPEC_MAX:
            problems.append(srcs[out[0].name].src.problem(
                ("meta", "weight"), f"the ESSDAI maximum is {total}", code="E360",
                expected=str(SPEC_MAX), found=str(total)))
    return out


def _invariant_problems(d: Domain, rf: RuleFile, first: RuleFile | None) -> list[Problem]:
    """Spec §10.1 for one domain: its weight and its missing high or low level."""
    if first is not None:
        return [rf.src.problem(("meta", "domain"), f"domain '{d.name}' is defined twice",
                               code="E360", hint=f"first defined in {first.src.file}")]
    if d.name in SPEC_WEIGHTS and d.weight != SPEC_WEIGHTS[d.name]:
        return [rf.src.problem(("meta", "weight"), f"domain '{d.name}' has weight {d.weight}",
                               code="E360", expected=str(SPEC_WEIGHTS[d.name]),
                               found=str(d.weight))]
    if d.name in NO_HIGH and 3 in d.levels:
        return [rf.src.problem(("meta", "levels"),
                               f"domain '{d.name}' has no high level (spec §1.2)", code="E360",
                               expected="levels [0, 1, 2]", found=str(list(d.levels)))]
    if d.name in NO_LOW and 1 in d.levels:
        return [rf.src.problem(("meta", "levels"),
                               f"domain '{d.name}' has no low level (spec §1.2)", code="E360",
                               expected="levels [0, 2, 3]", found=str(list(d.levels)))]
    return []


def domains(sicca: Sicca) -> list[Domain]:
    """The domains of the loaded ``essdai`` rule set, validated against the spec's invariants
    (an InputError listing every problem otherwise)."""
    problems = meta_problems(sicca.compiled.files, sicca.program)
    if problems:
        raise InputError(problems)
    return domains_from(sicca.compiled.files, [])


def conclusion_problems(program: dict[str, Any], ds: list[Domain]) -> list[Problem]:
    """A rule concluding a level its domain does not have is an error (e.g. CNS level 1)."""
    table = {d["id"]: d for d in program["derived"]}
    by_name = {f"{RULESET}.{d.name}.level": d for d in ds}
    levels = {d.name: [Decimal(x) for x in d.levels] for d in ds}  # once, not once per rule
    out: list[Problem] = []
    for rule in program["rules"]:
        concl = table[rule["then"]]
        dom = by_name.get(concl["name"])
        if dom is None:
            continue
        value = Decimal(concl["value"]) if concl["value"] is not None else None
        if value is None or value not in levels[dom.name] or value == 0:
            file, line, col = _split_loc(str(rule["loc"]))
            out.append(Problem(
                f"rule '{rule['id']}' concludes level {concl['value'] or concl['code']} for "
                f"domain '{dom.name}'", file=file, line=line, col=col, rule=rule["id"],
                code="E361", expected=f"one of {[x for x in dom.levels if x]}"))
    return out


def _split_loc(loc: str) -> tuple[str, int | None, int | None]:
    parts = loc.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    return loc, None, None


def _domains_cached(sicca: Sicca) -> list[Domain]:
    result: list[Domain] = sicca.memo("essdai.domains", lambda: domains(sicca))
    return result


def category(total: Decimal | None) -> str | None:
    if total is None:
        return None
    if total >= HIGH_FROM:
        return "high"
    return "moderate" if total >= MODERATE_FROM else "low"


def domain_state(ev: Evaluation, d: Domain) -> dict[str, Any]:
    """State, level and bounds of one domain, with the rule ids behind them.

    Definite conclusions give the state as before; conclusions that only *may* hold (a
    censored value its interval does not decide) widen the bounds: ``level_max`` is the
    highest level possibly concluded (the domain's maximum when not_assessable may hold).
    When they do, the state is ``undetermined`` and ``level`` is null."""
    if ev.cells:
        return _hull_state([_definite_state(c, d) for c in ev.cells])
    st = _definite_state(ev, d)
    if not ev.possible:
        return st
    name = f"{RULESET}.{d.name}"
    # a level, or a level left open by missing data (level_possible), that may be concluded
    maybe = [int(v) for n in (f"{name}.level", f"{name}.level_possible")
             for v in ev.possible_values(n) if isinstance(v, Decimal)]
    hi = max([st["level_max"]] + maybe)
    if ev.may(f"{name}.assessment", "not_assessable"):
        hi = d.max_level
    lo = st["level_min"]
    if ev.may(f"{name}.assessment", "assumed_absent") or st["state"] == "not_assessable":
        lo = 0
    if (lo, hi) == (st["level_min"], st["level_max"]):
        return st
    rules = list(dict.fromkeys(st["rules"] + ev.possible_rules_for(f"{name}.level")
                               + ev.possible_rules_for(f"{name}.level_possible")
                               + ev.possible_rules_for(f"{name}.assessment")))
    return {"state": "undetermined", "level": None, "level_min": lo, "level_max": hi,
            "rules": rules, "flags": st["flags"],
            "reason": "an uncertain value (censored or unknown) does not decide the level"}


def _hull_state(states: list[dict[str, Any]]) -> dict[str, Any]:
    """The domain over the cells of a visit's censored values (each a definite evaluation):
    their common state when they agree, else ``undetermined`` over the hull of their levels
    (exact: each end is reached by some cell)."""
    rules = list(dict.fromkeys(r for st in states for r in st["rules"]))
    flags = sorted({f for st in states for f in st["flags"]})
    first = states[0]
    key = ("state", "level", "level_min", "level_max")
    if all(all(st[k] == first[k] for k in key) for st in states):
        return dict(first, rules=rules, flags=flags)
    return {"state": "undetermined", "level": None,
            "level_min": min(st["level_min"] for st in states),
            "level_max": max(st["level_max"] for st in states),
            "rules": rules, "flags": flags,
            "reason": "an uncertain value (censored or unknown) does not decide the level"}


def _definite_state(ev: Evaluation, d: Domain) -> dict[str, Any]:
    name = f"{RULESET}.{d.name}"
    levels = [int(v) for v in ev.values(f"{name}.level") if isinstance(v, Decimal)]
    flags = sorted({str(v) for v in ev.values(f"{name}.flag")})
    possible = [int(v) for v in ev.values(f"{name}.level_possible") if isinstance(v, Decimal)]
    lvl = max(levels) if levels else 0
    if possible and max(possible) > lvl:
        # a level is met (or none), and missing data leave a higher one open: a range, with
        # the level met as the documented one (labelled), never a definite rating
        top = max(possible)
        return {"state": "partly_assessable", "level": lvl, "level_min": lvl,
                "level_max": top,
                "rules": (ev.rules_for(f"{name}.level", lvl) if levels else [])
                + ev.rules_for(f"{name}.level_possible", top), "flags": flags,
                "reason": f"level {lvl} is met; missing data leave level {top} possible"}
    if levels:
        return {"state": "rated", "level": lvl, "level_min": lvl, "level_max": lvl,
                "rules": ev.rules_for(f"{name}.level", lvl), "flags": flags}
    if ev.has(f"{name}.assessment", "not_assessable"):
        return {"state": "not_assessable", "level": None, "level_min": 0,
                "level_max": d.max_level,
                "rules": ev.rules_for(f"{name}.assessment", "not_assessable"), "flags": flags,
                "reason": "the data this domain needs are missing"}
    if ev.has(f"{name}.assessment", "assumed_absent"):
        return {"state": "assumed_absent", "level": 0, "level_min": 0, "level_max": 0,
                "rules": ev.rules_for(f"{name}.assessment", "assumed_absent"), "flags": flags,
                "reason": "nothing reported; the record states no involvement"}
    return {"state": "rated", "level": 0, "level_min": 0, "level_max": 0, "rules": [],
            "flags": flags}


def total(ev: Evaluation, ds: list[Domain], clin: bool,
          states: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One instrument's totals: documented, min, max, categories, severe, per-domain points
    (``states``: the domain states when already worked out, as ESSDAI and ClinESSDAI share
    them)."""
    doms: dict[str, Any] = {}
    documented = lo = hi = Decimal(0)
    high_now = high_possible = False
    for d in ds:
        w = d.clin_weight if clin else d.weight
        if w is None:
            continue
        st = states[d.name] if states is not None else domain_state(ev, d)
        pts = w * st["level"] if st["level"] is not None else None
        doms[d.name] = dict(st, weight=w, points=pts, points_min=w * st["level_min"],
                            points_max=w * st["level_max"])
        if pts is not None:
            documented += pts
        elif st["state"] == "undetermined":  # at least its lowest level, for certain
            documented += w * st["level_min"]
        lo += w * st["level_min"]
        hi += w * st["level_max"]
        has_high = HIGH_LEVEL in d.levels
        high_now |= has_high and st["level_min"] == HIGH_LEVEL
        high_possible |= has_high and st["level_max"] == HIGH_LEVEL
    cat_lo, cat_hi = category(lo), category(hi)
    na = [n for n, x in doms.items() if x["state"] == "not_assessable"]
    und = [n for n, x in doms.items() if x["state"] == "undetermined"]
    partly = [n for n, x in doms.items() if x["state"] == "partly_assessable"]
    label = "; ".join(([DOCUMENTED_LABEL] if na else []) + ([PARTLY_LABEL] if partly else [])
                      + ([UNDETERMINED_LABEL] if und else []))
    out: dict[str, Any] = {
        "documented": documented, "min": lo, "max": hi,
        "documented_label": label or None,
        "not_assessable": na,
        "partly_assessable": partly,
        "category": category(documented), "category_min": cat_lo, "category_max": cat_hi,
        "category_determined": cat_lo == cat_hi,
    }
    if und:
        out["undetermined"] = und
    if not clin:
        sev_lo = lo > SEVERE_ABOVE or high_now
        sev_hi = hi > SEVERE_ABOVE or high_possible
        out["severe"] = sev_lo if sev_lo == sev_hi else None
        out["severe_documented"] = documented > SEVERE_ABOVE or high_now
        out["severe_determined"] = sev_lo == sev_hi
        out["severe_definition"] = "EULAR 2020 (S17): ESSDAI > 14 or any domain at high level"
    else:
        out["severe"] = None  # same shape as ESSDAI; S17 defines "severe" on ESSDAI only
        out["severe_state"] = "not_defined_for_clinessdai"
        out["weights_status"] = CLIN_WEIGHTS_STATUS
        out["category_status"] = CLIN_CATEGORY_STATUS
    out["domains"] = doms
    return out


def score(ev: Evaluation, sicca: Sicca) -> dict[str, Any]:
    """The ``essdai`` and ``clinessdai`` keys of one timepoint's JSON."""
    ds = _domains_cached(sicca)
    if not ds:
        return {}
    states = {d.name: domain_state(ev, d) for d in ds}
    ess = total(ev, ds, clin=False, states=states)
    clin = total(ev, ds, clin=True, states=states)
    if ev.cells:  # the totals' hull over the cells (one value may move several domains)
        per = [{d.name: _definite_state(c, d) for d in ds} for c in ev.cells]
        _hull_total(ess, [total(c, ds, False, st) for c, st in zip(ev.cells, per, strict=True)])
        _hull_total(clin, [total(c, ds, True, st) for c, st in zip(ev.cells, per, strict=True)])
    ess["warnings"] = sorted({str(v) for v in ev.values(f"{RULESET}.warning")})
    ess["warning_rules"] = ev.rules_for(f"{RULESET}.warning")
    ess["options"] = dict(ev.options)
    return {"essdai": ess, "clinessdai": clin}


def _hull_total(got: dict[str, Any], cells: list[dict[str, Any]]) -> None:
    """Range, categories and severe flag of a total over the cells (exact ends)."""
    got["min"] = min(c["min"] for c in cells)
    got["max"] = max(c["max"] for c in cells)
    got["category_min"], got["category_max"] = category(got["min"]), category(got["max"])
    got["category_determined"] = got["category_min"] == got["category_max"]
    if "severe_determined" in got:
        sev = {c["severe"] for c in cells}
        got["severe"] = sev.pop() if len(sev) == 1 else None
        got["severe_determined"] = got["severe"] is not None


def change(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
           sicca: Sicca) -> dict[str, Any]:
    """ESSDAI/ClinESSDAI changes between two timepoints (spec §1.5, §9.3)."""
    from sicca.scores.response import instrument_delta

    if "essdai" not in a or "essdai" not in b:
        return {}
    out: dict[str, Any] = {}
    for key in ("essdai", "clinessdai"):
        out.update(instrument_delta(key, a[key], b[key]))
    return out
