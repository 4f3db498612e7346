"""`sicca score --format json`: the public keys of issue 5, on both engines, for the seed case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ["constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous",
           "pulmonary", "renal", "muscular", "pns", "cns", "haematological", "biological"]


@pytest.fixture(scope="module", params=["durable", "native"])
def report(request: pytest.FixtureRequest) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, "-c", "from sicca.cli.app import main; main()", "score",
                          str(ROOT / "examples/rfib-case.yaml"), "--format", "json",
                          "--engine", request.param], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return dict(json.loads(out.stdout))


def test_timepoint_keys(report: dict) -> None:  # type: ignore[type-arg]
    for tp in report["timepoints"]:
        for inst in ("essdai", "clinessdai"):
            s = tp[inst]
            for key in ("documented", "min", "max", "category", "category_determined",
                        "severe", "domains"):
                assert key in s, (inst, key)
            for name, d in s["domains"].items():
                assert {"state", "level", "points", "rules"} <= set(d), (inst, name)
        assert list(tp["essdai"]["domains"]) == DOMAINS
        assert "biological" not in tp["clinessdai"]["domains"]
        assert {"score", "pass", "state"} <= set(tp["esspri"])


def test_change_keys(report: dict) -> None:  # type: ignore[type-arg]
    for c in report["changes"]:
        for key in ("from", "to", "essdai_delta", "essdai_mcii", "clinessdai_delta",
                    "esspri_delta", "esspri_mcii", "star"):
            assert key in c, key
        assert {"points_min", "points_max", "verdict"} <= set(c["star"])


def test_seed_values_per_spec_9_3(report: dict) -> None:  # type: ignore[type-arg]
    tps = {t["id"]: t for t in report["timepoints"]}
    # 3 × 3 + 1 × 2 = 11, 11, then 1 × 2 = 2; ClinESSDAI 9, 9, 0
    assert [tps[t]["essdai"]["documented"] for t in
            ("baseline", "after_4_infusions", "after_12_infusions")] == [11, 11, 2]
    assert [tps[t]["clinessdai"]["documented"] for t in
            ("baseline", "after_4_infusions", "after_12_infusions")] == [9, 9, 0]
    assert tps["baseline"]["essdai"]["domains"]["haematological"]["state"] == "not_assessable"
    assert tps["baseline"]["essdai"]["category_determined"] is False
    assert report["options"]["purpura_extent"] == "complement"
    ch = next(c for c in report["changes"]
              if (c["from"], c["to"]) == ("baseline", "after_12_infusions"))
    assert (ch["essdai_delta"], ch["essdai_mcii"]) == (-9, True)
    assert (ch["star"]["points_min"], ch["star"]["points_max"], ch["star"]["verdict"]) == \
        (4, 9, "undetermined")
