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

    title: str | None = None   # the display name (reports, text views)
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
    """The exact mean, or None when the rules found it not computable or a rating is censored
    (then ``bounds`` gives the range)."""
    if not ev.has("esspri.state", "computable"):
        return None
    vals = []
    for item in ITEMS:
        f = ev.fact(f"esspri.{item}")
        if f is None or f.value is None or f.censor:
            return None
        vals.append(Fraction(f.value))
    return sum(vals, Fraction(0)) / len(vals)


#: (low, low included, high, high included) of the mean
Bounds = tuple[Fraction, bool, Fraction, bool]


def bounds(ev: Evaluation, sicca: Sicca) -> Bounds | None:
    """The range of the mean when a rating is censored (``"<5"`` allows the rating's lowest
    value up to 5, 5 excluded; the ratings' range comes from the vocabulary); None when the
    mean is exact, not computable, or a censored rating has no bound on its open side."""
    if not ev.has("esspri.state", "computable"):
        return None
    lo = hi = Fraction(0)
    lo_in = hi_in = True
    censored = False
    items = sicca.catalogue.vocabulary.items
    for item in ITEMS:
        f = ev.fact(f"esspri.{item}")
        if f is None or f.value is None:
            return None
        v = Fraction(f.value)
        spec = items.get(f"esspri.{item}")
        rlo, rhi = spec.spec.bounds() if spec is not None else (None, None)
        c = f.censor or ""
        censored = censored or bool(c)
        if c in ("<", "<="):
            if rlo is None:
                return None
            lo += Fraction(rlo)
            hi += v
            hi_in = hi_in and c == "<="
        elif c in (">", ">="):
            if rhi is None:
                return None
            lo += v
            hi += Fraction(rhi)
            lo_in = lo_in and c == ">="
        else:
            lo += v
            hi += v
    if not censored:
        return None
    n = len(ITEMS)
    return lo / n, lo_in, hi / n, hi_in


def _pass(b: Bounds) -> bool | None:
    """PASS (< 5) over a range: decided only when the whole range is on one side."""
    lo, _, hi, hi_in = b
    if hi < PASS_BELOW or (hi == PASS_BELOW and not hi_in):
        return True
    return False if lo >= PASS_BELOW else None


def _shown_bounds(b: Bounds) -> str:
    lo, lo_in, hi, hi_in = b
    return f"{'[' if lo_in else '('}{lo}, {hi}{']' if hi_in else ')'}"


def shown(x: Fraction) -> Decimal:
    """Two decimals (display only; comparisons use the exact Fraction)."""
    q = Decimal(x.numerator) / Decimal(x.denominator)
    return q.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def score(ev: Evaluation, sicca: Sicca) -> dict[str, Any]:
    if not any(r["name"] == "esspri" for r in sicca.rulesets()):
        return {}
    x = exact(ev)
    rules = ev.rules_for("esspri.state")
    b = bounds(ev, sicca) if x is None else None
    if b is not None:
        recorded = {i: f.shown() for i in ITEMS if (f := ev.fact(f"esspri.{i}")) is not None}
        return {"esspri": {"score": None, "pass": _pass(b), "state": "censored",
                           "rules": rules, "score_min": shown(b[0]), "score_max": shown(b[2]),
                           "bounds": _shown_bounds(b), "recorded": recorded,
                           "reason": "a rating is recorded as a bound: the mean is a range"}}
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


def mcii(a: Fraction | None, b: Fraction | None, strict: bool = False) -> bool | None:
    """ESSPRI MCII from a to b; None when either score is not computable. ``strict``: the
    thresholds must be passed, not just reached (a corner of two ranges that is an open end:
    values near it reach the MCII only if the corner passes it)."""
    if a is None or b is None:
        return None
    drop = a - b
    if drop > MCII_POINTS or (drop == MCII_POINTS and not strict):
        return True
    # relative change undefined at baseline 0: only the absolute rule applies [CONVENTION]
    if a == 0:
        return False
    rel = drop / a
    return rel > MCII_RELATIVE or (rel == MCII_RELATIVE and not strict)


def mcii_over(ev_a: Evaluation, ev_b: Evaluation, sicca: Sicca) -> bool | None:
    """MCII from one visit to the next with the ratings as recorded: exact means, or ranges
    when a rating is a bound. The MCII only grows as the baseline rises and the follow-up
    falls, so the two corners decide: True when even the least favourable pair is an MCII,
    False when even the most favourable one is not, else None (also when not computable)."""
    return mcii_ends(_ends(ev_a, sicca), _ends(ev_b, sicca))


def mcii_ends(ea: Bounds | None, eb: Bounds | None) -> bool | None:
    """``mcii_over`` on the two means' ranges (an exact mean is a range of one value)."""
    if ea is None or eb is None:
        return None
    a_lo, _, a_hi, a_hi_in = ea
    b_lo, b_lo_in, b_hi, _ = eb
    worst = mcii(a_lo, b_hi)
    best = mcii(a_hi, b_lo, strict=not (a_hi_in and b_lo_in))
    return True if worst else False if not best else None


def _ends(ev: Evaluation, sicca: Sicca) -> Bounds | None:
    x = exact(ev)
    if x is not None:
        return x, True, x, True
    return bounds(ev, sicca)


def change(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
           sicca: Sicca) -> dict[str, Any]:
    if "esspri" not in a or "esspri" not in b:
        return {}
    xa, xb = exact(ev_a), exact(ev_b)
    ba = bounds(ev_a, sicca) if xa is None else None
    bb = bounds(ev_b, sicca) if xb is None else None
    if (xa is not None or ba is not None) and (xb is not None or bb is not None) and \
            (ba is not None or bb is not None):
        a_lo, a_hi = (ba[0], ba[2]) if ba is not None else (xa, xa)
        b_lo, b_hi = (bb[0], bb[2]) if bb is not None else (xb, xb)
        assert a_lo is not None and a_hi is not None and b_lo is not None and b_hi is not None
        return {"esspri_delta": None, "esspri_delta_min": shown(b_lo - a_hi),
                "esspri_delta_max": shown(b_hi - a_lo),
                "esspri_mcii": mcii_over(ev_a, ev_b, sicca),
                "esspri_state": "censored",
                "esspri_reason": "a rating is recorded as a bound: the change is a range"}
    if xa is None or xb is None:
        return {"esspri_delta": None, "esspri_mcii": None, "esspri_state": "not_computable",
                "esspri_reason": "ESSPRI not computable at "
                + " and ".join(t for t, x in ((a["id"], xa), (b["id"], xb)) if x is None)}
    rel = None if xa == 0 else (xb - xa) / xa
    return {"esspri_delta": shown(xb - xa), "esspri_delta_shown": f"{shown(xb - xa):.2f}",
            "esspri_delta_exact": str(xb - xa),
            "esspri_relative": None if rel is None else shown(rel * 100),
            "esspri_mcii": mcii(xa, xb), "esspri_state": "computable"}
