"""sicca synth: seeded, reproducible synthetic cohorts drawn from the vocabulary."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sicca.base.errors import InputError
from sicca.base.yamlsrc import Sourced
from sicca.cli.app import main
from sicca.cohort.synth import PROBLEM_KINDS, Generator, load_config
from sicca.records.models import Catalogue, parse_case


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def gen(catalogue: Catalogue) -> Generator:
    return Generator(catalogue, load_config(), seed=42)


def test_same_seed_same_cohort_and_patients_do_not_depend_on_n(catalogue: Catalogue) -> None:
    a = [r.line() for r in Generator(catalogue, load_config(), 7).cohort(n_patients=30)]
    b = [r.line() for r in Generator(catalogue, load_config(), 7).cohort(n_patients=30)]
    c = [r.line() for r in Generator(catalogue, load_config(), 7).cohort(n_patients=10)]
    d = [r.line() for r in Generator(catalogue, load_config(), 8).cohort(n_patients=30)]
    assert a == b
    assert a[:10] == c
    assert a != d


def test_every_record_is_marked_synthetic_and_has_several_timepoints(gen: Generator) -> None:
    recs = list(gen.cohort(n_patients=200))
    assert all(r.data["patient"]["synthetic"] is True for r in recs)
    assert all(r.data["patient"]["id"].startswith("synth-42-") for r in recs)
    counts = Counter(r.visits for r in recs if r.problem != "empty")
    assert max(counts) >= 4 and min(counts) >= 1


def test_n_visits_is_exact(gen: Generator) -> None:
    assert sum(r.visits for r in gen.cohort(n_visits=1234)) == 1234


def test_valid_records_parse_and_broken_ones_fail(gen: Generator, catalogue: Catalogue) -> None:
    kinds: Counter[str] = Counter()
    # half the records broken: every kind of problem appears among 150 patients
    for rec in Generator(catalogue, dict(load_config(), problems={"bad_record": 0.5,
                                                                   "empty_record": 0.05}),
                         seed=3).cohort(n_patients=150):
        line = rec.line()
        try:
            data = json.loads(line)
            parse_case(Sourced(data, "x", {}, []), catalogue)
            ok = True
        except (InputError, json.JSONDecodeError):
            ok = False
        if rec.problem is None:
            assert ok, line[:300]
        else:
            kinds[rec.problem] += 1
            assert not ok, (rec.problem, line[:300])
    assert set(kinds) == set(PROBLEM_KINDS) | {"empty"}


def test_realistic_mix_units_censoring_missing(gen: Generator) -> None:
    text = "\n".join(r.line() for r in gen.cohort(n_patients=300))
    for unit in ('"unit":"mg/dL"', '"unit":"10*9/L"', '"unit":"g/L"', '"unit":"mm"'):
        assert unit in text
    for word in ('"<', '">', '"not_done"', '"invalid"', '"unknown"', '"present"', '"absent"',
                 '"history"', '"inferred":true', '"reference"'):
        assert word in text, word


def test_cli_writes_jsonl_and_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    main(["synth", "--n", "12", "--seed", "5", "-o", str(tmp_path / "c.jsonl")])
    lines = (tmp_path / "c.jsonl").read_text().splitlines()
    assert len(lines) == 12
    assert "wrote 12 synthetic patients" in capsys.readouterr().err
    main(["synth", "--visits", "20", "--seed", "5", "--no-problems", "-o", str(tmp_path / "d")])
    files = sorted((tmp_path / "d").glob("*.json"))
    assert sum(len(json.loads(f.read_text())["timepoints"]) for f in files) == 20


def test_cli_needs_exactly_one_size(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["synth", "-o", str(tmp_path / "c.jsonl")])
    assert exc.value.code == 2
