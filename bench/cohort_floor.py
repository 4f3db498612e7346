"""The floor of `sicca cohort score` end to end: the same pipeline with the scoring taken out.

    python bench/cohort_floor.py                    # 10^5 synthetic visits, 3 rounds
    python bench/cohort_floor.py --visits 1000000 --rounds 1
    python bench/cohort_floor.py --table T.parquet  # a table of your own

Issue 15 asks for >= 10^5 visits/s end to end from Parquet on this 2-core machine. This bench
times, in one process and one run, alternating round by round on the same table:

  end to end  `score_table(parquet -> parquet)` (read slices, check them, score, write);
  floor       the same loop with `Scorer.score` replaced by taking the already scored rows
              of the slice: read the whole-patient slices as `score_table` reads them
              (`read_slices`: the columns the scorer needs, every column checked, the
              validation the issue asks for), write the real output (`TableWriter`, the
              same columns and row groups);
  io          the floor without the check: reading and writing alone.

So `floor` is what end to end would cost if scoring were free. Rates per wall-clock second
and per CPU-second (all threads). Last line:
`floor_visits_per_s=<x> io_visits_per_s=<y> end_to_end_visits_per_s=<z> target=100000`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from sicca.cohort.columnar import Scorer  # noqa: E402
from sicca.cohort.frames import SLICE_ROWS, metadata, score_table, write_synth  # noqa: E402
from sicca.cohort.table import TableWriter, read_slices  # noqa: E402
from sicca.running.evaluate import Sicca  # noqa: E402


def floor(sicca: Sicca, src: Path, out: Path, scored: pl.DataFrame, check: bool) -> int:
    """The end-to-end loop with the scored rows of each slice taken from ``scored``."""
    program = Scorer(sicca).program
    writer = TableWriter(out, metadata(sicca))
    done = 0
    try:
        for df in read_slices(src, SLICE_ROWS, program.needed,
                              program.layout if check else None):
            writer.write(scored.slice(done, df.height))
            done += df.height
        writer.close()
    finally:
        writer.discard()
    return done


def timed(run: Callable[[], int]) -> tuple[float, float, int]:
    t, c = time.perf_counter(), time.process_time()
    n = run()
    return time.perf_counter() - t, time.process_time() - c, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--table", type=Path)
    args = ap.parse_args()
    sicca = Sicca.load(engine="native")
    with tempfile.TemporaryDirectory(prefix="sicca-floor-") as tmp:
        src = args.table or Path(tmp) / "cohort.parquet"
        if args.table is None:
            write_synth(sicca, args.visits, 2026, src)
        out = Path(tmp) / "out.parquet"
        score_table(sicca, src, out)  # warm-up, and the rows the floor writes
        scored = pl.read_parquet(out)
        runs: dict[str, list[tuple[float, float, int]]] = {"end to end": [], "floor": [],
                                                          "io": []}
        for _ in range(args.rounds):
            runs["end to end"].append(timed(lambda: score_table(sicca, src, out).visits))
            runs["floor"].append(timed(lambda: floor(sicca, src, out, scored, True)))
            runs["io"].append(timed(lambda: floor(sicca, src, out, scored, False)))
    rates: dict[str, float] = {}
    for name, got in runs.items():
        n = got[0][2]
        wall = statistics.median(w for w, _, _ in got)
        cpu = statistics.median(c for _, c, _ in got)
        rates[name] = n / wall
        print(f"{name:>10}: {n:,} visits, {wall:.2f} s wall ({n / wall:,.0f} visits/s), "
              f"{cpu:.2f} s CPU ({n / cpu:,.0f} visits per CPU-s)")
    print(f"floor_visits_per_s={rates['floor']:.0f} io_visits_per_s={rates['io']:.0f} "
          f"end_to_end_visits_per_s={rates['end to end']:.0f} target=100000")


if __name__ == "__main__":
    main()
