"""Steps for the classification criteria (features/criteria/*.feature, case_rfib/criteria.feature).

A record is a small in-memory case (YAML text through sicca.base.yamlsrc.parse_text and
sicca.records.models.parse_case), or a case file. Every record is classified on both backends
(durable and native); the two outputs must be identical before any expectation is checked.
Expectations are read from the output of sicca.scores.criteria, never hard-coded in the steps.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, then, when

from sicca.running.evaluate import ENGINES, Sicca
from sicca.testing.steps.common import case_text, flow, merge, sicca_for

criteria_sicca = sicca_for  # the shared, session-wide compiled rules


class Record:
    """The record being built: one scored timepoint, optional dated history, options."""

    def __init__(self) -> None:
        self.timepoint: dict[str, Any] = {"id": "visit", "date": "2024-01"}
        self.history: list[dict[str, Any]] = []
        self.options: dict[str, str] = {}
        self.path: Path | None = None

    def text(self) -> str:
        case: dict[str, Any] = {"sicca_case": 1, "patient": {"id": "scenario"},
                                "timepoints": [self.timepoint]}
        if self.history:
            case["history"] = self.history
        return case_text(case)


class Classified:
    """The criteria output per timepoint id (identical on both engines)."""

    def __init__(self, by_tp: dict[str, dict[str, Any]], last: str) -> None:
        self.by_tp = by_tp
        self.last = last

    def set(self, name: str, tp: str | None = None) -> dict[str, Any]:
        crit = self.by_tp[tp or self.last]
        assert name in crit, f"no criteria set {name!r}; have {sorted(crit)}"
        return crit[name]  # type: ignore[no-any-return]

    def show(self, name: str) -> str:
        return json.dumps(self.set(name), indent=1, default=str)[:4000]


def _names(text: str) -> list[str]:
    text = text.strip()
    return [] if text in ("nothing", "none", "-") else [x.strip() for x in text.split(",")]


def classify(siccas: dict[str, Sicca], record: Record) -> Classified:
    from sicca.base.yamlsrc import parse_text
    from sicca.records.models import parse_case
    from sicca.scores.criteria import score

    outs: dict[str, dict[str, dict[str, Any]]] = {}
    last = ""
    for engine, sicca in siccas.items():
        if record.path is not None:
            case = sicca.load_case(record.path)
        else:
            case = parse_case(parse_text(record.text(), "<scenario>.yaml"), sicca.catalogue)
        outs[engine] = {}
        for tp in case.timepoints:
            ev = sicca.evaluate(case, tp, record.options)
            outs[engine][tp.id] = score(ev, sicca)["criteria"]
            last = tp.id
    first, *others = outs.values()
    for other in others:
        assert other == first, "the durable and native backends disagree"
    return Classified(first, last)


# --- building records ---------------------------------------------------------------------

@given("a classification record", target_fixture="record")
def _() -> Record:
    """A new record for the classification criteria: one timepoint (visit, 2024-01), nothing
    recorded yet.

    Example: Given a classification record
    """
    return Record()


@given(parsers.parse("the record has {section}: {text}"))
def _(record: Record, section: str, text: str) -> None:
    """Record items in a section of the record (symptoms, findings, tests, conditions, drugs), as
    in a case file on one line.

    Example: And the record has tests: {anti_ssa: positive, focus_score: 2}
    """
    merge(record.timepoint.setdefault(section, {}), flow(text))


@given(parsers.parse("the record's history at {date} has {section}: {text}"))
def _(record: Record, date: str, section: str, text: str) -> None:
    """Record cumulative items (tests, conditions) in the record's history at this date.

    Example: And the record's history at 2021-03 has tests: {focus_score: 2, anti_ssa: positive}
    """
    entry = next((h for h in record.history if h["date"] == date), None)
    if entry is None:
        entry = {"date": date, "label": f"history {date}"}
        record.history.append(entry)
    merge(entry.setdefault(section, {}), flow(text))


@given(parsers.parse("the criteria option {name:w} is {value}"))
def _(record: Record, name: str, value: str) -> None:
    """Apply the criteria with this judgement call.

    Example: Given the criteria option focus_score_reading is unknown
    """
    record.options[name] = value


@given(parsers.parse('the case file "{path}"'), target_fixture="record")
def _(path: str, sicca_root: Path) -> Record:
    """Use a case file (path relative to pytest's rootdir) as the record.

    Example: Given the case file "examples/rfib-case.yaml"
    """
    r = Record()
    r.path = sicca_root / path
    return r


# --- classifying ----------------------------------------------------------------------------

@when("the criteria are applied", target_fixture="classified")
def _(siccas: dict[str, Sicca], record: Record) -> Classified:
    """Apply every criteria set on both backends, which must agree; the Then steps read the
    last timepoint.

    Example: When the criteria are applied
    """
    return classify(siccas, record)


@when(parsers.parse("the criteria are applied at {tid:w}"), target_fixture="classified")
def _(siccas: dict[str, Sicca], record: Record, tid: str) -> Classified:
    """Apply the criteria and read the timepoint with this id.

    Example: When the criteria are applied at baseline
    """
    out = classify(siccas, record)
    assert tid in out.by_tp, f"no timepoint {tid!r}; have {sorted(out.by_tp)}"
    out.last = tid
    return out


@when(parsers.parse('the what-if "{pairs}" is run'), target_fixture="whatif")
def _(record: Record, pairs: str, sicca_rules: list[Path]) -> dict[str, Any]:
    """Run `sicca what-if` on the case file with these ITEM=VALUE pairs (comma-separated), on
    both backends.

    Example: When the what-if "anti_ssa=positive" is run
    """
    from sicca.cli.app import main

    assert record.path is not None, "the what-if runs on a case file"
    outs = {}
    for engine in ENGINES:
        argv = ["what-if", str(record.path), "--engine", engine, "--format", "json"]
        for pack in sicca_rules:
            argv += ["--rules", str(pack)]
        for p in _names(pairs):
            argv += ["--set", p]
        for k, v in record.options.items():
            argv += ["--option", f"{k}={v}"]
        buf = io.StringIO()
        with redirect_stdout(buf):
            main(argv)
        data = json.loads(buf.getvalue())
        data.pop("engine")
        outs[engine] = data
    first, *others = outs.values()
    for other in others:
        assert other == first, "the durable and native backends disagree"
    return dict(first)


# --- verdicts -------------------------------------------------------------------------------

@then(parsers.parse("the {name:w} verdict is {verdict:w}"))
def _(classified: Classified, name: str, verdict: str) -> None:
    """The verdict of a criteria set: met, not_met or undetermined.

    Example: Then the acr_2012 verdict is met
    """
    assert classified.set(name)["verdict"] == verdict, classified.show(name)


@then(parsers.parse("the {name:w} score is {lo:d} to {hi:d}"))
def _(classified: Classified, name: str, lo: int, hi: int) -> None:
    """The score range of a criteria set (the missing items decide where in it).

    Example: And the aecg_2002 score is 4 to 6
    """
    got = classified.set(name)
    assert (got["score_min"], got["score_max"]) == (lo, hi), classified.show(name)


@then(parsers.parse("the {name:w} item {item:w} is {state:w} with {points:d} points"))
def _(classified: Classified, name: str, item: str, state: str, points: int) -> None:
    """One item of a criteria set, its state and points.

    Example: And the acr_eular_2016 item focus_score is positive with 3 points
    """
    it = classified.set(name)["items"][item]
    assert (it["state"], it["points"]) == (state, points), classified.show(name)


@then(parsers.parse("the {name:w} item {item:w} is {state:w}"))
def _(classified: Classified, name: str, item: str, state: str) -> None:
    """The state of one item of a criteria set: positive, negative or unknown.

    Example: Then the acr_2012 item ocular_staining is positive
    """
    assert classified.set(name)["items"][item]["state"] == state, classified.show(name)


@then(parsers.parse("the {name:w} item {item:w} rests on {rule}"))
def _(classified: Classified, name: str, item: str, rule: str) -> None:
    """The item was concluded by this rule id.

    Example: And the aecg_2002 item autoantibodies rests on aecg_2002.autoantibodies.anti_la
    """
    assert rule in classified.set(name)["items"][item]["rules"], classified.show(name)


@then(parsers.parse("the {name:w} items are {states}"))
def _(classified: Classified, name: str, states: str) -> None:
    """The states of several items at once (ITEM=STATE, comma-separated).

    Example: And the acr_2012 items are serology=positive, focus_score=positive,
        ocular_staining=unknown
    """
    want = dict(x.split("=") for x in _names(states))
    got = {i: v["state"] for i, v in classified.set(name)["items"].items()}
    assert {i: got[i] for i in want} == want, classified.show(name)


@then(parsers.parse("the {name:w} entry is {state:w}"))
def _(classified: Classified, name: str, state: str) -> None:
    """The entry criterion of a criteria set.

    Example: And the acr_eular_2016 entry is positive
    """
    assert classified.set(name)["entry"]["state"] == state, classified.show(name)


@then(parsers.parse("the {name:w} entry rests on {rule}"))
def _(classified: Classified, name: str, rule: str) -> None:
    """The entry criterion was concluded by this rule id.

    Example: And the acr_eular_2016 entry rests on acr_eular_2016.entry.symptoms
    """
    assert rule in classified.set(name)["entry"]["rules"], classified.show(name)


@then(parsers.parse("the {name:w} exclusion {x:w} is {state:w}"))
def _(classified: Classified, name: str, x: str, state: str) -> None:
    """The state of one exclusion of a criteria set.

    Example: Then the aecg_2002 exclusion anticholinergic is present
    """
    assert classified.set(name)["exclusions"][x] == state, classified.show(name)


@then(parsers.parse("the {name:w} verdict names as missing {items}"))
def _(classified: Classified, name: str, items: str) -> None:
    """The items the verdict names as missing, in order (`none` for none).

    Example: And the aecg_2002 verdict names as missing ocular_signs, histopathology,
        salivary_involvement
    """
    got = [m["item"] for m in classified.set(name)["missing"]]
    assert got == _names(items), classified.show(name)


@then(parsers.parse('for {name:w} a positive {item:w} alone would give {verdict:w}'))
def _(classified: Classified, name: str, item: str, verdict: str) -> None:
    """What a positive result of this missing item alone would make the verdict.

    Example: And for acr_eular_2016 a positive anti_ssa alone would give met
    """
    row = next(m for m in classified.set(name)["missing"] if m["item"] == item)
    assert row["if_positive"] == verdict, classified.show(name)


@then(parsers.parse('for {name:w} a negative {item:w} alone would give {verdict:w}'))
def _(classified: Classified, name: str, item: str, verdict: str) -> None:
    """What a negative result of this missing item alone would make the verdict.

    Example: And for acr_eular_2016 a negative saliva_flow alone would give not_met
    """
    row = next(m for m in classified.set(name)["missing"] if m["item"] == item)
    assert row["if_negative"] == verdict, classified.show(name)


@then(parsers.parse("the {name:w} verdict is conditional on {tags}"))
def _(classified: Classified, name: str, tags: str) -> None:
    """The conditions the verdict rests on (inferred or interpreted values, undocumented
    exclusions), in order.

    Example: And the acr_2012 verdict is conditional on exclusions_not_documented,
        interpreted_focus_score
    """
    got = classified.set(name)["conditional"]
    assert got == _names(tags), classified.show(name)


@then(parsers.parse("the {name:w} output lists {kind} items {items}"))
def _(classified: Classified, name: str, kind: str, items: str) -> None:
    """The criteria output's list of `kind` items (inferred, interpreted, ...).

    Example: And the aecg_2002 output lists inferred items ocular_symptoms, oral_symptoms
    """
    assert classified.set(name)[kind] == _names(items), classified.show(name)


@then(parsers.parse("the {name:w} flags {flags}"))
def _(classified: Classified, name: str, flags: str) -> None:
    """The flags of a criteria set, in order.

    Example: Then the acr_eular_2016 flags isolated_ro52
    """
    got = [f["flag"] for f in classified.set(name)["flags"]]
    assert got == _names(flags), classified.show(name)


@then(parsers.parse("the aecg_2002 verdict is met by rule {rules} as {label}"))
def _(classified: Classified, rules: str, label: str) -> None:
    """The 2002 AECG criteria are met by these of its rules (a, b, ...) as this classification.

    Example: Then the aecg_2002 verdict is met by rule a, b as primary SS
    """
    got = classified.set("aecg_2002")
    assert got["verdict"] == "met", classified.show("aecg_2002")
    assert got["rules_met"] == _names(rules), classified.show("aecg_2002")
    assert got["classification"] == label, classified.show("aecg_2002")


@then(parsers.parse("the aecg_2002 classification is {label}"))
def _(classified: Classified, label: str) -> None:
    """The 2002 AECG classification: primary SS or secondary SS.

    Example: And the aecg_2002 classification is secondary SS
    """
    assert classified.set("aecg_2002")["classification"] == label, classified.show("aecg_2002")


def _summary(crit: dict[str, Any]) -> dict[str, Any]:
    return {n: {"verdict": r["verdict"], "score": (r["score_min"], r["score_max"]),
                "items": {i: v["state"] for i, v in r["items"].items()},
                "missing": r["missing"], "conditional": r["conditional"]}
            for n, r in crit.items()}


@then("the verdicts are the same at every timepoint")
def _(classified: Classified) -> None:
    """Every criteria set gives the same verdict, score, items and missing items at every
    timepoint (tests are cumulative).

    Example: And the verdicts are the same at every timepoint
    """
    first, *others = [_summary(c) for c in classified.by_tp.values()]
    for other in others:
        assert other == first


# --- what-if ----------------------------------------------------------------------------------

def _whatif_set(whatif: dict[str, Any], name: str) -> dict[str, Any]:
    return whatif["timepoints"][0]["criteria"][name]  # type: ignore[no-any-return]


@then(parsers.parse("the what-if turns {name:w} from {a:w} {alo:d}-{ahi:d} "
                    "to {b:w} {blo:d}-{bhi:d}"))
def _(whatif: dict[str, Any], name: str, a: str, alo: int, ahi: int, b: str, blo: int,
      bhi: int) -> None:
    """The what-if changes the criteria set's verdict and score range.

    Example: Then the what-if turns acr_eular_2016 from undetermined 3-9 to met 6-9
    """
    r = _whatif_set(whatif, name)
    before, after = r["before"], r["after"]
    assert (before["verdict"], before["score_min"], before["score_max"]) == (a, alo, ahi), r
    assert (after["verdict"], after["score_min"], after["score_max"]) == (b, blo, bhi), r
    assert r["changed"] is True


@then(parsers.parse("the what-if leaves {name:w} {verdict:w}"))
def _(whatif: dict[str, Any], name: str, verdict: str) -> None:
    """The what-if leaves the criteria set's verdict as it was.

    Example: And the what-if leaves aecg_2002 met
    """
    r = _whatif_set(whatif, name)
    assert r["before"]["verdict"] == r["after"]["verdict"] == verdict, r
    assert r["verdict_changed"] is False


@then(parsers.parse("the what-if marks {items} as hypothetical at every timepoint"))
def _(whatif: dict[str, Any], items: str) -> None:
    """The what-if marks these items, and the verdicts that use them, as hypothetical.

    Example: And the what-if marks anti_ssa as hypothetical at every timepoint
    """
    want = _names(items)
    assert [h["item"] for h in whatif["hypothetical"]] == want
    assert all(h["hypothetical"] is True for h in whatif["hypothetical"])
    for tp in whatif["timepoints"]:
        for r in tp["criteria"].values():
            assert "hypothetical_values" in r["after"]["conditional"] or not r["after"][
                "hypothetical"], r
        assert any(r["after"]["hypothetical"] for r in tp["criteria"].values())


@given(parsers.parse("the record has the lab {analyte} at {value} {unit}, reference {ref}"))
def _(record: Record, analyte: str, value: str, unit: str, ref: str) -> None:
    """Record a lab result on the record: analyte, value, UCUM unit and printed range (`-`: none).

    Example: And the record has the lab RF IgM at 331.5 U/mL, reference 0-25
    """
    number: Any = float(value) if "." in value else int(value)
    lab: dict[str, Any] = {"analyte": analyte, "value": number, "unit": unit}
    if ref != "-":
        lab["reference"] = ref
    record.timepoint.setdefault("labs", []).append(lab)


def _essdai_domains(siccas: dict[str, Sicca]) -> list[str]:
    return [str(m["domain"]) for m in siccas["native"].meta("essdai") if "domain" in m]


@given("the record states no involvement of any ESSDAI domain")
def _(record: Record, siccas: dict[str, Sicca]) -> None:
    """Every ESSDAI domain recorded as not involved, so the 2016 entry by ESSDAI is decided.

    Example: Given the record states no involvement of any ESSDAI domain
    """
    merge(record.timepoint.setdefault("findings", {}),
          {d: {"involvement": "absent"} for d in _essdai_domains(siccas)})


@given(parsers.parse("the record states no involvement of any ESSDAI domain but {domain:w}"))
def _(record: Record, domain: str, siccas: dict[str, Sicca]) -> None:
    """Every ESSDAI domain but `domain` recorded as not involved.

    Example: Given the record states no involvement of any ESSDAI domain but glandular
    """
    merge(record.timepoint.setdefault("findings", {}),
          {d: {"involvement": "absent"} for d in _essdai_domains(siccas) if d != domain})
