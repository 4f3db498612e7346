"""Two clinicians saving the same new visit (same patient, same visit id) at the same moment:
one is saved, the others are told so (409, their entries kept in the form), never a 500;
nothing saved is lost and the audit log names the one save. Two clinicians editing one visit:
the second save, made on a form opened before the first was saved, is refused the same way
instead of overwriting it. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import sicca.web.forms
from sicca.api.session import Session
from sicca.web.store import Audit, Patient
from tests.web.conftest import PASSWORD, client_for, csrf_of, login, new_patient, was_of


def _clients(app: FastAPI, n: int) -> list[tuple[TestClient, str]]:
    out = []
    for _ in range(n):
        c = client_for(app)
        out.append((c, login(c)))
    return out


def _race(app: FastAPI, n: int) -> list[tuple[int, str, str]]:
    """``n`` clients post visit v1 of p1 at once, each with its own synovitis count;
    returns (status, count sent, body) per client."""
    clients = _clients(app, n)
    new_patient(*clients[0], "p1")
    start = threading.Barrier(n)
    results: list[tuple[int, str, str]] = []

    def post(i: int) -> None:
        c, token = clients[i]
        start.wait()
        try:
            r = c.post("/patients/p1/visits", follow_redirects=False, data={
                "csrf": token, "v.id": "v1", "v.date": "2024-01",
                "f.articular.synovitis_count": str(i + 1)})
        except Exception as exc:  # the test client re-raises a server error: that is a 500
            results.append((500, str(i + 1), repr(exc)))
        else:
            results.append((r.status_code, str(i + 1), r.text))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _check(app: FastAPI, results: list[tuple[int, str, str]]) -> None:
    counts = Counter(status for status, _, _ in results)
    assert counts == {303: 1, 409: len(results) - 1}, [r[2][:300] for r in results]
    (winner,) = [sent for status, sent, _ in results if status == 303]
    for status, sent, body in results:
        if status == 409:
            # told what happened, in words, with what they typed still in the form
            assert "exists already" in body and "nothing of yours was saved" in body
            assert f'name="f.articular.synovitis_count" id="f.articular.synovitis_count" ' \
                   f'value="{sent}"' in body
    with app.state.web.store.session() as s:
        (p,) = s.query(Patient).all()
        assert [(v.tid, v.data["findings"]["articular"]["synovitis_count"])
                for v in p.visits] == [("v1", int(winner))]
        adds = s.query(Audit).filter(Audit.action == "visit.add").all()
        # the one save is audited, with what it saved; the refused ones left no entry
        assert [(a.target, a.detail["after"]["findings"]["articular"]["synovitis_count"])
                for a in adds] == [("v1", int(winner))]


def test_sqlite_same_new_visit_at_once_is_one_save_and_conflicts(app: FastAPI) -> None:
    _check(app, _race(app, 6))


def test_an_id_taken_before_the_form_was_sent_is_a_conflict_not_an_overwrite(
        clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    form = {"csrf": token, "v.id": "v1", "v.date": "2024-01"}
    assert c.post("/patients/p1/visits", data=form, follow_redirects=False).status_code == 303
    r = c.post("/patients/p1/visits", data={**form, "v.date": "2024-02"})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert "saved by alice" in r.text
    # the stored visit is untouched
    assert c.get("/patients/p1/export.json").json()["timepoints"][0]["date"] == "2024-01"


def _edit_form(c: TestClient, path: str = "/patients/p1/visits/v1/edit") -> dict[str, str]:
    """The hidden fields of an edit form as the browser would send them back."""
    page = c.get(path)
    assert page.status_code == 200, page.text
    return {"csrf": csrf_of(page.text), "original": "v1", "was": was_of(page.text)}


def _save(c: TestClient, hidden: Mapping[str, str], count: int, tid: str = "v1",
          date: str = "2024-01") -> Any:
    """Post the visit form: ``hidden`` (csrf, and for an edit original and was) and a count."""
    return c.post("/patients/p1/visits", follow_redirects=False, data={
        **hidden, "v.id": tid, "v.date": date, "f.articular.synovitis_count": str(count)})


def _patient_with_v1(app: FastAPI, clients: int) -> list[tuple[TestClient, str]]:
    """``clients`` logged-in clients (all alice) and patient p1 with visit v1 (count 1)."""
    out = _clients(app, clients)
    c, token = out[0]
    new_patient(c, token, "p1")
    assert _save(c, {"csrf": token}, 1).status_code == 303
    return out


def _stored_count(c: TestClient) -> tuple[str, int]:
    (tp,) = c.get("/patients/p1/export.json").json()["timepoints"]
    return tp["id"], tp["findings"]["articular"]["synovitis_count"]


def test_an_edit_opened_before_another_edit_was_saved_is_refused_not_an_overwrite(
        app: FastAPI) -> None:
    (a, _), (b, _) = _patient_with_v1(app, 2)
    # both open the visit to edit it; the first saves first
    form_a, form_b = _edit_form(a), _edit_form(b)
    assert form_a["was"] == form_b["was"]
    assert _save(a, form_a, 2).status_code == 303
    r = _save(b, form_b, 3)
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert "was changed or renamed since you opened it (by alice" in r.text
    assert "nothing of yours was saved" in r.text
    # what the second typed is still in the form; the first's save is what is stored
    assert 'name="f.articular.synovitis_count" id="f.articular.synovitis_count" value="3"' \
        in r.text
    assert _stored_count(a) == ("v1", 2)
    with app.state.web.store.session() as s:
        updates = s.query(Audit).filter(Audit.action == "visit.update").all()
        assert [(u.username, u.detail["after"]["findings"]["articular"]["synovitis_count"])
                for u in updates] == [("alice", 2)]
    # opened again, the form carries the stored visit's new fingerprint, and the save goes in
    form_b = _edit_form(b)
    assert form_b["was"] != form_a["was"]
    assert _save(b, form_b, 3).status_code == 303
    assert _stored_count(a) == ("v1", 3)


def test_an_edit_of_a_visit_renamed_meanwhile_or_without_its_fingerprint_is_refused(
        app: FastAPI) -> None:
    (a, _), (b, _) = _patient_with_v1(app, 2)
    form_b = _edit_form(b)
    # a form that does not say what it was opened on cannot prove it saw the stored visit
    r = _save(b, {**form_b, "was": ""}, 5)
    assert r.status_code == 409 and "nothing of yours was saved" in r.text
    # the first renames v1 to m1; the second's edit of v1 no longer has a visit to edit
    assert _save(a, _edit_form(a), 1, tid="m1").status_code == 303
    r = _save(b, form_b, 5)
    assert r.status_code == 409 and "(by alice" in r.text
    assert _stored_count(a) == ("m1", 1)


def test_an_edit_refused_for_an_error_keeps_its_fingerprint_and_then_saves(
        app: FastAPI) -> None:
    ((a, _),) = _patient_with_v1(app, 1)
    form_a = _edit_form(a)
    r = _save(a, form_a, 2, date="soon")
    assert r.status_code == 422
    assert was_of(r.text) == form_a["was"]
    assert _save(a, form_a, 2).status_code == 303


@pytest.mark.slow
def test_postgresql_same_new_visit_at_once_is_one_save_and_conflicts(
        postgres: str, api: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests read the patient (no v1 yet) before either inserts: a barrier in the
    form reading holds each until the other has read, so the clash is found by PostgreSQL's
    unique constraint at commit (the path that gave a 500), not by the app's own check."""
    from sicca.web.app import create_app

    app = create_app(postgres, api=api)
    app.state.web.store.add_user("alice", PASSWORD, "clinician")
    both_read = threading.Barrier(2, timeout=20)
    real: Callable[..., dict[str, Any]] = sicca.web.forms.timepoint_from_form

    def held(form: Mapping[str, str], *args: Any) -> dict[str, Any]:
        both_read.wait()
        return real(form, *args)

    monkeypatch.setattr(sicca.web.forms, "timepoint_from_form", held)
    try:
        _check(app, _race(app, 2))
        monkeypatch.setattr(sicca.web.forms, "timepoint_from_form", real)
        # and a free-for-all of 6 on a second patient's visit: still one save, no 500
        clients = _clients(app, 1)
        new_patient(*clients[0], "p2")
        statuses: list[int] = []
        start = threading.Barrier(6)

        def post(c: TestClient, token: str) -> None:
            start.wait()
            statuses.append(c.post("/patients/p2/visits", follow_redirects=False, data={
                "csrf": token, "v.id": "v1", "v.date": "2024-01"}).status_code)

        threads = [threading.Thread(target=post, args=ct) for ct in _clients(app, 6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert Counter(statuses) == {303: 1, 409: 5}
        # creating the same patient at once: one made, the others refused, none a 500
        statuses.clear()
        start = threading.Barrier(4)

        def create(c: TestClient, token: str) -> None:
            start.wait()
            statuses.append(c.post("/patients", follow_redirects=False,
                                   data={"csrf": token, "pid": "p3"}).status_code)

        threads = [threading.Thread(target=create, args=ct) for ct in _clients(app, 4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert statuses.count(303) == 1 and set(statuses) <= {303, 409, 422}, statuses
    finally:
        app.state.web.store.dispose()


@pytest.mark.slow
def test_postgresql_two_edits_of_one_visit_at_once_are_one_save_and_a_conflict(
        postgres: str, api: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both edits are opened on the same stored visit and sent at once. The form reading (after
    the fingerprint check) waits up to 3 s for the other request to get there too: without
    the patient's row lock both pass the check, meet there and both overwrite; with it the
    second waits for the lock, the first goes on alone after the 3 s, and the second then
    sees the first's save and is refused (409), never an overwrite or a 500."""
    from sicca.web.app import create_app

    app = create_app(postgres, api=api)
    app.state.web.store.add_user("alice", PASSWORD, "clinician")
    both_checked = threading.Barrier(2, timeout=3)
    real: Callable[..., dict[str, Any]] = sicca.web.forms.timepoint_from_form

    def held(form: Mapping[str, str], *args: Any) -> dict[str, Any]:
        if form.get("original"):
            try:
                both_checked.wait()
            except threading.BrokenBarrierError:
                pass
        return real(form, *args)

    try:
        clients = _patient_with_v1(app, 2)
        forms = [_edit_form(c) for c, _ in clients]
        monkeypatch.setattr(sicca.web.forms, "timepoint_from_form", held)
        start = threading.Barrier(2)
        statuses: list[tuple[int, int]] = []

        def post(i: int) -> None:
            start.wait()
            statuses.append((_save(clients[i][0], forms[i], i + 2).status_code, i + 2))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(s for s, _ in statuses) == [303, 409], statuses
        (saved,) = [n for s, n in statuses if s == 303]
        assert _stored_count(clients[0][0]) == ("v1", saved)
    finally:
        app.state.web.store.dispose()
