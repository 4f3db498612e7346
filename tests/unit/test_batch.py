"""sicca batch: cohort scoring, counted failures, ordered and interruptible output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sicca.cli.app import main
from sicca.cli.common import get_sicca
from sicca.cohort import batch
from sicca.cohort.synth import Generator, load_config, write_dir, write_jsonl
from sicca.records.models import Catalogue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 patients with a high share of broken / empty records, and a blank line."""
    cfg = dict(load_config(), problems={"bad_record": 0.15, "empty_record": 0.05})
    path = tmp_path_factory.mktemp("cohort") / "c.jsonl"
    write_jsonl(Generator(Catalogue.load(), cfg, seed=13).cohort(n_patients=24), path)
    with path.open("a") as fh:
        fh.write("\n")
    return path


def _expected(path: Path) -> tuple[int, list[str]]:
    return len(path.read_text().splitlines()), [json.loads(x)["patient"]["id"] if x.strip()
                                                and x.endswith("}") else "?"
                                                for x in path.read_text().splitlines()]


def test_counts_add_up_and_failures_are_reported(cohort: Path, tmp_path: Path) -> None:
    seen: list[batch.Outcome] = []
    out = tmp_path / "o.jsonl"
    s = batch.run(get_sicca("native", []), cohort, out, workers=1, chunk=7,
                  on_outcome=seen.append)
    n, _ = _expected(cohort)
    assert s.records == s.total_records == n == s.scored + s.failed + s.skipped
    assert s.failed >= 3 and s.skipped >= 2  # the blank line and at least one empty record
    for o in s.failures:
        assert o.position.startswith(f"{cohort}:") and o.reason
        assert o.reason.startswith("E")
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == s.rows == s.visits
    assert [o.index for o in seen] == list(range(n))  # every record, in input order
    scored = [o.patient for o in seen if o.status == "scored"]
    assert list(dict.fromkeys(r["patient"] for r in rows)) == scored
    r = rows[0]
    assert r["synthetic"] is True
    for key in ("timepoint", "essdai.documented", "essdai.domains.cutaneous.level",
                "esspri.score", "criteria.acr_eular_2016.verdict",
                "criteria.aecg_2002.items.histopathology.state"):
        assert key in r, key


def test_two_workers_write_the_same_bytes(cohort: Path, tmp_path: Path) -> None:
    sicca = get_sicca("native", [])
    a = batch.run(sicca, cohort, tmp_path / "a.jsonl", workers=1, chunk=5)
    b = batch.run(sicca, cohort, tmp_path / "b.jsonl", workers=2, chunk=5)
    assert (a.scored, a.failed, a.skipped) == (b.scored, b.failed, b.skipped)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_csv_has_one_header_and_one_row_per_visit(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    s = batch.run(get_sicca("native", []), cohort, out, fmt="csv", workers=1)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == s.visits
    assert "essdai.domains.renal.level" in rows[0] and "criteria.acr_2012.verdict" in rows[0]
    assert sum(r["extra"] != "" for r in rows) <= len(rows) // 10  # header from the first chunk
    jl = tmp_path / "o.jsonl"
    batch.run(get_sicca("native", []), cohort, jl, workers=1)
    for r, j in zip(rows, (json.loads(x) for x in jl.read_text().splitlines()), strict=True):
        assert set(r) - {"extra"} | set(json.loads(r["extra"] or "{}")) >= set(j)  # nothing lost


@pytest.mark.parametrize("workers", [1, 2])
def test_interrupt_leaves_a_valid_partial_file(cohort: Path, tmp_path: Path,
                                               workers: int) -> None:
    # the records done are kept beside the output; the output itself is left as it was
    out = tmp_path / "o.jsonl"
    out.write_text("an earlier run\n")

    def stop(s: batch.Summary) -> None:
        if s.records >= 10:
            raise KeyboardInterrupt

    s = batch.run(get_sicca("native", []), cohort, out, workers=workers, chunk=5,
                  on_progress=stop)
    assert s.interrupted and 10 <= s.records < s.total_records
    assert s.consistent()
    assert out.read_text() == "an earlier run\n"
    assert s.partial == tmp_path / "o.partial.jsonl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl", "o.partial.jsonl"]
    lines = s.partial.read_text().splitlines()
    assert len(lines) == s.rows  # complete lines only, exactly the counted ones
    assert all(json.loads(x) for x in lines)


def test_directory_input_with_a_bad_file(tmp_path: Path) -> None:
    d = tmp_path / "cases"
    write_dir(Generator(Catalogue.load(), load_config(), 1, problems=False)
              .cohort(n_patients=3), d)
    (d / "zz-bad.yaml").write_text("patient: {id: bad}\ntimepoints:\n  - {id: t1, date: 2023-13}\n")
    (d / "rfib.yaml").write_text((ROOT / "examples" / "rfib-case.yaml").read_text())
    s = batch.run(get_sicca("native", []), d, tmp_path / "o.jsonl", workers=1)
    assert (s.scored, s.failed, s.skipped) == (4, 1, 0)
    bad = s.failures[0]
    assert bad.position.endswith("zz-bad.yaml") and bad.patient == "bad" and "E106" in bad.reason


def test_durable_engine_gives_the_same_rows(cohort: Path, tmp_path: Path) -> None:
    head = tmp_path / "head.jsonl"
    head.write_text("".join(cohort.read_text().splitlines(keepends=True)[:8]))
    batch.run(get_sicca("native", []), head, tmp_path / "n.jsonl", workers=1)
    batch.run(get_sicca("durable", []), head, tmp_path / "d.jsonl", workers=1)
    assert (tmp_path / "n.jsonl").read_text() == (tmp_path / "d.jsonl").read_text()


def test_cli_summary_and_errors_file(cohort: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out, errs = tmp_path / "o.csv", tmp_path / "errors.jsonl"
    main(["batch", str(cohort), "-o", str(out), "--engine", "native", "--no-progress",
          "-j", "1", "--errors", str(errs)])
    err = capsys.readouterr().err
    n, _ = _expected(cohort)
    assert f"{n} of {n} records:" in err and "failed" in err and "skipped" in err
    listed = [json.loads(x) for x in errs.read_text().splitlines()]
    assert listed and all({"record", "position", "patient", "reason"} <= set(x) for x in listed)
    first = f"failed record {listed[0]['record']} ({listed[0]['position']})"
    assert first in err


def test_cli_rejects_an_unknown_format(cohort: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(cohort), "-o", str(tmp_path / "o.txt"), "-f", "xml"])
    assert exc.value.code == 2
