"""`sicca score` starts fast (issue 10): it imports only what scoring a case needs.

Other work adds heavy dependencies (columnar cohorts, a web app); a plain `sicca score` must not
import them, nor typer (a plain score command line is read without it: sicca.cli.fast). Each
check runs the real command in a fresh interpreter under ``python -X importtime``, which lists
every module the process imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sicca.base.paths import EXAMPLES_DIR
from sicca.cli.fast import parse_score

#: never on the path of `sicca score` (top-level package names)
HEAVY = {"polars", "pyarrow", "pandas", "numpy", "dask", "distributed", "fastapi", "starlette",
         "uvicorn", "httpx", "jinja2", "sqlalchemy", "psycopg", "psycopg2", "jsonschema",
         "hypothesis", "pint", "matplotlib", "plotly", "typer", "click"}


#: never on the path of `sicca score` either (exact module names): pydantic's plugin discovery
#: (the fast path disables plugins, and their loader's import of importlib.metadata with them)
NEVER = {"importlib.metadata", "pydantic.plugin._loader"}


def _imported(args: list[str], cache: Path) -> set[str]:
    env = dict(os.environ, SICCA_CACHE_DIR=str(cache))
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "sicca", *args], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    names = set()
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "sicca.cli.plain" in names, "importtime listed nothing"  # the check can fail
    return names


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("startup-cache")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_sicca_score_imports_no_heavy_package(fmt: str, cache: Path) -> None:
    names = _imported(["score", str(EXAMPLES_DIR / "rfib-case.yaml"), "-f", fmt], cache)
    heavy = sorted({n for n in names if n.split(".")[0] in HEAVY} | (names & NEVER))
    assert not heavy, heavy
    # JSON output draws nothing, and the table view on a pipe is plain text: no rich either
    assert not {n for n in names if n.split(".")[0] == "rich"}


#: imported only when needed, never by a warm score that succeeds: difflib (a "did you mean"
#: hint for a misspelt name), calendar and locale (days in a month are worked out without them),
#: tempfile with shutil, bz2 and lzma (writing a cache file)
ONLY_WHEN_NEEDED = {"difflib", "calendar", "locale", "tempfile", "shutil", "bz2", "lzma"}


def test_a_warm_score_imports_nothing_only_errors_or_cache_writes_need(tmp_path: Path) -> None:
    args = ["score", str(EXAMPLES_DIR / "rfib-case.yaml"), "-f", "json"]
    cold = _imported(args, tmp_path)  # fills the cache: writes it through tempfile
    assert "tempfile" in cold  # the check can fail
    assert not _imported(args, tmp_path) & ONLY_WHEN_NEEDED


def test_an_unusual_score_command_line_goes_to_typer() -> None:
    case = "c.yaml"
    assert parse_score(["score", case]) is not None
    assert parse_score(["score", case, "-f", "json", "--engine=native", "-O", "a=b", "-t", "x",
                        "-t", "y", "--detail", "--rules", "p"]) == {
        "case": case, "format": "json", "engine": "native", "rules": [Path("p")],
        "option": ["a=b"], "timepoint": ["x", "y"], "detail": True}
    for argv in (["score"], ["score", "-h"], ["score", case, "--help"], ["score", case, case],
                 ["score", case, "-f", "xml"], ["score", case, "-f"], ["score", "--", case],
                 ["score", case, "--engine", "a", "--engine", "b"], ["score", case, "-x"],
                 ["score", case, "-O", "-x"], ["score", "-fjson", case], ["explain", case],
                 ["--version"], [], ["score", ""], ["score", case, "--detail", "--detail"]):
        assert parse_score(argv) is None, argv


@pytest.mark.parametrize("argv", [
    ["-f", "json"], [], ["--detail"], ["-t", "baseline", "-f", "json"],
    ["-O", "purpura_extent=generalised", "--engine", "native", "-f", "json"],
    ["-O", "nonsense"], ["--engine", "nope"], ["-t", "nowhere"],
])
def test_the_fast_path_prints_what_typer_prints(argv: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from sicca.cli.app import main

    args = ["score", str(EXAMPLES_DIR / "rfib-case.yaml"), *argv]
    got = []
    for fast in (True, False):
        with pytest.raises(SystemExit) as exc:
            main(args, fast=fast)
            raise SystemExit(0)
        out = capsys.readouterr()
        got.append((exc.value.code or 0, out.out, out.err))
    assert got[0] == got[1]


def test_a_warm_score_imports_neither_compiler_nor_linter(tmp_path: Path) -> None:
    """With the compiled program (and the durable plan) in the disk cache, `sicca score` only
    loads it: the compiler and the linter are for a cold start and `sicca rules check`."""
    case = str(EXAMPLES_DIR / "rfib-case.yaml")
    cold = _imported(["score", case], tmp_path)
    assert "sicca.language.compiler" in cold  # a cold start compiles: the check can fail
    warm = _imported(["score", case], tmp_path)
    assert not warm & {"sicca.language.compiler", "sicca.language.lint"}, \
        sorted(warm & {"sicca.language.compiler", "sicca.language.lint"})
    assert "sicca.language.program" in warm


def test_durable_creates_its_possible_rulesets_on_first_use() -> None:
    """The possible rulesets (the three-valued pass) are created for the first visit that needs
    them, not at start: the seed case, scored by cells, never does."""
    from sicca.api import load
    from sicca.running.durable import DurableBackend

    session = load(cache=False)
    session.score(EXAMPLES_DIR / "rfib-case.yaml")
    backend = session.sicca.backend
    assert isinstance(backend, DurableBackend)
    assert backend._possible_sets is None
    case = session.case(EXAMPLES_DIR / "rfib-case.yaml")
    sicca = session.sicca
    visit = sicca.visit(case, case.timepoints[0])
    # the visit's input facts with every censor taken off (the seed's baseline has one): a
    # definite visit, as each cell of a censored one is
    facts = [dict(visit.facts[n].engine(), censor="") for n in sicca._input_names
             if n in visit.facts]
    plain = backend.evaluate(facts)
    assert backend._possible_sets is None
    numeric = next(f for f in facts if f["state"] == "reported" and f["value"] is not None)
    censored = [dict(f, censor="<") if f is numeric else f for f in facts]
    got = backend.evaluate(censored)
    assert backend._possible_sets is not None
    assert len(backend._possible_sets) == backend.strata
    # the same rulesets once made: a second censored visit reuses them
    made = backend._possible_sets
    assert backend.evaluate(censored).firings == got.firings
    assert backend._possible_sets is made
    assert plain.firings  # the seed visit fires rules


def test_the_report_models_are_made_from_evaluated_annotations() -> None:
    # scores/results.py and report/model.py (23 models on every score) do without
    # `from __future__ import annotations`: with it, pydantic compiles each field's annotation
    # string again when the class is made (~1 % of a warm `sicca score`)
    from sicca.report import model
    from sicca.scores import results

    for module in (results, model):
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__:
                strings = [k for k, v in vars(cls).get("__annotations__", {}).items()
                           if isinstance(v, str)]
                assert not strings, (cls.__name__, strings)
