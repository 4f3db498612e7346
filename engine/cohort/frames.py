"""Scoring whole tables: streamed row groups, DataFrames, and Dask partitions.

``score_table`` reads the wide table a slice at a time (Parquet row groups), never splitting a
patient's visits between slices (the changes need them together), scores each slice with the
columnar Scorer and appends it to the output: memory stays bounded by the slice size, whatever
the cohort's. ``score_frame`` does the same for a pandas or polars frame in memory. With Dask,
each partition of a (partitioned) Parquet table is scored by the same function on a worker;
the result is the same table as the single-process run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sicca.base.errors import InputError, Problem
from sicca.cohort.columnar import PER_VISIT_ENGINE, TRACE_NOTE, Scorer
from sicca.cohort.table import TableWriter, count_rows, read_table, table_batches

if TYPE_CHECKING:
    import polars as pl

    from sicca.running.evaluate import Sicca

SLICE_ROWS = 65_536


@dataclass
class CohortSummary:
    visits: int = 0
    patients: int = 0
    seconds: float = 0.0
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)
    essdai_categories: dict[str, int] = field(default_factory=dict)
    per_visit: int = 0  # visits with a censored value, scored per visit (engine native)

    def add(self, out: pl.DataFrame) -> None:
        self.visits += out.height
        if "engine" in out.columns:
            self.per_visit += int((out["engine"] == PER_VISIT_ENGINE).sum())
        for c in out.columns:
            if c.startswith("criteria.") and c.endswith(".verdict"):
                counts = self.verdicts.setdefault(c.split(".")[1], {})
                for v, n in out[c].value_counts().iter_rows():
                    counts[str(v)] = counts.get(str(v), 0) + int(n)
        if "essdai.category" in out.columns:
            for v, n in out["essdai.category"].value_counts().iter_rows():
                key = str(v)
                self.essdai_categories[key] = self.essdai_categories.get(key, 0) + int(n)

    def lines(self) -> list[str]:
        rate = self.visits / self.seconds if self.seconds else 0.0
        out = [f"{self.visits} visits of {self.patients} patients scored in "
               f"{self.seconds:.1f} s ({rate:,.0f} visits/s, engine columnar)"]
        if self.per_visit:
            out.append(f"{self.per_visit} visits with a censored value are scored per visit "
                       "(engine native: a censored value leaves a possible result the "
                       "columnar plan does not compute)")
        if self.essdai_categories:
            out.append("ESSDAI category: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.essdai_categories.items())))
        for s, counts in self.verdicts.items():
            out.append(f"{s}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        out.append(TRACE_NOTE)
        return out


def metadata(sicca: Sicca) -> dict[str, str]:
    import json

    return {"sicca.rulesets": json.dumps(sicca.rulesets()), "sicca.engine": "columnar",
            "sicca.trace": TRACE_NOTE}


def patient_slices(batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """The batches re-cut so that no patient's visits are split: the rows of the last patient
    of a batch wait for the next batch."""
    import polars as pl

    held: pl.DataFrame | None = None
    for b in batches:
        if held is not None:
            b = pl.concat([held, b], how="diagonal_relaxed")
        if b.height == 0:
            continue
        last = b["patient"][-1]
        tail = b.select((pl.col("patient") == last).alias("t"))["t"]
        cut = b.height - int(tail.sum())
        if cut == 0 or not bool(tail[cut:].all()):
            held = b
            continue
        held = b.slice(cut)
        yield b.slice(0, cut)
    if held is not None and held.height:
        yield held


def score_table(sicca: Sicca, source: Path, output: Path, options: dict[str, str] | None = None,
                rows: int = SLICE_ROWS,
                on_progress: Callable[[int, int], None] | None = None) -> CohortSummary:
    """Score the wide table ``source`` into ``output`` (Parquet, Arrow or CSV), a slice of
    about ``rows`` rows at a time."""
    scorer = Scorer(sicca, options)
    total = count_rows(source)
    summary = CohortSummary()
    t0 = time.perf_counter()
    writer = TableWriter(output, metadata(sicca))
    patients = 0
    try:
        for df in patient_slices(table_batches(source, rows)):
            scorer.program.layout.check(df, str(source))  # names, types, states, words
            out = scorer.score(df)
            writer.write(out)
            summary.add(out)
            patients += out["patient"].n_unique()
            if on_progress is not None:
                on_progress(summary.visits, total)
        if summary.visits == 0:
            writer.write(scorer.score(_empty()))
        writer.close()
    finally:
        writer.discard()
    summary.patients = patients
    summary.seconds = time.perf_counter() - t0
    return summary


def _empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={"patient": pl.Utf8, "timepoint": pl.Utf8, "date": pl.Utf8})


def score_frame(df: Any, sicca: Sicca | None = None, options: dict[str, str] | None = None,
                rules: list[Path] | None = None) -> Any:
    """Score a wide table held as a pandas or polars DataFrame; returns the same kind of
    frame (one row per visit, the columnar output columns). Rows of one patient contiguous and
    in visit order."""
    import polars as pl

    from sicca.running.evaluate import Sicca as _Sicca

    s = sicca or _Sicca.load(list(rules or []), engine="native")
    pandas = not isinstance(df, pl.DataFrame)
    frame = pl.from_pandas(df) if pandas else df
    scorer = Scorer(s, options)
    scorer.program.layout.check(frame, "<frame>")
    out = scorer.score(frame)
    return out.to_pandas() if pandas else out


# --- Dask -------------------------------------------------------------------------------------

def _score_part(pdf: Any, rules: list[str], options: dict[str, str], out: str) -> int:
    """One Dask partition (a pandas frame) scored on a worker and written as one Parquet part
    (the rule set is loaded once per worker process); returns its row count."""
    import polars as pl

    from sicca.running.evaluate import Sicca as _Sicca

    key = (tuple(rules), tuple(sorted(options.items())))
    if key not in _WORKER_SCORERS:
        _WORKER_SCORERS[key] = Scorer(_Sicca.load([Path(r) for r in rules], engine="native"),
                                      options)
    frame = pl.from_pandas(pdf) if len(pdf) else _empty()
    _WORKER_SCORERS[key].program.layout.check(frame, out)
    scored = _WORKER_SCORERS[key].score(frame)
    scored.write_parquet(out)
    return scored.height


_WORKER_SCORERS: dict[Any, Scorer] = {}


def score_dask(sicca: Sicca, source: Path, output: Path, options: dict[str, str] | None = None,
               scheduler: str | None = None, workers: int = 2) -> CohortSummary:
    """Score a (partitioned) Parquet table on a Dask cluster: ``scheduler`` (tcp://host:port)
    or a LocalCluster of ``workers`` processes. Each partition must hold whole patients (as
    ``sicca synth`` and ``to-table`` write them). ``output`` is a directory of Parquet parts,
    ``part-<i>.parquet`` in the input's partition order."""
    import dask.dataframe as dd
    from dask.base import compute
    from dask.delayed import delayed
    from dask.distributed import Client, LocalCluster

    opts = sicca.check_options(dict(options or {}))
    rules = [str(r.resolve()) for r in sicca.extra_dirs]
    t0 = time.perf_counter()
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)  # type: ignore[no-untyped-call]
    else:
        try:
            client = Client(scheduler, timeout=10)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise InputError(Problem(f"cannot reach the Dask scheduler: {exc}",
                                     field="--scheduler", code="E144",
                                     expected="tcp://host:port of a running scheduler")) \
                from None
    try:
        src = str(source / "**" / "*.parquet") if source.is_dir() else str(source)
        parts = dd.read_parquet(src).to_delayed()
        output.mkdir(parents=True, exist_ok=True)
        tasks = [delayed(_score_part)(p, rules, opts,
                                           str((output / f"part-{i:05d}.parquet").resolve()))
                 for i, p in enumerate(parts)]
        compute(*tasks)  # type: ignore[no-untyped-call]
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
    summary = CohortSummary()
    result = read_table(output)
    summary.add(result)
    summary.patients = result["patient"].n_unique()
    summary.seconds = time.perf_counter() - t0
    return summary


# --- synthetic wide tables --------------------------------------------------------------------

POOL_PATIENTS = 400


def synth_table(sicca: Sicca, visits: int, seed: int, pool: int = POOL_PATIENTS) -> pl.DataFrame:
    """A synthetic wide table of ``visits`` rows, made fast: ``pool`` patients are drawn by the
    synth generator (as `sicca synth` writes them, no deliberate problems) and turned into rows
    once; whole patients are then resampled from that pool with numpy (seeded) under new ids
    ``synth-<seed>-t<i>`` until the count is reached (the last patient cut short)."""
    import numpy as np
    import polars as pl

    from sicca.base.yamlsrc import Sourced
    from sicca.cohort.synth import Generator, load_config
    from sicca.cohort.table import Layout, case_rows
    from sicca.records.models import parse_case

    layout = Layout(sicca)
    gen = Generator(sicca.catalogue, load_config(list(sicca.extra_dirs)), seed, problems=False)
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    for rec in gen.cohort(n_patients=pool):
        if rec.problem is not None or not rec.visits:
            continue
        case = parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []), sicca.catalogue)
        got = case_rows(sicca, case, layout)
        spans.append((len(rows), len(got)))
        rows += got
    base = layout.frame(rows)
    rng = np.random.default_rng(seed)
    lengths = np.array([n for _, n in spans])
    starts = np.array([s for s, _ in spans])
    est = int(visits / max(1.0, float(lengths.mean()))) + 16
    picks = rng.integers(0, len(spans), size=est)
    while int(lengths[picks].sum()) < visits:
        picks = np.concatenate([picks, rng.integers(0, len(spans), size=est)])
    reps = lengths[picks]
    take = np.repeat(starts[picks], reps) + (np.arange(int(reps.sum())) -
                                              np.repeat(np.cumsum(reps) - reps, reps))
    pid = np.repeat(np.arange(len(picks)), reps)
    take, pid = take[:visits], pid[:visits]
    out = base[take]
    ids = pl.Series("patient", [f"synth-{seed}-t{i}" for i in pid], dtype=pl.Utf8)
    done: pl.DataFrame = out.with_columns(ids)
    return done
