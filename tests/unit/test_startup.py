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
