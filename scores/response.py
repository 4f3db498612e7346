"""Response between timepoints: ESSDAI/ClinESSDAI deltas and MCII, and the STAR index (§7.1).

Deltas are exact. ``<inst>_delta`` is computed on the documented totals (not-assessable
domains counted 0 at both timepoints): this is the spec's "provided haematology is unchanged"
(§9.3), so it carries ``<inst>_assumes_unassessable_unchanged``. ``<inst>_delta_min/max`` make
no assumption (each timepoint's unknown domains anywhere in their range), and
``<inst>_mcii_determined`` says whether the MCII holds whatever the unknown domains are.

STAR items are decided only when the data decide them: the systemic item uses the
assumption-free ClinESSDAI delta bounds; an item with missing data is ``unknown`` and widens
the points range. A test result carried forward from an earlier record (cumulative tests) is
not a new measurement, so it cannot show a change. STAR is a trial responder index: for one
patient it is descriptive only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sicca.base.errors import InputError, Problem
from sicca.language.loader import RuleFile
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores import esspri
from sicca.scores.meta import validate_meta

#: MCII of ESSDAI: a decrease of >= 3 points [V-P: S4]; borrowed for ClinESSDAI [UNVERIFIED, §2].
MCII_DROP = Decimal(3)
#: The rule set whose meta holds STAR's points and thresholds (rules/response/star.yaml).
STAR_RULESET = "star"
STAR_ITEMS = ("systemic", "patient_reported", "lacrimal", "salivary", "biological")
#: Input facts read here directly (not through rules), so they are not reported as unused;
#: with the RF facts the STAR table names (``inputs_read``).
INPUTS_READ = ("schirmer.mean", "ocular_staining_score.mean", "unstimulated_saliva_flow",
               "lab.igg")


@dataclass(frozen=True)
class StarTable:
    """STAR's points and thresholds, from the ``star`` rule set's meta (exact fractions)."""

    points: dict[str, int]
    responder_from: int
    clinessdai_drop: Fraction
    schirmer_abnormal_below: Fraction   # mm, mean of both eyes
    schirmer_gain: Fraction             # mm
    oss_abnormal_from: Fraction         # mean of both eyes
    oss_drop: Fraction
    uws_gain: Fraction                  # relative
    igg_drop: Fraction                  # relative
    rf_drop: Fraction                   # relative
    rf_facts: tuple[str, ...]
    file: str

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> StarTable:
        items = meta["items"]

        def q(item: str, key: str) -> Fraction:
            return Fraction(str(items[item][key]))

        return cls({k: int(items[k]["points"]) for k in STAR_ITEMS},
                   int(meta["responder_from"]), q("systemic", "clinessdai_drop"),
                   q("lacrimal", "schirmer_abnormal_below"), q("lacrimal", "schirmer_gain"),
                   q("lacrimal", "oss_abnormal_from"), q("lacrimal", "oss_drop"),
                   q("salivary", "uws_gain"), q("biological", "igg_drop"),
                   q("biological", "rf_drop"), tuple(items["biological"]["rf_facts"]),
                   str(meta["_file"]))


def inputs_read(sicca: Sicca) -> tuple[str, ...]:
    """Every input fact read here, with the RF facts the loaded STAR table names."""
    t = star_table(sicca)
    return INPUTS_READ + (t.rf_facts if t is not None else ())


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int


class _Systemic(_Item):
    clinessdai_drop: Decimal


class _Lacrimal(_Item):
    schirmer_abnormal_below: Decimal
    schirmer_gain: Decimal
    oss_abnormal_from: Decimal
    oss_drop: Decimal


class _Salivary(_Item):
    uws_gain: Decimal


class _Biological(_Item):
    igg_drop: Decimal
    rf_drop: Decimal
    rf_facts: list[str]


class _Items(BaseModel):
    model_config = ConfigDict(extra="forbid")

    systemic: _Systemic
    patient_reported: _Item
    lacrimal: _Lacrimal
    salivary: _Salivary
    biological: _Biological


class StarMeta(BaseModel):
    """The ``meta:`` of the ``star`` rule file: STAR's points and thresholds."""

    model_config = ConfigDict(extra="forbid")

    instrument: Literal["star"]
    title: str | None = None   # the display name (reports, text views)
    responder_from: int
    items: _Items


def meta_problems(files: Sequence[RuleFile]) -> list[Problem]:
    """Every problem in the STAR table (E362), located at the offending meta key."""
    problems: list[Problem] = []
    for rf in files:
        if rf.ruleset == STAR_RULESET:
            validate_meta(StarMeta, rf, code="E362", problems=problems)
    return problems


def star_table(sicca: Sicca) -> StarTable | None:
    """The loaded STAR table, or None when no ``star`` rule set is loaded (then no STAR)."""
    def make() -> StarTable | None:
        files = [f for f in sicca.compiled.files if f.ruleset == STAR_RULESET]
        if not files:
            return None
        problems = meta_problems(files)
        if problems:
            raise InputError(problems)
        return StarTable.from_meta(dict(files[-1].meta, _file=files[-1].rel))

    result: StarTable | None = sicca.memo("response.star", make)
    return result


def score(ev: Evaluation, sicca: Sicca) -> dict[str, Any]:
    """No per-timepoint output: this module only compares timepoints."""
    return {}


def instrument_delta(key: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """``<key>_delta`` (documented), bounds, MCII and whether the MCII is determined.

    The documented delta assumes each not-assessable domain is the same at both timepoints;
    that is only meaningful when the same domains are not assessable at both. Otherwise the
    delta is null (state ``not_assessable_domains_differ``) and the MCII is given only when
    the bounds decide it.
    """
    lo: Decimal = b["min"] - a["max"]
    hi: Decimal = b["max"] - a["min"]
    determined = hi <= -MCII_DROP or lo > -MCII_DROP
    # a domain a censored value leaves undetermined is documented at its lowest level: a
    # difference of such totals is no documented change, so only the bounds are given
    undetermined = bool(a.get("undetermined") or b.get("undetermined"))
    same = a["not_assessable"] == b["not_assessable"] and not undetermined and \
        a.get("partly_assessable", []) == b.get("partly_assessable", [])
    delta: Decimal | None = b["documented"] - a["documented"] if same else None
    if determined:
        met: bool | None = hi <= -MCII_DROP
    else:
        met = None if delta is None else delta <= -MCII_DROP
    out: dict[str, Any] = {
        f"{key}_delta": delta, f"{key}_delta_min": lo, f"{key}_delta_max": hi,
        f"{key}_assumes_unassessable_unchanged": same and bool(a["not_assessable"] or
                                                               a.get("partly_assessable")),
        f"{key}_mcii": met, f"{key}_mcii_determined": determined}
    if delta is None:
        out[f"{key}_state"] = "undetermined_domains" if undetermined else \
            "not_assessable_domains_differ"
    return out


def _value(ev: Evaluation, name: str) -> tuple[Fraction | None, str | None]:
    f = ev.fact(name)
    if f is None or f.state != "reported" or f.value is None or f.censor:
        return None, None
    return Fraction(f.value), f"{f.record}:{f.date}:{f.path}"


def _pair(ev_a: Evaluation, ev_b: Evaluation, name: str) -> tuple[Fraction, Fraction] | None:
    """Both values, measured anew at b (a carried-forward record shows no change)."""
    va, ra = _value(ev_a, name)
    vb, rb = _value(ev_b, name)
    if va is None or vb is None or ra == rb:
        return None
    return va, vb


def _either(*states: str | None) -> str:
    """OR of item states: met if any met, not_met if all not met, else unknown."""
    if "met" in states:
        return "met"
    return "not_met" if all(s == "not_met" for s in states) else "unknown"


Pair = tuple[Fraction, Fraction] | None  # (before, after), or None when not both measured


def lacrimal(schirmer: Pair, oss: Pair, t: StarTable) -> str:
    """Schirmer (mean, mm): abnormal at baseline -> a gain of >= 5 mm; normal -> stays normal.
    Or OSS (mean): abnormal at baseline -> a drop of >= 2; normal -> stays normal."""
    s_state = None
    if schirmer is not None:
        a, b = schirmer
        if a < t.schirmer_abnormal_below:
            s_state = "met" if b - a >= t.schirmer_gain else "not_met"
        else:
            s_state = "met" if b >= t.schirmer_abnormal_below else "not_met"
    o_state = None
    if oss is not None:
        a, b = oss
        if a >= t.oss_abnormal_from:
            o_state = "met" if a - b >= t.oss_drop else "not_met"
        else:
            o_state = "met" if b < t.oss_abnormal_from else "not_met"
    return _either(s_state or "unknown", o_state or "unknown")


def salivary(uws: Pair, t: StarTable) -> str:
    """UWS: > 0 at baseline -> a gain of >= 25 %; 0 at baseline -> any increase. (The
    ultrasound alternative, Hocevar score, has no place in the record: UWS decides.)"""
    if uws is None:
        return "unknown"
    a, b = uws
    ok = b > 0 if a == 0 else (b - a) / a >= t.uws_gain
    return "met" if ok else "not_met"


def relative_drop(pair: Pair, cut: Fraction) -> str:
    """A relative decrease of at least ``cut`` (IgG 10 %, RF 25 %); unknown without a baseline."""
    if pair is None or pair[0] == 0:
        return "unknown"
    return "met" if (pair[0] - pair[1]) / pair[0] >= cut else "not_met"


def _systemic(lo: Decimal, hi: Decimal, drop: Fraction) -> str:
    if hi <= -drop:
        return "met"
    return "not_met" if lo > -drop else "unknown"


def _verdict(items: dict[str, str], t: StarTable) -> dict[str, Any]:
    pmin = sum(t.points[k] for k, s in items.items() if s == "met")
    pmax = sum(t.points[k] for k, s in items.items() if s != "not_met")
    verdict = ("responder" if pmin >= t.responder_from else
               "non_responder" if pmax < t.responder_from else "undetermined")
    return {"points_min": pmin, "points_max": pmax, "verdict": verdict}


def star(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
         t: StarTable, sicca: Sicca) -> dict[str, Any]:
    clin_a, clin_b = a["clinessdai"], b["clinessdai"]
    # exact means, or the ranges of censored ratings (which may already decide the MCII)
    pro = esspri.mcii_over(ev_a, ev_b, sicca)
    items = {
        "systemic": _systemic(clin_b["min"] - clin_a["max"], clin_b["max"] - clin_a["min"],
                              t.clinessdai_drop),
        "patient_reported": "unknown" if pro is None else "met" if pro else "not_met",
        "lacrimal": lacrimal(_pair(ev_a, ev_b, "schirmer.mean"),
                             _pair(ev_a, ev_b, "ocular_staining_score.mean"), t),
        "salivary": salivary(_pair(ev_a, ev_b, "unstimulated_saliva_flow"), t),
        "biological": _either(relative_drop(_pair(ev_a, ev_b, "lab.igg"), t.igg_drop),
                              *(relative_drop(_pair(ev_a, ev_b, f), t.rf_drop)
                                for f in t.rf_facts)),
    }
    out = _verdict(items, t)
    out["items"] = {k: {"state": s, "points": t.points[k]} for k, s in items.items()}
    if clin_a["not_assessable"] == clin_b["not_assessable"] and not (
            clin_a.get("undetermined") or clin_b.get("undetermined")):
        doc_delta = clin_b["documented"] - clin_a["documented"]
        assumed = dict(items, systemic="met" if doc_delta <= -t.clinessdai_drop else "not_met")
        out["assuming_unassessable_unchanged"] = _verdict(assumed, t)
    else:
        out["assuming_unassessable_unchanged"] = None
    out["table"] = t.file
    out["note"] = "STAR is a trial responder index; for one patient it is descriptive only"
    return out


def change(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
           sicca: Sicca) -> dict[str, Any]:
    t = star_table(sicca)
    if t is None or "clinessdai" not in a or "clinessdai" not in b:
        return {}
    return {"star": star(a, b, ev_a, ev_b, t, sicca)}
