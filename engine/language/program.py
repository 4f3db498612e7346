"""The compiled rule set as later layers hold it: the catalog of input facts and the
compiled program with its rule files and pack manifest.

Kept apart from sicca.language.compiler so that a start from the disk cache, which already has
the compiled program, never imports the compiler (nor its lookup tables and messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sicca.language.loader import Manifest, RuleFile

__all__ = ["Catalog", "Compiled", "FactSpec"]


@dataclass(frozen=True)
class FactSpec:
    """What the compiler knows of an input fact: kind, unit, allowed codes, censorable."""

    name: str
    kind: str  # number | code
    unit: str | None = None
    choices: tuple[str, ...] | None = None
    censorable: bool = False


@dataclass
class Catalog:
    """Every input fact a visit can carry (from the vocabulary and the analyte table)."""

    facts: dict[str, FactSpec] = field(default_factory=dict)
    #: What later layers work out of this catalog once (the visit plan of sicca.running.facts),
    #: kept here so it lives and dies with the loaded rule set instead of in a global.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_catalogue(cls, catalogue: Any) -> Catalog:
        vocab, analytes = catalogue.vocabulary, catalogue.analytes
        out: dict[str, FactSpec] = {}
        kinds = vocab.fact_kinds()
        for item in vocab.items.values():
            for name in item.fact_names():
                kind = kinds.get(name, "code")
                choices = vocab.fact_choices(name)
                # every number may be recorded as a bound (the case model keeps the censor of
                # measurements, per-eye values, counts, ratings and numeric attributes alike)
                censorable = kind == "number"
                out[name] = FactSpec(name, kind, vocab.fact_unit(name),
                                     tuple(choices) if choices else None, censorable)
        for a in analytes.all():
            out[f"lab.{a.key}"] = FactSpec(f"lab.{a.key}", "number", a.unit, None, True)
            out[f"lab.{a.key}.flag"] = FactSpec(f"lab.{a.key}.flag", "code", None,
                                                ("low", "normal", "high"))
            out[f"lab.{a.key}.x_uln"] = FactSpec(f"lab.{a.key}.x_uln", "number", None, None, True)
        return cls(out)


@dataclass
class Compiled:
    program: dict[str, Any]
    files: list[RuleFile]
    catalog: Catalog
    #: the pack manifest in force (``kind: pack``): which instruments score a case
    manifest: Manifest | None = None
