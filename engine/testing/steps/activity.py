"""Steps for the activity instruments: ESSDAI, ClinESSDAI, ESSPRI, changes, STAR.

Visits are small in-memory cases (YAML written to tmp_path, loaded by ``sicca.load_case``);
every scenario is scored on both backends (durable and native) and the two reports must
agree before any expectation is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_bdd import given, parsers, then, when

from sicca.running.evaluate import Sicca
from sicca.testing.steps.common import case_text, flow, merge


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
        return case_text(case)


def _domains(sicca: Sicca) -> list[str]:
    return [str(m["domain"]) for m in sicca.meta("essdai") if "domain" in m]


# --- building visits ---------------------------------------------------------------------

@given("a visit", target_fixture="visits")
def _() -> Visits:
    """A new case with one visit (id v1, dated 2024-01) and nothing recorded yet: every item
    left out is not_reported, never read as absent.

    Example: Given a visit
    """
    return Visits()


@given(parsers.parse("a visit stating no involvement outside the {domain} domain"),
       target_fixture="visits")
def _(domain: str, siccas: dict[str, Sicca]) -> Visits:
    """A new visit that records `involvement: absent` for every ESSDAI domain but `domain`, so the
    total depends on that domain alone.

    Example: Given a visit stating no involvement outside the articular domain
    """
    v = Visits()
    names = _domains(siccas["native"])
    assert domain in names, f"unknown domain {domain!r}; known: {names}"
    v.record("findings", {d: {"involvement": "absent"} for d in names if d != domain})
    return v


@given("a visit stating no involvement of any domain", target_fixture="visits")
def _(siccas: dict[str, Sicca]) -> Visits:
    """A new visit that records `involvement: absent` for every ESSDAI domain.

    Example: Given a visit stating no involvement of any domain
    """
    v = Visits()
    v.record("findings", {d: {"involvement": "absent"} for d in _domains(siccas["native"])})
    return v


@given("a later visit")
def _(visits: Visits) -> None:
    """Add a visit after the current one (ids v1, v2, ...; one month apart); the following
    steps record into it.

    Example: And a later visit
    """
    visits.add()


@given("a later visit stating no involvement of any domain")
def _(visits: Visits, siccas: dict[str, Sicca]) -> None:
    """Add a later visit that records `involvement: absent` for every ESSDAI domain.

    Example: And a later visit stating no involvement of any domain
    """
    visits.add()
    visits.record("findings", {d: {"involvement": "absent"}
                               for d in _domains(siccas["native"])})


@given(parsers.parse("the visit records {section}: {text}"))
def _(visits: Visits, section: str, text: str) -> None:
    """Record items in a section of the current visit (symptoms, findings, ratings, tests,
    conditions, drugs), written as in a case file on one line (braces optional); `nothing`
    or `-` records nothing.

    Example: And the visit records findings: cutaneous: {purpura: {state: present, extent:
        lower_limbs}}
    """
    if text.strip() in ("nothing", "-"):
        return
    visits.record(section, flow(text))


@given(parsers.parse("the lab {analyte} is {value} {unit}, reference {ref}"))
def _(visits: Visits, analyte: str, value: str, unit: str, ref: str) -> None:
    """Record a lab result on the current visit: analyte name or alias, value (`<0.5` for a
    censored one), UCUM unit, and the laboratory's printed range (`-` for none); a value `-`
    records nothing.

    Example: And the lab CK is 150 U/L, reference 0-200
    """
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
    """Record the three ESSPRI ratings (0-10) on the current visit; `-` leaves a rating out.

    Example: And the ESSPRI ratings are dryness 6, fatigue 6, pain 6
    """
    ratings = {k: _number(v) for k, v in (("dryness", d), ("fatigue", f), ("pain", p))
               if v != "-"}
    if ratings:
        visits.record("ratings", {"esspri": ratings})


@given(parsers.parse("the option {name} is {value}"))
def _(visits: Visits, name: str, value: str) -> None:
    """Score the visits with this judgement call (`sicca options` lists them).

    Example: And the option purpura_extent is complement
    """
    visits.options[name] = value


# --- scoring -----------------------------------------------------------------------------

def _strip(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("engine", "case")}


def score_text(text: str, tmp_path: Path, siccas: dict[str, Sicca],
               options: dict[str, str] | None = None) -> dict[str, Any]:
    """Score a case on every engine; the reports must agree. Returns the durable report."""
    from sicca.base.jsonenc import dumps
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
    """Score the case on both backends (durable and native), which must give the same report;
    the Then steps read that report.

    Example: When the visit is scored
    Example: When the visits are scored
    """
    return score_text(visits.text(), tmp_path, siccas, visits.options)


@when(parsers.parse('the case "{path}" is scored'), target_fixture="report")
def _(path: str, tmp_path: Path, siccas: dict[str, Sicca], sicca_root: Path) -> dict[str, Any]:
    """Score a case file (path relative to pytest's rootdir) on both backends.

    Example: When the case "examples/rfib-case.yaml" is scored
    """
    return score_text((sicca_root / path).read_text(encoding="utf-8"), tmp_path, siccas)


@when(parsers.parse('the case "{path}" is scored with the option {name} = {value}'),
      target_fixture="report")
def _(path: str, name: str, value: str, tmp_path: Path, siccas: dict[str, Sicca],
      sicca_root: Path) -> dict[str, Any]:
    """Score a case file with one judgement call set.

    Example: When the case "examples/rfib-case.yaml" is scored with the option purpura_extent =
        generalised
    """
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
    """The ESSDAI domain of the last visit: its state (rated, not_assessable, assumed_absent,
    ...), level and points (`-` when there are none).

    Example: Then the cutaneous domain is rated, level 3, 9 points
    """
    d = _tp(report)["essdai"]["domains"][domain]
    got = (d["state"], _shown(d["level"]), _shown(d["points"]))
    assert got == (state, level, points), _explain(d)


@then(parsers.parse("the {domain} domain level rests on {rule}"))
def _(report: dict[str, Any], domain: str, rule: str) -> None:
    """The domain's level was concluded by this rule id (`no rule`: by none).

    Example: And the articular domain level rests on essdai.articular.assumed_absent
    """
    d = _tp(report)["essdai"]["domains"][domain]
    if rule == "no rule":
        assert d["rules"] == [], _explain(d)
    else:
        assert rule in d["rules"], _explain(d)


@then(parsers.parse("the {domain} domain carries the flag {flag}"))
def _(report: dict[str, Any], domain: str, flag: str) -> None:
    """The domain carries this flag (a remark for the reader, such as an unconfirmed attribution).

    Example: And the cutaneous domain carries the flag attribution_unconfirmed
    """
    d = _tp(report)["essdai"]["domains"][domain]
    assert flag in d["flags"], _explain(d)


@then(parsers.parse("the {domain} domain carries no flag"))
def _(report: dict[str, Any], domain: str) -> None:
    """The domain carries no flag.

    Example: And the cutaneous domain carries no flag
    """
    d = _tp(report)["essdai"]["domains"][domain]
    assert d["flags"] == [], _explain(d)


@then(parsers.parse("the {domain} domain has ClinESSDAI points {points}"))
def _(report: dict[str, Any], domain: str, points: str) -> None:
    """The domain's ClinESSDAI points (`none` when the domain is not part of ClinESSDAI).

    Example: And the biological domain has ClinESSDAI points none
    """
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
    """The ESSDAI or ClinESSDAI total of the last visit: the documented points, the range the
    unassessable domains allow, the activity category and whether the range decides it.

    Example: Then the ESSDAI is 0, range 0 to 6, category low, determined no
    """
    s = _tp(report)[instrument.lower()]
    assert _total(s) == (documented, lo, hi, cat, det), {k: v for k, v in s.items()
                                                         if k != "domains"}


@then(parsers.parse("at {tid} the {instrument} is {documented}, range {lo} to {hi}, "
                    "category {cat}, determined {det}"))
def _(report: dict[str, Any], tid: str, instrument: str, documented: str, lo: str, hi: str,
      cat: str, det: str) -> None:
    """The same total at the timepoint with this id.

    Example: Then at baseline the ESSDAI is 11, range 11 to 17, category moderate, determined no
    """
    s = _tp(report, tid)[instrument.lower()]
    assert _total(s) == (documented, lo, hi, cat, det), {k: v for k, v in s.items()
                                                         if k != "domains"}


@then(parsers.parse("at {tid} the {domain} domain is {state}, level {level}, {points} points"))
def _(report: dict[str, Any], tid: str, domain: str, state: str, level: str,
      points: str) -> None:
    """An ESSDAI domain at the timepoint with this id.

    Example: Then at baseline the cutaneous domain is rated, level 3, 9 points
    """
    d = _tp(report, tid)["essdai"]["domains"][domain]
    assert (d["state"], _shown(d["level"]), _shown(d["points"])) == (state, level, points), d


@then(parsers.parse("the EULAR 2020 severe flag is {value}"))
def _(report: dict[str, Any], value: str) -> None:
    """The EULAR 2020 severe-disease flag: yes, no or undetermined.

    Example: And the EULAR 2020 severe flag is undetermined
    """
    s = _tp(report)["essdai"]
    got = {True: "yes", False: "no", None: "undetermined"}[s["severe"]]
    assert got == value, (s["severe"], s["documented"])


@then(parsers.parse("the ESSDAI warning is {warning}"))
def _(report: dict[str, Any], warning: str) -> None:
    """The ESSDAI of the last visit carries this warning (`none`: no warning).

    Example: Then the ESSDAI warning is not_validated_exclusion_condition
    """
    w = _tp(report)["essdai"]["warnings"]
    assert (w == []) if warning == "none" else (warning in w), w


@then(parsers.parse("the ClinESSDAI says its weights are {status}"))
def _(report: dict[str, Any], status: str) -> None:
    """The ClinESSDAI states the verification status of its weights.

    Example: And the ClinESSDAI says its weights are pending primary-source check
    """
    assert status in _tp(report)["clinessdai"]["weights_status"]


@then(parsers.parse("the ESSPRI is {score}, PASS {passed}"))
def _(report: dict[str, Any], score: str, passed: str) -> None:
    """The ESSPRI of the last visit as shown (two decimals) and whether it is a PASS.

    Example: Then the ESSPRI is 5.00, PASS no
    """
    e = _tp(report)["esspri"]
    assert (e["shown"], _shown(e["pass"])) == (score, passed), e


@then(parsers.parse("the ESSPRI is not computable, missing {items}"))
def _(report: dict[str, Any], items: str) -> None:
    """The ESSPRI cannot be computed; the missing ratings (comma-separated).

    Example: Then the ESSPRI is not computable, missing dryness
    """
    e = _tp(report)["esspri"]
    want = sorted(x.strip() for x in items.split(","))
    assert (e["score"], e["state"], e["missing"]) == (None, "not_computable", want), e


@then(parsers.parse("at {tid} the ESSPRI is not computable"))
def _(report: dict[str, Any], tid: str) -> None:
    """The ESSPRI cannot be computed at the timepoint with this id.

    Example: Then at baseline the ESSPRI is not computable
    """
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
    """The change of the instrument from the first to the second visit, and whether it is a
    minimal clinically important improvement.

    Example: Then the ESSPRI change is -1.00, MCII yes
    """
    c = _change(report)
    k = instrument.lower()
    got = c["esspri_delta_shown"] if k == "esspri" else _shown(c[f"{k}_delta"])
    assert (got, _shown(c[f"{k}_mcii"])) == (delta, mcii), c


@then(parsers.parse("from {a} to {b} the {instrument} change is {delta} (bounds {lo} to {hi}), "
                    "MCII {mcii}"))
def _(report: dict[str, Any], a: str, b: str, instrument: str, delta: str, lo: str, hi: str,
      mcii: str) -> None:
    """The change of ESSDAI or ClinESSDAI between two timepoints, its bounds and the MCII.

    Example: Then from baseline to after_12_infusions the ESSDAI change is -9 (bounds -15 to -3),
        MCII yes
    """
    c = _change(report, a, b)
    k = instrument.lower()
    got = (_shown(c[f"{k}_delta"]), _shown(c[f"{k}_delta_min"]), _shown(c[f"{k}_delta_max"]),
           _shown(c[f"{k}_mcii"]))
    assert got == (delta, lo, hi, mcii), c


@then(parsers.parse("from {a} to {b} STAR scores {lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], a: str, b: str, lo: str, hi: str, verdict: str) -> None:
    """The STAR points (range) and verdict between two timepoints.

    Example: And from baseline to after_12_infusions STAR scores 4 to 9 points, undetermined
    """
    s = _change(report, a, b)["star"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s


@then(parsers.parse("STAR scores {lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], lo: str, hi: str, verdict: str) -> None:
    """The STAR points (range) and verdict from the first visit to the second.

    Example: And STAR scores 6 to 6 points, responder
    """
    s = _change(report)["star"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s


@then(parsers.parse("the STAR {item} item is {state}"))
def _(report: dict[str, Any], item: str, state: str) -> None:
    """The state of one STAR item between the first two visits.

    Example: Then the STAR lacrimal item is unknown
    """
    s = _change(report)["star"]
    assert s["items"][item]["state"] == state, s["items"]


@then(parsers.parse("the options echoed include {name} = {value}"))
def _(report: dict[str, Any], name: str, value: str) -> None:
    """The report echoes this option with this value (and so does its ESSDAI).

    Example: And the options echoed include purpura_extent = complement
    """
    assert report["options"][name] == value, report["options"]
    assert _tp(report)["essdai"]["options"][name] == value


@then(parsers.parse("from {a} to {b}, assuming the unassessable domains unchanged, STAR scores "
                    "{lo} to {hi} points, {verdict}"))
def _(report: dict[str, Any], a: str, b: str, lo: str, hi: str, verdict: str) -> None:
    """The STAR points and verdict between two timepoints when the domains not assessable at
    either are assumed unchanged.

    Example: And from baseline to after_4_infusions, assuming the unassessable domains unchanged,
        STAR scores 1 to 6 points, undetermined
    """
    s = _change(report, a, b)["star"]["assuming_unassessable_unchanged"]
    assert (str(s["points_min"]), str(s["points_max"]), s["verdict"]) == (lo, hi, verdict), s


@then(parsers.parse("the {domain} domain level is between {lo:d} and {hi:d}"))
def _(report: dict[str, Any], domain: str, lo: int, hi: int) -> None:
    """The domain's level range: `level_min` and `level_max` of the scored timepoint (equal when
    the level is definite).

    Example: Then the haematological domain level is between 0 and 3
    """
    d = _tp(report)["essdai"]["domains"][domain]
    assert (d["level_min"], d["level_max"]) == (lo, hi), _explain(d)


@given(parsers.parse("a later visit stating no involvement outside the {domain} domain"))
def _(visits: Visits, domain: str, siccas: dict[str, Sicca]) -> None:
    """A further visit recording `involvement: absent` for every ESSDAI domain but `domain`.

    Example: Given a later visit stating no involvement outside the haematological domain
    """
    visits.add()
    visits.record("findings", {d: {"involvement": "absent"}
                               for d in _domains(siccas["native"]) if d != domain})


#: A normal absolute blood count, for the lines a scenario does not set.
NORMAL_COUNT = {"Neutrophils": (2000, "/mm3"), "Haemoglobin": (13, "g/dL"),
                "Platelets": (200000, "/mm3"), "Lymphocytes": (1500, "/mm3")}


@given("the other blood counts are normal")
def _(visits: Visits) -> None:
    """The visit's blood counts not otherwise given are recorded within their reference ranges.

    Example: Given the other blood counts are normal
    """
    labs = visits.current.setdefault("labs", [])
    have = {lab["analyte"] for lab in labs}
    for analyte, (value, unit) in NORMAL_COUNT.items():
        if analyte not in have:
            labs.append({"analyte": analyte, "value": value, "unit": unit})
