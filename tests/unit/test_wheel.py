"""The built wheel, installed (not editable) into a fresh venv, runs from any folder.

This is what a new user does: `pip install sicca-*.whl`, then `sicca score` on the bundled example
from a folder that is not the repository. It catches package data left out of the wheel (rules,
vocabulary, the example) and top-level names other than `sicca`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                 "-q", "-w", str(out), str(ROOT)], cwd=out)
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("sicca-*.whl")
    return path


@pytest.mark.slow  # building the wheel is the fast loop's largest single setup (3.5 s)
def test_the_wheel_installs_one_top_level_name_and_carries_the_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"sicca"}
    for needed in ("sicca/rules/essdai/cutaneous.yaml", "sicca/rules/vocabulary/analytes.yaml",
                   "sicca/examples/rfib-case.yaml", "sicca/scores/essdai.py", "sicca/py.typed",
                   "sicca/report/templates/report.html.j2", "sicca/report/templates/report.css"):
        assert needed in names


@pytest.mark.slow
def test_a_fresh_venv_with_only_the_wheel_scores_the_example_from_another_folder(
        wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path).returncode == 0
    pip = _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], cwd=tmp_path)
    assert pip.returncode == 0, pip.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    sicca = str(venv / "bin" / "sicca")
    python = str(venv / "bin" / "python")

    version = _run([sicca, "--version"], cwd=elsewhere)
    assert version.returncode == 0 and version.stdout.startswith("sicca ")
    # The example ships inside the package: find it through the installed package itself.
    where = _run([python, "-c", "from sicca.base.paths import EXAMPLES_DIR; print(EXAMPLES_DIR)"],
                 cwd=elsewhere)
    example = Path(where.stdout.strip()) / "rfib-case.yaml"
    assert str(venv) in str(example) and example.is_file()

    scored = _run([sicca, "score", str(example), "--format", "json", "--engine", "native"],
                  cwd=elsewhere)
    assert scored.returncode == 0, scored.stderr
    baseline = json.loads(scored.stdout)["timepoints"][0]
    # Seed case, baseline: ESSDAI 11 documented, range 11-17 (haematological not assessable,
    # weight 2 x level 0..3 = 0..6 more points).
    assert (baseline["essdai"]["documented"], baseline["essdai"]["min"],
            baseline["essdai"]["max"]) == (11, 11, 17)

    # The visit report's templates are package data: the page renders from the wheel.
    page = elsewhere / "r.html"
    report = _run([sicca, "report", str(example), "-o", str(page), "--engine", "native"],
                  cwd=elsewhere)
    assert report.returncode == 0, report.stderr
    assert page.read_text(encoding="utf-8").count("<svg") >= 3

    module = _run([python, "-m", "sicca", "rules", "check"], cwd=elsewhere)
    assert module.returncode == 0, module.stdout + module.stderr
