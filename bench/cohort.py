"""Benchmark: the columnar cohort path vs the hand-coded scorer vs the native per-visit path.

    python bench/cohort.py            # 10^4, 10^5, 10^6 visits
    python bench/cohort.py --quick    # 10^3, 10^4 (other helpers share the cores)
    python bench/cohort.py --sizes 100000   # chosen sizes

One synthetic pool of patients (`sicca synth`'s generator, seed 2026, no broken records) is
parsed once; a cohort of N visits resamples whole patients from it (as `sicca synth --format
parquet` does), so all three scorers see the same visits:
  columnar   `Scorer.score(frame)`: rules, ESSDAI/ClinESSDAI, ESSPRI, three criteria sets with
             score ranges, changes (ΔESSDAI, MCII, STAR) — "scoring alone", table in memory;
  end to end `score_table(parquet -> parquet)`: read row groups, score, write (bounded memory),
             run in a fresh process per size so that its peak RSS is its own (rss e2e);
  handcoded  bench/handcoded.py on the parsed cases (ESSDAI + criteria verdicts, no changes);
  native     per-visit `build()` (rules + every instrument + changes) on the parsed cases,
             timed on at most 10^4 visits (its rate does not depend on N).
Dask: the largest cohort as 4 Parquet parts, `score_dask` on a LocalCluster of 1 and 2 workers.
Rates are given per wall-clock second and per CPU-second (`time.process_time`, all threads:
the machine is shared, so CPU time is the steadier measure). Last line:
`ratio columnar/handcoded=<x> end_to_end_visits_per_s=<y> dask_2w=<z> rss_mb=<m>`
(ratio and rates at the largest size; dask_2w = time with 1 worker / time with 2; rss_mb = the
end-to-end process's peak RSS at the largest size: bounded, the same at 10^5 and 10^6).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.handcoded import HandCoded  # noqa: E402
from sicca.base.yamlsrc import Sourced  # noqa: E402
from sicca.cohort.columnar import Scorer  # noqa: E402
from sicca.cohort.frames import score_dask  # noqa: E402
from sicca.cohort.synth import Generator, load_config  # noqa: E402
from sicca.cohort.table import Layout, case_rows, write_table  # noqa: E402
from sicca.records.models import parse_case  # noqa: E402
from sicca.report.build import build  # noqa: E402
from sicca.running.evaluate import Sicca  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


E2E = """
import json, sys, time
from pathlib import Path
from sicca.cohort.frames import score_table
from sicca.running.evaluate import Sicca
sicca = Sicca.load(engine="native")
t, c = time.perf_counter(), time.process_time()
summary = score_table(sicca, Path(sys.argv[1]), Path(sys.argv[2]))
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0]
print(json.dumps({"s": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "n": summary.visits, "rss": int(hwm.split()[1]) / 1024}))
"""  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec (the parent's peak)


def end_to_end(src: Path, out: Path) -> tuple[float, float, float]:
    """(visits/s, visits per CPU-second, peak RSS MB) of `score_table` in a fresh process
    (its own peak RSS)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    got = subprocess.run([sys.executable, "-c", E2E, str(src), str(out)], check=True,
                         capture_output=True, text=True, env=env)
    r = json.loads(got.stdout.strip().splitlines()[-1])
    return r["n"] / r["s"], r["n"] / r["cpu"], r["rss"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", help="comma-separated cohort sizes, e.g. 100000 (a loaded "
                    "machine: one size, not the full run)")
    args = ap.parse_args()
    import numpy as np
    import polars as pl

    sizes = [1_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"python {platform.python_version()} polars {pl.__version__}")
    sicca = Sicca.load(engine="native")
    layout = Layout(sicca)
    gen = Generator(sicca.catalogue, load_config(), 2026, problems=False)
    cases: list[Any] = []
    rows: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    for rec in gen.cohort(n_patients=300 if args.quick else 1000):
        if rec.problem is None and rec.visits:
            case = parse_case(Sourced(rec.data, "bench", {}, []), sicca.catalogue)
            got = case_rows(sicca, case, layout)
            spans.append((len(rows), len(got)))
            rows += got
            cases.append(case)
    base = layout.frame(rows)
    scorer = Scorer(sicca)
    hand = HandCoded(sicca.catalogue.vocabulary)
    rng = np.random.default_rng(2026)
    tmp = Path(tempfile.mkdtemp(prefix="sicca-bench-"))
    result: dict[str, float] = {}
    print(f"load average at start: {os.getloadavg()}")
    print(f"{'visits':>9} {'columnar/s':>12} {'end-to-end/s':>13} {'handcoded/s':>12} "
          f"{'native/s':>9} {'col/hand':>9} {'rss e2e':>8} {'rss MB':>7}   per CPU-s: "
          f"{'columnar':>9} {'e2e':>8} {'handcoded':>9} {'native':>7} {'col/hand':>8}")
    for n in sizes:
        picks: list[int] = []
        total = 0
        while total < n:
            i = int(rng.integers(0, len(spans)))
            picks.append(i)
            total += spans[i][1]
        take = np.concatenate([np.arange(spans[i][0], spans[i][0] + spans[i][1])
                               for i in picks])[:n]
        pid = np.concatenate([np.full(spans[i][1], k) for k, i in enumerate(picks)])[:n]
        df = base[take].with_columns(pl.Series("patient", [f"p{k}" for k in pid]))
        t, c = time.perf_counter(), time.process_time()
        scorer.score(df)
        col = n / (time.perf_counter() - t)
        col_cpu = n / (time.process_time() - c)
        src, out = tmp / f"in{n}.parquet", tmp / f"out{n}.parquet"
        write_table(df, src)
        e2e, e2e_cpu, e2e_rss = end_to_end(src, out)
        visits = [(cases[i], tp) for i in picks for tp in cases[i].timepoints][:n]
        t, c0 = time.perf_counter(), time.process_time()
        for c, tp in visits:
            hand.score(c, tp)
        hc = n / (time.perf_counter() - t)
        hc_cpu = n / (time.process_time() - c0)
        few = picks[: max(1, len(picks) * min(n, 10_000) // n)]
        t, c0 = time.perf_counter(), time.process_time()
        nv = 0
        for i in few:
            build(sicca, cases[i], None)
            nv += len(cases[i].timepoints)
        nat = nv / (time.perf_counter() - t)
        nat_cpu = nv / (time.process_time() - c0)
        result = {"n": n, "col": col, "e2e": e2e, "hand": hc, "native": nat, "rss": e2e_rss,
                  "col_cpu": col_cpu, "hand_cpu": hc_cpu}
        print(f"{n:>9,} {col:>12,.0f} {e2e:>13,.0f} {hc:>12,.0f} {nat:>9,.0f} "
              f"{col / hc:>9.1f} {e2e_rss:>8.0f} {rss_mb():>7.0f}   {'':>11}"
              f"{col_cpu:>9,.0f} {e2e_cpu:>8,.0f} {hc_cpu:>9,.0f} {nat_cpu:>7,.0f} "
              f"{col_cpu / hc_cpu:>8.1f}", flush=True)
    n = int(result["n"])
    parts = tmp / "parts"
    parts.mkdir()
    src_df = pl.read_parquet(tmp / f"in{n}.parquet")
    ids = src_df["patient"].unique(maintain_order=True).to_list()
    for k in range(4):
        mine = set(ids[k::4])
        src_df.filter(pl.col("patient").is_in(list(mine))).write_parquet(
            parts / f"part-{k}.parquet")
    times = {}
    for w in (1, 2):
        t = time.perf_counter()
        score_dask(sicca, parts, tmp / f"dask{w}", workers=w)
        times[w] = time.perf_counter() - t
    print(f"dask on {n:,} visits in 4 parts: 1 worker {times[1]:.1f} s, 2 workers "
          f"{times[2]:.1f} s (cluster start-up included)")
    print(f"CPU time (all threads) ratio columnar/handcoded="
          f"{result['col_cpu'] / result['hand_cpu']:.1f} at {n:,} visits")
    print(f"ratio columnar/handcoded={result['col'] / result['hand']:.1f} "
          f"end_to_end_visits_per_s={result['e2e']:.0f} dask_2w={times[1] / times[2]:.2f} "
          f"rss_mb={result['rss']:.0f}")


if __name__ == "__main__":
    main()
