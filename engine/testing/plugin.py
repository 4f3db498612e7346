"""The Sicca pytest plugin (entry point ``pytest11: sicca``): Gherkin steps, rule packs, coverage.

Installed with Sicca; active in every pytest run once ``pytest-bdd`` is installed too
(``pip install 'sicca[bdd]'``). It gives:

- the step library (sicca.testing.steps: visits and records, findings, labs, options, scoring,
  criteria, concluded facts) to every ``scenarios(...)`` of the run; ``sicca steps`` lists it;
- rule packs loaded beside the bundled rules: ``--sicca-rules=DIR`` (repeatable, relative to
  the current folder) or the ini option ``sicca_rules`` (paths relative to the ini file).
  Write the ``=``: pytest picks its rootdir and ini file before it loads plugins, and would
  take a separate ``DIR`` for a test path (the pack's own pytest.ini would then be used);
- rule coverage: ``--sicca-coverage`` reports which rules of the scope no scenario fired (each
  rule with its number of scenarios), ``--sicca-coverage-fail`` also fails the run when there
  are any, ``--sicca-coverage-json PATH`` writes which scenarios fired each rule (format:
  sicca.testing.coverage). The ini option ``sicca_coverage = off | report | fail`` sets the
  same for every run; ``sicca_coverage_scope`` lists globs of rule-file paths relative to their
  rules directory (``essdai/*``); without it the scope is the packs' rules, or every bundled
  rule when no pack is loaded.

Coverage is judged only on a run that collected every ``*.feature`` under the features folder
(pytest-bdd's ``bdd_features_base_dir``, else the rootdir): a run of one feature says so and
fails nothing. Under pytest-xdist the workers send what they recorded to the controller.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the rules and pydantic load only in runs that use the plugin
    from sicca.testing.coverage import CoverageReport, Recorder

#: The step modules, registered as plugins of the run (their fixtures are the steps).
STEP_MODULES = ("common", "activity", "criteria", "labs", "facts")

#: The rule packs of the run (the fixture ``sicca_rules`` reads them).
RULES_KEY = pytest.StashKey[list[Path]]()
_RECORDER: pytest.StashKey[Recorder] = pytest.StashKey()
_RESULT: pytest.StashKey[tuple[CoverageReport, list[str], bool] | None] = pytest.StashKey()
_MODES = ("off", "report", "fail")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sicca", "Sicca: rule packs and rule coverage")
    group.addoption("--sicca-rules", action="append", default=[], metavar="DIR",
                    help="a rule pack loaded beside the bundled rules (repeatable); write "
                         "--sicca-rules=DIR")
    group.addoption("--sicca-coverage", action="store_true",
                    help="report every rule of the scope and how many scenarios fired it")
    group.addoption("--sicca-coverage-fail", action="store_true",
                    help="fail the run when a rule of the scope was fired by no scenario")
    group.addoption("--sicca-coverage-json", metavar="PATH", default=None,
                    help="write which scenarios fired each rule, as JSON")
    parser.addini("sicca_rules", type="paths", default=[],
                  help="rule packs loaded beside the bundled rules (relative to the ini file)")
    parser.addini("sicca_coverage", default="off", help="rule coverage: off | report | fail")
    parser.addini("sicca_coverage_scope", type="args", default=[],
                  help="globs of rule-file paths (relative to their rules directory) that "
                       "coverage is judged on; default: the packs' rules, else every rule")


def _mode(config: pytest.Config) -> str:
    ini = str(config.getini("sicca_coverage")).strip() or "off"
    if ini not in _MODES:
        raise pytest.UsageError(f"ini option sicca_coverage: '{ini}' is not one of "
                                f"{' | '.join(_MODES)}")
    if config.getoption("sicca_coverage_fail"):
        return "fail"
    if config.getoption("sicca_coverage") and ini == "off":
        return "report"
    return ini


def _packs(config: pytest.Config) -> list[Path]:
    packs: list[Path] = []
    for p in [*config.getini("sicca_rules"), *config.getoption("sicca_rules")]:
        path = Path(p).resolve()
        if path not in packs:  # one pack named by the ini file and the command line
            packs.append(path)
    for p in packs:
        if not p.exists():
            raise pytest.UsageError(f"sicca rule pack not found: {p} (from --sicca-rules or "
                                    "the ini option sicca_rules)")
    return packs


def _uses_sicca(config: pytest.Config) -> bool:
    return bool(config.getoption("sicca_rules") or config.getoption("sicca_coverage")
                or config.getoption("sicca_coverage_fail")
                or config.getoption("sicca_coverage_json"))


def pytest_configure(config: pytest.Config) -> None:
    try:
        import pytest_bdd  # noqa: F401
    except ImportError:
        if _uses_sicca(config):
            raise pytest.UsageError("the Sicca pytest plugin needs pytest-bdd: "
                                    "pip install 'sicca[bdd]'") from None
        return  # Sicca installed beside an unrelated test suite: stay out of the way
    from sicca.running.evaluate import Sicca
    from sicca.testing.coverage import Recorder

    config.stash[RULES_KEY] = _packs(config)
    _mode(config)  # a bad ini value is reported before anything runs
    for name in STEP_MODULES:
        module = importlib.import_module(f"sicca.testing.steps.{name}")
        if not config.pluginmanager.is_registered(module):
            config.pluginmanager.register(module, f"sicca.testing.steps.{name}")
    recorder = Recorder()
    config.stash[_RECORDER] = recorder
    Sicca.observers.append(recorder.observe)


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = config.stash.get(_RECORDER, None)
    if recorder is not None:
        from sicca.running.evaluate import Sicca

        if recorder.observe in Sicca.observers:
            Sicca.observers.remove(recorder.observe)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any,
                               scenario: Any) -> None:
    recorder = request.config.stash.get(_RECORDER, None)
    if recorder is not None:
        from sicca.testing.coverage import scenario_ref

        recorder.current = scenario_ref(feature.filename, scenario.name, scenario.line_number,
                                        request.config.rootpath)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any,
                              scenario: Any) -> None:
    recorder = request.config.stash.get(_RECORDER, None)
    if recorder is not None:
        recorder.current = None


def pytest_collection_finish(session: pytest.Session) -> None:
    """The feature files of the scenarios this run will run (after -k and -m deselection)."""
    recorder = session.config.stash.get(_RECORDER, None)
    if recorder is None:
        return
    from pytest_bdd.scenario import scenario_wrapper_template_registry as registry

    for item in session.items:
        template = registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
        if template is not None:
            recorder.features.add(str(Path(template.feature.filename).resolve()))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: merge what a worker recorded."""
    recorder = node.config.stash.get(_RECORDER, None)
    data = getattr(node, "workeroutput", {}).get("sicca_coverage")
    if recorder is not None and data:
        recorder.load(json.loads(data))


def _features_base(config: pytest.Config) -> Path:
    try:
        base = str(config.getini("bdd_features_base_dir") or "")
    except ValueError:
        base = ""
    return (config.rootpath / base) if base else config.rootpath


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    recorder = config.stash.get(_RECORDER, None)
    if recorder is None:
        return
    if hasattr(config, "workerinput"):  # an xdist worker: the controller reports
        config.workeroutput["sicca_coverage"] = json.dumps(recorder.dump())  # type: ignore[attr-defined]
        return
    from sicca.testing.coverage import (
        coverage_report,
        feature_files,
        rules_in_scope,
    )

    mode, path = _mode(config), config.getoption("sicca_coverage_json")
    config.stash[_RESULT] = None
    if (mode == "off" and not path) or not recorder.features or config.option.collectonly:
        return  # coverage not asked for, or no scenario in this run (--collect-only runs none)
    packs = config.stash.get(RULES_KEY, [])
    scope = rules_in_scope(packs, [str(s) for s in config.getini("sicca_coverage_scope")])
    report = coverage_report(recorder, scope)
    if path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    expected = feature_files(_features_base(config))
    complete = expected <= recorder.features
    config.stash[_RESULT] = (report, scope, complete)
    if mode == "fail" and complete and report.uncovered:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    result = config.stash.get(_RESULT, None)
    ini = str(config.getini("sicca_coverage")).strip()
    every = bool(config.getoption("sicca_coverage")) or ini == "report"
    if result is None or _mode(config) == "off" and not every:
        return
    from sicca.testing.coverage import report_lines

    report, scope, complete = result
    tr = terminalreporter
    tr.write_sep("=", "sicca rule coverage")
    if not complete:
        tr.write_line("partial run (not every feature file was collected): coverage not judged")
        if not every:
            return
    for line in report_lines(report, scope, every_rule=every):
        tr.write_line(line)
    json_path = config.getoption("sicca_coverage_json")
    if json_path:
        tr.write_line(f"scenarios per rule written to {json_path}")
