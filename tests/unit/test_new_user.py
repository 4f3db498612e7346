"""What a new user does (issue 16, part 5): with only the installed wheel, outside the repository,
scaffold a rule pack, write a scenario, run pytest, and see it pass and the coverage report name
the pack's rules.

The wheel is built as tests/unit/test_wheel.py builds it and installed with its `bdd` extra
(pytest, pytest-bdd) into a fresh venv; nothing of the repository is on the path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_wheel import ROOT, wheel  # noqa: F401  (the module-scoped wheel fixture)

SCENARIO = """
  Scenario: my own scenario: IgG 25 g/L is raised, and the sign is not reported
    Given a visit
    And the lab IgG is 25 g/L, reference 8.6-17.4
    When the visit is evaluated
    Then the concluded fact gland.igg is raised
    And the fact gland.sign is not concluded
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_a_new_user_scaffolds_a_pack_writes_a_scenario_and_runs_pytest(
        wheel: Path, tmp_path: Path) -> None:  # noqa: F811
    assert ROOT not in tmp_path.parents  # outside the repository
    venv = tmp_path / "venv"
    made_venv = _run([sys.executable, "-m", "venv", str(venv)], tmp_path, dict(os.environ))
    assert made_venv.returncode == 0, made_venv.stderr
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["SICCA_CACHE_DIR"] = str(tmp_path / "cache")
    pip = _run([str(venv / "bin" / "pip"), "install", "-q", f"{wheel}[bdd]"], tmp_path, env)
    assert pip.returncode == 0, pip.stderr
    work = tmp_path / "work"
    work.mkdir()
    sicca, python = str(venv / "bin" / "sicca"), str(venv / "bin" / "python")

    where = _run([python, "-c", "import sicca, sicca.testing.plugin as p; print(p.__file__)"],
                 work, env)
    assert str(venv) in where.stdout, where.stdout + where.stderr  # the wheel, not the repo

    made = _run([sicca, "new", "pack", "gland"], work, env)
    assert made.returncode == 0, made.stderr
    pack = work / "gland"
    checked = _run([sicca, "rules", "check", str(pack)], work, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    steps = _run([sicca, "steps"], work, env)  # the words a scenario may use
    assert steps.returncode == 0 and "Then the concluded fact {name} is {value}" in steps.stdout

    feature = pack / "features" / "gland.feature"
    feature.write_text(feature.read_text(encoding="utf-8") + SCENARIO, encoding="utf-8")
    tested = _run([python, "-m", "pytest", "-p", "no:cacheprovider"], pack, env)
    out = tested.stdout
    assert tested.returncode == 0, out + tested.stderr
    assert "7 passed" in out  # the 6 scaffolded scenarios and mine
    assert "3 of 3 rule(s) fired by a scenario" in out
    # my scenario fires gland.igg.raised too: 2 scenarios now
    for line in ("gland.igg.raised   2 scenario(s)", "gland.sign.absent  1 scenario(s)",
                 "gland.sign.severe  1 scenario(s)"):
        assert line in out, out

    again = _run([sicca, "rules", "test", "gland", "--fail-uncovered"], work, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "7 passed" in again.stdout and "3 of 3 rule(s) fired by a scenario" in again.stdout
