"""The patient record: a case file (YAML or JSON) read into typed, located values.

The shell (patient, treatments, timepoints) is a pydantic model; the clinical sections are
checked against the vocabulary (rules/vocabulary/), so the record can hold every item the
vocabulary names and nothing else. "not reported", "not done" and "negative"/"absent" are
different states and stay different all the way to the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, total_ordering
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sicca.base.errors import InputError, Problem, Problems
from sicca.base.kinds import discover_kinds
from sicca.base.numbers import NUMBER, NumberError, finite_decimal
from sicca.base.paths import RULES_DIR
from sicca.base.suggest import did_you_mean
from sicca.base.yamlsrc import KEY, PathKey, Reader, Sourced, dotted, load
from sicca.records.labs import AnalyteTable, LabResult, parse_lab_entry
from sicca.records.vocabulary import (
    SECTIONS,
    Item,
    Vocabulary,
    load_vocabulary,
    problem_for_unknown,
)

MISSING_STATES = ("not_reported", "not_done", "unknown", "invalid")
FINDING_STATES = ("present", "absent") + MISSING_STATES
RESULT_CODES = ("positive", "negative")
RECORD_SECTIONS = tuple(s for s in SECTIONS if s != "options")
#: floats order exactly any two decimals of at most 15 significant digits (running.facts)
MAX_DIGITS = 15
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
#: censor signs a number may start with, longest first ("<=" before "<")
_CENSORS = (("<=", "<="), (">=", ">="), ("≤", "<="), ("≥", ">="), ("<", "<"), (">", ">"))
#: A number as text, possibly censored, as _num reads it (the case schema's pattern).
CENSORED_NUMBER_PATTERN = (r"^\s*(?:(?:" + "|".join(re.escape(s) for s, _ in _CENSORS)
                           + r")\s*)?" + NUMBER.pattern + r"\s*$")  # one \s* per gap: linear


def _clip(text: object) -> str:
    t = str(text)
    return t if len(t) <= 40 else t[:37] + "..."


def _days_in_month(year: int, month: int) -> int:
    """As ``calendar.monthrange(year, month)[1]`` (the Gregorian leap rule), without
    importing calendar and locale on every start."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A date at month or day precision ("2023-10" or "2023-10-05")."""

    year: int
    month: int
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        m = _DATE.match(str(text)) if len(str(text)) <= 10 else None
        if not m:
            raise ValueError(f"'{_clip(text)}' is not a date: write YYYY-MM or YYYY-MM-DD")
        y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
        if not 1 <= y or not 1 <= mo <= 12 or (
                d is not None and not 1 <= int(d) <= _days_in_month(y, mo)):
            raise ValueError(f"'{text}' is not a date of the calendar")
        return cls(y, mo, int(d) if d else None)

    @property
    def precision(self) -> str:
        return "day" if self.day else "month"

    def key(self) -> tuple[int, int, int]:
        return (self.year, self.month, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        # Month precision sorts at the start of its month, so 2023-10 <= 2023-10-15.
        return self.key() < other.key()

    def same_or_before(self, other: PartialDate) -> bool:
        if self.day is None or other.day is None:
            return (self.year, self.month) <= (other.year, other.month)
        return self.key() <= other.key()

    def __str__(self) -> str:
        return self.text

    @cached_property
    def text(self) -> str:
        """The ISO form (``2023-10`` or ``2023-10-05``), made once: facts quote it per visit."""
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="pseudonymous identifier")
    sex: Literal["female", "male", "other", "not_reported"] = "not_reported"
    birth_year: int | None = None
    synthetic: bool = False
    note: str | None = None


class Treatment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: str
    start: str | None = None
    end: str | None = None
    count: int | None = Field(None, description="number of administrations")
    dose: str | None = None
    route: str | None = None
    schedule: str | None = None
    note: str | None = None


class Shell(BaseModel):
    """The case file's outer shape (sections inside records are checked by the vocabulary)."""

    model_config = ConfigDict(extra="forbid")
    sicca_case: Literal[1] = 1
    patient: Patient
    treatments: list[Treatment] = Field(default_factory=list)
    history: list[dict[str, Any]] = Field(default_factory=list)
    timepoints: list[dict[str, Any]] = Field(min_length=1)
    note: str | None = None


RECORD_KEYS = {"id", "date", "label", "narrative", "note", "labs"} | set(RECORD_SECTIONS)


@dataclass
class ItemValue:
    """One recorded item: its state, value or code, attributes and provenance."""

    item: str
    state: str  # reported | not_reported | not_done | unknown | invalid
    value: Decimal | None = None
    code: str | None = None
    censor: str | None = None
    unit: str | None = None
    attrs: dict[str, ItemValue] = field(default_factory=dict)
    sides: dict[str, ItemValue] = field(default_factory=dict)
    flags: dict[str, Any] = field(default_factory=dict)  # inferred, note, date, ...
    path: str = ""
    record: str = ""  # the timepoint id or history label it was recorded at
    date: PartialDate | None = None
    line: int | None = None

    def describe(self) -> str:
        if self.state != "reported":
            return self.state
        if self.value is not None:
            return f"{self.censor or ''}{self.value}{(' ' + self.unit) if self.unit else ''}"
        return str(self.code)


@dataclass
class Record:
    """A dated record: a scored timepoint, or a history entry (not scored)."""

    id: str
    date: PartialDate
    label: str | None
    items: dict[str, ItemValue]
    labs: list[LabResult]
    narrative: str | None
    scored: bool
    index: int


@dataclass
class Case:
    file: str
    patient: Patient
    treatments: list[Treatment]
    history: list[Record]
    timepoints: list[Record]
    vocabulary: Vocabulary
    analytes: AnalyteTable
    source: Sourced

    def timepoint(self, tid: str) -> Record:
        for tp in self.timepoints:
            if tp.id == tid:
                return tp
        ids = ", ".join(t.id for t in self.timepoints)
        raise InputError(Problem(f"no timepoint '{tid}'", file=self.file, field="--timepoint",
                                 expected=f"one of {ids}", code="E120"))

    def records_until(self, tp: Record) -> list[Record]:
        """History and timepoints dated on or before ``tp``, oldest first (for cumulative
        sections: a later record replaces an earlier one). History entries may be listed in
        any order and fall between timepoints; within one month a timepoint comes after the
        history entries (its own record is the authority for its month)."""
        earlier = [r for r in self.history if r.date.same_or_before(tp.date)]
        earlier += [t for t in self.timepoints if t.index <= tp.index]
        earlier.sort(key=lambda r: (r.date.year, r.date.month, r.scored, r.date.day or 0))
        return earlier


@dataclass
class Catalogue:
    """Vocabulary + analyte table, loaded once and shared by every case."""

    vocabulary: Vocabulary
    analytes: AnalyteTable

    @classmethod
    def load(cls, rule_dirs: list[Path] | None = None, read: Reader | None = None) -> Catalogue:
        """The bundled vocabulary and analytes plus those of ``rule_dirs``; ``read`` parses a
        file (default: :func:`sicca.base.yamlsrc.load`; a session passes its disk cache)."""
        dirs = [RULES_DIR] + list(rule_dirs or [])
        read = read or load
        found = discover_kinds(dirs, read)  # the same discovery as `sicca rules check`
        if found.broken:
            raise InputError(found.broken)
        return cls(load_vocabulary(found.of("vocabulary"), read),
                   AnalyteTable.load(found.of("analytes"), read))


_DEFAULT_CATALOGUE: Catalogue | None = None


def default_catalogue() -> Catalogue:
    global _DEFAULT_CATALOGUE
    if _DEFAULT_CATALOGUE is None:
        _DEFAULT_CATALOGUE = Catalogue.load()
    return _DEFAULT_CATALOGUE


def load_case(path: str | Path, catalogue: Catalogue | None = None) -> Case:
    """Read a case file; every problem in it is reported in one InputError (exit 2)."""
    src = load(path)
    return parse_case(src, catalogue or default_catalogue())


def parse_case(src: Sourced, catalogue: Catalogue) -> Case:
    problems = Problems()
    if not isinstance(src.data, dict):
        raise InputError(src.problem((), "a case file must be a mapping", code="E100",
                                     expected="keys patient, timepoints, ...",
                                     found=type(src.data).__name__))
    try:
        shell = Shell.model_validate(src.data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            hint = None
            if err["type"] == "extra_forbidden":
                hint = _did_you_mean(str(loc[-1]), _shell_keys(loc))
                loc = loc + (KEY,)
            problems.add(src.problem(loc, _pyd_msg(err), code="E101",
                                     found=_short(err.get("input")), hint=hint))
        problems.raise_if_any(InputError)
        raise AssertionError("unreachable") from None
    vocab, analytes = catalogue.vocabulary, catalogue.analytes
    history = [_parse_record(src, ("history", i), raw, vocab, analytes, problems, False, i)
               for i, raw in enumerate(shell.history)]
    timepoints = [_parse_record(src, ("timepoints", i), raw, vocab, analytes, problems, True, i)
                  for i, raw in enumerate(shell.timepoints)]
    _check_order(src, timepoints, problems)
    problems.raise_if_any(InputError)
    return Case(src.file, shell.patient, shell.treatments,
                [r for r in history if r is not None], [t for t in timepoints if t is not None],
                vocab, analytes, src)


def _shell_keys(loc: tuple[Any, ...]) -> list[str]:
    models: dict[str, type[BaseModel]] = {"patient": Patient, "treatments": Treatment}
    model = models.get(str(loc[0]), Shell) if len(loc) > 1 else Shell
    return list(model.model_fields)


def _did_you_mean(name: str, pool: list[str], list_keys: bool = True) -> str | None:
    hint = did_you_mean(name, pool)
    if hint:
        return hint
    return f"allowed keys: {', '.join(pool)}" if list_keys else None


def _pyd_msg(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    return str(err["msg"])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _check_order(src: Sourced, tps: list[Record | None], problems: Problems) -> None:
    seen: dict[str, int] = {}
    prev: Record | None = None
    for i, tp in enumerate(tps):
        if tp is None:
            continue
        if tp.id in seen:
            problems.add(src.problem(("timepoints", i, "id"), f"duplicate timepoint id '{tp.id}'",
                                     code="E103", expected="each timepoint id once",
                                     hint=f"first used at timepoints[{seen[tp.id]}]"))
        seen.setdefault(tp.id, i)
        if prev is not None and not prev.date < tp.date:
            problems.add(src.problem(("timepoints", i, "date"),
                                     f"timepoint '{tp.id}' ({tp.date}) is not after "
                                     f"'{prev.id}' ({prev.date})", code="E104",
                                     expected="timepoints in strictly increasing date order",
                                     timepoint=tp.id))
        prev = tp


def _parse_record(src: Sourced, path: PathKey, raw: dict[str, Any], vocab: Vocabulary,
                  analytes: AnalyteTable, problems: Problems, scored: bool,
                  index: int) -> Record | None:
    for key in raw:
        if key not in RECORD_KEYS:
            problems.add(src.problem(path + (key, KEY), f"unknown key '{key}'", code="E102",
                                     hint=_did_you_mean(str(key), sorted(RECORD_KEYS))))
    rid = raw.get("id") if scored else raw.get("label", f"history[{index}]")
    if scored and (not isinstance(rid, str) or not re.match(r"^[a-z][a-z0-9_]*$", rid)):
        problems.add(src.problem(path + ("id",), "a timepoint needs an id", code="E105",
                                 expected="an identifier such as baseline or after_4_infusions",
                                 found=_short(rid)))
        return None
    try:
        date = PartialDate.parse(str(raw.get("date", "")))
    except ValueError as exc:
        problems.add(src.problem(path + ("date",), str(exc), code="E106",
                                 expected="YYYY-MM or YYYY-MM-DD", found=_short(raw.get("date")),
                                 timepoint=str(rid)))
        return None
    items: dict[str, ItemValue] = {}
    spelled: dict[str, PathKey] = {}  # item -> where it was first written in this record
    for section in RECORD_SECTIONS:
        block = raw.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            problems.add(src.problem(path + (section,), f"{section} must be a mapping",
                                     code="E107", found=_short(block)))
            continue
        for name, value, vpath in _walk(block, path + (section,), vocab, section):
            item = vocab.items.get(name)
            if item is None or item.section != section:
                problems.add(problem_for_unknown(src, vpath, name, vocab, section))
                continue
            if name in spelled:
                first = spelled[name]
                line = src.mark(first + (KEY,))[0]
                problems.add(src.problem(vpath + (KEY,), f"'{name}' is given twice",
                                         code="E126", timepoint=str(rid),
                                         expected="each item once per record",
                                         hint=f"also at {dotted(first)}"
                                              + (f" (line {line})" if line else "")))
                continue
            spelled[name] = vpath
            if not scored and not item.cumulative and value is not None:
                problems.add(src.problem(vpath + (KEY,), f"'{name}' in a history entry is "
                                         "never used", code="E127", timepoint=str(rid),
                                         expected="in history, only items that hold until "
                                                  "changed (cumulative: tests, conditions, "
                                                  "the symptom questions)",
                                         hint="record it at the timepoint it belongs to"))
                continue
            try:
                iv = parse_item(item, value, src, vpath)
            except InputError as exc:
                _add_at(problems, exc, str(rid))
                continue
            iv.record, iv.date = str(rid), date
            iv.line = src.mark(vpath)[0]
            items[name] = iv
    labs: list[LabResult] = []
    raw_labs = raw.get("labs") or []
    if raw_labs and not scored:
        problems.add(src.problem(path + ("labs", KEY), "labs in a history entry are never "
                                 "used", code="E127", timepoint=str(rid),
                                 expected="labs at the timepoint they were measured",
                                 hint="a lab counts at its own timepoint only"))
        raw_labs = []
    if not isinstance(raw_labs, list):
        problems.add(src.problem(path + ("labs",), "labs must be a list", code="E107"))
        raw_labs = []
    seen_analytes: dict[str, int] = {}
    for j, entry in enumerate(raw_labs):
        try:
            lab = parse_lab_entry(entry, src, path + ("labs", j), analytes)
        except InputError as exc:
            _add_at(problems, exc, str(rid))
            continue
        key = lab.analyte.key
        if key in seen_analytes:
            problems.add(src.problem(path + ("labs", j, "analyte"),
                                     f"analyte '{lab.analyte.name}' is given twice", code="E108",
                                     hint=f"first at labs[{seen_analytes[key]}]",
                                     timepoint=str(rid)))
            continue
        seen_analytes[key] = j
        labs.append(lab)
    label = raw.get("label")
    return Record(str(rid), date, str(label) if label is not None else None, items, labs,
                  raw.get("narrative"), scored, index)


def _add_at(problems: Problems, exc: InputError, timepoint: str) -> None:
    """Collect ``exc``'s problems, each naming the record it was found in."""
    for p in exc.problems:
        p.timepoint = timepoint
        problems.add(p)


def _walk(block: dict[str, Any], path: PathKey, vocab: Vocabulary,
          section: str) -> list[tuple[str, Any, PathKey]]:
    """Flatten nested mappings into dotted item names; stop at a known item."""
    out: list[tuple[str, Any, PathKey]] = []

    def rec(prefix: str, node: Any, p: PathKey) -> None:
        if prefix and prefix in vocab.items:
            out.append((prefix, node, p))
            return
        if isinstance(node, dict) and (prefix == "" or vocab.is_prefix(prefix)):
            for k, v in node.items():
                rec(f"{prefix}.{k}" if prefix else str(k), v, p + (k,))
            return
        out.append((prefix, node, p))

    rec("", block, path)
    return out


# --- item values ---------------------------------------------------------------------------

COMMON_KEYS = {"note", "inferred", "date", "source", "interpreted_from"}


def _num(text: Any, src: Sourced, path: PathKey, what: str) -> tuple[Decimal, str | None]:
    """A (possibly censored) number through the one number reader (sicca.base.numbers)."""
    censor: str | None = None
    body: Any = text
    if isinstance(text, float):  # 1.50 keeps its digits, as a lab value does
        written = src.number_text(path, text)
        body = written if written is not None else text
    if isinstance(text, str):
        body = text.strip()
        for sign, canonical in _CENSORS:
            if body.startswith(sign):
                censor, body = canonical, body[len(sign):].lstrip()
                break
    try:
        value = finite_decimal(body)
    except NumberError as exc:
        raise InputError(src.problem(path, f"{what} is not a number: {exc}", code="E111",
                                     expected="a finite number such as 38.6, or censored "
                                              "'<0.5' / '>=1'", found=_short(text))) from None
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS:
        raise InputError(src.problem(path, f"{what} has {digits} significant digits",
                                     code="E119",
                                     expected=f"at most {MAX_DIGITS} significant digits",
                                     found=_short(text)))
    return value, censor


def _state_word(raw: Any) -> str | None:
    if isinstance(raw, str) and raw in MISSING_STATES:
        return raw
    return None


def parse_item(item: Item, raw: Any, src: Sourced, path: PathKey) -> ItemValue:
    """Read one item in its short or long form; raise a located InputError when it is wrong."""
    t = item.type
    iv = ItemValue(item.name, "not_reported", path=dotted(path))
    if raw is None:
        return iv
    if t == "per_eye":
        return _parse_per_eye(item, raw, src, path, iv)
    if not isinstance(raw, dict):
        raw = {main_key(t): raw}
    allowed = {main_key(t), "state"} | COMMON_KEYS | set(item.spec.attributes)
    if t == "measurement":
        allowed.add("unit")
    _check_keys(raw, allowed, src, path, f"{t} '{item.name}'")
    main = raw.get(main_key(t))
    state = raw.get("state")
    if state is not None and state not in (FINDING_STATES if t == "finding" else MISSING_STATES):
        raise InputError(src.problem(path + ("state",), f"unknown state '{state}'", code="E113",
                                     expected=" | ".join(FINDING_STATES if t == "finding"
                                                         else MISSING_STATES)))
    if t == "finding":
        word = main if main is not None else state
        if isinstance(word, bool):
            word = "present" if word else "absent"
        if word not in FINDING_STATES:
            raise InputError(src.problem(path, f"'{word}' is not a finding state", code="E113",
                                         expected=" | ".join(FINDING_STATES), found=repr(word)))
        if word in ("present", "absent"):
            iv.state, iv.code = "reported", word
        else:
            iv.state = word
    elif t in ("result", "answer"):
        codes = RESULT_CODES if t == "result" else ("yes", "no")
        word = main
        if isinstance(word, bool) and t == "answer":
            word = "yes" if word else "no"
        if word is None and state is not None:
            iv.state = state
        elif _state_word(word):
            iv.state = str(word)
        elif word in codes:
            iv.state, iv.code = "reported", str(word)
        else:
            raise InputError(src.problem(path, f"'{word}' is not a {t}", code="E114",
                                         expected=" | ".join(codes + MISSING_STATES),
                                         found=repr(word)))
    else:  # measurement, rating, count
        if main is None and state is not None:
            iv.state = state
        elif _state_word(main):
            iv.state = str(main)
        else:
            value, censor = _num(main, src, path + ((main_key(t),) if isinstance(raw, dict)
                                                    and main_key(t) in raw else ()),
                                 f"the value of '{item.name}'")
            unit = raw.get("unit")
            if unit is not None and item.spec.unit and unit != item.spec.unit:
                value = _convert(value, str(unit), item.spec.unit, src, path + ("unit",),
                                 item.name)
            iv.state, iv.value, iv.censor = "reported", value, censor
            iv.unit = item.spec.unit
            _check_range(item, value, src, path)
            if t == "count" and value != value.to_integral_value():
                raise InputError(src.problem(path, f"'{item.name}' is a count", code="E111",
                                             expected="a whole number", found=str(value)))
    _common_flags(raw, src, path, iv)
    _parse_attrs(item, raw, iv, src, path)
    return iv


def _check_keys(raw: dict[str, Any], allowed: set[str], src: Sourced, path: PathKey,
                what: str) -> None:
    for key in raw:
        if key not in allowed:
            raise InputError(src.problem(path + (key, KEY), f"unknown key '{key}' for {what}",
                                         code="E112",
                                         hint=_did_you_mean(str(key), sorted(allowed))))


def _parse_attrs(item: Item, raw: dict[str, Any], iv: ItemValue, src: Sourced,
                 path: PathKey) -> None:
    for name in item.spec.attributes:
        if name in raw:
            iv.attrs[name] = _parse_attr(item, name, raw[name], src, path + (name,))


def _common_flags(raw: dict[Any, Any], src: Sourced, path: PathKey, iv: ItemValue) -> None:
    """The keys every item may carry (note, inferred, date, source, interpreted_from), each
    checked for its type: a flag that cannot be read is an error, never kept as it came."""
    for key in COMMON_KEYS:
        if key not in raw:
            continue
        v = raw[key]
        if key == "inferred":
            if not isinstance(v, bool):
                raise InputError(src.problem(path + (key,), "'inferred' must be true or false",
                                             code="E128", expected="true | false",
                                             found=_short(v)))
        elif key == "date":
            try:
                v = str(PartialDate.parse(str(v)))
            except ValueError as exc:
                raise InputError(src.problem(path + ("date",), str(exc), code="E106",
                                             expected="YYYY-MM or YYYY-MM-DD")) from None
        elif not isinstance(v, str):
            raise InputError(src.problem(path + (key,), f"'{key}' must be text", code="E128",
                                         expected="a string", found=_short(v)))
        iv.flags[key] = v


_MAIN_KEYS = {"finding": "state", "result": "result", "answer": "answer"}


def main_key(t: str) -> str:
    """The long-form key holding an item type's value (state, result, answer or value)."""
    return _MAIN_KEYS.get(t, "value")


def _parse_attr(item: Item, name: str, raw: Any, src: Sourced, path: PathKey) -> ItemValue:
    spec = item.spec.attributes[name]
    full = f"{item.name}.{name}"
    kind = spec.kind()
    if _state_word(raw):
        return ItemValue(full, str(raw), path=dotted(path))
    if kind == "bool":
        if isinstance(raw, bool):
            return ItemValue(full, "reported", code="yes" if raw else "no", path=dotted(path))
        if raw in ("yes", "no"):
            return ItemValue(full, "reported", code=str(raw), path=dotted(path))
        raise InputError(src.problem(path, f"'{full}' must be true or false", code="E115",
                                     expected="true | false", found=repr(raw)))
    if kind == "number":
        value, censor = _num(raw, src, path, f"'{full}'")
        return ItemValue(full, "reported", value=value, censor=censor, unit=spec.unit,
                         path=dotted(path))
    if spec.choices is not None and raw not in spec.choices:
        hint = _did_you_mean(str(raw), spec.choices, list_keys=False)
        raise InputError(src.problem(path, f"'{raw}' is not a value of '{full}'", code="E115",
                                     expected=" | ".join(spec.choices), found=repr(raw),
                                     hint=hint))
    return ItemValue(full, "reported", code=str(raw), path=dotted(path))


def _parse_per_eye(item: Item, raw: Any, src: Sourced, path: PathKey,
                   iv: ItemValue) -> ItemValue:
    if _state_word(raw):
        iv.state = str(raw)
        return iv
    if not isinstance(raw, dict):
        raise InputError(src.problem(path, f"'{item.name}' is recorded per eye", code="E116",
                                     expected="{right: <value>, left: <value>} or not_done",
                                     found=_short(raw)))
    allowed = {"right", "left", "state"} | COMMON_KEYS | set(item.spec.attributes)
    _check_keys(raw, allowed, src, path, f"per-eye test '{item.name}'")
    if "state" in raw and _state_word(raw["state"]):
        iv.state = str(raw["state"])
    for side in ("right", "left"):
        v = raw.get(side)
        sv = ItemValue(f"{item.name}.{side}", "not_reported", path=dotted(path + (side,)))
        if _state_word(v):
            sv.state = str(v)
        elif v is not None:
            sv.value, sv.censor = _num(v, src, path + (side,), f"'{item.name}' {side} eye")
            sv.state, sv.unit = "reported", item.spec.unit
            _check_range(item, sv.value, src, path + (side,))
        iv.sides[side] = sv
    done = [s for s in iv.sides.values() if s.state == "reported" and s.value is not None]
    if done:
        iv.state, iv.unit = "reported", item.spec.unit
        iv.value, iv.censor = worse_eye([(s.value, s.censor) for s in done],
                                        len(done) < 2, item.spec.worse or "max")
        exact = [s.value for s in done if s.value is not None and not s.censor]
        if len(exact) == 2:
            iv.flags["mean"] = (exact[0] + exact[1]) / 2
    _common_flags(raw, src, path, iv)
    _parse_attrs(item, raw, iv, src, path)
    return iv


_Bound = tuple[Decimal | None, bool]  # (limit or None for unbounded, limit included)


def worse_eye(sides: list[tuple[Decimal | None, str | None]], one_missing: bool,
              worse: str) -> tuple[Decimal | None, str | None]:
    """The worse eye as one (possibly censored) value, by interval arithmetic.

    Each eye is an interval ("<10" is (-inf, 10), an eye not measured is unbounded); the worse
    eye is the min (or max) of the intervals. A bounded result is kept by the bound on the
    worse side, which is conservative: a comparison it cannot decide stays undecided.
    """
    lows: list[_Bound] = []
    highs: list[_Bound] = []
    for value, censor in sides:
        c = censor or ""
        lows.append((value, c != ">") if c in ("", ">", ">=") else (None, False))
        highs.append((value, c != "<") if c in ("", "<", "<=") else (None, False))
    if one_missing:
        lows.append((None, False))
        highs.append((None, False))
    pick_min = worse == "min"

    def extreme(bounds: list[_Bound], lower: bool) -> _Bound:
        # For the min of intervals: lower ends take the smallest (None = -inf wins), upper ends
        # the smallest finite (None = +inf loses); mirrored for the max.
        finite = [b for b in bounds if b[0] is not None]
        if (lower == pick_min) and len(finite) < len(bounds):
            return (None, False)
        if not finite:
            return (None, False)
        key = (lambda b: (b[0], not b[1])) if pick_min else (lambda b: (b[0], b[1]))
        return min(finite, key=key) if pick_min else max(finite, key=key)

    lo, hi = extreme(lows, True), extreme(highs, False)
    if lo[0] is not None and hi[0] is not None and lo[0] == hi[0] and lo[1] and hi[1]:
        return lo[0], None
    # the bound on the worse side when there is one, else the other: both eyes ">5" is ">5"
    # (not unknown), so a Schirmer item it decides (> 5 mm) is negative
    first, second = (hi, lo) if pick_min else (lo, hi)
    for b in (first, second):
        if b[0] is not None:
            if b is hi:
                return b[0], "<=" if b[1] else "<"
            return b[0], ">=" if b[1] else ">"
    return None, None


def _check_range(item: Item, value: Decimal, src: Sourced, path: PathKey) -> None:
    """The vocabulary's bounds (``range: [lo, hi]``, or ``min:`` / ``max:``), both included."""
    lo, hi = item.spec.bounds()
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        want = (f"{lo} to {hi}" if lo is not None and hi is not None
                else f"at least {lo}" if lo is not None else f"at most {hi}")
        unit = f" {item.spec.unit}" if item.spec.unit else ""
        raise InputError(src.problem(path, f"'{item.name}' is out of range", code="E117",
                                     expected=want + unit, found=f"{value}{unit}"))


def _convert(value: Decimal, unit: str, to: str, src: Sourced, path: PathKey,
             name: str) -> Decimal:
    from sicca.records import units

    try:
        return units.convert(value, unit, to)
    except InputError as exc:
        p = src.problem(path, f"unit '{unit}' does not fit '{name}' (stored in {to})",
                        code="E118", expected=f"a unit convertible to {to}", found=unit,
                        hint=exc.problems[0].message if exc.problems else None)
        raise InputError(p) from None


# --- JSON Schema ------------------------------------------------------------------------------

def case_json_schema(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """A JSON Schema of the case file as written (see sicca.records.case_schema)."""
    from sicca.records.case_schema import case_json_schema as build

    return build(catalogue)
