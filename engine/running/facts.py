"""From a case record at one timepoint to the facts the backends see.

Every input fact the catalog knows exists exactly once per visit (absent items have state
``not_reported``), which is what lets the compiler turn negation on inputs into plain tests.
Values are normalised once here: exact Decimals for Python, clean floats / strings for the
engines (durable-rules compares strings with numbers oddly, so it never sees a number as text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from sicca.base.errors import InputError, Problem
from sicca.language.program import Catalog
from sicca.records.models import Case, ItemValue, Record

MAX_DIGITS = 15  # floats order exactly any two decimals of at most 15 significant digits


@dataclass
class Fact:
    id: str
    name: str
    state: str
    value: Decimal | None = None
    code: str | None = None
    censor: str | None = None
    unit: str | None = None
    path: str | None = None       # field path in the case file
    record: str | None = None     # timepoint id or history label it was recorded at
    date: str | None = None
    line: int | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    _engine: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    #: whole numbers only (a count): a censored bound is given to the engines as the nearest
    #: whole number it allows (">5" as ">=6"), so that the rules' bands decide it
    integer: bool = False

    def engine(self) -> dict[str, Any]:
        """The clean-typed dict both backends receive (made once; backends only read it)."""
        if self._engine is None:
            value, censor = self.value, self.censor or ""
            if self.integer and censor and value is not None:
                value, censor = whole_bound(value, censor)
            self._engine = {"id": self.id, "name": self.name, "state": self.state,
                            "value": float(value) if value is not None else None,
                            "code": self.code or "", "censor": censor}
        return self._engine

    def shown(self) -> str:
        if self.state not in ("reported", "derived"):
            return self.state
        if self.value is not None:
            u = f" {self.unit}" if self.unit else ""
            return f"{self.censor or ''}{_fmt(self.value)}{u}"
        return str(self.code)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fact": self.name, "state": self.state}
        if self.value is not None:
            out["value"] = float(self.value)
        if self.code is not None:
            out["code"] = self.code
        if self.censor:
            out["censored"] = self.censor
        if self.unit:
            out["unit"] = self.unit
        if self.record:
            out["recorded_at"] = self.record
        if self.path:
            out["path"] = self.path
        for k, v in self.flags.items():
            out[k] = v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
        return out


def whole_bound(value: Decimal, censor: str) -> tuple[Decimal, str]:
    """A bound on a whole number as the closed bound on the nearest whole number it allows:
    ``">5"`` -> ``">=6"``, ``">=5.5"`` -> ``">=6"``, ``"<5"`` -> ``"<=4"``,
    ``"<=4.5"`` -> ``"<=4"``."""
    floor = value.to_integral_value(rounding="ROUND_FLOOR")
    ceil = value.to_integral_value(rounding="ROUND_CEILING")
    if censor == ">":
        return floor + 1, ">="
    if censor == ">=":
        return ceil, ">="
    if censor == "<":
        return ceil - 1, "<="
    return floor, "<="


def _fmt(v: Decimal) -> str:
    s = format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
    return s


@dataclass
class Visit:
    """All input facts of one timepoint, by name, in catalog order."""

    case_file: str
    timepoint: str
    facts: dict[str, Fact]
    #: names of the facts the record (or an override) set, in catalog order; every other
    #: fact is the shared not_reported default
    recorded: list[str] = field(default_factory=list)


def _check_digits(value: Decimal, where: str, file: str, timepoint: str) -> None:
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS:
        raise InputError(Problem(f"{digits} significant digits", file=file, field=where,
                                 timepoint=timepoint, code="E119",
                                 expected=f"at most {MAX_DIGITS} significant digits"))


def _computed(value: Decimal) -> Decimal:
    """A quotient the engine computed (x ULN, a mean): 12 significant digits, so that floats
    order it exactly; an input with at most 15 digits never lands nearer a cut than that."""
    with localcontext() as ctx:
        ctx.prec = 12
        return +value


@dataclass
class _Plan:
    """What build_visit needs of a vocabulary and catalog, worked out once (not per visit)."""

    index: dict[str, int]
    ids: dict[str, str]
    units: dict[str, str | None]
    items: dict[str, Any]                   # item name -> item (options apart)
    cumulative: frozenset[str]              # items that hold until recorded again
    current: frozenset[str]                 # items that belong to their own timepoint
    integers: frozenset[str]                # facts that hold whole numbers (counts)
    # Every catalog fact as "not_reported", in catalog order. A visit starts from a copy of
    # this dict and replaces what the record holds; the shared Facts are never mutated.
    defaults: dict[str, Fact]
    options: list[tuple[str, str | None]]   # (option fact name, default choice)


def visit_plan(vocab: Any, catalog: Catalog) -> _Plan:
    # Kept on the catalog (one per loaded rule set), for the vocabulary it was made with.
    hit = catalog.memo.get("facts.plan")
    if hit is not None and hit[0] is vocab:
        return hit[1]  # type: ignore[no-any-return]
    index = {name: i for i, name in enumerate(catalog.facts)}
    items = {item.name: item for item in vocab.items.values() if item.type != "option"}
    ids = {n: f"f{i}" for n, i in index.items()}
    units = {n: spec.unit for n, spec in catalog.facts.items()}
    defaults = {n: Fact(ids[n], n, "not_reported", None, None, None, units[n])
                for n in catalog.facts}
    for f in defaults.values():
        f.engine()
    plan = _Plan(index, ids, units, items,
                 frozenset(n for n, i in items.items() if i.cumulative),
                 frozenset(n for n, i in items.items() if not i.cumulative),
                 frozenset(n for n, i in items.items() if i.type == "count"), defaults,
                 [(f"option.{i.name}", i.spec.default) for i in vocab.options()])
    catalog.memo["facts.plan"] = (vocab, plan)
    return plan


def build_visit(case: Case, tp: Record, catalog: Catalog, options: dict[str, str],
                overrides: dict[str, Any] | None = None) -> Visit:
    """The facts of ``tp``; cumulative sections take the latest record dated on or before it."""
    vocab = case.vocabulary
    plan = visit_plan(vocab, catalog)
    index, ids, unit_of = plan.index, plan.ids, plan.units
    current: dict[str, ItemValue] = {}
    cumulative = plan.cumulative
    if cumulative:
        for rec in case.records_until(tp):  # oldest first: later records replace earlier ones
            for name, iv in rec.items.items():
                if name in cumulative and iv.state != "not_reported":
                    current[name] = iv
    in_current = plan.current
    for name, iv in tp.items.items():
        if name in in_current:
            current[name] = iv
    facts = plan.defaults.copy()  # replacing a key keeps its (catalog) place
    recorded: list[str] = []

    file, tp_id = case.file, tp.id

    def put(name: str, state: str, value: Decimal | None = None, code: str | None = None,
            censor: str | None = None, iv: ItemValue | None = None, unit: str | None = None,
            path: str | None = None) -> None:
        fid = ids.get(name)
        if fid is None:
            return
        if value is not None:
            if name.endswith((".x_uln", ".mean")):
                value = _computed(value)
            else:
                _check_digits(value, path or name, file, tp_id)
        f = Fact(fid, name, state, value, code, censor,
                 unit if unit is not None else unit_of[name], path,
                 integer=name in plan.integers)
        if iv is not None:
            f.path, f.record, f.line = path or iv.path, iv.record, iv.line
            if iv.date is not None:
                f.date = iv.date.text
            if iv.flags:
                f.flags = {k: v for k, v in iv.flags.items() if k != "mean"}
        facts[name] = f
        recorded.append(name)

    items = plan.items
    for name, iv in current.items():  # the rest keep their not_reported defaults
        item = items[name]
        put(item.name, iv.state, iv.value, iv.code, iv.censor, iv)
        if item.type == "per_eye":
            for side in ("right", "left"):
                sv = iv.sides.get(side)
                if sv is None:
                    put(f"{item.name}.{side}", "not_reported", iv=iv)
                else:
                    put(f"{item.name}.{side}", sv.state, sv.value, None, sv.censor, iv,
                        path=sv.path)
            mean = iv.flags.get("mean")
            put(f"{item.name}.mean", "reported" if mean is not None else "not_reported",
                mean, iv=iv)
        for attr in item.spec.attributes:
            av = iv.attrs.get(attr)
            n = f"{item.name}.{attr}"
            if av is None:
                put(n, "not_reported", iv=iv, path=f"{iv.path}.{attr}")
            else:
                put(n, av.state, av.value, av.code, av.censor, iv, path=av.path)
    labs = {x.analyte.key: (i, x) for i, x in reversed(list(enumerate(tp.labs)))}
    for a in case.analytes.all():
        hit = labs.get(a.key)
        base = f"lab.{a.key}"
        if hit is None:  # not measured at this timepoint: the defaults stand
            continue
        i, lab = hit
        path = f"timepoints[{tp.index}].labs[{i}]"
        state = lab.state
        put(base, state, lab.canonical_value, None, lab.censored, unit=a.unit, path=path)
        put(base + ".flag", "reported" if lab.flag else "unknown" if state == "reported"
            else state, None, lab.flag, path=path)
        put(base + ".x_uln", "reported" if lab.x_uln is not None else "not_reported",
            lab.x_uln, None, lab.censored if lab.x_uln is not None else None, unit="",
            path=path)
        for n in (base, base + ".flag", base + ".x_uln"):
            if n in index:  # made just above by put, never a shared default
                facts[n].record = tp.id
    for name, default in plan.options:
        put(name, "reported", None, options.get(name[7:], default))
    if overrides:
        for name, fact in overrides.items():
            if name in facts:
                old = facts[name]
                fact.id, fact.flags = old.id, dict(fact.flags, hypothetical=True)
                fact._engine = None  # its id changed
                facts[name] = fact
                recorded.append(name)
    return Visit(case.file, tp.id, facts, recorded=sorted(set(recorded), key=index.__getitem__))
