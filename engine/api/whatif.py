"""What-if: re-score a case with hypothetical test results, side by side.

A hypothetical value is parsed exactly like a case-file value (sicca.records.models.parse_item,
so a bad value gets the same located error and exit 2) and recorded at the scored timepoint
itself, so it is the latest record of a cumulative item. Every fact built from it carries
``hypothetical: true`` and its record is ``what-if``; no output shows it unmarked.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sicca.base.errors import InputError, Problem
from sicca.base.suggest import phrase
from sicca.base.yamlsrc import parse_text
from sicca.records.models import Case, ItemValue, main_key, parse_item
from sicca.records.vocabulary import Item, Vocabulary

SIDES = ("right", "left")
WHERE = "--set"


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
    hint = vocab.suggest(name) or vocab.suggest(base)
    raise InputError(Problem(f"unknown item '{name}'", field=WHERE, code="E124",
                             expected="a vocabulary item (e.g. anti_ssa, schirmer, "
                             "schirmer.right, focus_score)",
                             hint=phrase(hint)))


def parse_hypotheticals(pairs: list[tuple[str, str]], vocab: Vocabulary) -> dict[str, ItemValue]:
    """``[("anti_ssa", "positive"), ("schirmer", "4")]`` → hypothetical item values by name."""
    import yaml

    raws: dict[str, dict[str, Any]] = {}
    items: dict[str, Item] = {}
    for name, text in pairs:
        item, sub = _resolve(name, vocab)
        try:
            value = yaml.safe_load(text) if text.strip() else None
        except Exception:  # noqa: BLE001 - a value that is not YAML stays text
            value = text
        raw = raws.setdefault(item.name, {})
        items[item.name] = item
        if sub is None and item.type == "per_eye":
            raw.update({"right": value, "left": value})  # one number: both eyes
        elif sub is None:
            raw[main_key(item.type)] = value
        else:
            raw[sub] = value
    # one line per item, so a located error names the item as written on the command line
    text = "".join(f"{n}: {json.dumps(r, default=str)}\n" for n, r in raws.items())
    src = parse_text(text, WHERE)
    out: dict[str, ItemValue] = {}
    for n, item in items.items():
        iv = parse_item(item, src.data[n], src, (n,))
        iv.flags["hypothetical"] = True
        iv.record, iv.path = "what-if", f"{WHERE} {n}"
        out[n] = iv
    return out


def with_hypotheticals(case: Case, values: dict[str, ItemValue]) -> Case:
    """A copy of ``case`` whose every timepoint records ``values`` (the record itself is kept)."""
    tps = []
    for tp in case.timepoints:
        items = dict(tp.items)
        for n, iv in values.items():
            items[n] = dataclasses.replace(iv, record=tp.id + " (what-if)")
        tps.append(dataclasses.replace(tp, items=items))
    return dataclasses.replace(case, timepoints=tps)


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Per timepoint and criteria set: verdict and score before → after, and what changed."""
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
        out.append({"id": tb["id"], "date": tb["date"], "criteria": sets})
    return out
