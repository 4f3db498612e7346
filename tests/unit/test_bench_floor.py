"""bench/floor.py replays what Sicca's durable backend asked of durable-rules on the seed case
(the startup bench's floor, bench/README.md "Startup"): the recording must hold every
batch the backend asserted, and the replay must run on the C core alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.cli import record_floor

ROOT = Path(__file__).resolve().parents[2]


def test_the_floor_replays_every_batch_the_durable_backend_asserted(tmp_path: Path) -> None:
    work = tmp_path / "floor.json"
    record_floor(str(work))
    data = json.loads(work.read_text(encoding="utf-8"))
    # the seed case: 4 timepoints, each split in 2 cells (ANA result unknown), 2 strata each:
    # 4 x 2 x 2 = 16 batches, alternating the two rulesets
    assert len(data["rulesets"]) == 2
    assert [k for k, _, _ in data["batches"]] == [0, 1] * 8
    assert all(json.loads(text)[0]["sid"] == sid for _, text, sid in data["batches"])
    # no Sicca module is imported by the floor (it measures the libraries alone)
    floor = str(ROOT / "bench" / "floor.py")
    probe = (f"import runpy, sys\nsys.argv = ['floor.py', sys.argv[1]]\n"
             f"runpy.run_path({floor!r}, run_name='__main__')\n"
             f"print(sorted(m for m in sys.modules if m.startswith('sicca')))\n")
    run = subprocess.run([sys.executable, "-c", probe, str(work)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_cohort_floor_writes_what_score_table_writes(tmp_path: Path) -> None:
    # bench/cohort_floor.py: the end-to-end loop with scoring taken out must still read every
    # slice and write the same table (same rows, columns and values) as `score_table`
    import polars as pl
    from polars.testing import assert_frame_equal

    from bench.cohort_floor import floor
    from sicca.cohort.frames import score_table, write_synth
    from sicca.testing.steps.common import sicca_for

    sicca = sicca_for("native")
    src, out, again = tmp_path / "c.parquet", tmp_path / "o.parquet", tmp_path / "f.parquet"
    write_synth(sicca, 300, 7, src)
    assert score_table(sicca, src, out).visits == 300
    scored = pl.read_parquet(out)
    assert floor(sicca, src, again, scored, True) == 300
    assert_frame_equal(pl.read_parquet(again), scored)
