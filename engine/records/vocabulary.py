"""The vocabulary: what a case record can say, read from ``kind: vocabulary`` YAML files.

The engine knows item *types* (finding, measurement, result, answer, rating, per_eye, count,
option); the clinical items themselves are data under rules/vocabulary/, so adding an item never
touches this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sicca.base.errors import InputError, Problem, Problems, RuleSyntaxError
from sicca.base.kinds import discover_kinds
from sicca.base.suggest import closest, phrase
from sicca.base.yamlsrc import KEY, Reader, Sourced, load

ItemType = Literal["finding", "measurement", "result", "answer", "rating", "per_eye", "count",
                   "option"]
SECTIONS = ("symptoms", "findings", "ratings", "tests", "conditions", "drugs", "options")


class AttributeSpec(BaseModel):
    """A sub-fact recorded beside an item's state (e.g. purpura extent)."""

    model_config = ConfigDict(extra="forbid")
    choices: list[str] | None = None
    unit: str | None = None
    type: Literal["code", "number", "bool"] | None = None
    description: str | None = None

    def kind(self) -> str:
        if self.type:
            return self.type
        if self.choices is not None:
            return "code"
        return "number" if self.unit else "code"


class ItemSpec(BaseModel):
    """One vocabulary item; its ``name`` is the fact name and its place in the case file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
    type: ItemType
    description: str | None = None
    source: str | None = None
    unit: str | None = None
    worse: Literal["min", "max"] | None = None
    range: tuple[float, float] | None = None  # both ends included
    min: float | None = None  # a lower bound alone (e.g. 0 for a length)
    max: float | None = None
    choices: list[str] | None = None
    default: str | None = None
    cumulative: bool | None = None  # overrides the section's default for this one item
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way_to_bound(self) -> ItemSpec:
        if self.range is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either range: [min, max] or min:/max:, not both")
        lo, hi = self.bounds()
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"range low {lo} is above high {hi}")
        if (lo is not None or hi is not None) and self.type not in (
                "measurement", "rating", "per_eye", "count"):
            raise ValueError(f"a range needs a numeric item, not a {self.type}")
        return self

    def bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """(lowest, highest) value allowed, both included; None where unbounded."""
        lo, hi = self.range if self.range is not None else (self.min, self.max)
        return (None if lo is None else Decimal(str(lo)),
                None if hi is None else Decimal(str(hi)))


class VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["vocabulary"]
    section: Literal["symptoms", "findings", "ratings", "tests", "conditions", "drugs", "options"]
    cumulative: bool = False
    #: what ``not_done`` means for this section's items (README "Honest uncertainty"):
    #: ``unknown`` (the default), a value exists and is not known, so every value is possible;
    #: ``no_value``, a test not performed has no value (the rules read the tests performed)
    not_done: Literal["unknown", "no_value"] = "unknown"
    description: str | None = None
    items: list[ItemSpec]


@dataclass
class Item:
    spec: ItemSpec
    section: str
    cumulative: bool
    file: str
    line: int | None
    #: True when ``not_done`` leaves the item without a value (its section's ``not_done``)
    not_done_no_value: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> str:
        return self.spec.type

    def fact_names(self) -> list[str]:
        """Every fact this item produces, in a fixed order (ids follow this order)."""
        if self.type == "option":
            return [f"option.{self.name}"]
        names = [self.name]
        if self.type == "per_eye":
            names += [f"{self.name}.right", f"{self.name}.left", f"{self.name}.mean"]
        names += [f"{self.name}.{a}" for a in self.spec.attributes]
        return names


@dataclass
class Vocabulary:
    items: dict[str, Item] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    sections: dict[str, bool] = field(default_factory=dict)  # section -> cumulative
    descriptions: dict[str, str] = field(default_factory=dict)  # section -> its file's text
    _prefixes: tuple[int, frozenset[str]] | None = field(default=None, repr=False, compare=False)

    def by_section(self, section: str) -> list[Item]:
        return [i for i in self.items.values() if i.section == section]

    def suggest(self, name: str, section: str | None = None) -> str | None:
        pool = [i.name for i in self.items.values() if section is None or i.section == section]
        return closest(name, pool)

    def is_prefix(self, prefix: str) -> bool:
        """Whether some item's name starts with ``prefix.`` (a group like ``cutaneous``)."""
        if self._prefixes is None or self._prefixes[0] != len(self.items):  # items may be added
            names: set[str] = set()
            for n in self.items:
                parts = n.split(".")
                names.update(".".join(parts[:k]) for k in range(1, len(parts)))
            self._prefixes = (len(self.items), frozenset(names))
        return prefix in self._prefixes[1]

    def options(self) -> list[Item]:
        return [i for i in self.items.values() if i.type == "option"]

    def fact_kinds(self) -> dict[str, str]:
        """Fact name -> 'number' | 'code' for every input fact the vocabulary defines."""
        out: dict[str, str] = {}
        for item in self.items.values():
            t = item.type
            base = "number" if t in ("measurement", "rating", "per_eye", "count") else "code"
            for n in item.fact_names():
                out[n] = base
            for a, spec in item.spec.attributes.items():
                out[f"{item.name}.{a}"] = "number" if spec.kind() == "number" else "code"
        return out

    def fact_unit(self, name: str) -> str | None:
        """The unit a numeric fact is stored in (None for codes or unitless numbers)."""
        if name in self.items:
            return self.items[name].spec.unit
        base, _, last = name.rpartition(".")
        item = self.items.get(base)
        if item is None:
            return None
        if last in item.spec.attributes:
            return item.spec.attributes[last].unit
        if item.type == "per_eye" and last in ("right", "left", "mean"):
            return item.spec.unit
        return None

    def fact_choices(self, name: str) -> list[str] | None:
        item = self.items.get(name)
        if item is not None:
            return _item_codes(item)
        base, _, last = name.rpartition(".")
        item = self.items.get(base)
        if item is not None and last in item.spec.attributes:
            spec = item.spec.attributes[last]
            if spec.kind() == "bool":
                return ["yes", "no"]
            return spec.choices
        if name.startswith("option."):
            opt = self.items.get(name[len("option."):])
            return opt.spec.choices if opt else None
        return None


def _item_codes(item: Item) -> list[str] | None:
    return {
        "finding": ["present", "absent"],
        "result": ["positive", "negative"],
        "answer": ["yes", "no"],
        "option": item.spec.choices,
    }.get(item.type)


def load_vocabulary(paths: list[Path], read: Reader = load) -> Vocabulary:
    """Load every ``kind: vocabulary`` file under ``paths`` (later files may add, not redefine)."""
    vocab = Vocabulary()
    problems = Problems()
    found = discover_kinds(paths, read)  # rule files are the loader's: a broken one is not read
    if found.broken:
        raise InputError(found.broken)
    for path in found.of("vocabulary"):
        src = read(path)
        if not isinstance(src.data, dict) or src.data.get("kind") != "vocabulary":
            continue
        _add_file(vocab, src, problems)
    problems.raise_if_any(RuleSyntaxError)
    return vocab


def _add_file(vocab: Vocabulary, src: Sourced, problems: Problems) -> None:
    try:
        vf = VocabularyFile.model_validate(src.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.add(src.problem(loc, err["msg"], code="E201",
                                     found=repr(err.get("input"))[:80]))
        return
    prev = vocab.sections.get(vf.section)
    if prev is not None and prev != vf.cumulative:
        problems.add(src.problem(("cumulative",), f"section '{vf.section}' is declared both "
                                 "cumulative and not", code="E202"))
    vocab.sections[vf.section] = vf.cumulative
    if vf.description:
        vocab.descriptions.setdefault(vf.section, " ".join(vf.description.split()))
    vocab.files.append(src.file)
    for i, spec in enumerate(vf.items):
        if spec.name in vocab.items:
            other = vocab.items[spec.name]
            problems.add(src.problem(("items", i, "name"), f"item '{spec.name}' is already "
                                     f"defined in {other.file}:{other.line}", code="E203"))
            continue
        if spec.type == "option" and (not spec.choices or spec.default not in spec.choices):
            problems.add(src.problem(("items", i), f"option '{spec.name}' needs choices and a "
                                     "default among them", code="E204"))
        line, _ = src.mark(("items", i))
        cumulative = vf.cumulative if spec.cumulative is None else spec.cumulative
        vocab.items[spec.name] = Item(spec, vf.section, cumulative, src.file, line,
                                      vf.not_done == "no_value")


def problem_for_unknown(src: Sourced, path: tuple[Any, ...], name: str, vocab: Vocabulary,
                        section: str) -> Problem:
    hint = vocab.suggest(name, section)
    return src.problem(path + (KEY,), f"unknown item '{name}' in {section}", code="E110",
                       expected=f"an item of the {section} vocabulary",
                       hint=phrase(hint) if hint else
                       "add it to a vocabulary file under rules/vocabulary/")
