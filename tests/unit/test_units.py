"""sicca.records.units: exact factors (checked against pint), dimensions, arbitrary units."""

from __future__ import annotations

import functools
from decimal import Decimal as D
from fractions import Fraction
from typing import Any

import pytest

from sicca.base.errors import Problem, UnitError
from sicca.records import units


@functools.lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    # Decimal arithmetic, so pint's own definitions (prefixes, litre = dm**3) stay exact.
    return pint.UnitRegistry(non_int_type=D)


def pint_factor(src: str, dst: str) -> Fraction:
    """The conversion factor ``src`` -> ``dst`` as computed by pint, as an exact Fraction.

    pint is a test dependency only: it checks the exact table of sicca.records.units.
    """
    s, d = units.info(src), units.info(dst)
    if s is None or d is None or s.pint is None or d.pint is None:
        raise ValueError(f"no pint spelling for {src!r} or {dst!r}")
    ratio = (_registry().parse_expression(s.pint) / _registry().parse_expression(d.pint)).to(
        "dimensionless")
    mag = ratio.magnitude
    return mag if isinstance(mag, Fraction) else Fraction(str(mag))



def test_every_factor_matches_pint() -> None:
    # Our table is exact Decimal; pint (with Decimal arithmetic) must agree exactly for every
    # pair of units of one dimension that pint can spell.
    checked = 0
    for a in units.UNITS.values():
        for b in units.UNITS.values():
            if a.dimension == b.dimension and a.pint and b.pint:
                ours = Fraction(units.factor(a.ucum, b.ucum))
                assert ours == pint_factor(a.ucum, b.ucum), (a.ucum, b.ucum)
                checked += 1
    assert checked > 100


def test_factors_are_decimals_not_floats() -> None:
    for u in units.UNITS.values():
        assert isinstance(u.factor, D)


@pytest.mark.parametrize(("value", "src", "dst", "expected"), [
    # IgG: 1 g/L = 100 mg/dL, so 2530 mg/dL = 25.30 g/L and 16 g/L = 1600 mg/dL
    ("2530", "mg/dL", "g/L", "25.30"),
    ("16", "g/L", "mg/dL", "1600"),
    # Hb: 1 g/dL = 10 g/L, so 120 g/L = 12 g/dL (the ESSDAI cut)
    ("120", "g/L", "g/dL", "12.0"),
    ("11.9", "g/dL", "g/L", "119"),
    # counts: 1000 /mm3 = 1.0 10*9/L; platelets 150 10*9/L = 150000 /mm3
    ("1.0", "10*9/L", "/mm3", "1000"),
    ("150", "10*9/L", "/mm3", "150000"),
    ("1500", "/uL", "10*9/L", "1.5"),
    ("1500", "/mm3", "/uL", "1500"),
    # CRP: 1 mg/dL = 10 mg/L
    ("0.3", "mg/dL", "mg/L", "3.0"),
    ("25", "%", "1", "0.25"),
    ("1.2", "g/(24.h)", "g/d", "1.2"),
])
def test_convert_exact(value: str, src: str, dst: str, expected: str) -> None:
    out = units.convert(D(value), src, dst)
    assert out == D(expected)
    assert isinstance(out, D)


def test_no_float_noise() -> None:
    # 0.1 g/dL -> g/L is exactly 1, not 1.0000000000000002
    assert units.convert(D("0.1"), "g/dL", "g/L") == D(1)
    assert units.convert(D("0.24"), "g/dL", "g/L") == D("2.4")  # 0.24 x 10, exactly
    assert "E" not in str(units.convert(D("1.0"), "10*9/L", "/mm3"))  # 1000, not 1.0E+3


@pytest.mark.parametrize(("src", "dst"), [
    ("[IU]/mL", "U/mL"), ("U/mL", "[IU]/mL"), ("[IU]/mL", "[IU]/L"), ("[arb'U]/mL", "U/mL"),
])
def test_arbitrary_units_never_convert(src: str, dst: str) -> None:
    with pytest.raises(UnitError) as exc:
        units.factor(src, dst)
    assert "arbitrary units are assay-specific; no conversion exists" in str(exc.value)


def test_same_arbitrary_unit_is_identity() -> None:
    assert units.convert(D("331.472"), "U/mL", "U/mL") == D("331.472")


def test_wrong_dimension_names_both_units() -> None:
    with pytest.raises(UnitError) as exc:
        units.factor("mm/h", "g/L")
    msg = str(exc.value)
    assert "velocity" in msg and "mass_concentration" in msg and "mg/dL" in msg


def test_temperature_is_not_scaled() -> None:
    assert units.convert(D("38.6"), "Cel", "Cel") == D("38.6")
    assert units.normalize("°C") == "Cel"


def test_unknown_unit_located_with_hint() -> None:
    base = Problem("", file="case.yaml", line=7, col=3, field="timepoints[0].labs[0].unit")
    with pytest.raises(UnitError) as exc:
        units.factor("mg/dl", "g/L", base)
    p = exc.value.problems[0]
    assert (p.file, p.line, p.field) == ("case.yaml", 7, "timepoints[0].labs[0].unit")
    assert "unknown unit 'mg/dl'" in p.message
    assert p.hint is not None and p.hint.startswith("did you mean 'mg/dL'?")


@pytest.mark.parametrize(("printed", "ucum"), [
    ("10^9/L", "10*9/L"), ("/mm³", "/mm3"), ("µg/mL", "ug/mL"), ("ratio", "{ratio}"),
    ("mm/hr", "mm/h"), ("IU/mL", "[IU]/mL"), (" g/L ", "g/L"),
])
def test_synonyms(printed: str, ucum: str) -> None:
    assert units.normalize(printed) == ucum


def test_unknown() -> None:
    assert units.normalize("furlongs") is None
    assert units.dimension_of("furlongs") is None
    assert units.dimension_of("/mm3") == "number_concentration"
