"""The typed report of `sicca score --format json` (a public contract: keys are only added).

``Report.dump()`` is the report as a dict (Decimals kept, as the batch and what-if callers
use it); ``Report.dump_json()`` the same with JSON numbers; ``sicca schema report`` prints
``report_schema()``. A key that some timepoints leave out (ESSPRI's ``shown`` when not
computable, a change's ``star`` without a STAR table) is a field with a default, dumped only
when set (``exclude_unset``); a field set to None is dumped as ``null``.
"""

# (no `from __future__ import annotations` here: pydantic would compile every field's
# annotation string again when the models are made, ~1 % of a `sicca score`)

from typing import Any

from pydantic import Field

from sicca.scores.results import (
    ClinEssdaiResult,
    CriteriaResult,
    EssdaiResult,
    EsspriResult,
    Num,
    Result,
    StarResult,
)


class RuleSet(Result):
    name: str
    version: str
    hash: str
    files: list[str]


class Timepoint(Result):
    """One timepoint: every declared instrument's result under its key."""

    id: str
    date: str
    label: str | None
    essdai: EssdaiResult | None = None
    clinessdai: ClinEssdaiResult | None = None
    esspri: EsspriResult | None = None
    criteria: dict[str, CriteriaResult] | None = None
    unused_inputs: list[str]


class Change(Result):
    """From one timepoint to another: ESSDAI/ClinESSDAI/ESSPRI deltas (flat, prefixed keys)
    and STAR."""

    from_: str = Field(alias="from")
    to: str
    essdai_delta: Num | None = None
    essdai_delta_min: Num | None = None
    essdai_delta_max: Num | None = None
    essdai_assumes_unassessable_unchanged: bool | None = None
    essdai_mcii: bool | None = None
    essdai_mcii_determined: bool | None = None
    essdai_state: str | None = None
    clinessdai_delta: Num | None = None
    clinessdai_delta_min: Num | None = None
    clinessdai_delta_max: Num | None = None
    clinessdai_assumes_unassessable_unchanged: bool | None = None
    clinessdai_mcii: bool | None = None
    clinessdai_mcii_determined: bool | None = None
    clinessdai_state: str | None = None
    esspri_delta: Num | None = None
    esspri_delta_shown: str | None = None
    esspri_delta_exact: str | None = None
    esspri_relative: Num | None = None
    esspri_delta_min: Num | None = None  # a censored rating at either end (set only then)
    esspri_delta_max: Num | None = None
    esspri_mcii: bool | None = None
    esspri_state: str | None = None
    esspri_reason: str | None = None
    star: StarResult | None = None


class Report(Result):
    """The whole scoring report of one case."""

    case: str
    patient: str
    engine: str
    rulesets: list[RuleSet]
    options: dict[str, str]
    hypothetical: list[str]
    timepoints: list[Timepoint]
    changes: list[Change]

    def dump(self) -> dict[str, Any]:
        """The report dict as before the model (exact numbers as Decimal)."""
        return self.out()

    def dump_json(self) -> dict[str, Any]:
        """The report dict with JSON types (what `sicca score --format json` prints)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def report_schema() -> dict[str, Any]:
    """The JSON Schema of `sicca score --format json`."""
    schema = Report.model_json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sicca score report"
    return schema
