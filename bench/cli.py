"""Startup cost of an everyday command: ``sicca score examples/rfib-case.yaml`` (warm disk
cache) against ``python -c 'import pydantic, yaml'``, measured in the same run.

    python -m bench.cli [--repeats 11] [--engine durable]

Prints each median (wall clock and CPU) and, as the last line, the wall-clock ratio
``ratio sicca_score/import_baseline=<x>``. With the durable engine it also times the *floor*
(bench/floor.py): the mandated libraries alone doing what the command needs of them (pydantic's
model machinery loaded, durable-rules' rulesets created and the seed case's visits asserted
as Sicca asserts them), so the line ``floor/import_baseline`` says how much of the 3x target is
left for Sicca's own work.

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


def record_floor(path: str) -> None:
    """Write what bench/floor.py replays: the definite rulesets of the bundled program and each
    JSON batch Sicca's durable backend asserts while scoring the seed case (recorded by
    wrapping the backend module's handle on the C core)."""
    import json

    import sicca.running.durable as durable
    from sicca.api import load

    session = load([], "durable")
    backend = session.sicca.backend
    handles = [h for h, _ in backend._rulesets]  # noqa: SLF001 - a bench reads the internals
    batches: list[list[object]] = []
    core = durable._core  # noqa: SLF001

    class _Recorder:
        def __getattr__(self, name: str) -> object:
            return getattr(core, name)

        def assert_facts(self, handle: int, text: str) -> object:
            batches.append([handles.index(handle), text, json.loads(text)[0]["sid"]])
            return core.assert_facts(handle, text)

    durable._core = _Recorder()  # type: ignore[assignment]  # noqa: SLF001
    try:
        session.score(EXAMPLES_DIR / "rfib-case.yaml")
    finally:
        durable._core = core  # noqa: SLF001
    texts = [text for text, _ in backend._plan["definite"]]  # noqa: SLF001
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"rulesets": texts, "batches": batches}, f)


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
        cmds = [baseline, score]
        if args.engine == "durable":
            work = os.path.join(cache, "floor.json")
            record_floor(work)
            cmds.append([sys.executable, os.path.join(os.path.dirname(__file__), "floor.py"),
                         work])
        for cmd in cmds:  # warm the caches (rules, bytecode)
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        base, sicca, *floor = _time(cmds, env, args.repeats)
    print(f"import baseline (python -c 'import pydantic, yaml'): {base[0] * 1000:.0f} ms "
          f"wall, {base[1] * 1000:.0f} ms CPU")
    print(f"sicca score examples/rfib-case.yaml --engine {args.engine} (warm cache): "
          f"{sicca[0] * 1000:.0f} ms wall, {sicca[1] * 1000:.0f} ms CPU")
    if floor:
        print(f"floor (bench/floor.py: pydantic's models loaded, durable-rules' rulesets made "
              f"and the case's visits asserted, no Sicca code): {floor[0][0] * 1000:.0f} ms "
              f"wall, {floor[0][1] * 1000:.0f} ms CPU; floor/import_baseline="
              f"{floor[0][0] / base[0]:.2f} (CPU {floor[0][1] / base[1]:.2f}), left for "
              f"Sicca within 3x: {(3 * base[0] - floor[0][0]) * 1000:.0f} ms")
    print(f"CPU ratio (less sensitive to other load on the machine): {sicca[1] / base[1]:.2f}")
    print(f"ratio sicca_score/import_baseline={sicca[0] / base[0]:.2f}")


if __name__ == "__main__":
    main()
