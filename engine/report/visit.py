"""The visit report's data: the typed scoring Report plus what the page and its plots need.

``build_visit`` scores a case once and returns a ``VisitReport``:

- ``report``: the typed Report of ``sicca score`` (sicca.report.model), unchanged;
- ``series``: each declared instrument's plot data (``Instrument.series``), in manifest order;
- ``titles``: each declared instrument's display name, by id, as its rule set's meta declares
  it (``Instrument.title``): the page and plots print these, never a name of their own;
- ``labs``: each analyte over the timepoints, in the canonical unit with its reference limits;
- ``treatments``: the case's treatment courses, dated for the time axis;
- ``details``: per timepoint, every conclusion's trace (rules, matched inputs, citations) and,
  for each not-assessable domain, the inputs that would decide it;
- ``references``: the full reference of every cited source (sicca.language.bibliography).

Rendering is elsewhere (sicca.report.plots draws, sicca.report.html lays out); the web app
(issue 14) uses the same model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from sicca.records.labs import LabResult
from sicca.records.models import Case, PartialDate
from sicca.report.build import assemble, score_timepoints
from sicca.report.model import Report
from sicca.running.evaluate import Sicca
from sicca.scores.instrument import Scored, declared, titles
from sicca.scores.results import (
    PatientReportedSeries,
    ResponseSeries,
    TotalSeries,
    VerdictSeries,
)

__all__ = ["Citation", "Conclusion", "Firing", "LabPoint", "LabSeries", "Reference",
           "TimepointDetail", "TreatmentCourse", "Undecided", "VisitReport", "build_visit",
           "date_number"]

Series = TotalSeries | PatientReportedSeries | VerdictSeries | ResponseSeries

#: input states that leave a rule's question open (a later result would decide it)
_OPEN_STATES = ("not_reported", "not_done", "unknown")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabPoint(_Model):
    """One analyte at one timepoint, in the analyte's canonical unit."""

    timepoint: str
    date: str
    value: Decimal | None          # None: not done / not reported
    censored: str | None           # "<" or ">": the value is a bound, never exact
    low: Decimal | None            # reference limits (None: unbounded on that side)
    high: Decimal | None
    x_uln: Decimal | None          # value / upper limit
    flag: str | None
    printed: str | None            # the value as given, with its censoring sign and unit


class LabSeries(_Model):
    key: str
    name: str
    panel: str
    unit: str
    points: list[LabPoint]


class TreatmentCourse(_Model):
    what: str
    start: str | None
    end: str | None
    count: int | None
    dose: str | None
    route: str | None
    schedule: str | None
    note: str | None


class Citation(_Model):
    id: str
    locator: str | None
    note: str | None


class Firing(_Model):
    """One rule that concluded a fact: what it says, where it is, what it matched."""

    rule: str
    description: str
    status: str
    loc: str
    matched: list[str]
    citations: list[Citation]


class Conclusion(_Model):
    fact: str
    value: str
    rules: list[Firing]


class Undecided(_Model):
    """A not-assessable domain: the rule that said so and the inputs that would decide it."""

    rule: str
    description: str
    inputs: list[str]


class TimepointDetail(_Model):
    id: str
    conclusions: list[Conclusion]
    undecided: dict[str, Undecided]


class Reference(_Model):
    id: str
    tag: str
    text: str


class VisitReport(_Model):
    """Everything the visit report shows, for one patient across all timepoints."""

    report: Report
    series: list[Series]
    titles: dict[str, str]
    labs: list[LabSeries]
    treatments: list[TreatmentCourse]
    details: list[TimepointDetail]
    references: list[Reference]


def date_number(text: str | None) -> float | None:
    """A date (``2023-10`` or ``2023-10-05``) as a year fraction for a time axis (a month
    date sits at the start of its month); None when absent or not a date."""
    if not text:
        return None
    try:
        d = PartialDate.parse(text)
    except ValueError:
        return None
    return d.year + (d.month - 1) / 12 + ((d.day or 1) - 1) / 365.25


def build_visit(sicca: Sicca, case: Case, options: dict[str, str] | None = None) -> VisitReport:
    """Score ``case`` once and gather the visit report's data."""
    opts = sicca.check_options(options or {})
    insts = declared(sicca)
    scored = score_timepoints(sicca, case, opts, insts=insts)
    report = assemble(sicca, case, opts, scored, insts)
    series = [s for s in (i.series(scored, sicca) for i in insts)
              if isinstance(s, (TotalSeries, PatientReportedSeries, VerdictSeries,
                                ResponseSeries))]
    refs: dict[str, Reference] = {}
    details = [_detail(s, refs) for s in scored]
    return VisitReport(report=report, series=series, titles=titles(sicca), labs=_labs(case),
                       treatments=[TreatmentCourse(**t.model_dump())
                                   for t in case.treatments],
                       details=details, references=sorted(refs.values(), key=lambda r: r.id))


def _labs(case: Case) -> list[LabSeries]:
    """Each analyte recorded anywhere in the case, in order of first appearance."""
    by_key: dict[str, LabSeries] = {}
    points: dict[str, list[LabPoint]] = {}
    for tp in case.timepoints:
        for r in tp.labs:
            if r.key not in by_key:
                a = r.analyte
                by_key[r.key] = LabSeries(key=a.key, name=a.name, panel=a.panel, unit=a.unit,
                                          points=[])
                points[r.key] = []
            points[r.key].append(_lab_point(tp.id, str(tp.date), r))
    return [s.model_copy(update={"points": points[k]}) for k, s in by_key.items()]


def _lab_point(tp: str, date: str, r: LabResult) -> LabPoint:
    ref = r.reference
    printed = None
    if r.value is not None:
        printed = f"{r.censored or ''}{r.value} {r.unit or r.analyte.unit}"
    return LabPoint(timepoint=tp, date=date, value=r.canonical_value, censored=r.censored,
                    low=ref.low if ref else None, high=ref.high if ref else None,
                    x_uln=r.x_uln, flag=r.flag, printed=printed)


def _detail(s: Scored, refs: dict[str, Reference]) -> TimepointDetail:
    ev = s.ev
    assert ev is not None
    traces = [t for n in sorted(ev.derived) for t in ev.trace(n)]
    return TimepointDetail(id=s.timepoint, conclusions=[_conclusion(t, refs) for t in traces],
                           undecided=_undecided(s, traces))


def _conclusion(t: dict[str, Any], refs: dict[str, Reference]) -> Conclusion:
    fired = []
    for r in t["rules"]:
        src = r["source"]
        cites = []
        for c in [src, *src.get("also", [])]:
            cites.append(Citation(id=str(c["citation"]), locator=c.get("locator"),
                                  note=c.get("note")))
            ref = c.get("reference")
            if ref:
                refs.setdefault(ref["id"], Reference(id=ref["id"], tag=ref["tag"],
                                                     text=ref["text"]))
        fired.append(Firing(rule=r["rule"], description=" ".join(str(r["description"]).split()),
                            status=r["status"], loc=_short_loc(r["loc"]),
                            matched=[_matched(m) for m in r["matched"]], citations=cites))
    return Conclusion(fact=t["fact"], value=str(t["value"]), rules=fired)


def _short_loc(loc: str) -> str:
    """``rules/essdai/cns.yaml:13:5`` rather than the absolute path of this machine."""
    marker = "/rules/"
    return "rules/" + loc.rsplit(marker, 1)[1] if marker in loc else loc


def _matched(m: dict[str, Any]) -> str:
    """A matched fact in one line: ``cutaneous.purpura = present (baseline)``."""
    if "concluded" in m:
        return f"{m['fact']} = {m['value']} (concluded)"
    shown = m.get("code", m.get("value"))
    if shown is None:
        return f"{m['fact']}: {m.get('state', '?')}"
    unit = f" {m['unit']}" if m.get("unit") and m.get("value") is not None else ""
    at = f" ({m['recorded_at']})" if m.get("recorded_at") else ""
    return f"{m['fact']} = {shown}{unit}{at}"


def _undecided(s: Scored, traces: list[dict[str, Any]]) -> dict[str, Undecided]:
    """For every domain a total lists as not assessable: the rule that concluded it and the
    inputs it found open (not reported, not done, unknown)."""
    fired = {r["rule"]: r for t in traces for r in t["rules"]}
    out: dict[str, Undecided] = {}
    for res in s.results.values():
        domains = getattr(res, "domains", None)
        if not isinstance(domains, dict):
            continue
        for name, d in domains.items():
            if name in out or d.points is not None:
                continue
            for rid in d.rules:
                r = fired.get(rid)
                if r is None:
                    continue
                inputs = [m["fact"] for m in r["matched"]
                          if "concluded" not in m and m.get("state") in _OPEN_STATES]
                out[name] = Undecided(rule=rid, description=" ".join(str(r["description"])
                                                                     .split()),
                                      inputs=inputs)
                break
    return out
