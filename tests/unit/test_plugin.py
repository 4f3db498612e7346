"""The Sicca pytest plugin (sicca.testing): the step catalogue, the pack scaffold, rule packs in
scenarios and the rule coverage gate.

The plugin's runs are real pytest runs (pytester, in-process) on a pack written by
``sicca new pack``; the pack is compiled once for the module and each run binds its own
features to it.
"""

from __future__ import annotations

import fnmatch
import inspect
import json
import re
from pathlib import Path

import pytest
from pytest_bdd.steps import step_function_context_registry

from sicca.testing.catalogue import step_catalogue, step_text, write_steps_page
from sicca.testing.plugin import STEP_MODULES
from sicca.testing.scaffold import new_pack
from sicca.testing.steps.common import sicca_for
from tests.support.cli import run

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[2]
MODULES = {f"sicca.testing.steps.{m}" for m in STEP_MODULES}


def _contexts() -> list[object]:
    return [c for c in step_function_context_registry.values()
            if c.step_func.__module__ in MODULES]


# --- the step catalogue ------------------------------------------------------------------------

def test_the_catalogue_lists_every_step_of_the_library() -> None:
    listed = {(s.keyword.lower(), s.pattern) for s in step_catalogue()}
    registered = {(c.type, c.parser.name) for c in _contexts()}  # type: ignore[attr-defined]
    assert listed == registered
    assert len(listed) > 80  # the library as of issue 16: 79 steps of features/ + 5 for packs


def test_every_step_has_a_meaning_and_an_example() -> None:
    bare = [f"{s.module}:{s.line} {s.pattern}" for s in step_catalogue()
            if not s.meaning or not s.examples]
    assert bare == []


def test_every_example_in_a_docstring_matches_its_own_step() -> None:
    # A wrong example would be dropped from the catalogue silently; here it fails.
    from sicca.testing.catalogue import _split

    funcs: dict[object, list[object]] = {}
    for c in _contexts():
        funcs.setdefault(c.step_func, []).append(c.parser)  # type: ignore[attr-defined]
    wrong = []
    for func, parsers in funcs.items():
        _, examples = _split(func.__doc__ or "")  # type: ignore[attr-defined]
        for e in examples:
            if not any(p.is_matching(step_text(e)) for p in parsers):  # type: ignore[attr-defined]
                wrong.append(e)
    assert wrong == []


def test_every_step_written_in_features_is_in_the_catalogue() -> None:
    steps = _contexts()
    unknown = []
    for path in sorted((ROOT / "features").rglob("*.feature")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = line.strip()
            if text.split(" ", 1)[0] not in ("Given", "When", "Then", "And", "But") \
                    or "<" in text:  # outline placeholders are typed by their examples
                continue
            if not any(c.parser.is_matching(step_text(text)) for c in steps):  # type: ignore[attr-defined]
                unknown.append(f"{path.name}:{n}: {text}")
    assert unknown == []


def test_sicca_steps_prints_json_and_markdown(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    code, out, _ = run(["steps", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [d["pattern"] for d in data] == [s.pattern for s in step_catalogue()]
    assert data[0] == {"keyword": "Given", "pattern": "a visit", "meaning": data[0]["meaning"],
                       "examples": ["Given a visit"], "module": "sicca.testing.steps.activity",
                       "line": data[0]["line"], "fixture": "visits"}
    code, out, _ = run(["steps"], capsys)
    assert code == 0 and "Given the visit records {section}: {text}" in out
    page = write_steps_page(tmp_path / "docs" / "steps.md")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Step catalogue\n")
    for s in step_catalogue():
        assert f"### `{s.keyword} {s.pattern}`" in text
    code, out, _ = run(["steps", "--format", "markdown"], capsys)
    assert out == text


# --- the pack scaffold -------------------------------------------------------------------------

def test_a_new_pack_passes_rules_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["new", "pack", "toy", "--into", str(tmp_path)], capsys)
    assert code == 0, out
    pack = tmp_path / "toy"
    assert sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file()) == [
        "README.md", "bibliography.yaml", "features/toy.feature", "pack.yaml", "pytest.ini",
        "test_toy_features.py", "toy/toy.yaml", "vocabulary/toy.yaml"]
    code, out, _ = run(["rules", "check", str(pack)], capsys)
    assert code == 0 and "no problems" in out, out


@pytest.mark.parametrize(("name", "found"), [
    ("Toy", "is not a pack name"), ("my-pack", "is not a pack name"),
    ("essdai", "already a name of the bundled rules"),  # a bundled rule set
    ("cutaneous", "already a name of the bundled rules"),  # a bundled vocabulary group
])
def test_a_pack_name_must_be_a_new_identifier(name: str, found: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["new", "pack", name, "--into", str(tmp_path)], capsys)
    assert code == 2 and "E150" in err and found in err and "Traceback" not in err
    assert not (tmp_path / name).exists()


def test_a_pack_is_not_written_over_a_folder_in_use(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "mine.txt").write_text("keep")
    code, _, err = run(["new", "pack", "toy", "--into", str(tmp_path)], capsys)
    assert code == 2 and "E151" in err
    assert [p.name for p in (tmp_path / "toy").iterdir()] == ["mine.txt"]


def test_rules_test_needs_features_and_a_test_module(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["rules", "test", str(tmp_path)], capsys)
    assert code == 2 and "E152" in err and "no feature file" in err
    (tmp_path / "a.feature").write_text("Feature: x\n")
    code, _, err = run(["rules", "test", str(tmp_path)], capsys)
    assert code == 2 and "E152" in err and "no test module" in err


# --- the plugin in a pytest run ----------------------------------------------------------------

@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scaffolded pack `toy`, compiled once (sicca_for keeps it for the runs below)."""
    folder = new_pack("toy", tmp_path_factory.mktemp("packs"))
    for engine in ("durable", "native"):
        sicca_for(engine, (folder.resolve(),))
    return folder.resolve()


def _project(pytester: pytest.Pytester, pack: Path, scenarios: list[str] | None = None,
             bind: str = "features") -> None:
    """A test project binding the pack's scenarios (all, or those named) from its features/."""
    text = (pack / "features" / "toy.feature").read_text(encoding="utf-8")
    head, *blocks = re.split(r"\n(?=  Scenario)", text)
    if scenarios is not None:
        blocks = [b for b in blocks if any(f"Scenario: {s}\n" in b for s in scenarios)]
    (pytester.path / "features").mkdir()
    (pytester.path / "features" / "toy.feature").write_text("\n".join([head, *blocks]) + "\n")
    pytester.makepyfile(test_toy_binding=f"from pytest_bdd import scenarios\n\n"
                                         f"scenarios({bind!r})\n")


def test_a_pack_scenario_runs_and_the_report_names_every_rule(
        pytester: pytest.Pytester, pack: Path) -> None:
    _project(pytester, pack)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--sicca-rules={pack}",
                                "--sicca-coverage", "--sicca-coverage-json", "cov.json")
    result.assert_outcomes(passed=6)
    result.stdout.re_match_lines([r"3 of 3 rule\(s\) fired by a scenario",
                                  r"  toy\.igg\.raised +1 scenario\(s\)",
                                  r"  toy\.sign\.absent +1 scenario\(s\)",
                                  r"  toy\.sign\.severe +1 scenario\(s\)"])
    data = json.loads((pytester.path / "cov.json").read_text())
    assert set(data) == {"rules", "uncovered"} and data["uncovered"] == []
    # line 4 of features/toy.feature is the first scenario (Feature, description, blank line)
    assert data["rules"]["toy.sign.severe"] == [
        {"feature": "features/toy.feature",
         "scenario": "a severe example sign concludes toy.sign severe", "line": 4}]
    assert [s["scenario"] for s in data["rules"]["toy.igg.raised"]] == [
        "IgG 16.1 g/L is above 16: raised"]  # 16 itself, the scenario beside it, fires nothing


def test_the_gate_fails_a_run_in_which_a_rule_fired_in_no_scenario(
        pytester: pytest.Pytester, pack: Path) -> None:
    _project(pytester, pack, ["a severe example sign concludes toy.sign severe"])
    reported = pytester.runpytest("-p", "no:cacheprovider", f"--sicca-rules={pack}",
                                  "--sicca-coverage")
    reported.assert_outcomes(passed=1)
    assert reported.ret == 0  # a report alone fails nothing
    gated = pytester.runpytest("-p", "no:cacheprovider", f"--sicca-rules={pack}",
                               "--sicca-coverage-fail")
    gated.assert_outcomes(passed=1)
    assert gated.ret == 1
    gated.stdout.re_match_lines([r"1 of 3 rule\(s\) fired by a scenario",
                                 r"2 rule\(s\) fired by no scenario:",
                                 r"  toy\.igg\.raised", r"  toy\.sign\.absent"])


def test_the_ini_options_load_the_pack_and_gate_the_run(pytester: pytest.Pytester,
                                                        pack: Path) -> None:
    _project(pytester, pack, ["a mild example sign concludes nothing"])
    pytester.makeini(f"[pytest]\nsicca_rules = {pack}\nsicca_coverage = fail\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.ret == 1
    result.stdout.re_match_lines([r"0 of 3 rule\(s\) fired by a scenario"])
    # --collect-only runs no scenario: nothing fired, and nothing is judged
    listed = pytester.runpytest("-p", "no:cacheprovider", "--collect-only")
    assert listed.ret == 0
    assert "fired by a scenario" not in listed.stdout.str()


def test_a_run_of_part_of_the_features_is_not_judged(pytester: pytest.Pytester,
                                                     pack: Path) -> None:
    _project(pytester, pack, ["a mild example sign concludes nothing"], bind="features/toy.feature")
    (pytester.path / "features" / "other.feature").write_text(
        "Feature: other\n  Scenario: nothing\n    Given a visit\n")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--sicca-rules={pack}",
                                "--sicca-coverage-fail")
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["partial run (not every feature file was collected)*"])


def test_a_pack_that_is_not_there_is_a_usage_error(pytester: pytest.Pytester,
                                                   tmp_path: Path) -> None:
    pytester.makepyfile(test_nothing="def test_x():\n    pass\n")
    result = pytester.runpytest(f"--sicca-rules={tmp_path / 'nothere'}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*sicca rule pack not found: *nothere*"])


# --- this repository's own run -------------------------------------------------------------------

def test_this_repository_gates_its_features_on_the_bundled_rule_sets(
        pytestconfig: pytest.Config) -> None:
    # features/ must fire every rule of these files (issue 5, part 9); each glob must still
    # name rule files, or the gate would pass on nothing.
    from sicca.base.errors import Problems
    from sicca.language.loader import load_rule_files, rule_dirs

    assert pytestconfig.getini("sicca_coverage") == "fail"
    scope = pytestconfig.getini("sicca_coverage_scope")
    assert scope == ["essdai/*", "esspri/*", "criteria/*"]
    rels = [f.rel for f in load_rule_files(rule_dirs([]), Problems())]
    assert all(any(fnmatch.fnmatchcase(r, g) for r in rels) for g in scope)


def test_the_step_modules_ship_in_the_package() -> None:
    # Steps read case files from pytest's rootdir, never from a path inside the package.
    for name in STEP_MODULES:
        src = inspect.getsource(__import__(f"sicca.testing.steps.{name}", fromlist=["_"]))
        assert "parents[" not in src, name
