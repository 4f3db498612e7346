"""Text views of the `sicca score` report: a short view per timepoint, the full tables with
``--detail``, and the changes between timepoints. They read the report dict (the public JSON)
and print through sicca.cli.render; instruments compute, they do not print. An instrument is
named by the title its rule set declares (``Names``); ``tp["<id>"]`` and ``c["<id>_delta"]``
are the report's keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sicca.cli.render import Out, Part, join, text
from sicca.running.evaluate import Sicca
from sicca.scores.instrument import declared, titles
from sicca.scores.results import PatientReportedSeries

STYLE = {"positive": "green", "negative": "red", "unknown": "yellow", "met": "bold green",
         "not_met": "bold red", "undetermined": "bold yellow", "excluded": "bold magenta",
         "not_applicable": "bold blue"}
YES_NO = {True: "yes", False: "no", None: "undetermined"}
Report = Mapping[str, Any]


@dataclass(frozen=True)
class Names:
    """What the rule pack declares for the text: each instrument's title, and the acceptable
    state line of each patient-reported score (both by instrument id)."""

    titles: Mapping[str, str]
    pass_below: Mapping[str, Decimal]

    @classmethod
    def of(cls, sicca: Sicca) -> Names:
        lines = {i.id: s.pass_below for i in declared(sicca)
                 if isinstance(s := i.series([], sicca), PatientReportedSeries)}
        return cls(titles(sicca), lines)

    def __call__(self, ident: str) -> str:
        """The title of instrument ``ident`` (the id when the pack declares none)."""
        return self.titles.get(ident, ident)


def score_report(o: Out, report: Report, detail: bool, names: Names) -> None:
    """The whole `sicca score` text output."""
    header(o, report)
    for tp in report["timepoints"]:
        o.header((str(tp["id"]), "bold"), f" · {tp['date']}",
                 f" · {tp['label']}" if tp.get("label") else "")
        if detail:
            timepoint_detail(o, tp, names)
        else:
            timepoint_short(o, tp, names)
    if report["changes"]:
        o.header(("changes", "bold"))
        changes(o, report["changes"], names)
    if not detail:
        o.line(("full tables: sicca score --detail", "dim"))


def header(o: Out, report: Report) -> None:
    o.line((str(report["case"]), "bold"), f" patient {report['patient']} · engine "
           f"{report['engine']}")
    o.line("rule sets: ", join(f"{r['name']} {r['version']} ({r['hash']})"
                               for r in report["rulesets"]))
    o.line("options: ", join(f"{k}={v}" for k, v in report["options"].items()))


# --- one timepoint ----------------------------------------------------------------------------

def timepoint_short(o: Out, tp: Report, names: Names) -> None:
    """Totals with range and category, the patient-reported score, each criteria set in one
    line, and the domains that are not rated 0 (or not assessable)."""
    total, clin = tp.get("essdai"), tp.get("clinessdai")
    if total:
        o.line(_short_total(names("essdai"), total))
        if clin:
            o.line(_short_total(names("clinessdai"), clin))
    _patient_reported(o, tp, names)
    if total:
        o.line(f"EULAR 2020 severe: {YES_NO[total['severe']]}")
        _warnings(o, total, names)
        shown = {n: d for n, d in total["domains"].items()
                 if d["level"] != 0 or d["state"] == "not_assessable"}
        if shown:
            _domains(o, f"{names('essdai')} domains not rated 0", shown, clin, names,
                     rules=False)
    for name, res in tp.get("criteria", {}).items():
        o.line(_verdict(name, res))
        if res["missing"]:
            o.line("  missing ", _missing(res["missing"]))
    unused = tp.get("unused_inputs") or []
    if unused:
        o.line((f"{len(unused)} recorded inputs are used by no score (--detail lists them)",
                "dim"))


def timepoint_detail(o: Out, tp: Report, names: Names) -> None:
    """The full tables: every domain of the total with its rules, every criteria item."""
    total, clin = tp.get("essdai"), tp.get("clinessdai")
    if total:
        _domains(o, f"{names('essdai')} domains", total["domains"], clin, names, rules=True)
        o.line(_total(names("essdai"), total))
        if clin:
            o.line(_total(names("clinessdai"), clin), (f" ({clin['weights_status']})", "dim"))
        o.line(f"EULAR 2020 severe: {YES_NO[total['severe']]}")
        _warnings(o, total, names)
    _patient_reported(o, tp, names)
    for name, res in tp.get("criteria", {}).items():
        _checklist(o, name, res)
    if tp.get("unused_inputs"):
        o.line(("recorded, used by no score (labs: see sicca labs): ", "dim"),
               (", ".join(tp["unused_inputs"]), "dim"))


def _points(d: Mapping[str, Any] | None) -> str:
    if d is None:
        return "—"
    if d["points"] is None:  # not assessable (0..max) or undetermined (its exact range)
        return f"{d.get('points_min', 0)}..{d['points_max']}"
    if d.get("points_max", d["points"]) != d["points"]:  # partly assessable: met..possible
        return f"{d['points']}..{d['points_max']}"
    return str(d["points"])


def _domains(o: Out, title: str, domains: Mapping[str, Any], clin: Mapping[str, Any] | None,
             names: Names, rules: bool) -> None:
    pts, clin_pts = f"{names('essdai')} pts", f"{names('clinessdai')} pts"
    cols = ["domain", "state", "level", pts, clin_pts, "rules, flags" if rules else "flags"]
    rows = []
    for name, d in domains.items():
        c = (clin or {}).get("domains", {}).get(name)
        flags: list[Part] = [(f, "yellow") for f in d["flags"]]
        why = join(([*d["rules"]] if rules else []) + flags)
        lvl = "?" if d["level"] is None else str(d["level"]) if \
            d.get("level_max", d["level"]) == d["level"] else f"{d['level']}–{d['level_max']}"
        rows.append([name, d["state"], lvl,
                     _points(d), _points(c), why])
    o.table(title, cols, rows, right=("level", pts, clin_pts))


def _total(label: str, s: Mapping[str, Any]) -> Any:
    det = "" if s["category_determined"] else \
        f" — category not determined ({s['category_min']} to {s['category_max']})"
    open_ = [*s["not_assessable"], *s.get("partly_assessable", [])]
    na: list[Part] = [(f" ({s['documented_label']}: {', '.join(open_)})", "dim")] \
        if open_ else []
    return text((label, "bold"), f" documented {s['documented']}", *na,
                f", range {s['min']}–{s['max']}, category {s['category']}{det}")


def _short_total(label: str, s: Mapping[str, Any]) -> Any:
    """``<title> 11 (range 11–17) · category moderate, not determined (moderate to high)``; the
    not-assessable domains are in the domain table below it."""
    det = "" if s["category_determined"] else \
        f", not determined ({s['category_min']} to {s['category_max']})"
    return text((label, "bold"), f" {s['documented']} (range {s['min']}–{s['max']}) · "
                f"category {s['category']}{det}")


def _warnings(o: Out, total: Mapping[str, Any], names: Names) -> None:
    for w in total.get("warnings", []):
        o.line(("warning", "red"), f": {w} ({names('essdai')} is validated for primary SS)")


def _patient_reported(o: Out, tp: Report, names: Names) -> None:
    e = tp.get("esspri")
    if not e:
        return
    title = names("esspri")
    if e["score"] is None:
        o.line((title, "bold"), f" not computable (missing: {', '.join(e['missing'])})")
    else:
        line = names.pass_below.get("esspri")
        o.line((title, "bold"), f" {e['score']} ({e['exact']}), PASS "
               f"{'yes' if e['pass'] else 'no'} (< {'?' if line is None else line})")


def _verdict(name: str, res: Mapping[str, Any]) -> Any:
    v = res["verdict"]
    rule = f" by rule {', '.join(res['rules_met'])}" if res.get("rules_met") else ""
    extra = f" · {res['classification']}" if "classification" in res else ""
    n = len(res["conditional"])
    cond = f" · conditional on {n} assumption{'s' if n > 1 else ''}" if n else ""
    return text((name, "bold"), " ", (v, STYLE.get(v, "bold")),
                f"{rule}{extra} · score {res['score_min']}–{res['score_max']}{cond}")


def _missing(missing: Sequence[Mapping[str, Any]]) -> Any:
    """``a, b: positive would give met``, items grouped by what they would decide."""
    groups: dict[str, list[str]] = {}
    for m in missing:
        groups.setdefault(str(m["decides"]), []).append(str(m["item"]))
    return join((f"{', '.join(items)}: {decides}" for decides, items in groups.items()),
                sep="; ")


def _checklist(o: Out, name: str, res: Mapping[str, Any]) -> None:
    """A checklist per criteria set: item, state, points, rules; verdict, range, missing."""
    rows = []
    if "entry" in res:
        e = res["entry"]
        rows.append(["entry", _state(e["state"], e), "", ", ".join(e["rules"])])
    for item, it in res["items"].items():
        label = f"{it.get('roman', '')} {item}".strip()
        rows.append([label, _state(it["state"], it), str(it["points"]),
                     ", ".join(it["rules"])])
    o.table(f"{name} · {res['label']}", ["item", "state", "points", "rules"], rows,
            right=("points",))
    v = res["verdict"]
    rule = f" by rule {', '.join(res['rules_met'])}" if res.get("rules_met") else ""
    extra = f" · {res['classification']}" if "classification" in res else ""
    o.line("  verdict ", (v, STYLE.get(v, "bold")),
           f"{rule}{extra} · score {res['score_min']}–{res['score_max']}")
    for m in res["missing"]:
        o.line(f"  missing {m['item']}: {m['decides']}")
    if res["conditional"]:
        o.line("  conditional on: " + ", ".join(res["conditional"]))
    for f in res["flags"]:
        o.line("  ", (f"flag {f['flag']}", "yellow"), f": {f['message']}")


def _state(state: str, it: Mapping[str, Any]) -> Any:
    marks = " ".join(k for k in ("inferred", "interpreted", "hypothetical") if it.get(k))
    return text((state, STYLE.get(state, "")), *([(f" ({marks})", "dim")] if marks else []))


# --- between timepoints -----------------------------------------------------------------------

def _range(c: Mapping[str, Any], k: str) -> str:
    d = c[f"{k}_delta"]
    assumed = "*" if c[f"{k}_assumes_unassessable_unchanged"] else ""
    return f"{'?' if d is None else d}{assumed} ({c[f'{k}_delta_min']}..{c[f'{k}_delta_max']})"


def changes(o: Out, rows_in: Sequence[Mapping[str, Any]], names: Names) -> None:
    mcii = {True: "met", False: "not met", None: "undetermined"}
    rows = []
    for c in rows_in:
        if "essdai_delta" not in c:
            continue
        v = c.get("star") or {}
        rows.append([f"{c['from']} → {c['to']}", _range(c, "essdai"),
                     mcii[c["essdai_mcii"]] + ("" if c["essdai_mcii_determined"] or
                                               c["essdai_mcii"] is None else "*"),
                     _range(c, "clinessdai"),
                     "—" if c.get("esspri_delta") is None else str(c["esspri_delta"]),
                     mcii[c.get("esspri_mcii")],
                     f"{v.get('points_min')}–{v.get('points_max')} {v.get('verdict')}"])
    if not rows:
        return
    o.table("changes", ["from → to", f"Δ{names('essdai')}", "MCII", f"Δ{names('clinessdai')}",
                        f"Δ{names('esspri')}", "MCII", names("star")], rows)
    o.line(("* documented totals, assuming not-assessable domains unchanged; (min..max) "
            "assumes nothing", "dim"))
