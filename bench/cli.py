"""Startup cost of an everyday command: ``sicca score examples/rfib-case.yaml`` (warm disk
cache) against ``python -c 'import pydantic, yaml'``, measured in the same run.

    python -m bench.cli [--repeats 11] [--engine durable]

Prints each median (wall clock and CPU) and, as the last line, the wall-clock ratio
``ratio sicca_score/import_baseline=<x>``.

Both commands run with their bytecode cached (in a temporary ``PYTHONPYCACHEPREFIX``, filled by
a first run of each), as an installed package has it: a ``PYTHONDONTWRITEBYTECODE=1`` in the
environment would otherwise make every run compile Sicca's own modules from source (~100 ms)
while pydantic and yaml load from the .pyc files pip wrote.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from sicca.base.paths import EXAMPLES_DIR


def _once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of ``cmd``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def _time(cmds: list[list[str]], env: dict[str, str], repeats: int
          ) -> list[tuple[float, float]]:
    """Median wall-clock and median CPU seconds of each command, the commands run in turn
    (a, b, a, b, ...) so that a change in the machine's load falls on both alike."""
    runs: list[list[tuple[float, float]]] = [[] for _ in cmds]
    for _ in range(repeats):
        for k, cmd in enumerate(cmds):
            runs[k].append(_once(cmd, env))
    return [(statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
            for r in runs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--engine", default="durable")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sicca-bench-cache-") as cache:
        env = dict(os.environ, SICCA_CACHE_DIR=cache,
                   PYTHONPYCACHEPREFIX=os.path.join(cache, "pyc"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        score = [sys.executable, "-m", "sicca", "score", str(EXAMPLES_DIR / "rfib-case.yaml"),
                 "--engine", args.engine]
        baseline = [sys.executable, "-c", "import pydantic, yaml"]
        for cmd in (score, baseline):  # warm the caches (rules, bytecode)
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        base, sicca = _time([baseline, score], env, args.repeats)
    print(f"import baseline (python -c 'import pydantic, yaml'): {base[0] * 1000:.0f} ms "
          f"wall, {base[1] * 1000:.0f} ms CPU")
    print(f"sicca score examples/rfib-case.yaml --engine {args.engine} (warm cache): "
          f"{sicca[0] * 1000:.0f} ms wall, {sicca[1] * 1000:.0f} ms CPU")
    print(f"CPU ratio (less sensitive to other load on the machine): {sicca[1] / base[1]:.2f}")
    print(f"ratio sicca_score/import_baseline={sicca[0] / base[0]:.2f}")


if __name__ == "__main__":
    main()
