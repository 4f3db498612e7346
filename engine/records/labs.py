"""Laboratory results: analytes, values, reference ranges, flags and changes over time.

Analytes come from ``rules/vocabulary/analytes.yaml`` (``kind: analytes``); a case file's
``labs:`` entry ``{analyte, value, unit, reference}`` becomes a :class:`LabResult` with the
value converted exactly (``decimal.Decimal``) to the analyte's canonical unit.

Conventions (documented here, tested in ``tests/unit/test_labs.py``):

Values
    ``25.3``, ``"25.3"``, ``"<0.91"`` (below the assay's limit), ``">1000"`` (above it). A
    censored value keeps its bound as ``value`` and its sign in ``censored``. Lab quantities
    are non-negative: ``"<x"`` means a value in ``[0, x)``, ``">x"`` a value in ``(x, inf)``.
    A YAML number is read back from the file's own text where possible, so ``241.00`` keeps
    its printed digits (never a binary float).

Reference ranges (as printed by the laboratory)
    ``"a-b"`` (also ``"a - b"``, ``"a–b"``): normal is ``a <= v <= b`` (both ends included).
    ``"<x"``: normal strictly below ``x`` (``v = x`` is high). ``"≤x"``/``"<=x"``: normal up to
    and including ``x``. ``">x"``: normal strictly above ``x`` (``v = x`` is low).
    ``"≥x"``/``">=x"``: normal from ``x`` up. The printed text is kept in ``printed``.

Flags, respecting censoring
    ``high`` if every value the result allows is above the range, ``low`` if every value is
    below, ``normal`` if every value is inside, ``None`` (indeterminate) otherwise. So
    ``"<0.91"`` with range ``0-2.87`` is ``normal``; with a lower limit of 1 it is ``low``
    (every value below 0.91 is below 1); with a lower limit of 0.5 it is ``None`` (it could be
    0.3 or 0.7). No range -> flag None.

x ULN
    ``value / upper limit`` in exact decimal arithmetic (28 significant digits) on canonical
    values; None if the range has no upper limit (or it is 0). For a censored result this is
    the ratio of the bound (``"<0.91"`` -> a bound on x ULN; ``censored`` says which side).

Changes (the tolerance and the words are data: ``changes:`` in the analyte file)
    ``direction`` compares ``to`` with ``from`` by the ratio ``r = to / from``, with the
    tolerance ``t`` of the analyte file (the bundled one: 0.05, a CONVENTION):
    ``unchanged`` if ``1 - t <= r <= 1 + t`` (both ends included), ``increase`` if
    ``r > 1 + t``, ``decrease`` if ``r < 1 - t``. IgG 25.3 -> 25.2 g/L
    (r = 0.996) is unchanged; B cells 28.90 -> 26.79 % (r = 0.927) decreased. With censored
    values ``r`` is an interval; the direction is the one band containing all of it, else
    ``indeterminate`` (CRP 1.01 -> "<0.91": r < 0.901, a decrease). ``from = 0``: unchanged if
    ``to = 0``, else increase.
    ``transition`` compares flags: ``returned_to_normal`` (abnormal -> normal),
    ``became_abnormal`` (normal -> low/high), ``stayed_normal``, ``stayed_abnormal``; None if a
    flag is None.
    :func:`paper_change` maps a change to words by its transition, from the analyte file's
    ``changes.words`` (the bundled file: Table 1's words, stayed_normal -> "normal";
    returned_to_normal -> "<direction>; return to normal"; stayed_abnormal and became_abnormal
    -> the direction).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sicca.base.errors import InputError, Problem, Problems, RuleSyntaxError, UnitError
from sicca.base.numbers import finite_decimal
from sicca.base.suggest import closest, phrase
from sicca.base.yamlsrc import KEY, PathKey, Reader, Sourced
from sicca.base.yamlsrc import load as load_yaml
from sicca.records import units

Censor = Literal["<", ">"]
Flag = Literal["low", "normal", "high"]
LabState = Literal["reported", "not_done", "not_reported"]


_GREEK = {"β": "beta", "ß": "beta", "α": "alpha", "γ": "gamma", "κ": "kappa", "λ": "lambda",
          "µ": "u", "μ": "u"}


#: an analyte's fact is ``lab.<key>`` (``Analyte.fact``)
FACT_PREFIX = "lab."


@lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """Matching key for analyte names: case-, space-, hyphen-, underscore- and greek-insensitive
    (cached: a cohort spells the same few dozen names again and again)."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(_GREEK.get(ch, ch) for ch in text).casefold()
    if text.startswith("lab."):
        text = text[4:]
    return re.sub(r"[\s\-_.·]+", "", text)


# --------------------------------------------------------------------------- analytes


class Analyte(BaseModel):
    """One analyte of the vocabulary (``lab.<key>`` is its fact name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    loinc: str | None = Field(default=None, pattern=r"^\d{1,7}-\d$")
    unit: str
    dimension: str
    panel: str
    note: str | None = None

    @field_validator("unit")
    @classmethod
    def _ucum(cls, v: str) -> str:
        u = units.normalize(v)
        if u is None:
            raise ValueError(f"unknown UCUM unit {v!r}")
        return u

    @property
    def fact(self) -> str:
        return f"{FACT_PREFIX}{self.key}"


class _AnalyteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["analytes"]
    analytes: list[dict[str, Any]]
    changes: dict[str, Any] | None = None


Direction = Literal["increase", "decrease", "unchanged", "indeterminate"]
Transition = Literal["returned_to_normal", "became_abnormal", "stayed_normal", "stayed_abnormal"]
_TRANSITIONS: tuple[str, ...] = get_args(Transition)


class ChangeConvention(BaseModel):
    """How a change between two results is put into words (``changes:`` of an analyte file).

    ``unchanged_within``: the relative change within which a value is "unchanged" (ends
    included); ``words``: per transition the words, where ``{direction}`` stands for the
    direction (a plain substitution, never evaluated); ``status``/``source``: its verification
    tag and where it comes from.
    """

    model_config = ConfigDict(extra="forbid")
    unchanged_within: Decimal = Field(ge=0, lt=1)
    words: dict[str, str]
    status: Literal["V-P", "V-S", "UNVERIFIED", "CONVENTION"]
    source: str

    @field_validator("words")
    @classmethod
    def _every_transition(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [t for t in _TRANSITIONS if t not in v]
        if missing:
            raise ValueError(f"words for every transition; missing {', '.join(missing)}")
        unknown = [t for t in v if t not in _TRANSITIONS]
        if unknown:
            raise ValueError(f"unknown transition {', '.join(unknown)}; the transitions are "
                             + ", ".join(_TRANSITIONS))
        return v


def _pydantic_problems(src: Sourced, at: PathKey, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = at + tuple(err["loc"])
        key_loc = loc + (KEY,) if err["type"] == "extra_forbidden" else loc
        out.append(src.problem(key_loc, err["msg"], code="E510",
                               found=repr(err.get("input"))[:80]))
    return out


class AnalyteTable:
    """All known analytes, with name resolution (aliases, greek letters) and did-you-mean."""

    def __init__(self, analytes: Iterable[Analyte], changes: ChangeConvention) -> None:
        self._analytes: list[Analyte] = list(analytes)
        self.changes = changes
        self._index: dict[str, Analyte] = {}
        for a in self._analytes:
            for label in (a.key, a.name, *a.aliases):
                self._index.setdefault(normalize_name(label), a)

    @classmethod
    def load(cls, paths: list[Path], read: Reader = load_yaml) -> AnalyteTable:
        """Load and validate ``kind: analytes`` files; all problems are reported at once."""
        problems = Problems()
        found: list[Analyte] = []
        seen: dict[str, tuple[str, Analyte]] = {}
        key_at: dict[str, str] = {}  # analyte key -> file:line of its first definition
        changes: ChangeConvention | None = None
        changes_at: str | None = None
        for path in paths:
            src = read(path)
            try:
                doc = _AnalyteFile.model_validate(src.data)
            except ValidationError as exc:
                for p in _pydantic_problems(src, (), exc):
                    problems.add(p)
                continue
            if doc.changes is not None:
                line, _ = src.mark(("changes",))
                if changes_at is not None:
                    problems.add(src.problem(("changes",), "a second 'changes:' block",
                                             code="E513", expected="one per analyte table",
                                             hint=f"the first is at {changes_at}"))
                try:
                    changes = ChangeConvention.model_validate(doc.changes)
                    changes_at = f"{src.file}:{line}"
                except ValidationError as exc:
                    for p in _pydantic_problems(src, ("changes",), exc):
                        problems.add(p)
            for i, raw in enumerate(doc.analytes):
                try:
                    a = Analyte.model_validate(raw)
                except ValidationError as exc:
                    for p in _pydantic_problems(src, ("analytes", i), exc):
                        problems.add(p)
                    continue
                at: PathKey = ("analytes", i)
                line, _ = src.mark(at)
                if a.key in key_at:
                    problems.add(src.problem(at + ("key",), f"analyte key '{a.key}' is defined "
                                             "twice", code="E512",
                                             hint=f"first defined at {key_at[a.key]}"))
                key_at.setdefault(a.key, f"{src.file}:{line}")
                dim = units.dimension_of(a.unit)
                if dim != a.dimension:
                    problems.add(src.problem(at + ("dimension",),
                                             f"unit '{a.unit}' is a {dim} unit, not {a.dimension}",
                                             code="E511", expected=str(dim), found=a.dimension))
                for label in (a.key, a.name, *a.aliases):
                    norm = normalize_name(label)
                    other = seen.get(norm)
                    if other is not None and other[1].key != a.key:
                        problems.add(src.problem(at, f"'{label}' of analyte '{a.key}' also "
                                                     f"names analyte '{other[1].key}'",
                                                 code="E512", hint=f"defined at {other[0]}"))
                    elif other is None:
                        seen[norm] = (f"{src.file}:{line}", a)
                found.append(a)
        if changes is None and not problems.items:
            problems.add(Problem("no analyte file has a 'changes:' block", code="E513",
                                 file=", ".join(str(p) for p in paths),
                                 expected="changes: {unchanged_within, words, status, source} "
                                          "(as in rules/vocabulary/analytes.yaml)"))
        problems.raise_if_any(RuleSyntaxError)
        assert changes is not None  # raised just above otherwise
        return cls(found, changes)

    @classmethod
    def default(cls) -> AnalyteTable:
        """The bundled table, ``rules/vocabulary/analytes.yaml``."""
        from sicca.base.paths import RULES_DIR

        return cls.load([RULES_DIR / "vocabulary" / "analytes.yaml"])

    def resolve(self, name: str) -> Analyte | None:
        """The analyte called ``name`` (key, canonical name or alias), or None."""
        return self._index.get(normalize_name(name))

    def suggest(self, name: str) -> str | None:
        """The canonical name of the closest analyte (difflib), or None."""
        close = closest(normalize_name(name), self._index)
        return self._index[close].name if close else None

    def all(self) -> list[Analyte]:
        return list(self._analytes)

    def __len__(self) -> int:
        return len(self._analytes)


# --------------------------------------------------------------------------- values

def parse_value(value: object) -> tuple[Decimal | None, Censor | None]:
    """``"<0.91"`` -> (Decimal('0.91'), '<'); ``25.3`` -> (Decimal('25.3'), None).

    None gives (None, None). Anything that is not a (possibly censored) finite number raises
    ValueError. Floats are read through their shortest repr (``25.3`` -> ``Decimal('25.3')``).
    """
    if value is None:
        return None, None
    censor: Censor | None = None
    if isinstance(value, str):
        value = value.strip()
        if value[:1] in ("<", ">"):
            censor = "<" if value[0] == "<" else ">"
            value = value[1:].strip()
    return finite_decimal(value), censor  # NumberError is a ValueError


# --------------------------------------------------------------------------- ranges

_RANGE = re.compile(r"^\s*(?P<lo>\d+(?:\.\d+)?)\s*[-–—]\s*(?P<hi>\d+(?:\.\d+)?)\s*$")
_BOUND = re.compile(r"^\s*(?P<op><=|>=|≤|≥|<|>)\s*(?P<x>\d+(?:\.\d+)?)\s*$")


class ReferenceRange(BaseModel):
    """A laboratory reference range as printed; ``low``/``high`` None = unbounded."""

    model_config = ConfigDict(frozen=True)

    printed: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    @classmethod
    def parse(cls, text: str) -> ReferenceRange:
        """Parse ``"<8.051"``, ``"≤5"``, ``">10"``, ``"0-20"``, ``"0.9 - 1.8"``.

        Raises ValueError for anything else.
        """
        if not isinstance(text, str):
            raise ValueError(f"a reference range is text such as \"0-20\" or \"<8.051\", "
                             f"not {text!r}")
        m = _RANGE.match(text)
        if m:
            lo, hi = Decimal(m["lo"]), Decimal(m["hi"])
            if lo > hi:
                raise ValueError(f"reference range {text!r} has its low end above its high end")
            return cls(printed=text, low=lo, high=hi)
        m = _BOUND.match(text)
        if m:
            x, op = Decimal(m["x"]), m["op"]
            if op == "<":
                return cls(printed=text, high=x, high_inclusive=False)
            if op in ("<=", "≤"):
                return cls(printed=text, high=x)
            if op == ">":
                return cls(printed=text, low=x, low_inclusive=False)
            return cls(printed=text, low=x)
        raise ValueError(f"cannot read reference range {text!r}")

    def scaled(self, f: Decimal) -> ReferenceRange:
        """The same range with both limits multiplied by ``f`` (a unit conversion factor)."""
        if f == 1:
            return self
        return self.model_copy(update={
            "low": None if self.low is None else units._clean(self.low * f),
            "high": None if self.high is None else units._clean(self.high * f)})

    # An interval of possible values: (lo, lo_closed, hi, hi_closed); hi None = +inf.
    def flag(self, value: Decimal, censored: Censor | None = None) -> Flag | None:
        """Flag of a value (censoring respected; see the module docstring)."""
        lo, lo_closed, hi, hi_closed = _interval(value, censored)
        if self._all_above(lo, lo_closed):
            return "high"
        if self._all_below(hi, hi_closed):
            return "low"
        if not self._some_above(hi, hi_closed) and not self._some_below(lo, lo_closed):
            return "normal"
        return None

    def _all_above(self, lo: Decimal, lo_closed: bool) -> bool:
        if self.high is None:
            return False
        if lo_closed:  # v >= lo for all v, and lo itself is possible
            return lo > self.high or (lo == self.high and not self.high_inclusive)
        return lo >= self.high  # v > lo >= high

    def _some_above(self, hi: Decimal | None, hi_closed: bool) -> bool:
        if self.high is None:
            return False
        if hi is None:
            return True
        if hi_closed:
            return hi > self.high or (hi == self.high and not self.high_inclusive)
        return hi > self.high

    def _all_below(self, hi: Decimal | None, hi_closed: bool) -> bool:
        if self.low is None or hi is None:
            return False
        if hi_closed:
            return hi < self.low or (hi == self.low and not self.low_inclusive)
        return hi <= self.low

    def _some_below(self, lo: Decimal, lo_closed: bool) -> bool:
        if self.low is None:
            return False
        if lo_closed:
            return lo < self.low or (lo == self.low and not self.low_inclusive)
        return lo < self.low


def _interval(value: Decimal, censored: Censor | None) -> tuple[Decimal, bool, Decimal | None,
                                                                  bool]:
    if censored == "<":
        return Decimal(0), True, value, False
    if censored == ">":
        return value, False, None, False
    return value, True, value, True


def _div(a: Decimal, b: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        q = a / b
    return q.normalize() if q == q.to_integral_value() else q


# --------------------------------------------------------------------------- results


class LabResult(BaseModel):
    """One laboratory result at one timepoint."""

    model_config = ConfigDict(frozen=True)

    analyte: Analyte
    value: Decimal | None = None  # as given (in ``unit``)
    censored: Censor | None = None
    unit: str | None = None  # as given, normalised to UCUM
    canonical_value: Decimal | None = None  # in ``analyte.unit``
    reference: ReferenceRange | None = None  # in ``analyte.unit``
    reference_printed: str | None = None  # the range as given, in ``unit``
    flag: Flag | None = None
    x_uln: Decimal | None = None
    state: LabState = "reported"
    where: str | None = None  # file:line of the entry

    @property
    def key(self) -> str:
        return self.analyte.key


_ENTRY_KEYS = ("analyte", "value", "unit", "reference", "note")
_ABSENT_WORDS = {"not_done": "not_done", "not_reported": "not_reported"}


def _unit_factor(unit_raw: str, unit: str | None, analyte: Analyte, src: Sourced,
                 path: PathKey) -> Decimal:
    """The factor from the entry's unit to the analyte's; a located UnitError if none."""
    base = src.problem(path + ("unit",), "")
    if unit is None:
        return units.factor(unit_raw, analyte.unit, base)  # raises a located UnitError
    try:
        return units.factor(unit, analyte.unit, base)
    except UnitError as err:
        p = err.problems[0]
        p.message = f"unit '{unit_raw}' does not fit analyte '{analyte.name}': {p.message}"
        raise UnitError(p) from None


def parse_lab_entry(raw: object, src: Sourced, path: PathKey, table: AnalyteTable) -> LabResult:
    """Validate a case-file lab entry ``{analyte, value, unit, reference}`` into a LabResult.

    Every problem raises :class:`InputError` (:class:`UnitError` for units) naming file, line
    and field: unknown analyte (with did-you-mean), unknown keys, a value that is not a
    number, a unit that does not fit the analyte, an unreadable reference range.
    """
    line, _ = src.mark(path)
    where = f"{src.file}:{line}" if line else src.file
    if not isinstance(raw, dict):
        raise InputError(src.problem(path, "a lab entry is a mapping", code="E520",
                                     expected="{analyte: ..., value: ..., unit: ..., "
                                              "reference: ...}", found=repr(raw)[:80]))
    for k in raw:
        if k not in _ENTRY_KEYS:
            prefixed = [c for c in _ENTRY_KEYS if str(k) and c.startswith(str(k).lower())]
            guess = prefixed[0] if prefixed else closest(str(k), _ENTRY_KEYS)
            raise InputError(src.problem(
                path + (k, KEY), f"unknown key '{k}' in lab entry", code="E521",
                expected=", ".join(_ENTRY_KEYS), found=repr(k), hint=phrase(guess)))
    if "analyte" not in raw:
        raise InputError(src.problem(path, "lab entry has no 'analyte'", code="E522",
                                     expected="analyte: <name>"))
    name = raw["analyte"]
    analyte = table.resolve(name) if isinstance(name, str) else None
    if analyte is None:
        guess = table.suggest(name) if isinstance(name, str) else None
        raise InputError(src.problem(path + ("analyte",), f"unknown analyte {name!r}",
                                     code="E523", found=repr(name),
                                     expected="an analyte of rules/vocabulary/analytes.yaml",
                                     hint=phrase(guess) if guess else
                                     "see rules/vocabulary/analytes.yaml"))
    if "value" not in raw:
        raise InputError(src.problem(path, f"lab entry for '{analyte.name}' has no 'value'",
                                     code="E522", expected="value: <number>, \"<x\", \">x\" "
                                                           "or not_done"))
    value_raw = raw["value"]
    if isinstance(value_raw, str) and value_raw.strip() in _ABSENT_WORDS:
        state: LabState = _ABSENT_WORDS[value_raw.strip()]  # type: ignore[assignment]
        _reference(raw, Decimal(1), src, path)  # a malformed range is an error, not dropped
        return LabResult(analyte=analyte, state=state, where=where,
                         unit=units.normalize(raw["unit"]) if isinstance(raw.get("unit"), str)
                         else None)
    try:
        if isinstance(value_raw, float):
            text = src.number_text(path + ("value",), value_raw)
            value, censored = parse_value(text if text is not None else value_raw)
        else:
            value, censored = parse_value(value_raw)
    except ValueError:
        raise InputError(src.problem(path + ("value",),
                                     f"value of '{analyte.name}' is not a number",
                                     code="E524", found=repr(value_raw),
                                     expected="a number, \"<x\", \">x\", not_done or "
                                              "not_reported")) from None
    if value is None:
        raise InputError(src.problem(path + ("value",), f"value of '{analyte.name}' is empty",
                                     code="E524", expected="a number, \"<x\", \">x\", not_done"))
    unit_raw = raw.get("unit")
    if not isinstance(unit_raw, str) or not unit_raw.strip():
        raise InputError(src.problem(path + ("unit",) if "unit" in raw else path,
                                     f"lab entry for '{analyte.name}' has no unit",
                                     code="E525", expected=f"unit: {analyte.unit} (or another "
                                     f"{analyte.dimension} unit)", found=repr(unit_raw)))
    unit = units.normalize(unit_raw)
    if unit is not None and unit == analyte.unit:  # the common case: the canonical unit
        f = Decimal(1)
    else:
        f = _unit_factor(unit_raw, unit, analyte, src, path)
    reference, printed = _reference(raw, f, src, path)
    canonical = value if f == 1 else units._clean(value * f)
    flag = reference.flag(canonical, censored) if reference is not None else None
    x_uln = None
    if reference is not None and reference.high is not None and reference.high != 0:
        x_uln = _div(canonical, reference.high)
    return LabResult(analyte=analyte, value=value, censored=censored, unit=unit,
                     canonical_value=canonical, reference=reference, reference_printed=printed,
                     flag=flag, x_uln=x_uln, state="reported", where=where)


def _reference(raw: dict[str, Any], f: Decimal, src: Sourced, path: PathKey,
               ) -> tuple[ReferenceRange | None, str | None]:
    """The entry's reference range in the analyte's unit (``f`` converts), and as printed."""
    ref_raw = raw.get("reference")
    if ref_raw is None:
        return None, None
    try:
        return ReferenceRange.parse(ref_raw).scaled(f), ref_raw
    except ValueError as exc:
        raise InputError(src.problem(path + ("reference",), str(exc), code="E526",
                                     found=repr(ref_raw),
                                     expected="\"a-b\", \"<x\", \"<=x\", \">x\" or \">=x\"",
                                     hint="write it as printed, e.g. \"0.9-1.8\" or "
                                          "\"<8.051\""),
                         ) from None


# --------------------------------------------------------------------------- changes


def direction(a: LabResult, b: LabResult, tolerance: Decimal) -> Direction:
    """Direction from ``a`` to ``b`` (canonical values; unchanged within ``tolerance``, ends
    included; censoring respected)."""
    if a.canonical_value is None or b.canonical_value is None:
        return "indeterminate"
    alo, alo_c, ahi, ahi_c = _interval(a.canonical_value, a.censored)
    blo, blo_c, bhi, bhi_c = _interval(b.canonical_value, b.censored)
    if a.censored is None and a.canonical_value == 0:
        if b.censored is None:
            return "unchanged" if b.canonical_value == 0 else "increase"
        return "increase" if b.censored == ">" else "indeterminate"
    # r = b / a ranges over (blo / ahi, bhi / alo); an open end if either end is open
    down, up = Decimal(1) - tolerance, Decimal(1) + tolerance
    rlo: Decimal | None = None if ahi is None else _div(blo, ahi)
    rlo_closed = blo_c and ahi_c
    rhi: Decimal | None = None if (bhi is None or alo == 0) else _div(bhi, alo)
    rhi_closed = bhi_c and alo_c
    if rhi is not None and (rhi < down or (rhi == down and not rhi_closed)):
        return "decrease"
    if rlo is not None and (rlo > up or (rlo == up and not rlo_closed)):
        return "increase"
    if rlo is not None and rhi is not None and rlo >= down and rhi <= up:
        return "unchanged"
    return "indeterminate"


def transition(a: LabResult, b: LabResult) -> Transition | None:
    """How the flag moved from ``a`` to ``b``; None if either flag is unknown."""
    if a.flag is None or b.flag is None:
        return None
    if a.flag == "normal":
        return "stayed_normal" if b.flag == "normal" else "became_abnormal"
    return "returned_to_normal" if b.flag == "normal" else "stayed_abnormal"


def paper_change(change: dict[str, Any], words: Mapping[str, str]) -> str | None:
    """A change in the convention's words (bundled: Table 1's, "decrease; return to normal",
    "normal", ...); None when the direction or the transition is not known."""
    d, t = change.get("direction"), change.get("transition")
    if t is None or d in (None, "indeterminate"):
        return None
    return words[t].replace("{direction}", str(d))


def compare(a: LabResult, b: LabResult, c: ChangeConvention) -> dict[str, Any]:
    """One analyte's change from ``a`` to ``b``, in the words of convention ``c``."""
    out: dict[str, Any] = {
        "analyte": a.analyte.name,
        "key": a.analyte.key,
        "direction": direction(a, b, c.unchanged_within),
        "transition": transition(a, b),
        "from_value": a.canonical_value,
        "from_censored": a.censored,
        "from_flag": a.flag,
        "to_value": b.canonical_value,
        "to_censored": b.censored,
        "to_flag": b.flag,
        "unit": a.analyte.unit,
        "relative_change": None,
    }
    if (a.censored is None and b.censored is None and a.canonical_value
            and b.canonical_value is not None):
        out["relative_change"] = _div(b.canonical_value - a.canonical_value, a.canonical_value)
    out["paper_change"] = paper_change(out, c.words)
    return out


def _latest(timepoints: list[tuple[str, dict[str, LabResult]]], key: str, upto: int,
            after: int = -1) -> tuple[int, LabResult] | None:
    for i in range(upto, after, -1):
        for r in timepoints[i][1].values():
            if r.analyte.key == key and r.state == "reported":
                return i, r
    return None


def compute_changes(timepoints: list[tuple[str, dict[str, LabResult]]],
                    conv: ChangeConvention) -> list[dict[str, Any]]:
    """Changes from baseline (the first timepoint) to each later one, then each consecutive pair.

    ``timepoints`` is ``[(id, {analyte key: LabResult})]`` in time order. Each change is
    ``{"from": id, "to": id, "labs": [...]}``; a lab compares the latest reported result at or
    before ``from`` with the latest at or before ``to`` (and after ``from``). When that is not
    the timepoint itself, ``from_measured``/``to_measured`` name where it was measured (C3
    after 12 infusions -> ``"to_measured": "after_4_infusions"``). An analyte with nothing
    measured after ``from`` is listed with direction and transition None and a ``note``.
    """
    pairs: list[tuple[int, int]] = [(0, j) for j in range(1, len(timepoints))]
    pairs += [(i, i + 1) for i in range(1, len(timepoints) - 1)]
    out: list[dict[str, Any]] = []
    for i, j in pairs:
        keys: list[str] = []
        for k in range(0, j + 1):
            for r in timepoints[k][1].values():
                if r.analyte.key not in keys and r.state == "reported":
                    keys.append(r.analyte.key)
        labs: list[dict[str, Any]] = []
        for key in keys:
            a = _latest(timepoints, key, i)
            if a is None:
                continue
            b = _latest(timepoints, key, j, after=a[0])
            if b is None:
                labs.append({"analyte": a[1].analyte.name, "key": key, "direction": None,
                             "transition": None, "paper_change": None,
                             "from_measured": timepoints[a[0]][0], "to_measured": None,
                             "note": f"not measured after '{timepoints[a[0]][0]}' up to "
                                     f"'{timepoints[j][0]}'"})
                continue
            entry = compare(a[1], b[1], conv)
            entry["from_measured"] = timepoints[a[0]][0]
            entry["to_measured"] = timepoints[b[0]][0]
            labs.append(entry)
        out.append({"from": timepoints[i][0], "to": timepoints[j][0], "labs": labs})
    return out


def by_key(results: Iterable[LabResult]) -> dict[str, LabResult]:
    """``{analyte key: result}`` for one timepoint."""
    return {r.analyte.key: r for r in results}
