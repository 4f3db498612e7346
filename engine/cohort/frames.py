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
from sicca.cohort.columnar import TRACE_NOTE, Scorer
from sicca.cohort.table import TableWriter, count_rows, read_slices, read_table

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
    #: visits past MAX_CELLS combinations of censored cells: ranges sound, maybe loose
    approximate: int = 0

    def add(self, out: pl.DataFrame) -> None:
        self.visits += out.height
        if "approximate" in out.columns:
            self.approximate += int(out["approximate"].sum())
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
        if self.essdai_categories:
            out.append("ESSDAI category: " + ", ".join(
                f"{k} {v}" for k, v in sorted(self.essdai_categories.items())))
        for s, counts in self.verdicts.items():
            out.append(f"{s}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if self.approximate:
            out.append(f"{self.approximate} visits with too many censored combinations to "
                       "split (column approximate): their ranges are sound, maybe wider "
                       "than exact")
        out.append(TRACE_NOTE)
        return out


def metadata(sicca: Sicca) -> dict[str, str]:
    import json

    return {"sicca.rulesets": json.dumps(sicca.rulesets()), "sicca.engine": "columnar",
            "sicca.trace": TRACE_NOTE}


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
        program = scorer.program
        for df in read_slices(source, rows, program.needed, program.layout):
            out = scorer.score(df)
            del df
            writer.write(out)
            summary.add(out)
            patients += out["patient"].n_unique()
            del out  # a slice and its output are freed before the next slice is read
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
    """A synthetic wide table of ``visits`` rows (``synth_chunks``, held whole)."""
    import polars as pl

    parts: list[pl.DataFrame] = []
    for t in synth_chunks(sicca, visits, seed, pool, dictionary=False):
        got = pl.from_arrow(t)
        assert isinstance(got, pl.DataFrame)
        parts.append(got)
    return pl.concat(parts)


def synth_chunks(sicca: Sicca, visits: int, seed: int, pool: int = POOL_PATIENTS,
                 rows: int = SLICE_ROWS, dictionary: bool = True) -> Iterator[Any]:
    """A synthetic wide table of ``visits`` rows, as Arrow tables of ``rows`` rows, made fast:
    ``pool`` patients are drawn by the synth generator (as `sicca synth` writes them, no
    deliberate problems) and turned into rows once; whole patients are then resampled from
    that pool with numpy (seeded) under new ids ``synth-<seed>-t<i>`` until the count is
    reached (the last patient cut short). No per-visit object is made beyond the pool: each
    chunk is the pool's columns gathered by index (``dictionary``: as dictionary arrays over
    the pool's distinct values, which Parquet writes without spelling each row out)."""
    import numpy as np
    import pyarrow as pa

    from sicca.base.yamlsrc import Sourced
    from sicca.cohort.synth import Generator, load_config
    from sicca.cohort.table import Layout, case_rows
    from sicca.records.models import parse_case

    layout = Layout(sicca)
    gen = Generator(sicca.catalogue, load_config(list(sicca.extra_dirs)), seed, problems=False)
    pool_rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    for rec in gen.cohort(n_patients=pool):
        if rec.problem is not None or not rec.visits:
            continue
        case = parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []), sicca.catalogue)
        got = case_rows(sicca, case, layout)
        spans.append((len(pool_rows), len(got)))
        pool_rows += got
    base = layout.frame(pool_rows).to_arrow()
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
    schema = base.schema
    empty = {name: base.column(name).null_count == base.num_rows for name in schema.names}
    combined = {name: base.column(name).combine_chunks() for name in schema.names}
    codes: dict[str, tuple[Any, Any]] = {}  # text column: (pool row -> word index or -1, words)
    for col in schema:
        if dictionary and col.name != "patient" and not empty[col.name]:
            words = combined[col.name].to_pylist()
            vocab = sorted({w for w in words if w is not None})
            at = {w: i for i, w in enumerate(vocab)}
            codes[col.name] = (np.array([at.get(w, -1) if w is not None else -1
                                         for w in words], dtype=np.int32),
                               pa.array(vocab, type=col.type))
    prefix = f"synth-{seed}-t"
    for start in range(0, visits, rows):
        idx = pa.array(take[start:start + rows], type=pa.int32())
        n = len(idx)
        cols = []
        for col in schema:
            name = col.name
            if name == "patient":
                ids = pid[start:start + rows].astype(str)
                cols.append(pa.array(np.char.add(prefix, ids), type=pa.string()))
            elif empty[name]:
                cols.append(pa.nulls(n, col.type))
            elif name in codes:
                code, vocab = codes[name]
                got = code[take[start:start + rows]]
                cols.append(pa.DictionaryArray.from_arrays(pa.array(got, mask=got < 0), vocab))
            else:
                cols.append(combined[name].take(idx))
        yield pa.Table.from_arrays(cols, names=schema.names)


def write_synth(sicca: Sicca, visits: int, seed: int, output: Path) -> tuple[int, int]:
    """``synth_chunks`` written to ``output`` chunk by chunk (Parquet: one row group a chunk,
    dictionary pages straight from the pool; Arrow / CSV through polars), atomically.
    Returns (visits, patients)."""
    import polars as pl
    import pyarrow.parquet as pq

    from sicca.cohort.table import table_format

    rows = patients = 0
    last = None
    if table_format(output) != "parquet":
        writer = TableWriter(output)
        try:
            for t in synth_chunks(sicca, visits, seed, dictionary=False):
                df = pl.from_arrow(t)
                assert isinstance(df, pl.DataFrame)
                writer.write(df)
                rows, patients, last = _count(df["patient"], rows, patients, last)
            writer.close()
        finally:
            writer.discard()
        return rows, patients
    tmp = output.with_name(f".{output.name}.tmp")
    pw = None
    try:
        for t in synth_chunks(sicca, visits, seed):
            if pw is None:  # stored schema off: readers see plain columns, not dictionaries
                pw = pq.ParquetWriter(tmp, t.schema, store_schema=False,
                                      write_statistics=False)
            pw.write_table(t)
            rows, patients, last = _count(pl.Series(t.column("patient")), rows, patients, last)
        if pw is not None:
            pw.close()
            pw = None
            tmp.replace(output)
    finally:
        if pw is not None:
            pw.close()
        tmp.unlink(missing_ok=True)
    return rows, patients


def _count(ids: pl.Series, rows: int, patients: int, last: str | None
           ) -> tuple[int, int, str | None]:
    """Running (rows, patients) over contiguous patient ids, chunk by chunk."""
    n = ids.n_unique() - (1 if last is not None and ids[0] == last else 0)
    return rows + len(ids), patients + n, ids[-1]
