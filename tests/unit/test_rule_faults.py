"""Faults of the rule language found while documenting it (docs/rule-language.md), fixed.

The located errors (E302, E305, E328, E330, E333 without follow-ons) have their fixtures in
tests/data/invalid/rules/ and are checked in test_lint.py; this file holds what needs more
than one fixture: behaviour on both engines, a pack joining a bundled rule set, and the one
discovery of analyte and vocabulary files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import sicca.language.lint as lint
from sicca.base.errors import SiccaError
from sicca.base.kinds import KINDS, discover_kinds
from sicca.base.paths import RULES_DIR
from sicca.records.models import Catalogue
from sicca.running.evaluate import Sicca
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
EQ_PACK = ROOT / "tests" / "data" / "packs" / "numeric_eq"
EQ_CASE = ROOT / "tests" / "data" / "cases" / "numeric_eq.yaml"
FIXTURES = ROOT / "tests" / "data" / "invalid" / "rules"

# --- 1. numeric eq / ne: durable compiled `eq` through `_cmp`, which has no `eq` (KeyError) ----

# IgG (g/L, censorable) against 20; swollen joints (a count, never censored) against 2.
# A censored value is an interval: eq never holds on it; ne holds when the whole interval
# lies on one side of the constant; otherwise both are unknown, and so are their `not`s
# (README "Honest uncertainty"): such a conclusion is possible, not definite (POSSIBLE).
EXPECTED = {
    "below":       {"igg_ne", "igg_not_eq", "joints_ne", "joints_not_eq"},    # 19.9; 1
    "at":          {"igg_eq", "igg_eq_mg", "igg_not_ne", "joints_eq"},        # 20 = 2000 mg/dL; 2
    "above":       {"igg_ne", "igg_not_eq", "joints_ne", "joints_not_eq"},    # 20.1; 3
    "below_bound": {"igg_ne", "igg_not_eq", "joints_not_eq"},    # "<20": all below 20
    "above_bound": {"igg_ne", "igg_not_eq", "joints_not_eq"},    # ">20": all above 20
    "bound_spans": {"joints_not_eq"},  # "<21": 20 possible, so eq/ne and their nots unknown
    "missing":     {"igg_not_eq", "igg_not_ne", "joints_not_eq"},  # nothing recorded
}


@pytest.fixture(scope="module", params=["durable", "native"])
def eq_engine(request: pytest.FixtureRequest) -> Sicca:
    return Sicca.load([EQ_PACK], engine=request.param, only=["eqpack"])


@pytest.mark.parametrize("timepoint", list(EXPECTED))
def test_numeric_eq_and_ne_on_each_side_and_at_the_constant(eq_engine: Sicca,
                                                           timepoint: str) -> None:
    case = eq_engine.load_case(EQ_CASE)
    (tp,) = [t for t in case.timepoints if t.id == timepoint]
    ev = eq_engine.evaluate(case, tp)
    got = {name.removeprefix("eqpack.") for name in
           ("eqpack." + n for n in ("igg_eq", "igg_ne", "igg_not_eq", "igg_not_ne",
                                     "igg_eq_mg", "joints_eq", "joints_ne", "joints_not_eq"))
           if ev.has(name)}
    assert got == EXPECTED[timepoint]
    maybe = {n for n in ("igg_eq", "igg_ne", "igg_not_eq", "igg_not_ne") if ev.may("eqpack." + n)}
    assert maybe == POSSIBLE.get(timepoint, set())


#: conclusions only possible (a censored value its interval does not decide)
POSSIBLE = {"bound_spans": {"igg_eq", "igg_ne", "igg_not_eq", "igg_not_ne"}}


@pytest.mark.parametrize("engine", ["durable", "native"])
def test_numeric_eq_runs_from_the_command_line(engine: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["explain", str(EQ_CASE), "-t", "at", "--rules", str(EQ_PACK),
                          "--only", "eqpack.", "--engine", engine, "--format", "json"], capsys)
    assert code == 0, err
    facts = {c["fact"] for c in json.loads(out)["conclusions"]}
    assert facts == {"eqpack.igg_eq", "eqpack.igg_eq_mg", "eqpack.igg_not_ne",
                     "eqpack.joints_eq"}
    code, out, err = run(["rules", "check", str(EQ_PACK)], capsys)
    assert code == 0, out + err


# --- 6. E312 points at the pack file that brought the other version -------------------------

RULESET = """kind: rules
ruleset: base
version: "{version}"
source: {{citation: sicca_clinical_spec, tag: CONVENTION}}
outputs: ["base.*"]
rules:
  - id: base.{name}
    description: a test rule
    when: {{fact: lab.igg, gt: 20}}
    then: {{fact: base.{name}, value: 1}}
"""


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled rules dir with the real vocabulary and one rule set, base 1.0.0."""
    root = tmp_path / "bundled"
    shutil.copytree(RULES_DIR / "vocabulary", root / "vocabulary")
    shutil.copy(RULES_DIR / "bibliography.yaml", root / "bibliography.yaml")
    (root / "base").mkdir()
    (root / "base" / "main.yaml").write_text(RULESET.format(version="1.0.0", name="main"))
    monkeypatch.setattr(lint, "RULES_DIR", root)
    return root


def test_a_pack_file_joining_a_bundled_set_with_another_version_is_the_one_reported(
        bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    (pack / "base").mkdir(parents=True)
    # "a_local.yaml" sorts before the bundled "main.yaml": the bundled file still sets the
    # version, since the pack is the one that brought the other version in
    (pack / "base" / "a_local.yaml").write_text(RULESET.format(version="1.1.0", name="local"))
    code, out, _ = run(["rules", "check", str(pack)], capsys)
    assert code == 1
    assert "pack/base/a_local.yaml:3:10: error E312" in out, out
    assert "main.yaml:3" in out and "expected '1.0.0'" in out, out
    assert "1 error" in out.splitlines()[-1], out


# --- 8. one discovery of analyte and vocabulary files, by the parsed `kind:` ------------------

ANALYTES = """# A local analyte table. The comment is long on purpose: scoring used to look for a
# line `kind: analytes` of its own in the first 400 characters of `.yaml` files only, so this
# file (a `.yml`, its kind quoted, with a comment, after 400 characters) was found by
# `sicca rules check` and not by scoring.
# ................................................................................
# ................................................................................
analytes:
  - {key: local_marker, name: Local marker, unit: g/L, dimension: mass_concentration,
     panel: local}
kind: "analytes"   # at the end
"""

READER = """kind: rules
ruleset: loc
version: "1.0.0"
source: {citation: sicca_clinical_spec, tag: CONVENTION}
outputs: ["loc.*"]
rules:
  - id: loc.high
    description: the local marker above 1 g/L
    when: {fact: lab.local_marker, gt: 1}
    then: {fact: loc.high, value: 1}
"""


def test_an_analyte_file_is_found_alike_by_lint_and_scoring(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    (pack / "local").mkdir(parents=True)
    (pack / "local" / "markers.yml").write_text(ANALYTES)
    (pack / "loc.yaml").write_text(READER)
    assert len(ANALYTES.split('kind: "analytes"')[0]) > 400
    assert discover_kinds([pack]).of("analytes") == [pack / "local" / "markers.yml"]
    code, out, err = run(["rules", "check", str(pack)], capsys)
    assert code == 0, out + err
    assert "local_marker" in {a.key for a in Catalogue.load([pack]).analytes.all()}
    compiled = Sicca.load([pack], engine="native", only=["loc"])  # what scoring loads
    assert compiled.program["inputs"] == ["lab.local_marker"]


def test_a_broken_vocabulary_file_is_reported_not_skipped(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    (pack / "vocabulary").mkdir(parents=True)
    (pack / "vocabulary" / "broken.yaml").write_text("kind: vocabulary\nitems: [\n")
    found = discover_kinds([pack])
    assert [p.code for p in found.broken] == ["E001"]
    with pytest.raises(SiccaError) as exc:
        Catalogue.load([pack])
    assert "broken.yaml" in str(exc.value)


# --- 9. the expected kinds come from the one table ---------------------------------------------

def test_an_unknown_kind_lists_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "check", str(FIXTURES / "unknown_kind")], capsys)
    assert code == 1
    assert "expected rules | vocabulary | analytes | synth | bibliography | pack" in out, out
    assert KINDS == ("rules", "vocabulary", "analytes", "synth", "bibliography", "pack")
