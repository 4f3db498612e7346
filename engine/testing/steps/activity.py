"""Steps for the activity instruments: ESSDAI, ClinESSDAI, ESSPRI, changes, STAR.

Visits are small in-memory cases (YAML written to tmp_path, loaded by ``sicca.load_case``);
every scenario is scored on both backends (durable and native) and the two reports must
agree before any expectation is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pytest_bdd import given, parsers, then, when

from sicca.running.evaluate import Sicca
from sicca.testing.steps.common import flow, merge


class Visits:
    """The case being built: timepoints in order, each a dict of case-file sections."""

    def __init__(self) -> None:
        self.timepoints: list[dict[str, Any]] = []
        self.options: dict[str, str] = {}
        self.history: list[dict[str, Any]] = []
        self.add()

    def add(self) -> None:
        n = len(self.timepoints)
        self.timepoints.append({"id": f"v{n + 1}", "date": f"2024-{n + 1:02d}"})

    @property
    def current(self) -> dict[str, Any]:
        return self.timepoints[-1]

    def record(self, section: str, data: dict[str, Any]) -> None:
        merge(self.current.setdefault(section, {}), data)

    def text(self) -> str:
        case = {"sicca_case": 1, "patient": {"id": "scenario"}, "timepoints": self.timepoints}
        if self.history:
            case["history"] = self.history
        return yaml.safe_dump(case, sort_keys=False)


def _domains(sicca: Sicca) -> list[str]:
    return [str(m["domain"]) for m in sicca.meta("essdai") if "domain" in m]


# --- building visits ---------------------------------------------------------------------

@given("a visit", target_fixture="visits")
def _() -> Visits:
    return Visits()


@given(parsers.parse("a visit stating no involvement outside the {domain} domain"),
       target_fixture="visits")
def _(domain: str, siccas: dict[str, Sicca]) -> Visits:
    v = Visits()
    names = _domains(siccas["native"])
    assert domain in names, f"unknown domain {domain!r}; known: {names}"
    v.record("findings", {d: {"involvement": "absent"} for d in names if d != domain})
    return v


@given("a visit stating no involvement of any domain", target_fixture="visits")
def _(siccas: dict[str, Sicca]) -> Visits:
    v = Visits()
    v.record("findings", {d: {"involvement": "absent"} for d in _domains(siccas["native"])})
    return v


@given("a later visit")
def _(visits: Visits) -> None:
    visits.add()


@given("a later visit stating no involvement of any domain")
def _(visits: Visits, siccas: dict[str, Sicca]) -> None:
    visits.add()
    visits.record("findings", {d: {"involvement": "absent"}
                               for d in _domains(siccas["native"])})


@given(parsers.parse("the visit records {section}: {text}"))
def _(visits: Visits, section: str, text: str) -> None:
    if text.strip() in ("nothing", "-"):
        return
    visits.record(section, flow(text))


@given(parsers.parse("the lab {analyte} is {value} {unit}, reference {ref}"))
def _(visits: Visits, analyte: str, value: str, unit: str, ref: str) -> None:
    if value == "-":
        return
    lab: dict[str, Any] = {"analyte": analyte, "value": _number(value), "unit": unit}
    if ref != "-":
        lab["reference"] = ref
    visits.current.setdefault("labs", []).append(lab)


def _number(text: str) -> Any:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return text  # a censored value such as "<500"


@given(parsers.parse("the ESSPRI ratings are dryness {d}, fatigue {f}, pain {p}"))
def _(visits: Visits, d: str, f: str, p: str) -> None:
    ratings = {k: _number(v) for k, v in (("dryness", d), ("fatigue", f), ("pain", p))
               if v != "-"}
    if ratings:
        visits.record("ratings", {"esspri": ratings})


@given(parsers.parse("the option {name} is {value}"))
def _(visits: Visits, name: str, value: str) -> None:
    visits.options[name] = value


# --- scoring -----------------------------------------------------------------------------

def _strip(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("engine", "case")}


def score_text(text: str, tmp_path: Path, siccas: dict[str, Sicca],
               options: dict[str, str] | None = None) -> dict[str, Any]:
    """Score a case on every engine; the reports must agree. Returns the durable report."""
    from sicca.cli.common import dumps
    from sicca.report.build import build

    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    reports = {}
    for engine, sicca in siccas.items():
        reports[engine] = build(sicca, sicca.load_case(path), options or {})
    a, b = (dumps(_strip(r)) for r in reports.values())
    assert a == b, "the durable and native engines disagree"
    import json

    return dict(json.loads(dumps(reports["durable"])))


@when("the visits are scored", target_fixture="report")
@when("the visit is scored", target_fixture="report")
def _(visits: Visits, tmp_path: Path, siccas: dict[str, Sicca]) -> dict[str, Any]:
    return score_text(visits.text(), tmp_path, siccas, visits.options)


@when(parsers.parse('the case "{path}" is scored'), target_fixture="report")
def _(path: str, tmp_path: Path, siccas: dict[str, Sicca], sicca_root: Path) -> dict[str, Any]:
    return score_text((sicca_root / path).read_text(encoding="utf-8"), tmp_path, siccas)


@when(parsers.parse('the case "{path}" is scored with the option {name} = {value}'),
      target_fixture="report")
def _(path: str, name: str, value: str, tmp_path: Path, siccas: dict[str, Sicca],
      sicca_root: Path) -> dict[str, Any]:
    return score_text((sicca_root / path).read_text(encoding="utf-8"), tmp_path, siccas,
                      {name: value})


def _tp(report: dict[str, Any], tid: str | None = None) -> dict[str, Any]:
    tps = report["timepoints"]
    if tid is None:
        return dict(tps[-1])
    for t in tps:
        if t["id"] == tid:
            return dict(t)
    raise AssertionError(f"no timepoint {tid!r}; have {[t['id'] for t in tps]}")


def _shown(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float) and x == int(x):
        return str(int(x))
    return str(x)


def _explain(dom: dict[str, Any]) -> str:
    return f"got {dom}"


# --- expectations ------------------------------------------------------------------------

@then(parsers.parse("the {domain} domain is {state}, level {level}, {points} points"))
def _(report: dict[str, Any], domain: str, state: str, level: str, points: str) -> None:
    d = _tp(report)["essdai"]["domains"][domain]
    got = (d["state"], _shown(d["level"]), _shown(d["points"]))
    assert got == (state, level, points), _explain(d)


@then(parsers.parse("the {domain} domain level rests on {rule}"))
def _(report: dict[str, Any], domain: str, rule: str) -> None:
    d = _tp(report)["essdai"]["domains"][domain]
    if rule == "no rule":
        assert d["rules"] == [], _explain(d)
    else:
        assert rule in d["rules"], _explain(d)


@then(parsers.parse("the {domain} domain carries the flag {flag}"))
def _(report: dict[str, Any], domain: str, flag: str) -> None:
    d = _tp(report)["essdai"]["domains"][domain]
    assert flag in d["flags"], _explain(d)


@then(parsers.parse("the {domain} domain carries no flag"))
def _(report: dict[str, Any], domain: str) -> None:
    d = _tp(report)["essdai"]["domains"][domain]
    assert d["flags"] == [], _explain(d)


@then(parsers.parse("the {domain} domain has ClinESSDAI points {points}"))
def _(report: dict[str, Any], domain: str, points: str) -> None:
    clin = _tp(report)["clinessdai"]["domains"]
    got = _shown(clin[domain]["points"]) if domain in clin else "none"
    assert got == points, clin.get(domain)


def _total(s: dict[str, Any]) -> tuple[str, ...]:
    return (_shown(s["documented"]), _shown(s["min"]), _shown(s["max"]), _shown(s["category"]),
            _shown(s["category_determined"]))


@then(parsers.parse("the {instrument} is {documented}, range {lo} to {hi}, category {cat}, "
                    "determined {det}"))
def _(report: dict[str, Any], instrument: str, documented: str, lo: str, hi: str, cat: str,
      det: str) -> None:
    s = _tp(report)[instrument.lower()]
    assert _total(s) == (documented, lo, hi, cat, det), {k: v for k, v in s.items()
                                                         if k != "domains"}


@then(parsers.parse("at {tid} the {instrument} is {documented}, range {lo} to {hi}, "
                    "category {cat}, determined {det}"))
def _(report: dict[str, Any], tid: str, instrument: str, documented: str, lo: str, hi: str,
      cat: str, det: str) -> None:
    s = _tp(report, tid)[instrument.lower()]
    assert _total(s) == (documented, lo, hi, cat, det), {k: v for k, v in s.items()
                                                         if k != "domains"}


@then(parsers.parse("at {tid} the {domain} domain is {state}, level {level}, {points} points"))
def _(report: dict[str, Any], tid: str, domain: str, state: str, level: str,
      points: str) -> None:
    d = _tp(report, tid)["essdai"]["domains"][domain]
    assert (d["state"], _shown(d["level"]), _shown(d["points"])) == (state, level, points), d


@then(parsers.parse("the EULAR 2020 severe flag is {value}"))
def _(report: dict[str, Any], value: str) -> None:
    s = _tp(report)["essdai"]
    got = {True: "yes", False: "no", None: "undetermined"}[s["severe"]]
    assert got == value, (s["severe"], s["documented"])


@then(parsers.parse("the ESSDAI warning is {warning}"))
def _(report: dict[str, Any], warning: str) -> None:
    w = _tp(report)["essdai"]["warnings"]
    assert (w == []) if warning == "none" else (warning in w), w


@then(parsers.parse("the ClinESSDAI says its weights are {status}"))
def _(report: dict[str, Any], status: str) -> None:
    assert status in _tp(report)["clinessdai"]["weights_status"]


@then(parsers.parse("the ESSPRI is {score}, PASS {passed}"))
def _(report: dict[str, Any], score: str, passed: str) -> None:
    e = _tp(report)["esspri"]
    assert (e["shown"], _shown(e["pass"])) == (score, passed), e


@then(parsers.parse("the ESSPRI is not computable, missing {items}"))
def _(report: dict[str, Any], items: str) -> None:
    e = _tp(report)["esspri"]
    want = sorted(x.strip() for x in items.split(","))
    assert (e["score"], e["state"], e["missing"]) == (None, "not_computable", want), e


@then(parsers.parse("at {tid} the ESSPRI is not computable"))
def _(report: dict[str, Any], tid: str) -> None:
    e = _tp(report, tid)["esspri"]
    assert (e["score"], e["state"]) == (None, "not_computable"), e


def _change(report: dict[str, Any], a: str | None = None,
            b: str | None = None) -> dict[str, Any]:
    for c in report["changes"]:
        if (a is None or c["from"] == a) and (b is None or c["to"] == b):
            return dict(c)
    raise AssertionError(f"no change {a} -> {b}")


@then(parsers.parse("the {instrument} change is {delta}, MCII {mcii}"))
def _(report: dict[str, Any], instrument: str, delta: str, mcii: str) -> None:
    c = _change(report)
    k = instrument.lower()
    got = c["esspri_delta_shown"] if k == "esspri" else _shown(c[f"{k}_delta"])
    assert (got, _shown(c[f"{k}_mcii"])) == (delta, mcii), c


@then(parsers.parse("from {a} to {b} the {instrument} change is {delta} (bounds {lo} to {hi}), "
                    "MCII {mcii}"))
def _(report: dict[str, Any], a: str, b: str, instrument: str, delta: str, lo: str, hi: str,
      mcii: str) -> None:
    c = _change(report, a, b)
    k = instrument.lower()
    got = (_shown(c[f"{k}_delta"]), _shown(c[f"{k}_delta_min"]), _shown(c[f"{k}_delta_max"]),
           _shown(c[f"{k}_mcii"]))
    assert got == (delta, lo, hi, mcii), c


@then(parsers.parse("from {a} to {b} STAR scores {lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], a: str, b: str, lo: str, hi: str, verdict: str) -> None:
    s = _change(report, a, b)["star"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s


@then(parsers.parse("STAR scores {lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], lo: str, hi: str, verdict: str) -> None:
    s = _change(report)["star"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s


@then(parsers.parse("the STAR {item} item is {state}"))
def _(report: dict[str, Any], item: str, state: str) -> None:
    s = _change(report)["star"]
    assert s["items"][item]["state"] == state, s["items"]


@then(parsers.parse("the options echoed include {name} = {value}"))
def _(report: dict[str, Any], name: str, value: str) -> None:
    assert report["options"][name] == value, report["options"]
    assert _tp(report)["essdai"]["options"][name] == value


@then(parsers.parse("from {a} to {b}, assuming the unassessable domains unchanged, STAR scores "
                    "{lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], a: str, b: str, lo: str, hi: str, verdict: str) -> None:
    s = _change(report, a, b)["star"]["assuming_unassessable_unchanged"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s
