"""Outputs never destroy inputs (issue 12): `sicca batch X -o X` is refused, every output is
written beside itself and renamed into place, and out-of-range numbers are refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sicca.base.errors import InputError
from sicca.base.outfiles import AtomicFile, atomic_text, check_outputs
from sicca.cli.common import get_sicca
from sicca.cohort import batch
from sicca.cohort.synth import Generator, SynthRecord, load_config, write_dir, write_jsonl
from sicca.records.models import Catalogue
from tests.support.cli import run

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "data" / "seed" / "table1.csv"


@pytest.fixture(scope="module")
def records() -> list[SynthRecord]:
    return list(Generator(Catalogue.load(), load_config(), 5, problems=False)
                .cohort(n_patients=6))


@pytest.fixture
def cohort(tmp_path: Path, records: list[SynthRecord]) -> Path:
    path = tmp_path / "c.jsonl"
    write_jsonl(iter(records), path)
    return path


def _no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*.tmp")]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], flag: str) -> str:
    code, _, err = run(argv, capsys)
    assert code == 2, err
    assert "E134" in err and f"at {flag}" in err and "Traceback" not in err
    return err


# --- batch X -o X and its cousins ------------------------------------------------------------

def test_batch_refuses_its_own_input_as_output(cohort: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = cohort.read_bytes()
    err = _refused(["batch", str(cohort), "-o", str(cohort), "--engine", "native"], capsys, "-o")
    assert "is the same file as the input" in err
    assert cohort.read_bytes() == before  # the cohort is whole


@pytest.mark.parametrize("how", ["symlink", "hardlink", "dotdot"])
def test_batch_refuses_the_input_under_another_name(cohort: Path, tmp_path: Path, how: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = cohort.read_bytes()
    other = tmp_path / "sub" / "other.jsonl"
    other.parent.mkdir()
    if how == "symlink":
        other.symlink_to(cohort)
    elif how == "hardlink":
        os.link(cohort, other)  # same st_dev and st_ino, no symlink to resolve
    else:
        other = tmp_path / "sub" / ".." / cohort.name
    _refused(["batch", str(cohort), "-o", str(other), "--engine", "native"], capsys, "-o")
    assert cohort.read_bytes() == before


def test_batch_refuses_an_output_inside_the_input_directory(
        tmp_path: Path, records: list[SynthRecord], capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    write_dir(iter(records), cases)
    err = _refused(["batch", str(cases), "-o", str(cases / "deep" / "out.jsonl"), "--engine",
                    "native"], capsys, "-o")
    assert "is inside the input directory" in err
    assert not (cases / "deep").exists()


def test_batch_refuses_an_output_hard_linked_to_a_case_file(
        tmp_path: Path, records: list[SynthRecord], capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    write_dir(iter(records), cases)
    os.link(next(cases.glob("*.json")), tmp_path / "out.jsonl")
    _refused(["batch", str(cases), "-o", str(tmp_path / "out.jsonl"), "--engine", "native"],
             capsys, "-o")


def test_batch_refuses_an_errors_file_on_the_input_or_the_output(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.jsonl"
    _refused(["batch", str(cohort), "-o", str(out), "--errors", str(cohort)], capsys, "--errors")
    err = _refused(["batch", str(cohort), "-o", str(out), "--errors", str(out)], capsys,
                   "--errors")
    assert "-o and --errors name the same file" in err


def test_batch_refuses_an_output_inside_a_rule_pack(cohort: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    _refused(["batch", str(cohort), "-o", str(pack / "o.jsonl"), "--rules", str(pack)], capsys,
             "-o")


def test_the_library_refuses_it_too(cohort: Path) -> None:
    with pytest.raises(InputError, match="E134"):
        batch.run(get_sicca("native", []), cohort, cohort, workers=1)


def test_synth_refuses_an_output_directory_that_holds_a_rule_pack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "out" / "pack"
    pack.mkdir(parents=True)
    err = _refused(["synth", "--n", "2", "-o", str(tmp_path / "out"), "--rules", str(pack)],
                   capsys, "-o")
    assert "is a directory that holds the input" in err
    assert list(pack.iterdir()) == []


def test_import_labs_refuses_to_write_over_its_table(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.csv"
    table.write_bytes(TABLE.read_bytes())
    _refused(["import", "labs", str(table), "-t", "before_rfib=t1", "-o", str(table)], capsys,
             "-o")
    assert table.read_bytes() == TABLE.read_bytes()


def test_distinct_paths_pass(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    check_outputs([("-o", tmp_path / "out.jsonl")], [("INPUT", tmp_path / "in")])
    check_outputs([("-o", tmp_path / "in2" / "x")], [("INPUT", tmp_path / "in")])  # a prefix


# --- atomic writes -----------------------------------------------------------------------------

def test_an_error_mid_run_leaves_the_old_output_and_no_temporary_file(cohort: Path,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text("an earlier run\n")

    def boom(s: batch.Summary) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        batch.run(get_sicca("native", []), cohort, out, workers=1, chunk=2, on_progress=boom)
    assert out.read_text() == "an earlier run\n"
    _no_temp_files(tmp_path)


def test_a_finished_run_replaces_the_output_whole(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text("x" * 100_000)  # longer than the result: nothing of it may remain
    out.chmod(0o640)
    s = batch.run(get_sicca("native", []), cohort, out, workers=1)
    assert len(out.read_text().splitlines()) == s.rows and "xxx" not in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o640  # the output keeps its mode
    _no_temp_files(tmp_path)


def test_a_new_output_gets_the_usual_mode_not_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with atomic_text(tmp_path / "new.txt") as fh:
            fh.write("x")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


def test_the_cli_says_where_an_interrupted_runs_records_are(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch.Scorer.chunk
    calls = [0]

    def chunk(self: batch.Scorer, recs: list[batch.InputRecord]) -> list[batch.Outcome]:
        calls[0] += 1
        if calls[0] == 2:
            raise KeyboardInterrupt
        return real(self, recs)

    monkeypatch.setattr(batch.Scorer, "chunk", chunk)
    out, errs = tmp_path / "o.jsonl", tmp_path / "e.jsonl"
    code, _, err = run(["batch", str(cohort), "-o", str(out), "--engine", "native", "-j", "1",
                        "--chunk", "2", "--no-progress", "--errors", str(errs)], capsys)
    assert code == 130
    assert "o.partial.jsonl" in " ".join(err.split()) and not out.exists()
    assert len((tmp_path / "o.partial.jsonl").read_text().splitlines()) >= 2  # 2 patients
    assert (tmp_path / "e.partial.jsonl").exists() and not errs.exists()
    _no_temp_files(tmp_path)


def test_an_interrupted_synth_leaves_the_old_file_whole(tmp_path: Path,
                                                        records: list[SynthRecord]) -> None:
    out = tmp_path / "c.jsonl"
    out.write_text("an earlier cohort\n")

    def some() -> Iterator[SynthRecord]:
        yield from records[:3]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_jsonl(some(), out)
    assert out.read_text() == "an earlier cohort\n"
    with pytest.raises(KeyboardInterrupt):
        write_dir(some(), tmp_path / "d")
    assert len(list((tmp_path / "d").glob("*.json"))) == 3  # whole files only
    _no_temp_files(tmp_path)


def test_discard_after_commit_keeps_the_file(tmp_path: Path) -> None:
    f = AtomicFile(tmp_path / "a.txt")
    f.fh.write("done")
    f.commit()
    f.discard()
    assert (tmp_path / "a.txt").read_text() == "done"


# --- numeric arguments -------------------------------------------------------------------------

@pytest.mark.parametrize("args,flag", [
    (["--workers", "-1"], "--workers"),
    (["-j", "257"], "--workers"),      # 0 (the cores) to 256
    (["--chunk", "0"], "--chunk"),
])
def test_batch_refuses_out_of_range_numbers(cohort: Path, tmp_path: Path, args: list[str],
                                            flag: str, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    code, _, err = run(["batch", str(cohort), "-o", str(tmp_path / "o.jsonl"), *args], capsys)
    assert code == 2 and "E135" in err and f"at {flag}" in err, err
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("args,flag", [
    (["--n", "-5"], "--n"), (["--n", "0"], "--n"), (["--visits", "0"], "--visits"),
    (["--n", "10000001"], "--n"), (["--n", "1", "--seed", "-1"], "--seed"),
])
def test_synth_refuses_out_of_range_numbers(tmp_path: Path, args: list[str], flag: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["synth", *args, "-o", str(tmp_path / "c.jsonl")], capsys)
    assert code == 2 and "E135" in err and f"at {flag}" in err, err
    assert not (tmp_path / "c.jsonl").exists()


def test_workers_0_means_the_machines_cores(cohort: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["batch", str(cohort), "-o", str(tmp_path / "o.jsonl"), "-j", "0",
                        "--engine", "native", "--no-progress"], capsys)
    assert code == 0, err
    assert "6 of 6 records: 6 scored" in err
