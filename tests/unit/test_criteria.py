"""Criteria verdict arithmetic (scores/criteria.py), rule totality, the JSON contract, what-if.

The arithmetic is shown in comments; the rules' totality (every item concludes exactly one
state for any input) is checked on seeded random visits dense around every cut point, on both
backends.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sicca.running.evaluate import Sicca
from sicca.scores import criteria as C
from sicca.testing.steps.criteria import criteria_sicca
from tests.support.toy import TOY_CRITERIA, TOY_UNKNOWN_RULE

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"
SETS = ("acr_eular_2016", "aecg_2002", "acr_2012")


@pytest.fixture(scope="module")
def native() -> Sicca:
    return criteria_sicca("native")


@pytest.fixture(scope="module")
def durable() -> Sicca:
    return criteria_sicca("durable")


def _meta(sicca: Sicca, name: str) -> dict[str, Any]:
    return C.set_meta(sicca, name)


# --- 2016: weighted sum -----------------------------------------------------------------------

def _states16(**kw: str) -> dict[str, str]:
    base = dict.fromkeys(("focus_score", "anti_ssa", "ocular_staining", "schirmer",
                          "saliva_flow"), "negative")
    return {**base, **kw}


def test_2016_three_points_is_not_met_and_four_is_met(native: Sicca) -> None:
    m = _meta(native, "acr_eular_2016")
    # 3 (focus score) + 0 + 0 + 0 + 0 = 3 < 4
    assert C.weighted_sum(_states16(focus_score="positive"), m)[:3] == ("not_met", 3, 3)
    # 3 (focus score) + 1 (Schirmer) = 4 >= 4
    assert C.weighted_sum(_states16(focus_score="positive", schirmer="positive"), m)[:3] == \
        ("met", 4, 4)


def test_2016_unknowns_widen_the_range_and_leave_it_undetermined(native: Sicca) -> None:
    m = _meta(native, "acr_eular_2016")
    s = _states16(focus_score="positive", anti_ssa="unknown", ocular_staining="unknown",
                  schirmer="unknown", saliva_flow="unknown")
    # 3 min; 3 + 3 + 1 + 1 + 1 = 9 max
    assert C.weighted_sum(s, m)[:3] == ("undetermined", 3, 9)
    # 0 + 1 + 1 (two unknown 1-point items) = 2 max < 4
    s = _states16(schirmer="unknown", saliva_flow="unknown")
    assert C.weighted_sum(s, m)[:3] == ("not_met", 0, 2)


def test_verdict_order_excluded_then_not_applicable_then_entry_unknown(native: Sicca) -> None:
    m = _meta(native, "acr_eular_2016")
    met = _states16(focus_score="positive", anti_ssa="positive")  # 6 points
    assert C.verdict_of(m, met, "positive", {"hcv": "present"})[0] == "excluded"
    assert C.verdict_of(m, met, "negative", {"hcv": "present"})[0] == "excluded"
    assert C.verdict_of(m, met, "negative", {"hcv": "absent"})[0] == "not_applicable"
    assert C.verdict_of(m, met, "unknown", {"hcv": "absent"})[0] == "undetermined"
    assert C.verdict_of(m, met, "positive", {"hcv": "not_documented"})[0] == "met"


# --- 2012: count ------------------------------------------------------------------------------

def test_2012_two_of_three(native: Sicca) -> None:
    m = _meta(native, "acr_2012")
    one = {"serology": "positive", "focus_score": "negative", "ocular_staining": "negative"}
    two = dict(one, focus_score="positive")
    assert C.count(one, m)[:3] == ("not_met", 1, 1)
    assert C.count(two, m)[:3] == ("met", 2, 2)
    # 1 positive + 1 unknown = 1 to 2: undetermined
    assert C.count(dict(one, ocular_staining="unknown"), m)[:3] == ("undetermined", 1, 2)


# --- AECG -------------------------------------------------------------------------------------

AECG_ITEMS = ("ocular_symptoms", "oral_symptoms", "ocular_signs", "histopathology",
              "salivary_involvement", "autoantibodies")


def _aecg(pos: str = "", unk: str = "") -> dict[str, str]:
    roman = dict(zip(("I", "II", "III", "IV", "V", "VI"), AECG_ITEMS, strict=True))
    out = dict.fromkeys(AECG_ITEMS, "negative")
    for r in pos.split():
        out[roman[r]] = "positive"
    for r in unk.split():
        out[roman[r]] = "unknown"
    return out


def test_aecg_rule_a_needs_iv_or_vi(native: Sicca) -> None:
    m = _meta(native, "aecg_2002")
    # I + II + IV + VI = 4 with IV: (a)
    v, lo, hi, d = C.aecg(_aecg("I II IV VI"), m)
    assert (v, lo, hi, d["rules_met"]) == ("met", 4, 4, ["a"])
    # I + II + III + V = 4 without IV or VI; objective III + V = 2 < 3
    assert C.aecg(_aecg("I II III V"), m)[0] == "not_met"


def test_aecg_rule_b_three_objective(native: Sicca) -> None:
    m = _meta(native, "aecg_2002")
    assert C.aecg(_aecg("III IV V"), m)[3]["rules_met"] == ["b"]
    assert C.aecg(_aecg("III V VI"), m)[0] == "met"
    assert C.aecg(_aecg("III V"), m)[0] == "not_met"


def test_aecg_pessimistic_and_optimistic(native: Sicca) -> None:
    m = _meta(native, "aecg_2002")
    # I + II + VI = 3 known; III, IV, V unknown: optimistic 6 holds, pessimistic 3 fails
    assert C.aecg(_aecg("I II VI", unk="III IV V"), m)[0] == "undetermined"
    # III unknown only, I + II = 2 positive: optimistic I + II + III = 3 < 4, 1 objective
    assert C.aecg(_aecg("I II", unk="III"), m)[0] == "not_met"


def test_aecg_secondary_rule_ignores_serology(native: Sicca) -> None:
    m = _meta(native, "aecg_2002")
    v, *_, d = C.aecg(_aecg("I III IV"), m, secondary=True)
    assert (v, d["classification"], d["rules_met"]) == ("met", "secondary SS", ["secondary"])
    # I + VI: serology is not part of the secondary rule
    assert C.aecg(_aecg("I VI"), m, secondary=True)[0] == "not_met"
    assert C.aecg(_aecg("II IV", unk="V"), m, secondary=True)[0] == "undetermined"


# --- the rules are total: exactly one state per item, on both backends ------------------------

def _conclusion_counts(program: dict[str, Any], derived_ids: Any) -> Counter[str]:
    names = {d["id"]: d["name"] for d in program["derived"]}
    return Counter(names[d] for d in derived_ids)


def _totality_facts(sicca: Sicca) -> list[str]:
    out = []
    for name in SETS:
        m = C.set_meta(sicca, name)
        out += [f"{name}.item.{i}" for i in m["items"]]
        out += [f"{name}.exclusion.{x}" for x in m.get("exclusions", {})]
        if m.get("entry"):
            out.append(f"{name}.entry")
    out.append("aecg_2002.associated_ctd")
    return out


@pytest.mark.parametrize("n", [300, pytest.param(3000, marks=pytest.mark.slow)])
def test_every_item_entry_and_exclusion_concludes_exactly_one_state(native: Sicca,
                                                                    durable: Sicca,
                                                                    n: int) -> None:
    from tests.support.randomvisits import random_visits

    program = native.program
    visits = random_visits(program, native.compiled.catalog, n, seed=2016 + n)
    must = _totality_facts(native)
    for k, v in enumerate(visits):
        raw = native.backend.evaluate(v)
        got = _conclusion_counts(program, raw.derived)
        if not any(f["censor"] for f in v):
            bad = {f: got[f] for f in must if got[f] != 1}
        else:  # a censored value may leave a state open: at most one definite, some possible
            maybe = _conclusion_counts(program, raw.possible)
            bad = {f: (got[f], maybe[f]) for f in must if got[f] > 1 or got[f] + maybe[f] == 0}
        assert not bad, f"visit {k}: {bad}"
    # durable-rules agrees with the native oracle (test_backends.py compares thousands more)
    for v in visits[:20]:
        assert durable.backend.evaluate(v).canonical() == native.backend.evaluate(v).canonical()


# --- the seed case: verdicts and the JSON contract ---------------------------------------------

def _seed(sicca: Sicca, **options: str) -> dict[str, Any]:
    from sicca.report.build import build

    case = sicca.load_case(SEED)
    return build(sicca, case, options)


@pytest.mark.parametrize("engine", ["durable", "native"])
def test_seed_verdicts_match_spec_9_5(engine: str) -> None:
    rep = _seed(criteria_sicca(engine))
    for tp in rep["timepoints"]:
        c = tp["criteria"]
        assert (c["aecg_2002"]["verdict"], c["aecg_2002"]["rules_met"],
                c["aecg_2002"]["classification"]) == ("met", ["a"], "primary SS")
        assert c["acr_2012"]["verdict"] == "met"
        s16 = c["acr_eular_2016"]
        # 3 (focus score) + 0 known = 3; + 3 + 1 + 1 + 1 unknown = 9
        assert (s16["verdict"], s16["score_min"], s16["score_max"]) == ("undetermined", 3, 9)
        assert [m["item"] for m in s16["missing"]] == ["anti_ssa", "ocular_staining",
                                                      "schirmer", "saliva_flow"]
        assert all("conditional" in x and "exclusions_not_documented" in x["conditional"]
                   for x in c.values())


@pytest.mark.parametrize("engine", ["durable", "native"])
def test_seed_with_the_biopsy_unknown(engine: str) -> None:
    rep = _seed(criteria_sicca(engine), focus_score_reading="unknown")
    for tp in rep["timepoints"]:
        c = tp["criteria"]
        assert c["aecg_2002"]["verdict"] == "undetermined"
        assert c["acr_2012"]["verdict"] == "undetermined"
        assert (c["acr_eular_2016"]["score_min"], c["acr_eular_2016"]["score_max"]) == (0, 9)


def test_criteria_json_contract(native: Sicca) -> None:
    c = _seed(native)["timepoints"][0]["criteria"]
    assert list(c) == list(SETS)
    for res in c.values():
        assert {"verdict", "score_min", "score_max", "items", "missing", "conditional",
                "rules"} <= set(res)
        assert res["verdict"] in C.VERDICTS
        for it in res["items"].values():
            assert {"state", "points", "rules"} <= set(it)
            assert it["state"] in C.ITEM_STATES
        for m in res["missing"]:
            assert {"item", "decides", "if_positive", "if_negative"} <= set(m)
    assert c["acr_eular_2016"]["interpreted"] == ["focus_score"]
    assert c["aecg_2002"]["inferred"] == ["ocular_symptoms", "oral_symptoms"]


def test_a_new_criteria_set_needs_only_its_yaml(tmp_path: Path) -> None:
    """Its rule file, and the pack manifest (also YAML) declaring it among the instruments."""
    (tmp_path / "toy.yaml").write_text(TOY_CRITERIA + TOY_UNKNOWN_RULE)
    undeclared = _seed(Sicca.load(rules=[tmp_path], engine="native"))
    assert "toy_criteria" not in undeclared["timepoints"][0]["criteria"]
    (tmp_path / "pack.yaml").write_text("kind: pack\ninstruments: [acr_2012, toy_criteria]\n")
    sicca = Sicca.load(rules=[tmp_path], engine="native")
    rep = _seed(sicca)
    assert list(rep["timepoints"][0]["criteria"]) == ["acr_2012", "toy_criteria"]
    assert "essdai" not in rep["timepoints"][0]
    toy = rep["timepoints"][0]["criteria"]["toy_criteria"]
    # anti-SSB positive: 1 of 1 needed
    assert (toy["verdict"], toy["score_min"], toy["score_max"]) == ("met", 1, 1)
    assert toy["items"]["anti_ssb"]["rules"] == ["toy_criteria.anti_ssb.positive"]


# --- what-if ----------------------------------------------------------------------------------

def _cli(*argv: str) -> tuple[int, str, str]:
    from sicca.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_whatif_anti_ssa_positive_classifies_by_2016() -> None:
    code, out, _ = _cli("what-if", str(SEED), "--set", "anti_ssa=positive", "-f", "json",
                        "--engine", "native")
    assert code == 0
    data = json.loads(out)
    assert data["hypothetical"] == [{"set": "anti_ssa=positive", "item": "anti_ssa",
                                     "value": "positive", "hypothetical": True,
                                     "kind": "item"}]
    for tp in data["timepoints"]:
        r = tp["criteria"]["acr_eular_2016"]
        # 3 (focus score) + 3 (anti-SSA, hypothetical) = 6 >= 4
        assert (r["before"]["verdict"], r["after"]["verdict"]) == ("undetermined", "met")
        assert (r["after"]["score_min"], r["after"]["score_max"]) == (6, 9)
        assert r["items_changed"] == {"anti_ssa": ["unknown", "positive"]}
        assert r["after"]["items"]["anti_ssa"]["hypothetical"] is True
        assert "hypothetical_values" in r["after"]["conditional"]
        assert tp["criteria"]["aecg_2002"]["changed"] is False


def test_whatif_table_marks_hypothetical_values() -> None:
    code, out, _ = _cli("what-if", str(SEED), "--set", "schirmer=4", "-t", "baseline",
                        "--engine", "native")
    assert code == 0
    assert "hypothetical: schirmer=4" in out
    assert "(hypothetical)" in out


def test_whatif_one_eye_and_both_eyes(native: Sicca) -> None:
    from sicca.api.whatif import parse_hypotheticals

    vocab = native.catalogue.vocabulary
    both = parse_hypotheticals([("schirmer", "4")], vocab)["schirmer"]
    assert (both.sides["right"].value, both.sides["left"].value) == (4, 4)
    one = parse_hypotheticals([("schirmer.right", "4"), ("schirmer.left", "9")], vocab)
    assert one["schirmer"].value == 4  # worse eye = minimum
    assert one["schirmer"].flags["hypothetical"] is True


@pytest.mark.parametrize("pair, message", [
    ("anti_ssa=maybe", "'maybe' is not a result"),
    ("anti_sa=positive", "did you mean 'anti_ssa'"),
    ("ocular_staining_score=13", "out of range"),
    ("anti_ssa", "is not NAME=VALUE"),
])
def test_whatif_bad_values_are_located_errors_exit_2(pair: str, message: str) -> None:
    code, _, err = _cli("what-if", str(SEED), "--set", pair, "--engine", "native")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_score_prints_one_line_per_set_and_the_missing_items() -> None:
    code, out, _ = _cli("score", str(SEED), "-t", "baseline", "--engine", "native")
    assert code == 0
    lines = out.splitlines()
    for name in SETS:
        assert any(line.startswith(f"{name} ") for line in lines), name
    # AECG 2002 rule a: 4 of 6 items with histopathology, up to 6 if III and V turn positive
    assert "aecg_2002 met by rule a · primary SS · score 4–6" in out
    # 2016: focus score 3; anti-SSA 3, staining 1, Schirmer 1, saliva 1 unknown: 3..3+6 = 9,
    # and any one of them positive reaches the 4 needed
    assert "acr_eular_2016 undetermined · score 3–9" in out
    assert ("  missing anti_ssa, ocular_staining, schirmer, saliva_flow: positive would give met"
            in lines)
    assert "ocular_staining  unknown" not in out  # the checklist table is --detail's


def test_score_detail_prints_a_checklist_per_set() -> None:
    code, out, _ = _cli("score", str(SEED), "-t", "baseline", "--engine", "native", "--detail")
    assert code == 0
    for name in SETS:
        assert name in out
    assert "verdict met by rule a · primary SS" in out
    assert "missing anti_ssa: positive would give met" in out
    # the piped checklist: one row per item, columns item, state, points, rules
    row = next(line for line in out.splitlines() if line.startswith("IV histopathology"))
    assert row.split()[2:5] == ["positive", "(interpreted)", "1"], row


# --- what-if on every instrument (issue 11 part 4) ------------------------------------------


def _whatif_json(*sets: str, tp: str = "after_12_infusions") -> dict[str, Any]:
    argv = ["what-if", str(SEED), "-f", "json", "--engine", "native", "-t", tp]
    for s in sets:
        argv += ["--set", s]
    code, out, err = _cli(*argv)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_whatif_purpura_present_changes_essdai_on_the_seed_case() -> None:
    d = _whatif_json("cutaneous.purpura=present")
    e = d["timepoints"][0]["essdai"]
    # recorded: faded marks (residual) -> cutaneous 0; biological 2 x 1 = 2
    # hypothetical: purpura present, extent unstated -> cutaneous 2 x 3 = 6; 6 + 2 = 8
    assert (e["before"]["documented"], e["after"]["documented"]) == (2, 8)
    assert e["changed"] is True
    assert e["domains_changed"]["cutaneous"]["after"]["level"] == 2
    assert d["hypothetical"][0]["kind"] == "item"
    # the response baseline -> 12 infusions is re-done too (not in the -t run: one timepoint)
    assert d["changes"] == []


def test_whatif_lab_value_moves_the_biological_domain() -> None:
    # IgG 25.2 g/L (> 20: biological 2) -> hypothetical 18 g/L (16-20: biological 1)
    d = _whatif_json("lab.igg=18")
    e = d["timepoints"][0]["essdai"]
    assert e["domains_changed"]["biological"]["before"]["level"] == 2
    assert e["domains_changed"]["biological"]["after"]["level"] == 1
    assert (e["before"]["documented"], e["after"]["documented"]) == (2, 1)
    assert d["hypothetical"][0] == {"set": "lab.igg=18", "item": "lab.igg", "value": "18",
                                    "hypothetical": True, "kind": "lab"}
    # in another unit: 1800 mg/dL = 18 g/L, same result
    d2 = _whatif_json("lab.igg=1800 mg/dL")
    assert d2["timepoints"][0]["essdai"]["after"]["documented"] == 1


def test_whatif_censored_lab_and_censored_per_eye_value_are_kept() -> None:
    # ">5" both eyes: Schirmer > 5 mm in the worse eye -> 2016 item negative (was unknown)
    d = _whatif_json('schirmer=">5"', tp="baseline")
    r = d["timepoints"][0]["criteria"]["acr_eular_2016"]
    assert r["items_changed"]["schirmer"] == ["unknown", "negative"]
    # focus 3 + anti-SSA 0..3 + OSS 0..1 + saliva 0..1 = 3..8 (was 3..9)
    assert (r["after"]["score_min"], r["after"]["score_max"]) == (3, 8)
    # the shell strips the quotes: >5 arrives bare and must not become an empty string
    d = _whatif_json("schirmer=>5", tp="baseline")
    assert d["timepoints"][0]["criteria"]["acr_eular_2016"]["after"]["score_max"] == 8
    # a censored lab: IgG "<16" g/L lies wholly below the low band (16-20): biological 2 -> 0
    d = _whatif_json("lab.igg=<16")
    dom = d["timepoints"][0]["essdai"]["domains_changed"]["biological"]
    assert (dom["before"]["level"], dom["after"]["level"]) == (2, 0)


def test_whatif_option_is_compared_and_marked() -> None:
    d = _whatif_json("option.purpura_extent=generalised", tp="baseline")
    e = d["timepoints"][0]["essdai"]
    # lower-limb purpura: high (3 x 3 = 9) -> limited (2 x 3 = 6); 9 + 2 = 11 -> 6 + 2 = 8
    assert (e["before"]["documented"], e["after"]["documented"]) == (11, 8)
    assert d["options"]["purpura_extent"] == "complement"
    assert d["options_after"]["purpura_extent"] == "generalised"
    assert d["hypothetical"][0]["kind"] == "option"
    # the option's bare name works too
    d = _whatif_json("purpura_extent=generalised", tp="baseline")
    assert d["timepoints"][0]["essdai"]["after"]["documented"] == 8


def test_whatif_changes_between_timepoints_are_compared() -> None:
    code, out, err = _cli("what-if", str(SEED), "-f", "json", "--engine", "native",
                          "--set", "cutaneous.purpura=absent")
    assert code == 0, err
    d = json.loads(out)
    first = next(c for c in d["changes"] if (c["from"], c["to"]) ==
                 ("baseline", "after_12_infusions"))
    # recorded: 11 -> 2 = -9 (MCII met); purpura absent everywhere: 2 -> 2 = 0 (not met)
    assert (first["before"]["essdai_delta"], first["after"]["essdai_delta"]) == (-9, 0)
    assert "essdai_mcii" in first["keys_changed"]


def test_whatif_unknown_lab_and_bad_option_are_exit_2() -> None:
    code, _, err = _cli("what-if", str(SEED), "--set", "lab.igx=3", "--engine", "native")
    assert code == 2 and "lab.igg" in err and "Traceback" not in err
    code, _, err = _cli("what-if", str(SEED), "--set", "option.purpura_extent=wide",
                        "--engine", "native")
    assert code == 2 and "not a value of option" in err


def test_whatif_lab_keeps_the_recorded_reference_or_takes_one_set(native: Sicca) -> None:
    from sicca.api.whatif import lab_overrides, parse_settings

    case = native.load_case(SEED)
    vocab, table = native.catalogue.vocabulary, case.analytes
    # baseline C3 is recorded with the laboratory's range 0.9-1.8 g/L: 0.8 is below it (low)
    h = parse_settings([("lab.c3", "0.8")], vocab, table)
    facts = lab_overrides(case, h.labs)["baseline"]
    assert (facts["lab.c3"].value, facts["lab.c3.flag"].code) == (Decimal("0.8"), "low")
    assert facts["lab.c3"].flags == {"hypothetical": True}
    # in another unit: 80 mg/dL = 0.8 g/L, against the same range converted: low
    h = parse_settings([("lab.C3", "80 mg/dL")], vocab, table)
    assert lab_overrides(case, h.labs)["baseline"]["lab.c3.flag"].code == "low"
    # a range set with it: 0.8 within 0.5-1.0 is normal
    h = parse_settings([("lab.c3", "0.8"), ("lab.c3.reference", "0.5-1.0")], vocab, table)
    assert lab_overrides(case, h.labs)["baseline"]["lab.c3.flag"].code == "normal"
    # not measured after 12 infusions and only a range set: nothing to apply it to
    h = parse_settings([("lab.c3.reference", "0.5-1.0")], vocab, table)
    assert lab_overrides(case, h.labs)["after_12_infusions"] == {}
