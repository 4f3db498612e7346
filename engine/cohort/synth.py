"""Synthetic cohorts: seeded, reproducible case records for tests and benchmarks.

The generator knows item *types* only. It walks the vocabulary (every item's type, choices,
unit, range, attributes; every analyte's unit and dimension) and draws a value for each; the
shape of those draws (how often an item is recorded, means, units, censoring levels) comes from
``kind: synth`` data files (rules/vocabulary/synth.yaml). Nothing clinical is written here.

Every record has ``patient.synthetic: true``. Patient ``i`` of seed ``s`` is drawn from its own
``random.Random(f"{s}:{i}")``, so a cohort is reproducible and its first patients do not depend
on how many are generated.

A small share of patients is written with one deliberate problem (an out-of-range value, an
unknown item, a unit of the wrong dimension, a bad date, dates out of order, a truncated JSON
line) or with no timepoint at all, so that batch scoring's failure and skip counts get exercised.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sicca.base.errors import InputError, Problem
from sicca.base.jsonenc import number
from sicca.base.kinds import files_of_kind
from sicca.base.outfiles import atomic_text, write_text_atomic
from sicca.base.paths import RULES_DIR
from sicca.base.yamlsrc import load
from sicca.records import units
from sicca.records.labs import Analyte
from sicca.records.models import Catalogue
from sicca.records.vocabulary import AttributeSpec, Item

Json = dict[str, Any]

PROBLEM_KINDS = ("out_of_range", "unknown_item", "wrong_unit", "bad_date", "date_order",
                 "malformed_json")


@dataclass
class SynthRecord:
    """One generated patient: the case data, its JSON line, and what was done to it."""

    index: int
    data: Json
    visits: int
    problem: str | None = None  # a PROBLEM_KINDS entry, "empty", or None

    def line(self) -> str:
        text = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        if self.problem == "malformed_json":
            return text[: max(1, len(text) // 2)]
        return text


def load_config(dirs: list[Path] | None = None) -> Json:
    """Merge every ``kind: synth`` file under the rule directories (later keys win)."""
    out: Json = {}
    # the kind of each file is known to the process once read (kinds.data_kind): only the
    # synth files are parsed again, not the ~30 rule files beside them on every call
    for d in [RULES_DIR] + list(dirs or []):
        for p in files_of_kind([d], "synth"):
            src = load(p)
            if isinstance(src.data, dict):
                _merge(out, src.data)
    if not out:
        raise InputError(Problem("no 'kind: synth' data file found", file=str(RULES_DIR),
                                 code="E130", expected="rules/vocabulary/synth.yaml"))
    return out


def _merge(into: Json, new: Json) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


class Generator:
    """Draws synthetic patients from the vocabulary and the synth distributions."""

    def __init__(self, catalogue: Catalogue, config: Json, seed: int = 0,
                 problems: bool = True) -> None:
        self.vocab = catalogue.vocabulary
        self.analytes = catalogue.analytes
        self.cfg = config
        self.seed = seed
        self.problems = problems
        self.pat: Json = config.get("patients", {})
        self.dflt: Json = config.get("defaults", {})
        self.items_cfg: Json = config.get("items", {})
        self.labs_cfg: Json = config.get("labs", {})
        self.sections_cfg: Json = config.get("sections", {})
        items = [i for i in self.vocab.items.values() if i.type != "option"]
        self.current = [i for i in items if not i.cumulative]
        self.cumulative = [i for i in items if i.cumulative]
        self.ranged = [i for i in items if i.spec.range is not None and not i.cumulative]
        self.lab_list: list[tuple[Analyte, Json]] = [
            (a, self.labs_cfg[a.key]) for a in self.analytes.all() if a.key in self.labs_cfg]

    # --- cohort ---------------------------------------------------------------------------

    def patient(self, index: int) -> SynthRecord:
        rng = random.Random(f"{self.seed}:{index}")
        pid = f"synth-{self.seed}-{index:06d}"
        prob: Json = self.cfg.get("problems", {})
        activity = rng.betavariate(*_pair(self.pat.get("activity"), ("alpha", "beta"), (1.3, 3)))
        sexes: Json = self.pat.get("sex", {"female": 1})
        data: Json = {
            "sicca_case": 1,
            "patient": {"id": pid, "sex": _weighted(rng, sexes),
                        "birth_year": rng.randint(*self.pat.get("birth_year", [1940, 2000])),
                        "synthetic": True,
                        "note": f"synthetic record (sicca synth, seed {self.seed})"},
        }
        if rng.random() < float(self.pat.get("treatments", 0)):
            data["treatments"] = [{"what": "synthetic treatment", "note": "synthetic"}]
        n_tp = rng.randint(*self.pat.get("timepoints", [1, 4]))
        if self.problems and rng.random() < float(prob.get("empty_record", 0)):
            data["timepoints"] = []
            return SynthRecord(index, data, 0, "empty")
        year = rng.randint(*self.pat.get("start_year", [2015, 2024]))
        month = rng.randint(1, 12)
        history: list[Json] = []
        if rng.random() < float(self.pat.get("history", 0)):
            hdate = _date(rng, year - rng.randint(1, 5), rng.randint(1, 12), 0.0)
            rec: Json = {"date": hdate, "label": "diagnosis"}
            self._fill(rng, rec, self.cumulative, activity, retest=False)
            history.append(rec)
        if history:
            data["history"] = history
        tps: list[Json] = []
        lo, hi = self.pat.get("interval_months", [3, 12])
        drift = float(self.pat.get("activity_drift", 0))
        for k in range(n_tp):
            if k:
                month += rng.randint(lo, hi)
                activity = min(1.0, max(0.0, activity + rng.uniform(-drift, drift)))
            y, m = year + (month - 1) // 12, (month - 1) % 12 + 1
            tp: Json = {"id": "baseline" if k == 0 else f"visit_{k}",
                        "date": _date(rng, y, m, float(self.pat.get("day_precision", 0)))}
            self._fill(rng, tp, self.current, activity, retest=False)
            self._fill(rng, tp, self.cumulative, activity, retest=True)
            labs = self._labs(rng, activity)
            if labs:
                tp["labs"] = labs
            tps.append(tp)
        data["timepoints"] = tps
        problem = None
        if self.problems and rng.random() < float(prob.get("bad_record", 0)):
            problem = self._corrupt(rng, data)
        return SynthRecord(index, data, n_tp, problem)

    def cohort(self, n_patients: int | None = None,
               n_visits: int | None = None) -> Iterator[SynthRecord]:
        """``n_patients`` patients, or as many as it takes to reach ``n_visits`` timepoints
        (the last patient is cut short so the total is exact)."""
        i = visits = 0
        while True:
            if n_patients is not None and i >= n_patients:
                return
            if n_visits is not None and visits >= n_visits:
                return
            rec = self.patient(i)
            if n_visits is not None and visits + rec.visits > n_visits:
                keep = n_visits - visits
                rec.data["timepoints"] = rec.data["timepoints"][:keep]
                rec.visits = keep
                if rec.problem == "date_order" and keep < 2:
                    rec.problem = None
            visits += rec.visits
            i += 1
            yield rec

    # --- records ----------------------------------------------------------------------------

    def _icfg(self, item: Item) -> Json:
        c: Json = self.items_cfg.get(item.name, {})
        return c

    def _fill(self, rng: random.Random, rec: Json, items: list[Item], activity: float,
              retest: bool) -> None:
        scale_lo, scale_hi = self.pat.get("activity_scale", [1, 1])
        scale = scale_lo + (scale_hi - scale_lo) * activity
        for item in items:
            c = self._icfg(item)
            p = _f(c.get("recorded", self.sections_cfg.get(item.section,
                                                              self.dflt.get("recorded", 0.3))))
            if retest:
                p *= float(self.pat.get("retest", 0.1))
            if rng.random() >= p:
                continue
            value = self._value(rng, item, c, scale)
            _put(rec.setdefault(item.section, {}), item.name.split("."), value)

    def _missing(self, rng: random.Random, c: Json) -> str | None:
        r = rng.random()
        for state in ("not_done", "invalid", "unknown"):
            p = _f(c.get(state, self.dflt.get(state) or 0))
            if r < p:
                return state
            r -= p
        return None

    def _value(self, rng: random.Random, item: Item, c: Json, scale: float) -> Any:
        t = item.type
        if t == "finding":
            if rng.random() < float(self.dflt.get("not_done", 0)) / 4:
                return "not_done"
            p = float(c.get("present") or self.dflt.get("finding", {}).get("present") or 0.1)
            if item.section == "findings":
                p = min(0.95, p * scale)
            state = "present" if rng.random() < p else "absent"
            attrs = self._attrs(rng, item, c) if state == "present" else {}
            return {"state": state, **attrs} if attrs else state
        missing = self._missing(rng, c)
        if missing:
            return missing
        if t == "result":
            p = float(c.get("positive") or self.dflt.get("result", {}).get("positive") or 0.3)
            code = "positive" if rng.random() < p else "negative"
            attrs = self._attrs(rng, item, c) if code == "positive" else {}
            return {"result": code, **attrs} if attrs else code
        if t == "answer":
            ad = self.dflt.get("answer", {})
            code = "yes" if rng.random() < float(c.get("yes", ad.get("yes", 0.5))) else "no"
            if rng.random() < float(c.get("inferred", ad.get("inferred", 0))):
                return {"answer": code, "inferred": True}
            return code
        if t == "rating":
            d = dict(self.dflt.get("rating", {}), **c)
            lo, hi = item.spec.range or (0, 10)
            return int(min(hi, max(lo, round(rng.gauss(float(d["mean"]), float(d["sd"]))))))
        if t == "count":
            d = dict(self.dflt.get("count", {}), **c)
            lo, hi = item.spec.range or d.get("clip", (0, 1000))
            n = int(rng.expovariate(1 / float(d["mean"]))) if float(d["mean"]) > 0 else 0
            return int(min(hi, max(lo, n)))
        if t == "per_eye":
            out: Json = {}
            for side in ("right", "left"):
                if rng.random() < 0.05:
                    out[side] = "not_done"
                else:
                    out[side] = _json_num(self._number(rng, item, c))
            out.update(self._attrs(rng, item, c))
            return out
        # measurement
        value = self._number(rng, item, c)
        censored = rng.random() < _f(c.get("censored", self.dflt.get("censored", 0)))
        unit = item.spec.unit
        shown_unit = unit
        unit_mix: Json | None = c.get("units")
        if unit and unit_mix:
            shown_unit = _weighted(rng, unit_mix)
            value = _exact(units.convert(value, unit, shown_unit))
        attrs = self._attrs(rng, item, c)
        v: Any = (rng.choice(("<", ">", "<=", ">=")) + _text(value)) if censored \
            else _json_num(value)
        if shown_unit != unit or attrs:
            out = {"value": v, **attrs}
            if shown_unit != unit:
                out["unit"] = shown_unit
            return out
        return v

    def _number(self, rng: random.Random, item: Item, c: Json) -> Decimal:
        d = dict(self.dflt.get("measurement", {}), **c)
        lo, hi = item.spec.range or d.get("clip", (-math.inf, math.inf))
        if "clip" in d and item.spec.range is None:
            lo, hi = d["clip"]
        x = rng.gauss(float(d["mean"]), float(d["sd"]))
        return _round(min(float(hi), max(float(lo), x)), int(d.get("decimals", 1)))

    def _attrs(self, rng: random.Random, item: Item, c: Json) -> Json:
        out: Json = {}
        acfg: Json = c.get("attributes", {})
        p = float(self.dflt.get("attribute", 0.7))
        for name, spec in item.spec.attributes.items():
            if rng.random() >= p:
                continue
            out[name] = self._attr(rng, spec, acfg.get(name))
        return out

    def _attr(self, rng: random.Random, spec: AttributeSpec, c: Any) -> Any:
        kind = spec.kind()
        if kind == "bool":
            p = float(c) if isinstance(c, (int, float)) else float(
                self.dflt.get("bool_attribute", 0.15))
            return rng.random() < p
        if kind == "number":
            d = dict(self.dflt.get("number_attribute", {}), **(c if isinstance(c, dict) else {}))
            lo, hi = d.get("clip", (0, 10))
            x = min(float(hi), max(float(lo), rng.gauss(float(d["mean"]), float(d["sd"]))))
            return _json_num(_round(x, int(d.get("decimals", 0))))
        if isinstance(c, dict):
            return _weighted(rng, c)
        return rng.choice(spec.choices) if spec.choices else "other"

    def _labs(self, rng: random.Random, activity: float) -> list[Json]:
        out: list[Json] = []
        for a, c in self.lab_list:
            if rng.random() >= float(c.get("p", 0)):
                continue
            entry: Json = {"analyte": a.name}
            missing = self._missing(rng, {})
            unit_mix: Json | None = c.get("units")
            shown = _weighted(rng, unit_mix) if unit_mix else a.unit
            if missing == "not_done":
                entry.update(value="not_done", unit=shown)
                out.append(entry)
                continue
            lo, hi = c.get("clip", (0, math.inf))
            mean = float(c["mean"]) + float(c.get("activity_shift", 0)) * (activity - 0.3)
            x = min(float(hi), max(float(lo), rng.gauss(mean, float(c["sd"]))))
            value = _round(x, int(c.get("decimals", 1)))
            lod = c.get("lod")
            conv = _converter(a.unit, shown)
            if lod is not None and value < Decimal(str(lod)):
                entry["value"] = "<" + _text(conv(Decimal(str(lod))))
            elif rng.random() < float(self.dflt.get("censored", 0)) / 3:
                entry["value"] = ">" + _text(conv(value))
            else:
                entry["value"] = _json_num(conv(value))
            entry["unit"] = shown
            if c.get("reference"):
                entry["reference"] = _convert_range(str(c["reference"]), conv)
            out.append(entry)
        return out

    # --- deliberate problems ------------------------------------------------------------------

    def _corrupt(self, rng: random.Random, data: Json) -> str:
        tps: list[Json] = data["timepoints"]
        kinds = [k for k in PROBLEM_KINDS if k != "date_order" or len(tps) > 1]
        kind = rng.choice(kinds)
        tp = rng.choice(tps)
        if kind == "out_of_range" and self.ranged:
            item = rng.choice(self.ranged)
            assert item.spec.range is not None
            _put(tp.setdefault(item.section, {}), item.name.split("."),
                 _json_num(Decimal(str(item.spec.range[1])) + rng.randint(1, 20)))
        elif kind == "unknown_item":
            tp.setdefault("findings", {})["not_an_item_synthetic"] = "present"
        elif kind == "wrong_unit" and self.lab_list:
            a, _ = rng.choice(self.lab_list)
            other = sorted(u for u, i in units.UNITS.items()
                           if i.dimension != a.dimension and not i.arbitrary)
            tp.setdefault("labs", []).append({"analyte": a.name, "value": 1,
                                              "unit": rng.choice(other)})
            # keep analytes unique so only the unit is wrong
            tp["labs"] = list({e["analyte"]: e for e in tp["labs"]}.values())
        elif kind == "bad_date":
            tp["date"] = tp["date"][:5] + "13"
        elif kind == "date_order":
            tps[-1]["date"] = tps[0]["date"]
        elif kind == "malformed_json":
            pass  # SynthRecord.line() truncates the text
        else:
            kind = "bad_date"
            tp["date"] = tp["date"][:5] + "13"
        return kind


# --- helpers -----------------------------------------------------------------------------

def _pair(d: Any, keys: tuple[str, str], default: tuple[float, float]) -> tuple[float, float]:
    if isinstance(d, dict):
        return float(d.get(keys[0], default[0])), float(d.get(keys[1], default[1]))
    return default


def _weighted(rng: random.Random, weights: Json) -> str:
    keys = list(weights)
    return str(rng.choices(keys, weights=[float(weights[k]) for k in keys])[0])


def _date(rng: random.Random, year: int, month: int, day_share: float) -> str:
    if rng.random() < day_share:
        return f"{year:04d}-{month:02d}-{rng.randint(1, 28):02d}"
    return f"{year:04d}-{month:02d}"


def _round(x: float, decimals: int) -> Decimal:
    return _exact(Decimal(str(round(x, decimals))))


def _exact(d: Decimal) -> Decimal:
    """Drop trailing zeros (and exponent form) so the number prints as a plain decimal."""
    d = d.normalize()
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d


def _text(d: Decimal) -> str:
    return format(_exact(d), "f")


def _json_num(d: Decimal) -> int | float:
    return number(_exact(d))


def _converter(src: str, dst: str) -> Any:
    if src == dst:
        return lambda v: v
    return lambda v: _exact(units.convert(v, src, dst))


def _convert_range(text: str, conv: Any) -> str:
    """A printed reference range ("a-b", "<x", ">=x") converted number by number."""
    t = text.strip()
    for sign in ("<=", ">=", "<", ">"):
        if t.startswith(sign):
            return sign + _text(conv(Decimal(t[len(sign):])))
    lo, _, hi = t.partition("-")
    return f"{_text(conv(Decimal(lo)))}-{_text(conv(Decimal(hi)))}"


def _put(block: Json, parts: list[str], value: Any) -> None:
    for p in parts[:-1]:
        nxt = block.setdefault(p, {})
        if not isinstance(nxt, dict):  # pragma: no cover - vocabulary names never collide
            return
        block = nxt
    block[parts[-1]] = value


def write_jsonl(records: Iterator[SynthRecord], path: Path) -> tuple[int, int, dict[str, int]]:
    """Write one JSON line per patient; returns (patients, visits, problems by kind).

    Written beside ``path`` and renamed onto it at the end: never left half-written."""
    with atomic_text(path) as fh:
        return _write_each(records, lambda rec: fh.write(rec.line() + "\n"))


def write_dir(records: Iterator[SynthRecord], path: Path) -> tuple[int, int, dict[str, int]]:
    """Write one ``<patient id>.json`` case file per patient into directory ``path``; each
    file is renamed into place whole, so an interrupted run leaves no truncated file."""
    path.mkdir(parents=True, exist_ok=True)
    return _write_each(records, lambda rec: write_text_atomic(
        path / f"{rec.data['patient']['id']}.json", rec.line() + "\n"))


def _write_each(records: Iterator[SynthRecord],
                write: Callable[[SynthRecord], object]) -> tuple[int, int, dict[str, int]]:
    """Write every record; returns (patients, visits, problems by kind)."""
    n = visits = 0
    problems: dict[str, int] = {}
    for rec in records:
        write(rec)
        n += 1
        visits += rec.visits
        if rec.problem:
            problems[rec.problem] = problems.get(rec.problem, 0) + 1
    return n, visits, problems


def _f(x: Any) -> float:
    return float(x)
