"""Citations a reader can follow: every rule's source names an entry of rules/bibliography.yaml,
and explain, rules list and the JSON trace show the full reference."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from sicca.base.errors import Problems
from sicca.base.paths import RULES_DIR
from sicca.cli.app import main
from sicca.language.bibliography import Entry, format_reference, load_bibliography, source_lines
from sicca.language.loader import TAGS, load_rule_files

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"
SPEC = ROOT / "docs" / "clinical-spec.md"

RULE_FILE = """kind: rules
ruleset: pack
version: 1.0.0
source: {{citation: {cid}, tag: CONVENTION}}
outputs: ["pack.*"]
rules:
  - id: pack.a
    description: a test rule
    when: {{fact: cutaneous.purpura, eq: present}}
    then: {{fact: pack.level, value: 1}}
"""


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def bundled_bibliography() -> dict[str, Entry]:
    problems = Problems()
    bib = load_bibliography([RULES_DIR], problems)
    assert problems.items == []
    return {k: p.entry for k, p in bib.entries.items()}


# --- the bibliography -----------------------------------------------------------------------------

def test_the_bibliography_loads_and_every_entry_has_a_known_tag() -> None:
    entries = bundled_bibliography()
    raw = yaml.safe_load((RULES_DIR / "bibliography.yaml").read_text(encoding="utf-8"))
    assert len(entries) == len(raw["entries"])  # nothing dropped
    assert all("tag" in e for e in raw["entries"])  # written, not defaulted
    assert {e.tag for e in entries.values()} <= set(TAGS)


def test_every_source_of_the_spec_table_has_an_entry() -> None:
    # spec §0.2 lists S1, S1b and S2 … S19
    want = {"S1", "S1b"} | {f"S{i}" for i in range(2, 20)}
    assert {e.spec_id for e in bundled_bibliography().values() if e.spec_id} == want


def test_the_spec_and_the_seed_case_report_are_entries() -> None:
    entries = bundled_bibliography()
    assert entries["sicca_clinical_spec"].tag == "CONVENTION"
    assert SPEC.is_file() and SPEC.read_text(encoding="utf-8").startswith(
        "# Clinical specification")
    assert entries["ma2025_rfib_case"].doi == "10.3389/fimmu.2025.1529883"


def test_seror_2010_reads_as_a_full_reference() -> None:
    assert format_reference(bundled_bibliography()["seror2010_essdai"]) == (
        "Seror R, et al. EULAR Sjögren's syndrome disease activity index: development of a "
        "consensus systemic disease activity index for primary Sjögren's syndrome. "
        "Ann Rheum Dis 2010;69(6):1103–9. doi:10.1136/ard.2009.110619")


def test_a_field_the_source_does_not_give_is_left_out_not_invented() -> None:
    # the spec names Cornec et al., Arthritis Res Ther 2014, Table 1 — no title, volume or page
    e = bundled_bibliography()["cornec2014_acr2012_exclusions"]
    assert (e.title, e.volume, e.pages, e.doi) == (None, None, None, None)
    assert format_reference(e) == "Cornec, et al. Arthritis Res Ther 2014."


# --- rules cite entries ---------------------------------------------------------------------------

def test_every_shipped_rule_citation_resolves() -> None:
    problems = Problems()
    files = load_rule_files([RULES_DIR], problems)
    assert [p for p in problems.items if p.code == "E311"] == []
    cites = [c for f in files for r in f.rules for c in [r.source, *r.source.also]]
    assert len(cites) > 300
    unresolved = sorted({c.citation for c in cites if c.reference is None})
    assert unresolved == []


def test_spec_locators_name_sections_of_the_spec() -> None:
    # "§9.2.6" is item 6 of section 9.2; "§1.6" is section 1.6
    text = SPEC.read_text(encoding="utf-8")
    heads = {m.group(1): m.start() for m in re.finditer(r"^#+ (\d+(?:\.\d+)*)\.? ", text, re.M)}
    files = load_rule_files([RULES_DIR], Problems())
    locs = {c.locator for f in files for r in f.rules for c in [r.source, *r.source.also]
            if c.citation == "sicca_clinical_spec" and c.locator}
    assert locs
    for loc in sorted(locs):
        for num in re.findall(r"§(\d+(?:\.\d+)*)", loc):
            if num in heads:
                continue
            parent, item = num.rsplit(".", 1)
            assert parent in heads, loc
            section = text[heads[parent]:].split("\n#", 1)[0]
            assert re.search(rf"^{item}\. ", section, re.M), loc


def test_an_unknown_citation_is_an_error_with_its_place_and_a_suggestion(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules.yaml").write_text(RULE_FILE.format(cid="vitali2002_aceg"),
                                         encoding="utf-8")
    code, out = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 1
    # line 4 `source: {citation: vitali2002_aceg, …}`: the id starts at column 20
    assert "rules.yaml:4:20: error E311" in out, out
    assert "did you mean 'vitali2002_aecg'?" in out


def test_an_unknown_citation_stops_scoring_with_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules.yaml").write_text(RULE_FILE.format(cid="nowhere"), encoding="utf-8")
    code, out = run(["score", str(SEED), "--engine", "native", "--rules", str(tmp_path)],
                    capsys)
    assert code == 2 and "E311" in out and "Traceback" not in out, out


def test_a_pack_brings_its_own_bibliography(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bibliography.yaml").write_text(
        "kind: bibliography\nentries:\n  - {id: local_protocol, tag: CONVENTION, "
        "description: Our clinic's protocol}\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULE_FILE.format(cid="local_protocol"),
                                         encoding="utf-8")
    code, out = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 0, out
    code, out = run(["rules", "list", "--rules", str(tmp_path), "--format", "json"], capsys)
    row = next(r for r in json.loads(out) if r["id"] == "pack.a")
    assert row["source"]["reference"]["text"] == "Our clinic's protocol."


def test_a_bibliography_id_defined_twice_names_both_places(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bibliography.yaml").write_text(
        "kind: bibliography\nentries:\n  - {id: seror2010_essdai, tag: V-P}\n",
        encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULE_FILE.format(cid="seror2010_essdai"),
                                         encoding="utf-8")
    code, out = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 1
    assert "bibliography.yaml:3:10: error E313" in out, out  # the id value
    bundled_line = next(i for i, line in enumerate(
        (RULES_DIR / "bibliography.yaml").read_text(encoding="utf-8").splitlines(), 1)
        if "id: seror2010_essdai" in line)
    assert f"bibliography.yaml:{bundled_line}" in out.split("hint:")[1], out


def test_a_malformed_entry_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bibliography.yaml").write_text(
        "kind: bibliography\nentries:\n  - id: local\n    tag: V-P\n    jornal: Lancet\n",
        encoding="utf-8")
    code, out = run(["rules", "check", str(tmp_path)], capsys)
    assert code == 1
    assert "bibliography.yaml:5:5: error E314" in out, out


def test_a_bundled_rules_dir_without_this_rule_pack_is_unaffected(tmp_path: Path) -> None:
    # a copy of the bundled rules checks clean: the bibliography travels with the rules
    shutil.copytree(RULES_DIR, tmp_path / "rules", ignore=shutil.ignore_patterns("__pycache__"))
    problems = Problems()
    load_rule_files([tmp_path / "rules"], problems)
    assert [p for p in problems.items if p.severity == "error"] == []


# --- display --------------------------------------------------------------------------------------

def test_explain_shows_the_full_reference(capsys: pytest.CaptureFixture[str]) -> None:
    # baseline purpura on both lower limbs: cutaneous high, cited to Seror 2010 Table 3
    code, out = run(["explain", str(SEED), "-t", "baseline", "--only", "essdai.cutaneous.level",
                     "--engine", "native"], capsys)
    assert code == 0, out
    flat = " ".join(out.split())
    assert "Seror R, et al." in flat and "Ann Rheum Dis 2010" in flat, flat
    assert "doi:10.1136/ard.2009.110619 — Table 3" in flat


def test_explain_json_keeps_the_source_keys_and_adds_the_reference(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["explain", str(SEED), "-t", "baseline", "--only", "essdai.cutaneous.level",
                     "--engine", "native", "--format", "json"], capsys)
    assert code == 0
    rule = json.loads(out)["conclusions"][0]["rules"][0]
    src = rule["source"]
    assert {"citation", "tag", "locator", "note", "also", "reference"} <= set(src)
    assert (src["citation"], src["locator"]) == ("seror2010_essdai", "Table 3")
    assert src["reference"]["journal"] == "Ann Rheum Dis" and src["reference"]["year"] == 2010
    assert src["also"][0]["citation"] == "sicca_clinical_spec"
    assert src["also"][0]["reference"]["tag"] == "CONVENTION"


def test_rules_list_prints_each_rule_with_its_references(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["rules", "list"], capsys)
    assert code == 0
    lines = out.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("essdai.biological.low.igg "))
    # the rule cites S3 and, for the band's lower end, spec §1.3
    assert lines[i + 1].strip().startswith("Third-party GitHub implementation")
    assert lines[i + 2].strip().endswith("— §1.3; lower end included")


def test_source_lines_name_a_citation_missing_from_the_bibliography() -> None:
    src = {"citation": "x", "tag": "V-P", "locator": "p. 3", "note": None, "also": [],
           "reference": None}
    assert source_lines(src) == ["x (not in the bibliography) — p. 3"]
