"""ESSDAI/ClinESSDAI/ESSPRI/STAR arithmetic and the spec's invariants (clinical-spec §10)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from sicca.base.errors import InputError
from sicca.base.paths import RULES_DIR
from sicca.running.evaluate import Sicca
from sicca.scores import essdai, esspri, response
from sicca.testing.steps.common import sicca_for


@pytest.fixture(scope="module")
def sicca() -> Sicca:
    return sicca_for("native")


def test_weights_are_the_spec_weights_and_the_maximum_is_123(sicca: Sicca) -> None:
    ds = essdai.domains(sicca)
    assert [d.name for d in ds] == list(essdai.SPEC_WEIGHTS)
    assert {d.name: int(d.weight) for d in ds} == essdai.SPEC_WEIGHTS
    # 6+12+4+6+9+15+15+18+15+15+6+2 = 123
    assert sum(d.weight * d.max_level for d in ds) == 123


def test_clinessdai_weights_sum_47_and_maximum_135(sicca: Sicca) -> None:
    ds = [d for d in essdai.domains(sicca) if d.clin_weight is not None]
    assert len(ds) == 11 and "biological" not in [d.name for d in ds]
    assert sum(d.clin_weight for d in ds if d.clin_weight) == 47
    # 8+12+4+9+9+18+18+21+15+15+6 = 135
    assert sum(d.clin_weight * d.max_level for d in ds if d.clin_weight) == 135


def test_domains_without_high_or_low_level(sicca: Sicca) -> None:
    levels = {d.name: d.levels for d in essdai.domains(sicca)}
    for name in ("constitutional", "glandular", "biological"):
        assert 3 not in levels[name]
    assert levels["cns"] == (0, 2, 3)


def _pack(tmp_path: Path, rel: str, text: str) -> Path:
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_rule_concluding_cns_level_1_is_rejected(tmp_path: Path) -> None:
    text = (RULES_DIR / "essdai" / "cns.yaml").read_text(encoding="utf-8")
    text = text.replace("then: {fact: essdai.cns.level, value: 2}",
                        "then: {fact: essdai.cns.level, value: 1}", 1)
    s = Sicca.load([_pack(tmp_path, "essdai/cns.yaml", text)], engine="native")
    with pytest.raises(InputError, match="concludes level 1 for domain 'cns'"):
        essdai.domains(s)


def test_a_constitutional_high_level_is_rejected(tmp_path: Path) -> None:
    text = (RULES_DIR / "essdai" / "constitutional.yaml").read_text(encoding="utf-8")
    text = text.replace("levels: [0, 1, 2]", "levels: [0, 1, 2, 3]")
    s = Sicca.load([_pack(tmp_path, "essdai/constitutional.yaml", text)], engine="native")
    with pytest.raises(InputError, match="has no high level"):
        essdai.domains(s)


def test_a_wrong_weight_is_rejected(tmp_path: Path) -> None:
    # the known-wrong third-party cutaneous weight 2 (spec §0.2)
    text = (RULES_DIR / "essdai" / "cutaneous.yaml").read_text(encoding="utf-8")
    text = text.replace("  weight: 3\n", "  weight: 2\n", 1)
    s = Sicca.load([_pack(tmp_path, "essdai/cutaneous.yaml", text)], engine="native")
    with pytest.raises(InputError, match="weight 2"):
        essdai.domains(s)


@pytest.mark.parametrize(("total", "cat"), [(0, "low"), (4, "low"), (5, "moderate"),
                                            (13, "moderate"), (14, "high"), (123, "high")])
def test_categories_at_their_boundaries(total: int, cat: str) -> None:
    assert essdai.category(Decimal(total)) == cat


def test_esspri_mean_is_exact_and_5_is_not_pass() -> None:
    assert esspri.shown(Fraction(16, 3)) == Decimal("5.33")
    assert not Fraction(5) < esspri.PASS_BELOW


def test_esspri_mcii_relative_15_percent_exactly() -> None:
    # 20/3 -> 17/3 is -1 point; 4 -> 3.4 is exactly -15 % (0.6 point)
    assert esspri.mcii(Fraction(20, 3), Fraction(17, 3)) is True
    assert esspri.mcii(Fraction(4), Fraction(34, 10)) is True
    assert esspri.mcii(Fraction(4), Fraction(341, 100)) is False
    # baseline 0: only the absolute rule applies
    assert esspri.mcii(Fraction(0), Fraction(0)) is False
    assert esspri.mcii(None, Fraction(1)) is None


def test_mcii_is_decided_by_bounds_or_by_documented_totals() -> None:
    a = {"documented": Decimal(11), "min": Decimal(11), "max": Decimal(17),
         "not_assessable": ["haematological"]}
    b = {"documented": Decimal(2), "min": Decimal(2), "max": Decimal(8),
         "not_assessable": ["haematological"]}
    out = response.instrument_delta("essdai", a, b)
    # 2 - 11 = -9; bounds (2 - 17) .. (8 - 11) = -15 .. -3
    assert (out["essdai_delta"], out["essdai_delta_min"], out["essdai_delta_max"]) == (-9, -15, -3)
    assert out["essdai_mcii"] is True and out["essdai_mcii_determined"] is True
    assert out["essdai_assumes_unassessable_unchanged"] is True


def test_delta_is_null_when_the_unassessable_domains_differ() -> None:
    a = {"documented": Decimal(11), "min": Decimal(11), "max": Decimal(17),
         "not_assessable": ["haematological"]}
    b = {"documented": Decimal(0), "min": Decimal(0), "max": Decimal(114),
         "not_assessable": ["articular", "haematological"]}
    out = response.instrument_delta("essdai", a, b)
    assert out["essdai_delta"] is None and out["essdai_mcii"] is None
    assert out["essdai_state"] == "not_assessable_domains_differ"


@pytest.mark.parametrize(("items", "want"), [
    ({"systemic": "met", "patient_reported": "unknown", "lacrimal": "unknown",
      "salivary": "unknown", "biological": "met"}, (4, 9, "undetermined")),
    ({"systemic": "met", "patient_reported": "met", "lacrimal": "not_met",
      "salivary": "unknown", "biological": "not_met"}, (6, 7, "responder")),
    ({"systemic": "not_met", "patient_reported": "unknown", "lacrimal": "not_met",
      "salivary": "not_met", "biological": "not_met"}, (0, 3, "non_responder")),
])
def test_star_points_range_and_verdict(star: response.StarTable, items: dict[str, str],
                                       want: tuple[int, int, str]) -> None:
    # points: systemic 3, patient-reported 3, lacrimal 1, salivary 1, biological 1; >= 5
    v = response._verdict(items, star)
    assert (v["points_min"], v["points_max"], v["verdict"]) == want


@pytest.fixture(scope="module")
def star() -> response.StarTable:
    t = response.star_table(sicca_for("native"))
    assert t is not None and t.file == "response/star.yaml"
    return t


F = Fraction


@pytest.mark.parametrize(("schirmer", "oss", "want"), [
    # Schirmer abnormal at baseline (4 < 5 mm): needs a gain of >= 5 mm: 4 -> 9 met, 4 -> 8.9 not
    ((F(4), F(9)), None, "met"), ((F(4), F("8.9")), None, "unknown"),
    ((F(4), F("8.9")), (F(1), F(1)), "met"),  # OSS normal (1 < 3) and stays normal: met by OSS
    ((F(4), F("8.9")), (F(1), F(3)), "not_met"),  # OSS becomes abnormal (3): neither is met
    # Schirmer normal at baseline (5 mm is normal: abnormal is strictly < 5): stays >= 5
    ((F(5), F(5)), (F(4), F(4)), "met"), ((F(5), F("4.9")), (F(4), F(3)), "not_met"),
    # OSS abnormal at baseline (3): a drop of >= 2: 3 -> 1 met; 3 -> 1.5 not met
    (None, (F(3), F(1)), "met"), (None, (F(3), F("1.5")), "unknown"),
    ((F(6), F(4)), (F(3), F("1.5")), "not_met"),
    # OSS normal at baseline (2.9 < 3): stays < 3 -> met; reaches 3 -> not met
    (None, (F("2.9"), F("2.9")), "met"), ((F(6), F(4)), (F("2.9"), F(3)), "not_met"),
    (None, None, "unknown"),
])
def test_star_lacrimal_thresholds(star: response.StarTable, schirmer: response.Pair,
                                  oss: response.Pair, want: str) -> None:
    assert response.lacrimal(schirmer, oss, star) == want


@pytest.mark.parametrize(("uws", "want"), [
    # > 0 at baseline: a gain of >= 25 %: 0.08 -> 0.10 is +25 % (met); 0.08 -> 0.099 is +23.75 %
    ((F("0.08"), F("0.10")), "met"), ((F("0.08"), F("0.099")), "not_met"),
    # 0 at baseline: any increase
    ((F(0), F("0.01")), "met"), ((F(0), F(0)), "not_met"), (None, "unknown"),
])
def test_star_salivary_thresholds(star: response.StarTable, uws: response.Pair,
                                  want: str) -> None:
    assert response.salivary(uws, star) == want


@pytest.mark.parametrize(("pair", "cut", "want"), [
    # IgG -10 %: 20 -> 18 is exactly -10 % (met); 20 -> 18.1 is -9.5 %
    ((F(20), F(18)), "igg_drop", "met"), ((F(20), F("18.1")), "igg_drop", "not_met"),
    # RF -25 %: 40 -> 30 is exactly -25 % (met); 40 -> 30.1 is -24.75 %
    ((F(40), F(30)), "rf_drop", "met"), ((F(40), F("30.1")), "rf_drop", "not_met"),
    ((F(0), F(0)), "rf_drop", "unknown"), (None, "igg_drop", "unknown"),
])
def test_star_biological_thresholds(star: response.StarTable, pair: response.Pair, cut: str,
                                    want: str) -> None:
    assert response.relative_drop(pair, getattr(star, cut)) == want


def test_star_table_is_data(star: response.StarTable) -> None:
    assert star.points == {"systemic": 3, "patient_reported": 3, "lacrimal": 1, "salivary": 1,
                           "biological": 1}
    assert star.responder_from == 5 and star.uws_gain == F(1, 4) and star.igg_drop == F(1, 10)
    assert star.rf_facts == ("lab.rf_igm",)
