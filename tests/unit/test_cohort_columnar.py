"""The columnar path agrees with the per-visit native path, rule by rule and key by key."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sicca.base.yamlsrc import Sourced
from sicca.cohort.agreement import disagreements, row_disagreements
from sicca.cohort.columnar import POSSIBLE, Program, Scorer, decided
from sicca.cohort.synth import Generator, load_config
from sicca.cohort.table import CENSOR, STATE, Layout, case_rows, read_table, write_table
from sicca.records.models import parse_case
from sicca.running.evaluate import Sicca
from sicca.running.native import NativeBackend
from sicca.running.native import decided as native_decided
from sicca.testing.steps.common import sicca_for
from tests.support.randomvisits import mark_open, random_visits
from tests.support.toy import TOY_CRITERIA

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sicca() -> Sicca:
    return sicca_for("native")


def _row(facts: list[dict[str, Any]], catalog: Any) -> dict[str, Any]:
    """Engine-facing facts -> one wide-table row (the inverse of what the backends see)."""
    row: dict[str, Any] = {"patient": "p", "timepoint": "t", "date": "2020-01"}
    for f in facts:
        n = f["name"]
        number = catalog.facts[n].kind == "number"
        val = f["value"] if number else (f["code"] or None)
        row[n] = val
        default = "reported" if val is not None else "not_reported"
        if f["state"] != default and not n.startswith("option."):
            row[n + STATE] = f["state"]
        if f["censor"]:
            row[n + CENSOR] = f["censor"]
    return row


def _options_reported(visits: list[list[dict[str, Any]]], sicca: Sicca) -> None:
    """An option is a column of words, always reported (the CLI checks its choices)."""
    rng = random.Random(3)
    choices = {f"option.{i.name}": i.spec.choices for i in sicca.catalogue.vocabulary.options()}
    for facts in visits:
        for f in facts:
            if f["name"] in choices:
                f.update(state="reported", value=None, censor="",
                         code=rng.choice(choices[f["name"]]))


def _whole_bounds(visits: list[list[dict[str, Any]]], sicca: Sicca) -> None:
    """A censored count as the engines receive it from the reader (Fact.engine): ">5" is
    ">=6". A table row holds the reader's value, so the columnar path converts it too."""
    from decimal import Decimal

    from sicca.running.facts import visit_plan, whole_bound

    counts = visit_plan(sicca.catalogue.vocabulary, sicca.compiled.catalog).integers
    for facts in visits:
        for f in facts:
            if f["name"] in counts and f["censor"] and f["value"] is not None:
                v, c = whole_bound(Decimal(repr(f["value"])), f["censor"])
                f.update(value=float(v), censor=c)


def _agree_on_random(sicca: Sicca, n: int, seed: int) -> None:
    # both passes compared: the definite conclusions and the possible-only ones (a censored
    # value its interval does not decide), row by row
    catalog = sicca.compiled.catalog
    visits = random_visits(sicca.program, catalog, n, seed=seed)
    _options_reported(visits, sicca)
    _whole_bounds(visits, sicca)
    prog = Program(sicca)
    rows = [_row(v, catalog) for v in visits]
    mark_open(visits, sicca)
    present = {c for r in rows for c in r}
    df = pl.DataFrame(rows, schema={c: t for c, t in prog.layout.schema().items()
                                    if c in present}, strict=False)
    got = prog.conclude(prog.prepare(df, sicca.check_options({})))
    ids = list(prog.derived)
    mat = got.select(ids).rows()
    pmat = got.select([POSSIBLE + d for d in ids]).rows()
    native = NativeBackend(sicca.program)
    possible = 0
    for i, facts in enumerate(visits):
        raw = native.evaluate(facts)
        have = {d for d, on in zip(ids, mat[i], strict=True) if on}
        assert have == raw.derived, (i, sorted(have ^ raw.derived))
        may = {d for d, on in zip(ids, pmat[i], strict=True) if on} - have
        assert may == raw.possible, (i, sorted(may ^ raw.possible))
        possible += bool(may)
    assert possible > n // 100  # the possible pass is exercised, not vacuously empty


def test_columnar_concludes_what_native_does_on_400_random_visits(sicca: Sicca) -> None:
    # unknown / not_done / censored inputs and random option values in every visit (the slow
    # test below runs more, every report column)
    _agree_on_random(sicca, 400, seed=20261203)


def _thin(visits: list[list[dict[str, Any]]], sicca: Sicca) -> None:
    """Every other visit keeps at most three uncertain inputs (censored, or unknown in a state
    the engine completes), the others made exact or not reported: a random visit holds dozens
    of each, far past MAX_CELLS, and the cells must be exercised too."""
    for k, facts in enumerate(visits):
        if k % 2:
            continue
        kept = 0
        for f in facts:
            if f["censor"]:
                kept += 1
                if kept > 3:
                    f["censor"] = ""
            elif f["value"] is None and not f["code"] and sicca.is_open(f["name"], f["state"]):
                kept += 1
                if kept > 3:
                    f["state"] = "not_reported"


def _random_frame(sicca: Sicca, n: int, seed: int) -> pl.DataFrame:
    catalog = sicca.compiled.catalog
    visits = random_visits(sicca.program, catalog, n, seed=seed)
    _thin(visits, sicca)
    _options_reported(visits, sicca)
    rows = [dict(_row(v, catalog), patient=f"p{i}") for i, v in enumerate(visits)]
    present = {c for r in rows for c in r}
    return pl.DataFrame(rows, schema={c: t for c, t in Layout(sicca).schema().items()
                                      if c in present}, strict=False)


def _agree_reports_on_random(sicca: Sicca, n: int, seed: int) -> tuple[int, int]:
    """Every output column of every random visit against the per-visit report of the same
    visit (Sicca.evaluate_visit: a censored value split into cells, the instruments' hull):
    (rows split into cells, rows marked approximate)."""
    df = _random_frame(sicca, n, seed)
    compared, approximate, bad = row_disagreements(sicca, df)
    assert compared > n * 100 and not bad, bad
    cen = [c for c in df.columns if c.endswith(CENSOR)]
    split = df.select(pl.any_horizontal([pl.col(c).is_not_null() for c in cen])).to_series()
    return int(split.sum()), approximate


def test_columnar_scores_what_native_reports_on_120_random_visits(sicca: Sicca) -> None:
    # censored values read by several rules: the columnar hull over cells equals native's
    # (fever ">=37.5" is constitutional [1, 2], not the three-valued [0, 2])
    split, approximate = _agree_reports_on_random(sicca, 120, seed=20261204)
    assert split > 20  # the cells are exercised, not vacuously absent
    # random visits carry many censored values: some pass MAX_CELLS (64 combinations) and
    # are marked approximate by both paths, the others are split into cells
    assert 0 < approximate < split


def test_the_summary_counts_the_visits_marked_approximate(sicca: Sicca) -> None:
    from sicca.cohort.frames import CohortSummary

    out = Scorer(sicca).score(_random_frame(sicca, 60, seed=20261205))
    summary = CohortSummary()
    summary.add(out)
    n = int(out["approximate"].sum())
    assert n > 0 and summary.approximate == n
    assert any(line.startswith(f"{n} visits with too many censored combinations")
               for line in summary.lines())


#: Visits of the slow agreement test (each: its conclusions against the native backend, and
#: every report column against Sicca.evaluate_visit with its cells). Issue 15 asks for 10^5:
#: SICCA_AGREEMENT_VISITS=100000 (passed 2026-12-03 in 898 CPU-s: ~9 ms a visit, mostly the
#: per-visit side, so 1,500 x 9 ms = ~14 s of CPU for the default; bench/README.md)
AGREEMENT_VISITS = int(os.environ.get("SICCA_AGREEMENT_VISITS", "1500"))


@pytest.mark.slow
def test_columnar_scores_what_native_reports_on_many_random_visits(sicca: Sicca) -> None:
    approximate = 0
    for k in range(0, AGREEMENT_VISITS, 5_000):
        m = min(5_000, AGREEMENT_VISITS - k)
        _agree_on_random(sicca, m, seed=20261300 + k // 5_000)
        approximate += _agree_reports_on_random(sicca, m, seed=20261400 + k // 5_000)[1]
    # past MAX_CELLS combinations both paths fall back to the three-valued pass and say so
    assert AGREEMENT_VISITS < 2_000 or approximate > 0


@pytest.mark.slow
def test_columnar_scores_every_visit_the_feature_scenarios_build_as_native(
        sicca: Sicca, tmp_path: Path) -> None:
    # issue 15 item 5: the BDD run writes down every case it scores on native, with its
    # options (tests/support/columnar_probe.py); each is scored both ways here (all columns,
    # the changes included). Measured: 482 (case, options), 529 visits, ~90,000 cells
    # compared, 0 differences (6 with the three-valued pass in place of the cells)
    out = tmp_path / "probe.jsonl"
    env = dict(os.environ, SICCA_COLUMNAR_PROBE=str(out))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.support.columnar_probe",
         "-p", "no:cacheprovider", "-m", "not slow", "-n", "0", "tests/bdd"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    groups: dict[str, list[Any]] = {}
    for i, line in enumerate(out.read_text(encoding="utf-8").splitlines()):
        rec = json.loads(line)
        data = rec["data"]
        if isinstance(data.get("patient"), dict):  # one patient per case: no changes across
            data["patient"]["id"] = f"feature-{i:05d}"
        groups.setdefault(json.dumps(rec["options"], sort_keys=True), []).append(data)
    visits = censored = compared = 0
    for opts, datas in groups.items():
        cases = [parse_case(Sourced(d, f"feature:{k}", {}, []), sicca.catalogue)
                 for k, d in enumerate(datas)]
        cases = [c for c in cases if c.timepoints]
        visits += sum(len(c.timepoints) for c in cases)
        censored += sum('"<' in json.dumps(d) or '">' in json.dumps(d) for d in datas)
        n, bad = disagreements(sicca, cases, json.loads(opts))
        compared += n
        assert not bad, (opts, bad)
    assert visits > 400 and compared > 50_000 and censored > 10, (visits, compared, censored)


def test_per_eye_bounds_split_per_eye_as_native_does(sicca: Sicca) -> None:
    # both eyes measured, one or both a bound: each eye split at the test's thresholds, the
    # worse eye worked out per cell (right ">5", left 8 mm: the worse eye is in (5, 8], so
    # Schirmer > 5 holds, where the recorded bound "<=8" alone would leave it open); one eye
    # missing: the recorded bound is the whole truth. Every column against the report.
    eyes = [">5", "<=5", "<5", ">=5", "8", "3", "5", None]
    cases = []
    for i, right in enumerate(eyes):
        for j, left in enumerate(eyes):
            sch = {k: v for k, v in (("right", right), ("left", left)) if v is not None}
            oss = {k: v for k, v in (("right", right), ("left", left)) if v is not None}
            data = {"sicca_case": 1, "patient": {"id": f"eye-{i}-{j}"},
                    "timepoints": [{"id": "v", "date": "2024-01",
                                    "symptoms": {"dry_eyes_3_months": True},
                                    "tests": {"schirmer": sch,
                                              "ocular_staining_score": oss}}]}
            if sch:
                cases.append(parse_case(Sourced(data, f"eye:{i}:{j}", {}, []),
                                        sicca.catalogue))
    compared, bad = disagreements(sicca, cases)
    assert compared > 5_000 and not bad, bad
    layout = Layout(sicca)
    df = layout.frame([r for c in cases for r in case_rows(sicca, c, layout)])
    pieces, _ = Program(sicca).cells(Program(sicca).prepare(df, sicca.check_options({})))
    assert pieces is not None  # the eye cells are used
    assert pl.concat(pieces)["_row"].n_unique() > 20


@pytest.mark.parametrize("op,c,value,censor,expected", [
    ("lt", 1.0, 0.91, "<", True),     # (-inf, 0.91) < 1 everywhere
    ("lt", 0.5, 0.91, "<", False),    # undecided: behaves as missing
    ("lt", 0.91, 0.91, "<", True),    # (-inf, 0.91) < 0.91
    ("lt", 0.91, 0.91, "<=", False),  # 0.91 itself is allowed
    ("le", 0.91, 0.91, "<=", True),
    ("ge", 1.0, 1.0, ">=", True),     # [1, inf) >= 1
    ("gt", 1.0, 1.0, ">=", False),    # 1 is allowed
    ("gt", 1.0, 1.0, ">", True),      # (1, inf) > 1
    ("gt", 1.0, 0.99, "", False),
    ("gt", 1.0, 1.01, "", True),
    ("le", 5.0, 5.0, "", True),
    ("le", 5.0, 5.1, "", False),
    ("eq", 1.0, 1.0, ">=", False),    # an interval is never decided equal
    ("ne", 1.0, 2.0, ">", True),      # (2, inf) is all != 1
    ("ne", 3.0, 2.0, ">", False),
    ("gt", 1.0, None, "", False),     # missing decides nothing
])
def test_decided_matches_native_on_both_sides_of_each_cut(op: str, c: float,
                                                          value: float | None, censor: str,
                                                          expected: bool) -> None:
    assert native_decided(op, c, value, censor) is expected
    df = pl.DataFrame({"v": [value], "c": [censor]}, schema={"v": pl.Float64, "c": pl.Utf8})
    assert df.select(decided(op, c, pl.col("v"), pl.col("c"))).item() is expected


def _synth_cases(sicca: Sicca, n: int, seed: int) -> list[Any]:
    gen = Generator(sicca.catalogue, load_config(), seed=seed, problems=False)
    out = []
    for rec in gen.cohort(n):
        if rec.problem is None and rec.visits:
            out.append(parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []),
                                  sicca.catalogue))
    return out


def test_report_columns_agree_with_native_on_a_synthetic_cohort(sicca: Sicca) -> None:
    cases = _synth_cases(sicca, 15, seed=11)
    compared, bad = disagreements(sicca, cases)
    assert compared > 5_000 and not bad, bad


#: two options in the fast loop, every option with ``-m slow`` (~1 s each)
@pytest.mark.parametrize("option", [
    "purpura_extent", "aecg_mode",
    *(pytest.param(o, marks=pytest.mark.slow) for o in ("focus_score_reading",
                                                        "inferred_symptoms", "attribution",
                                                        "rating_window"))])
def test_report_columns_agree_with_native_for_every_choice_of_each_option(
        sicca: Sicca, option: str) -> None:
    cases = _synth_cases(sicca, 4, seed=5)
    item = next(i for i in sicca.catalogue.vocabulary.options() if i.name == option)
    for choice in item.spec.choices:
        compared, bad = disagreements(sicca, cases, {option: choice})
        assert compared > 1000 and not bad, (option, choice, bad)


def test_report_columns_agree_on_the_seed_case_and_every_fixture_case(sicca: Sicca) -> None:
    paths = [ROOT / "examples" / "rfib-case.yaml"] + \
        sorted((ROOT / "tests" / "data" / "cases").glob("*.yaml"))
    cases = [sicca.load_case(p) for p in paths]
    compared, bad = disagreements(sicca, cases)
    assert compared > 1000 and not bad, bad


def test_output_columns_come_from_the_program_not_the_data(sicca: Sicca) -> None:
    scorer = Scorer(sicca)
    cases = _synth_cases(sicca, 5, seed=2)
    layout = Layout(sicca)
    rows = [r for c in cases for r in case_rows(sicca, c, layout)]
    one = scorer.score(layout.frame(rows[:1])).columns
    many = scorer.score(layout.frame(rows)).columns
    assert one == many == scorer.columns()
    assert "rulesets.essdai.hash" in one and "change.baseline.star.verdict" in one


@pytest.mark.parametrize("suffix", [".parquet", ".arrow", ".csv"])
def test_the_table_reads_back_as_written(sicca: Sicca, tmp_path: Path, suffix: str) -> None:
    layout = Layout(sicca)
    cases = _synth_cases(sicca, 4, seed=9)
    df = layout.frame([r for c in cases for r in case_rows(sicca, c, layout)])
    path = tmp_path / f"t{suffix}"
    write_table(df, path)
    back = read_table(path)
    scorer = Scorer(sicca)
    assert scorer.score(back).equals(scorer.score(df))


def test_every_bad_word_of_a_table_is_named_at_once_and_good_ones_pass(sicca: Sicca) -> None:
    # the check judges each column's distinct words: a word column, a state column and a
    # censor column each holding one bad value among good ones and nulls are all reported,
    # each at its first bad row; the same table with the bad values removed passes
    from sicca.base.errors import InputError

    layout = Layout(sicca)
    good = {"patient": ["a", "a", "b"], "timepoint": ["t0", "t1", "t0"],
            "anti_ssa": ["positive", None, "negative"],
            "schirmer:state": [None, "not_done", None],
            "focus_score:censor": [">=", None, "<"]}
    layout.check(pl.DataFrame(good), "t.csv")  # no error
    bad = dict(good, anti_ssa=["positive", "postive", "negative"],
               **{"schirmer:state": [None, "not_done", "nope"],
                  "focus_score:censor": ["~", None, "<"]})
    with pytest.raises(InputError) as exc:
        layout.check(pl.DataFrame(bad), "t.csv")
    got = {p.field: p for p in exc.value.problems}
    assert set(got) == {"anti_ssa (row 2)", "schirmer:state (row 3)", "focus_score:censor (row 1)"}
    assert all(p.code == "E142" for p in got.values())
    assert "positive" in str(got["anti_ssa (row 2)"].hint)  # "did you mean"


def test_a_bad_state_in_a_table_is_an_error_naming_column_and_row(sicca: Sicca) -> None:
    from sicca.base.errors import InputError

    layout = Layout(sicca)
    df = pl.DataFrame({"patient": ["a", "a"], "timepoint": ["t0", "t1"],
                       "schirmer:state": [None, "nope"]})
    with pytest.raises(InputError) as exc:
        layout.check(df, "t.csv")
    p = exc.value.problems[0]
    assert p.code == "E142" and "row 2" in str(p.field) and "not_done" in str(p.expected)


def test_a_visit_with_a_censored_value_is_scored_column_wise_and_agrees(sicca: Sicca) -> None:
    # censored_edges.yaml holds bounds a level's cut does not decide: undetermined domains,
    # unknown criteria items; the same visit with its bounds read as exact is beside it
    layout = Layout(sicca)
    case = sicca.load_case(ROOT / "tests" / "data" / "cases" / "censored_edges.yaml")
    df = layout.frame(case_rows(sicca, case, layout))
    cen_cols = [c for c in df.columns if c.endswith(CENSOR)]
    exact = df.head(1).with_columns([pl.lit(None, pl.Utf8).alias(c) for c in cen_cols] +
                                    [pl.lit("q").alias("patient")])
    df = pl.concat([df, exact])
    censored = df.select(pl.any_horizontal([pl.col(c).is_not_null()
                                            for c in cen_cols]))[:, 0].to_list()
    assert any(censored) and not all(censored)  # both kinds of row
    out = Scorer(sicca).score(df)
    assert out["engine"].to_list() == ["columnar"] * df.height
    states = {v for c in out.columns if c.endswith(".state") for v in out[c].to_list()}
    assert "undetermined" in states  # the possible pass is planned, not skipped
    compared, bad = disagreements(sicca, [case])
    assert compared > 500 and not bad, bad


@pytest.mark.parametrize("tests", [
    [("gt", 5.0, False)], [("ge", 5.0, False)], [("lt", 5.0, False)], [("le", 5.0, False)],
    [("eq", 5.0, False)], [("ne", 5.0, False)], [("gt", 5.0, True)], [("le", 5.0, True)],
    [("ge", 3.0, False), ("lt", 5.0, False)],   # a band: [3, 5)
    [("gt", 3.0, False), ("lt", 5.0, True)],    # (3, inf) minus (-inf, 5): [5, inf)
])
def test_a_censored_literal_is_true_unknown_or_false_as_native_says(
        sicca: Sicca, tests: list[tuple[str, float, bool]]) -> None:
    # every value on and either side of each cut, exact and under each censor mark, and
    # missing: (TRUE, TRUE-or-UNKNOWN) column-wise == native _literal's FALSE 0 / UNKNOWN 1 /
    # TRUE 2; e.g. "<5" against gt 3: (-inf, 5) meets (3, inf) without lying in it -> UNKNOWN
    from sicca.running.native import _literal

    prog = Program(sicca)
    name = next(n for n in prog.numeric if n not in prog.integers)
    spec = [{"field": "value", "op": op, "value": c, "neg": neg} for op, c, neg in tests]
    values = [None, 2.0, 3.0, 4.0, 5.0, 6.0, 2.5, 3.5, 4.5, 5.5]
    censors = ["", "<", "<=", ">", ">="]
    rows = [(v, c) for v in values for c in censors]
    df = pl.DataFrame({name: [v for v, _ in rows],
                       name + CENSOR: [c or None for _, c in rows]},
                      schema={name: pl.Float64, name + CENSOR: pl.Utf8})
    df = prog.prepare(df.with_columns(pl.lit("p").alias("patient"), pl.lit("t").alias("timepoint"),
                                      pl.lit(None, pl.Utf8).alias("date")),
                      sicca.check_options({}))
    t, m = prog._literal(name, spec)
    got = df.select(t.alias("t"), m.alias("m")).rows()
    native = _literal(spec)
    seen = set()
    for (v, c), (is_true, maybe) in zip(rows, got, strict=True):
        want = native({"state": "reported" if v is not None else "not_reported", "value": v,
                       "code": "", "censor": c if v is not None else ""})
        assert (is_true, maybe) == (want == 2, want >= 1), (tests, v, c, want)
        seen.add(want)
    assert seen == {0, 1, 2}  # every truth value occurs


def test_a_criteria_item_without_exactly_one_state_is_e401_on_both_paths(tmp_path: Path) -> None:
    # a toy criteria set whose rules forget anti-SSB left unreported: no state is concluded
    # for the item, which both paths refuse naming the fact and the visit (E401)
    from sicca.base.errors import EvaluationError
    from sicca.report.build import build

    (tmp_path / "toy.yaml").write_text(TOY_CRITERIA, encoding="utf-8")
    (tmp_path / "pack.yaml").write_text("kind: pack\ninstruments: [toy_criteria]\n",
                                        encoding="utf-8")
    sicca = Sicca.load(rules=[tmp_path], engine="native", only=["toy_criteria"])
    case = parse_case(Sourced({"sicca_case": 1, "patient": {"id": "p-1"},
                               "timepoints": [{"id": "v1", "date": "2024-01"},
                                              {"id": "v2", "date": "2024-06",
                                               "tests": {"anti_ssb": "positive"}}]},
                              "<test>"), sicca.catalogue)
    with pytest.raises(EvaluationError) as per_visit:
        build(sicca, case)
    assert per_visit.value.problems[0].code == "E401"
    layout = Layout(sicca)
    frame = layout.frame(case_rows(sicca, case, layout))
    with pytest.raises(EvaluationError) as columnar:
        Scorer(sicca).score(frame)
    p = columnar.value.problems[0]
    assert p.code == "E401" and p.timepoint == "v1"  # v2 concludes positive: 1 state
    assert "'toy_criteria.item.anti_ssb' concluded 0 states at patient 'p-1'" in p.message


def test_cells_made_in_pieces_score_what_one_piece_does(
        sicca: Sicca, monkeypatch: pytest.MonkeyPatch) -> None:
    # the censored rows of censored_edges.yaml and of 6 synthetic patients split into cells;
    # with CELL_ROWS = 3 they are made, concluded and merged in many pieces (a row's cells in
    # one piece, so a row with 4 cells makes a piece of 4): the same output as one piece
    from sicca.cohort import columnar

    layout = Layout(sicca)
    cases = [sicca.load_case(ROOT / "tests" / "data" / "cases" / "censored_edges.yaml"),
             *_synth_cases(sicca, 6, seed=11)]
    df = layout.frame([r for c in cases for r in case_rows(sicca, c, layout)])
    whole = Scorer(sicca).score(df)
    monkeypatch.setattr(columnar, "CELL_ROWS", 3)
    program = Program(sicca)
    pieces, _ = program.cells(program.prepare(df, sicca.check_options({})))
    assert pieces is not None and len(pieces) > 3
    rows = pl.concat(pieces)["_row"]
    assert rows.is_unique().all() and rows.is_sorted()  # each split row in one piece, in order
    assert Scorer(sicca).score(df).equals(whole)


def test_the_product_of_cell_lists_is_what_exploding_each_list_gives() -> None:
    from sicca.cohort.columnar import _product

    # row 0: 2 x 3 = 6 combinations, the first list outermost; row 1: a null list is one
    # null element (1 x 1); row 2: 1 x null = 1
    df = pl.DataFrame({"_row": [0, 1, 2], "a": [[1.0, 2.0], None, [3.0]],
                       "b": [["x", "y", "z"], ["p"], None]})
    got = _product(df, ["a", "b"])
    assert got.equals(df.explode("a").explode("b"))
    assert got["a"].to_list() == [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, None, 3.0]
    assert got["b"].to_list() == ["x", "y", "z", "x", "y", "z", "p", None]


def test_the_scorer_keeps_only_the_input_columns_it_reads(sicca: Sicca) -> None:
    # a slice holds only the columns some test, cell or instrument reads (the wide table's
    # others are ~16 bytes a row each, held for nothing): ids, options, a tested fact's
    # value/state/censor; a vocabulary item no rule reads is dropped on entry
    program = Program(sicca)
    needed = set(program.needed)
    assert {"patient", "timepoint", "date", "schirmer", "schirmer:censor",
            "schirmer:state"} <= needed
    assert not any(c.startswith("lab.cd3") for c in needed)  # lymphocyte subsets: unread
    layout = Layout(sicca)
    df = layout.frame(case_rows(sicca, _synth_cases(sicca, 1, seed=3)[0], layout))
    assert "lab.cd3" in df.columns
    prepared = program.prepare(df, sicca.check_options({}))
    inputs = {c for c in prepared.columns if not c.startswith("~")}
    assert inputs <= needed and "lab.cd3" not in inputs
