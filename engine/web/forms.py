"""The visit form, generated from the vocabulary: its sections and fields, and the two ways
between a form and a timepoint as the case file holds it.

Field names: ``v.id``/``v.date``/``v.label`` for the visit, ``f.<item>`` for an item's value,
``f.<item>.<attribute>`` for an attribute, ``f.<item>.right``/``.left`` for per-eye tests,
``lab.<key>.value``/``.unit``/``.reference`` for the lab grid, ``o.<option>`` for a judgement
call (a rule-pack option; the patient's, see :func:`options_from_form`). An empty field is left
out of the timepoint, so the item stays ``not_reported``; ``not done`` and ``unknown`` are
choices. A number keeps the digits it was typed with (``241.00`` is ``Decimal('241.00')``, not
``241.0``); a censored value (``<0.5``) is kept as its text, as a case file holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sicca.api.session import DomainLevels
from sicca.base.errors import Problem
from sicca.records.models import Catalogue, main_key
from sicca.records.vocabulary import Item

STATE_CHOICES = {
    "finding": ["present", "absent", "not_done", "unknown"],
    "result": ["positive", "negative", "not_done", "unknown"],
    "answer": ["yes", "no", "not_done", "unknown"],
}
#: Sections of a timepoint, in the order of the case file.
SECTIONS = ("symptoms", "findings", "ratings", "tests", "conditions", "drugs")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass
class Field:
    """One input: its form name, label, widget and choices."""

    name: str
    label: str
    widget: str  # select | text | slider | eyes
    choices: list[str] = field(default_factory=list)
    unit: str | None = None
    help: str | None = None
    attrs: list[Field] = field(default_factory=list)
    item: str = ""


@dataclass
class Section:
    key: str
    title: str
    fields: list[Field]
    levels: list[tuple[int, str]] = field(default_factory=list)  # (level, definition)
    weight: int | None = None
    note: str | None = None


@dataclass
class LabRow:
    key: str
    name: str
    unit: str
    panel: str | None


@dataclass
class OptionRow:
    """A judgement call (``sicca options``): its choices, default and description."""

    name: str
    choices: list[str]
    default: str | None
    description: str

    @property
    def input_name(self) -> str:
        return f"o.{self.name}"


@dataclass
class VisitForm:
    sections: list[Section]
    labs: list[LabRow]
    options: list[OptionRow] = field(default_factory=list)


def _label(name: str) -> str:
    return name.rsplit(".", 1)[-1].replace("_", " ")


def _field(item: Item) -> Field:
    t = item.type
    spec = item.spec
    help_ = " ".join((spec.description or "").split()) or None
    unit = spec.unit
    if t in STATE_CHOICES:
        f = Field(f"f.{item.name}", _label(item.name), "select", STATE_CHOICES[t], help=help_)
    elif t == "rating":
        f = Field(f"f.{item.name}", _label(item.name), "slider", help=help_)
    elif t == "per_eye":
        f = Field(f"f.{item.name}", _label(item.name), "eyes", unit=unit, help=help_)
    else:  # measurement, count
        f = Field(f"f.{item.name}", _label(item.name), "text", unit=unit, help=help_)
    f.item = item.name
    for aname, a in spec.attributes.items():
        kind = a.kind()
        name = f"f.{item.name}.{aname}"
        if kind == "bool":
            f.attrs.append(Field(name, aname.replace("_", " "), "select", ["yes", "no"]))
        elif kind == "number":
            f.attrs.append(Field(name, aname.replace("_", " "), "text", unit=a.unit))
        else:
            f.attrs.append(Field(name, aname.replace("_", " "), "select",
                                 list(a.choices or [])))
    return f


def build_form(catalogue: Catalogue, domains: list[DomainLevels]) -> VisitForm:
    """The form of a visit: one section per ESSDAI domain (with its level definitions), the
    other findings, symptoms, ESSPRI, tests, exclusions, drugs; and the lab grid."""
    vocab = catalogue.vocabulary
    by_domain = {d.domain: d for d in domains}
    findings = vocab.by_section("findings")
    order: list[str] = []
    for it in findings:  # domain order: the vocabulary's (its involvement items come first)
        head = it.name.split(".", 1)[0]
        if head in by_domain and head not in order:
            order.append(head)
    order += [d for d in by_domain if d not in order]
    sections: list[Section] = []
    used: set[str] = set()
    for d in order:
        dl = by_domain[d]
        items = [it for it in findings if it.name.split(".", 1)[0] == d]
        used.update(it.name for it in items)
        sections.append(Section(
            f"domain-{d}", f"{d.capitalize()} domain", [_field(it) for it in items],
            [(lv.level, lv.description) for lv in dl.levels], dl.weight,
            "laboratory values: see the lab grid" if d in ("biological", "haematological")
            else None))
    rest = [it for it in findings if it.name not in used]
    if rest:
        sections.append(Section("findings", "Other findings", [_field(it) for it in rest]))
    titles = {"symptoms": "Symptoms", "ratings": "ESSPRI (patient ratings, 0-10)",
              "tests": "Classification tests", "conditions": "Exclusions and conditions",
              "drugs": "Drugs"}
    for sec in ("symptoms", "ratings", "tests", "conditions", "drugs"):
        items = vocab.by_section(sec) if sec in vocab.sections else []
        if items:
            sections.append(Section(sec, titles[sec], [_field(it) for it in items],
                                    note=vocab.descriptions.get(sec)))
    labs = [LabRow(a.key, a.name, a.unit, a.panel) for a in catalogue.analytes.all()]
    options = [OptionRow(i.name, list(i.spec.choices or []), i.spec.default,
                         " ".join((i.spec.description or "").split()))
               for i in vocab.options()]
    return VisitForm(sections, labs, options)


def options_from_form(form: Mapping[str, str], rows: list[OptionRow]) -> dict[str, str]:
    """The options a form sets (``o.<name>``), by name: only those that differ from their
    default, so that a patient left at the defaults follows the rule pack's defaults. A value
    that is not a choice is kept, for the scoring session to refuse (E122, next to the field)."""
    out: dict[str, str] = {}
    for row in rows:
        v = (form.get(row.input_name) or "").strip()
        if v and v != row.default:
            out[row.name] = v
    return out


def form_from_options(options: Mapping[str, str], rows: list[OptionRow]) -> dict[str, str]:
    """The form values that show a patient's options (each at its default unless set)."""
    return {row.input_name: str(options.get(row.name, row.default or "")) for row in rows}


# ---- form -> timepoint --------------------------------------------------------------------


def _scalar(text: str) -> Any:
    """A typed value as a case file would hold it: plain numbers as numbers, the missing
    words as their states, anything else as text (the case parser then says what is wrong)."""
    t = text.strip()
    low = t.lower().replace(" ", "_")
    if low in ("not_done", "unknown", "not_reported"):
        return low
    if _PLAIN.match(t):
        try:
            d = Decimal(t)
        except InvalidOperation:
            return t
        return int(d) if "." not in t else d  # 241.00 stays 241.00: no float on the way
    return t


def _put(section: dict[str, Any], name: str, value: Any) -> None:
    """Nest a dotted item name as the case file does (``cutaneous.purpura`` ->
    ``{cutaneous: {purpura: ...}}``)."""
    parts = name.split(".")
    node = section
    for p in parts[:-1]:
        nxt = node.setdefault(p, {})
        if not isinstance(nxt, dict):  # an item and a longer item share a prefix
            node[".".join(parts[parts.index(p):])] = value
            return
        node = nxt
    node[parts[-1]] = value


def flatten(section: Mapping[str, Any], catalogue: Catalogue, prefix: str = ""
            ) -> dict[str, Any]:
    """A timepoint section's items by dotted name (the reverse of the case file's nesting)."""
    out: dict[str, Any] = {}
    items = catalogue.vocabulary.items
    for key, value in section.items():
        name = f"{prefix}{key}"
        if name in items:
            out[name] = value
        elif isinstance(value, dict):
            out.update(flatten(value, catalogue, name + "."))
    return out


def timepoint_from_form(form: Mapping[str, str], catalogue: Catalogue,
                        stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The timepoint mapping of a submitted form. Keys the form does not show (notes,
    ``inferred``, dates of a stored item or lab) are kept from ``stored``."""
    stored = dict(stored or {})
    tp = _record_from_form(form, catalogue, stored, "v", ("id", "date", "label"), SECTIONS,
                           kept_out=("labs",))
    labs = _labs_from_form(form, catalogue, stored.get("labs") or [])
    if labs:
        tp["labs"] = labs
    return tp


def _item_from_form(item: Item, form: Mapping[str, str], old: Any) -> Any:
    base = f"f.{item.name}"
    t = item.type
    if t == "per_eye":
        sides = {s: _scalar(form.get(f"{base}.{s}", "")) for s in ("right", "left")}
        sides = {s: v for s, v in sides.items() if v != ""}
        state = (form.get(base) or "").strip()
        if not sides:
            return state or None
        raw: dict[str, Any] = dict(old) if isinstance(old, dict) else {}
        raw.pop("right", None)
        raw.pop("left", None)
        raw.update(sides)
    else:
        main = (form.get(base) or "").strip()
        if not main:
            return None
        value = main if t in STATE_CHOICES else _scalar(main)
        raw = dict(old) if isinstance(old, dict) else {}
        if isinstance(old, dict) and "value" in old and t not in STATE_CHOICES:
            raw.pop("unit", None)  # the form shows the value in the item's unit
        raw.pop("state", None)
        raw[main_key(t)] = value
    attrs_given = False
    for aname, a in item.spec.attributes.items():
        raw.pop(aname, None)
        v = (form.get(f"{base}.{aname}") or "").strip()
        if not v:
            continue
        attrs_given = True
        if a.kind() == "bool":
            raw[aname] = v == "yes" if v in ("yes", "no") else v
        elif a.kind() == "number":
            raw[aname] = _scalar(v)
        else:
            raw[aname] = v
    if t != "per_eye" and not attrs_given and set(raw) == {main_key(t)}:
        return raw[main_key(t)]  # the short form
    return raw


def _labs_from_form(form: Mapping[str, str], catalogue: Catalogue,
                    stored: list[Any]) -> list[dict[str, Any]]:
    old: dict[str, dict[str, Any]] = {}
    for entry in stored:
        if isinstance(entry, dict):
            a = catalogue.analytes.resolve(str(entry.get("analyte", "")))
            if a is not None and a.key not in old:
                old[a.key] = entry
    out: list[dict[str, Any]] = []
    for a in catalogue.analytes.all():
        value = (form.get(f"lab.{a.key}.value") or "").strip()
        if not value:
            continue
        entry = dict(old.get(a.key) or {"analyte": a.name})
        entry["value"] = _scalar(value)
        unit = (form.get(f"lab.{a.key}.unit") or "").strip()
        if unit:
            entry["unit"] = unit
        ref = (form.get(f"lab.{a.key}.reference") or "").strip()
        if ref:
            entry["reference"] = ref
        else:
            entry.pop("reference", None)
        out.append(entry)
    return out


# ---- timepoint -> form --------------------------------------------------------------------


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, Decimal):
        return format(v, "f")  # the digits as written: 241.00, never 2.41E+2
    return str(v)


def form_from_timepoint(tp: Mapping[str, Any], catalogue: Catalogue) -> dict[str, str]:
    """The form values that show a stored timepoint."""
    values: dict[str, str] = {f"v.{k}": _text(tp.get(k)) for k in ("id", "date", "label")}
    vocab = catalogue.vocabulary
    for sec in SECTIONS:
        for name, raw in flatten(tp.get(sec) or {}, catalogue).items():
            item = vocab.items[name]
            base = f"f.{name}"
            if item.type == "per_eye":
                if isinstance(raw, dict):
                    for s in ("right", "left"):
                        if s in raw:
                            values[f"{base}.{s}"] = _text(raw[s])
                else:
                    values[base] = _text(raw)
            elif isinstance(raw, dict):
                mk = main_key(item.type)
                values[base] = _text(raw.get(mk, raw.get("state")))
            else:
                values[base] = _text(raw)
            if isinstance(raw, dict):
                for aname in item.spec.attributes:
                    if aname in raw:
                        values[f"{base}.{aname}"] = _text(raw[aname])
    for entry in tp.get("labs") or []:
        if not isinstance(entry, dict):
            continue
        a = catalogue.analytes.resolve(str(entry.get("analyte", "")))
        if a is None or f"lab.{a.key}.value" in values:
            continue
        values[f"lab.{a.key}.value"] = _text(entry.get("value"))
        values[f"lab.{a.key}.unit"] = _text(entry.get("unit"))
        values[f"lab.{a.key}.reference"] = _text(entry.get("reference"))
    return values


# ---- errors -> fields ---------------------------------------------------------------------

_INDEX = re.compile(r"\[(\d+)\]")


def field_of(problem: Problem, tp: Mapping[str, Any], index: int,
             catalogue: Catalogue) -> str | None:
    """The form field a case-parser problem at timepoint ``index`` points at, or None."""
    path = problem.field or ""
    prefix = f"timepoints[{index}]"
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix):].lstrip(".")
    if rest in ("id", "date", "label"):
        return f"v.{rest}"
    m = re.match(r"labs\[(\d+)\]\.?(\w*)", rest)
    if m:
        labs = tp.get("labs") or []
        k = int(m.group(1))
        if k < len(labs) and isinstance(labs[k], dict):
            a = catalogue.analytes.resolve(str(labs[k].get("analyte", "")))
            if a is not None:
                part = m.group(2) if m.group(2) in ("unit", "reference") else "value"
                return f"lab.{a.key}.{part}"
        return None
    parts = rest.split(".")
    if not parts or parts[0] not in SECTIONS:
        return None
    segs = parts[1:]
    items = catalogue.vocabulary.items
    for n in range(len(segs), 0, -1):
        name = ".".join(segs[:n])
        if name in items:
            tail = segs[n:]
            item = items[name]
            if tail and (tail[0] in item.spec.attributes or tail[0] in ("right", "left")):
                return f"f.{name}.{tail[0]}"
            return f"f.{name}"
    return None


def problem_text(p: Problem) -> str:
    """A problem in the CLI's words, without the file location (the form is the place)."""
    text = p.message
    if p.expected is not None:
        text += f"; expected {p.expected}"
    if p.found is not None:
        text += f", found {p.found}"
    if p.hint:
        text += f" (hint: {p.hint})"
    return text


# ---- history entries ----------------------------------------------------------------------
# A history entry (the case file's ``history:``) is a dated record before or between the
# visits, read only for what holds until changed (``cumulative`` items: the classification
# tests, the conditions, the symptom questions); the parser refuses any other item there
# (E127), so its form shows only those. Field names: ``h.date``/``h.label`` for the entry,
# ``f.<item>`` (and its attributes) as in the visit form.

#: Sections a history entry may carry items in, in the case file's order.
HISTORY_SECTIONS = ("symptoms", "tests", "conditions")


def build_history_form(catalogue: Catalogue) -> list[Section]:
    """The sections of a history entry's form: each section's cumulative items."""
    vocab = catalogue.vocabulary
    titles = {"symptoms": "Symptom questions", "tests": "Classification tests",
              "conditions": "Exclusions and conditions"}
    out: list[Section] = []
    for sec in HISTORY_SECTIONS:
        items = [it for it in (vocab.by_section(sec) if sec in vocab.sections else [])
                 if it.cumulative]
        if items:
            out.append(Section(f"h-{sec}", titles[sec], [_field(it) for it in items],
                               note=vocab.descriptions.get(sec)))
    return out


def entry_from_form(form: Mapping[str, str], catalogue: Catalogue,
                    stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The history entry of a submitted form. Keys the form does not show (narrative, note,
    an item's note or ``interpreted``) are kept from ``stored``."""
    return _record_from_form(form, catalogue, dict(stored or {}), "h", ("date", "label"),
                             HISTORY_SECTIONS, cumulative_only=True)


def _record_from_form(form: Mapping[str, str], catalogue: Catalogue, stored: dict[str, Any],
                      prefix: str, heads: tuple[str, ...], sections: Iterable[str],
                      cumulative_only: bool = False, kept_out: tuple[str, ...] = (),
                      ) -> dict[str, Any]:
    """A visit's or a history entry's mapping from the form: its head fields (``prefix.id``,
    ``prefix.date``…), the keys of ``stored`` the form does not edit (narrative, notes; not
    ``kept_out``, which the caller rebuilds), and each section's items as the case file
    writes them (only the items that carry forward when ``cumulative_only``)."""
    rec: dict[str, Any] = {}
    for key in heads:
        v = (form.get(f"{prefix}.{key}") or "").strip()
        if v:
            rec[key] = v
    for key, v in stored.items():
        if key not in rec and key not in SECTIONS and key not in heads and key not in kept_out:
            rec[key] = v
    vocab = catalogue.vocabulary
    for sec in sections:
        old = flatten(stored.get(sec) or {}, catalogue)
        out: dict[str, Any] = {}
        for item in (vocab.by_section(sec) if sec in vocab.sections else []):
            if cumulative_only and not item.cumulative:
                continue
            raw = _item_from_form(item, form, old.get(item.name))
            if raw is not None:
                _put(out, item.name, raw)
        if out:
            rec[sec] = out
    return rec


def form_from_entry(entry: Mapping[str, Any], catalogue: Catalogue) -> dict[str, str]:
    """The form values that show a stored history entry."""
    values = form_from_timepoint(entry, catalogue)
    for key in ("id", "date", "label"):
        values.pop(f"v.{key}", None)
    values.update({f"h.{k}": _text(entry.get(k)) for k in ("date", "label")})
    return values


def history_field_of(problem: Problem, index: int, catalogue: Catalogue) -> str | None:
    """The form field a case-parser problem in ``history[index]`` points at, or None."""
    path = problem.field or ""
    prefix = f"history[{index}]"
    if not (path == prefix or path.startswith(prefix + ".")):
        return None
    rest = path[len(prefix):].lstrip(".")
    if rest in ("date", "label"):
        return f"h.{rest}"
    # the same walk as a timepoint's: the paths below the record are spelled alike
    return field_of(Problem(problem.message, field=f"timepoints[0].{rest}"), {}, 0, catalogue)


def summary(raw: Any) -> str:
    """A stored item's value in a few words for a list (``>=1, focal lymphocytic
    sialadenitis yes``, ``right 4, left <5``); notes are left out."""
    if isinstance(raw, dict):
        parts = []
        for k, v in raw.items():
            if k == "note":
                continue
            parts.append(_text(v) if k in ("value", "result", "state", "answer", "finding")
                         else f"{k.replace('_', ' ')} {_text(v)}")
        return ", ".join(parts)
    return _text(raw)
