"""Typed results of the instruments: what ``score`` and ``change`` return (pydantic).

Field order is the order of the keys in ``sicca score --format json`` (a public contract).
A field that some results leave out (a domain's ``reason``, an item's ``weight``) has a
default and is dumped only when it was set: dump with ``exclude_unset=True`` (a field set to
None is kept as ``null``). Exact numbers are Decimal in Python and a JSON number (an integer
when integral) in ``mode="json"``.
"""

# (no `from __future__ import annotations` here: pydantic would compile every field's
# annotation string again when the models are made, ~1 % of a `sicca score`)

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def _number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


#: An exact number: Decimal in Python, a JSON number (integer when integral) in JSON.
Num = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="json")]


class Result(BaseModel):
    """Base of every typed result: no unknown keys; aliases (``pass``, ``from``) accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def out(self) -> dict[str, Any]:
        """The result as today's report dict (Decimals kept; unset fields left out)."""
        return self.model_dump(by_alias=True, exclude_unset=True)


# --- ESSDAI / ClinESSDAI ----------------------------------------------------------------------

class DomainResult(Result):
    """One ESSDAI domain at one timepoint: state, level with bounds, points with bounds."""

    state: str
    level: int | None
    level_min: int
    level_max: int
    rules: list[str]
    flags: list[str]
    reason: str | None = None
    weight: Num
    points: Num | None
    points_min: Num
    points_max: Num


class TotalResult(Result):
    """What ESSDAI and ClinESSDAI totals share: documented total, bounds, categories."""

    documented: Num
    min: Num
    max: Num
    documented_label: str | None
    not_assessable: list[str]
    #: domains a censored value leaves between two levels (set only when there are some)
    undetermined: list[str] | None = None
    partly_assessable: list[str] = Field(default_factory=list)
    category: str | None
    category_min: str | None
    category_max: str | None
    category_determined: bool
    severe: bool | None


class EssdaiResult(TotalResult):
    severe_documented: bool
    severe_determined: bool
    severe_definition: str
    domains: dict[str, DomainResult]
    warnings: list[str]
    warning_rules: list[str]
    options: dict[str, str]


class ClinEssdaiResult(TotalResult):
    severe_state: str
    weights_status: str
    category_status: str
    domains: dict[str, DomainResult]


class DeltaResult(Result):
    """An ESSDAI or ClinESSDAI change: documented delta, bounds, MCII (keys get a prefix)."""

    delta: Num | None
    delta_min: Num
    delta_max: Num
    assumes_unassessable_unchanged: bool
    mcii: bool | None
    mcii_determined: bool
    state: str | None = None


# --- ESSPRI -----------------------------------------------------------------------------------

class EsspriResult(Result):
    score: Num | None
    shown: str | None = None
    exact: str | None = None
    pass_: bool | None = Field(alias="pass")
    state: str
    missing: list[str] | None = None
    items: dict[str, Num] | None = None
    rules: list[str]
    #: a censored rating: the mean's range (2 decimals), exactly as an interval, and the
    #: ratings as recorded (set only then)
    score_min: Num | None = None
    score_max: Num | None = None
    bounds: str | None = None
    recorded: dict[str, str] | None = None
    reason: str | None = None


class EsspriChange(Result):
    delta: Num | None
    delta_shown: str | None = None
    delta_exact: str | None = None
    relative: Num | None = None
    #: a censored rating at either timepoint: the change's range (set only then)
    delta_min: Num | None = None
    delta_max: Num | None = None
    mcii: bool | None
    state: str
    reason: str | None = None


# --- STAR -------------------------------------------------------------------------------------

class StarItem(Result):
    state: str
    points: int


class StarVerdict(Result):
    points_min: int
    points_max: int
    verdict: str


class StarResult(StarVerdict):
    items: dict[str, StarItem]
    assuming_unassessable_unchanged: StarVerdict | None
    table: str
    note: str


# --- classification criteria ------------------------------------------------------------------

class ItemResult(Result):
    state: str
    points: int
    rules: list[str]
    label: str
    weight: int | None = None
    roman: str | None = None
    inferred: bool | None = None
    interpreted: bool | None = None
    hypothetical: bool | None = None


class EntryResult(Result):
    state: str
    rules: list[str]
    inferred: bool | None = None
    interpreted: bool | None = None
    hypothetical: bool | None = None


class MissingItem(Result):
    item: str
    if_positive: str
    if_negative: str
    decides: str
    points: int | None = None


class FlagResult(Result):
    flag: str
    message: str


class CriteriaResult(Result):
    """One criteria set at one timepoint: items, entry, exclusions, verdict and its range."""

    label: str
    entry: EntryResult | None = None
    verdict: str
    score_min: int
    score_max: int
    items: dict[str, ItemResult]
    missing: list[MissingItem]
    conditional: list[str]
    rules: list[str]
    exclusions: dict[str, str]
    flags: list[FlagResult]
    inferred: list[str]
    interpreted: list[str]
    hypothetical: list[str]
    classification: str | None = None
    rules_met: list[str] | None = None
    associated_disease: str | None = None
    threshold: int | None = None


# --- series: what a plot needs (plain data, no rendering) --------------------------------------

class Point(Result):
    """Where a value sits on the time axis."""

    timepoint: str
    date: str


class TotalPoint(Point):
    total: Num | None          # the documented total (null when nothing was scored)
    min: Num | None
    max: Num | None
    category: str | None
    domains: dict[str, Num | None]   # points per domain (null: not assessable)


class TotalSeries(Result):
    """A total score stacked by domain, with its category lines (ESSDAI, ClinESSDAI)."""

    instrument: str
    maximum: Num | None        # the scale's maximum (123 for the 12 ESSDAI domains)
    moderate_from: Num
    high_from: Num
    points: list[TotalPoint]


class PatientReportedPoint(Point):
    score: Num | None
    passed: bool | None


class PatientReportedSeries(Result):
    """A patient-reported score with its acceptable-state line (ESSPRI and its PASS)."""

    instrument: str
    pass_below: Num            # the PASS line: ESSPRI below it is acceptable
    points: list[PatientReportedPoint]


#: The instruments' names for the generic series (the engine draws by type, not by name).
EssdaiPoint = TotalPoint
EssdaiSeries = TotalSeries
EsspriPoint = PatientReportedPoint
EsspriSeries = PatientReportedSeries


class VerdictPoint(Point):
    verdict: str | None
    score_min: int | None
    score_max: int | None


class VerdictSeries(Result):
    instrument: str
    label: str
    threshold: int | None
    points: list[VerdictPoint]


class ResponsePoint(Result):
    from_: str = Field(alias="from")
    to: str
    verdict: str | None
    points_min: int | None
    points_max: int | None


class ResponseSeries(Result):
    """A response verdict per consecutive pair of timepoints (STAR)."""

    instrument: str
    responder_from: int | None
    points: list[ResponsePoint]


StarPoint = ResponsePoint
StarSeries = ResponseSeries
