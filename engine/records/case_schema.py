"""The case file's JSON Schema (draft 2020-12), written as the parser reads the file.

Everything is derived from the vocabulary and the analyte table, so a new vocabulary item or
analyte appears here without a code change. The schema mirrors :mod:`sicca.records.models`
and :func:`sicca.records.labs.parse_lab_entry`:

- sections nest by the dots of item names (``findings: {cutaneous: {purpura: …}}``); a dotted
  key (``cutaneous.purpura: …``) is accepted wherever the nested path is;
- every item takes its short form (``present``, ``38.6``, ``"<0.5"``, ``not_done``) or its long
  form (``{state: present, extent: …}``, ``{value: 38.6, unit: Cel}``); per-eye tests take
  ``{right: …, left: …}``; attributes with choices are enums;
- a lab entry's analyte is its name, key or an alias, matched as the parser does (case, space,
  hyphen and greek letters ignored);
- ``additionalProperties: false`` wherever the parser rejects an unknown key.

What a schema cannot say, and the parser checks after it (see the README, "Case schema"):
timepoint order and unique ids, an analyte given twice, whether a unit converts, a reference
range's low end above its high end, the range of a censored text value (``"<30"``) or of a
value given in another unit, and a count written as text being whole.
"""

from __future__ import annotations

import re
from typing import Any

from sicca.records.labs import _BOUND, _ENTRY_KEYS, _GREEK, _RANGE, AnalyteTable, normalize_name
from sicca.records.models import (
    CENSORED_NUMBER_PATTERN,
    COMMON_KEYS,
    FINDING_STATES,
    MISSING_STATES,
    RECORD_SECTIONS,
    RESULT_CODES,
    Catalogue,
    Patient,
    Treatment,
    default_catalogue,
    main_key,
)
from sicca.records.vocabulary import AttributeSpec, Item, Vocabulary

Json = dict[str, Any]
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://sicca.invalid/schema/case.schema.json"

# Month 01-12, day 01-31, as PartialDate.parse checks them.
DATE_PATTERN = r"^\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?$"
TIMEPOINT_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
# Lab values: a number, optionally censored by < or > (not <=), blanks around (labs.parse_value).
LAB_VALUE_PATTERN = r"^\s*[<>]?\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$"
LAB_ABSENT_PATTERN = r"^\s*(?:not_done|not_reported)\s*$"
_SEP = r"[\s\-_.·]*"  # what normalize_name drops between letters


def case_json_schema(catalogue: Catalogue | None = None) -> Json:
    """A JSON Schema of the case file as written (nested sections, short and long forms)."""
    cat = catalogue or default_catalogue()
    return _Builder(cat.vocabulary, cat.analytes).build()


def ecma(pattern: str) -> str:
    """A Python regex made ECMA-262 friendly (editors run patterns in JavaScript)."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


class _Builder:
    def __init__(self, vocab: Vocabulary, analytes: AnalyteTable) -> None:
        self.vocab = vocab
        self.analytes = analytes
        self.defs: dict[str, Json] = {}

    def build(self) -> Json:
        for model in (Patient, Treatment):
            self.defs[model.__name__] = _strip_titles(model.model_json_schema())
        self.defs.update(shared_defs())
        self.defs["Lab"] = self.lab()
        for section in RECORD_SECTIONS:
            self.defs[f"section.{section}"] = self.group("", section)
        self.defs["Timepoint"] = self.record(scored=True)
        self.defs["HistoryEntry"] = self.record(scored=False)
        return {
            "$schema": DRAFT,
            "$id": SCHEMA_ID,
            "title": "Sicca case file",
            "description": (
                "A Sicca case file (YAML or JSON): patient, treatments, dated history and "
                "scored timepoints. Items come from the vocabulary (rules/vocabulary/), written "
                "nested (findings: {cutaneous: {purpura: present}}) or with dotted keys."),
            "type": "object",
            "properties": {
                "sicca_case": {"const": 1, "description": "case file format version"},
                "patient": {"$ref": "#/$defs/Patient"},
                "treatments": {"type": "array", "items": {"$ref": "#/$defs/Treatment"},
                               "description": "treatments given, oldest first"},
                "history": {"type": "array", "items": {"$ref": "#/$defs/HistoryEntry"},
                            "description": "dated records before or between timepoints; "
                                           "read for cumulative sections, never scored"},
                "timepoints": {"type": "array", "minItems": 1,
                               "items": {"$ref": "#/$defs/Timepoint"},
                               "description": "scored visits, in strictly increasing date "
                                              "order"},
                "note": {"type": ["string", "null"]},
            },
            "required": ["patient", "timepoints"],
            "additionalProperties": False,
            "$defs": self.defs,
        }

    # --- records --------------------------------------------------------------------------

    def record(self, scored: bool) -> Json:
        props: Json = {
            "id": ({"type": "string", "pattern": TIMEPOINT_ID_PATTERN,
                    "description": "identifier such as baseline or after_4_infusions"}
                   if scored else {"description": "not read in a history entry"}),
            "date": {"$ref": "#/$defs/date"},
            "label": {"description": "a short human label"},
            "narrative": {"description": "the source's own words"},
            "note": {},
            "labs": {"anyOf": [{"type": "array", "items": {"$ref": "#/$defs/Lab"}},
                               {"type": "null"}],
                     "description": "laboratory results, one entry per analyte"},
        }
        if not scored:
            del props["labs"]  # a history entry's labs are read by nothing (E127)
        for section in RECORD_SECTIONS:
            props[section] = {"anyOf": [{"$ref": f"#/$defs/section.{section}"},
                                        {"type": "null"}]}
        return {"type": "object", "properties": props,
                "required": ["id", "date"] if scored else ["date"],
                "additionalProperties": False,
                "description": "a scored timepoint" if scored else "a history entry (not scored)"}

    # --- sections and groups ----------------------------------------------------------------

    def group(self, prefix: str, section: str) -> Json:
        """The mapping at ``prefix`` in ``section``: each key reaches an item or a group, by
        nesting or by dots (the parser's _walk joins keys with dots until a known item)."""
        props: Json = {}
        for name in self.vocab.items:
            if prefix and not name.startswith(prefix + "."):
                continue
            parts = (name[len(prefix) + 1:] if prefix else name).split(".")
            for k in range(1, len(parts) + 1):
                key = ".".join(parts[:k])
                full = f"{prefix}.{key}" if prefix else key
                hit = self.vocab.items.get(full)
                if hit is not None:
                    if hit.section == section:
                        props[key] = {"$ref": "#/$defs/" + self.item_def(hit)}
                elif self._has_items(full, section):
                    props[key] = {"$ref": "#/$defs/" + self.group_def(full, section)}
        if prefix:
            desc = f"{prefix.replace('.', ' ').replace('_', ' ')} ({section})"
        else:
            desc = self.vocab.descriptions.get(section, section)
        return {"type": "object", "description": desc, "properties": dict(sorted(props.items())),
                "additionalProperties": False}

    def _has_items(self, prefix: str, section: str) -> bool:
        return any(n.startswith(prefix + ".") and i.section == section
                   for n, i in self.vocab.items.items())

    def group_def(self, prefix: str, section: str) -> str:
        ref = f"{section}.{prefix}"
        if ref not in self.defs:
            self.defs[ref] = self.group(prefix, section)
        return ref

    def item_def(self, item: Item) -> str:
        ref = f"item.{item.name}"
        if ref not in self.defs:
            self.defs[ref] = item_schema(item)
        return ref

    # --- labs -----------------------------------------------------------------------------

    def lab(self) -> Json:
        names = sorted({a.name for a in self.analytes.all()}
                       | {x for a in self.analytes.all() for x in a.aliases})
        keys = sorted({normalize_name(n) for a in self.analytes.all()
                       for n in [a.key, a.name, *a.aliases]})
        pattern = "^(?:[lL][aA][bB][.])?" + _SEP + "(?:" + "|".join(
            _name_pattern(k) for k in keys) + ")" + _SEP + "$"
        number = {"anyOf": [{"type": "number"},
                            {"type": "string", "pattern": LAB_VALUE_PATTERN},
                            {"type": "string", "pattern": LAB_ABSENT_PATTERN}],
                  "description": "a number, censored text \"<0.5\" or \">1000\", not_done "
                                 "or not_reported"}
        reference = {"anyOf": [{"type": "string", "pattern": ecma(_RANGE.pattern)},
                               {"type": "string", "pattern": ecma(_BOUND.pattern)},
                               {"type": "null"}],
                     "description": "the range as printed: \"0.9-1.8\", \"<8.051\", \">=10\""}
        props: Json = {
            "analyte": {"anyOf": [{"enum": names}, {"type": "string", "pattern": pattern}],
                        "description": "name, key or alias of an analyte of "
                                       "rules/vocabulary/analytes.yaml (case, spaces, hyphens "
                                       "and greek letters ignored)"},
            "value": number,
            "unit": {"description": "UCUM unit, converted to the analyte's (required with a "
                                    "number)"},
            "reference": reference,
            "note": {},
        }
        assert set(props) == set(_ENTRY_KEYS)
        # A unit is required unless the value is not_done / not_reported.
        absent = {"properties": {"value": {"type": "string", "pattern": LAB_ABSENT_PATTERN}}}
        return {"type": "object", "properties": props, "required": ["analyte", "value"],
                "additionalProperties": False, "if": absent,
                "else": {"required": ["unit"],
                         "properties": {"unit": {"type": "string", "pattern": r"\S"}}},
                "description": "one laboratory result"}


def _name_pattern(key: str) -> str:
    """A regex for every spelling whose normalize_name() is ``key``."""
    words = sorted({w for w in _GREEK.values() if len(w) > 1}, key=len, reverse=True)
    out: list[str] = []
    i = 0
    while i < len(key):
        word = next((w for w in words if key.startswith(w, i)), None)
        if word is not None:
            letters = "".join(c for c, w in _GREEK.items() if w == word)
            out.append(f"(?:[{letters}]|" + _SEP.join(_char(c) for c in word) + ")")
            i += len(word)
        else:
            out.append(_char(key[i]))
            i += 1
    return _SEP.join(out)


def _char(c: str) -> str:
    extra = "".join(g for g, w in _GREEK.items() if w == c)  # µ -> u
    if c.isalpha():
        return f"[{c}{c.upper()}{extra}]" if c.upper() != c else f"[{c}{extra}]"
    return "[" + ("\\" + c if c in "]\\^-[" else c) + "]"


# --- items --------------------------------------------------------------------------------

def _missing() -> Json:
    return {"$ref": "#/$defs/missing"}


def _number(item: Item) -> Json:
    num: Json = {"type": "integer" if item.type == "count" else "number"}
    lo, hi = item.spec.bounds()
    if lo is not None:
        num["minimum"] = float(lo)
    if hi is not None:
        num["maximum"] = float(hi)
    return num


def _text_number() -> Json:
    return {"$ref": "#/$defs/text_number"}


def shared_defs() -> dict[str, Json]:
    """Pieces every item refers to (kept once, so the schema stays small)."""
    out: dict[str, Json] = {
        "missing": {"enum": list(MISSING_STATES),
                    "description": "not_reported (the source is silent), not_done, unknown, "
                                   "invalid: never read as absent or normal"},
        "text_number": {"type": "string", "pattern": CENSORED_NUMBER_PATTERN,
                        "description": "a number as text, or censored: \"<0.5\", \"<=1\", "
                                       "\">=1\""},
        "date": {"type": "string", "pattern": DATE_PATTERN,
                 "description": "YYYY-MM or YYYY-MM-DD"},
    }
    out.update({f"common.{k}": v for k, v in _COMMON.items()})
    return out


def _describe(item: Item) -> str:
    bits = [item.type.replace("_", "-")]
    if item.spec.unit:
        bits.append(f"in {item.spec.unit}")
    if item.spec.range is not None:
        bits.append(f"{item.spec.range[0]:g} to {item.spec.range[1]:g}")
    head = item.spec.description.strip() if item.spec.description else item.name
    return f"{head} ({', '.join(bits)})"


def attribute_schema(spec: AttributeSpec) -> Json:
    """One attribute's value, as _parse_attr reads it (a missing-state word always fits)."""
    kind = spec.kind()
    if kind == "bool":
        body: list[Json] = [{"type": "boolean"}, {"enum": ["yes", "no"]}]
    elif kind == "number":
        body = [{"type": "number"}, _text_number()]
    elif spec.choices is not None:
        body = [{"enum": list(spec.choices)}]
    else:
        out: Json = {}  # a code without choices: any value is kept as text
        if spec.description:
            out["description"] = spec.description
        return out
    out = {"anyOf": body + [_missing()]}
    desc = spec.description or ""
    if spec.unit:
        desc = f"{desc} (in {spec.unit})".strip()
    if desc:
        out["description"] = desc
    return out


_COMMON: dict[str, Json] = {
    "note": {"type": "string", "description": "free text"},
    "inferred": {"type": "boolean",
                 "description": "true when read from a narrative rather than recorded"},
    "source": {"type": "string", "description": "where the value comes from"},
    "interpreted_from": {"type": "string",
                         "description": "the text this value was interpreted from"},
    "date": {"$ref": "#/$defs/date", "description": "when it was observed"},
}


def _common() -> Json:
    return {k: {"$ref": f"#/$defs/common.{k}"} for k in _COMMON}


def item_schema(item: Item) -> Json:
    """One item's value in its short or long form (models.parse_item)."""
    t = item.type
    attrs = {n: attribute_schema(s) for n, s in item.spec.attributes.items()}
    props: Json = _common()
    assert set(props) == COMMON_KEYS
    props.update(attrs)
    long: Json = {"type": "object", "additionalProperties": False}
    if t == "per_eye":
        eye = {"anyOf": [_number(item), _text_number(), _missing(), {"type": "null"}]}
        props.update(right=eye, left=eye, state=_missing())
        short: list[Json] = [_missing()]
    elif t == "finding":
        props["state"] = {"enum": list(FINDING_STATES)}
        long["required"] = ["state"]
        # true/false is refused: the parser reads a scalar as the long form's state first
        short = [{"enum": list(FINDING_STATES)}]
    else:
        main = main_key(t)
        if t in ("result", "answer"):
            codes = list(RESULT_CODES) if t == "result" else ["yes", "no"]
            value: list[Json] = [{"enum": codes + list(MISSING_STATES)}]
            if t == "answer":
                value.append({"type": "boolean", "description": "true = yes"})
        else:
            value = [_number(item), _text_number(), _missing()]
            if t == "measurement":
                props["unit"] = ({"type": "string", "description": f"converted to {item.spec.unit}"}
                                 if item.spec.unit else {"description": "ignored: no unit"})
        props[main] = {"anyOf": value + [{"type": "null"}]}
        props["state"] = {"anyOf": [_missing(), {"type": "null"}]}
        # The value or a state must be given (and not null).
        long["anyOf"] = [{"required": [main], "properties": {main: {"not": {"type": "null"}}}},
                         {"required": ["state"], "properties": {"state": _missing()}}]
        if t == "measurement" and item.spec.range is not None and item.spec.unit:
            # A value in another unit is range-checked after conversion: not expressible here.
            props[main] = {"anyOf": [{"type": "number"}] + value[1:] + [{"type": "null"}]}
            long["if"] = {"required": ["unit"],
                          "properties": {"unit": {"not": {"const": item.spec.unit}}}}
            long["else"] = {"properties": {main: {"anyOf": value + [{"type": "null"}]}}}
        short = value
    long["properties"] = props
    return {"description": _describe(item),
            "anyOf": short + [{"type": "null", "description": "not reported"}, long]}


def _strip_titles(schema: Json) -> Json:
    """pydantic's schema of a shell model, without its auto titles (noise in an editor)."""
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    out: Json = walk(schema)
    return out
