"""`sicca schema case` describes the case file as written, and agrees with the parser.

Agreement is checked three ways: the bundled example and the valid fixtures validate; the
invalid fixtures the parser rejects for a structural reason fail the schema too (the others
are pinned as what a schema cannot say); and for synthetic records and seeded mutations of them,
schema-valid <=> the parser accepts, except for the semantic checks listed in SEMANTIC.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sicca.base.errors import InputError
from sicca.base.paths import EXAMPLES_DIR
from sicca.base.yamlsrc import Sourced, load
from sicca.cohort.synth import Generator, load_config
from sicca.records.case_schema import DRAFT, case_json_schema
from sicca.records.models import Catalogue, parse_case

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "data" / "invalid" / "case"
EXAMPLE = EXAMPLES_DIR / "rfib-case.yaml"

# Parser checks a JSON Schema cannot express (the schema accepts these files on purpose).
SEMANTIC = {
    "dates_out_of_order.yaml": "E104 timepoint dates must increase",
    "duplicate_timepoint.yaml": "E103 timepoint ids are unique",
    "unit_does_not_fit.yaml": "E118 a unit must convert to the item's unit",
    "history_finding.yaml": "E127 an item that does not carry over (its own cumulative flag), "
                            "given in history",
    "impossible_date.yaml": "E106 a calendar date (2024-02-31) that does not exist",
    "too_many_digits.yaml": "E119 more significant digits than a value can hold",
    "two_spellings.yaml": "E126 one item written under two spellings (nested and dotted)",
    "exponent_overflow.yaml": "E111 a number written as text beyond 1e±300 (no float holds it)",
}
# Not a document at all: the YAML reader rejects it before any schema applies.
SYNTAX = {"malformed.yaml"}
#: The reader's own refusals (sicca.base.yamlsrc): malformed, duplicate key, past a limit.
READER_CODES = {"E001", "E002", "E003", "E004", "E005", "E006"}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def validator(catalogue: Catalogue) -> jsonschema.Draft202012Validator:
    schema = case_json_schema(catalogue)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_ok(v: jsonschema.Draft202012Validator, data: Any) -> bool:
    return bool(v.is_valid(data))


def parser_ok(catalogue: Catalogue, data: Any) -> bool:
    try:
        parse_case(Sourced(data, "<mutant>.json"), catalogue)
    except InputError:
        return False
    return True


def example() -> dict[str, Any]:
    data: dict[str, Any] = load(EXAMPLE).data
    return data


# --- the schema itself -----------------------------------------------------------------------

def test_schema_declares_draft_2020_12_and_is_a_valid_schema(catalogue: Catalogue) -> None:
    schema = case_json_schema(catalogue)
    assert schema["$schema"] == DRAFT
    jsonschema.Draft202012Validator.check_schema(schema)


def test_sections_nest_by_item_name_with_descriptions_and_choices(catalogue: Catalogue) -> None:
    defs = case_json_schema(catalogue)["$defs"]
    findings = defs["section.findings"]
    assert findings["additionalProperties"] is False
    # nested and dotted keys both reach the same item
    assert findings["properties"]["cutaneous"] == {"$ref": "#/$defs/findings.cutaneous"}
    assert findings["properties"]["cutaneous.purpura"] == {"$ref": "#/$defs/item.cutaneous.purpura"}
    assert defs["findings.cutaneous"]["properties"]["purpura"]["$ref"].endswith("purpura")
    purpura = defs["item.cutaneous.purpura"]
    long = purpura["anyOf"][-1]
    assert long["properties"]["extent"]["anyOf"][0] == {
        "enum": ["feet_ankles", "lower_limbs", "diffuse"]}
    assert "temperature" in defs["item.constitutional.fever"]["description"]
    # items of another section are not offered (esspri.* are ratings, not findings)
    assert "esspri" not in findings["properties"]
    assert "esspri" in defs["section.ratings"]["properties"]


def test_a_new_vocabulary_item_appears_without_code_changes(tmp_path: Path) -> None:
    (tmp_path / "extra.yaml").write_text(
        "kind: vocabulary\nsection: findings\nitems:\n"
        "  - name: cutaneous.chilblains\n    type: finding\n    description: cold sores\n"
        "    attributes:\n      season: {choices: [winter, summer]}\n", encoding="utf-8")
    cat = Catalogue.load([tmp_path])
    defs = case_json_schema(cat)["$defs"]
    assert "chilblains" in defs["findings.cutaneous"]["properties"]
    assert defs["item.cutaneous.chilblains"]["description"].startswith("cold sores")
    v = jsonschema.Draft202012Validator(case_json_schema(cat))
    data = _one({"findings": {"cutaneous": {"chilblains": {"state": "present",
                                                           "season": "winter"}}}})
    assert schema_ok(v, data) and parser_ok(cat, data)
    data["timepoints"][0]["findings"]["cutaneous"]["chilblains"]["season"] = "spring"
    assert not schema_ok(v, data) and not parser_ok(cat, data)


def test_schema_case_command_prints_the_same_schema(capsys: pytest.CaptureFixture[str],
                                                    catalogue: Catalogue) -> None:
    from sicca.cli.app import main

    main(["schema", "case"])
    assert json.loads(capsys.readouterr().out) == json.loads(
        json.dumps(case_json_schema(catalogue)))


# --- valid files -----------------------------------------------------------------------------

def test_the_bundled_example_validates(validator: jsonschema.Draft202012Validator) -> None:
    errors = [f"{e.json_path}: {e.message[:120]}" for e in validator.iter_errors(example())]
    assert errors == []


def test_the_example_as_json_validates(validator: jsonschema.Draft202012Validator) -> None:
    assert schema_ok(validator, json.loads(json.dumps(example())))


def test_synthetic_records_without_a_problem_validate(
        validator: jsonschema.Draft202012Validator, catalogue: Catalogue) -> None:
    gen = Generator(catalogue, load_config(), seed=11, problems=False)
    for rec in gen.cohort(n_patients=40):
        errors = [f"{e.json_path}: {e.message[:100]}" for e in validator.iter_errors(rec.data)]
        assert errors == [], rec.index


def _one(tp: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"sicca_case": 1, "patient": {"id": "s-1"},
            "timepoints": [{"id": "v1", "date": "2024-01", **tp}], **top}


# Forms the README documents, and forms the tests elsewhere use (test_case_model).
VALID = {
    "finding short": _one({"findings": {"cutaneous": {"purpura": "present"}}}),
    "finding dotted": _one({"findings": {"cutaneous.purpura": "absent"}}),
    "finding long": _one({"findings": {"cutaneous": {"purpura": {
        "state": "present", "extent": "diffuse", "note": "x", "date": "2023-12-02"}}}}),
    "finding null": _one({"findings": {"cutaneous": {"purpura": None}}}),
    "empty group": _one({"findings": {"cutaneous": {}}}),
    "measurement short": _one({"findings": {"constitutional": {"fever": 38.6}}}),
    "measurement text": _one({"findings": {"constitutional": {"fever": "38.6"}}}),
    "measurement long unit": _one({"findings": {"lymphadenopathy": {"lymph_node": {
        "value": 25, "unit": "mm", "cause": "ss"}}}}),
    "measurement state": _one({"findings": {"constitutional": {"fever": {"state": "not_done"}}}}),
    "rating": _one({"ratings": {"esspri": {"dryness": 10, "pain": 0}}}),
    "rating censored": _one({"ratings": {"esspri.fatigue": "<=3"}}),
    "result": _one({"tests": {"anti_ssa": "negative", "ana": {"result": "unknown"}}}),
    "answer bool": _one({"symptoms": {"dry_eyes_3_months": True}}),
    "answer long": _one({"symptoms": {"dry_eyes_3_months": {"answer": "yes",
                                                            "inferred": True}}}),
    "per eye": _one({"tests": {"schirmer": {"right": 3, "left": "<5"},
                               "ocular_staining_score": "not_done"}}),
    "censored attribute": _one({"tests": {"focus_score": {
        "value": ">=1", "interpreted": True, "focal_lymphocytic_sialadenitis": "yes"}}}),
    "history": _one({}, history=[{"date": "2021-03", "label": "diagnosis",
                                  "tests": {"anti_ssb": "positive"}}]),
    "labs aliases": _one({"labs": [
        {"analyte": "il10", "value": 16.33, "unit": "pg/mL", "reference": "<8.051"},
        {"analyte": "IL-1β", "value": "<0.5", "unit": "pg/mL"},
        {"analyte": "lab.igg", "value": 25.3, "unit": "g/L", "reference": "8.6 - 17.4"},
        {"analyte": "C3", "value": "not_done"},
        {"analyte": "TNF alpha", "value": " > 1000 ", "unit": "pg/mL", "note": 3}]}),
    "labs null": _one({"labs": None}),
    "treatments": _one({}, treatments=[{"what": "rituximab", "start": "2023-01", "count": 2}]),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_documented_forms_validate_and_parse(name: str, catalogue: Catalogue,
                                             validator: jsonschema.Draft202012Validator) -> None:
    data = VALID[name]
    assert parser_ok(catalogue, data), name
    errors = [f"{e.json_path}: {e.message[:120]}" for e in validator.iter_errors(data)]
    assert errors == [], name


# --- invalid files ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda p: p.name)
def test_invalid_fixtures_fail_the_schema_unless_the_check_is_semantic(
        path: Path, catalogue: Catalogue, validator: jsonschema.Draft202012Validator) -> None:
    if path.name in SYNTAX:
        with pytest.raises(InputError):
            load(path)
        return
    try:
        data = load(path).data
    except InputError as exc:
        # Refused by the reader itself (a YAML tag, an alias bomb, a control character, a
        # number no float holds, ...): no document ever reaches a schema.
        assert exc.problems[0].code in READER_CODES, (path.name, exc.problems[0].code)
        return
    assert not parser_ok(catalogue, data)
    assert schema_ok(validator, data) == (path.name in SEMANTIC), path.name


INVALID_FORMS = {
    "unknown item": _one({"findings": {"cutaneous": {"purpra": "present"}}}),
    "item of another section": _one({"findings": {"esspri": {"dryness": 3}}}),
    "group as a value": _one({"findings": {"cutaneous": "present"}}),
    "wrong choice": _one({"findings": {"cutaneous": {"purpura": {"state": "present",
                                                                 "extent": "legs"}}}}),
    "finding bool": _one({"findings": {"cutaneous": {"purpura": True}}}),
    "finding word": _one({"findings": {"cutaneous": {"purpura": "yes"}}}),
    "long form without state": _one({"findings": {"cutaneous": {"purpura": {
        "extent": "diffuse"}}}}),
    "number as bool": _one({"findings": {"constitutional": {"fever": True}}}),
    "number as word": _one({"findings": {"constitutional": {"fever": "high"}}}),
    "out of range": _one({"ratings": {"esspri": {"dryness": 11}}}),
    "unknown long key": _one({"tests": {"anti_ssa": {"result": "positive", "titre": 3}}}),
    "result bool": _one({"tests": {"anti_ssa": True}}),
    "missing value and state": _one({"tests": {"anti_ssa": {"note": "?"}}}),
    "bool attribute word": _one({"tests": {"focus_score": {"value": 1, "interpreted": "maybe"}}}),
    "per eye scalar": _one({"tests": {"schirmer": 4}}),
    "per eye unknown key": _one({"tests": {"schirmer": {"both": 4}}}),
    "section not a mapping": _one({"findings": ["purpura"]}),
    "options in a record": _one({"options": {"purpura_extent": "complement"}}),
    "bad timepoint id": {"sicca_case": 1, "patient": {"id": "x"},
                         "timepoints": [{"id": "Baseline", "date": "2024-01"}]},
    "day 32": {"sicca_case": 1, "patient": {"id": "x"},
               "timepoints": [{"id": "v", "date": "2024-01-32"}]},
    "no timepoints": {"sicca_case": 1, "patient": {"id": "x"}, "timepoints": []},
    "format 2": {"sicca_case": 2, "patient": {"id": "x"},
                 "timepoints": [{"id": "v", "date": "2024-01"}]},
    "unknown analyte": _one({"labs": [{"analyte": "IgZ", "value": 1, "unit": "g/L"}]}),
    "lab without unit": _one({"labs": [{"analyte": "IgG", "value": 1}]}),
    "lab <= censor": _one({"labs": [{"analyte": "IgG", "value": "<=1", "unit": "g/L"}]}),
    "lab bad reference": _one({"labs": [{"analyte": "IgG", "value": 1, "unit": "g/L",
                                         "reference": "normal"}]}),
    "lab unknown key": _one({"labs": [{"analyte": "IgG", "value": 1, "unit": "g/L",
                                       "flag": "H"}]}),
    "treatment unknown key": _one({}, treatments=[{"what": "x", "drug": "y"}]),
}


@pytest.mark.parametrize("name", sorted(INVALID_FORMS))
def test_structural_errors_fail_both(name: str, catalogue: Catalogue,
                                     validator: jsonschema.Draft202012Validator) -> None:
    data = INVALID_FORMS[name]
    assert not parser_ok(catalogue, data), name
    assert not schema_ok(validator, data), name


# --- property: schema-valid <=> parser accepts ---------------------------------------------------

_VALUES: list[Any] = [True, False, 0, 3, 11, 38.6, -1, "x", "<1", ">=2", "<=0.5", "present",
                      "absent", "yes", "no", "positive", "not_done", "not_reported", None, [],
                      {}, {"state": "present"}, {"value": 2}, {"state": "unknown"},
                      {"result": "negative"}, {"answer": True}, {"right": 5, "left": None},
                      {"bogus": 1}, {"state": "present", "cause": "infection"}, "2024-13",
                      "IgG", "il-6", "CRP", " <0.9 ", "g/L", "mg/dL", "0.9-1.8", "<x"]
_KEYS = ["note", "state", "value", "unit", "bogus", "date", "cause", "extent", "right",
         "purpura", "involvement", "dryness", "cutaneous.purpura", "analyte", "reference", "id"]
# A mutant the parser rejects only for what a schema cannot say (order, duplicates, a unit that
# does not convert: the codes below) is skipped, not counted.
_SEMANTIC_CODES = {"E103", "E104", "E108", "E118", "E501", "E502", "E503", "E504",
                   "E526/order"}


def _slots(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _slots(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _slots(v, path + (i,))
    return out


def _mutate(data: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """One random change: a value replaced, or a key added; returns the data and its path."""
    out = copy.deepcopy(data)
    slots = [p for p in _slots(out) if len(p) >= 3]  # inside timepoints/history/treatments
    path = rng.choice(slots)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    if rng.random() < 0.75:
        parent[path[-1]] = copy.deepcopy(rng.choice(_VALUES))
    elif isinstance(parent, dict):
        path = path[:-1] + (rng.choice(_KEYS),)
        parent[path[-1]] = copy.deepcopy(rng.choice(_VALUES))
    return out, path


def known_difference(catalogue: Catalogue, data: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """Where the schema is stricter than the parser on purpose (README, "Case schema")."""
    node: Any = data
    for part in path:
        node = node[part]
    if path[-1] == "labs" and node is not None and not node:
        return True  # `labs: false` / `labs: 0` / `labs: {}`: the parser reads any falsy as []
    if len(path) >= 5 and path[-1] in ("state", "date") and path[2] != "labs":
        item = catalogue.vocabulary.items.get(".".join(str(p) for p in path[3:-1]))
        return item is not None and item.type == "per_eye"  # not checked by the parser
    return False


def _verdict(catalogue: Catalogue, data: Any) -> tuple[bool, set[str]]:
    try:
        parse_case(Sourced(data, "<mutant>.json"), catalogue)
    except InputError as exc:
        return False, {(p.code or "") + ("/order" if "low end above" in p.message else "")
                       for p in exc.problems}
    return True, set()


def _agreement(catalogue: Catalogue, validator: jsonschema.Draft202012Validator, n: int,
               seed: int) -> tuple[int, list[str]]:
    rng = random.Random(seed)
    gen = Generator(catalogue, load_config(), seed=seed, problems=False)
    bases = [r.data for r in gen.cohort(n_patients=max(4, n // 25))] + [example()]
    checked, disagree = 0, []
    for i in range(n):
        data, path = _mutate(rng.choice(bases), rng)
        ok, codes = _verdict(catalogue, data)
        if not ok and codes and codes <= _SEMANTIC_CODES:
            continue  # rejected only for what a schema cannot say
        if known_difference(catalogue, data, path):
            continue
        checked += 1
        if schema_ok(validator, data) != ok:
            disagree.append(f"#{i} at {path}: parser={'ok' if ok else sorted(codes)} "
                            f"schema={'ok' if not ok else 'rejects'}: "
                            + _diff_hint(validator, data))
    return checked, disagree


def _diff_hint(validator: jsonschema.Draft202012Validator, data: Any) -> str:
    errs = list(validator.iter_errors(data))
    return "; ".join(f"{e.json_path}: {e.message[:80]}" for e in errs[:2]) or "(schema ok)"


def test_schema_and_parser_agree_on_mutated_records_sample(
        catalogue: Catalogue, validator: jsonschema.Draft202012Validator) -> None:
    checked, disagree = _agreement(catalogue, validator, n=150, seed=1)
    assert checked > 100
    assert disagree == [], "\n".join(disagree[:10])


@pytest.mark.slow
def test_schema_and_parser_agree_on_mutated_records(
        catalogue: Catalogue, validator: jsonschema.Draft202012Validator) -> None:
    checked, disagree = _agreement(catalogue, validator, n=2000, seed=2)
    assert checked > 1300
    assert disagree == [], "\n".join(disagree[:10])


def test_synthetic_problem_records_fail_the_schema_unless_semantic(
        catalogue: Catalogue, validator: jsonschema.Draft202012Validator) -> None:
    # synth's problem kinds: out_of_range, unknown_item, bad_date fail the schema; date_order
    # and wrong_unit are semantic (the schema accepts them); malformed_json only cuts the line.
    config = load_config()
    config["problems"] = dict(config.get("problems", {}), bad_record=0.9, empty_record=0.0)
    gen = Generator(catalogue, config, seed=5, problems=True)
    seen = set()
    for rec in gen.cohort(n_patients=60):
        if rec.problem in (None, "malformed_json"):
            assert schema_ok(validator, rec.data), rec.index
        elif rec.problem in ("date_order", "wrong_unit"):
            assert schema_ok(validator, rec.data) and not parser_ok(catalogue, rec.data)
        else:
            assert not schema_ok(validator, rec.data), (rec.index, rec.problem)
        seen.add(rec.problem)
    assert {"out_of_range", "unknown_item", "bad_date"} <= seen


@pytest.mark.slow
def test_every_case_the_feature_scenarios_build_validates(tmp_path: Path) -> None:
    # The BDD steps build their cases in memory; the probe plugin validates each one the parser
    # accepts (tests/support/schema_probe.py).
    out = tmp_path / "probe.jsonl"
    env = dict(os.environ, SICCA_SCHEMA_PROBE=str(out))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.support.schema_probe",
         "-p", "no:cacheprovider", "-m", "not slow", "tests/bdd"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    checked = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(checked) > 100, len(checked)
    bad = [c for c in checked if c["errors"]]
    assert bad == [], bad[:5]
