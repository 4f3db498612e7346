"""Scores as FHIR Observations, beside the case's inputs (sicca.records.fhir), in one Bundle.

Per timepoint: the ESSDAI and ClinESSDAI totals (a component per domain), ESSPRI, and each
criteria set's verdict. A definite number is a valueQuantity; a number the missing data leave
open is a valueRange (min–max) with the documented value as a component. Each score is
``derivedFrom`` the input Observations of its own Encounter and of the earlier records it may
have read, and names the rule-set versions and hashes that produced it. An observation's text
is the instrument's title as its rule set declares it (``titles``, by instrument id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sicca.records.fhir import (
    CODE_SYSTEM,
    EXT,
    ITEM_SYSTEM,
    RECORD_SYSTEM,
    SCORE_SYSTEM,
    case_to_bundle,
)
from sicca.records.models import Case

_SCORE_CATEGORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                         "observation-category", "code": "survey"}]}


def _number(value: Any, low: Any, high: Any) -> dict[str, Any]:
    if low is not None and high is not None and low != high:
        return {"valueRange": {"low": {"value": low}, "high": {"value": high}}}
    if value is None:
        value = low
    if value is None:
        return {"dataAbsentReason": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "unknown"}]}}
    return {"valueQuantity": {"value": value}}


def _code(code: str, text: str) -> dict[str, Any]:
    return {"coding": [{"system": SCORE_SYSTEM, "code": code}], "text": text}


def _concept(code: str) -> dict[str, Any]:
    return {"valueCodeableConcept": {"coding": [{"system": CODE_SYSTEM, "code": code}]}}


def _total(key: str, text: str, block: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    obs = {"code": _code(key, text),
           **_number(block.get("documented"), block.get("min"), block.get("max"))}
    comps: list[dict[str, Any]] = []
    if block.get("min") != block.get("max") and block.get("documented") is not None:
        comps.append({"code": _code(f"{key}.documented", "documented (not-assessable as 0)"),
                      "valueQuantity": {"value": block["documented"]}})
    if block.get("category"):
        comps.append({"code": _code(f"{key}.category", "activity category"),
                      **_concept(str(block["category"] if block.get("category_determined")
                                     else "undetermined"))})
    for domain, d in (block.get("domains") or {}).items():
        comps.append({"code": _code(f"{key}.{domain}", domain),
                      **_number(d.get("points"), d.get("points_min"), d.get("points_max"))})
    return obs, comps


def report_to_bundle(case: Case, report: dict[str, Any],
                     titles: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The case's inputs and its scores, as one FHIR Bundle (plain JSON data); ``titles``
    name the instruments (``sicca.scores.instrument.titles``; the id when absent)."""
    def title(ident: str) -> str:
        return (titles or {}).get(ident, ident)

    bundle = case_to_bundle(case)
    entries = bundle["entry"]
    resources = [e["resource"] for e in entries]
    encounters = {r["identifier"][0]["value"]: f"urn:uuid:{r['id']}" for r in resources
                  if r["resourceType"] == "Encounter"
                  and r["identifier"][0]["system"] == RECORD_SYSTEM + ":timepoint"}
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    rulesets = ", ".join(f"{r['name']} {r['version']} ({r['hash']})"
                         for r in report.get("rulesets", []))
    dates = {tp.id: tp.date for tp in case.timepoints}
    for tp in report["timepoints"]:
        enc = encounters[tp["id"]]
        date = dates[tp["id"]]
        # Inputs of this timepoint and of every earlier record (cumulative items reach back).
        inputs = [f"urn:uuid:{r['id']}" for r in resources
                  if r["resourceType"] == "Observation" and _on_or_before(r, date.text)
                  and any(c.get("system") == ITEM_SYSTEM or c.get("system", "").startswith(
                      ("urn:sicca:analyte", "http://loinc.org"))
                          for c in r["code"]["coding"])]
        scores: list[tuple[dict[str, Any], list[Any]]] = []
        for key in ("essdai", "clinessdai"):
            if key in tp:
                scores.append(_total(key, title(key), tp[key]))
        if "esspri" in tp:
            e = tp["esspri"]
            obs = {"code": _code("esspri", title("esspri")),
                   **_number(e.get("score"), None, None)}
            scores.append((obs, [{"code": _code("esspri.state", "state"),
                                  **_concept(str(e.get("state")))}]))
        for name, c in (tp.get("criteria") or {}).items():
            obs = {"code": _code(f"criteria.{name}", str(c.get("label", name))),
                   **_concept(str(c.get("verdict")))}
            comps = []
            if "score_min" in c:
                comps.append({"code": _code(f"criteria.{name}.score", "weighted score"),
                              **_number(None, c.get("score_min"), c.get("score_max"))})
            scores.append((obs, comps))
        for k, (obs, comps) in enumerate(scores):
            rid = f"{patient['id'][:24]}-{tp['id'][:20]}-s{k}".replace("_", "-")
            res = {"resourceType": "Observation", "id": rid[:64], "status": "final",
                   "category": [_SCORE_CATEGORY], **obs,
                   "subject": {"reference": f"urn:uuid:{patient['id']}"},
                   "encounter": {"reference": enc}, "effectiveDateTime": date.text,
                   "derivedFrom": [{"reference": u} for u in inputs],
                   "extension": [{"url": EXT + "rulesets", "valueString": rulesets},
                                 {"url": EXT + "engine", "valueString": str(report["engine"])}]}
            if comps:
                res["component"] = comps
            if not inputs:
                res.pop("derivedFrom")
            entries.append({"fullUrl": f"urn:sicca:score:{rid}", "resource": res})
    return bundle


def _on_or_before(res: dict[str, Any], date: str) -> bool:
    when = str(res.get("effectiveDateTime", ""))
    return when[:len(date)] <= date
