"""The instrument interface, the pack manifest, meta checks at `sicca rules check` time, and
the typed report (its JSON byte-identical to the golden output captured from main)."""

from __future__ import annotations

import contextlib
import io
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from sicca.base.paths import RULES_DIR
from sicca.testing.steps.common import sicca_for

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "rfib-case.yaml"
GOLDEN = ROOT / "tests" / "golden"
GOUT = ROOT / "tests" / "data" / "packs" / "gout"


def _cli(*argv: str) -> tuple[int, str, str]:
    from sicca.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as ex:
            code = int(ex.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_score_json_is_byte_identical_to_main(engine: str) -> None:
    code, out, _ = _cli("score", str(SEED), "--format", "json", "--engine", engine)
    want = (GOLDEN / f"rfib_score_{engine}.json").read_text(encoding="utf-8")
    assert code == 0
    # the golden file names the case as given on the command line when it was captured
    assert out.replace(str(SEED), "examples/rfib-case.yaml") == want


@pytest.mark.parametrize("engine", ["native", "durable"])
def test_score_json_validates_against_the_report_schema(engine: str) -> None:
    code, schema_text, _ = _cli("schema", "report")
    assert code == 0
    schema = json.loads(schema_text)
    _, out, _ = _cli("score", str(SEED), "--format", "json", "--engine", engine)
    jsonschema.validate(json.loads(out), schema)
    bad = json.loads(out)
    bad["timepoints"][0]["essdai"]["documented"] = "eleven"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_the_dict_callers_get_todays_dict() -> None:
    from sicca.cli.common import dumps
    from sicca.report.build import build

    sicca = sicca_for("native")
    rep = build(sicca, sicca.load_case("examples/rfib-case.yaml"))
    # Decimals stay Decimals for the dict callers (what-if, batch): 11 = 2 + 9, seed baseline
    assert rep["timepoints"][0]["essdai"]["documented"] == Decimal(11)
    assert isinstance(rep["timepoints"][0]["essdai"]["documented"], Decimal)
    want = (GOLDEN / "rfib_score_native.json").read_text(encoding="utf-8")
    assert dumps(rep) + "\n" == want


def _pack(tmp_path: Path, rel: str, text: str) -> Path:
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return tmp_path


def test_rules_check_rejects_a_cns_low_level_at_its_line(tmp_path: Path) -> None:
    text = (RULES_DIR / "essdai" / "cns.yaml").read_text(encoding="utf-8")
    assert "levels: [0, 2, 3]" in text
    bad = text.replace("levels: [0, 2, 3]", "levels: [0, 1, 2, 3]")
    line = bad.splitlines().index("  levels: [0, 1, 2, 3]") + 1
    pack = _pack(tmp_path, "essdai/cns.yaml", bad)
    code, out, _ = _cli("rules", "check", str(pack))
    assert code == 1
    assert f"cns.yaml:{line}:11: error E360: domain 'cns' has no low level" in out
    # the same code when a case is scored with that pack (an input error, exit 2)
    code, _, err = _cli("score", str(SEED), "--rules", str(pack), "--engine", "native")
    assert code == 2 and "E360" in err
    # and the bundled file itself passes
    code, out, _ = _cli("rules", "check", str(_pack(tmp_path / "ok", "essdai/cns.yaml", text)))
    assert code == 0, out


def test_rules_check_rejects_an_incomplete_star_table(tmp_path: Path) -> None:
    text = (RULES_DIR / "response" / "star.yaml").read_text(encoding="utf-8")
    bad = text.replace("uws_gain: 0.25", "uws_gian: 0.25")
    pack = _pack(tmp_path, "response/star.yaml", bad)
    code, out, _ = _cli("rules", "check", str(pack))
    assert code == 1
    assert "error E362: unknown key 'uws_gian'" in out
    assert "error E362: meta needs 'uws_gain'" in out


def test_rules_check_rejects_an_unknown_instrument_in_the_manifest(tmp_path: Path) -> None:
    pack = _pack(tmp_path, "pack.yaml", "kind: pack\ninstruments: [essdai, esdai]\n")
    code, out, _ = _cli("rules", "check", str(pack))
    assert code == 1
    assert "pack.yaml:2:" in out and "E315: unknown instrument 'esdai'" in out


def test_a_pack_for_another_disease_runs_no_sjogren_instrument() -> None:
    code, out, _ = _cli("rules", "check", str(GOUT))
    assert code == 0, out
    code, out, _ = _cli("score", str(SEED), "--rules", str(GOUT), "--format", "json",
                        "--engine", "native")
    assert code == 0
    rep = json.loads(out)
    for tp in rep["timepoints"]:
        assert set(tp) == {"id", "date", "label", "unused_inputs"}
    assert all(set(c) == {"from", "to"} for c in rep["changes"])
    assert "essdai" not in out.split('"timepoints"')[1]


def test_series_are_plain_data_for_plots() -> None:
    from sicca.report.build import score_timepoints
    from sicca.scores.instrument import REGISTRY, CriteriaSet

    sicca = sicca_for("native")
    case = sicca.load_case(SEED)
    scored = score_timepoints(sicca, case, sicca.check_options({}))
    ess = REGISTRY["essdai"].series(scored).model_dump()
    first = ess["points"][0]
    # baseline: cutaneous 3 x 3 = 9, biological 1 x 2 = 2 -> 11; haematological 0..2 x 3 -> 17
    assert (first["total"], first["min"], first["max"]) == (11, 11, 17)
    assert first["domains"]["cutaneous"] == 9 and first["domains"]["haematological"] is None
    assert ess["maximum"] == 123
    pri = REGISTRY["esspri"].series(scored).model_dump()
    assert pri["pass_below"] == 5 and len(pri["points"]) == len(scored)
    acr = CriteriaSet("acr_eular_2016").series(scored).model_dump()
    assert acr["threshold"] == 4
    assert {p["verdict"] for p in acr["points"]} <= {"met", "not_met", "undetermined",
                                                     "excluded", "not_applicable"}


def test_star_series_gives_one_verdict_per_consecutive_pair() -> None:
    from sicca.report.build import score_timepoints
    from sicca.scores.instrument import REGISTRY

    sicca = sicca_for("native")
    scored = score_timepoints(sicca, sicca.load_case(SEED), sicca.check_options({}))
    star = REGISTRY["star"].series(scored, sicca).model_dump(by_alias=True)
    assert star["responder_from"] == 5
    assert [(p["from"], p["to"]) for p in star["points"]] == \
        [(a.timepoint, b.timepoint) for a, b in zip(scored, scored[1:], strict=False)]
    assert all(p["verdict"] in ("responder", "non_responder", "undetermined")
               for p in star["points"])
    assert REGISTRY["star"].series(scored).model_dump()["points"][0]["verdict"] is None
