"""Steps for laboratory features (features/case_rfib/labs.feature)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, then, when

from sicca.records.labs import ChangeConvention, LabResult, by_key, compute_changes
from sicca.running.evaluate import Sicca


@dataclass
class LabsCase:
    """The labs of a loaded case: per timepoint id, results by analyte key."""

    path: Path
    ids: list[str]  # timepoints with labs, in order
    all_ids: list[str]
    labs: dict[str, dict[str, LabResult]]
    changes_convention: ChangeConvention

    def result(self, tid: str, analyte: str) -> LabResult | None:
        key = _key(self, analyte)
        return self.labs.get(tid, {}).get(key)

    def changes(self) -> list[dict[str, Any]]:
        return compute_changes([(t, self.labs[t]) for t in self.ids], self.changes_convention)


def _key(case: LabsCase, analyte: str) -> str:
    for results in case.labs.values():
        for r in results.values():
            if r.analyte.name == analyte:
                return r.key
    raise AssertionError(f"no analyte named {analyte!r} in {case.path}")


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _cytokines(case: LabsCase, tid: str) -> list[LabResult]:
    return [r for r in case.labs[tid].values() if r.analyte.panel == "cytokine"]


@given(parsers.parse('the labs of the case "{path}"'), target_fixture="labs_case")
def _(path: str, sicca_root: Path, siccas: dict[str, Sicca]) -> LabsCase:
    """Read the labs of a case file (path relative to pytest's rootdir) per timepoint.

    Example: Given the labs of the case "examples/rfib-case.yaml"
    """
    case = siccas["native"].load_case(sicca_root / path)
    labs = {tp.id: by_key(tp.labs) for tp in case.timepoints}
    return LabsCase(sicca_root / path, [tp.id for tp in case.timepoints if tp.labs],
                    [tp.id for tp in case.timepoints], labs, case.analytes.changes)


@when(parsers.parse('the labs are compared from "{a}" to "{b}"'), target_fixture="labs_change")
def _(labs_case: LabsCase, a: str, b: str) -> dict[str, Any]:
    """Compare the labs of two timepoints (as `sicca labs` does).

    Example: When the labs are compared from "baseline" to "after_12_infusions"
    """
    for change in labs_case.changes():
        if (change["from"], change["to"]) == (a, b):
            return change
    raise AssertionError(f"no change {a} -> {b}")


def _entry(change: dict[str, Any], analyte: str) -> dict[str, Any]:
    for lab in change["labs"]:
        if lab["analyte"] == analyte:
            return dict(lab)
    raise AssertionError(f"{analyte!r} not compared from {change['from']} to {change['to']}")


@then(parsers.parse('the change of "{analyte}" in the paper\'s words is "{words}"'))
def _(labs_change: dict[str, Any], analyte: str, words: str) -> None:
    """The change of an analyte, in the words of the source paper's table.

    Example: Then the change of "IL-12p70" in the paper's words is "decrease"
    """
    entry = _entry(labs_change, analyte)
    assert entry["paper_change"] == words, entry


@then(parsers.parse('at "{tid}" the cytokines flagged {flag} are "{names}"'))
def _(labs_case: LabsCase, tid: str, flag: str, names: str) -> None:
    """The cytokines flagged low, normal or high at a timepoint (any order).

    Example: And at "baseline" the cytokines flagged normal are "TNF-alpha, IFN-alpha"
    """
    got = sorted(r.analyte.name for r in _cytokines(labs_case, tid) if r.flag == flag)
    assert got == sorted(_names(names))


@then(parsers.parse('at "{tid}" the cytokines above {n:d} times their upper limit are "{names}"'))
def _(labs_case: LabsCase, tid: str, n: int, names: str) -> None:
    """The cytokines above n times the upper limit of their range at a timepoint.

    Example: Then at "baseline" the cytokines above 10 times their upper limit are "IL-1beta,
        IL-6, IL-8, IL-17A"
    """
    got = sorted(r.analyte.name for r in _cytokines(labs_case, tid)
                 if r.x_uln is not None and r.x_uln > n)
    assert got == sorted(_names(names))


@then(parsers.parse('"{analyte}" reads "{values}" {unit} over the timepoints'))
def _(labs_case: LabsCase, analyte: str, values: str, unit: str) -> None:
    """The analyte's values, exactly as recorded, at each timepoint with labs.

    Example: Then "ESR" reads "36, 31, 25" mm/h over the timepoints
    """
    got = []
    for tid in labs_case.ids:
        r = labs_case.result(tid, analyte)
        assert r is not None and r.unit == unit, (tid, r)
        got.append(r.value)
    assert got == [Decimal(v) for v in _names(values)]


@then(parsers.parse('at "{tid}" "{analyte}" is {amount} {unit} above its upper limit'))
def _(labs_case: LabsCase, tid: str, analyte: str, amount: str, unit: str) -> None:
    """How far (exactly) the analyte is above the upper limit of its range.

    Example: And at "after_12_infusions" "IL-17A" is 0.45 pg/mL above its upper limit
    """
    r = labs_case.result(tid, analyte)
    assert r is not None and r.reference is not None and r.reference.high is not None
    assert r.unit == unit and r.canonical_value is not None
    # exact: 9.76 - 9.31 = 0.45
    assert r.canonical_value - r.reference.high == Decimal(amount)


@then(parsers.parse('at "{tid}" "{analyte}" is {flag:w}'))
def _(labs_case: LabsCase, tid: str, analyte: str, flag: str) -> None:
    """The analyte's flag at a timepoint: low, normal or high.

    Example: Then at "baseline" "NK cells" is low
    """
    r = labs_case.result(tid, analyte)
    assert r is not None, f"{analyte} not at {tid}"
    assert r.flag == flag, (tid, analyte, r.value, r.reference)


@then(parsers.parse('at "{tid}" "{analyte}" is not reported'))
def _(labs_case: LabsCase, tid: str, analyte: str) -> None:
    """The analyte has no result at that timepoint.

    Example: And at "after_12_infusions" "C3" is not reported
    """
    assert labs_case.result(tid, analyte) is None


@then(parsers.parse('"{analyte}" is {flag:w} at every timepoint with labs'))
def _(labs_case: LabsCase, analyte: str, flag: str) -> None:
    """The analyte has this flag at every timepoint with labs.

    Example: And "ESR" is high at every timepoint with labs
    """
    for tid in labs_case.ids:
        r = labs_case.result(tid, analyte)
        assert r is not None and r.flag == flag, (tid, r)


@then(parsers.parse('"{analyte}" is {flag:w} at every timepoint where it was measured'))
def _(labs_case: LabsCase, analyte: str, flag: str) -> None:
    """The analyte has this flag wherever it was measured (at least once).

    Example: And "C3" is normal at every timepoint where it was measured
    """
    seen = 0
    for tid in labs_case.ids:
        r = labs_case.result(tid, analyte)
        if r is not None:
            seen += 1
            assert r.flag == flag, (tid, r)
    assert seen > 0


@then(parsers.parse('at "{tid}" "{analyte}" is censored below {bound} {unit}'))
def _(labs_case: LabsCase, tid: str, analyte: str, bound: str, unit: str) -> None:
    """The analyte's value is censored (`<bound`), never read as exact.

    Example: And at "after_4_infusions" "CRP" is censored below 0.91 mg/L
    """
    r = labs_case.result(tid, analyte)
    assert r is not None and r.censored == "<" and r.value == Decimal(bound) and r.unit == unit


@then(parsers.parse('from "{a}" to "{b}" "{analyte}" shows "{direction}" and "{transition}"'))
def _(labs_case: LabsCase, a: str, b: str, analyte: str, direction: str,
      transition: str) -> None:
    """The analyte's direction and transition (across its range) between two timepoints.

    Example: And from "baseline" to "after_12_infusions" "RF IgG" shows "increase" and
        "became_abnormal"
    """
    change = next(c for c in labs_case.changes() if (c["from"], c["to"]) == (a, b))
    entry = _entry(change, analyte)
    assert (entry["direction"], entry["transition"]) == (direction, transition), entry


@then(parsers.parse('from "{a}" to "{b}" "{analyte}" is compared on its value at "{measured}"'))
def _(labs_case: LabsCase, a: str, b: str, analyte: str, measured: str) -> None:
    """The comparison used the analyte's latest value, measured at this timepoint.

    Example: And from "baseline" to "after_12_infusions" "C3" is compared on its value at
        "after_4_infusions"
    """
    change = next(c for c in labs_case.changes() if (c["from"], c["to"]) == (a, b))
    assert _entry(change, analyte)["to_measured"] == measured


@then(parsers.parse('the cytokines that {direction:w} are "{names}"'))
def _(labs_case: LabsCase, labs_change: dict[str, Any], direction: str, names: str) -> None:
    """In the compared labs, the cytokines that increased or decreased (any order).

    Example: Then the cytokines that decreased are "IL-1beta, IL-4, IL-8, IL-17A"
    """
    word = {"decreased": "decrease", "increased": "increase"}[direction]
    cytokines = {r.analyte.name for r in _cytokines(labs_case, labs_case.ids[0])}
    got = sorted(x["analyte"] for x in labs_change["labs"]
                 if x["analyte"] in cytokines and x["direction"] == word)
    assert got == sorted(_names(names))
