"""What the session's commands other than `score` return (``labs``, ``what_if``, ``explain``,
``rule_list``, ``options``, ``domain_levels``): frozen dataclasses whose ``as_dict()`` is their
command's JSON.

Kept apart from sicca.api.session, and imported on first use, so that `sicca score` does not
build them (Python writes and compiles each dataclass's methods when its class is made: these
eight were a quarter of that work on the way to a score). ``sicca.api`` and
``sicca.api.session`` still give every name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DomainLevels", "Explanation", "Hypothetical", "LabsReport", "LevelDefinition",
           "OptionInfo", "RuleListing", "WhatIf"]


@dataclass(frozen=True)
class LabsReport:
    """``sicca labs``: every timepoint's lab flags and the changes between timepoints."""

    case: str
    conventions: dict[str, Any]
    timepoints: list[dict[str, Any]]
    changes: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``sicca labs --format json`` (a public contract)."""
        return {"case": self.case, "conventions": self.conventions,
                "timepoints": self.timepoints, "changes": self.changes}


@dataclass(frozen=True)
class Hypothetical:
    """One ``--set ITEM=VALUE``: always marked hypothetical."""

    item: str
    value: str
    kind: str = "item"  # item | lab | option

    def as_dict(self) -> dict[str, Any]:
        return {"set": f"{self.item}={self.value}", "item": self.item, "value": self.value,
                "hypothetical": True, "kind": self.kind}


@dataclass(frozen=True)
class WhatIf:
    """``sicca what-if``: per timepoint and instrument (criteria sets, ESSDAI, ClinESSDAI,
    ESSPRI) and per change between timepoints, before → after the hypotheticals."""

    case: str
    engine: str
    rulesets: list[dict[str, Any]]
    options: dict[str, str]
    hypothetical: list[Hypothetical]
    timepoints: list[dict[str, Any]]
    #: The two full score reports compared (not part of the command's JSON).
    before: dict[str, Any] = field(repr=False, default_factory=dict)
    after: dict[str, Any] = field(repr=False, default_factory=dict)
    #: The response between timepoints (ΔESSDAI, MCII, STAR …) before → after.
    changes: list[dict[str, Any]] = field(default_factory=list)
    #: The options of the hypothetical run (differ from ``options`` when one is set).
    options_after: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``sicca what-if --format json``."""
        return {"case": self.case, "engine": self.engine, "rulesets": self.rulesets,
                "options": self.options,
                "hypothetical": [h.as_dict() for h in self.hypothetical],
                "timepoints": self.timepoints, "changes": self.changes,
                "options_after": self.options_after or self.options}


@dataclass(frozen=True)
class Explanation:
    """``sicca explain``: every conclusion at one timepoint with its rules and matched inputs."""

    case: str
    timepoint: str
    date: str
    engine: str
    rulesets: list[dict[str, Any]]
    options: dict[str, str]
    conclusions: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``sicca explain --format json``."""
        return {"case": self.case, "timepoint": self.timepoint, "engine": self.engine,
                "rulesets": self.rulesets, "options": self.options,
                "conclusions": self.conclusions}


@dataclass(frozen=True)
class OptionInfo:
    """A judgement call: its choices and default (``sicca options``)."""

    name: str
    choices: list[str] | None
    default: str | None
    description: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "choices": self.choices, "default": self.default,
                "description": self.description}


@dataclass(frozen=True)
class RuleListing:
    """``sicca rules list``: one row per rule, and how many problems loading met."""

    rows: list[dict[str, Any]]
    problems: int


@dataclass(frozen=True)
class LevelDefinition:
    """One rule that sets a domain's level: its id, the level and the rule's description."""

    rule: str
    level: int
    description: str


@dataclass(frozen=True)
class DomainLevels:
    """An activity domain of a scored instrument (from its rule file's ``meta``): its weight
    and the rules that set each level, in file order (what a visit form shows beside inputs)."""

    ruleset: str
    domain: str
    weight: int | None
    levels: list[LevelDefinition]
    #: whether the domain's rules read lab values (the form points to the lab grid)
    reads_labs: bool = False
