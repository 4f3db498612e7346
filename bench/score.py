"""Benchmark: the durable-rules backend, the native backend and a hand-coded scorer, one run.

    python bench/score.py            # 10^3, 10^4, 10^5 visits (a few minutes)
    python bench/score.py --quick    # 10^3, 10^4; durable on every other chunk; no batch
                                     # scaling (about 45 s)
    python bench/score.py --check    # also: all three agree on 10,000 visits
    python bench/score.py --profile  # also: cProfile top functions per backend

What each timing includes (per visit, the same synthetic visits for all three):
  (a) durable   Sicca.evaluate(case, tp) on the durable-rules backend (options checked, facts
                built for every vocabulary item and analyte, rules run, conclusions wrapped)
                + every instrument's score() (ESSDAI, ClinESSDAI, ESSPRI, the three criteria
                sets with verdicts, missing items and what-would-change);
  (b) native    the same on the native backend;
  (c) handcoded bench/handcoded.py: ESSDAI domain states/levels + total, and per criteria set
                the item states, entry, exclusions and verdict, read straight from the case.
Not timed in any of them: generating the cohort and parsing the case records (sicca.records.models),
which all three share; parsing is reported on its own line. The visits are streamed in chunks
of 1,000: each chunk is parsed, then scored by (a), (b) and (c) in turn, so that a change in
machine load hits all three alike and the parsed cohort never has to be held in memory.
Sizes are checkpoints of one stream (the first 10^3, 10^4, 10^5 visits).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.handcoded import HandCoded, differences, project  # noqa: E402
from sicca.base.yamlsrc import Sourced  # noqa: E402
from sicca.cohort.synth import Generator, load_config  # noqa: E402
from sicca.records.models import Case, Record, parse_case  # noqa: E402
from sicca.running.evaluate import Sicca  # noqa: E402

CHUNK = 1000
Visit = tuple[Case, Record]


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        dr = version("durable-rules")
    except Exception:  # noqa: BLE001
        dr = "?"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; durable-rules {dr}; "
            f"load average at start {load}")


def visits(sicca: Sicca, n: int, seed: int, parse_time: list[float]) -> Iterator[list[Visit]]:
    """Chunks of ``CHUNK`` parsed visits (valid records only), ``n`` visits in all."""
    gen = Generator(sicca.catalogue, load_config(), seed, problems=False)
    buf: list[Visit] = []
    for rec in gen.cohort(n_visits=n):
        t = time.perf_counter()
        case = parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []), sicca.catalogue)
        parse_time[0] += time.perf_counter() - t
        for tp in case.timepoints:
            buf.append((case, tp))
            if len(buf) == CHUNK:
                yield buf
                buf = []
    if buf:
        yield buf


def engine_scorer(sicca: Sicca) -> Callable[[Case, Record], Any]:
    from sicca.scores.instrument import declared

    insts = declared(sicca)
    opts: dict[str, str] = {}

    def score(case: Case, tp: Record) -> Any:
        ev = sicca.evaluate(case, tp, opts)
        return {inst.id: inst.score(ev, sicca) for inst in insts}

    return score


def run_sizes(sizes: list[int], seed: int, durable_every: int = 1) -> dict[str, Any]:
    """Time the three scorers on one stream. ``durable_every`` > 1 (``--quick``): durable
    scores only every n-th chunk of the same stream (its visits/s is measured on those), so
    that the quick run fits in a minute; the other two score every chunk."""
    native = Sicca.load(engine="native")
    durable = Sicca(native.compiled, native.catalogue, "durable")
    hc = HandCoded(native.catalogue.vocabulary)
    scorers: dict[str, Callable[[Case, Record], Any]] = {
        "durable": engine_scorer(durable), "native": engine_scorer(native),
        "handcoded": hc.score}
    # warm up (imports, caches, first sessions)
    for chunk in visits(native, 200, seed + 1, [0.0]):
        for fn in scorers.values():
            for case, tp in chunk:
                fn(case, tp)
    gc.collect()
    spent = dict.fromkeys(scorers, 0.0)
    scored = dict.fromkeys(scorers, 0)
    parse = [0.0]
    done = 0
    rows: list[dict[str, Any]] = []
    rss_at: dict[int, float] = {}
    rss0 = rss_mb()
    for k, chunk in enumerate(visits(native, max(sizes), seed, parse)):
        names = list(scorers)
        names = names[k % 3:] + names[:k % 3]  # rotate the order chunk by chunk
        for name in names:
            if name == "durable" and k % durable_every:
                continue
            fn = scorers[name]
            t = time.perf_counter()
            for case, tp in chunk:
                fn(case, tp)
            spent[name] += time.perf_counter() - t
            scored[name] += len(chunk)
        done += len(chunk)
        if done in sizes:
            rss_at[done] = rss_mb()
            rows.append({"visits": done, **{f"{n}_s": spent[n] for n in scorers},
                         **{f"{n}_n": scored[n] for n in scorers},
                         "parse_s": parse[0], "rss_mb": rss_at[done],
                         "peak_rss_mb": peak_rss_mb()})
            print(_row(rows[-1]), flush=True)
    return {"rows": rows, "rss_start": rss0, "rss_at": rss_at, "sicca": native,
            "durable": durable, "hc": hc}


def _row(r: dict[str, Any]) -> str:
    n = r["visits"]
    hc = r["handcoded_n"] / r["handcoded_s"]
    parts = [f"{n:>7} visits:"]
    for name in ("durable", "native", "handcoded"):
        vps = r[f"{name}_n"] / r[f"{name}_s"]
        some = f" on {r[f'{name}_n']}" if r[f"{name}_n"] != n else ""
        parts.append(f"{name} {vps:8.0f} visits/s{some} ({r[f'{name}_s']:.2f} s, "
                     f"x{vps / hc:.3f})")
    parts.append(f"| parse {n / r['parse_s']:.0f} visits/s | RSS {r['rss_mb']:.0f} MB, "
                 f"peak {r['peak_rss_mb']:.0f} MB")
    return "  ".join(parts)


def latency(sicca: Sicca, durable: Sicca, hc: HandCoded, seed: int, n: int) -> None:
    """Single-visit latency through the Python API (evaluate + instruments), p50 / p99."""
    chunks = list(visits(sicca, n, seed + 2, [0.0]))
    sample = [v for c in chunks for v in c]
    for name, fn in (("durable", engine_scorer(durable)), ("native", engine_scorer(sicca)),
                     ("handcoded", hc.score)):
        times = []
        for case, tp in sample:
            t = time.perf_counter_ns()
            fn(case, tp)
            times.append((time.perf_counter_ns() - t) / 1e6)
        q = statistics.quantiles(times, n=100)
        print(f"latency {name:<9} p50 {q[49]:.3f} ms  p99 {q[98]:.3f} ms  "
              f"(n={len(times)}, one visit per call)")


def breakdown(sicca: Sicca, seed: int, n: int) -> None:
    """Where the time of one visit goes, per stage, on this backend."""
    from sicca.scores.instrument import declared

    insts = declared(sicca)
    sample = [v for c in visits(sicca, n, seed + 3, [0.0]) for v in c]
    stages = dict.fromkeys(("facts", "engine dicts", "rules", "wrap", "instruments"), 0.0)
    inputs = set(sicca.program["inputs"])
    for case, tp in sample:
        t0 = time.perf_counter()
        opts = sicca.check_options({})
        visit = sicca.visit(case, tp, opts)
        t1 = time.perf_counter()
        facts = [f.engine() for name, f in visit.facts.items() if name in inputs]
        t2 = time.perf_counter()
        raw = sicca.backend.evaluate(facts)
        t3 = time.perf_counter()
        ev = sicca.wrap(visit, raw, opts)
        t4 = time.perf_counter()
        for inst in insts:
            inst.score(ev, sicca)
        t5 = time.perf_counter()
        for k, a, b in zip(stages, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
            stages[k] += b - a
    total = sum(stages.values())
    shown = ", ".join(f"{k} {v / len(sample) * 1e6:.0f} us ({v / total:.0%})"
                      for k, v in stages.items())
    print(f"stages {sicca.engine:<7} {total / len(sample) * 1e6:.0f} us/visit: {shown}")


def check(sicca: Sicca, durable: Sicca, hc: HandCoded, seed: int, n: int) -> int:
    """All three agree on ``n`` visits: ESSDAI domains and total, criteria items, verdicts."""
    from sicca.report.build import build

    bad = 0
    count = 0
    t = time.perf_counter()
    gen = Generator(sicca.catalogue, load_config(), seed + 4, problems=False)
    for rec in gen.cohort(n_visits=n):
        case = parse_case(Sourced(rec.data, f"synth:{rec.index}", {}, []), sicca.catalogue)
        a = build(durable, case)["timepoints"]
        b = build(sicca, case)["timepoints"]
        for tp, ja, jb in zip(case.timepoints, a, b, strict=True):
            count += 1
            pa, pb, pc = project(ja), project(jb), hc.score(case, tp)
            diffs = differences(pa, pb) + differences(pb, pc)
            if diffs:
                bad += 1
                if bad <= 5:
                    print(f"  disagreement {case.patient.id} {tp.id}: {diffs[:3]}")
    print(f"check: {count} visits, durable = native = handcoded on "
          f"{count - bad}, {bad} disagree ({time.perf_counter() - t:.0f} s)")
    return bad


def batch_scaling(sicca: Sicca, seed: int, n: int, engine: str) -> float:
    """`sicca batch` throughput with 2 workers against 1 (same input, same output)."""
    from sicca.cli.common import get_sicca
    from sicca.cohort import batch
    from sicca.cohort.synth import write_jsonl

    s = get_sicca(engine, [])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "cohort.jsonl"
        write_jsonl(Generator(sicca.catalogue, load_config(), seed + 5,
                              problems=False).cohort(n_visits=n), src)
        rates = {}
        for w in (1, 2):
            summ = batch.run(s, src, Path(tmp) / f"out{w}.jsonl", workers=w)
            rates[w] = summ.visits / summ.seconds
        same = (Path(tmp) / "out1.jsonl").read_bytes() == (Path(tmp) / "out2.jsonl").read_bytes()
    ratio = rates[2] / rates[1]
    print(f"batch {engine:<7} {n} visits: 1 worker {rates[1]:.0f} visits/s, 2 workers "
          f"{rates[2]:.0f} visits/s, speed-up x{ratio:.2f}; outputs identical: {same}")
    return ratio


def profile(sicca: Sicca, seed: int, n: int) -> None:
    import cProfile
    import pstats

    fn = engine_scorer(sicca)
    sample = [v for c in visits(sicca, n, seed + 6, [0.0]) for v in c]
    prof = cProfile.Profile()
    prof.enable()
    for case, tp in sample:
        fn(case, tp)
    prof.disable()
    print(f"--- profile {sicca.engine} ({len(sample)} visits), top 15 by own time")
    pstats.Stats(prof, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(15)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="stop at 10^4 visits")
    ap.add_argument("--check", action="store_true", help="agreement of all three on 10,000")
    ap.add_argument("--profile", action="store_true", help="cProfile each backend")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-batch", action="store_true", help="skip the sicca batch scaling")
    args = ap.parse_args(argv)
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print(machine())
    print("timings: (a) durable and (b) native = Sicca.evaluate + all instruments; (c) "
          "handcoded = bench/handcoded.py; parsing excluded from all three (shown apart); "
          "x = throughput ratio to (c)")
    t0 = time.perf_counter()
    res = run_sizes(sizes, args.seed, durable_every=2 if args.quick else 1)
    if args.quick:
        print("--quick: durable scores every other chunk of 1,000 visits of the same stream "
              "(its visits/s and ratio are measured on those); the full run scores them all")
    sicca, durable, hc = res["sicca"], res["durable"], res["hc"]
    last = res["rows"][-1]
    n = last["visits"]
    latency(sicca, durable, hc, args.seed, 200 if args.quick else 3000)
    breakdown(sicca, args.seed, 200 if args.quick else 1000)
    breakdown(durable, args.seed, 200 if args.quick else 1000)
    if args.quick or args.no_batch:
        print("batch scaling: not measured (--quick / --no-batch); see the full run")
    else:
        batch_scaling(sicca, args.seed, 5000, "native")
        batch_scaling(sicca, args.seed, 5000, "durable")
    bad = 0
    if args.check:
        bad = check(sicca, durable, hc, args.seed, 10_000)
    if args.profile:
        profile(sicca, args.seed, 2000)
        profile(durable, args.seed, 2000)
    rows = {r["visits"]: r for r in res["rows"]}
    lo_n = 10_000 if 10_000 in rows and n != 10_000 else 1_000
    growth = res["rss_at"][n] - res["rss_at"][lo_n]
    for name in ("durable", "native", "handcoded"):
        t_lo, t_hi = rows[lo_n][f"{name}_s"], last[f"{name}_s"]
        v_lo, v_hi = rows[lo_n][f"{name}_n"], last[f"{name}_n"]
        print(f"linearity {name:<9} {v_hi / v_lo:.0f}x the visits in {t_hi / t_lo:.2f}x the "
              "time")
    print(f"rss: {res['rss_start']:.0f} MB before scoring, {res['rss_at'][lo_n]:.0f} MB at "
          f"{lo_n} visits, {res['rss_at'][n]:.0f} MB at {n}; peak {peak_rss_mb():.0f} MB; "
          f"total bench time {time.perf_counter() - t0:.0f} s")
    def vps(name: str) -> float:
        return float(last[f"{name}_n"] / last[f"{name}_s"])

    d_ratio = vps("durable") / vps("handcoded")
    n_ratio = vps("native") / vps("handcoded")
    print(f"ratio durable/handcoded={d_ratio:.4f} native/handcoded={n_ratio:.4f} "
          f"rss_growth_mb={growth:.1f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
