"""FHIR R4 (R4B models of ``fhir.resources``) in and out for case records.

A case becomes a Bundle of type ``collection``: the Patient, one Encounter per record (scored
timepoints and history entries), one Observation per recorded item and per lab result, and a
MedicationStatement per treatment. Reading such a Bundle gives back a case file whose parsed
content is the same, so scores computed from it are the same.

Code systems (README, *FHIR*): LOINC for lab analytes where the analyte table gives a code,
UCUM for units, HL7's data-absent-reason for ``not_done`` / ``unknown`` / ``invalid``, and
Sicca's own code systems (``urn:sicca:…``) for vocabulary items, their answers and sections,
since most items of the ESSDAI and the criteria have no established code we could verify
offline. An item ``not_reported`` has no resource: absence in the Bundle means not reported.

Reading refuses what it cannot map, each with the resource's place in the Bundle
(``entry[7].resource.code``): nothing is dropped silently.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import yaml

from sicca.base.errors import InputError, Problem, Problems
from sicca.base.jsonenc import dumps_exact
from sicca.base.yamlsrc import PathKey, dotted
from sicca.records.labs import LabResult
from sicca.records.models import RECORD_SECTIONS, Case, ItemValue, Record, main_key
from sicca.records.vocabulary import Item, Vocabulary

ITEM_SYSTEM = "urn:sicca:item"
CODE_SYSTEM = "urn:sicca:code"
SECTION_SYSTEM = "urn:sicca:section"
ANALYTE_SYSTEM = "urn:sicca:analyte"
PATIENT_SYSTEM = "urn:sicca:patient"
RECORD_SYSTEM = "urn:sicca:record"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
EXT = "urn:sicca:extension:"

#: Sicca's missing states as HL7 data-absent reasons (both ways).
ABSENT = {"not_done": "not-performed", "unknown": "unknown", "invalid": "error"}
ABSENT_BACK = {v: k for k, v in ABSENT.items()}

#: Item flags carried as extensions (booleans and strings exactly as in the case file).
FLAG_KEYS = ("inferred", "interpreted_from", "source", "date")

_NS = uuid.UUID("6f1e6a52-6c1b-4b8e-9a5e-3f4b1f0a5c11")  # Sicca's namespace for stable ids


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _num(x: Decimal) -> Decimal:
    # FHIR decimals keep their precision (241.00 is not 241): the Decimal travels as it was
    # given and dumps_bundle writes its exact digits.
    return x


def _quantity(value: Decimal, censor: str | None, unit: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": _num(value)}
    if censor:
        q["comparator"] = censor
    if unit:
        q.update(unit=unit, system=UCUM, code=unit)
    return q


def _value(iv: ItemValue) -> dict[str, Any]:
    """The value[x] (or dataAbsentReason) of one item or attribute."""
    if iv.state in ABSENT:
        return {"dataAbsentReason": {"coding": [{"system": ABSENT_SYSTEM,
                                                 "code": ABSENT[iv.state]}]}}
    if iv.value is not None:
        return {"valueQuantity": _quantity(iv.value, iv.censor, iv.unit)}
    return {"valueCodeableConcept": {"coding": [{"system": CODE_SYSTEM, "code": iv.code}]}}


def _component(code: str, iv: ItemValue) -> dict[str, Any]:
    return {"code": {"coding": [{"system": ITEM_SYSTEM, "code": code}]}, **_value(iv)}


def _extensions(flags: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key in FLAG_KEYS:
        if key in flags:
            v = flags[key]
            value = {"valueBoolean": v} if isinstance(v, bool) else {"valueString": str(v)}
            out.append({"url": EXT + key, **value})
    return out


def case_to_bundle(case: Case) -> dict[str, Any]:
    """The case as a FHIR Bundle (plain JSON data, validated with fhir.resources)."""
    pid = _uid(case.patient.id)
    patient: dict[str, Any] = {
        "resourceType": "Patient", "id": pid,
        "identifier": [{"system": PATIENT_SYSTEM, "value": case.patient.id}]}
    if case.patient.sex in ("female", "male", "other"):
        patient["gender"] = case.patient.sex
    if case.patient.birth_year is not None:
        patient["birthDate"] = str(case.patient.birth_year)
    ext = []
    if case.patient.synthetic:
        ext.append({"url": EXT + "synthetic", "valueBoolean": True})
    if case.patient.note:
        ext.append({"url": EXT + "note", "valueString": case.patient.note})
    if ext:
        patient["extension"] = ext
    entries = [patient]
    for k, t in enumerate(case.treatments):
        entries.append(_treatment(t.model_dump(exclude_none=True), pid, k))
    for record in [*case.history, *case.timepoints]:
        entries += _record(case, record, pid)
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries]}


def _treatment(t: dict[str, Any], pid: str, k: int) -> dict[str, Any]:
    ms: dict[str, Any] = {
        "resourceType": "MedicationStatement", "id": _uid(pid, "treatment", str(k)),
        "status": "completed", "subject": {"reference": f"urn:uuid:{pid}"},
        "medicationCodeableConcept": {"text": t["what"]}}
    period = {k2: t[k1] for k1, k2 in (("start", "start"), ("end", "end")) if k1 in t}
    if period:
        ms["effectivePeriod"] = period
    dosage: dict[str, Any] = {}
    if "dose" in t:
        dosage["text"] = t["dose"]
    if "route" in t:
        dosage["route"] = {"text": t["route"]}
    if "schedule" in t:
        dosage["patientInstruction"] = t["schedule"]
    if dosage:
        ms["dosage"] = [dosage]
    if "note" in t:
        ms["note"] = [{"text": t["note"]}]
    if "count" in t:
        ms["extension"] = [{"url": EXT + "count", "valueInteger": t["count"]}]
    return ms


def _record(case: Case, record: Record, pid: str) -> list[dict[str, Any]]:
    kind = "timepoint" if record.scored else "history"
    eid = _uid(pid, kind, str(record.index))
    enc: dict[str, Any] = {
        "resourceType": "Encounter", "id": eid, "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB"},
        "identifier": [{"system": RECORD_SYSTEM + ":" + kind, "value": record.id}],
        "subject": {"reference": f"urn:uuid:{pid}"},
        "period": {"start": record.date.text}}
    raw = _raw_record(case, record)
    if record.label is not None and record.scored:
        enc["type"] = [{"text": record.label}]
    ext = [{"url": EXT + key, "valueString": str(raw[key])}
           for key in ("narrative", "note") if raw.get(key) is not None]
    if ext:
        enc["extension"] = ext
    out = [enc]
    subject = {"reference": f"urn:uuid:{pid}"}
    context = {"subject": subject, "encounter": {"reference": f"urn:uuid:{eid}"},
               "effectiveDateTime": record.date.text}
    vocab = case.vocabulary
    for name, iv in record.items.items():
        if iv.state == "not_reported":
            continue
        item = vocab.items[name]
        if item.section in STATE_RESOURCES and item.type == "finding":
            out.append(_state_resource(item, iv, _uid(eid, name), context))
            continue
        obs: dict[str, Any] = {
            "resourceType": "Observation", "id": _uid(eid, name), "status": "final",
            "category": [{"coding": [{"system": SECTION_SYSTEM, "code": item.section}]}],
            "code": {"coding": [{"system": ITEM_SYSTEM, "code": name}],
                     "text": item.spec.description or name},
            **context}
        if item.type == "per_eye" and iv.state == "reported":
            obs["component"] = [_component(f"{name}.{side}", s) for side, s in iv.sides.items()]
        else:
            obs.update(_value(iv))
            if item.type == "per_eye":
                obs["component"] = []
        comps = [_component(f"{name}.{a}", v) for a, v in iv.attrs.items()]
        if comps:
            obs["component"] = obs.get("component", []) + comps
        if not obs.get("component"):
            obs.pop("component", None)
        ext = _extensions(iv.flags)
        if ext:
            obs["extension"] = ext
        if "note" in iv.flags:
            obs["note"] = [{"text": str(iv.flags["note"])}]
        out.append(obs)
    raw_labs = raw.get("labs") or []
    for j, lab in enumerate(record.labs):
        note = raw_labs[j].get("note") if j < len(raw_labs) else None
        out.append(_lab(lab, _uid(eid, "lab", lab.analyte.key), context, note))
    return out


#: Sections whose findings are a Condition or a MedicationStatement rather than an
#: Observation, with the resource's status field and how each Sicca state reads there.
STATE_RESOURCES: dict[str, tuple[str, str, dict[str, str]]] = {
    "conditions": ("Condition", "verificationStatus", {
        "present": "confirmed", "absent": "refuted", "unknown": "unconfirmed",
        "invalid": "entered-in-error"}),
    "drugs": ("MedicationStatement", "status", {
        "present": "active", "absent": "not-taken", "unknown": "unknown",
        "invalid": "entered-in-error"}),
}
CONDITION_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _state_resource(item: Item, iv: ItemValue, rid: str,
                    context: dict[str, Any]) -> dict[str, Any]:
    rtype, field, states = STATE_RESOURCES[item.section]
    state = iv.code if iv.state == "reported" else iv.state
    code = {"coding": [{"system": ITEM_SYSTEM, "code": item.name}],
            "text": item.spec.description or item.name}
    res: dict[str, Any] = {"resourceType": rtype, "id": rid, "subject": context["subject"]}
    ext = _extensions(iv.flags)
    if state not in states:  # not_done: neither resource has a word for it
        ext.append({"url": EXT + "state", "valueString": str(state)})
    if rtype == "Condition":
        res.update(code=code, encounter=context["encounter"],
                   recordedDate=context["effectiveDateTime"])
        if state in states:
            res[field] = {"coding": [{"system": CONDITION_VER, "code": states[str(state)]}]}
    else:
        res.update(medicationCodeableConcept=code, context=context["encounter"],
                   effectiveDateTime=context["effectiveDateTime"],
                   status=states.get(str(state), "unknown"))
    for a, v in iv.attrs.items():
        value = v.code if v.state == "reported" else v.state
        if value in ("yes", "no") and item.spec.attributes[a].kind() == "bool":
            ext.append({"url": EXT + "attribute:" + a, "valueBoolean": value == "yes"})
        elif v.value is not None:
            ext.append({"url": EXT + "attribute:" + a,
                        "valueString": f"{v.censor or ''}{format(v.value, 'f')}"})
        else:
            ext.append({"url": EXT + "attribute:" + a, "valueString": str(value)})
    if ext:
        res["extension"] = ext
    if "note" in iv.flags:
        res["note"] = [{"text": str(iv.flags["note"])}]
    return res


def _raw_record(case: Case, record: Record) -> dict[str, Any]:
    data = case.source.data if isinstance(case.source.data, dict) else {}
    block = data.get("timepoints" if record.scored else "history") or []
    raw = block[record.index] if record.index < len(block) else {}
    return raw if isinstance(raw, dict) else {}


def _lab(lab: LabResult, oid: str, context: dict[str, Any], note: Any) -> dict[str, Any]:
    coding = [{"system": ANALYTE_SYSTEM, "code": lab.analyte.key, "display": lab.analyte.name}]
    if lab.analyte.loinc:
        coding.insert(0, {"system": LOINC, "code": lab.analyte.loinc})
    obs: dict[str, Any] = {
        "resourceType": "Observation", "id": oid, "status": "final",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "laboratory"}]}],
        "code": {"coding": coding, "text": lab.analyte.name}, **context}
    if lab.state == "reported" and lab.value is not None:
        obs["valueQuantity"] = _quantity(lab.value, lab.censored, lab.unit)
    else:
        obs["dataAbsentReason"] = {"coding": [{"system": ABSENT_SYSTEM,
                                               "code": ABSENT.get(lab.state, "unknown")}]}
    if lab.reference_printed is not None:
        obs["referenceRange"] = [{"text": lab.reference_printed}]
    if note is not None:
        obs["note"] = [{"text": str(note)}]
    return obs


def validate_bundle(bundle: dict[str, Any], file: str) -> None:
    """Check the Bundle and each resource with fhir.resources' R4B models (located errors).

    The Bundle model types ``entry.resource`` loosely, so each resource is validated again
    with the model of its own ``resourceType``.
    """
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    def check(model: Any, data: Any, where: PathKey) -> None:
        try:
            model.model_validate(data)
        except ValidationError as exc:
            raise InputError([
                Problem(f"not valid FHIR R4: {e['msg']}", file=file, code="E540",
                        field=dotted(where + tuple(e["loc"])))
                for e in exc.errors()[:20]]) from None

    check(Bundle, bundle, ())
    for i, entry in enumerate(bundle.get("entry") or []):
        res = entry.get("resource") if isinstance(entry, dict) else None
        rtype = res.get("resourceType") if isinstance(res, dict) else None
        try:
            model = get_fhir_model_class(str(rtype))
        except (KeyError, ValueError):
            raise InputError(Problem(f"unknown FHIR resource type {rtype!r}", file=file,
                                     code="E540",
                                     field=f"entry[{i}].resource.resourceType")) from None
        check(model, res, ("entry", i, "resource"))


# json.dumps writes the marker's NUL as \u0000, which no text of a case can produce unescaped.


def dumps_bundle(bundle: dict[str, Any]) -> str:
    """JSON text of a Bundle whose Decimals keep their exact digits (241.00 stays 241.00)."""
    return dumps_exact(bundle, indent=1)


class _CaseDumper(yaml.SafeDumper):
    """YAML for imported cases: Decimals written with their exact digits, as plain scalars."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_CaseDumper.add_representer(Decimal, _represent_decimal)


def case_yaml(case: dict[str, Any]) -> str:
    """The case-file text of a case mapping read from a Bundle."""
    return yaml.dump(case, Dumper=_CaseDumper, sort_keys=False, allow_unicode=True, width=100)


# --- reading ------------------------------------------------------------------------------


def bundle_to_case(bundle: Any, file: str, vocab: Vocabulary) -> dict[str, Any]:
    """A case-file mapping from a Bundle; every resource is used or refused (E54x)."""
    problems = Problems()

    def bad(path: str, message: str, code: str, expected: str | None = None,
            found: Any = None) -> None:
        problems.add(Problem(message, file=file, field=path, code=code, expected=expected,
                             found=None if found is None else repr(found)[:80]))

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError(Problem("not a FHIR Bundle", file=file, field="resourceType",
                                 code="E540", expected="resourceType: Bundle"))
    validate_bundle(bundle, file)
    entries = bundle.get("entry") or []
    patient: dict[str, Any] | None = None
    treatments: list[dict[str, Any]] = []
    records: dict[str, dict[str, Any]] = {}   # encounter fullUrl -> case record
    kinds: dict[str, str] = {}
    observations: list[tuple[int, dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        res = entry.get("resource") or {}
        where = f"entry[{i}].resource"
        rtype = res.get("resourceType")
        if rtype == "Patient":
            patient = _read_patient(res)
        elif rtype == "MedicationStatement" and _coding(
                res.get("medicationCodeableConcept"), ITEM_SYSTEM) is None:
            treatments.append(_read_treatment(res))
        elif rtype in ("Condition", "MedicationStatement"):
            observations.append((i, res))
        elif rtype == "Encounter":
            ident = (res.get("identifier") or [{}])[0]
            system = str(ident.get("system", ""))
            kind = system.removeprefix(RECORD_SYSTEM + ":")
            if kind not in ("timepoint", "history"):
                bad(f"{where}.identifier[0].system", "an Encounter Sicca cannot place",
                    "E541", expected=f"{RECORD_SYSTEM}:timepoint or :history", found=system)
                continue
            rec: dict[str, Any] = {"date": (res.get("period") or {}).get("start")}
            if kind == "timepoint":
                rec = {"id": ident.get("value"), **rec}
                if res.get("type"):
                    rec["label"] = res["type"][0].get("text")
            else:
                rec["label"] = ident.get("value")
            for ext in res.get("extension") or []:
                key = str(ext.get("url", "")).removeprefix(EXT)
                if key in ("narrative", "note"):
                    rec[key] = ext.get("valueString")
            records[str(entry.get("fullUrl"))] = rec
            kinds[str(entry.get("fullUrl"))] = kind
        elif rtype == "Observation":
            if _is_score(res):
                continue  # Sicca's own outputs: recomputed from the inputs, not read back
            observations.append((i, res))
        else:
            bad(f"{where}.resourceType", f"a {rtype} resource Sicca cannot map", "E542",
                expected="Patient, Encounter, Observation, Condition, MedicationStatement",
                found=rtype)
    for i, obs in observations:
        where = f"entry[{i}].resource"
        ref = str((obs.get("encounter") or obs.get("context") or {}).get("reference", ""))
        found = records.get(ref)
        if found is None:
            bad(f"{where}.encounter", "an Observation outside any Encounter of the Bundle",
                "E543", expected="encounter.reference to an Encounter's fullUrl", found=ref)
            continue
        try:
            if obs["resourceType"] == "Observation":
                _read_observation(obs, where, found, vocab, file)
            else:
                _read_state_resource(obs, where, found, vocab, file)
        except InputError as exc:
            for p in exc.problems:
                problems.add(p)
    if patient is None:
        bad("entry", "the Bundle has no Patient", "E543", expected="one Patient resource")
    problems.raise_if_any(InputError)
    case: dict[str, Any] = {"sicca_case": 1, "patient": patient}
    if treatments:
        case["treatments"] = treatments
    history = [r for u, r in records.items() if kinds[u] == "history"]
    if history:
        case["history"] = history
    case["timepoints"] = [r for u, r in records.items() if kinds[u] == "timepoint"]
    return case


def _is_score(res: dict[str, Any]) -> bool:
    codings = (res.get("code") or {}).get("coding") or []
    return any(c.get("system") == SCORE_SYSTEM for c in codings)


#: The code system of Sicca's scores (written by sicca.report.fhir, skipped when reading).
SCORE_SYSTEM = "urn:sicca:score"


def _read_patient(res: dict[str, Any]) -> dict[str, Any]:
    ident = next((x for x in res.get("identifier") or [] if x.get("system") == PATIENT_SYSTEM),
                 None)
    p: dict[str, Any] = {"id": ident["value"] if ident else res.get("id")}
    if res.get("gender") in ("female", "male", "other"):
        p["sex"] = res["gender"]
    if res.get("birthDate"):
        p["birth_year"] = int(str(res["birthDate"])[:4])
    for ext in res.get("extension") or []:
        key = str(ext.get("url", "")).removeprefix(EXT)
        if key == "synthetic":
            p["synthetic"] = bool(ext.get("valueBoolean"))
        elif key == "note":
            p["note"] = ext.get("valueString")
    return p


def _read_treatment(res: dict[str, Any]) -> dict[str, Any]:
    t: dict[str, Any] = {"what": (res.get("medicationCodeableConcept") or {}).get("text")}
    period = res.get("effectivePeriod") or {}
    t.update({k: period[k] for k in ("start", "end") if k in period})
    for ext in res.get("extension") or []:
        if ext.get("url") == EXT + "count":
            t["count"] = ext.get("valueInteger")
    dosage = (res.get("dosage") or [{}])[0]
    if "text" in dosage:
        t["dose"] = dosage["text"]
    if "route" in dosage:
        t["route"] = dosage["route"].get("text")
    if "patientInstruction" in dosage:
        t["schedule"] = dosage["patientInstruction"]
    if res.get("note"):
        t["note"] = res["note"][0].get("text")
    return t


def _coding(cc: dict[str, Any] | None, system: str) -> str | None:
    for c in (cc or {}).get("coding") or []:
        if c.get("system") == system:
            return str(c.get("code"))
    return None


def _read_value(res: dict[str, Any], where: str, file: str) -> Any:
    """The case-file value of a value[x] / dataAbsentReason."""
    if "dataAbsentReason" in res:
        code = _coding(res["dataAbsentReason"], ABSENT_SYSTEM)
        if code not in ABSENT_BACK:
            raise InputError(Problem("a data-absent reason Sicca cannot map", file=file,
                                     field=f"{where}.dataAbsentReason", code="E544",
                                     expected=" | ".join(ABSENT_BACK), found=repr(code)))
        return ABSENT_BACK[code]
    if "valueQuantity" in res:
        q = res["valueQuantity"]
        value = q.get("value")
        text = f"{q['comparator']}{value}" if q.get("comparator") else value
        return {"value": text, "unit": q["code"]} if q.get("code") else {"value": text}
    if "valueCodeableConcept" in res:
        code = _coding(res["valueCodeableConcept"], CODE_SYSTEM)
        if code is None:
            raise InputError(Problem("a coded value without a Sicca code", file=file,
                                     field=f"{where}.valueCodeableConcept", code="E544",
                                     expected=f"a coding of {CODE_SYSTEM}"))
        return {"code": code}
    raise InputError(Problem("an Observation without a value Sicca can read", file=file,
                             field=where, code="E544",
                             expected="valueQuantity, valueCodeableConcept or dataAbsentReason"))


def _long_form(item: Item, value: Any) -> Any:
    """A value read by _read_value, in the item's long form (or a state word)."""
    if isinstance(value, str):
        return value  # not_done / unknown / invalid
    if "code" in value:
        return {main_key(item.type): value["code"]}
    out = {"value": value["value"]}
    if "unit" in value and item.type == "measurement":
        out["unit"] = value["unit"]
    return out


def _read_state_resource(res: dict[str, Any], where: str, rec: dict[str, Any],
                         vocab: Vocabulary, file: str) -> None:
    """A Condition or a coded MedicationStatement back into its finding."""
    rtype = res["resourceType"]
    concept = res.get("code") if rtype == "Condition" else res.get("medicationCodeableConcept")
    name = _coding(concept, ITEM_SYSTEM)
    item = vocab.items.get(name or "")
    section = "conditions" if rtype == "Condition" else "drugs"
    if item is None or item.section != section:
        key = "code" if rtype == "Condition" else "medicationCodeableConcept"
        raise InputError(Problem(f"a {rtype} code Sicca cannot map", file=file,
                                 field=f"{where}.{key}", code="E545",
                                 expected=f"a coding of {ITEM_SYSTEM} naming an item of "
                                          f"{section}",
                                 found=repr(name or (concept or {}).get("text"))))
    _, field, states = STATE_RESOURCES[section]
    back = {v: k for k, v in states.items()}
    if rtype == "Condition":
        word = _coding(res.get(field), CONDITION_VER)
    else:
        word = res.get(field)
    long: dict[str, Any] = {}
    state = back.get(str(word)) if word is not None else None
    for ext in res.get("extension") or []:
        key = str(ext.get("url", "")).removeprefix(EXT)
        value = ext.get("valueBoolean", ext.get("valueString"))
        if key == "state":
            state = str(value)
        elif key.startswith("attribute:") and key[10:] in item.spec.attributes:
            long[key[10:]] = value
        elif key in FLAG_KEYS:
            long[key] = value
        else:
            raise InputError(Problem("an extension Sicca cannot map", file=file,
                                     field=f"{where}.extension", code="E545",
                                     found=repr(ext.get("url"))))
    if state is None:
        raise InputError(Problem(f"a {rtype} whose {field} Sicca cannot read", file=file,
                                 field=f"{where}.{field}", code="E544",
                                 expected=" | ".join(states.values()), found=repr(word)))
    if res.get("note"):
        long["note"] = res["note"][0].get("text")
    block = rec.setdefault(section, {})
    if item.name in block:
        raise InputError(Problem(f"'{item.name}' is given twice in one Encounter", file=file,
                                 field=where, code="E546"))
    block[item.name] = {"state": state, **long} if long else state


def _read_observation(obs: dict[str, Any], where: str, rec: dict[str, Any], vocab: Vocabulary,
                      file: str) -> None:
    code = obs.get("code") or {}
    analyte = _coding(code, ANALYTE_SYSTEM)
    loinc = _coding(code, LOINC)
    name = _coding(code, ITEM_SYSTEM)
    if analyte is not None or (name is None and loinc is not None):
        entry: dict[str, Any] = {"analyte": analyte or f"loinc:{loinc}"}
        value = _read_value(obs, where, file)
        if isinstance(value, str):
            entry["value"] = value
        else:
            entry["value"] = value["value"]
            if "unit" in value:
                entry["unit"] = value["unit"]
        ranges = obs.get("referenceRange") or []
        if ranges and ranges[0].get("text"):
            entry["reference"] = ranges[0]["text"]
        if obs.get("note"):
            entry["note"] = obs["note"][0].get("text")
        rec.setdefault("labs", []).append(entry)
        return
    item = vocab.items.get(name or "")
    if item is None or item.section not in RECORD_SECTIONS:
        raise InputError(Problem("an Observation code Sicca cannot map", file=file,
                                 field=f"{where}.code", code="E545",
                                 expected=f"a coding of {ITEM_SYSTEM} naming a vocabulary item, "
                                          f"or of {ANALYTE_SYSTEM} / LOINC for a lab",
                                 found=repr(name or code.get("text"))))
    if item.type == "per_eye" and "component" in obs and not any(
            k in obs for k in ("valueQuantity", "dataAbsentReason")):
        long: Any = {}
    else:
        long = _long_form(item, _read_value(obs, where, file))
    for j, comp in enumerate(obs.get("component") or []):
        cname = _coding(comp.get("code"), ITEM_SYSTEM) or ""
        part = cname.removeprefix(item.name + ".")
        cwhere = f"{where}.component[{j}]"
        cvalue = _read_value(comp, cwhere, file)
        if item.type == "per_eye" and part in ("right", "left"):
            # A side is a bare number in the item's own unit (the export writes that unit).
            long[part] = cvalue if isinstance(cvalue, str) else cvalue["value"]
        elif part in item.spec.attributes:
            if not isinstance(long, dict):
                long = {"state": long} if item.type == "finding" else {main_key(item.type): long}
            if isinstance(cvalue, str):
                long[part] = cvalue
            elif "code" in cvalue:
                spec = item.spec.attributes[part]
                long[part] = (cvalue["code"] == "yes") if spec.kind() == "bool" \
                    else cvalue["code"]
            else:
                long[part] = cvalue["value"]
        else:
            raise InputError(Problem("a component Sicca cannot map", file=file,
                                     field=f"{cwhere}.code", code="E545",
                                     expected=f"an attribute of '{item.name}'",
                                     found=repr(cname)))
    extra = {}
    for ext in obs.get("extension") or []:
        key = str(ext.get("url", "")).removeprefix(EXT)
        if key in FLAG_KEYS:
            extra[key] = ext.get("valueBoolean", ext.get("valueString"))
    if obs.get("note"):
        extra["note"] = obs["note"][0].get("text")
    if extra:
        if not isinstance(long, dict):
            long = {"state": long} if item.type == "finding" else {main_key(item.type): long}
        long.update(extra)
    section = rec.setdefault(item.section, {})
    if item.name in section:
        raise InputError(Problem(f"'{item.name}' is given twice in one Encounter", file=file,
                                 field=f"{where}.code", code="E546"))
    section[item.name] = long
