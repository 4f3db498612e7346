"""The rule pack's options (judgement calls, ``sicca options``) in the web app: the patient's
(the API scores a case with one set), set in the visit form or on the patient page, stored,
audited, named in the score panel and the report, and passed to every scoring call."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sicca.web.store import Audit, Patient
from tests.web.conftest import client_for, import_seed, login, new_patient

RO52 = {"v.id": "v1", "v.date": "2024-01", "f.anti_ro52": "positive", "f.anti_ssa": "negative"}


def _anti_ssa_2016(html: str) -> str:
    """The state of the 2016 anti-SSA/Ro item in a score panel's checklist."""
    m = re.search(r'<li class="st-(\w+)"><span class="mark">.</span> anti-SSA/Ro positive', html)
    assert m, html[:3000]
    return m.group(1)


def _essdai(html: str) -> str:
    m = re.search(r'data-testid="essdai">([^<]*)<', html)
    assert m, html[:3000]
    return m.group(1)


def test_the_form_offers_every_option_with_its_default(clinician: tuple[TestClient, str],
                                                        app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    html = c.get("/patients/p1/visits/new").text
    for row in app.state.web.form.options:
        assert f'name="o.{row.name}"' in html, row.name
    assert re.search(r'<option value="unknown" selected>unknown \(default\)</option>', html)


def test_isolated_ro52_follows_the_option_in_the_live_score(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    seen = {}
    for choice in ("unknown", "positive", "negative"):
        html = c.post("/patients/p1/visits/preview",
                      data={"csrf": token, **RO52, "o.anti_ro52_isolated": choice}).text
        seen[choice] = _anti_ssa_2016(html)
        named = "the rule pack&#39;s defaults" if choice == "unknown" else \
            f"<code>anti_ro52_isolated={choice}</code>"
        assert f'data-testid="options">Judgement calls: {named}' in html.replace(
            "the rule pack's defaults", "the rule pack&#39;s defaults")
    # anti-Ro52 positive, anti-SSA negative, no anti-Ro60: the 2016 item is unknown by
    # default (spec §4.3), counts with =positive, does not with =negative
    assert seen == {"unknown": "unknown", "positive": "positive", "negative": "negative"}
    with app.state.web.store.session() as s:  # a preview stores nothing
        assert s.query(Patient).one().options == {}


def test_a_wrong_option_is_refused_next_to_its_field_in_the_cli_words(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    r = c.post("/patients/p1/visits", data={"csrf": token, **RO52,
                                            "o.anti_ro52_isolated": "maybe"})
    assert r.status_code == 422
    span = re.search(r'data-for="o\.anti_ro52_isolated" role="alert">([^<]*)<', r.text)
    assert span and span.group(1) == ("&#39;maybe&#39; is not a value of option "
                                      "&#39;anti_ro52_isolated&#39;; expected unknown | "
                                      "positive | negative, found maybe")
    r = c.post("/patients/p1/options", data={"csrf": token, "o.purpura_extent": "legs"})
    span = re.search(r'data-for="o\.purpura_extent" role="alert">([^<]*)<', r.text)
    assert r.status_code == 422 and span
    assert span.group(1).startswith("&#39;legs&#39; is not a value of option")
    with app.state.web.store.session() as s:
        p = s.query(Patient).one()
        assert (p.options, len(p.visits)) == ({}, 0)


def test_saving_a_visit_stores_the_patients_options_and_the_edit_form_shows_them(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    r = c.post("/patients/p1/visits", follow_redirects=False,
               data={"csrf": token, **RO52, "o.anti_ro52_isolated": "positive",
                     "o.purpura_extent": "complement"})  # complement is the default
    assert r.status_code == 303
    page = c.get("/patients/p1/visits/v1").text
    assert _anti_ssa_2016(page) == "positive"
    assert "<code>anti_ro52_isolated=positive</code>" in page
    edit = c.get("/patients/p1/visits/v1/edit").text
    assert '<option value="positive" selected>positive</option>' in edit
    with app.state.web.store.session() as s:
        # only what differs from the default is stored: the pack's defaults stay its own
        assert s.query(Patient).one().options == {"anti_ro52_isolated": "positive"}
        (a,) = s.query(Audit).filter(Audit.action == "patient.options").all()
        assert (a.username, a.detail) == ("alice", {"before": {}, "after": {
            "anti_ro52_isolated": "positive"}})


def test_purpura_extent_on_the_patient_page_rescores_every_page_and_the_report(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    r = import_seed(c, token)
    assert r.status_code == 200
    # cutaneous 3 x 3 + biological 2 x 1 = 11 with the default (complement)
    assert _essdai(c.get("/patients/rfib-001/visits/baseline").text) == "11"
    r = c.post("/patients/rfib-001/options", follow_redirects=False,
               data={"csrf": token, "o.purpura_extent": "generalised"})
    assert r.status_code == 303
    # generalised: leg-only purpura is moderate, 2 x 3 = 6, + 2 = 8 (README's seed table)
    visit = c.get("/patients/rfib-001/visits/baseline").text
    assert _essdai(visit) == "8" and "<code>purpura_extent=generalised</code>" in visit
    timeline = c.get("/patients/rfib-001").text
    assert re.search(r"<strong>8</strong>", timeline)
    assert "scored with: <code>purpura_extent=generalised</code>" in timeline
    report = c.get("/patients/rfib-001/export.html").text
    assert "purpura_extent=generalised" in report
    whatif = c.post("/patients/rfib-001/visits/baseline/whatif",
                    data={"csrf": token, "set": "anti_ssa=positive"}).text
    # the what-if is scored with the patient's options too: 8 before and after (serology
    # does not change ESSDAI)
    assert re.search(r"<td>ESSDAI</td><td>8 \(8–14\)</td><td>8 \(8–14\)</td>", whatif), whatif
    # back to the default: stored as nothing, audited both ways
    c.post("/patients/rfib-001/options", data={"csrf": token, "o.purpura_extent": "complement"})
    assert _essdai(c.get("/patients/rfib-001/visits/baseline").text) == "11"
    with app.state.web.store.session() as s:
        assert s.query(Patient).one().options == {}
        assert [a.detail["after"] for a in s.query(Audit).filter(
            Audit.action == "patient.options").order_by(Audit.id)] == [
            {"purpura_extent": "generalised"}, {}]


def test_a_reader_cannot_change_options_and_a_dropped_option_is_ignored(
        clinician: tuple[TestClient, str], app: FastAPI) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    reader = client_for(app)
    rtoken = login(reader, "rita")
    r = reader.post("/patients/p1/options", data={"csrf": rtoken,
                                                  "o.purpura_extent": "generalised"})
    assert r.status_code == 403
    with app.state.web.store.session() as s:  # an option a newer rule pack no longer has
        s.query(Patient).one().options = {"retired_option": "x", "purpura_extent": "nope"}
    page = c.get("/patients/p1")
    assert page.status_code == 200 and "scored with: the rule pack's defaults" in page.text
