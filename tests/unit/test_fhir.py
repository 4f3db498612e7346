"""FHIR R4 in and out: case -> Bundle -> case scores identically; every resource validates.

The seed case ships as a Bundle (examples/rfib-bundle.json). Synthetic cases cover what the seed
case lacks (conditions, drugs, per-eye tests, attributes, censored values, missing states).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from sicca.base.errors import InputError
from sicca.base.yamlsrc import Sourced
from sicca.cohort.synth import Generator, load_config
from sicca.records.fhir import (
    ITEM_SYSTEM,
    bundle_to_case,
    case_to_bundle,
    case_yaml,
    dumps_bundle,
)
from sicca.records.models import Case, parse_case
from sicca.report.build import build
from sicca.report.fhir import report_to_bundle
from sicca.running.evaluate import Sicca
from sicca.testing.steps.common import sicca_for
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"
SEED_BUNDLE = ROOT / "examples" / "rfib-bundle.json"


@pytest.fixture(scope="module")
def native() -> Sicca:
    return sicca_for("native")


def _through_fhir(sicca: Sicca, case: Case, tmp: Path) -> Case:
    """case -> Bundle JSON text -> case YAML text -> parsed case (what the two commands do)."""
    text = dumps_bundle(report_to_bundle(case, _json(build(sicca, case, {}))))
    data = json.loads(text, parse_float=Decimal)
    # bundle_to_case validates the Bundle and every resource first (validate_bundle): checking
    # it here as well doubled the test's time (the FHIR models are most of it)
    path = tmp / "back.yaml"
    path.write_text(case_yaml(bundle_to_case(data, "bundle.json", sicca.catalogue.vocabulary)),
                    encoding="utf-8")
    return sicca.load_case(path)


def _json(report: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(report, default=float)))


def _scores(sicca: Sicca, case: Case) -> dict[str, Any]:
    report = _json(build(sicca, case, {}))
    report.pop("case")
    return report


def test_the_seed_case_round_trips_with_identical_scores(native: Sicca, tmp_path: Path) -> None:
    case = native.load_case(SEED)
    assert _scores(native, _through_fhir(native, case, tmp_path)) == _scores(native, case)


def test_the_shipped_bundle_is_the_seed_case(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    out = tmp_path / "seed.yaml"
    code, _, err = run(["import", "fhir", str(SEED_BUNDLE), "-o", str(out)], capsys)
    assert code == 0, err
    code, a, err = run(["score", str(SEED), "--format", "json", "--engine", "native"], capsys)
    code2, b, err2 = run(["score", str(out), "--format", "json", "--engine", "native"], capsys)
    assert code == code2 == 0, err + err2
    one, two = json.loads(a), json.loads(b)
    one.pop("case"), two.pop("case")
    assert one == two


def test_export_then_import_from_the_command_line(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    bundle, back = tmp_path / "scores.json", tmp_path / "back.yaml"
    code, out, err = run(["export", "fhir", str(SEED), "-o", str(bundle), "--engine", "native"],
                         capsys)
    assert code == 0, err
    data = json.loads(bundle.read_text(encoding="utf-8"), parse_float=Decimal)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    # 1 Patient, 2 treatments, 1 history entry + 4 timepoints as Encounters.
    assert (kinds.count("Patient"), kinds.count("MedicationStatement"),
            kinds.count("Encounter")) == (1, 2, 5)
    essdai = [e["resource"] for e in data["entry"]
              if e["resource"]["resourceType"] == "Observation"
              and e["resource"]["code"]["coding"][0].get("code") == "essdai"]
    # Baseline: ESSDAI documented 11, range 11-17 (haematological not assessable: 2 x 0..3).
    base = essdai[0]
    assert base["valueRange"] == {"low": {"value": 11}, "high": {"value": 17}}
    documented = next(c for c in base["component"]
                      if c["code"]["coding"][0]["code"] == "essdai.documented")
    assert documented["valueQuantity"]["value"] == 11
    assert base["derivedFrom"] and any("essdai 1.0.0 (sha256:" in x["valueString"]
                                       for x in base["extension"])
    # IL-8 is printed as 241.00 in Table 1: the Bundle keeps its precision.
    assert '"value": 241.00' in bundle.read_text(encoding="utf-8")
    code, out, err = run(["import", "fhir", str(bundle), "-o", str(back)], capsys)
    assert code == 0, err


def test_an_item_keeps_its_written_digits_through_the_bundle(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a focus score written 1.50 is exported as 1.50 and imported back as 1.50 (YAML reads
    # it as the float 1.5; the case keeps the digits as written)
    case, bundle, back = tmp_path / "c.yaml", tmp_path / "b.json", tmp_path / "back.yaml"
    case.write_text("sicca_case: 1\npatient: {id: d-1}\ntimepoints:\n  - id: v1\n"
                    "    date: 2024-01\n    tests:\n      focus_score: 1.50\n")
    code, _, err = run(["export", "fhir", str(case), "-o", str(bundle), "--engine", "native"],
                       capsys)
    assert code == 0, err
    assert '"value": 1.50,' in bundle.read_text(encoding="utf-8")
    code, _, err = run(["import", "fhir", str(bundle), "-o", str(back)], capsys)
    assert code == 0, err
    assert "value: 1.50" in back.read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow),
                                  pytest.param(3, marks=pytest.mark.slow)])
def test_synthetic_cases_round_trip(native: Sicca, tmp_path: Path, seed: int) -> None:
    gen = Generator(native.catalogue, load_config(), seed, problems=False)
    seen: set[str] = set()
    for rec in gen.cohort(n_visits=15 if seed == 1 else 60):  # the fast sample is smaller
        case = parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []), native.catalogue)
        bundle = case_to_bundle(case)
        seen |= {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert _scores(native, _through_fhir(native, case, tmp_path)) == _scores(native, case)
    # The cohort reaches every resource kind the mapping writes.
    assert {"Condition", "MedicationStatement", "Observation", "Encounter"} <= seen


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p1",
               "identifier": [{"system": "urn:sicca:patient", "value": "x-1"}]}
    enc = {"resourceType": "Encounter", "id": "e1", "status": "finished",
           "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                     "code": "AMB"},
           "identifier": [{"system": "urn:sicca:record:timepoint", "value": "baseline"}],
           "period": {"start": "2024-01"}}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
                      for r in (patient, enc, *resources)]}


def _obs(code: dict[str, Any], **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o1", "status": "final", "code": code,
            "encounter": {"reference": "urn:uuid:e1"}, **value}


def test_a_code_without_a_mapping_is_refused_with_its_place(native: Sicca) -> None:
    unknown = _obs({"coding": [{"system": ITEM_SYSTEM, "code": "cutaneous.purpra"}]},
                   valueCodeableConcept={"coding": [{"system": "urn:sicca:code",
                                                     "code": "present"}]})
    with pytest.raises(InputError) as err:
        bundle_to_case(_bundle(unknown), "b.json", native.catalogue.vocabulary)
    p = err.value.problems[0]
    assert (p.code, p.file, p.field) == ("E545", "b.json", "entry[2].resource.code")


def test_a_resource_type_sicca_cannot_map_is_refused_not_dropped(native: Sicca) -> None:
    allergy = {"resourceType": "AllergyIntolerance", "id": "a1",
               "patient": {"reference": "urn:uuid:p1"}}
    with pytest.raises(InputError) as err:
        bundle_to_case(_bundle(allergy), "b.json", native.catalogue.vocabulary)
    assert err.value.problems[0].field == "entry[2].resource.resourceType"


def test_everything_that_cannot_be_mapped_is_reported_item_by_item(native: Sicca) -> None:
    # two unmapped codes and an unmapped resource type: all three named at once, each with
    # its place, so one import run lists every item to fix (none is dropped or hidden behind
    # the first)
    purpura = _obs({"coding": [{"system": ITEM_SYSTEM, "code": "cutaneous.purpra"}]},
                   valueCodeableConcept={"coding": [{"system": "urn:sicca:code",
                                                     "code": "present"}]})
    fatigue = {**_obs({"coding": [{"system": ITEM_SYSTEM, "code": "fatigeu"}]},
                      valueCodeableConcept={"coding": [{"system": "urn:sicca:code",
                                                        "code": "present"}]}), "id": "o2"}
    allergy = {"resourceType": "AllergyIntolerance", "id": "a1",
               "patient": {"reference": "urn:uuid:p1"}}
    with pytest.raises(InputError) as err:
        bundle_to_case(_bundle(purpura, fatigue, allergy), "b.json",
                       native.catalogue.vocabulary)
    assert sorted((p.code, p.field) for p in err.value.problems) == [
        ("E542", "entry[4].resource.resourceType"),
        ("E545", "entry[2].resource.code"), ("E545", "entry[3].resource.code")]


def test_an_invalid_resource_is_refused_with_its_path(native: Sicca) -> None:
    bad = _obs({"coding": [{"system": ITEM_SYSTEM, "code": "fatigue"}]},
               valueQuantity={"value": "plenty"})
    with pytest.raises(InputError) as err:
        bundle_to_case(_bundle(bad), "b.json", native.catalogue.vocabulary)
    assert err.value.problems[0].code == "E540"
    assert err.value.problems[0].field.startswith("entry[2].resource")


def test_a_censored_lab_keeps_its_comparator_both_ways(native: Sicca) -> None:
    lab = _obs({"coding": [{"system": "urn:sicca:analyte", "code": "crp"}]},
               valueQuantity={"value": Decimal("0.91"), "comparator": "<", "unit": "mg/L",
                              "system": "http://unitsofmeasure.org", "code": "mg/L"})
    case = bundle_to_case(_bundle(lab), "b.json", native.catalogue.vocabulary)
    entry = case["timepoints"][0]["labs"][0]
    assert entry == {"analyte": "crp", "value": "<0.91", "unit": "mg/L"}
    assert "value: <0.91" in case_yaml(case)


def test_the_imported_yaml_uses_only_plain_scalars(native: Sicca) -> None:
    # No YAML tags: the case reader accepts the safe core only.
    text = case_yaml({"a": Decimal("241.00"), "b": Decimal("3"), "c": "x"})
    assert yaml.safe_load(text) == {"a": 241.0, "b": 3, "c": "x"} and "!!" not in text
    assert "241.00" in text
