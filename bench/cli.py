"""Startup cost of an everyday command: ``sicca score examples/rfib-case.yaml`` (warm disk
cache) against ``python -c 'import pydantic, yaml'``, measured in the same run.

    python -m bench.cli [--repeats 7] [--engine durable]

Prints each median and, as the last line, ``ratio sicca_score/import_baseline=<x>``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from sicca.base.paths import EXAMPLES_DIR


def _time(cmd: list[str], env: dict[str, str], repeats: int) -> float:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--engine", default="durable")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sicca-bench-cache-") as cache:
        env = dict(os.environ, SICCA_CACHE_DIR=cache)
        score = [sys.executable, "-m", "sicca", "score", str(EXAMPLES_DIR / "rfib-case.yaml"),
                 "--engine", args.engine]
        subprocess.run(score, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the cache
        base = _time([sys.executable, "-c", "import pydantic, yaml"], env, args.repeats)
        sicca = _time(score, env, args.repeats)
    print(f"import baseline (python -c 'import pydantic, yaml'): {base * 1000:.0f} ms")
    print(f"sicca score examples/rfib-case.yaml --engine {args.engine} (warm cache): "
          f"{sicca * 1000:.0f} ms")
    print(f"ratio sicca_score/import_baseline={sicca / base:.2f}")


if __name__ == "__main__":
    main()
