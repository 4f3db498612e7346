"""The full scoring report of a case: every timepoint, every declared instrument, every change.

``build_report`` returns the typed ``Report`` (sicca.report.model); ``build`` its dict, as
callers (batch, what-if, tests) have used it. The instruments are those the rule pack's
manifest declares (sicca.scores.instrument.declared), in manifest order.
"""

from __future__ import annotations

from typing import Any

from sicca.records.models import Case
from sicca.report.model import Change, Report, Timepoint
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores.instrument import Instrument, Scored, declared
from sicca.scores.results import Result


def build(sicca: Sicca, case: Case, options: dict[str, str] | None = None,
          overrides: dict[str, Any] | None = None,
          timepoints: list[str] | None = None,
          per_timepoint: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report of ``case`` as a dict (``build_report(...).dump()``)."""
    return build_report(sicca, case, options, overrides, timepoints, per_timepoint).dump()


def build_report(sicca: Sicca, case: Case, options: dict[str, str] | None = None,
                 overrides: dict[str, Any] | None = None,
                 timepoints: list[str] | None = None,
                 per_timepoint: dict[str, dict[str, Any]] | None = None) -> Report:
    """Score every timepoint of ``case`` (or those named) and the changes between them
    (``overrides``: facts replaced at every timepoint; ``per_timepoint``: by timepoint id)."""
    opts = sicca.check_options(options or {})
    insts = declared(sicca)
    scored = score_timepoints(sicca, case, opts, overrides, timepoints, insts, per_timepoint)
    return assemble(sicca, case, opts, scored, insts, overrides, per_timepoint)


def assemble(sicca: Sicca, case: Case, opts: dict[str, str], scored: list[Scored],
             insts: list[Instrument], overrides: dict[str, Any] | None = None,
             per_timepoint: dict[str, dict[str, Any]] | None = None) -> Report:
    """The Report of timepoints already scored (``score_timepoints``) and their changes:
    the visit report reuses the scored timepoints for its plots and traces."""
    outs = [timepoint_report(s, insts, sicca) for s in scored]
    changes = []
    pairs = [(0, j) for j in range(1, len(scored))]
    pairs += [(j - 1, j) for j in range(2, len(scored))]
    for a, b in pairs:
        ch: dict[str, Any] = {"from": scored[a].timepoint, "to": scored[b].timepoint}
        for inst in insts:
            res = inst.change(scored[a], scored[b], sicca)
            if res is not None:
                ch.update(_change_keys(inst, res))
        changes.append(Change.model_validate(ch))
    return Report.model_validate({
        "case": case.file,
        "patient": case.patient.id,
        "engine": sicca.engine,
        "rulesets": sicca.rulesets(),
        "options": opts,
        "hypothetical": sorted(set(overrides or {}).union(
            *(v for v in (per_timepoint or {}).values()))),
        "timepoints": outs,
        "changes": changes,
    })


def score_timepoints(sicca: Sicca, case: Case, opts: dict[str, str],
                     overrides: dict[str, Any] | None = None,
                     timepoints: list[str] | None = None,
                     insts: list[Instrument] | None = None,
                     per_timepoint: dict[str, dict[str, Any]] | None = None) -> list[Scored]:
    """Each timepoint's evaluation and every declared instrument's typed result (what
    ``Instrument.series`` takes)."""
    insts = declared(sicca) if insts is None else insts
    out: list[Scored] = []
    for tp in case.timepoints:
        if timepoints and tp.id not in timepoints:
            continue
        ov = overrides
        if per_timepoint and per_timepoint.get(tp.id):
            ov = {**(overrides or {}), **per_timepoint[tp.id]}
        ev = sicca.evaluate(case, tp, opts, ov)
        out.append(score_evaluation(sicca, ev, insts, tp.id, str(tp.date), tp.label))
    return out


def score_evaluation(sicca: Sicca, ev: Evaluation, insts: list[Instrument], timepoint: str,
                     date: str, label: str | None = None) -> Scored:
    """One evaluated visit scored by every instrument of ``insts`` (those with a result)."""
    s = Scored(timepoint, date, ev, label=label)
    for inst in insts:
        res = inst.score(ev, sicca)
        if res is not None:
            s.results[inst.id] = res
    return s


def timepoint_report(s: Scored, insts: list[Instrument], sicca: Sicca) -> Timepoint:
    """A scored visit as the report's typed timepoint (its JSON keys are the contract)."""
    out: dict[str, Any] = {"id": s.timepoint, "date": s.date,
                           "label": s.label}
    for inst in insts:
        if inst.key == "criteria":
            out.setdefault("criteria", {})
            if inst.id in s.results:
                out["criteria"][inst.id] = s.results[inst.id]
        elif inst.id in s.results:
            out[inst.key] = s.results[inst.id]
    assert s.ev is not None
    out["unused_inputs"] = unused_inputs(s.ev, sicca)
    return Timepoint.model_validate(out)


def _change_keys(inst: Instrument, res: Result) -> dict[str, Any]:
    """An instrument's change result as the report's flat keys (``essdai_delta``, …; STAR
    nests under ``star``)."""
    if inst.key == "star":
        return {"star": res}
    return {f"{inst.key}_{k}": v for k, v in res.out().items()}


def unused_inputs(ev: Evaluation, sicca: Sicca) -> list[str]:
    """Recorded inputs that no loaded rule reads: reported, never silently dropped."""
    used: set[str] = sicca.memo("report.inputs_read", lambda: _inputs_read(sicca))
    out = []
    facts = ev.visit.facts
    for name in ev.visit.recorded:  # the others are not_reported
        f = facts[name]
        if f.state == "not_reported" or name.startswith("option.") or name in used:
            continue
        if name.endswith((".flag", ".x_uln", ".mean", ".right", ".left")):
            continue
        out.append(name)
    return out


def _inputs_read(sicca: Sicca) -> set[str]:
    used = set(sicca.program["inputs"])
    for inst in declared(sicca):
        used.update(inst.inputs_read(sicca))
    return used
