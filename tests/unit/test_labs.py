"""sicca.records.labs: analyte table, values, ranges, flags (censoring), changes, paper words."""

from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from sicca.base.errors import InputError, RuleSyntaxError, UnitError
from sicca.base.yamlsrc import Sourced, parse_text
from sicca.records.labs import (
    AnalyteTable,
    LabResult,
    ReferenceRange,
    compute_changes,
    direction,
    paper_change,
    parse_lab_entry,
    parse_value,
)

# Table 1 of the seed paper, copied in from the case folder (tests never read outside the repo).
TABLE1 = Path(__file__).resolve().parents[1] / "data" / "seed" / "table1.csv"
ROWS = list(csv.DictReader(TABLE1.open(encoding="utf-8")))


@pytest.fixture(scope="module")
def table() -> AnalyteTable:
    return AnalyteTable.default()


def lab(table: AnalyteTable, analyte: str, value: Any, unit: str,
        reference: str | None = None) -> LabResult:
    entry: dict[str, Any] = {"analyte": analyte, "value": value, "unit": unit}
    if reference is not None:
        entry["reference"] = reference
    return parse_lab_entry(entry, Sourced(entry, "t.yaml"), (), table)


# ------------------------------------------------------------------ analyte table

def test_all_table1_analytes_have_their_canonical_name(table: AnalyteTable) -> None:
    assert len(ROWS) == 30
    for row in ROWS:
        a = table.resolve(row["analyte"])
        assert a is not None and a.name == row["analyte"], row["analyte"]
        assert a.panel == row["panel"]


def test_essdai_analytes_present(table: AnalyteTable) -> None:
    for key, unit in [("haemoglobin", "g/dL"), ("neutrophils", "/mm3"),
                      ("lymphocytes", "/mm3"), ("platelets", "/mm3"), ("ck", "U/L"),
                      ("c3", "g/L"), ("c4", "g/L"), ("ch50", "U/mL"),
                      ("proteinuria", "g/d"), ("gfr", "mL/min"), ("igg", "g/L")]:
        a = table.resolve(key)
        assert a is not None and a.key == key and a.unit == unit
    assert table.resolve("cryoglobulins") is None  # a qualitative test, not a lab


def test_creatinine_in_substance_units_and_egfr_per_body_surface(table: AnalyteTable) -> None:
    # 0.12 mmol/L = 120 umol/L (x 1000); the lab's range 45-90 umol/L: 120 is high, 120/90
    r = lab(table, "serum creatinine", "0.12", "mmol/L", "0.045-0.090")
    assert (r.analyte.key, r.canonical_value, r.flag) == ("creatinine", D(120), "high")
    assert lab(table, "Creatinine", 120, "µmol/L").canonical_value == D(120)
    # mg/dL is a mass concentration: refused, never converted with a guessed molar mass
    with pytest.raises(UnitError):
        lab(table, "Creatinine", "1.2", "mg/dL")
    # an eGFR printed per 1.73 m2 is read as the GFR (mL/min), unchanged: 59 stays 59
    g = lab(table, "eGFR", 59, "mL/min/1.73m2")
    assert (g.analyte.key, g.canonical_value, g.unit) == ("gfr", D(59), "mL/min/{1.73_m2}")


@pytest.mark.parametrize(("name", "key"), [
    ("IL-1β", "il_1beta"), ("IL-1B", "il_1beta"), ("IL1b", "il_1beta"),
    ("IL-1 beta", "il_1beta"), ("il 1 BETA", "il_1beta"), ("TNF-α", "tnf_alpha"),
    ("IFN-γ", "ifn_gamma"), ("IL-17α", "il_17a"), ("il-17a", "il_17a"),
    ("Immunoglobulin G", "igg"), ("rheumatoid factors IgM", "rf_igm"), ("lab.crp", "crp"),
    ("nk_cells", "nk_cells"), ("Hb", "haemoglobin"), ("CD4/CD8 ratio", "cd4_cd8_ratio"),
])
def test_resolve(table: AnalyteTable, name: str, key: str) -> None:
    a = table.resolve(name)
    assert a is not None and a.key == key


def test_suggest(table: AnalyteTable) -> None:
    assert table.resolve("IL-1betta") is None
    assert table.suggest("IL-1betta") == "IL-1beta"
    assert table.suggest("zzzzzzzz") is None


def test_loinc_only_where_given(table: AnalyteTable) -> None:
    assert table.resolve("IgG").loinc == "2465-3"  # type: ignore[union-attr]
    assert table.resolve("IL-17A").loinc is None  # type: ignore[union-attr]


def test_load_rejects_bad_file(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("kind: analytes\nanalytes:\n  - {key: x, name: X, unit: g/L,\n"
                 "     dimension: velocity, panel: p}\n  - {key: Y!, name: Y, unit: g/L,"
                 " dimension: mass_concentration, panel: p, colour: red}\n")
    with pytest.raises(RuleSyntaxError) as exc:
        AnalyteTable.load([p])
    msg = str(exc.value)
    assert f"{p}:4" in msg and "velocity" in msg  # dimension does not fit g/L
    assert f"{p}:5" in msg and "colour" in msg  # unknown key, located


_CHANGES = ("changes: {unchanged_within: 0.05, status: CONVENTION, source: test, words: "
            "{stayed_normal: normal, returned_to_normal: r, became_abnormal: b, "
            "stayed_abnormal: s}}\n")
_ONE = ("kind: analytes\nanalytes:\n  - {key: a, name: A, unit: g/L, "
        "dimension: mass_concentration, panel: p}\n")


def test_the_change_convention_is_required_once(tmp_path: Path) -> None:
    bare, first, second = tmp_path / "bare.yaml", tmp_path / "1.yaml", tmp_path / "2.yaml"
    bare.write_text(_ONE.replace("key: a, name: A", "key: c, name: C"))
    first.write_text(_ONE + _CHANGES)
    second.write_text(_ONE.replace("key: a, name: A", "key: b, name: B") + _CHANGES)
    with pytest.raises(RuleSyntaxError, match="E513: no analyte file has a 'changes:' block"):
        AnalyteTable.load([bare])
    with pytest.raises(RuleSyntaxError, match="E513: a second 'changes:' block") as exc:
        AnalyteTable.load([first, second])
    # line 4 of each file: kind (1), analytes (2), the analyte (3), changes (4)
    assert f"{second}:4" in str(exc.value) and f"the first is at {first}:4" in str(exc.value)
    assert AnalyteTable.load([bare, first]).changes.unchanged_within == D("0.05")


def test_an_analyte_key_defined_twice_names_both_places(tmp_path: Path) -> None:
    one, two = tmp_path / "1.yaml", tmp_path / "2.yaml"
    one.write_text(_ONE + _CHANGES)
    two.write_text(_ONE.replace("name: A", "name: A2"))  # key a again, line 3
    with pytest.raises(RuleSyntaxError, match="E512: analyte key 'a' is defined twice") as exc:
        AnalyteTable.load([one, two])
    assert f"{two}:3" in str(exc.value) and f"first defined at {one}:3" in str(exc.value)


def test_load_rejects_clashing_alias(tmp_path: Path) -> None:
    p = tmp_path / "a.yaml"
    p.write_text("kind: analytes\nanalytes:\n"
                 "  - {key: a, name: A, aliases: [Z], unit: g/L, dimension: mass_concentration,"
                 " panel: p}\n"
                 "  - {key: b, name: B, aliases: [z], unit: g/L, dimension: mass_concentration,"
                 " panel: p}\n")
    with pytest.raises(RuleSyntaxError, match="also names analyte 'a'"):
        AnalyteTable.load([p])


# ------------------------------------------------------------------ values

@pytest.mark.parametrize(("raw", "value", "censor"), [
    ("<0.91", D("0.91"), "<"), (">1000", D("1000"), ">"), (25.3, D("25.3"), None),
    ("25.3", D("25.3"), None), (" < 0.91 ", D("0.91"), "<"), (36, D(36), None),
    ("241.00", D("241.00"), None), (None, None, None), (D("1.5"), D("1.5"), None),
])
def test_parse_value(raw: object, value: D | None, censor: str | None) -> None:
    assert parse_value(raw) == (value, censor)


@pytest.mark.parametrize("raw", ["high", "", "<", "1,5", "12 mg", True, [1], float("nan"),
                                 "inf"])
def test_parse_value_rejects(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_value(raw)


# ------------------------------------------------------------------ reference ranges

@pytest.mark.parametrize(("text", "low", "high", "lo_inc", "hi_inc"), [
    ("<8.051", None, D("8.051"), True, False),
    ("≤5", None, D(5), True, True),
    ("<=5", None, D(5), True, True),
    (">10", D(10), None, False, True),
    ("≥10", D(10), None, True, True),
    ("0-20", D(0), D(20), True, True),
    ("56.5-85.5", D("56.5"), D("85.5"), True, True),
    ("0.9 - 1.8", D("0.9"), D("1.8"), True, True),
])
def test_range_parse(text: str, low: D | None, high: D | None, lo_inc: bool,
                     hi_inc: bool) -> None:
    r = ReferenceRange.parse(text)
    assert (r.printed, r.low, r.high, r.low_inclusive, r.high_inclusive) == \
        (text, low, high, lo_inc, hi_inc)


@pytest.mark.parametrize("text", ["0.9 to 1.8", "20-0", "normal", "", "<", "1-2-3"])
def test_range_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        ReferenceRange.parse(text)


@pytest.mark.parametrize(("text", "value", "flag"), [
    # "0-20" includes both ends: 20 normal, 20.01 high; 0 normal
    ("0-20", "20", "normal"), ("0-20", "20.01", "high"), ("0-20", "0", "normal"),
    # "30.0-54.0": 29.99 low, 30.0 normal (CD4+ 30.45 after 12 infusions is normal)
    ("30.0-54.0", "29.99", "low"), ("30.0-54.0", "30.0", "normal"),
    ("30.0-54.0", "30.45", "normal"), ("30.0-54.0", "28.60", "low"),
    # "<8.051": normal strictly below; 8.051 itself is high
    ("<8.051", "8.050", "normal"), ("<8.051", "8.051", "high"),
    # "<=5": 5 normal, 5.001 high
    ("≤5", "5", "normal"), ("≤5", "5.001", "high"),
    # ">10": 10 is low, 10.001 normal; ">=10": 10 normal, 9.999 low
    (">10", "10", "low"), (">10", "10.001", "normal"), ("≥10", "10", "normal"),
    ("≥10", "9.999", "low"),
])
def test_flag_boundaries(text: str, value: str, flag: str) -> None:
    assert ReferenceRange.parse(text).flag(D(value)) == flag


@pytest.mark.parametrize(("text", "value", "censor", "flag"), [
    # "<0.91" means a value in [0, 0.91): with 0-2.87 every possible value is in range
    ("0-2.87", "0.91", "<", "normal"),
    # lower limit 1: every value below 0.91 is below 1 -> low (decided)
    ("1-3", "0.91", "<", "low"),
    # lower limit exactly at the bound: values < 1 are all below 1 -> low
    ("1-3", "1", "<", "low"),
    # lower limit 0.5: it could be 0.3 (low) or 0.7 (normal) -> indeterminate
    ("0.5-3", "0.91", "<", None),
    # upper side: "<3" with 0-2.87 could be 2.9 (high) or 1 (normal)
    ("0-2.87", "3", "<", None),
    # "<2.87" with 0-2.87: all below 2.87 -> normal; "<2.88" could be 2.875 -> unknown
    ("0-2.87", "2.87", "<", "normal"), ("0-2.87", "2.88", "<", None),
    # ">1000" with 0-25: all above -> high; ">25" with 0-25: all > 25 -> high
    ("0-25", "1000", ">", "high"), ("0-25", "25", ">", "high"),
    # ">24" with 0-25 could be 24.5 or 30 -> unknown
    ("0-25", "24", ">", None),
    # ">10" with range "<8.051": all above -> high; "<5" with "<8.051" -> normal
    ("<8.051", "10", ">", "high"), ("<8.051", "5", "<", "normal"),
    # "<8.051" with range "<8.051": v < 8.051 -> normal
    ("<8.051", "8.051", "<", "normal"),
])
def test_flag_censored(text: str, value: str, censor: str, flag: str | None) -> None:
    assert ReferenceRange.parse(text).flag(D(value), censor) == flag  # type: ignore[arg-type]


# ------------------------------------------------------------------ entries

def test_entry_converts_to_canonical(table: AnalyteTable) -> None:
    # IgG 2530 mg/dL = 25.30 g/L; range 860-1740 mg/dL = 8.60-17.40 g/L
    r = lab(table, "IgG", 2530, "mg/dL", "860-1740")
    assert r.value == D(2530) and r.unit == "mg/dL"
    assert r.canonical_value == D("25.30")
    assert r.reference is not None and r.reference.low == D("8.60")
    assert r.reference.high == D("17.40") and r.reference.printed == "860-1740"
    assert r.flag == "high"
    # x ULN = 25.30 / 17.40 = 1.454022988505747126436781609 (exact to 28 digits)
    assert r.x_uln == D("25.30") / D("17.40")


def test_entry_x_uln_exact(table: AnalyteTable) -> None:
    # IL-17A 9.76 with "<9.31": 9.76 / 9.31 = 1.048335...; 9.76 - 9.31 = 0.45 above
    r = lab(table, "IL-17A", 9.76, "pg/mL", "<9.31")
    assert r.flag == "high"
    assert r.x_uln is not None and D("1.0483") < r.x_uln < D("1.0484")
    assert r.canonical_value - r.reference.high == D("0.45")  # type: ignore[operator, union-attr]
    # ESR 36 with 0-20: 36 / 20 = 1.8 exactly
    assert lab(table, "ESR", 36, "mm/h", "0-20").x_uln == D("1.8")
    # no upper limit -> None
    assert lab(table, "NK cells", 5.9, "%", ">8.1").x_uln is None
    assert lab(table, "NK cells", 5.9, "%").flag is None


def test_entry_counts_convert(table: AnalyteTable) -> None:
    # 1.2 10*9/L lymphocytes = 1200 /mm3 (ESSDAI bands are in /mm3)
    r = lab(table, "lymphocytes", "1.2", "10*9/L")
    assert r.canonical_value == D(1200)
    # Hb 115 g/L = 11.5 g/dL (ESSDAI low band 10 < Hb < 12)
    assert lab(table, "Hb", 115, "g/L").canonical_value == D("11.5")


def test_entry_number_text_kept_from_yaml(table: AnalyteTable) -> None:
    # YAML reads 241.00 as a float; the entry reads the file's own text back
    src = parse_text("labs:\n  - {analyte: IL-8, value: 241.00, unit: pg/mL}\n", "c.yaml")
    r = parse_lab_entry(src.data["labs"][0], src, ("labs", 0), table)
    assert str(r.value) == "241.00"


def test_entry_not_done(table: AnalyteTable) -> None:
    r = lab(table, "C3", "not_done", "g/L")
    assert r.state == "not_done" and r.value is None and r.flag is None


def _problem(table: AnalyteTable, text: str) -> str:
    src = parse_text(text, "c.yaml")
    with pytest.raises(InputError) as exc:
        parse_lab_entry(src.data["labs"][0], src, ("labs", 0), table)
    return str(exc.value)


def test_entry_errors_are_located(table: AnalyteTable) -> None:
    # each with its own code of the lab family (E52x, README: error code families)
    msg = _problem(table, "labs:\n  - {analyte: IgGG, value: 1, unit: g/L}\n")
    assert "c.yaml:2:" in msg and "labs[0].analyte" in msg and "did you mean 'IgG'" in msg
    assert "error E523" in msg
    msg = _problem(table, "labs:\n  - {analyte: IgG, value: lots, unit: g/L}\n")
    assert "c.yaml:2:" in msg and "labs[0].value" in msg and "not a number" in msg
    assert "error E524" in msg
    msg = _problem(table, "labs:\n  - analyte: IgG\n    value: 25\n    unit: s\n")
    assert "c.yaml:4:" in msg and "labs[0].unit" in msg and "error E50" in msg  # a time unit
    msg = _problem(table, "labs:\n  - {analyte: IgG, value: 25, unit: g/L, reference: 8}\n")
    assert "labs[0].reference" in msg and "error E526" in msg
    # not_done still checks its range: dropping a malformed one would hide it (the schema
    # and the parser disagreed here until the mutation test found it)
    msg = _problem(table, "labs:\n  - {analyte: IgG, value: not_done, unit: g/L, "
                          "reference: {value: 2}}\n")
    assert "labs[0].reference" in msg and "error E526" in msg
    msg = _problem(table, "labs:\n  - analyte: IgG\n    value: 25\n    unit: g/L\n    ref: x\n")
    assert "c.yaml:5:5" in msg and "unknown key 'ref'" in msg and "labs[0].ref\n" in msg
    assert "did you mean 'reference'" in msg and "error E521" in msg
    msg = _problem(table, "labs:\n  - {analyte: IgG, value: 25}\n")
    assert "has no unit" in msg and "error E525" in msg


def test_entry_arbitrary_unit_refused(table: AnalyteTable) -> None:
    src = parse_text("labs:\n  - {analyte: RF IgM, value: 3, unit: \"[IU]/mL\"}\n", "c.yaml")
    with pytest.raises(UnitError, match="arbitrary units are assay-specific"):
        parse_lab_entry(src.data["labs"][0], src, ("labs", 0), table)


# ------------------------------------------------------------------ changes

@pytest.mark.parametrize(("a", "b", "expected"), [
    # IgG 25.3 -> 25.2: r = 0.996, within +-5 % -> unchanged
    ("25.3", "25.2", "unchanged"),
    # the tolerance is inclusive: 20 -> 21 is r = 1.05 exactly -> unchanged; 21.01 increase
    ("20", "21", "unchanged"), ("20", "21.01", "increase"),
    ("20", "19", "unchanged"), ("20", "18.99", "decrease"),
    # B cells 28.90 -> 26.79: r = 0.927 -> decrease
    ("28.90", "26.79", "decrease"),
    # CRP 1.01 -> "<0.91": r < 0.901 -> decrease; "<0.91" -> 2.06: r > 2.26 -> increase
    ("1.01", "<0.91", "decrease"), ("<0.91", "2.06", "increase"),
    # "<0.96" after 1.01: r < 0.9505..., could be 0.951 (unchanged) -> indeterminate
    ("1.01", "<0.96", "indeterminate"), ("1.00", "<0.95", "decrease"),
    ("<1", "<1", "indeterminate"), ("0", "0", "unchanged"), ("0", "1", "increase"),
    ("10", ">11", "increase"), ("10", ">10", "indeterminate"),
])
def test_direction(table: AnalyteTable, a: str, b: str, expected: str) -> None:
    assert table.changes.unchanged_within == D("0.05")  # the bundled convention
    assert direction(lab(table, "CRP", a, "mg/L"), lab(table, "CRP", b, "mg/L"),
                     table.changes.unchanged_within) == expected


def test_the_tolerance_is_data_not_code(table: AnalyteTable) -> None:
    # with a 10 % tolerance, 20 -> 21.9 (r = 1.095) is unchanged, 20 -> 22.01 (r = 1.1005)
    # is an increase; with the bundled 5 % both are increases
    a, b, c = (lab(table, "CRP", x, "mg/L") for x in ("20", "21.9", "22.01"))
    assert (direction(a, b, D("0.10")), direction(a, c, D("0.10"))) == ("unchanged", "increase")
    assert (direction(a, b, D("0.05")), direction(a, c, D("0.05"))) == ("increase", "increase")


def test_change_words_need_every_transition() -> None:
    from pydantic import ValidationError

    from sicca.records.labs import ChangeConvention

    with pytest.raises(ValidationError, match="missing stayed_abnormal"):
        ChangeConvention.model_validate({
            "unchanged_within": 0.05, "status": "CONVENTION", "source": "x",
            "words": {"stayed_normal": "normal", "returned_to_normal": "r",
                      "became_abnormal": "b"}})


def _series(table: AnalyteTable) -> list[tuple[str, dict[str, LabResult]]]:
    out = []
    for col in ("before_rfib", "after_4_infusions", "after_12_infusions"):
        d: dict[str, LabResult] = {}
        for row in ROWS:
            if row[col]:
                r = lab(table, row["analyte"], row[col], row["unit"], row["reference"])
                d[r.key] = r
        out.append((col, d))
    return out


def test_change_pairs(table: AnalyteTable) -> None:
    changes = compute_changes(_series(table), table.changes)
    assert [(c["from"], c["to"]) for c in changes] == [
        ("before_rfib", "after_4_infusions"), ("before_rfib", "after_12_infusions"),
        ("after_4_infusions", "after_12_infusions")]


@pytest.mark.parametrize("row", ROWS, ids=[r["analyte"] for r in ROWS])
def test_paper_change_reproduced(table: AnalyteTable, row: dict[str, str]) -> None:
    change = compute_changes(_series(table), table.changes)[1]  # baseline -> after 12 infusions
    entry = next(x for x in change["labs"] if x["analyte"] == row["analyte"])
    assert entry["paper_change"] == row["paper_change"]


def test_missing_later_measurement_uses_last_measured(table: AnalyteTable) -> None:
    changes = compute_changes(_series(table), table.changes)
    c3 = next(x for x in changes[1]["labs"] if x["key"] == "c3")
    # C3 1.13 -> 1.11 (after 4; not measured after 12): r = 0.982 -> unchanged, normal
    assert c3["to_measured"] == "after_4_infusions"
    assert (c3["direction"], c3["transition"]) == ("unchanged", "stayed_normal")
    c3_last = next(x for x in changes[2]["labs"] if x["key"] == "c3")
    assert c3_last["direction"] is None and c3_last["to_measured"] is None
    assert "not measured" in c3_last["note"]


def test_rf_igg_becomes_abnormal(table: AnalyteTable) -> None:
    change = compute_changes(_series(table), table.changes)[1]
    rf = next(x for x in change["labs"] if x["key"] == "rf_igg")
    # 13.03 -> 37.665 with 0-25: normal -> high; r = 2.89 -> increase
    assert (rf["direction"], rf["transition"], rf["paper_change"]) == \
        ("increase", "became_abnormal", "increase")


@pytest.mark.parametrize(("d", "t", "words"), [
    ("decrease", "stayed_normal", "normal"), ("increase", "stayed_normal", "normal"),
    ("decrease", "returned_to_normal", "decrease; return to normal"),
    ("increase", "returned_to_normal", "increase; return to normal"),
    ("unchanged", "stayed_abnormal", "unchanged"), ("decrease", "stayed_abnormal", "decrease"),
    ("increase", "became_abnormal", "increase"), ("indeterminate", "stayed_normal", None),
    ("increase", None, None),
])
def test_paper_change_words(table: AnalyteTable, d: str, t: str | None,
                            words: str | None) -> None:
    assert paper_change({"direction": d, "transition": t}, table.changes.words) == words
