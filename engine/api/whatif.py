"""What-if: re-score a case with hypothetical values, side by side with the recorded result.

Three kinds of hypothetical, all given as ``NAME=VALUE`` (``--set`` on the command line):

- a **vocabulary item** or one of its parts (``anti_ssa``, ``cutaneous.purpura``,
  ``cutaneous.purpura.extent``, ``schirmer.right``): parsed exactly like a case-file value
  (sicca.records.models.parse_item, so a bad value gets the same located error and exit 2) and
  recorded at each scored timepoint, so it is the latest record of a cumulative item. A part
  alone (an attribute, one eye) is merged into the item recorded at that timepoint;
- a **lab value** ``lab.<analyte>`` (key, name or alias: ``lab.igg``, ``lab.IgG``), a number in
  the analyte's unit or with its own (``"2530 mg/dL"``), censored (``"<0.5"``) or ``not_done``;
  the laboratory's range is the one recorded at that timepoint unless
  ``lab.<analyte>.reference`` gives one;
- an **option** (``option.purpura_extent`` or ``purpura_extent``).

Every fact built from a hypothetical carries ``hypothetical: true`` and its record says
``what-if``; no output shows it unmarked. The comparison covers every instrument of the report:
ESSDAI, ClinESSDAI, ESSPRI, each criteria set, and the response between timepoints.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sicca.base.errors import InputError, Problem
from sicca.base.suggest import phrase
from sicca.base.yamlsrc import parse_text
from sicca.records.labs import AnalyteTable, LabResult, ReferenceRange, parse_lab_entry
from sicca.records.models import Case, ItemValue, Record, main_key, parse_item, worse_eye
from sicca.records.vocabulary import Item, Vocabulary

SIDES = ("right", "left")
WHERE = "--set"
#: Texts YAML would not keep as they are (``>5`` is a folded block scalar, ``|`` a literal one,
#: ``!`` a tag, ``&``/``*`` anchors): a value starting with one stays text.
_YAML_INDICATORS = tuple("<>|!&*%@`≤≥")
_LAB_VALUE = re.compile(r"^\s*(?P<num>(?:<=|>=|≤|≥|<|>)?\s*[-+]?[0-9.]+(?:[eE][-+]?\d+)?)"
                        r"\s*(?P<unit>\S.*)?$")


def _scalar(text: str) -> Any:
    """A command-line value as a case file would hold it (``4`` → 4, ``">5"`` → ``">5"``)."""
    import yaml

    body = text.strip()
    if len(body) >= 2 and body[0] == body[-1] and body[0] in "\"'":
        return body[1:-1]  # quoted on the command line: text as written
    if not body:
        return None
    if body.startswith(_YAML_INDICATORS):
        return body
    try:
        return yaml.safe_load(body)
    except Exception:  # noqa: BLE001 - a value that is not YAML stays text
        return body


def _unknown_name(name: str, vocab: Vocabulary, analytes: AnalyteTable | None) -> InputError:
    base = name.rpartition(".")[0]
    hint = vocab.suggest(name) or vocab.suggest(base)
    if hint is None and analytes is not None:
        guess = analytes.suggest(name.removeprefix("lab."))
        found = analytes.resolve(guess) if guess else None
        hint = f"lab.{found.key}" if found is not None else None
    return InputError(Problem(f"unknown item '{name}'", field=WHERE, code="E124",
                              expected="a vocabulary item (e.g. anti_ssa, schirmer, "
                              "schirmer.right, cutaneous.purpura), a lab value "
                              "(lab.igg) or an option (option.purpura_extent)",
                              hint=phrase(hint)))


def _resolve(name: str, vocab: Vocabulary) -> tuple[Item, str | None]:
    """``anti_ssa`` → (item, None); ``schirmer.right`` → (item, "right"); attributes alike."""
    item = vocab.items.get(name)
    if item is not None and item.type != "option":
        return item, None
    base, _, sub = name.rpartition(".")
    item = vocab.items.get(base)
    if item is not None and item.type != "option" and \
            (sub in item.spec.attributes or item.type == "per_eye" and sub in SIDES):
        return item, sub
    raise _unknown_name(name, vocab, None)


@dataclass
class LabSetting:
    """A hypothetical lab result: the value as written and, optionally, a reference range."""

    key: str
    name: str
    value: Any = None
    unit: str | None = None
    reference: str | None = None
    given: bool = False  # a value was set (not only a reference)


@dataclass
class Hypotheses:
    """Everything a what-if sets: whole items, parts merged into recorded items, labs, options."""

    items: dict[str, ItemValue] = field(default_factory=dict)
    parts: dict[str, ItemValue] = field(default_factory=dict)  # item -> only the parts set
    labs: dict[str, LabSetting] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name as given -> item | lab | option

    def names(self) -> list[str]:
        """The fact names a hypothetical replaces (for the report's ``hypothetical[]``)."""
        out = set(self.items) | set(self.parts) | {f"option.{o}" for o in self.options}
        out |= {f"lab.{k}" for k in self.labs}
        return sorted(out)


def parse_hypotheticals(pairs: list[tuple[str, str]], vocab: Vocabulary) -> dict[str, ItemValue]:
    """``[("anti_ssa", "positive"), ("schirmer", "4")]`` → hypothetical item values by name
    (vocabulary items only; :func:`parse_settings` takes labs and options too)."""
    h = Hypotheses()
    _parse_items(pairs, vocab, h, whole=True)
    return h.items


def parse_settings(pairs: list[tuple[str, str]], vocab: Vocabulary,
                   analytes: AnalyteTable) -> Hypotheses:
    """Every ``NAME=VALUE``: a vocabulary item or part, a lab value, or an option."""
    h = Hypotheses()
    options = {i.name: i for i in vocab.options()}
    item_pairs: list[tuple[str, str]] = []
    for name, text in pairs:
        oname = name.removeprefix("option.")
        if oname in options:  # options and items share one namespace: no clash
            h.options[oname] = text.strip().strip("\"'")
            h.kinds[name] = "option"
            continue
        if name.startswith("lab.") or (name not in vocab.items and
                                       vocab.items.get(name.rpartition(".")[0]) is None and
                                       analytes.resolve(name) is not None):
            _parse_lab(name, text, vocab, analytes, h)
            h.kinds[name] = "lab"
            continue
        item_pairs.append((name, text))
        h.kinds[name] = "item"
    _parse_items(item_pairs, vocab, h, whole=False)
    return h


def _parse_lab(name: str, text: str, vocab: Vocabulary, analytes: AnalyteTable,
               h: Hypotheses) -> None:
    body = name.removeprefix("lab.")
    ref = False
    analyte = analytes.resolve(body)
    if analyte is None and body.endswith(".reference"):
        analyte, ref = analytes.resolve(body.removesuffix(".reference")), True
    if analyte is None:
        raise _unknown_name(name, vocab, analytes)
    s = h.labs.setdefault(analyte.key, LabSetting(analyte.key, analyte.name))
    value = text.strip().strip("\"'")
    if ref:
        s.reference = value
        return
    s.given = True
    m = _LAB_VALUE.match(value)
    if m is None:
        s.value = value  # not_done / not_reported, or a bad value parse_lab_entry names
        return
    s.value, s.unit = m.group("num").replace(" ", ""), m.group("unit")


def _parse_items(pairs: list[tuple[str, str]], vocab: Vocabulary, h: Hypotheses,
                 whole: bool) -> None:
    raws: dict[str, dict[str, Any]] = {}
    items: dict[str, Item] = {}
    main: set[str] = set()
    for name, text in pairs:
        item, sub = _resolve(name, vocab)
        value = _scalar(text)
        raw = raws.setdefault(item.name, {})
        items[item.name] = item
        if sub is None and item.type == "per_eye":
            raw.update({"right": value, "left": value})  # one number: both eyes
            main.add(item.name)
        elif sub is None:
            raw[main_key(item.type)] = value
            main.add(item.name)
        else:
            raw[sub] = value
    # one line per item, so a located error names the item as written on the command line
    text = "".join(f"{n}: {json.dumps(r, default=str)}\n" for n, r in raws.items())
    src = parse_text(text, WHERE)
    for n, item in items.items():
        data = src.data[n]
        if item.type != "per_eye" and main_key(item.type) not in data and \
                ("state" not in data):  # parts only: a container to parse them in
            data = dict(data, state="present" if item.type == "finding" else "not_reported")
        iv = parse_item(item, data, src, (n,))
        iv.flags["hypothetical"] = True
        iv.record, iv.path = "what-if", f"{WHERE} {n}"
        for part in list(iv.attrs.values()) + list(iv.sides.values()):
            part.flags["hypothetical"] = True
        if whole or n in main:
            h.items[n] = iv
        else:
            h.parts[n] = iv


def _merged(recorded: ItemValue | None, part: ItemValue, item: Item, tp_id: str) -> ItemValue:
    """The item recorded at the timepoint with the hypothetical parts (attributes, eyes) in."""
    if recorded is None:
        return dataclasses.replace(part, record=tp_id + " (what-if)")
    iv = dataclasses.replace(recorded, attrs=dict(recorded.attrs), sides=dict(recorded.sides),
                             flags=dict(recorded.flags, hypothetical=True),
                             record=tp_id + " (what-if)")
    for k, v in part.attrs.items():
        iv.attrs[k] = v
    if item.type == "per_eye":
        for k, v in part.sides.items():
            if v.state != "not_reported":
                iv.sides[k] = v
        done = [s for s in iv.sides.values() if s.state == "reported" and s.value is not None]
        iv.flags.pop("mean", None)
        if done:
            iv.state = "reported"
            iv.value, iv.censor = worse_eye([(s.value, s.censor) for s in done],
                                            len(done) < 2, item.spec.worse or "max")
            exact = [s.value for s in done if s.value is not None and not s.censor]
            if len(exact) == 2:
                iv.flags["mean"] = (exact[0] + exact[1]) / 2
    return iv


def with_hypotheticals(case: Case, values: dict[str, ItemValue],
                       parts: dict[str, ItemValue] | None = None) -> Case:
    """A copy of ``case`` whose every timepoint records ``values`` (the record itself is kept),
    and ``parts`` merged into what each timepoint records."""
    tps = []
    vocab = case.vocabulary
    for tp in case.timepoints:
        items = dict(tp.items)
        for n, iv in values.items():
            items[n] = dataclasses.replace(iv, record=tp.id + " (what-if)")
        for n, part in (parts or {}).items():
            items[n] = _merged(items.get(n), part, vocab.items[n], tp.id)
        tps.append(dataclasses.replace(tp, items=items))
    return dataclasses.replace(case, timepoints=tps)


def lab_overrides(case: Case, labs: dict[str, LabSetting]) -> dict[str, dict[str, Any]]:
    """Per timepoint, the lab facts the hypothetical labs replace (``lab.igg``,
    ``lab.igg.flag``, ``lab.igg.x_uln``), each marked hypothetical."""
    from sicca.running.facts import Fact

    out: dict[str, dict[str, Any]] = {}
    for tp in case.timepoints:
        facts: dict[str, Any] = {}
        recorded = {x.analyte.key: x for x in tp.labs}
        for key, s in labs.items():
            lab = _lab_at(s, recorded.get(key), case.analytes, tp)
            if lab is None:
                continue
            path = f"{WHERE} lab.{key}"
            unit = lab.analyte.unit
            base = f"lab.{key}"
            flags = {"hypothetical": True}
            rec = tp.id + " (what-if)"
            facts[base] = Fact(base, base, lab.state, lab.canonical_value, None, lab.censored,
                               unit, path, rec, flags=dict(flags))
            facts[base + ".flag"] = Fact(
                base + ".flag", base + ".flag",
                "reported" if lab.flag else "unknown" if lab.state == "reported" else lab.state,
                None, lab.flag, None, None, path, rec, flags=dict(flags))
            facts[base + ".x_uln"] = Fact(
                base + ".x_uln", base + ".x_uln",
                "reported" if lab.x_uln is not None else "not_reported", lab.x_uln, None,
                lab.censored if lab.x_uln is not None else None, "", path, rec,
                flags=dict(flags))
        out[tp.id] = facts
    return out


def _lab_at(s: LabSetting, recorded: LabResult | None, table: AnalyteTable,
            tp: Record) -> LabResult | None:
    """The hypothetical result at one timepoint (its range: the one set, else the recorded)."""
    if not s.given and recorded is None:
        return None  # only a reference, and nothing measured here to apply it to
    entry: dict[str, Any] = {"analyte": s.name}
    if s.given:
        entry["value"] = s.value
        analyte = table.resolve(s.name)
        # a bare number is in the analyte's own unit (as documented), whatever the record used
        entry["unit"] = s.unit or (analyte.unit if analyte is not None else None)
    else:
        assert recorded is not None
        entry["value"] = (f"{recorded.censored or ''}{recorded.value}"
                          if recorded.value is not None else recorded.state)
        entry["unit"] = recorded.unit or recorded.analyte.unit
    if s.reference is not None:
        entry["reference"] = s.reference
    elif recorded is not None and recorded.reference_printed is not None:
        if entry["unit"] == recorded.unit:
            entry["reference"] = recorded.reference_printed
        elif recorded.reference is not None:  # the recorded range, in the value's unit
            entry["reference"] = _range_text(recorded.reference, recorded.analyte.unit,
                                             str(entry["unit"]))
    text = f"lab: {json.dumps(entry, default=str)}\n"
    src = parse_text(text, f"{WHERE} lab.{s.key} (timepoint {tp.id})")
    return parse_lab_entry(src.data["lab"], src, ("lab",), table)


def _range_text(r: ReferenceRange, unit: str, to: str) -> str | None:
    """A range held in ``unit`` (the analyte's) printed in ``to``, so it can be read again;
    None when ``to`` does not convert (parse_lab_entry then names the unit's problem)."""
    from sicca.records import units

    def conv(x: Decimal) -> str:
        return format(units.convert(x, unit, to).normalize(), "f")

    try:
        if r.low is not None and r.high is not None:
            return f"{conv(r.low)}-{conv(r.high)}"
        if r.high is not None:
            return ("<=" if r.high_inclusive else "<") + conv(r.high)
        if r.low is not None:
            return (">=" if r.low_inclusive else ">") + conv(r.low)
    except InputError:
        return None
    return None


# --- the comparison -----------------------------------------------------------------------

_TOTAL_KEYS = ("documented", "min", "max", "category", "category_min", "category_max",
                "category_determined")
_PATIENT_KEYS = ("score", "pass", "state")


def _side(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: d.get(k) for k in keys}


def _score_change(b: dict[str, Any] | None, a: dict[str, Any] | None,
                  keys: tuple[str, ...]) -> dict[str, Any] | None:
    if b is None or a is None:
        return None
    before, after = _side(b, keys), _side(a, keys)
    out: dict[str, Any] = {"before": before, "after": after, "changed": before != after}
    if "domains" in a:
        dom: dict[str, Any] = {}
        for n, x in a["domains"].items():
            y = b["domains"].get(n, {})
            pick = ("state", "level", "level_min", "level_max", "points")
            if {k: x.get(k) for k in pick} != {k: y.get(k) for k in pick}:
                dom[n] = {"before": {k: y.get(k) for k in pick},
                          "after": {k: x.get(k) for k in pick}}
        out["domains_changed"] = dom
        out["changed"] = out["changed"] or bool(dom)
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Per timepoint, every instrument before → after: each criteria set's verdict and score
    (``criteria``), and ``essdai``, ``clinessdai``, ``esspri`` (totals, category, domains)."""
    out = []
    for tb, ta in zip(before["timepoints"], after["timepoints"], strict=True):
        sets: dict[str, Any] = {}
        for name, b in tb.get("criteria", {}).items():
            a = ta["criteria"][name]
            items = {i: [b["items"][i]["state"], a["items"][i]["state"]] for i in a["items"]
                     if a["items"][i]["state"] != b["items"][i]["state"]}
            vch = a["verdict"] != b["verdict"]
            sch = (a["score_min"], a["score_max"]) != (b["score_min"], b["score_max"])
            sets[name] = {
                "before": {k: b[k] for k in ("verdict", "score_min", "score_max", "missing",
                                             "conditional")},
                "after": a,
                "changed": vch or sch, "verdict_changed": vch, "score_changed": sch,
                "items_changed": items,
            }
        row: dict[str, Any] = {"id": tb["id"], "date": tb["date"], "criteria": sets}
        for inst, keys in (("essdai", _TOTAL_KEYS), ("clinessdai", _TOTAL_KEYS),
                           ("esspri", _PATIENT_KEYS)):
            ch = _score_change(tb.get(inst), ta.get(inst), keys)
            if ch is not None:
                row[inst] = ch
        out.append(row)
    return out


_CHANGE_SKIP = {"from", "to"}


def compare_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The response between timepoints (ΔESSDAI, MCII, ΔESSPRI, STAR) before → after."""
    out = []
    for cb, ca in zip(before.get("changes", []), after.get("changes", []), strict=True):
        b = {k: v for k, v in cb.items() if k not in _CHANGE_SKIP}
        a = {k: v for k, v in ca.items() if k not in _CHANGE_SKIP}
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        out.append({"from": cb["from"], "to": cb["to"], "before": b, "after": a,
                    "changed": bool(diff), "keys_changed": diff})
    return out


def number(x: Any) -> str:
    """A score as printed (Decimals without a trailing .0)."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, Decimal):
        return str(x.normalize()) if x == x.to_integral_value() else str(x)
    return "–" if x is None else str(x)


def option_overrides(case: Case, options: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per timepoint, the option facts a hypothetical option replaces, marked hypothetical."""
    from sicca.running.facts import Fact

    out: dict[str, dict[str, Any]] = {}
    for tp in case.timepoints:
        out[tp.id] = {f"option.{k}": Fact(f"option.{k}", f"option.{k}", "reported", None, v,
                                          None, None, f"{WHERE} option.{k}",
                                          tp.id + " (what-if)", flags={"hypothetical": True})
                      for k, v in options.items()}
    return out
