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

from decimal import Decimal
from fractions import Fraction
from typing import Any

from engine.evaluate import Evaluation, Sicca

from . import esspri

#: MCII of ESSDAI: a decrease of >= 3 points [V-P: S4]; borrowed for ClinESSDAI [UNVERIFIED, §2].
MCII_DROP = Decimal(3)
#: STAR (S15 Table 3, spec §7.1): points and thresholds.
STAR_POINTS = {"systemic": 3, "patient_reported": 3, "lacrimal": 1, "salivary": 1,
               "biological": 1}
STAR_RESPONDER_FROM = 5
SCHIRMER_ABNORMAL_BELOW = Fraction(5)     # mm, mean of both eyes
SCHIRMER_GAIN = Fraction(5)               # mm
OSS_ABNORMAL_FROM = Fraction(3)           # mean of both eyes
OSS_DROP = Fraction(2)
UWS_GAIN = Fraction(25, 100)
IGG_DROP = Fraction(10, 100)
RF_DROP = Fraction(25, 100)
RF_FACTS = ("lab.rf_igm",)                # total RF or IgM-RF (IU/mL); IgA-RF is not the measure
#: Input facts read here directly (not through rules), so they are not reported as unused.
INPUTS_READ = ("schirmer.mean", "ocular_staining_score.mean", "unstimulated_saliva_flow",
               "lab.igg") + RF_FACTS


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
    same = a["not_assessable"] == b["not_assessable"]
    delta: Decimal | None = b["documented"] - a["documented"] if same else None
    if determined:
        met: bool | None = hi <= -MCII_DROP
    else:
        met = None if delta is None else delta <= -MCII_DROP
    out: dict[str, Any] = {
        f"{key}_delta": delta, f"{key}_delta_min": lo, f"{key}_delta_max": hi,
        f"{key}_assumes_unassessable_unchanged": same and bool(a["not_assessable"]),
        f"{key}_mcii": met, f"{key}_mcii_determined": determined}
    if delta is None:
        out[f"{key}_state"] = "not_assessable_domains_differ"
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


def _lacrimal(ev_a: Evaluation, ev_b: Evaluation) -> str:
    sch = _pair(ev_a, ev_b, "schirmer.mean")
    s_state = None
    if sch is not None:
        a, b = sch
        if a < SCHIRMER_ABNORMAL_BELOW:
            s_state = "met" if b - a >= SCHIRMER_GAIN else "not_met"
        else:
            s_state = "met" if b >= SCHIRMER_ABNORMAL_BELOW else "not_met"
    oss = _pair(ev_a, ev_b, "ocular_staining_score.mean")
    o_state = None
    if oss is not None:
        a, b = oss
        if a >= OSS_ABNORMAL_FROM:
            o_state = "met" if a - b >= OSS_DROP else "not_met"
        else:
            o_state = "met" if b < OSS_ABNORMAL_FROM else "not_met"
    return _either(s_state or "unknown", o_state or "unknown")


def _salivary(ev_a: Evaluation, ev_b: Evaluation) -> str:
    uws = _pair(ev_a, ev_b, "unstimulated_saliva_flow")
    if uws is None:
        return "unknown"
    a, b = uws
    if a == 0:
        ok = b > 0
    else:
        ok = (b - a) / a >= UWS_GAIN
    # The ultrasound alternative (Hocevar score) has no place in the record: UWS decides.
    return "met" if ok else "not_met"


def _drop(ev_a: Evaluation, ev_b: Evaluation, name: str, cut: Fraction) -> str:
    p = _pair(ev_a, ev_b, name)
    if p is None or p[0] == 0:
        return "unknown"
    return "met" if (p[0] - p[1]) / p[0] >= cut else "not_met"


def _systemic(lo: Decimal, hi: Decimal) -> str:
    if hi <= -MCII_DROP:
        return "met"
    return "not_met" if lo > -MCII_DROP else "unknown"


def _verdict(items: dict[str, str]) -> dict[str, Any]:
    pmin = sum(STAR_POINTS[k] for k, s in items.items() if s == "met")
    pmax = sum(STAR_POINTS[k] for k, s in items.items() if s != "not_met")
    verdict = ("responder" if pmin >= STAR_RESPONDER_FROM else
               "non_responder" if pmax < STAR_RESPONDER_FROM else "undetermined")
    return {"points_min": pmin, "points_max": pmax, "verdict": verdict}


def star(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation,
         ev_b: Evaluation) -> dict[str, Any]:
    clin_a, clin_b = a["clinessdai"], b["clinessdai"]
    pro = esspri.mcii(esspri.exact(ev_a), esspri.exact(ev_b))
    items = {
        "systemic": _systemic(clin_b["min"] - clin_a["max"], clin_b["max"] - clin_a["min"]),
        "patient_reported": "unknown" if pro is None else "met" if pro else "not_met",
        "lacrimal": _lacrimal(ev_a, ev_b),
        "salivary": _salivary(ev_a, ev_b),
        "biological": _either(_drop(ev_a, ev_b, "lab.igg", IGG_DROP),
                              *(_drop(ev_a, ev_b, f, RF_DROP) for f in RF_FACTS)),
    }
    out = _verdict(items)
    out["items"] = {k: {"state": s, "points": STAR_POINTS[k]} for k, s in items.items()}
    if clin_a["not_assessable"] == clin_b["not_assessable"]:
        doc_delta = clin_b["documented"] - clin_a["documented"]
        assumed = dict(items, systemic="met" if doc_delta <= -MCII_DROP else "not_met")
        out["assuming_unassessable_unchanged"] = _verdict(assumed)
    else:
        out["assuming_unassessable_unchanged"] = None
    out["note"] = "STAR is a trial responder index; for one patient it is descriptive only"
    return out


def change(a: dict[str, Any], b: dict[str, Any], ev_a: Evaluation, ev_b: Evaluation,
           sicca: Sicca) -> dict[str, Any]:
    if "clinessdai" not in a or "clinessdai" not in b:
        return {}
    return {"star": star(a, b, ev_a, ev_b)}


def _rng(c: dict[str, Any], k: str) -> str:
    d = c[f"{k}_delta"]
    star_ = "*" if c[f"{k}_assumes_unassessable_unchanged"] else ""
    return f"{'?' if d is None else d}{star_} ({c[f'{k}_delta_min']}..{c[f'{k}_delta_max']})"


def render_changes(console: Any, changes: list[dict[str, Any]]) -> None:
    from rich.table import Table

    t = Table(title="changes")
    for col in ("from → to", "ΔESSDAI", "MCII", "ΔClinESSDAI", "ΔESSPRI", "MCII", "STAR"):
        t.add_column(col)
    for c in changes:
        if "essdai_delta" not in c:
            continue

        mcii = {True: "met", False: "not met", None: "undetermined"}
        st = c.get("star") or {}
        t.add_row(f"{c['from']} → {c['to']}", _rng(c, "essdai"),
                  mcii[c["essdai_mcii"]] + ("" if c["essdai_mcii_determined"] or
                                            c["essdai_mcii"] is None else "*"),
                  _rng(c, "clinessdai"),
                  "—" if c.get("esspri_delta") is None else str(c["esspri_delta"]),
                  mcii[c.get("esspri_mcii")],
                  f"{st.get('points_min')}–{st.get('points_max')} {st.get('verdict')}")
    console.print(t)
    console.print("[dim]* documented totals, assuming not-assessable domains unchanged; "
                  "(min..max) assumes nothing[/]")
