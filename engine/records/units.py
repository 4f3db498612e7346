"""Units for laboratory values: UCUM spellings, dimensions and exact conversions.

Every unit Sicca accepts is listed in :data:`UNITS` with its dimension and an **exact**
``Decimal`` factor to that dimension's base unit; conversions multiply by the ratio of two
such factors, so no binary float ever enters a result. The table is checked against pint
(``tests/unit/test_units.py`` compares every factor with :func:`pint_factor`), which keeps
pint off the hot path (it takes about a second to load its registry).

Rules:

- A value converts only within one dimension (IgG mg/dL <-> g/L: 1 g/L = 100 mg/dL; Hb
  g/dL <-> g/L; counts /mm3 <-> 10*9/L: 1000 /mm3 = 1.0 10*9/L).
- Arbitrary units (``[IU]/mL``, ``U/mL`` as printed by a laboratory for rheumatoid factor,
  ``[arb'U]/mL``) are assay-specific: they are never converted, not even to each other; only
  the identical unit is accepted.
- Temperatures (``Cel``) are never scaled (an offset scale; only ``Cel`` is accepted).
- A few printed spellings are accepted and normalised to UCUM (see :data:`SYNONYMS`:
  ``µ`` -> ``u``, ``mm³`` -> ``mm3``, ``10^9/L`` -> ``10*9/L``, ``ratio`` -> ``{ratio}``, ...).

A unit that is unknown, or of the wrong dimension, raises :class:`sicca.base.errors.UnitError`
built from a :class:`sicca.base.errors.Problem` (so it names file, line and field when the caller
passes one).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from sicca.base.errors import Problem, UnitError

D = Decimal


@dataclass(frozen=True)
class UnitInfo:
    """One accepted UCUM unit: its dimension and exact factor to the dimension's base unit."""

    ucum: str
    dimension: str
    factor: Decimal
    arbitrary: bool = False
    #: pint spelling used by the test that checks ``factor`` (None: not checkable with pint)
    pint: str | None = None


def _u(ucum: str, dimension: str, factor: str, pint: str | None = None,
       arbitrary: bool = False) -> UnitInfo:
    return UnitInfo(ucum, dimension, D(factor), arbitrary, pint)


# Base units: mass_concentration g/L; number_concentration /L; fraction 1; velocity mm/h;
# mass_rate g/d; volume_rate mL/min; mass_ratio g/g; catalytic_concentration U/L;
# substance_concentration umol/L;
# length m; temperature Cel; arbitrary units are their own base (factor 1, never converted).
_TABLE: list[UnitInfo] = [
    # mass concentration (base g/L)
    _u("g/L", "mass_concentration", "1", "g/L"),
    _u("g/dL", "mass_concentration", "10", "g/dL"),
    _u("mg/dL", "mass_concentration", "0.01", "mg/dL"),
    _u("mg/L", "mass_concentration", "0.001", "mg/L"),
    _u("mg/mL", "mass_concentration", "1", "mg/mL"),
    _u("ug/mL", "mass_concentration", "0.001", "ug/mL"),
    _u("ug/L", "mass_concentration", "0.000001", "ug/L"),
    _u("ng/mL", "mass_concentration", "0.000001", "ng/mL"),
    _u("ng/L", "mass_concentration", "1E-9", "ng/L"),
    _u("pg/mL", "mass_concentration", "1E-9", "pg/mL"),
    # number concentration (base /L)
    _u("/L", "number_concentration", "1", "1/L"),
    _u("/mm3", "number_concentration", "1E6", "1/mm**3"),
    _u("/uL", "number_concentration", "1E6", "1/uL"),
    _u("10*3/uL", "number_concentration", "1E9", "1e3/uL"),
    _u("10*6/L", "number_concentration", "1E6", "1e6/L"),
    _u("10*9/L", "number_concentration", "1E9", "1e9/L"),
    _u("10*12/L", "number_concentration", "1E12", "1e12/L"),
    # fraction (base 1)
    _u("%", "fraction", "0.01", "percent"),
    _u("1", "fraction", "1", "dimensionless"),
    # a ratio of two counts, kept apart from fractions: "{ratio}" is UCUM's 1 with an annotation
    _u("{ratio}", "ratio", "1", "dimensionless"),
    # velocity (base mm/h)
    _u("mm/h", "velocity", "1", "mm/hour"),
    # mass rate (base g/d)
    _u("g/d", "mass_rate", "1", "g/day"),
    _u("g/(24.h)", "mass_rate", "1", "g/(24*hour)"),
    _u("mg/d", "mass_rate", "0.001", "mg/day"),
    _u("mg/(24.h)", "mass_rate", "0.001", "mg/(24*hour)"),
    # volume rate (base mL/min); an eGFR normalised to 1.73 m2 body surface is read as the
    # GFR itself (ESSDAI's "GFR < 60 mL/min" is applied to eGFR reports as printed)
    _u("mL/min", "volume_rate", "1", "mL/min"),
    _u("mL/min/{1.73_m2}", "volume_rate", "1", "mL/min"),
    # substance concentration (base umol/L)
    _u("umol/L", "substance_concentration", "1", "umol/L"),
    _u("mmol/L", "substance_concentration", "1000", "mmol/L"),
    # mass ratio (base g/g)
    _u("g/g", "mass_ratio", "1", "g/g"),
    _u("mg/g", "mass_ratio", "0.001", "mg/g"),
    _u("mg/mg", "mass_ratio", "1", "mg/mg"),
    # catalytic concentration (base U/L; U = umol/min, the UCUM enzyme unit)
    _u("U/L", "catalytic_concentration", "1"),
    # length (base m)
    _u("m", "length", "1", "m"),
    _u("cm", "length", "0.01", "cm"),
    _u("mm", "length", "0.001", "mm"),
    # temperature: never scaled
    _u("Cel", "temperature", "1"),
    # arbitrary (assay-specific) units: never converted
    _u("[IU]/mL", "arbitrary_concentration", "1", arbitrary=True),
    _u("[IU]/L", "arbitrary_concentration", "1", arbitrary=True),
    _u("U/mL", "arbitrary_concentration", "1", arbitrary=True),
    _u("[arb'U]/mL", "arbitrary_concentration", "1", arbitrary=True),
    _u("[arb'U]", "arbitrary", "1", arbitrary=True),
    _u("[IU]", "arbitrary", "1", arbitrary=True),
]

#: UCUM spelling -> unit information.
UNITS: dict[str, UnitInfo] = {u.ucum: u for u in _TABLE}

#: Printed (non-UCUM) spellings accepted and normalised to UCUM.
SYNONYMS: dict[str, str] = {
    "mm/hr": "mm/h",
    "µmol/L": "umol/L",
    "μmol/L": "umol/L",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
    "mL/min/1.73 m2": "mL/min/{1.73_m2}",
    "mL/min/1.73m²": "mL/min/{1.73_m2}",
    "mL/min/1.73 m²": "mL/min/{1.73_m2}",
    "µg/mL": "ug/mL",
    "μg/mL": "ug/mL",
    "µg/L": "ug/L",
    "μg/L": "ug/L",
    "/µL": "/uL",
    "/μL": "/uL",
    "/mm³": "/mm3",
    "/mm^3": "/mm3",
    "cells/mm3": "/mm3",
    "cells/uL": "/uL",
    "10^9/L": "10*9/L",
    "x10^9/L": "10*9/L",
    "10^3/uL": "10*3/uL",
    "10^3/µL": "10*3/uL",
    "10^12/L": "10*12/L",
    "g/24h": "g/(24.h)",
    "g/24 h": "g/(24.h)",
    "g/day": "g/d",
    "mg/24h": "mg/(24.h)",
    "mg/day": "mg/d",
    "IU/mL": "[IU]/mL",
    "IU/L": "[IU]/L",
    "°C": "Cel",
    "ratio": "{ratio}",
}

_ARBITRARY_WHY = "arbitrary units are assay-specific; no conversion exists"


def normalize(unit: str) -> str | None:
    """The UCUM spelling of ``unit`` (accepting :data:`SYNONYMS`), or None if unknown."""
    text = unit.strip()
    if text in UNITS:
        return text
    if text in SYNONYMS:
        return SYNONYMS[text]
    return None


def info(unit: str) -> UnitInfo | None:
    """Unit information for a UCUM (or synonym) spelling; None if unknown."""
    ucum = normalize(unit)
    return UNITS[ucum] if ucum is not None else None


def dimension_of(unit: str) -> str | None:
    """The dimension name of ``unit``, or None if the unit is unknown."""
    u = info(unit)
    return u.dimension if u else None


def units_of(dimension: str) -> list[str]:
    """Every accepted UCUM unit of a dimension (in table order)."""
    return [u.ucum for u in _TABLE if u.dimension == dimension]


def factor(src: str, dst: str, problem: Problem | None = None) -> Decimal:
    """The exact factor ``f`` such that a value in ``src`` times ``f`` is the value in ``dst``.

    Raises UnitError (with ``problem``'s location, if given) when either unit is unknown, when
    the dimensions differ, or when two different arbitrary units are involved.
    """
    s, d = info(src), info(dst)
    base = problem or Problem("")
    if s is None or d is None:
        bad = src if s is None else dst
        raise UnitError(_with(base, f"unknown unit '{bad}'", expected="a UCUM unit such as "
                              "g/L, mg/dL, pg/mL, %, mm/h, 10*9/L, /mm3, U/mL",
                              found=repr(bad), code="E501",
                              hint=_unit_hint(bad)))
    if s.ucum == d.ucum:
        return D(1)
    if s.arbitrary or d.arbitrary:
        raise UnitError(_with(base, f"cannot convert '{s.ucum}' to '{d.ucum}': {_ARBITRARY_WHY}",
                              expected=f"exactly '{d.ucum}'", found=repr(src), code="E503",
                              hint="report the value in the unit the analyte is defined with"))
    if s.dimension != d.dimension:
        raise UnitError(_with(base, f"unit '{s.ucum}' ({s.dimension}) does not fit "
                                    f"'{d.ucum}' ({d.dimension})",
                              expected=f"a {d.dimension} unit: "
                                       + ", ".join(units_of(d.dimension)),
                              found=repr(src), code="E502"))
    if s.dimension == "temperature":
        raise UnitError(_with(base, f"temperatures are not rescaled ('{s.ucum}' -> '{d.ucum}')",
                              expected="Cel", found=repr(src), code="E502"))
    return s.factor / d.factor


def convert(value: Decimal, src: str, dst: str, problem: Problem | None = None) -> Decimal:
    """``value`` in ``src`` expressed in ``dst``, exactly (Decimal arithmetic only)."""
    f = factor(src, dst, problem)
    if f == 1:
        return value
    return _clean(value * f)


def _clean(x: Decimal) -> Decimal:
    """Drop exponent noise from a product (1.0E+3 -> 1000; 25.30 stays 25.30 if exact)."""
    if x == x.to_integral_value() and x.as_tuple().exponent > 0:  # type: ignore[operator]
        with localcontext() as ctx:  # 1E+28 has 29 digits: past the default precision
            ctx.prec = max(ctx.prec, x.adjusted() + 1)
            return x.quantize(D(1))
    return x


def _with(base: Problem, message: str, **kw: Any) -> Problem:
    fields = {k: v for k, v in vars(base).items()}
    fields["message"] = message
    fields.update(kw)
    return Problem(**fields)


def _unit_hint(bad: str) -> str | None:
    from sicca.base.suggest import closest

    choices = list(UNITS) + list(SYNONYMS)
    for c in choices:
        if c.casefold() == bad.strip().casefold():
            return f"did you mean '{normalize(c)}'? (UCUM is case-sensitive)"
    close = closest(bad.strip(), choices)
    if close:
        return f"did you mean '{normalize(close)}'?"
    return "units are written in UCUM (e.g. 10*9/L, not 10^9/l)"
