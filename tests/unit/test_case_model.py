"""The case file: what it can say, and a located error (exit 2, no traceback) for what it can't."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from sicca.records.models import PartialDate, load_case
from sicca.testing.steps.common import sicca_for
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "data" / "invalid" / "case"
SEED = ROOT / "examples" / "rfib-case.yaml"


@pytest.mark.parametrize("fixture,line,field,words", [
    ("duplicate_timepoint.yaml", 6, "timepoints[1].id", "duplicate timepoint id 'baseline'"),
    ("dates_out_of_order.yaml", 7, "timepoints[1].date", "is not after"),
    ("unknown_key.yaml", 6, "timepoints[0].finding", "did you mean 'findings'"),
    ("unknown_item.yaml", 7, "timepoints[0].findings.cutaneous.purpra",
     "did you mean 'cutaneous.purpura'"),
    ("value_not_a_number.yaml", 8, "timepoints[0].findings.constitutional.fever",
     "is not a number"),
    ("bad_choice.yaml", 8, "timepoints[0].findings.cutaneous.purpura.extent",
     "feet_ankles | lower_limbs | diffuse"),
    ("bad_date.yaml", 5, "timepoints[0].date", "YYYY-MM"),
    ("unit_does_not_fit.yaml", 8, "timepoints[0].findings.constitutional.fever.unit",
     "does not fit"),
    ("unknown_patient_key.yaml", 2, "patient.age", "unknown key 'age'"),
    ("rating_out_of_range.yaml", 7, "timepoints[0].ratings.esspri.dryness", "0 to 10"),
    ("malformed.yaml", None, None, "malformed YAML"),
])
def test_bad_case_file_gets_one_located_error(fixture: str, line: int | None, field: str | None,
                                              words: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = INVALID / fixture
    code, out, err = run(["score", str(path), "--engine", "native"], capsys)
    assert code == 2
    assert "Traceback" not in err + out
    assert str(path) in err
    if line is not None:
        assert f"{path}:{line}:" in err, err
    if field is not None:
        assert f"at {field}" in err, err
    assert words in err, err


def test_seed_case_keeps_not_reported_not_done_and_negative_apart() -> None:
    case = load_case(SEED)
    diagnosis = case.history[0].items
    assert diagnosis["anti_ssb"].state == "reported" and diagnosis["anti_ssb"].code == "positive"
    assert "anti_ssa" not in diagnosis  # not reported: absent from the record, never "negative"
    assert diagnosis["schirmer"].state == "not_done"
    assert diagnosis["unstimulated_saliva_flow"].state == "not_done"
    assert diagnosis["ana"].state == "unknown"
    fs = diagnosis["focus_score"]
    assert (fs.value, fs.censor) == (Decimal("1"), ">=")
    assert fs.attrs["interpreted"].code == "yes"


def test_seed_case_timepoints_and_treatments() -> None:
    case = load_case(SEED)
    assert [(t.id, str(t.date)) for t in case.timepoints] == [
        ("baseline", "2023-10"), ("after_4_infusions", "2023-11"),
        ("after_12_infusions", "2024-06"), ("one_year", "2024-11")]
    rfib = case.treatments[1]
    assert (rfib.start, rfib.end, rfib.count) == ("2023-10", "2024-06", 12)
    assert case.treatments[0].count == 10
    assert len(case.timepoints[0].labs) == 30 and len(case.timepoints[2].labs) == 28  # no C3/C4


def test_cumulative_tests_hold_at_later_timepoints() -> None:
    sicca = sicca_for("native")
    case = sicca.load_case(SEED)
    for tp in case.timepoints:
        visit = sicca.visit(case, tp)
        assert visit.facts["anti_ssb"].code == "positive"
        assert visit.facts["anti_ssb"].record == "diagnosis"  # recorded 2021-03
        assert visit.facts["anti_ssa"].state == "not_reported"


def test_cumulative_tests_take_the_latest_record_by_date_not_by_section(tmp_path: Path) -> None:
    # Focus score: 'not_done' at v1 (2023-10); 3 in a history entry of 2024-01, listed before
    # an older history entry of 2022-05 (0). At v2 (2024-06) the latest record is the 2024-01
    # one (3), not v1's 'not_done' and not the 2022 value; at v1 it is v1's own.

    data = {"sicca_case": 1, "patient": {"id": "h-1"},
            "history": [{"date": "2024-01", "label": "ophthalmology", "tests": {"focus_score": 3}},
                        {"date": "2022-05", "label": "first visit", "tests": {"focus_score": 0}}],
            "timepoints": [{"id": "v1", "date": "2023-10", "tests": {"focus_score": "not_done"}},
                           {"id": "v2", "date": "2024-06"}]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    sicca = sicca_for("native")
    case = sicca.load_case(path)
    v1, v2 = (sicca.visit(case, tp).facts["focus_score"] for tp in case.timepoints)
    assert (v1.state, v1.record) == ("not_done", "v1")
    assert (v2.state, v2.value, v2.record) == ("reported", Decimal(3), "ophthalmology")


def test_within_one_month_the_timepoint_record_wins(tmp_path: Path) -> None:
    # History 2023-10-20 (focus score 3) and the timepoint of 2023-10 (month precision, 0):
    # which came first is unknown, so the visit's own record is taken for its month; at the
    # next visit (2023-12, nothing recorded) the same 0 holds.

    data = {"sicca_case": 1, "patient": {"id": "m-1"},
            "history": [{"date": "2023-10-20", "label": "biopsy", "tests": {"focus_score": 3}}],
            "timepoints": [{"id": "v1", "date": "2023-10", "tests": {"focus_score": 0}},
                           {"id": "v2", "date": "2023-12"}]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    sicca = sicca_for("native")
    case = sicca.load_case(path)
    v1, v2 = (sicca.visit(case, tp).facts["focus_score"] for tp in case.timepoints)
    assert (v1.value, v1.record) == (Decimal(0), "v1")
    assert (v2.value, v2.record) == (Decimal(0), "v1")


def test_an_unknown_key_is_named_by_its_path_alone(tmp_path: Path) -> None:
    from sicca.base.errors import InputError

    data = {"sicca_case": 1, "patient": {"id": "k-1"},
            "timepoints": [{"id": "v1", "date": "2024-01", "findings": {"not_an_item": 1}}]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        load_case(path)
    msg = str(exc.value)
    assert "at timepoints[0].findings.not_an_item" in msg and "<key>" not in msg, msg


def test_json_case_files_are_accepted(tmp_path: Path) -> None:
    data = {"sicca_case": 1, "patient": {"id": "j-1"},
            "timepoints": [{"id": "v1", "date": "2024-01-05",
                            "findings": {"cutaneous": {"purpura": "present"}},
                            "labs": [{"analyte": "IgG", "value": 2210, "unit": "mg/dL",
                                      "reference": "860-1740"}]}]}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    case = load_case(path)
    lab = case.timepoints[0].labs[0]
    assert lab.canonical_value == Decimal("22.1")  # 2210 mg/dL / 100 = 22.1 g/L
    assert case.timepoints[0].date.precision == "day"


@pytest.mark.parametrize("suffix,written", [
    (".yaml", "sicca_case: 1\npatient: {id: d-1}\ntimepoints:\n  - id: v1\n    date: 2024-01\n"
              "    tests:\n      focus_score: 1.50\n      schirmer: {right: 5.0, left: '<3'}\n"),
    (".json", '{"sicca_case": 1, "patient": {"id": "d-1"}, "timepoints": [{"id": "v1", '
              '"date": "2024-01", "tests": {"focus_score": {"value": 1.50}, '
              '"schirmer": {"right": 5.0, "left": "<3"}}}]}'),
])
def test_a_number_keeps_the_digits_it_was_written_with(tmp_path: Path, suffix: str,
                                                       written: str) -> None:
    # YAML and JSON read 1.50 as the float 1.5; the case keeps the written digits (its stated
    # precision), as a lab value does, so the FHIR export says 1.50 and not 1.5
    path = tmp_path / f"case{suffix}"
    path.write_text(written)
    sicca = sicca_for("native")
    case = sicca.load_case(path)
    items = case.timepoints[0].items
    assert str(items["focus_score"].value) == "1.50"
    assert str(items["schirmer"].sides["right"].value) == "5.0"  # one eye of a per-eye test
    assert str(sicca.visit(case, case.timepoints[0]).facts["focus_score"].value) == "1.50"


def test_partial_dates_order_month_before_days_of_that_month() -> None:
    assert PartialDate.parse("2023-10") < PartialDate.parse("2023-10-15")
    assert PartialDate.parse("2021-03").same_or_before(PartialDate.parse("2023-10"))
    with pytest.raises(ValueError):
        PartialDate.parse("2023-13")


def test_schema_case_prints_a_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema", "case"], capsys)
    assert code == 0
    schema = json.loads(out)
    assert "timepoints" in schema["properties"]
    text = json.dumps(schema)
    # items are named as written (dotted names nest), not flattened as cutaneous__purpura
    assert "__" not in text
    for item in ("cutaneous.purpura", "focus_score", "anti_ssa", "esspri.dryness", "hcv"):
        assert f"item.{item}" in text


def test_every_spec_item_has_a_place_in_the_vocabulary() -> None:
    from sicca.records.models import default_catalogue

    vocab = default_catalogue().vocabulary.items
    # one item per ESSDAI domain at least, and every classification test of issue 3
    for domain in ("constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous",
                   "pulmonary", "renal", "muscular", "pns", "cns", "haematological",
                   "biological"):
        assert any(n.startswith(domain + ".") for n in vocab), domain
    for test in ("focus_score", "anti_ssa", "anti_ro60", "anti_ro52", "anti_ssb", "ana", "rf",
                 "schirmer", "ocular_staining_score", "van_bijsterveld",
                 "unstimulated_saliva_flow", "sialography", "scintigraphy"):
        assert test in vocab, test


@pytest.mark.parametrize("right,left,worse,expected", [
    ("4", "6", "min", ("4", None)),          # Schirmer: the lower eye
    ("4", "6", "max", ("6", None)),          # staining: the higher eye
    ("<10", "<10", "min", ("10", "<")),      # regression: the censor was dropped (10 exactly)
    ("<10", "8", "min", ("8", "<=")),        # min((-inf, 10), 8) lies in (-inf, 8]
    ("8", None, "min", ("8", "<=")),         # the other eye unmeasured: at most 8
    ("8", None, "max", ("8", ">=")),
    (">5", "3", "max", ("5", ">")),          # max((5, inf), 3) = (5, inf)
])
def test_worse_eye_keeps_censoring(right: str, left: str | None, worse: str,
                                   expected: tuple[str, str | None]) -> None:
    from sicca.records.labs import parse_value
    from sicca.records.models import worse_eye

    sides = [parse_value(x) for x in (right, left) if x is not None]
    value, censor = worse_eye([(v, c) for v, c in sides], left is None, worse)
    assert (str(value), censor) == expected
