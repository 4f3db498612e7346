"""The full scoring report of a case: every timepoint, every instrument, every change."""

from __future__ import annotations

from typing import Any

from sicca.records.models import Case
from sicca.running.evaluate import Evaluation, Sicca
from sicca.scores import instruments


def build(sicca: Sicca, case: Case, options: dict[str, str] | None = None,
          overrides: dict[str, Any] | None = None,
          timepoints: list[str] | None = None) -> dict[str, Any]:
    """Score every timepoint of ``case`` (or those named) and the changes between them."""
    opts = sicca.check_options(options or {})
    evs: list[Evaluation] = []
    outs: list[dict[str, Any]] = []
    for tp in case.timepoints:
        if timepoints and tp.id not in timepoints:
            continue
        ev = sicca.evaluate(case, tp, opts, overrides)
        out: dict[str, Any] = {"id": tp.id, "date": str(tp.date), "label": tp.label}
        for inst in instruments():
            out.update(inst.score(ev, sicca))
        out["unused_inputs"] = unused_inputs(ev, sicca)
        evs.append(ev)
        outs.append(out)
    changes = []
    pairs = [(0, j) for j in range(1, len(outs))]
    pairs += [(j - 1, j) for j in range(2, len(outs))]
    for a, b in pairs:
        ch: dict[str, Any] = {"from": outs[a]["id"], "to": outs[b]["id"]}
        for inst in instruments():
            if hasattr(inst, "change"):
                ch.update(inst.change(outs[a], outs[b], evs[a], evs[b], sicca))
        changes.append(ch)
    return {
        "case": case.file,
        "patient": case.patient.id,
        "engine": sicca.engine,
        "rulesets": sicca.rulesets(),
        "options": opts,
        "hypothetical": sorted(overrides) if overrides else [],
        "timepoints": outs,
        "changes": changes,
    }


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
    for inst in instruments():
        used.update(getattr(inst, "INPUTS_READ", ()))
        if hasattr(inst, "inputs_read"):  # inputs named by the instrument's rule file
            used.update(inst.inputs_read(sicca))
    return used
