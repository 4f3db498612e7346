"""`sicca rules check` and `sicca schema rules`: one negative fixture per error kind.

Fixture packs (tests/data/invalid/rules/<kind>/) are checked against a bundled directory
that holds only the vocabulary, so that rule sets other people are writing cannot change
what these tests see; `test_bundled_rules_are_clean` checks the real bundled rules.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

import sicca.language.lint as lint
from sicca.base.paths import RULES_DIR
from sicca.cli.app import main
from sicca.language.lint import Interval, interval_of
from sicca.language.rule_schema import rule_file_schema

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "invalid" / "rules"

HEAD = """kind: rules
ruleset: pack
version: 1.0.0
source: {citation: sicca_clinical_spec, note: "test fixture", tag: CONVENTION}
outputs: ["pack.*"]
rules:
"""


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled rules dir with the real vocabulary and bibliography, and no rule sets."""
    root = tmp_path / "bundled"
    shutil.copytree(RULES_DIR / "vocabulary", root / "vocabulary")
    shutil.copy(RULES_DIR / "bibliography.yaml", root / "bibliography.yaml")
    monkeypatch.setattr(lint, "RULES_DIR", root)
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["rules", "check", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def rule(rid: str, when: str, value: object = 1, fact: str = "pack.level") -> str:
    return (f"  - id: {rid}\n    description: a test rule\n    when: {when}\n"
            f"    then: {{fact: {fact}, value: {value}}}\n")


def pack(tmp_path: Path, *rules: str, name: str = "rules.yaml", head: str = HEAD) -> Path:
    d = tmp_path / "pack"
    d.mkdir(exist_ok=True)
    (d / name).write_text(head + "".join(rules), encoding="utf-8")
    return d


# --- one fixture per error kind ----------------------------------------------------------------
# (fixture, exit code, error code, file, line:col, rule id, field path, text of the hint)
CASES = [
    ("yaml_syntax", 1, "E001", "broken.yaml", "11:9", None, None, None),
    ("duplicate_key", 1, "E002", "rules.yaml", "11:5", None, "rules[0].when", None),
    ("not_a_mapping", 1, "E301", "rules.yaml", "1:1", None, "<document>", None),
    ("constant_not_a_word", 1, "E320", "rules.yaml", "10:41", "pack.a", "rules[0].when.eq",
     None),
    ("unknown_field", 1, "E323", "rules.yaml", "10:34", "pack.a", "rules[0].when.field", None),
    ("in_with_numbers", 1, "E325", "rules.yaml", "10:31", "pack.a", "rules[0].when.in", None),
    ("between_not_a_pair", 1, "E326", "rules.yaml", "10:36", "pack.a",
     "rules[0].when.between", "write `between: [37.5, 38.5]`"),
    ("too_many_branches", 1, "E332", "rules.yaml", "10:7", "pack.a", "rules[0].when",
     "split the rule"),
    ("missing_ruleset", 1, "E305", "rules.yaml", "1:1", None, "<document>", None),
    ("schema_unknown_key", 1, "E307", "rules.yaml", "9:5", "pack.a",
     "rules[0].descripton", "did you mean 'description'?"),
    ("schema_missing_then", 1, "E307", "rules.yaml", "8:5", "pack.a", "rules[0]", None),
    ("schema_bad_tag", 1, "E304", "rules.yaml", "10:50", "pack.a", "rules[0].source.tag", None),
    ("schema_bad_status", 1, "E306", "rules.yaml", "10:13", "pack.a", "rules[0].status", None),
    ("bad_conclusion", 1, "E309", "rules.yaml", "11:11", "pack.a", "rules[0].then", None),
    ("duplicate_id_same_file", 1, "E310", "rules.yaml", "12:9", "pack.a", "rules[1].id",
     "first defined at"),
    ("duplicate_id_two_files", 1, "E310", "b.yaml", "8:9", "pack.a", "rules[0].id",
     "a.yaml:8"),
    ("conclusion_outside_ruleset", 1, "E308", "rules.yaml", "11:18", "pack.a",
     "rules[0].then.fact", None),
    ("unknown_citation", 1, "E311", "rules.yaml", "10:24", "pack.a", "rules[0].source.citation",
     "did you mean 'seror2010_essdai'?"),
    ("version_mismatch", 1, "E312", "b.yaml", "3:10", None, "version", None),
    ("unknown_condition_key", 1, "E321", "rules.yaml", "10:27", "pack.a",
     "rules[0].when.gte", "did you mean 'gt'?"),
    ("unknown_fact", 1, "E322", "rules.yaml", "10:18", "pack.a", "rules[0].when.fact",
     "did you mean 'cutaneous.purpura'?"),
    ("unknown_state", 1, "E324", "rules.yaml", "10:34", "pack.a", "rules[0].when.state", None),
    ("between_without_ends", 1, "E327", "rules.yaml", "10:49", "pack.a",
     "rules[0].when.between", None),
    ("word_on_a_number", 1, "E328", "rules.yaml", "10:31", "pack.a", "rules[0].when.eq", None),
    ("code_not_in_choices", 1, "E329", "rules.yaml", "10:41", "pack.a", "rules[0].when.eq",
     "did you mean 'present'?"),
    ("unknown_unit", 1, "E330", "rules.yaml", "10:31", "pack.a", "rules[0].when.gt",
     "unknown unit 'furlong'"),
    ("unit_does_not_fit", 1, "E330", "rules.yaml", "10:31", "pack.a", "rules[0].when.gt",
     "does not fit 'g/L'"),
    ("empty_any", 1, "E331", "rules.yaml", "10:17", "pack.a", "rules[0].when.any", None),
    ("concluded_input", 1, "E333", "rules.yaml", "7:5", "cutaneous.a", "rules[0]", None),
    ("negation_cycle", 1, "E334", "rules.yaml", "8:5", "pack.a", "rules[0]",
     "pack.a, pack.b"),
    ("too_many_comparisons", 1, "E337", "rules.yaml", "7:5", "pack.a", "rules[0]", None),
    ("unconsumed_conclusion", 1, "E340", "rules.yaml", "10:11", "pack.a", "rules[0].then",
     "outputs: [pack.level]"),
    ("contradictory_bounds", 1, "E341", "rules.yaml", "13:31", "pack.a",
     "rules[0].when.all[1].lt", "direction of each comparison"),
    ("contradictory_codes", 1, "E341", "rules.yaml", "13:48", "pack.a",
     "rules[0].when.all[1].eq", None),
    ("overlapping_bands", 1, "E342", "rules.yaml", "14:31", "pack.high", "rules[1].when.ge",
     "make one end open"),
    ("gapped_bands", 0, "E343", "rules.yaml", "14:31", "pack.high", "rules[1].when.gt",
     "if the gap is meant"),
    # faults found while documenting the language (docs/rule-language.md): each was accepted,
    # ignored or a traceback
    ("field_value_with_word", 1, "E328", "rules.yaml", "10:55", "pack.a", "rules[0].when.eq",
     None),
    ("order_on_code_field", 1, "E328", "rules.yaml", "10:44", "pack.a", "rules[0].when.gt",
     None),
    ("between_on_code_field", 1, "E328", "rules.yaml", "10:50", "pack.a",
     "rules[0].when.between", None),
    ("in_on_value_field", 1, "E328", "rules.yaml", "10:55", "pack.a", "rules[0].when.in",
     "use between"),
    ("unit_on_a_word", 1, "E330", "rules.yaml", "10:56", "pack.a", "rules[0].when.unit",
     "words have no unit"),
    ("unit_on_a_state_test", 1, "E330", "rules.yaml", "10:50", "pack.a", "rules[0].when.unit",
     None),
    ("unit_on_a_concluded_fact", 1, "E330", "rules.yaml", "13:46", "pack.b",
     "rules[1].when.unit", "remove `unit:`"),
    ("outputs_not_a_list", 1, "E305", "rules.yaml", "6:10", None, "outputs",
     'write outputs: ["pack.*"]'),
    ("meta_not_a_mapping", 1, "E305", "rules.yaml", "6:7", None, "meta", None),
    ("version_not_text", 1, "E305", "rules.yaml", "3:10", None, "version",
     'write version: "1.10"'),
    ("unknown_kind", 1, "E302", "rules.yaml", "1:7", None, "kind", None),
    # issue 12: each was a traceback
    ("nan_constant", 1, "E003", "rules.yaml", "9:31", None, None, None),
    ("lt_on_a_code", 1, "E328", "rules.yaml", "9:41", "pack.a", "rules[0].when.lt", None),
    ("value_of_wrong_type", 1, "E320", "rules.yaml", "9:31", "pack.a", "rules[0].when.gt",
     None),
    ("invalid_utf8", 1, "E006", "rules.yaml", "11:15", None, None, None),
]


def test_every_fixture_has_a_case() -> None:
    assert sorted(d.name for d in FIXTURES.iterdir()) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_fixture_is_reported_with_its_place(case: tuple[str, int, str, str, str, str | None,
                                                        str | None, str | None],
                                            bundled: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    kind, exit_code, code, file, linecol, rid, field, hint = case
    got, out = run(capsys, str(FIXTURES / kind))
    assert got == exit_code, out
    head = f"{kind}/{file}:{linecol}: {'warning' if exit_code == 0 else 'error'} {code}"
    assert head in out, out
    if rid:
        assert f"{code} in rule '{rid}'" in out, out
    if field:
        assert f"at {field}" in out, out
    if hint:
        assert "hint: " in out and hint in out, out
    assert ("1 error" if exit_code else "0 errors") in out.splitlines()[-1], out


def test_many_constants_on_one_field_are_a_durable_rules_limit(
        bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 11 facts x 50 comparisons = 550 distinct constants > 511; 50 per fact stays under 60
    keys = ["igg", "iga", "igm", "c3", "c4", "crp", "esr", "ck", "gfr", "platelets",
            "neutrophils"]
    rules = []
    for k, key in enumerate(keys):
        leaves = ", ".join(f"{{fact: lab.{key}, gt: {1000 * k + i}}}" for i in range(50))
        rules.append(rule(f"pack.r{k}", f"{{any: [{leaves}]}}"))
    code, out = run(capsys, str(pack(tmp_path, *rules)))
    assert code == 1, out
    assert "error E336 in rule 'pack.r10'" in out, out  # the rule that crossed 511
    assert "550 distinct constants on field 'value'" in out
    assert "pack/rules.yaml:" in out


def test_one_run_reports_every_file(bundled: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    d = pack(tmp_path, rule("pack.a", "{fact: cutaneous.purpra, eq: present}"), name="a.yaml")
    pack(tmp_path, rule("pack.b", "{fact: cutaneous.purpura, eq: present"), name="b.yaml")
    pack(tmp_path, rule("pack.c", "{all: [{fact: lab.igg, ge: 2}, {fact: lab.igg, lt: 2}]}"),
         name="c.yaml")
    code, out = run(capsys, str(d))
    assert code == 1
    for where in ("a.yaml:9:18: error E322", "b.yaml:10:9: error E001", "c.yaml:9:62: error E341"):
        assert where in out, out
    assert out.splitlines()[-1] == "3 errors, 0 warnings in 3 files; 2 rules checked"


def test_json_format_lists_problems(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, str(FIXTURES / "unknown_fact"), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["errors"] == 1
    (p,) = data["problems"]
    assert (p["code"], p["line"], p["col"], p["rule"], p["hint"]) == \
        ("E322", 10, 18, "pack.a", "did you mean 'cutaneous.purpura'?")


def test_a_clean_pack_exits_0(bundled: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    d = pack(tmp_path, rule("pack.low", "{fact: lab.igg, gt: 16, le: 20}"),
             rule("pack.high", "{fact: lab.igg, gt: 20}", 2))
    assert run(capsys, str(d)) == (0, "no problems in 1 file; 2 rules checked\n")


def test_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    code, out = run(capsys, str(tmp_path / "nope"))
    assert code == 2 and "E300" in out


# --- context: bundled + pack --------------------------------------------------------------------

BASE = """kind: rules
ruleset: base
version: 1.0.0
source: {citation: sicca_clinical_spec, note: "test fixture", tag: CONVENTION}
outputs: ["base.*"]
rules:
"""


def test_a_pack_chains_on_bundled_conclusions(bundled: Path, tmp_path: Path) -> None:
    (bundled / "base").mkdir()
    (bundled / "base" / "a.yaml").write_text(
        BASE + rule("base.flag", "{fact: cutaneous.purpura, eq: present}", '"yes"', "base.flag"))
    d = pack(tmp_path, rule("pack.a", "{fact: base.flag, eq: \"yes\"}"))
    assert lint.check([d]) == []


def test_pack_problems_come_before_bundled_ones(bundled: Path, tmp_path: Path) -> None:
    (bundled / "base").mkdir()
    (bundled / "base" / "a.yaml").write_text(
        BASE + rule("base.flag", "{fact: cutaneous.purpra, eq: present}", '"yes"', "base.flag"))
    d = pack(tmp_path, rule("pack.a", "{fact: lab.igh, gt: 1}"))
    problems = lint.check([d])
    assert [(Path(p.file or "").name, p.code) for p in problems] == \
        [("rules.yaml", "E322"), ("a.yaml", "E322")]


def test_a_bundled_file_is_checked_in_context(bundled: Path) -> None:
    (bundled / "base").mkdir()
    (bundled / "base" / "a.yaml").write_text(
        BASE + rule("base.flag", "{fact: cutaneous.purpura, eq: present}", '"yes"', "base.flag"))
    (bundled / "base" / "b.yaml").write_text(
        BASE + rule("base.reads", "{fact: base.flag, eq: \"yes\"}", 1, "base.out"))
    assert lint.check([bundled / "base" / "b.yaml"]) == []


def test_outputs_globs_count_as_consumers(bundled: Path, tmp_path: Path) -> None:
    head = HEAD.replace('outputs: ["pack.*"]', 'outputs: ["pack.lev?l", "pack.x*"]')
    d = pack(tmp_path, rule("pack.a", "{fact: lab.igg, gt: 1}"),
             rule("pack.b", "{fact: lab.igg, le: 1}", 1, "pack.other"), head=head)
    assert [(p.code, p.rule) for p in lint.check([d])] == [("E340", "pack.b")]


def test_a_conclusion_read_by_another_rule_needs_no_outputs(bundled: Path,
                                                           tmp_path: Path) -> None:
    head = HEAD.replace('outputs: ["pack.*"]\n', 'outputs: ["pack.final"]\n')
    d = pack(tmp_path, rule("pack.a", "{fact: lab.igg, gt: 1}", 1, "pack.step"),
             rule("pack.b", "{fact: pack.step, eq: 1}", 1, "pack.final"), head=head)
    assert lint.check([d]) == []


# --- bounds and bands: exact ends -------------------------------------------------------------

def codes(bundled: Path, tmp_path: Path, *rules: str) -> list[str]:
    return [p.code for p in lint.check([pack(tmp_path, *rules)])]


@pytest.mark.parametrize("when", [
    "{all: [{fact: lab.igg, ge: 2}, {fact: lab.igg, lt: 2}]}",     # [2, 2) is empty
    "{fact: lab.igg, between: [5, 3], ends: both}",                 # low above high
    "{fact: lab.igg, between: [2, 2], ends: low}",                  # [2, 2)
    "{all: [{fact: lab.igg, gt: 1}, not: {fact: lab.igg, gt: 0}]}",  # > 1 and <= 0
])
def test_contradictory_bounds_can_never_fire(bundled: Path, tmp_path: Path, when: str) -> None:
    assert codes(bundled, tmp_path, rule("pack.a", when)) == ["E341"]


@pytest.mark.parametrize("when", [
    "{all: [{fact: lab.igg, ge: 2}, {fact: lab.igg, le: 2}]}",     # exactly 2
    "{fact: lab.igg, between: [2, 2], ends: both}",
    "not: {all: [{fact: lab.igg, gt: 5}, {fact: lab.igg, lt: 3}]}",  # a negation holds
    "{any: [{fact: lab.igg, gt: 5}, {fact: lab.igg, lt: 3}]}",
])
def test_satisfiable_bounds_are_fine(bundled: Path, tmp_path: Path, when: str) -> None:
    if when.startswith("not:"):
        when = "{" + when + "}"
    assert codes(bundled, tmp_path, rule("pack.a", when)) == []


def test_a_test_no_concluded_value_passes_can_never_fire(bundled: Path, tmp_path: Path) -> None:
    got = codes(bundled, tmp_path, rule("pack.a", "{fact: lab.igg, gt: 1}", 1, "pack.step"),
                rule("pack.b", "{fact: pack.step, gt: 5}"))
    assert got == ["E341"]  # pack.step is only ever 1


def test_one_branch_that_can_never_fire_is_named(bundled: Path, tmp_path: Path) -> None:
    d = pack(tmp_path, rule("pack.a", "{any: [{fact: lab.igg, gt: 9}, "
                            "{all: [{fact: lab.iga, gt: 5}, {fact: lab.iga, lt: 3}]}]}"))
    (p,) = lint.check([d])
    assert "(branch 2 of 2)" in p.message and p.field == "rules[0].when.any[1].all[1].lt"


@pytest.mark.parametrize("low,high,expected", [
    ("le: 20", "gt: 20", []),                      # 20 is low; no gap, no overlap
    ("lt: 20", "ge: 20", []),
    ("lt: 20", "gt: 20", ["E343"]),                # exactly 20 gets nothing
    ("le: 20", "gt: 20.5", ["E343"]),              # (20, 20.5] gets nothing
    ("le: 20", "ge: 20", ["E342"]),                # 20 is both
    ("le: 20", "gt: 19.9", ["E342"]),              # (19.9, 20] is both
])
def test_band_ends_are_compared_exactly(bundled: Path, tmp_path: Path, low: str, high: str,
                                        expected: list[str]) -> None:
    got = codes(bundled, tmp_path, rule("pack.low", f"{{fact: lab.igg, gt: 16, {low}}}"),
                rule("pack.high", f"{{fact: lab.igg, {high}}}", 2))
    assert got == expected


def test_bands_compare_in_the_stored_unit(bundled: Path, tmp_path: Path) -> None:
    # 2000 mg/dL = 20 g/L: the bands meet exactly
    got = codes(bundled, tmp_path, rule("pack.low", "{fact: lab.igg, gt: 16, le: 20}"),
                rule("pack.high", "{fact: lab.igg, gt: 2000, unit: mg/dL}", 2))
    assert got == []


def test_three_bands_with_an_unbounded_top_are_fine(bundled: Path, tmp_path: Path) -> None:
    got = codes(bundled, tmp_path,
                rule("pack.one", "{fact: lab.igg, between: [16, 20], ends: high}"),
                rule("pack.two", "{fact: lab.igg, between: [20, 25], ends: high}", 2),
                rule("pack.three", "{fact: lab.igg, gt: 25}", 3))
    assert got == []


def test_bands_of_a_count_leave_no_gap_between_integers(bundled: Path, tmp_path: Path) -> None:
    got = codes(bundled, tmp_path,
                rule("pack.low", "{fact: articular.synovitis_count, between: [1, 5], ends: both}"),
                rule("pack.high", "{fact: articular.synovitis_count, ge: 6}", 2))
    assert got == []


def test_bands_of_one_value_may_touch(bundled: Path, tmp_path: Path) -> None:
    got = codes(bundled, tmp_path, rule("pack.a", "{fact: lab.igg, gt: 16, le: 20}"),
                rule("pack.b", "{fact: lab.igg, ge: 18}"))
    assert got == []  # same conclusion twice is redundant, not contradictory


def test_interval_arithmetic() -> None:
    d = lint.Decimal
    assert interval_of("le", d(20)).meet(interval_of("gt", d(20))).empty()
    assert not interval_of("le", d(20)).meet(interval_of("ge", d(20))).empty()
    assert str(Interval(d(20), True, d(20), True)) == "exactly 20"
    assert str(Interval(d("20"), False, d("20.5"), True)) == "(20, 20.5]"
    assert not Interval(d(5), False, d(6), False).has_integer()
    assert Interval(d(5), True, d(6), False).has_integer()


# --- the bundled rules --------------------------------------------------------------------------

def test_bundled_rules_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, str(RULES_DIR))
    bad = sorted({line.split(":")[0] for line in out.splitlines()
                  if ": error E" in line})
    assert code == 0, "bundled rule files with errors: " + ", ".join(bad) + "\n" + out


# --- the JSON Schema ----------------------------------------------------------------------------

SCHEMA = rule_file_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_schema_is_a_valid_2020_12_schema(capsys: pytest.CaptureFixture[str]) -> None:
    main(["schema", "rules"])
    printed = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == SCHEMA


#: libyaml's loader where installed: these files are read at collection, by every worker
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _rule_files() -> list[Path]:
    out = []
    for p in sorted(RULES_DIR.rglob("*.yaml")):
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_SAFE)  # noqa: S506 - safe
        if isinstance(data, dict) and data.get("kind", "rules") == "rules":
            out.append(p)
    return out


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_bundled_rule_file_validates(path: Path) -> None:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE)  # noqa: S506 - safe
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(data)]
    assert not errors, errors


@pytest.mark.parametrize("kind", ["schema_unknown_key", "schema_missing_then", "schema_bad_tag",
                                  "schema_bad_status", "between_without_ends", "bad_conclusion",
                                  "unknown_condition_key", "missing_ruleset", "empty_any",
                                  "not_a_mapping", "unknown_field", "in_with_numbers",
                                  "between_not_a_pair", "constant_not_a_word",
                                  "outputs_not_a_list", "meta_not_a_mapping",
                                  "version_not_text", "unknown_kind"])
def test_schema_rejects_malformed_fixture(kind: str) -> None:
    (path,) = sorted((FIXTURES / kind).glob("*.yaml"))
    assert not VALIDATOR.is_valid(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", ["unknown_fact", "overlapping_bands", "gapped_bands",
                                  "negation_cycle", "contradictory_bounds", "too_many_comparisons"])
def test_schema_accepts_well_formed_fixture(kind: str) -> None:
    # these are well formed; only the vocabulary or the linter can tell what is wrong
    for path in sorted((FIXTURES / kind).glob("*.yaml")):
        assert VALIDATOR.is_valid(yaml.safe_load(path.read_text(encoding="utf-8"))), path


def test_rules_list_prints_ids(bundled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["rules", "list", "--rules", str(FIXTURES / "gapped_bands"), "--format", "json"])
    rows = json.loads(capsys.readouterr().out)
    mine = [r for r in rows if r["ruleset"] == "pack"]
    assert [(r["id"], r["version"], r["status"], r["tag"]) for r in mine] == \
        [("pack.low", "1.0.0", "draft", "CONVENTION"), ("pack.high", "1.0.0", "draft",
                                                        "CONVENTION")]


def test_typer_exit_code_reaches_the_shell(bundled: Path) -> None:
    # regression: main() ran click with standalone_mode=False, which *returns* typer.Exit's
    # code instead of raising it, so `sicca rules check` exited 0 on errors
    with pytest.raises(SystemExit) as exc:
        main(["rules", "check", str(FIXTURES / "unknown_fact")])
    assert exc.value.code == 1
