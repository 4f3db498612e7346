"""Rule coverage: which scenarios fired each rule, and which rules no scenario fired.

The pytest plugin (sicca.testing.plugin) feeds a :class:`Recorder` from ``Sicca.observers``
while a scenario runs; at the end of the run :func:`coverage_report` turns what was recorded
into a :class:`CoverageReport`, the JSON of ``--sicca-coverage-json``:

    {"rules": {"<rule id>": [{"feature": "<path relative to rootdir>", "scenario": "<name>",
                              "line": <int>}]},
     "uncovered": ["<rule id>", ...]}

``rules`` holds every rule of the scope (those no scenario fired with ``[]``) and every other
rule a scenario fired; ``uncovered`` the rules of the scope no scenario fired, sorted.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sicca.language.catalogue import Coverage, Covering
from sicca.running.evaluate import Evaluation

# The file's shape is the catalogue's (sicca.language.catalogue reads what this writes): one
# model for both, so writer and reader cannot drift.
ScenarioRef = Covering
CoverageReport = Coverage


@dataclass
class Recorder:
    """Rules fired per scenario, and the feature files the run collected."""

    fired: dict[str, set[ScenarioRef]] = field(default_factory=dict)
    features: set[str] = field(default_factory=set)  # absolute paths of collected features
    current: ScenarioRef | None = None

    def observe(self, ev: Evaluation) -> None:
        """A ``Sicca.observers`` callback: every rule of ``ev`` fired in the current scenario
        (evaluations outside a scenario, in unit tests, do not count)."""
        if self.current is not None:
            for rule in ev.fired_rules():
                self.fired.setdefault(rule, set()).add(self.current)

    def dump(self) -> dict[str, Any]:
        """Plain data, to send from an xdist worker to the controller."""
        return {"fired": {r: [s.model_dump() for s in refs] for r, refs in self.fired.items()},
                "features": sorted(self.features)}

    def load(self, data: dict[str, Any]) -> None:
        """Merge what :meth:`dump` gave (another worker's record)."""
        for rule, refs in data.get("fired", {}).items():
            self.fired.setdefault(rule, set()).update(ScenarioRef(**r) for r in refs)
        self.features.update(data.get("features", []))


def scenario_ref(feature_file: str, name: str, line: int, rootdir: Path) -> ScenarioRef:
    """A scenario named by its feature file relative to ``rootdir`` (posix), when inside it."""
    path = Path(feature_file).resolve()
    try:
        shown = path.relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return ScenarioRef(feature=shown, scenario=name, line=line)


def rules_in_scope(packs: list[Path], scope: list[str]) -> list[str]:
    """The rule ids coverage is judged on, sorted.

    ``scope``: globs on a rule file's path relative to its rules directory (``essdai/*``).
    Without a scope: the rules of the packs when packs are loaded, else every bundled rule.
    """
    from sicca.base.errors import Problems
    from sicca.language.loader import load_rule_files, rule_dirs

    files = load_rule_files(rule_dirs(packs), Problems())
    if scope:
        chosen = [f for f in files if any(fnmatch.fnmatchcase(f.rel, p) for p in scope)]
    elif packs:
        chosen = [f for f in files if f.origin > 0]
    else:
        chosen = files
    return sorted({r.id for f in chosen for r in f.rules})


def coverage_report(recorder: Recorder, scope_ids: list[str]) -> CoverageReport:
    """Every rule of the scope and every fired rule, with the scenarios that fired it."""
    ids = sorted(set(scope_ids) | set(recorder.fired))
    rules = {r: sorted(recorder.fired.get(r, set()),
                       key=lambda s: (s.feature, s.line, s.scenario)) for r in ids}
    return CoverageReport(rules=rules,
                          uncovered=[r for r in sorted(scope_ids) if not rules.get(r)])


def feature_files(base: Path) -> set[str]:
    """Every ``*.feature`` under ``base`` (absolute), hidden folders and virtual environments
    left out."""
    skip = {"site-packages", "node_modules", "__pycache__"}
    out = set()
    for p in base.rglob("*.feature"):
        rel = p.relative_to(base).parts[:-1]
        if any(part.startswith(".") or part in skip for part in rel):
            continue
        out.add(str(p.resolve()))
    return out


def report_lines(report: CoverageReport, scope_ids: list[str], every_rule: bool) -> list[str]:
    """The text of the coverage section: a summary, then the uncovered rules (and, with
    ``every_rule``, each rule of the scope with the number of scenarios that fired it)."""
    scope = sorted(set(scope_ids))
    covered = len(scope) - len(report.uncovered)
    lines = [f"{covered} of {len(scope)} rule(s) fired by a scenario"]
    if every_rule:
        width = max((len(r) for r in scope), default=0)
        for r in scope:
            n = len(report.rules.get(r, []))
            lines.append(f"  {r:<{width}}  " + (f"{n} scenario(s)" if n else "NOT FIRED"))
    elif report.uncovered:
        lines.append(f"{len(report.uncovered)} rule(s) fired by no scenario:")
        lines += [f"  {r}" for r in report.uncovered]
    return lines
