"""Peak RSS of ``score_table`` over a table, in a fresh process (the memory-guard test).

    python -m tests.support.slice_memory TABLE ROWS OUT

prints ``<RSS after loading the scorer, MB> <peak RSS while scoring, MB>`` (Linux: the peak
is reset after loading, which may itself peak higher, e.g. compiling the rules). Run with
``_RJEM_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0`` (polars' jemalloc returns freed pages
at once) the peak is the memory held, not what the allocator kept for later.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024  # kB
    raise AssertionError(f"no {key} in /proc/self/status")


def main() -> None:
    import polars as pl

    from sicca.cohort.columnar import Scorer
    from sicca.cohort.frames import score_table
    from sicca.running.evaluate import Sicca

    table, rows, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    sicca = Sicca.load([], engine="native")
    Scorer(sicca).score(pl.read_parquet(table, n_rows=50))  # the plans made, libraries loaded
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) from here on
    base = _status_mb("VmRSS")
    score_table(sicca, table, out, rows=rows)
    print(f"{base:.1f} {_status_mb('VmHWM'):.1f}")


if __name__ == "__main__":
    main()
