"""The patient's history (the case file's ``history:``: tests and findings recorded before or
between the visits) in the web app: listed on the patient page, added, edited and deleted
through a form of the cumulative items, checked by the case parser (errors beside their field
in the words of ``sicca score``), stored with its digits, audited, exported and scored."""

from __future__ import annotations

import json
import re
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

import sicca.web.forms
from sicca.api.session import Session
from sicca.base.errors import InputError
from sicca.web.forms import build_history_form, form_from_entry, history_field_of, problem_text
from sicca.web.store import Audit, Patient, jsonable
from tests.web.conftest import (
    PASSWORD,
    baseline_form,
    client_for,
    import_seed,
    login,
    new_patient,
    seed_case,
)


def history_form(api: Session) -> dict[str, str]:
    """The seed's 2021-03 history entry as form fields (what a rheumatologist types)."""
    entry = seed_case()["history"][0]
    return {k: v for k, v in form_from_entry(entry, api.catalogue).items() if v != ""}


def _verdicts(c: TestClient, pid: str, tid: str) -> dict[str, str]:
    """The criteria verdicts of visit ``tid`` on the patient page's visit table."""
    html = c.get(f"/patients/{pid}").text
    row = re.search(rf'visits/{tid}">{tid}</a>.*?</tr>', html, re.S)
    assert row, html[:2000]
    return dict(re.findall(r'class="verdict v-\w+" title="[^"]*">(\w+): (\w+)<', row.group(0)))


def _errors(html: str) -> dict[str, str]:
    return {k: v for k, v in re.findall(r'data-for="([^"]+)" role="alert">([^<]+)<', html)}


def _add(c: TestClient, token: str, pid: str, fields: dict[str, str]) -> None:
    r = c.post(f"/patients/{pid}/history", data={"csrf": token, **fields},
               follow_redirects=False)
    assert r.status_code == 303, _errors(r.text) or r.text[:2000]


def test_the_form_offers_only_what_a_history_entry_may_hold(api: Session) -> None:
    sections = build_history_form(api.catalogue)
    names = {f.item for s in sections for f in s.fields}
    vocab = api.catalogue.vocabulary
    # exactly the cumulative items (the parser refuses any other in history: E127)
    assert names == {n for n, it in vocab.items.items() if it.cumulative}
    assert {"anti_ssa", "anti_ssb", "focus_score", "schirmer", "dry_mouth_3_months",
            "hcv"} <= names
    assert "dry_mouth" not in names and "fatigue" not in names  # not cumulative
    schirmer = next(f for s in sections for f in s.fields if f.item == "schirmer")
    assert (schirmer.widget, schirmer.unit) == ("eyes", "mm")
    ssa = next(f for s in sections for f in s.fields if f.item == "anti_ssa")
    assert ssa.choices == ["positive", "negative", "not_done", "unknown"]


def test_seed_history_and_baseline_typed_in_score_as_the_cli(
        clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "rfib-001", sex="female")
    r = c.post("/patients/rfib-001/visits", data={"csrf": token, **baseline_form(api)},
               follow_redirects=False)
    assert r.status_code == 303
    # without the history: the 2002 and 2012 sets lack their serology/biopsy item
    assert _verdicts(c, "rfib-001", "baseline") == {
        "acr_eular_2016": "undetermined", "aecg_2002": "undetermined",
        "acr_2012": "undetermined"}
    page = c.get("/patients/rfib-001/history/new").text
    assert 'name="f.focus_score"' in page and 'name="h.date"' in page
    _add(c, token, "rfib-001", history_form(api))
    seed = seed_case()
    seed["timepoints"] = seed["timepoints"][:1]
    cli = api.score(seed).dump_json()["timepoints"][0]["criteria"]
    # `sicca score examples/rfib-case.yaml` at baseline, by hand from the 2021 history:
    # 2002 AECG: I ocular + II oral symptoms + IV focus score >=1 + VI anti-SSB positive =
    #   4 of 6 items, one of them IV -> met;
    # 2012 ACR: serology (anti-SSB positive) + focus score >=1 = 2 of 3 -> met;
    # 2016: focus score 3 points; anti-SSA (3) not reported, Schirmer/OSS/saliva not done:
    #   3 known points < 4, 6 if anti-SSA were positive -> undetermined.
    assert {k: v["verdict"] for k, v in cli.items()} == {
        "acr_eular_2016": "undetermined", "aecg_2002": "met", "acr_2012": "met"}
    assert _verdicts(c, "rfib-001", "baseline") == {k: v["verdict"] for k, v in cli.items()}
    # the whole scoring output agrees, not only the verdicts
    exported = c.get("/patients/rfib-001/export.json").json()
    assert api.score(exported).dump_json()["timepoints"][0]["criteria"] == cli


def test_history_without_visits_is_listed_and_exported(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    _add(c, token, "p1", {"h.date": "2021-03", "h.label": "diagnosis",
                          "f.anti_ssa": "positive", "f.focus_score": "1.50",
                          "f.schirmer.right": "4", "f.schirmer.left": "<5"})
    html = c.get("/patients/p1").text
    table = html[html.index('data-testid="history"'):]
    assert "2021-03" in table and "diagnosis" in table
    assert "<code>anti_ssa positive</code>" in table and "<code>focus_score 1.50</code>" in table
    data = yaml.safe_load(c.get("/patients/p1/export.yaml").text)
    assert data["history"] == [{"date": "2021-03", "label": "diagnosis",
                                "tests": {"anti_ssa": "positive", "focus_score": 1.5,
                                          "schirmer": {"right": 4, "left": "<5"}}}]
    assert "focus_score: 1.50" in c.get("/patients/p1/export.yaml").text  # the digits typed
    assert '"focus_score": 1.50' in c.get("/patients/p1/export.json").text
    # and in the edit form and the audit log (the digits, never the float 1.5)
    assert 'name="f.focus_score" id="f.focus_score" value="1.50"' in c.get(
        "/patients/p1/history/0/edit").text
    with app.state.web.store.session() as s:
        after = s.query(Audit).filter(Audit.action == "history.add").one().detail["after"]
        assert after["tests"]["focus_score"] == Decimal("1.50")
        assert str(after["tests"]["focus_score"]) == "1.50"


def test_errors_beside_their_field_in_the_cli_words_and_nothing_saved(
        clinician: tuple[TestClient, str], app: FastAPI, api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    r = c.post("/patients/p1/history", data={"csrf": token, "h.date": "2021-3",
                                             "f.anti_ssa": "positive"})
    assert r.status_code == 422
    assert _errors(r.text) == {"h.date": "&#39;2021-3&#39; is not a date: write YYYY-MM or "
                                         "YYYY-MM-DD; expected YYYY-MM or YYYY-MM-DD, found "
                                         "&#39;2021-3&#39;"}
    r = c.post("/patients/p1/history", data={"csrf": token, "h.label": "x",
                                             "f.anti_ssa": "positive"})
    assert r.status_code == 422
    assert _errors(r.text)["h.date"].startswith("a history entry needs a date")
    bad = {"h.date": "2021-03", "f.anti_ssa": "pos", "f.focus_score": "abc",
           "f.schirmer.right": "x", "f.focus_score.focal_lymphocytic_sialadenitis": "perhaps"}
    r = c.post("/patients/p1/history", data={"csrf": token, **bad})
    assert r.status_code == 422
    errs = _errors(r.text)
    # the words of `sicca score` on the same case file (its problems, without the file place)
    case = {"sicca_case": 1, "patient": {"id": "p1"},
            "history": [{"date": "2021-03", "tests": {
                "anti_ssa": "pos", "focus_score": {
                    "value": "abc", "focal_lymphocytic_sialadenitis": "perhaps"},
                "schirmer": {"right": "x"}}}],
            "timepoints": [{"id": "v1", "date": "2022-01"}]}
    with pytest.raises(InputError) as exc:
        api.case(case)
    want = {}
    for p in exc.value.problems:
        want.setdefault(history_field_of(p, 0, api.catalogue),
                        str(escape(problem_text(p))))
    assert {"f.anti_ssa", "f.focus_score", "f.schirmer.right"} <= set(errs)
    for k, v in errs.items():
        assert want[k] == v, k
    assert errs["f.anti_ssa"].startswith("&#39;pos&#39; is not a result")
    with app.state.web.store.session() as s:
        assert "history" not in s.query(Patient).one().case_data
        assert s.query(Audit).filter(Audit.action.like("history.%")).count() == 0


def test_edit_keeps_what_the_form_does_not_show_delete_and_audit(
        clinician: tuple[TestClient, str], app: FastAPI, api: Session) -> None:
    c, token = clinician
    r = import_seed(c, token, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/patients/rfib-001/history/0/edit").text
    assert re.search(r'name="f.focus_score" id="f.focus_score" value="&gt;=1"', page)
    was = re.search(r'name="was" value="([^"]+)"', page)
    assert was
    form = {**history_form(api), "f.anti_ssa": "positive", "original": "0",
            "was": was.group(1)}
    _add(c, token, "rfib-001", form)
    with app.state.web.store.session() as s:
        entry = s.query(Patient).one().case_data["history"][0]
    before = jsonable(seed_case()["history"][0])
    # the narrative, the focus score's note and `interpreted` flag are kept, anti-SSA added
    assert entry == {**before, "tests": {**before["tests"], "anti_ssa": "positive"}}
    # anti-SSA positive now: 2016 = focus score 3 + anti-SSA 3 = 6 >= 4, met
    assert _verdicts(c, "rfib-001", "baseline")["acr_eular_2016"] == "met"
    # a second save on the same (now stale) form is refused: 409, nothing overwritten
    r = c.post("/patients/rfib-001/history", data={"csrf": token, **form,
                                                    "f.anti_ssa": "negative"})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert "(by alice," in r.text and 'value="negative" selected' in r.text
    r = c.post("/patients/rfib-001/history/0/delete", data={"csrf": token,
                                                            "was": was.group(1)})
    assert r.status_code == 409
    page = c.get("/patients/rfib-001").text
    fresh = re.search(r'history/0/delete".*?name="was" value="([^"]+)"', page, re.S)
    assert fresh
    r = c.post("/patients/rfib-001/history/0/delete", data={"csrf": token,
                                                            "was": fresh.group(1)},
               follow_redirects=False)
    assert r.status_code == 303
    assert _verdicts(c, "rfib-001", "baseline")["aecg_2002"] == "undetermined"
    with app.state.web.store.session() as s:
        assert "history" not in s.query(Patient).one().case_data
        rows = s.query(Audit).filter(Audit.action.like("history.%")).order_by(Audit.id).all()
        assert [(a.username, a.action, a.target) for a in rows] == [
            ("alice", "history.update", "history 2021-03 diagnosis"),
            ("alice", "history.delete", "history 2021-03 diagnosis")]
        assert rows[0].detail["before"] == before and rows[1].detail["after"] is None
        assert rows[1].detail["before"]["tests"]["anti_ssa"] == "positive"


def test_reader_cannot_change_the_history(app: FastAPI, clinician: tuple[TestClient, str]
                                          ) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    _add(c, token, "p1", {"h.date": "2020-01", "f.anti_ssb": "positive"})
    r = client_for(app)
    rtoken = login(r, "rita")
    assert "Add history entry" not in r.get("/patients/p1").text
    assert r.get("/patients/p1/history/new").status_code == 403
    assert r.post("/patients/p1/history", data={"csrf": rtoken, "h.date": "2021-01"}
                  ).status_code == 403
    assert r.post("/patients/p1/history/0/delete", data={"csrf": rtoken, "was": "x"}
                  ).status_code == 403
    assert c.post("/patients/p1/history", data={"h.date": "2021-01"}).status_code == 403


def test_exports_carry_the_history_to_fhir_and_back(
        clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-01"})
    _add(c, token, "p1", {"h.date": "2021-03-15", "f.anti_ssb": "positive",
                          "f.focus_score": "1.50"})
    bundle = c.get("/patients/p1/export.fhir.json").text
    assert "1.50" in bundle
    back = api.case_from_fhir(json.loads(bundle), "p1.fhir.json")
    hist = jsonable(back)["history"]
    assert len(hist) == 1 and hist[0]["date"] == "2021-03-15"
    # the FHIR reader gives the value with the unit FHIR carries (1.5 {foci}/4mm2)
    assert hist[0]["tests"]["focus_score"]["value"] == Decimal("1.50")
    assert hist[0]["tests"]["anti_ssb"] in ("positive", {"result": "positive"})


def _six_entries_at_once(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six clinicians add an entry to one patient's history at the same moment; each request
    dawdles 0.3 s between reading the patient and writing it back, so without the row lock
    (PostgreSQL) the later writes would drop the earlier entries (a lost update)."""
    real = sicca.web.forms.entry_from_form

    def slow(*args: Any) -> dict[str, Any]:
        time.sleep(0.3)
        return real(*args)

    monkeypatch.setattr(sicca.web.forms, "entry_from_form", slow)
    clients = []
    for _ in range(6):
        c = client_for(app)
        clients.append((c, login(c)))
    new_patient(*clients[0], "p1")
    start = threading.Barrier(6)
    statuses: list[int] = []

    def add(i: int) -> None:
        c, token = clients[i]
        start.wait()
        statuses.append(c.post("/patients/p1/history", follow_redirects=False, data={
            "csrf": token, "h.date": f"2020-0{i + 1}", "h.label": f"entry {i}",
            "f.anti_ssb": "positive"}).status_code)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [303] * 6
    hist = clients[0][0].get("/patients/p1/export.json").json()["history"]
    assert sorted(h["label"] for h in hist) == [f"entry {i}" for i in range(6)]
    with app.state.web.store.session() as s:
        assert s.query(Audit).filter(Audit.action == "history.add").count() == 6


def test_six_entries_added_at_once_are_all_kept(app: FastAPI,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _six_entries_at_once(app, monkeypatch)


@pytest.mark.slow
def test_postgresql_history_saves_exports_and_concurrent_adds(
        postgres: str, api: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from sicca.web.app import create_app

    app = create_app(postgres, api=api)
    app.state.web.store.add_user("alice", PASSWORD, "clinician")
    try:
        _six_entries_at_once(app, monkeypatch)
        c = client_for(app)
        token = login(c)
        _add(c, token, "p1", {"h.date": "2021-03", "f.focus_score": "1.50"})
        assert '"focus_score": 1.50' in c.get("/patients/p1/export.json").text
    finally:
        app.state.web.store.dispose()


def test_a_per_eye_error_shows_beside_its_eye_in_the_visit_form_too(
        clinician: tuple[TestClient, str]) -> None:
    """The item inputs are shared by both forms; an eye's error had no place in either."""
    c, token = clinician
    new_patient(c, token, "p1")
    r = c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-01",
                                            "f.schirmer.right": "x", "f.schirmer.left": "4"})
    assert r.status_code == 422
    assert _errors(r.text) == {"f.schirmer.right": "&#39;schirmer&#39; right eye is not a "
                               "number: &#39;x&#39; is not a number; expected a finite number "
                               "such as 38.6, or censored &#39;&lt;0.5&#39; / &#39;&gt;=1&#39;"
                               ", found &#39;x&#39;"}
