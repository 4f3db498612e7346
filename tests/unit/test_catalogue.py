"""The rule catalogue (issue 16.4): every shipped rule with its citation, its conditions in words
and the scenarios that cover it; `sicca rules catalogue`; the documentation site's build."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sicca.base.errors import InputError, Problems
from sicca.base.paths import RULES_DIR
from sicca.language.bibliography import source_lines
from sicca.language.catalogue import (
    SHOWN,
    Coverage,
    build_catalogue,
    condition_lines,
    leaf_text,
    load_coverage,
    md_text,
)
from sicca.language.loader import load_rule_files
from sicca.records.models import Catalogue
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "coverage" / "rule-coverage.json"
GOUT = ROOT / "tests" / "data" / "packs" / "gout"


@pytest.fixture(scope="module")
def shipped() -> list[tuple[str, str, dict[str, object]]]:
    """(rule set, rule id, source dict) of every shipped rule."""
    files = load_rule_files([RULES_DIR], Problems())
    return [(f.ruleset, r.id, r.source.as_dict()) for f in files for r in f.rules]


@pytest.fixture(scope="module")
def covered_pages() -> dict[str, str]:
    return build_catalogue(None, load_coverage(FIXTURE), ROOT, Catalogue.load(),
                           coverage_name="rule-coverage.json").pages


@pytest.fixture(scope="module")
def bare_pages() -> dict[str, str]:
    return build_catalogue(None, None, ROOT).pages


def section(page: str, rule_id: str) -> str:
    """The part of a rule set page about one rule (its heading to the next heading)."""
    m = re.search(rf"^### `{re.escape(rule_id)}` .*?(?=^##|\Z)", page, re.M | re.S)
    assert m, rule_id
    return m.group(0)


def test_every_shipped_rule_is_listed_with_its_full_citation_tag_and_status(
        shipped: list[tuple[str, str, dict[str, object]]], bare_pages: dict[str, str]) -> None:
    assert len(shipped) > 300  # 310 rules in 6 rule sets on 2026-12-03
    for ruleset, rid, source in shipped:
        text = section(bare_pages[f"rulesets/{ruleset}.md"], rid)
        lines = source_lines(source)  # the full reference — locator; note (as `rules list`)
        assert f"- **Source**: {md_text(lines[0])}" in text, rid
        for extra in lines[1:]:
            assert f"- **Also**: {md_text(extra)}" in text, rid
        assert f"- **Verification**: `{source['tag']}`" in text, rid
        assert "- **Status**: `reviewed`" in text, rid  # every shipped rule is reviewed today
        assert "**When**" in text and "**Then**" in text, rid


def test_the_index_counts_every_rule_set(shipped: list[tuple[str, str, dict[str, object]]],
                                         bare_pages: dict[str, str]) -> None:
    index = bare_pages["index.md"]
    for ruleset in {s for s, _, _ in shipped}:
        assert f"[`{ruleset}`](rulesets/{ruleset}.md)" in index
    assert f"{len(shipped)} rules in" in index


def test_a_citation_reads_as_a_full_reference(bare_pages: dict[str, str]) -> None:
    text = section(bare_pages["rulesets/essdai.md"], "essdai.articular.high.synovitis")
    assert "Seror R, et al." in text and "Ann Rheum Dis 2010;69(6):1103–9" in text
    assert "doi:10.1136/ard.2009.110619 — Table 3" in text


def test_a_covered_rule_links_to_its_scenario_in_the_feature_file(
        covered_pages: dict[str, str]) -> None:
    text = section(covered_pages["rulesets/essdai.md"],
                   "essdai.cutaneous.flag.attribution_unconfirmed")
    assert "**Covered by** 2 scenarios" in text
    link = "(../scenarios/features/essdai/cutaneous.feature.md#line-42)"
    assert f"[A counted purpura of unconfirmed attribution is flagged " \
           f"(`features/essdai/cutaneous.feature`, line 42)]{link}" in text
    # the scenario of the rule's own feature file comes before the seed case's
    assert text.index("cutaneous.feature") < text.index("activity.feature")
    feature = covered_pages["scenarios/features/essdai/cutaneous.feature.md"]
    part = feature[feature.index("{#line-42}"):]
    part = part[:part.index("\n## ")]
    assert "Scenario: A counted purpura of unconfirmed attribution is flagged" in part
    assert "And the cutaneous domain carries the flag attribution_unconfirmed" in part


def test_an_examples_row_links_to_its_scenario_outline(covered_pages: dict[str, str]) -> None:
    # line 21 is a row of the Examples of the outline that starts at line 6
    text = section(covered_pages["rulesets/essdai.md"], "essdai.cutaneous.low.erythema_multiforme")
    assert "cutaneous.feature.md#line-6)" in text
    assert "{#line-6}" in covered_pages["scenarios/features/essdai/cutaneous.feature.md"]


def test_an_uncovered_rule_says_no_covering_scenario(covered_pages: dict[str, str]) -> None:
    essdai = covered_pages["rulesets/essdai.md"]
    for rid in ("essdai.renal.not_assessable",  # listed as uncovered
                "essdai.cutaneous.not_assessable",  # listed with no scenario
                "essdai.articular.low.arthralgia"):  # not in the file at all
        assert "**Covered by**: no covering scenario." in section(essdai, rid), rid
    assert "`rule-coverage.json`" in covered_pages["index.md"]
    index = covered_pages["index.md"]
    assert "- [`essdai.renal.not_assessable`](rulesets/essdai.md#essdai.renal.not_assessable)" \
        in index[index.index("## Rules no scenario covers"):]
    # the essdai row: version, files, rules, and the 2 rules the fixture covers of them all
    row = r"\| \[`essdai`\]\(rulesets/essdai.md\) \| 1\.0\.0 \| 13 \| (\d+) \| 2 of (\d+) \|"
    n = re.search(row, covered_pages["index.md"])
    assert n is not None and n.group(1) == n.group(2) and int(n.group(1)) > 100


def test_without_a_coverage_file_the_pages_say_so_and_call_no_rule_uncovered(
        bare_pages: dict[str, str]) -> None:
    assert "No rule-coverage file was given" in bare_pages["index.md"]
    for name, page in bare_pages.items():
        assert "no covering scenario" not in page, name
    assert "not known (no rule-coverage file was given)" in bare_pages["rulesets/esspri.md"]
    assert not any(p.startswith("scenarios/") for p in bare_pages)


def test_many_covering_scenarios_are_counted_per_feature_file() -> None:
    rid = "esspri.computable"
    cov = Coverage.model_validate({"rules": {rid: [
        {"feature": f"features/x{i % 2}.feature", "scenario": f"s{i}", "line": i}
        for i in range(SHOWN + 3)]}})
    text = section(build_catalogue(None, cov, None).pages["rulesets/esspri.md"], rid)
    # 8 scenarios sorted by feature then line: x0 has lines 0 2 4 6, x1 has 1 3 5 7;
    # the first 5 are listed (s0 s2 s4 s6 s1), the other 3 (s3 s5 s7, all x1) counted
    assert f"**Covered by** {SHOWN + 3} scenarios" in text
    listed = re.findall(r"^- (s\d) ", text, re.M)
    assert listed == ["s0", "s2", "s4", "s6", "s1"]
    assert "- and 3 more in `features/x1.feature` (3)" in text  # no root: no links


def test_readable_conditions() -> None:
    assert leaf_text({"fact": "lab.igg", "gt": 20, "unit": "g/L"}) == "`lab.igg` > 20 g/L"
    assert leaf_text({"fact": "lab.igg", "between": [16, 20], "ends": "both"}) == \
        "16 ≤ `lab.igg` ≤ 20"
    assert leaf_text({"fact": "x", "between": [1, 2], "ends": "low"}) == "1 ≤ `x` < 2"
    assert leaf_text({"fact": "x", "between": [1, 2], "ends": "high"}) == "1 < `x` ≤ 2"
    assert leaf_text({"fact": "x", "between": [1, 2], "ends": "neither"}) == "1 < `x` < 2"
    assert leaf_text({"fact": "c.p", "eq": "present"}) == "`c.p` is `present`"
    assert leaf_text({"fact": "c.p.damage", "eq": True}) == "`c.p.damage` is `yes`"
    assert leaf_text({"fact": "c.p", "ne": "present"}) == "`c.p` is not `present`"
    assert leaf_text({"fact": "c", "in": ["a", "b"]}) == "`c` is one of `a`, `b`"
    assert leaf_text({"fact": "t", "state": ["not_reported", "not_done", "unknown"]}) == \
        "`t` is not reported, not done or unknown"
    assert leaf_text({"fact": "lab.crp", "field": "state", "ne": "not_done"}) == \
        "the state of `lab.crp` is not `not_done`"
    assert leaf_text({"fact": "x", "gt": 16, "le": 20}) == "`x` > 16 and `x` ≤ 20"
    assert leaf_text({"fact": "a.level"}, {"a.level"}) == "`a.level` was concluded"
    assert leaf_text({"fact": "esspri.dryness"}) == "`esspri.dryness` is reported"
    cond = {"all": [{"fact": "p", "eq": "present"},
                    {"not": {"fact": "p.activity", "eq": "residual"}},
                    {"any": [{"fact": "option.w", "eq": "at_visit"},
                             {"not": {"all": [{"fact": "a", "ge": 1}, {"fact": "b", "lt": 2}]}}]}]}
    assert condition_lines(cond) == [
        "- all of:",
        "    - `p` is `present`",
        "    - not: `p.activity` is `residual`",
        "    - any of:",
        "        - `option.w` is `at_visit`",
        "        - not:",
        "            - all of:",
        "                - `a` ≥ 1",
        "                - `b` < 2",
    ]


def test_text_from_rule_files_is_escaped() -> None:
    assert md_text("IgG <script>alert(1)</script> & *x*") == \
        "IgG &lt;script&gt;alert(1)&lt;/script&gt; &amp; \\*x\\*"
    assert md_text("a | b [c](d)\n  e") == "a \\| b \\[c\\](d) e"


def test_the_vocabulary_page_lists_every_item_and_analyte(covered_pages: dict[str, str]) -> None:
    cat = Catalogue.load()
    page = covered_pages["vocabulary.md"]
    for item in cat.vocabulary.items.values():
        assert f"| `{item.name}` | {item.type} |" in page, item.name
    for a in cat.analytes.all():
        assert f"| `{a.key}` |" in page, a.key
    assert "| `schirmer` | per_eye | ≥ 0 mm |" in page
    # the dryness questions are cumulative in a section that is not (symptoms.yaml)
    assert re.search(r"^\| `dry_eyes_3_months` \| answer \| .* \| yes \| ", page, re.M)
    assert re.search(r"^\| `constitutional.fever` \| .* \| no \| ", page, re.M)


def test_a_bad_coverage_file_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "cov.json"
    bad.write_text('{"rules": {"essdai.x": [{"feature": "f.feature", "line": "two"}]}}\n')
    with pytest.raises(InputError) as exc:
        load_coverage(bad)
    text = str(exc.value)
    assert "E550" in text and "cov.json:1:58" in text and "rules.essdai.x[0].line" in text
    assert "rules.essdai.x[0].scenario" in text  # every problem, not the first only
    bad.write_text(json.dumps({"rules": {"r": [{"feature": "../../etc/x.feature",
                                                 "scenario": "s", "line": 1}]}}))
    with pytest.raises(InputError, match="without '..'"):
        load_coverage(bad)


def test_cli_writes_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cat"
    code, stdout, err = run(["rules", "catalogue", "-o", str(out), "--coverage", str(FIXTURE),
                             "--root", str(ROOT)], capsys)
    assert code == 0, err
    assert "6 rule sets" in stdout
    assert (out / "index.md").is_file() and (out / "vocabulary.md").is_file()
    assert "#line-42" in (out / "rulesets" / "essdai.md").read_text(encoding="utf-8")
    assert (out / "scenarios" / "features" / "essdai" / "cutaneous.feature.md").is_file()


def test_cli_catalogues_a_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cat"
    code, stdout, err = run(["rules", "catalogue", "-o", str(out), "--rules", str(GOUT)], capsys)
    assert code == 0, err
    assert "no coverage file given" in stdout
    gout = (out / "rulesets" / "gout.md").read_text(encoding="utf-8")
    assert "### `gout.crp_raised`" in gout and "`lab.crp` ≥ 10 mg/L" in gout
    assert "- **Defined at**: `gout/inflammation.yaml:" in gout


def test_cli_refuses_bad_input_with_exit_2(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cov.json"
    bad.write_text('{"rules": []}')
    code, _, err = run(["rules", "catalogue", "-o", str(tmp_path / "o"), "--coverage",
                        str(bad)], capsys)
    assert code == 2 and "E550" in err and "Traceback" not in err
    code, _, err = run(["rules", "catalogue", "-o", str(GOUT / "docs"), "--rules", str(GOUT)],
                       capsys)
    assert code == 2 and "E134" in err and not (GOUT / "docs").exists()
    # a pack whose conditions do not compile is not catalogued as if they meant something
    broken = ROOT / "tests" / "data" / "invalid" / "rules" / "between_without_ends"
    code, _, err = run(["rules", "catalogue", "-o", str(tmp_path / "b"), "--rules", str(broken)],
                       capsys)
    assert code == 2 and "E327" in err and "rules.yaml:" in err and "Traceback" not in err
    assert not (tmp_path / "b").exists()


# --- the documentation site --------------------------------------------------------------------

def test_the_rule_language_anchors_are_the_sites_heading_ids() -> None:
    """Error messages point at docs/rule-language.md#<anchor> (sicca.language.docs); the site
    renders that page with mkdocs' toc extension, whose ids must be the same anchors."""
    import markdown

    from sicca.language.docs import ANCHORS

    md = markdown.Markdown(extensions=["toc", "tables", "attr_list"])
    html = md.convert((ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8"))
    ids = set(re.findall(r'<h\d id="([^"]+)"', html))
    assert set(ANCHORS.values()) <= ids, sorted(set(ANCHORS.values()) - ids)


def test_the_sites_nav_names_pages_that_exist_and_the_hook_adds_the_rule_sets() -> None:
    from mkdocs.config import load_config

    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        import sicca_pages
    finally:
        sys.path.pop(0)
    config = load_config(str(ROOT / "mkdocs.yml"))
    sicca_pages.on_config(config)
    flat: list[str] = []

    def walk(nav: object) -> None:
        if isinstance(nav, str):
            flat.append(nav)
        elif isinstance(nav, list):
            for x in nav:
                walk(x)
        elif isinstance(nav, dict):
            for x in nav.values():
                walk(x)

    walk(config.nav)
    generated = set(sicca_pages._pages)
    for page in flat:
        assert (ROOT / "docs" / page).is_file() or page in generated, page
    assert {"catalogue/rulesets/essdai.md", "catalogue/vocabulary.md", "steps.md"} <= set(flat)
    # the step catalogue page lists every step of the plugin, as `sicca steps` does
    from sicca.testing.catalogue import step_groups

    steps = sicca_pages._pages["steps.md"]
    patterns = [s.pattern for g in step_groups() for s in g.steps]
    assert len(patterns) > 50 and all(p in steps for p in patterns)


@pytest.mark.slow
def test_the_documentation_site_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` (as CI runs it; ~10-25 s here): every link, anchor and the
    API reference resolve; the catalogue links a covered rule to its scenario."""
    site = tmp_path / "site"
    env = {**os.environ, "SICCA_COVERAGE_JSON": str(FIXTURE), "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(site)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    essdai = (site / "catalogue" / "rulesets" / "essdai" / "index.html").read_text("utf-8")
    assert 'id="essdai.cutaneous.flag.attribution_unconfirmed"' in essdai
    assert 'href="../../scenarios/features/essdai/cutaneous.feature/#line-42"' in essdai
    feature = site / "catalogue" / "scenarios" / "features" / "essdai" / "cutaneous.feature"
    assert 'id="line-42"' in (feature / "index.html").read_text("utf-8")
    api = (site / "api" / "index.html").read_text("utf-8")
    assert 'id="sicca.api.Session.score"' in api and 'id="sicca.api.load"' in api
    assert "Step catalogue" in (site / "steps" / "index.html").read_text("utf-8")
