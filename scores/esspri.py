"""ESSPRI: the mean of dryness, fatigue and pain (0-10), PASS, and its MCII (clinical-spec §3).

The rules (rules/esspri/esspri.yaml) say whether the score is computable and which items are
missing; this module takes the mean as an exact Fraction (shown to 2 decimals). All three items
are required: a missing one gives a null score with state ``not_computable``, never a partial
mean and never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from sicca.base.errors import Problem
from sicca.language.loader import RuleFile
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores.meta import validate_meta

ITEMS = ("dryness", "fatigue", "pain")
#: Input facts read here directly (the mean is arithmetic on the ratings themselves).
INPUTS_READ = tuple(f"esspri.{i}" for i in ITEMS)
#: PASS (patient-acceptable symptom state): ESSPRI < 5, so 5.00 is not PASS [V-P: S4].
PASS_BELOW = Fraction(5)
#: MCII: a decrease of >= 1 point or >= 15 % of the baseline value [V-P: S4].
MCII_POINTS = Fraction(1)
MCII_RELATIVE = Fraction(15, 100)


class EsspriMeta(BaseModel):
    """The ``meta:`` of the ``esspri`` rule file: its items and the PASS line."""

    model_config = ConfigDict(extra="forbid")

    items: list[str]
    pass_below: Decimal


def meta_problems(files: Sequence[RuleFile]) -> list[Problem]:
    """Every problem in the ESSPRI meta (E364), located; the PASS line must be the spec's."""
    problems: list[Problem] = []
    for rf in files:
        if rf.ruleset != "esspri":
            continue
        m = validate_meta(EsspriMeta, rf, code="E364", problems=problems)
        if m is not None and Fraction(m.pass_below) != PASS_BELOW:
            problems.append(rf.src.problem(("meta", "pass_below"), "the ESSPRI PASS line is "
                                           "fixed by the spec (S4)", code="E364",
                                           expected=str(PASS_BELOW), found=str(m.pass_below)))
        if m is not None and m.items != list(INPUTS_READ):
            problems.append(rf.src.problem(("meta", "items"), "ESSPRI has three items",
                                           code="E364", expected=str(list(INPUTS_READ)),
                                           found=str(m.items)))
    return problems


def exact(ev: Evaluation) -> Fraction | None:
    """The exact mean, or None when the rules found it not computable."""
    if not ev.has("esspri.state", "computable"):
        return None
    vals = []
    for item in ITEMS:
        f = ev.fact(f"esspri.{item}")
        if f is None or f.value is None:
            return None
        vals.append(Fraction(f.value))
    return sum(vals, Fraction(0)) / len(vals)


def shown(x: Fraction) -> Decimal:
    """Two decimals (display only; comparisons use the exact Fraction)."""
    q = Decimal(x.numerator) / Decimal(x.denominator)
    return q.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def score(ev: Evaluation, sicca: Sicca) -> dict[str, Any]:
    if not any(r["name"] == "esspri" for r in sicca.rulesets()):
        return {}
    x = exact(ev)
    rules = ev.rules_for("esspri.state")
    if x is None:
        missing = sorted({str(v) for v in ev.values("esspri.missing")})
        return {"esspri": {"score": None, "pass": None, "state": "not_computable",
                           "missing": missing, "rules": rules + ev.rules_for("esspri.missing"),
                           "reason": "all three ratings (dryness, fatigue, pain) are required; "
                           "missing: " + ", ".join(missing)}}
    items = {i: ev.fact(f"esspri.{i}").value for i in ITEMS}  # type: ignore[union-attr]
    return {"esspri": {"score": shown(x), "shown": f"{shown(x):.2f}",
                       "exact": f"{x.numerator}/{x.denominator}",
                       "pass": x < PASS_BELOW, "state": "computable", "items": items,
                       "rules": rules}}


def mcii(a: Fraction | None, b: Fraction | None) -> bool | None:
    """ESSPRI MCII from a to b; None when either score is not computable."""
    if a is None or b is None:
        return None
    drop = a - b
    if drop >= MCII_POINTS:
        return True
    # relative change undefined at baseline 0: only the absolute rule applies [CONVENTION]
    return a != 0 and drop / a >= MCII_RELATIVE


def change(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
           sicca: Sicca) -> dict[str, Any]:
    if "esspri" not in a or "esspri" not in b:
        return {}
    xa, xb = exact(ev_a), exact(ev_b)
    if xa is None or xb is None:
        return {"esspri_delta": None, "esspri_mcii": None, "esspri_state": "not_computable",
                "esspri_reason": "ESSPRI not computable at "
                + " and ".join(t for t, x in ((a["id"], xa), (b["id"], xb)) if x is None)}
    rel = None if xa == 0 else (xb - xa) / xa
    return {"esspri_delta": shown(xb - xa), "esspri_delta_shown": f"{shown(xb - xa):.2f}",
            "esspri_delta_exact": str(xb - xa),
            "esspri_relative": None if rel is None else shown(rel * 100),
            "esspri_mcii": mcii(xa, xb), "esspri_state": "computable"}
