"""A new rule pack that works out of the box (``sicca new pack``), and its test run
(``sicca rules test``).

The pack written for NAME passes ``sicca rules check`` and its own scenarios as it is:

    NAME/
      README.md                  what each file is, and the commands
      pack.yaml                  kind: pack (the instruments that score a case)
      bibliography.yaml          the pack's source, cited by its rules
      vocabulary/NAME.yaml       an item the pack adds to case records (NAME.example_sign)
      NAME/NAME.yaml             the rules (rule set NAME)
      features/NAME.feature      a scenario per rule, thresholds from both sides
      test_NAME_features.py      binds the features to pytest (pytest-bdd ``scenarios``)
      pytest.ini                 loads the pack (sicca_rules) and reports its rule coverage

Nothing here imports pytest: the CLI calls it without the test extras installed.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

from sicca.base.errors import InputError, Problem

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@functools.cache
def _bundled_names() -> frozenset[str]:
    """Rule-set names and top-level vocabulary names a new pack must not take."""
    from sicca.base.errors import Problems
    from sicca.language.loader import load_rule_files, rule_dirs
    from sicca.records.models import Catalogue

    names = {f.ruleset for f in load_rule_files(rule_dirs([]), Problems())}
    names |= {i.name.split(".")[0] for i in Catalogue.load([]).vocabulary.items.values()}
    return frozenset(names | {"lab", "option"})


def _instruments() -> list[str]:
    from sicca.base.errors import Problems
    from sicca.language.loader import load_manifest, rule_dirs

    manifest = load_manifest(rule_dirs([]), Problems())
    return list(manifest.instruments) if manifest is not None else []


def pack_files(name: str) -> dict[str, str]:
    """The files of a new pack named ``name``, by path relative to the pack folder."""
    n = name
    instruments = ", ".join(_instruments())
    return {
        "README.md": f"""# The `{n}` rule pack

A Sicca rule pack: rules and vocabulary loaded beside the bundled rules with `--rules {n}`.
Written by `sicca new pack {n}`; replace the example sign, rules and sources with yours.

- `pack.yaml`: the manifest (`kind: pack`), the instruments that score a case under these
  rules; `[]` for a pack of another disease.
- `bibliography.yaml`: the sources the rules cite (`source: {{citation: ...}}`).
- `vocabulary/{n}.yaml`: what a case record can say in addition, the item
  `{n}.example_sign` (in a case file `findings: {{{n}: {{example_sign: present}}}}`).
- `{n}/{n}.yaml`: the rules of rule set `{n}`; each concludes one fact `{n}.*`.
- `features/{n}.feature`: Gherkin scenarios, one per rule, thresholds from both sides.
- `test_{n}_features.py`: binds the features to pytest (pytest-bdd).
- `pytest.ini`: loads this pack in every scenario (`sicca_rules`) and reports which of its
  rules no scenario fired.

Work cycle, from this folder:

```text
sicca rules check .          # every problem, with file:line:col
pytest                       # the scenarios, and which rules no scenario fired
sicca rules test .           # the same from anywhere (add --fail-uncovered to gate)
sicca steps                  # the words a scenario can use
sicca explain CASE --timepoint T --rules . --only {n}   # what fired on a real case, and why
```

`pytest` needs the test extras: `pip install 'sicca[bdd]'`. The rule language is described in
Sicca's docs/rule-language.md.
""",
        "pack.yaml": f"""# The {n} pack's manifest: the instruments that score a case, in order.
# These are the bundled ones; list only those your users need, or [] for another disease.
kind: pack
description: the {n} rule pack
instruments: [{instruments}]
""",
        "bibliography.yaml": f"""# The sources the {n} rules cite (merged with Sicca's own).
kind: bibliography
entries:
  - id: {n}_pack
    tag: UNVERIFIED
    description: "The {n} rule pack (template): replace with the source of your rules"
    note: Written by `sicca new pack`; give authors, title, journal, year and DOI.
""",
        f"vocabulary/{n}.yaml": f"""# What a case record can say in addition to Sicca's vocabulary.
kind: vocabulary
section: findings
cumulative: false
items:
  - name: {n}.example_sign
    type: finding
    description: An example clinical sign of the {n} pack (replace with yours)
    source: "{n} pack template"
    attributes:
      severity: {{choices: [mild, severe]}}
""",
        f"{n}/{n}.yaml": f"""# The {n} rules: each reads one visit's facts and concludes one fact.
kind: rules
ruleset: {n}
version: 0.1.0
status: draft
source: {{citation: {n}_pack, locator: template, tag: UNVERIFIED}}
outputs: ["{n}.*"]
rules:
  - id: {n}.sign.severe
    description: The example sign is present and severe
    when:
      all:
        - {{fact: {n}.example_sign, eq: present}}
        - {{fact: {n}.example_sign.severity, eq: severe}}
    then: {{fact: {n}.sign, value: severe}}
  - id: {n}.sign.absent
    description: The example sign is recorded absent (not reported is not absent)
    when: {{fact: {n}.example_sign, eq: absent}}
    then: {{fact: {n}.sign, value: absent}}
  - id: {n}.igg.raised
    description: IgG above 16 g/L (an example threshold; 16 itself is not raised)
    when: {{fact: lab.igg, gt: 16, unit: g/L}}
    then: {{fact: {n}.igg, value: raised}}
""",
        f"features/{n}.feature": f"""Feature: the {n} rules ({n}/{n}.yaml)
  Every rule has a scenario that fires it and one beside it that must not.

  Scenario: a severe example sign concludes {n}.sign severe
    Given a visit
    And the visit records findings: {n}: {{example_sign: {{state: present, severity: severe}}}}
    When the visit is evaluated
    Then the concluded fact {n}.sign is severe
    And the rule {n}.sign.severe fired

  Scenario: a mild example sign concludes nothing
    Given a visit
    And the visit records findings: {n}: {{example_sign: {{state: present, severity: mild}}}}
    When the visit is evaluated
    Then the fact {n}.sign is not concluded

  Scenario: an example sign recorded absent concludes {n}.sign absent
    Given a visit
    And the visit records findings: {n}: {{example_sign: absent}}
    When the visit is evaluated
    Then the concluded fact {n}.sign is absent
    And the rule {n}.sign.absent fired

  Scenario: an example sign not reported concludes nothing (unknown is not absent)
    Given a visit
    When the visit is evaluated
    Then the fact {n}.sign is not concluded

  Scenario: IgG 16.1 g/L is above 16: raised
    Given a visit
    And the lab IgG is 16.1 g/L, reference 7-16
    When the visit is evaluated
    Then the concluded fact {n}.igg is raised
    And the rule {n}.igg.raised fired

  Scenario: IgG 16 g/L is not above 16: not raised
    Given a visit
    And the lab IgG is 16 g/L, reference 7-16
    When the visit is evaluated
    Then the rule {n}.igg.raised did not fire
    And the fact {n}.igg is not concluded
""",
        f"test_{n}_features.py": '''"""The scenarios of features/, on the Sicca plugin's steps."""

from pytest_bdd import scenarios

scenarios("features")
''',
        "pytest.ini": f"""[pytest]
# The Sicca pytest plugin: load this pack in every scenario, and report which of its rules
# no scenario fired (`fail` instead of `report` makes that fail the run).
sicca_rules = .
sicca_coverage = report
# the {n} pack's scenarios
testpaths = .
""",
    }


def new_pack(name: str, parent: Path) -> Path:
    """Write a new rule pack ``parent/name`` (see the module docstring); returns its folder.

    Refused (E150) when ``name`` is not a lowercase identifier or is already a bundled rule set
    or vocabulary name, and (E151) when the folder exists and is not empty.
    """
    if not NAME.match(name):
        raise InputError(Problem(f"'{name}' is not a pack name", field="NAME", code="E150",
                                 expected="a lowercase identifier: a letter, then letters, "
                                          "digits or _", found=name))
    if name in _bundled_names():
        raise InputError(Problem(f"'{name}' is already a name of the bundled rules or "
                                 "vocabulary", field="NAME", code="E150",
                                 expected="a name of your own", found=name))
    folder = parent / name
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(Problem("the pack folder exists and is not empty", file=str(folder),
                                 code="E151", expected="a new or empty folder"))
    for rel, text in pack_files(name).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def pack_test_command(pack: Path, fail_uncovered: bool = False, json_path: Path | None = None,
                 extra: list[str] | None = None) -> list[str]:
    """The pytest command that runs a pack's features with the plugin (from the pack folder).

    Refused (E152) when the pack has no ``*.feature`` or no test module binding them.
    """
    if not pack.is_dir():
        raise InputError(Problem("not a rule-pack folder", file=str(pack), code="E152",
                                 expected="a folder with features/ and a test module"))
    if not any(pack.rglob("*.feature")):
        raise InputError(Problem("the pack has no feature file", file=str(pack), code="E152",
                                 expected="features/*.feature (see `sicca new pack`)"))
    if not any(pack.rglob("test_*.py")):
        raise InputError(Problem("no test module binds the pack's features", file=str(pack),
                                 code="E152", expected="a test_*.py calling "
                                 "pytest_bdd.scenarios('features') (see `sicca new pack`)"))
    cmd = [sys.executable, "-m", "pytest", str(pack), "--rootdir", str(pack),
           f"--sicca-rules={pack}", "--sicca-coverage", "-p", "no:cacheprovider"]
    ini = pack / "pytest.ini"
    if ini.is_file():
        cmd += ["-c", str(ini)]
    if fail_uncovered:
        cmd.append("--sicca-coverage-fail")
    if json_path is not None:
        cmd.append(f"--sicca-coverage-json={json_path}")
    return cmd + list(extra or [])


def run_pack_tests(pack: Path, fail_uncovered: bool = False, json_path: Path | None = None,
                   extra: list[str] | None = None) -> int:
    """Run a pack's features with the plugin in a pytest subprocess; its exit code."""
    pack = pack.resolve()
    cmd = pack_test_command(pack, fail_uncovered, json_path.resolve() if json_path else None, extra)
    return subprocess.run(cmd, cwd=pack, env=dict(os.environ), check=False).returncode
