"""explain, rule packs, versions and hashes, options: the engine seen from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "tests" / "data" / "packs" / "engine_demo"
SEED = ROOT / "examples" / "rfib-case.yaml"


@pytest.mark.parametrize("engine", ["durable", "native"])
def test_explain_shows_the_chain_from_input_field_to_conclusion(
        engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", str(SEED), "-t", "baseline", "--rules", str(PACK),
                        "--only", "demo.", "--engine", engine, "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    by_fact = {c["fact"]: c for c in data["conclusions"]}
    # IgG 25.3 g/L > 2000 mg/dL (= 20 g/L): band 2, from the case file's first timepoint
    band = by_fact["demo.igg_band"]
    assert band["value"] == 2
    rule = band["rules"][0]
    assert rule["rule"] == "demo.igg_over_20"
    # the citation is an id of the pack's own bibliography; the entry comes along in full
    src = rule["source"]
    assert (src["citation"], src["tag"], src["also"]) == ("engine_demo_pack", "CONVENTION", [])
    assert src["reference"]["id"] == "engine_demo_pack"
    assert src["reference"]["text"].startswith("Sicca engine test pack")
    assert rule["loc"].endswith("demo/demo.yaml:10:5")
    igg = rule["matched"][0]
    assert (igg["fact"], igg["value"], igg["unit"], igg["recorded_at"]) == (
        "lab.igg", 25.3, "g/L", "baseline")
    assert igg["path"].startswith("timepoints[0].labs[")
    # the focus score comes from the 2021 diagnosis record, and says it was interpreted
    fs = by_fact["demo.fs"]["rules"][0]["matched"][0]
    assert fs["recorded_at"] == "diagnosis" and fs["path"] == "history[0].tests.focus_score"
    assert fs["censored"] == ">="
    assert data["rulesets"][0]["name"] and data["rulesets"][0]["hash"].startswith("sha256:")


def test_explain_tree_names_rules_sources_and_places(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["explain", str(SEED), "-t", "baseline", "--rules", str(PACK),
                        "--only", "demo.igg", "--engine", "native"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert "demo.igg_band = 2" in flat
    assert "demo.igg_over_20" in flat and "[CONVENTION]" in flat
    assert "lab.igg = 25.3 g/L" in flat


def test_explain_tree_marks_inputs_flagged_in_the_case_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the seed case's dry-eye answer is inferred from the narrative (`inferred: true`)
    code, out, _ = run(["explain", str(SEED), "-t", "baseline", "--only",
                        "acr_eular_2016.entry", "--engine", "native"], capsys)
    assert code == 0
    flat = " ".join(out.split())
    assert "symptoms.dry_eyes_3_months inferred" in flat, flat


def test_a_rule_pack_changes_the_conclusions_with_no_code_change(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    args = ["explain", str(SEED), "-t", "baseline", "--only", "demo.igg_band",
            "--engine", "native", "--format", "json"]
    _, before, _ = run(args + ["--rules", str(pack)], capsys)
    # a research group's variant: the IgG cut moves from 20 to 30 g/L
    f = pack / "demo" / "demo.yaml"
    f.write_text(f.read_text().replace("gt: 2000, unit: mg/dL", "gt: 30, unit: g/L"))
    _, after, _ = run(args + ["--rules", str(pack)], capsys)
    b, a = json.loads(before), json.loads(after)
    assert [c["value"] for c in b["conclusions"]] == [2]   # 25.3 > 20
    assert a["conclusions"] == []                          # 25.3 is neither > 30 nor in 16-20
    def demo_hash(d: dict) -> str:  # type: ignore[type-arg]
        return next(r["hash"] for r in d["rulesets"] if r["name"] == "demo")

    assert demo_hash(b) != demo_hash(a)  # the content hash moved


def test_a_pack_file_replaces_the_bundled_file_with_the_same_path(tmp_path: Path) -> None:
    from sicca.language.loader import discover, rule_dirs

    pack = tmp_path / "pack"
    bundled = discover(rule_dirs())
    rel = sorted(bundled)[0]
    (pack / rel).parent.mkdir(parents=True)
    (pack / rel).write_text("kind: rules\nruleset: x\nversion: 1\nrules: []\n")
    found = discover(rule_dirs([pack]))
    assert found[rel] == pack / rel and set(found) == set(bundled)


def test_unknown_engine_and_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["score", str(SEED), "--engine", "drools"], capsys)
    assert code == 2 and "unknown engine 'drools'" in err and "durable | native" in err
    code, _, err = run(["score", str(SEED), "--option", "purpura_extnt=generalised",
                        "--engine", "native"], capsys)
    assert code == 2 and "did you mean 'purpura_extent'" in err
    code, _, err = run(["score", str(SEED), "--option", "purpura_extent=wide",
                        "--engine", "native"], capsys)
    assert code == 2 and "complement | generalised" in err
    code, _, err = run(["explain", str(SEED), "-t", "week_3", "--engine", "native"], capsys)
    assert code == 2 and "no timepoint 'week_3'" in err and "baseline" in err


def test_options_lists_every_judgement_call(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["options", "--format", "json"], capsys)
    names = {o["name"]: o for o in json.loads(out)}
    assert code == 0
    assert names["purpura_extent"]["default"] == "complement"
    assert {"rating_window", "attribution", "focus_score_reading"} <= set(names)


def test_every_output_names_its_rule_sets_with_version_and_hash(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["score", str(SEED), "--engine", "native", "--format", "json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["rulesets"], "no rule set named"
    for rs in report["rulesets"]:
        assert rs["version"] and rs["hash"].startswith("sha256:") and rs["files"]
    assert report["options"]["purpura_extent"] == "complement"
    code, out, _ = run(["score", str(SEED), "--engine", "native"], capsys)
    assert "rule sets:" in out and "sha256:" in out
