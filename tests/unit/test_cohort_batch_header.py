"""`sicca batch --format csv`: the header comes from the rule program, not from the data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sicca.cohort.batch import csv_header, run
from sicca.cohort.synth import Generator, load_config, write_jsonl
from sicca.running.evaluate import Sicca
from sicca.testing.steps.common import sicca_for


@pytest.fixture(scope="module")
def sicca() -> Sicca:
    return sicca_for("native")


def _cohort(sicca: Sicca, path: Path, n: int, seed: int) -> Path:
    gen = Generator(sicca.catalogue, load_config(), seed=seed, problems=False)
    write_jsonl(gen.cohort(n_patients=n), path)
    return path


def test_the_csv_is_the_same_with_one_worker_or_two(sicca: Sicca, tmp_path: Path) -> None:
    src = _cohort(sicca, tmp_path / "c.jsonl", 24, seed=4)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run(sicca, src, one, "csv", workers=1, chunk=5)
    run(sicca, src, two, "csv", workers=2, chunk=5)
    assert one.read_bytes() == two.read_bytes()


def test_the_header_does_not_depend_on_the_records(sicca: Sicca, tmp_path: Path) -> None:
    heads = []
    for seed in (1, 2):
        src = _cohort(sicca, tmp_path / f"c{seed}.jsonl", 6, seed=seed)
        out = tmp_path / f"o{seed}.csv"
        run(sicca, src, out, "csv", workers=1)
        with out.open(encoding="utf-8") as fh:
            heads.append(next(csv.reader(fh)))
    assert heads[0] == heads[1] == csv_header(sicca, {}) + ["extra"]


def test_batch_rows_carry_the_changes_from_baseline_and_previous_visit(
        sicca: Sicca, tmp_path: Path) -> None:
    src = _cohort(sicca, tmp_path / "c.jsonl", 8, seed=7)
    out = tmp_path / "o.csv"
    run(sicca, src, out, "csv", workers=1)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    later = [r for r in rows if r["change.baseline.from"]]
    assert later, "the cohort has patients with two visits or more"
    for r in later:
        # ΔESSDAI bounds: min <= max, each a number; STAR has a verdict
        assert float(r["change.baseline.essdai_delta_min"]) <= \
            float(r["change.baseline.essdai_delta_max"])
        assert r["change.baseline.star.verdict"] in ("responder", "non_responder",
                                                     "undetermined")
    first = [r for r in rows if not r["change.baseline.from"]]
    assert all(r["change.baseline.essdai_delta_min"] == "" for r in first)
    # no row puts a change key in `extra`: the header foresaw them all
    assert not any("change." in r["extra"] for r in rows)
