"""A hand-coded plain-Python scorer, written only for the benchmark (bench/score.py).

It computes, from a parsed case (sicca.records.models.Case) at one timepoint, what the rule sets
rules/essdai and rules/criteria conclude: the 12 ESSDAI domain states and levels, the ESSDAI
total, and for each criteria set the item states, the entry, the exclusions and the verdict.
This is the one place in Sicca where clinical thresholds are written in Python, on purpose: it
is the yardstick ("how fast could a hard-wired scorer be?") and a third opinion in the agreement
test (tests/unit/test_bench_agreement.py). It reads the case model directly (no facts, no rules,
no report JSON), with the same semantics as the engine: cumulative sections take the latest
record on or before the timepoint, a comparison on a missing value is false, a censored value
satisfies a comparison only when every value it allows does, "missing" means not_reported |
not_done | unknown (not invalid).

If a rule file changes, this file must follow; the agreement test says so when it does not.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

MISSING = ("not_reported", "not_done", "unknown")
MISSING_INV = MISSING + ("invalid",)
NOT_DONE_NR = ("not_done", "not_reported")
DEFAULT_OPTIONS = {"purpura_extent": "complement", "rating_window": "since_previous_visit",
                   "attribution": "accept", "focus_score_reading": "accept_interpreted",
                   "inferred_symptoms": "accept", "aecg_mode": "default",
                   "anti_ro52_isolated": "unknown"}
WEIGHTS = {"constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
           "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
           "haematological": 2, "biological": 1}

Num = tuple[float, str] | None


class View:
    """The values of one timepoint, read straight from the case model."""

    __slots__ = ("items", "labs", "opt")

    def __init__(self, case: Any, tp: Any, cumulative: frozenset[str],
                 options: dict[str, str]) -> None:
        items: dict[str, Any] = {}
        for rec in case.records_until(tp):
            for name, iv in rec.items.items():
                if name in cumulative and iv.state != "not_reported":
                    items[name] = iv
        for name, iv in tp.items.items():
            if name not in cumulative:
                items[name] = iv
        self.items = items
        labs: dict[str, Any] = {}
        for lab in tp.labs:
            labs.setdefault(lab.analyte.key, lab)
        self.labs = labs
        self.opt = options

    # item facts
    def st(self, name: str) -> str:
        iv = self.items.get(name)
        return iv.state if iv is not None else "not_reported"

    def code(self, name: str) -> str | None:
        iv = self.items.get(name)
        return iv.code if iv is not None else None

    def num(self, name: str) -> Num:
        iv = self.items.get(name)
        if iv is None or iv.value is None:
            return None
        return float(iv.value), iv.censor or ""

    def attr(self, name: str, a: str) -> Any:
        iv = self.items.get(name)
        return iv.attrs.get(a) if iv is not None else None

    def acode(self, name: str, a: str) -> str | None:
        av = self.attr(name, a)
        return av.code if av is not None else None

    def ast(self, name: str, a: str) -> str:
        av = self.attr(name, a)
        return av.state if av is not None else "not_reported"

    def anum(self, name: str, a: str) -> Num:
        av = self.attr(name, a)
        if av is None or av.value is None:
            return None
        return float(av.value), av.censor or ""

    # lab facts
    def lab(self, key: str) -> Num:
        lab = self.labs.get(key)
        if lab is None or lab.canonical_value is None:
            return None
        return float(lab.canonical_value), lab.censored or ""

    def lab_st(self, key: str) -> str:
        lab = self.labs.get(key)
        return lab.state if lab is not None else "not_reported"

    def lab_flag(self, key: str) -> str | None:
        lab = self.labs.get(key)
        return lab.flag if lab is not None else None

    def lab_xuln(self, key: str) -> Num:
        lab = self.labs.get(key)
        if lab is None or lab.x_uln is None:
            return None
        with localcontext() as ctx:
            ctx.prec = 12
            x = +Decimal(lab.x_uln)
        return float(x), lab.censored or ""


def d(op: str, c: float, x: Num) -> bool:
    """``x op c`` holds for every value the (possibly censored) number allows."""
    if x is None:
        return False
    v, cen = x
    if not cen:
        if op == "lt":
            return v < c
        if op == "le":
            return v <= c
        if op == "gt":
            return v > c
        if op == "ge":
            return v >= c
        return v == c
    if op == "eq":
        return False
    if cen in (">", ">="):
        if op == "gt":
            return v >= c if cen == ">" else v > c
        if op == "ge":
            return v >= c
        return False
    if op == "lt":
        return v <= c if cen == "<" else v < c
    if op == "le":
        return v <= c
    return False


def between(x: Num, lo: float, hi: float, ends: str) -> bool:
    low = d("ge", lo, x) if ends in ("both", "low") else d("gt", lo, x)
    high = d("le", hi, x) if ends in ("both", "high") else d("lt", hi, x)
    return low and high


# --- ESSDAI ------------------------------------------------------------------------------------

def _present(v: View, n: str) -> bool:
    return v.code(n) == "present"


def _not_damage(v: View, n: str) -> bool:
    return v.acode(n, "damage") != "yes"


def _missing(v: View, names: tuple[str, ...]) -> bool:
    return all(v.st(n) in MISSING for n in names)


def essdai(v: View) -> dict[str, tuple[str, int | None]]:
    """Domain -> (state, level) as the ESSDAI instrument reports it."""
    out: dict[str, tuple[str, int | None]] = {}

    def finish(dom: str, levels: list[int], inputs: tuple[str, ...], labs: tuple[str, ...] = (),
               extra_missing: bool = True, possible: tuple[int, ...] = ()) -> None:
        top = max(levels) if levels else 0
        if possible and max(possible) > top:  # a higher level left open by missing data
            out[dom] = ("partly_assessable", top)
            return
        if levels:
            out[dom] = ("rated", top)
            return
        if _missing(v, inputs) and all(v.lab_st(k) in MISSING for k in labs) and extra_missing:
            if v.code(f"{dom}.involvement") == "absent":
                out[dom] = ("assumed_absent", 0)
            else:
                out[dom] = ("not_assessable", None)
            return
        out[dom] = ("rated", 0)

    # 1 constitutional
    lv: list[int] = []
    fever = v.num("constitutional.fever")
    fever_ok = v.acode("constitutional.fever", "cause") not in ("infection", "other")
    if between(fever, 37.5, 38.5, "both") and fever_ok:
        lv.append(1)
    if _present(v, "constitutional.night_sweats") and \
            v.acode("constitutional.night_sweats", "cause") not in ("infection", "other"):
        lv.append(1)
    wl = v.num("constitutional.weight_loss")
    wl_ok = v.acode("constitutional.weight_loss", "voluntary") != "yes"
    if between(wl, 5, 10, "both") and wl_ok:
        lv.append(1)
    if d("gt", 38.5, fever) and fever_ok:
        lv.append(2)
    if d("gt", 10, wl) and wl_ok:
        lv.append(2)
    fu = "constitutional.fever_unmeasured"
    pos: tuple[int, ...] = ()
    if _present(v, fu) and v.acode(fu, "cause") not in ("infection", "other"):
        lv.append(2 if v.acode(fu, "severity") == "severe" else 1)
        if v.ast(fu, "severity") in MISSING:
            pos = (2,)
    finish("constitutional", lv, ("constitutional.fever", fu, "constitutional.night_sweats",
                                  "constitutional.weight_loss"), possible=pos)

    # 2 lymphadenopathy
    lv = []
    node = v.num("lymphadenopathy.lymph_node")
    node_ok = v.acode("lymphadenopathy.lymph_node", "cause") not in ("infection", "other")
    ing = v.num("lymphadenopathy.inguinal_node")
    ing_ok = v.acode("lymphadenopathy.inguinal_node", "cause") not in ("infection", "other")
    if between(node, 1, 2, "low") and node_ok:
        lv.append(1)
    if between(ing, 2, 3, "low") and ing_ok:
        lv.append(1)
    if d("ge", 2, node) and node_ok:
        lv.append(2)
    if d("ge", 3, ing) and ing_ok:
        lv.append(2)
    if _present(v, "lymphadenopathy.splenomegaly"):
        lv.append(2)
    if _present(v, "lymphadenopathy.lymphoma"):
        lv.append(3)
    finish("lymphadenopathy", lv, ("lymphadenopathy.lymph_node", "lymphadenopathy.inguinal_node",
                                   "lymphadenopathy.splenomegaly", "lymphadenopathy.lymphoma"))

    # 3 glandular
    lv = []
    bad = ("stone", "infection", "other")
    par = v.num("glandular.parotid_swelling")
    par_ok = v.acode("glandular.parotid_swelling", "cause") not in bad
    if between(par, 0, 3, "high") and par_ok:
        lv.append(1)
    if d("gt", 3, par) and par_ok:
        lv.append(2)
    pos = ()
    for g in ("glandular.submandibular_swelling", "glandular.lacrimal_swelling"):
        if _present(v, g) and v.acode(g, "cause") not in bad:
            lv.append(2 if v.acode(g, "size") == "important" else 1)
            if v.ast(g, "size") in MISSING:
                pos = (2,)
    pu = "glandular.parotid_swelling_unmeasured"
    if _present(v, pu) and v.acode(pu, "cause") not in bad:
        lv.append(2 if v.acode(pu, "size") == "major" else 1)
        if v.ast(pu, "size") in MISSING:
            pos = (2,)
    finish("glandular", lv, ("glandular.parotid_swelling", pu,
                             "glandular.submandibular_swelling", "glandular.lacrimal_swelling"),
           possible=pos)

    # 4 articular
    lv = []
    if _present(v, "articular.arthralgia") and \
            d("gt", 30, v.anum("articular.arthralgia", "morning_stiffness")) and \
            v.acode("articular.arthralgia", "cause") not in ("osteoarthritis", "other"):
        lv.append(1)
    syn = v.num("articular.synovitis_count")
    if between(syn, 1, 5, "both"):
        lv.append(2)
    if d("ge", 6, syn):
        lv.append(3)
    finish("articular", lv, ("articular.arthralgia", "articular.synovitis_count"))

    # 5 cutaneous
    lv = []
    opt = v.opt
    p = "cutaneous.purpura"
    act, attr = v.acode(p, "activity"), v.acode(p, "attribution")
    counts = (_present(v, p) and act != "residual"
              and (opt["rating_window"] == "since_previous_visit" or act != "in_window")
              and attr != "other"
              and (opt["attribution"] == "accept" or attr != "unconfirmed"))
    if _present(v, "cutaneous.erythema_multiforme") and \
            _not_damage(v, "cutaneous.erythema_multiforme"):
        lv.append(1)
    pos = ()
    if _present(v, "cutaneous.vasculitis") and _not_damage(v, "cutaneous.vasculitis"):
        lv.append(3 if v.acode("cutaneous.vasculitis", "extent") == "diffuse" else 2)
        if v.ast("cutaneous.vasculitis", "extent") in MISSING:
            pos = (3,)
    if counts:
        ext = v.acode(p, "extent")
        if ext == "feet_ankles" or (ext == "lower_limbs" and
                                    opt["purpura_extent"] == "generalised"):
            lv.append(2)
        if v.ast(p, "extent") in MISSING:
            lv.append(2)
            pos = (3,)
        if ext == "diffuse" or (ext == "lower_limbs" and opt["purpura_extent"] == "complement"):
            lv.append(3)
    if _present(v, "cutaneous.subacute_cutaneous_lupus") and \
            _not_damage(v, "cutaneous.subacute_cutaneous_lupus"):
        lv.append(2)
    if _present(v, "cutaneous.vasculitic_ulcers") and \
            _not_damage(v, "cutaneous.vasculitic_ulcers"):
        lv.append(3)
    finish("cutaneous", lv, ("cutaneous.erythema_multiforme", "cutaneous.vasculitis", p,
                             "cutaneous.subacute_cutaneous_lupus", "cutaneous.vasculitic_ulcers"),
           possible=pos)

    # 6 pulmonary
    lv = []
    bc = "pulmonary.bronchial_cough"
    if _present(v, bc) and v.acode(bc, "stable") != "yes" and \
            v.acode(bc, "cause") not in ("tobacco", "dryness", "other") and \
            v.acode(bc, "chest_xray_abnormal") != "yes":
        lv.append(1)
    ild = "pulmonary.ild"
    ild_ok = v.acode(ild, "damage") != "yes" and v.acode(ild, "cause") not in ("tobacco",
                                                                                "other")
    nyha = v.acode(ild, "nyha")
    if _present(v, ild):
        if nyha == "I" and v.acode(ild, "lung_function_normal") != "no" and ild_ok:
            lv.append(1)
        if nyha == "II" and ild_ok:
            lv.append(2)
        if nyha in ("III", "IV") and ild_ok:
            lv.append(3)
    dlco, fvc = v.num("pulmonary.dlco"), v.num("pulmonary.fvc")
    if ild_ok:
        if between(dlco, 40, 70, "low") or between(fvc, 60, 80, "low"):
            lv.append(2)
        if d("lt", 40, dlco) or d("lt", 60, fvc):
            lv.append(3)
    finish("pulmonary", lv, (bc, ild, "pulmonary.dlco", "pulmonary.fvc"))

    # 7 renal
    lv = []
    no_hist = v.ast("renal.biopsy_histology", "histology") in MISSING
    gfr = v.lab("gfr")
    gfr_low = d("lt", 60, gfr)
    prot = v.lab("proteinuria")
    gfr_open = not gfr_low and not d("ge", 60, gfr)
    pos = ()
    ta = "renal.tubular_acidosis"
    if _present(v, ta) and _not_damage(v, ta) and no_hist:
        lv.append(2 if gfr_low else 1)
        if gfr_open:
            pos += (2,)
    gi = "renal.glomerular_involvement"
    if _present(v, gi) and _not_damage(v, gi) and no_hist:
        haem = _present(v, "renal.haematuria")
        if between(prot, 0.5, 1.0, "both"):
            lv.append(1)
        if between(prot, 1.0, 1.5, "high"):
            lv.append(2)
        if d("gt", 1.5, prot) or haem or gfr_low:
            lv.append(3)
        elif v.st("renal.haematuria") in MISSING or gfr_open or not d("le", 1.5, prot):
            pos += (3,)
    if _present(v, "renal.biopsy_histology"):
        h = v.acode("renal.biopsy_histology", "histology")
        if h in ("extramembranous_gn", "interstitial_infiltrate"):
            lv.append(2)
        if h in ("proliferative_gn", "cryoglobulinaemic"):
            lv.append(3)
    # labs and haematuria alone do not assess the domain (they grade ta or gi)
    finish("renal", lv, (ta, gi, "renal.biopsy_histology"), possible=pos)

    # 8 muscular
    lv = []
    my = "muscular.myositis"
    proven = _present(v, my) and v.acode(my, "proven_by") in ("emg", "mri", "biopsy") and \
        v.acode(my, "cause") not in ("corticosteroids", "other")
    if proven:
        ck = v.lab_xuln("ck")
        ms = v.anum(my, "motor_strength")
        if between(ck, 1, 2, "high"):
            lv.append(1)
        if between(ms, 4, 5, "low") or between(ck, 2, 4, "high"):
            lv.append(2)
        if d("lt", 4, ms) or d("gt", 4, ck):
            lv.append(3)
    finish("muscular", lv, (my, "muscular.weakness"), ("ck",))

    # 9 PNS
    lv = []
    sp = "pns.sensory_axonal_polyneuropathy"
    if _present(v, sp) and _not_damage(v, sp):
        lv.append(2 if v.acode(sp, "cryoglobulinaemic_vasculitis") == "yes" else 1)
    if _present(v, "pns.trigeminal_neuralgia") and _not_damage(v, "pns.trigeminal_neuralgia"):
        lv.append(1)
    sm = "pns.sensorimotor_neuropathy"
    if _present(v, sm) and _not_damage(v, sm):
        lv.append(3 if d("lt", 4, v.anum(sm, "motor_strength")) else 2)
    for n, a, sev in (("pns.ganglionopathy", "ataxia", "severe"),
                      ("pns.cidp", "impairment", "severe")):
        if _present(v, n) and _not_damage(v, n):
            lv.append(3 if v.acode(n, a) == sev else 2)
    if _present(v, "pns.cranial_neuropathy") and _not_damage(v, "pns.cranial_neuropathy"):
        lv.append(2)
    if _present(v, "pns.vasculitic_neuropathy") and _not_damage(v, "pns.vasculitic_neuropathy"):
        lv.append(3)
    finish("pns", lv, (sp, "pns.trigeminal_neuralgia", sm, "pns.ganglionopathy", "pns.cidp",
                       "pns.cranial_neuropathy", "pns.vasculitic_neuropathy"))

    # 10 CNS
    lv = []
    for n, level in (("cns.cranial_nerve_central", 2), ("cns.optic_neuritis", 2),
                     ("cns.ms_like_sensory", 2), ("cns.cognitive_impairment", 2),
                     ("cns.cerebral_vasculitis", 3), ("cns.seizures", 3),
                     ("cns.transverse_myelitis", 3), ("cns.lymphocytic_meningitis", 3),
                     ("cns.ms_like_motor", 3)):
        if _present(v, n) and _not_damage(v, n):
            lv.append(level)
    finish("cns", lv, CNS)

    # 11 haematological
    # per cell line: its own non-autoimmune cause excludes it (spec §8); a cause whose line is
    # not stated leaves the counts' level possible only; a line not measured keeps its top open
    non_ai = ("iron_deficiency", "vitamin_deficiency", "drug", "marrow", "other")
    lines = {"neutrophils": ("neutropenia", [(1, between(v.lab("neutrophils"), 1000, 1500,
                                                         "neither")),
                                             (2, between(v.lab("neutrophils"), 500, 1000, "both")),
                                             (3, d("lt", 500, v.lab("neutrophils")))], 3),
             "haemoglobin": ("anaemia", [(1, between(v.lab("haemoglobin"), 10, 12, "neither")),
                                         (2, between(v.lab("haemoglobin"), 8, 10, "both")),
                                         (3, d("lt", 8, v.lab("haemoglobin")))], 3),
             "platelets": ("thrombocytopenia", [(1, between(v.lab("platelets"), 100000, 150000,
                                                            "neither")),
                                                (2, between(v.lab("platelets"), 50000, 100000,
                                                            "both")),
                                                (3, d("lt", 50000, v.lab("platelets")))], 3),
             "lymphocytes": ("lymphopenia", [(1, between(v.lab("lymphocytes"), 500, 1000,
                                                         "neither")),
                                             (2, d("le", 500, v.lab("lymphocytes")))], 2)}
    legacy = _present(v, "haematological.non_autoimmune_cytopenia")
    stated_none = v.code("haematological.involvement") == "absent"
    lv, hpos = [], []
    for lab, (line, bands, top) in lines.items():
        if v.acode(f"haematological.{line}", "cause") in non_ai:
            continue
        for level, hit in bands:
            if hit:
                (hpos if legacy else lv).append(level)
        others = [o for o in lines if o != lab]
        if v.lab_st(lab) in MISSING and not stated_none and \
                any(v.lab_st(o) == "reported" for o in others):
            hpos.append(top)
    finish("haematological", lv, (), ("neutrophils", "haemoglobin", "platelets", "lymphocytes"),
           possible=tuple(hpos))

    # 12 biological
    lv = []
    igg = v.lab("igg")
    if between(igg, 16, 20, "both"):
        lv.append(1)
    for k in ("c3", "c4", "ch50"):
        if v.lab_flag(k) == "low":
            lv.append(1)
    if v.code("clonal_component") == "positive":
        lv.append(1)
    if _present(v, "biological.hypergammaglobulinaemia") and v.lab_st("igg") in MISSING:
        lv.append(1)
    if d("gt", 20, igg):
        lv.append(2)
    if v.code("cryoglobulins") == "positive":
        lv.append(2)
    rh = "biological.recent_hypogammaglobulinaemia"
    if _present(v, rh) and v.acode(rh, "cause") not in ("drug", "other"):
        lv.append(2)
    b_inputs = ("cryoglobulins", "clonal_component", "biological.hypergammaglobulinaemia", rh)
    b_labs = ("igg", "c3", "c4", "ch50")
    nothing = _missing(v, b_inputs) and all(v.lab_st(k) in MISSING for k in b_labs)
    # a missing IgG or cryoglobulin test leaves moderate open once anything else is recorded
    b_pos = (2,) if not nothing and (v.lab_st("igg") in MISSING or
                                     v.st("cryoglobulins") in MISSING) else ()
    finish("biological", lv, b_inputs, b_labs, possible=b_pos)
    return out


CNS = ("cns.cranial_nerve_central", "cns.optic_neuritis", "cns.ms_like_sensory",
       "cns.cognitive_impairment", "cns.cerebral_vasculitis", "cns.seizures",
       "cns.transverse_myelitis", "cns.lymphocytic_meningitis", "cns.ms_like_motor")


def essdai_total(domains: dict[str, tuple[str, int | None]]) -> int:
    """The documented ESSDAI: not-assessable domains count 0."""
    return sum(WEIGHTS[k] * (lvl or 0) for k, (_, lvl) in domains.items())


# --- criteria ------------------------------------------------------------------------------------

Q2016 = ("dry_eyes_3_months", "sand_gravel_eyes", "tear_substitutes_3_daily",
         "dry_mouth_3_months", "drinks_to_swallow")
Q_OCULAR = ("dry_eyes_3_months", "sand_gravel_eyes", "tear_substitutes_3_daily")
Q_ORAL = ("dry_mouth_3_months", "swollen_salivary_glands", "drinks_to_swallow")


def _answer(v: View, q: str) -> str | None:
    """yes | no as the criteria read the answer (None: unknown)."""
    a = v.code(q)
    if a not in ("yes", "no"):
        return None
    if v.acode(q, "inferred") == "yes" and v.opt["inferred_symptoms"] == "unknown":
        return None
    return a


def _three(answers: list[str | None]) -> str:
    if "yes" in answers:
        return "positive"
    if all(a == "no" for a in answers):
        return "negative"
    return "unknown"


def _focus(v: View) -> str:
    fs = v.num("focus_score")
    fls_no = v.acode("focus_score", "focal_lymphocytic_sialadenitis") == "no"
    interp = v.acode("focus_score", "interpreted") == "yes"
    reading_unknown = v.opt["focus_score_reading"] == "unknown"
    if interp and reading_unknown:
        return "unknown"
    if d("ge", 1, fs) and not fls_no:
        return "positive"
    if d("lt", 1, fs) or fls_no:
        return "negative"
    return "unknown"


def _anti_ro(v: View) -> str:
    ssa, ro60, ro52 = v.code("anti_ssa"), v.code("anti_ro60"), v.code("anti_ro52")
    if ssa == "positive" or ro60 == "positive":
        return "positive"
    if ro52 == "positive":
        return "unknown"
    if ssa == "negative" or ro60 == "negative":
        return "negative"
    return "unknown"


def _anti_ro_2016(v: View) -> str:
    """The 2016 item: an isolated anti-Ro52 is read by the option anti_ro52_isolated."""
    got = _anti_ro(v)
    ro52_alone = v.code("anti_ro52") == "positive" and got == "unknown" and \
        "positive" not in (v.code("anti_ssa"), v.code("anti_ro60"))
    if not ro52_alone:
        return got
    reading = v.opt.get("anti_ro52_isolated", "unknown")
    if reading == "positive":
        return "positive"
    if reading == "negative":
        return "negative" if "negative" in (v.code("anti_ssa"), v.code("anti_ro60")) \
            else "unknown"
    return "unknown"


def _anticholinergic(v: View, n: str) -> bool:
    u = v.acode(n, "under_anticholinergic")
    return u == "yes" or (v.code("anticholinergic") == "present" and u != "no")


def _exclusion(v: View, n: str) -> str:
    c = v.code(n)
    if c == "present":
        return "present"
    if c == "absent":
        return "absent"
    return "not_documented" if v.st(n) in MISSING_INV else "?"


def _conditional(v: View, n: str, a: str) -> str:
    c = v.code(n)
    if c == "absent":
        return "absent"
    if c == "present":
        q = v.acode(n, a)
        return "present" if q == "yes" else "absent" if q == "no" else "not_documented"
    return "not_documented" if v.st(n) in MISSING_INV else "?"


def _threshold(states: dict[str, str], weights: dict[str, int], threshold: int) -> tuple[str,
                                                                                         int, int]:
    lo = sum(weights[i] for i, s in states.items() if s == "positive")
    hi = lo + sum(weights[i] for i, s in states.items() if s == "unknown")
    return ("met" if lo >= threshold else "not_met" if hi < threshold else "undetermined"), lo, hi


def _gate(verdict: str, exclusions: dict[str, str], entry: str | None) -> str:
    if "present" in exclusions.values():
        return "excluded"
    if entry == "negative":
        return "not_applicable"
    if entry == "unknown":
        return "undetermined"
    return verdict


EXCL_2016 = ("head_neck_radiation", "aids", "sarcoidosis", "amyloidosis", "gvhd",
             "igg4_related_disease")


def criteria(v: View, domains: dict[str, tuple[str, int | None]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    focus = _focus(v)
    anti_ro = _anti_ro(v)

    # 2016 ACR/EULAR
    answers = [_answer(v, q) for q in Q2016]
    suspicion = any((lvl or 0) >= 1 for st, lvl in domains.values()
                    if st in ("rated", "partly_assessable"))
    open_ = any(st in ("not_assessable", "partly_assessable") for st, _ in domains.values())
    if "yes" in answers or suspicion:
        entry = "positive"
    elif all(a == "no" for a in answers) and not open_:
        entry = "negative"
    else:
        entry = "unknown"
    readings = []
    for n, pos, neg in (("ocular_staining_score", ("ge", 5.0), ("lt", 5.0)),
                        ("van_bijsterveld", ("ge", 4.0), ("lt", 4.0))):
        x = v.num(n)
        if _anticholinergic(v, n):
            readings.append("invalid" if v.st(n) == "reported" else None)
        else:
            readings.append("positive" if d(*pos, x) else "negative" if d(*neg, x) else None)
    if "positive" in readings:
        ocular = "positive"
    elif "negative" in readings:
        ocular = "negative"
    else:
        ocular = "unknown"

    def reading(n: str, pos: tuple[str, float], neg: tuple[str, float]) -> str:
        x = v.num(n)
        if _anticholinergic(v, n):
            return "unknown"
        return "positive" if d(*pos, x) else "negative" if d(*neg, x) else "unknown"

    items16 = {"focus_score": focus, "anti_ssa": _anti_ro_2016(v), "ocular_staining": ocular,
               "schirmer": reading("schirmer", ("le", 5.0), ("gt", 5.0)),
               "saliva_flow": reading("unstimulated_saliva_flow", ("le", 0.1), ("gt", 0.1))}
    excl16 = {x: _exclusion(v, x) for x in EXCL_2016}
    excl16["hcv"] = _conditional(v, "hcv", "active_pcr")
    w16 = {"focus_score": 3, "anti_ssa": 3, "ocular_staining": 1, "schirmer": 1,
           "saliva_flow": 1}
    verdict, lo, hi = _threshold(items16, w16, 4)
    out["acr_eular_2016"] = {"items": items16, "entry": entry, "exclusions": excl16,
                             "verdict": _gate(verdict, excl16, entry), "score_min": lo,
                             "score_max": hi}

    # 2002 AECG
    strict = v.opt["aecg_mode"] == "strict"
    schir, vb = v.num("schirmer"), v.num("van_bijsterveld")
    if d("le", 5, schir) or d("ge", 4, vb):
        signs = "positive"
    elif strict:
        signs = "negative" if d("gt", 5, schir) and d("lt", 4, vb) else "unknown"
    else:
        s_ok = d("gt", 5, schir) or v.st("schirmer") in NOT_DONE_NR
        v_ok = d("lt", 4, vb) or v.st("van_bijsterveld") in NOT_DONE_NR
        signs = "negative" if (d("gt", 5, schir) or d("lt", 4, vb)) and s_ok and v_ok \
            else "unknown"
    uws = v.num("unstimulated_saliva_flow")
    sia, sci = v.code("sialography"), v.code("scintigraphy")
    if d("le", 0.1, uws) or sia == "positive" or sci == "positive":
        saliv = "positive"
    elif strict:
        saliv = "negative" if d("gt", 0.1, uws) and sia == "negative" and sci == "negative" \
            else "unknown"
    else:
        u_ok = d("gt", 0.1, uws) or v.st("unstimulated_saliva_flow") in NOT_DONE_NR
        a_ok = sia == "negative" or v.st("sialography") in NOT_DONE_NR
        c_ok = sci == "negative" or v.st("scintigraphy") in NOT_DONE_NR
        any_neg = d("gt", 0.1, uws) or sia == "negative" or sci == "negative"
        saliv = "negative" if any_neg and u_ok and a_ok and c_ok else "unknown"
    ssb = v.code("anti_ssb")
    if anti_ro == "positive" or ssb == "positive":
        auto = "positive"
    elif anti_ro == "negative" and ssb == "negative":
        auto = "negative"
    else:
        auto = "unknown"
    items02 = {"ocular_symptoms": _three([_answer(v, q) for q in Q_OCULAR]),
               "oral_symptoms": _three([_answer(v, q) for q in Q_ORAL]),
               "ocular_signs": signs, "histopathology": focus,
               "salivary_involvement": saliv, "autoantibodies": auto}
    excl02 = {x: _exclusion(v, x) for x in ("head_neck_radiation", "hcv", "aids",
                                            "sarcoidosis", "gvhd")}
    excl02["lymphoma"] = _conditional(v, "lymphoma", "pre_existing")
    under = any(v.acode(n, "under_anticholinergic") == "yes"
                for n in ("schirmer", "van_bijsterveld", "unstimulated_saliva_flow"))
    ac = v.code("anticholinergic")
    excl02["anticholinergic"] = "present" if ac == "present" or under else \
        "absent" if ac == "absent" else \
        "not_documented" if v.st("anticholinergic") in MISSING_INV else "?"
    assoc = _exclusion(v, "associated_ctd")
    secondary = assoc == "present"
    objective = ("ocular_signs", "histopathology", "salivary_involvement", "autoantibodies")

    def holds(assume_positive: bool) -> bool:
        pos = {i for i, s in items02.items()
               if s == "positive" or (s == "unknown" and assume_positive)}
        if secondary:
            return bool(pos & {"ocular_symptoms", "oral_symptoms"}) and \
                len(pos & {"ocular_signs", "histopathology", "salivary_involvement"}) >= 2
        rule_a = len(pos) >= 4 and bool(pos & {"histopathology", "autoantibodies"})
        rule_b = len(pos & set(objective)) >= 3
        return rule_a or rule_b

    verdict = "met" if holds(False) else "not_met" if not holds(True) else "undetermined"
    lo = sum(s == "positive" for s in items02.values())
    hi = lo + sum(s == "unknown" for s in items02.values())
    out["aecg_2002"] = {"items": items02, "entry": None, "exclusions": excl02,
                        "associated_disease": assoc, "verdict": _gate(verdict, excl02, None),
                        "score_min": lo, "score_max": hi}

    # 2012 ACR
    la = "positive" if ssb == "positive" else "negative" if ssb == "negative" else "unknown"
    rf = v.code("rf")
    rf_flag = v.lab_flag("rf_igm")
    titre = v.anum("ana", "titre")
    ana = v.code("ana")
    if (rf == "positive" or rf_flag == "high") and d("ge", 320, titre) and ana != "negative":
        rf_ana = "positive"
    elif (rf != "positive" and rf_flag != "high" and
          (rf == "negative" or rf_flag in ("normal", "low"))) or ana == "negative" or \
            d("lt", 320, titre):
        rf_ana = "negative"
    else:
        rf_ana = "unknown"
    parts = (anti_ro, la, rf_ana)
    sero = "positive" if "positive" in parts else \
        "negative" if all(p == "negative" for p in parts) else "unknown"
    oss = v.num("ocular_staining_score")
    if v.code("glaucoma_drops") == "present" or v.code("eye_surgery_5_years") == "present":
        oc12 = "unknown"
    else:
        oc12 = "positive" if d("ge", 3, oss) else "negative" if d("lt", 3, oss) else "unknown"
    items12 = {"serology": sero, "focus_score": focus, "ocular_staining": oc12}
    excl12 = {x: _exclusion(v, x) for x in ("head_neck_radiation", "hcv", "aids", "sarcoidosis",
                                            "amyloidosis", "gvhd", "igg4_related_disease")}
    verdict, lo, hi = _threshold(items12, dict.fromkeys(items12, 1), 2)
    out["acr_2012"] = {"items": items12, "entry": None, "exclusions": excl12,
                       "verdict": _gate(verdict, excl12, None), "score_min": lo,
                       "score_max": hi}
    return out


class HandCoded:
    """Scores parsed cases with the hard-wired rules above."""

    def __init__(self, vocabulary: Any, options: dict[str, str] | None = None) -> None:
        self.cumulative = frozenset(n for n, i in vocabulary.items.items() if i.cumulative)
        self.options = dict(DEFAULT_OPTIONS, **(options or {}))

    def score(self, case: Any, tp: Any) -> dict[str, Any]:
        v = View(case, tp, self.cumulative, self.options)
        doms = essdai(v)
        return {"essdai": {"domains": doms, "documented": essdai_total(doms)},
                "criteria": criteria(v, doms)}


def project(tp: dict[str, Any]) -> dict[str, Any]:
    """The same shape from a timepoint of the public report JSON (what the engine says)."""
    e = tp["essdai"]
    out: dict[str, Any] = {
        "essdai": {"domains": {k: (x["state"], x["level"]) for k, x in e["domains"].items()},
                   "documented": int(e["documented"])},
        "criteria": {}}
    for name, c in tp.get("criteria", {}).items():
        row = {"items": {k: x["state"] for k, x in c["items"].items()},
               "entry": c["entry"]["state"] if c.get("entry") else None,
               "exclusions": dict(c["exclusions"]), "verdict": c["verdict"],
               "score_min": c["score_min"], "score_max": c["score_max"]}
        if "associated_disease" in c:
            row["associated_disease"] = c["associated_disease"]
        out["criteria"][name] = row
    return out


def differences(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where two projections differ (dotted path, engine value, hand-coded value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[tuple[str, Any, Any]] = []
        for k in sorted(set(a) | set(b), key=str):
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    return [] if a == b else [(path, a, b)]
