"""The web app through FastAPI's test client: pages, forms, scores, security, storage."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape

from sicca.api.session import Session
from sicca.base.errors import InputError
from sicca.web.store import jsonable
from tests.web.conftest import (
    PASSWORD,
    SEED,
    baseline_form,
    client_for,
    csrf_of,
    import_seed,
    login,
    new_patient,
    seed_case,
    was_of,
)

PAGES = ["/patients", "/patients/p1", "/patients/p1/visits/new", "/patients/p1/visits/v1",
         "/patients/p1/visits/v1/edit", "/patients/p1/export.yaml", "/patients/p1/export.json",
         "/patients/p1/export.fhir.json", "/audit"]


def _essdai(html: str) -> tuple[str, str]:
    num = re.search(r'data-testid="essdai">([^<]*)<', html)
    rng = re.search(r'data-testid="essdai-range">([^<]*)<', html)
    assert num and rng, html[:2000]
    return num.group(1), rng.group(1)


# ---- security -------------------------------------------------------------------------------


def test_no_page_without_login(app: FastAPI) -> None:
    c = client_for(app)
    for url in PAGES:
        r = c.get(url, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, "/login"), url
    # an HTMX request is told to go to the login page instead of getting a page
    r = c.get("/patients", headers={"HX-Request": "true"}, follow_redirects=False)
    assert (r.status_code, r.headers["HX-Redirect"]) == (401, "/login")


def test_no_write_without_login_even_with_a_token(app: FastAPI) -> None:
    c = client_for(app)
    token = csrf_of(c.get("/login").text)  # a session with a token, but nobody logged in
    r = c.post("/patients", data={"csrf": token, "pid": "x1"}, follow_redirects=False)
    assert (r.status_code, r.headers.get("location")) == (303, "/login")
    login(c)
    # the patient's link, not the bare id: a random CSRF token can hold "x1" (it did once)
    listing = c.get("/patients").text
    assert 'href="/patients/x1"' not in listing
    assert c.get("/patients/x1").status_code == 404


def test_wrong_password_refused_and_hash_is_argon2(app: FastAPI, tmp_path: Path) -> None:
    c = client_for(app)
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "username": "alice", "password": "nope"})
    assert r.status_code == 401 and "wrong password" in r.text
    r = c.post("/login", data={"csrf": token, "username": "nobody", "password": PASSWORD})
    assert r.status_code == 401
    con = sqlite3.connect(tmp_path / "clinic.db")
    (stored,) = con.execute("select password_hash from users where username='alice'").fetchone()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_session_cookie_is_secure_httponly_lax(app: FastAPI) -> None:
    c = client_for(app)
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_csrf_refused(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    for data in ({"pid": "p9"}, {"pid": "p9", "csrf": "forged"}, {"pid": "p9", "csrf": ""}):
        r = c.post("/patients", data=data, follow_redirects=False)
        assert r.status_code == 403, data
    r = c.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert "p9" not in c.get("/patients").text
    # the login form needs it too (no login CSRF)
    other = client_for(c.app)  # type: ignore[arg-type]
    other.get("/login")
    r = other.post("/login", data={"username": "alice", "password": PASSWORD})
    assert r.status_code == 403
    # HTMX sends it as a header
    new_patient(c, token, "p9")
    r = c.post("/patients/p9/visits/preview", data={"v.id": "a", "v.date": "2024-01"},
               headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    r = c.post("/patients/p9/visits/preview", data={"v.id": "a", "v.date": "2024-01"},
               headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403


def test_script_in_labels_is_shown_as_text(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    evil = "<script>alert('x')</script>"
    new_patient(c, token, "p1", note=evil)
    r = c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-01",
                                            "v.label": evil}, follow_redirects=False)
    assert r.status_code == 303
    for url in ("/patients", "/patients/p1", "/patients/p1/visits/v1",
                "/patients/p1/visits/v1/edit", "/audit"):
        html = c.get(url).text
        assert evil not in html, url
        assert "&lt;script&gt;alert(" in html, url


def test_reader_reads_but_cannot_change(app: FastAPI, clinician: tuple[TestClient, str]
                                        ) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-01"})
    reader = client_for(app)
    rtoken = login(reader, "rita")
    assert reader.get("/patients/p1").status_code == 200
    assert reader.get("/patients/p1/visits/v1").status_code == 200
    assert reader.get("/patients/p1/visits/new").status_code == 403
    assert reader.get("/patients/p1/visits/v1/edit").status_code == 403
    r = reader.post("/patients", data={"csrf": rtoken, "pid": "p2"})
    assert r.status_code == 403
    r = reader.post("/patients/p1/visits", data={"csrf": rtoken, "v.id": "v2",
                                                 "v.date": "2024-02"})
    assert r.status_code == 403
    assert "New visit" not in reader.get("/patients/p1").text


# ---- the visit form -------------------------------------------------------------------------


def test_form_is_generated_from_the_vocabulary_and_rules(clinician: tuple[TestClient, str],
                                                         api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    html = c.get("/patients/p1/visits/new").text
    for d in api.domain_levels():  # one section per domain, with its level definitions
        assert f'id="domain-{d.domain}"' in html
        for lv in d.levels:
            assert str(escape(lv.description)) in html, lv.rule
    for name, item in api.catalogue.vocabulary.items.items():
        if item.type != "option":
            assert f'name="f.{name}' in html, name
    for a in api.catalogue.analytes.all():
        assert f'name="lab.{a.key}.value"' in html
    assert 'type="range" min="0" max="10"' in html  # ESSPRI sliders
    assert '<option value="not_done"' in html and '<option value="unknown"' in html


def test_seed_baseline_through_the_form_scores_as_the_cli(clinician: tuple[TestClient, str],
                                                         api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "rfib-001", sex="female")
    form = {"csrf": token, **baseline_form(api)}
    live = c.post("/patients/rfib-001/visits/preview", data=form)
    # cutaneous 3 x 3 = 9 + biological 2 x 1 = 2 -> 11; haematological not assessable:
    # 11 + 3 x 2 = 17 at most
    assert _essdai(live.text) == ("11", "range 11–17")
    r = c.post("/patients/rfib-001/visits", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/patients/rfib-001/visits/baseline"
    page = c.get("/patients/rfib-001/visits/baseline").text
    assert _essdai(page) == ("11", "range 11–17")
    # the same numbers as `sicca score` of the exported case, and of the seed's own baseline
    exported = c.get("/patients/rfib-001/export.json").json()
    web = api.score(exported).dump_json()["timepoints"][0]["essdai"]
    seed = seed_case()
    seed.pop("history")
    seed["timepoints"] = seed["timepoints"][:1]
    cli = api.score(seed).dump_json()["timepoints"][0]["essdai"]
    assert (web["documented"], web["min"], web["max"]) == (11, 11, 17)
    assert web["domains"] == cli["domains"]
    # "why": each conclusion with its rule and citation
    assert "essdai.cutaneous.high.diffuse_purpura" in page
    assert "Source: " in page and "Table 3" in page


def test_missing_criteria_items_say_what_they_would_change(
        clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    import_seed(c, token)
    html = c.get("/patients/rfib-001/visits/baseline").text
    # 2016: focus score 3 (history) + anti-SSA unknown (3) -> 3 to 9, undetermined; a positive
    # anti-SSA would give 6 >= 4, met
    assert "Missing, and what each would change" in html
    assert "<code>anti_ssa</code>: positive would give met" in html
    # without the history no single item decides
    new_patient(c, token, "p1")
    live = c.post("/patients/p1/visits/preview", data={"csrf": token, **baseline_form(api)})
    assert "<code>anti_ssa</code>: not decisive alone" in live.text


def test_empty_fields_stay_not_reported(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    form = {"csrf": token, "v.id": "v1", "v.date": "2024-01", "f.fatigue": "",
            "f.constitutional.fever": "", "lab.igg.value": "", "lab.igg.unit": "g/L",
            "f.schirmer.right": "", "f.dry_mouth_3_months": "not_done",
            "f.anti_ssa": "unknown"}
    assert c.post("/patients/p1/visits", data=form, follow_redirects=False).status_code == 303
    tp = c.get("/patients/p1/export.json").json()["timepoints"][0]
    assert tp == {"id": "v1", "date": "2024-01", "symptoms": {"dry_mouth_3_months": "not_done"},
                  "tests": {"anti_ssa": "unknown"}}


def test_validation_errors_next_to_the_field_in_the_cli_words(
        clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    form = {"csrf": token, "v.id": "v1", "v.date": "2024-01",
            "f.constitutional.fever": "abc", "lab.igg.value": "25", "lab.igg.unit": "mmHg"}
    r = c.post("/patients/p1/visits", data=form)
    assert r.status_code == 422
    case = {"sicca_case": 1, "patient": {"id": "p1"},
            "timepoints": [{"id": "v1", "date": "2024-01",
                            "findings": {"constitutional": {"fever": "abc"}}}]}
    with pytest.raises(InputError) as err:
        api.score(case)
    words = err.value.problems[0].message.replace("'", "&#39;")
    span = re.search(r'data-for="f\.constitutional\.fever" role="alert">([^<]*)<', r.text)
    assert span and words in span.group(1)
    lab = re.search(r'data-for="lab\.igg\.unit" role="alert">([^<]*)<', r.text)
    assert lab and "mmHg" in lab.group(1)
    assert c.get("/patients/p1/export.json").json()["timepoints"] == []  # nothing saved
    # the live score puts the same words in its error list for the page's script
    live = c.post("/patients/p1/visits/preview", data=form).text
    data = json.loads(re.search(r'id="preview-errors">(.*?)</script>', live).group(1))  # type: ignore[union-attr]
    assert words.replace("&#39;", "'") in data["f.constitutional.fever"]


def test_visit_dates_must_increase(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-01"})
    r = c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v2", "v.date": "2024-01"})
    assert r.status_code == 422
    span = re.search(r'data-for="v\.date" role="alert">([^<]*)<', r.text)
    assert span and "increas" in span.group(1), r.text
    r = c.post("/patients/p1/visits", data={"csrf": token, "v.id": "v1", "v.date": "2024-03"})
    # a new visit under an id another visit has is a conflict (409), the entries kept
    assert r.status_code == 409 and "exists already" in r.text


def test_edit_keeps_what_the_form_does_not_show_and_is_audited(
        clinician: tuple[TestClient, str], api: Session, tmp_path: Path) -> None:
    c, token = clinician
    up = import_seed(c, token, follow_redirects=False)
    assert up.status_code == 303, up.text
    page = c.get("/patients/rfib-001/visits/baseline/edit").text
    values = {"csrf": csrf_of(page), "original": "baseline", "was": was_of(page),
              **baseline_form(api)}
    values["f.fatigue"] = "absent"
    r = c.post("/patients/rfib-001/visits", data=values, follow_redirects=False)
    assert r.status_code == 303, r.text
    tp = c.get("/patients/rfib-001/export.json").json()["timepoints"][0]
    assert tp["symptoms"]["fatigue"] == "absent"
    # the inferred flag and the narrative are not on the form, and are kept
    assert tp["symptoms"]["dry_eyes_3_months"] == {"answer": "yes", "inferred": True}
    assert tp["narrative"].startswith("Dry mouth")
    con = sqlite3.connect(tmp_path / "clinic.db")
    rows = con.execute("select username, action, target, detail from audit "
                       "where patient='rfib-001' order by id").fetchall()
    assert [r[:3] for r in rows] == [("alice", "patient.import", "rfib-case.yaml"),
                                     ("alice", "visit.update", "baseline")]
    detail = json.loads(rows[1][3])
    assert detail["before"]["symptoms"]["fatigue"] == "present"
    assert detail["after"]["symptoms"]["fatigue"] == "absent"


# ---- import, export, what-if ----------------------------------------------------------------


def test_import_then_export_is_lossless(clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    r = import_seed(c, token, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/patients/rfib-001/export.json").json() == jsonable(seed_case())
    exported = yaml.safe_load(c.get("/patients/rfib-001/export.yaml").text)
    assert jsonable(exported) == jsonable(seed_case())
    a = api.score(exported).dump_json()
    b = api.score(SEED).dump_json()
    a.pop("case")
    b.pop("case")
    assert a == b
    # the same file again is refused: the patient exists
    r = import_seed(c, token)
    assert r.status_code == 422 and "exists already" in r.text


def test_import_reports_located_errors(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    bad = SEED.read_text(encoding="utf-8").replace("extent: lower_limbs", "extent: legs")
    r = c.post("/import", data={"csrf": token},
               files={"file": ("bad.yaml", bad.encode(), "application/yaml")})
    assert r.status_code == 422
    assert "bad.yaml:" in r.text and "&#39;legs&#39; is not a value" in r.text


def test_fhir_export_imports_back(app: FastAPI, clinician: tuple[TestClient, str],
                                  api: Session, tmp_path: Path) -> None:
    c, token = clinician
    import_seed(c, token)
    bundle = c.get("/patients/rfib-001/export.fhir.json")
    assert bundle.status_code == 200 and bundle.json()["resourceType"] == "Bundle"
    fresh = create_app_in(tmp_path / "other.db", api)
    c2 = client_for(fresh)
    t2 = login(c2)
    r = c2.post("/import", data={"csrf": t2},
                files={"file": ("b.json", bundle.content, "application/json")},
                follow_redirects=False)
    assert r.status_code == 303, r.text
    back = c2.get("/patients/rfib-001/export.json").json()
    assert [t["id"] for t in back["timepoints"]] == [t["id"] for t in seed_case()["timepoints"]]
    fresh.state.web.store.dispose()


def create_app_in(db: Path, api: Session) -> FastAPI:
    from sicca.web.app import create_app

    a = create_app(db, api=api)
    a.state.web.store.add_user("alice", PASSWORD, "clinician")
    return a


def test_what_if_scores_without_saving(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    import_seed(c, token)
    before = c.get("/patients/rfib-001/export.json").json()
    r = c.post("/patients/rfib-001/visits/baseline/whatif",
               data={"csrf": token, "set": "anti_ssa=positive"})
    assert r.status_code == 200
    # 2016: focus score 3 + anti-SSA 3 = 6 >= 4 -> met (was undetermined, 3 to 9)
    row = re.search(r"<td>acr_eular_2016</td><td>(.*?)</td><td>(.*?)</td>", r.text)
    assert row and ">undetermined<" in row.group(1) and ">met<" in row.group(2)
    assert c.get("/patients/rfib-001/export.json").json() == before
    bad = c.post("/patients/rfib-001/visits/baseline/whatif",
                 data={"csrf": token, "set": "anti_ssa=maybe"})
    assert "is not a result" in bad.text or "maybe" in bad.text


def test_search_patients(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    for pid in ("alpha-1", "beta-2"):
        new_patient(c, token, pid)
    html = c.get("/patients", params={"q": "alp"}).text
    assert "alpha-1" in html and "beta-2" not in html
    r = c.post("/patients", data={"csrf": token, "pid": "bad id!"})
    assert r.status_code == 422 and "patient id" in r.text


# ---- storage --------------------------------------------------------------------------------


def test_database_is_migrated_and_in_wal_mode(app: FastAPI, tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "clinic.db")
    assert con.execute("pragma journal_mode").fetchone() == ("wal",)
    assert con.execute("select version_num from alembic_version").fetchall() == [("0002",)]


def test_eight_clients_saving_at_once_never_mix(app: FastAPI) -> None:
    clients = []
    for i in range(8):
        c = client_for(app)
        token = login(c)
        new_patient(c, token, f"p{i}")
        clients.append((c, token))
    errors: list[str] = []
    start = threading.Barrier(8)

    def work(i: int) -> None:
        c, token = clients[i]
        start.wait()
        for k in range(3):
            r = c.post(f"/patients/p{i}/visits",
                       data={"csrf": token, "v.id": f"v{k}", "v.date": f"2024-0{k + 1}",
                             "v.label": f"patient p{i} visit {k}",
                             "f.articular.synovitis_count": str(i)},
                       follow_redirects=False)
            if r.status_code != 303:
                errors.append(f"p{i} v{k}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    c, _ = clients[0]
    for i in range(8):
        tps = c.get(f"/patients/p{i}/export.json").json()["timepoints"]
        assert [t["label"] for t in tps] == [f"patient p{i} visit {k}" for k in range(3)]
        assert {t["findings"]["articular"]["synovitis_count"] for t in tps} == {i}


def test_users_add_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support.cli import run

    db = tmp_path / "u.db"
    monkeypatch.setenv("SICCA_TEST_PW", "longenough1")
    code, _, err = run(["users", "add", "bob", "--role", "reader", "--db", str(db),
                        "--password-env", "SICCA_TEST_PW"], capsys)
    assert code == 0, err
    con = sqlite3.connect(db)
    row = con.execute("select role, password_hash from users where username='bob'").fetchone()
    assert row[0] == "reader" and row[1].startswith("$argon2id$")
    monkeypatch.setenv("SICCA_TEST_PW", "short")
    code, _, err = run(["users", "add", "bob", "--db", str(db), "--password-env",
                        "SICCA_TEST_PW"], capsys)
    assert code == 2 and "at least 8 characters" in err and "Traceback" not in err


def test_domain_levels_come_from_the_rule_files(api: Session) -> None:
    levels = {d.domain: d for d in api.domain_levels()}
    cut = levels["cutaneous"]
    assert cut.ruleset == "essdai" and cut.weight == 3
    assert ("essdai.cutaneous.high.diffuse_purpura", 3) in {(lv.rule, lv.level)
                                                             for lv in cut.levels}
    assert levels["biological"].weight == 1
    # only level rules: flags and assessments are not levels
    assert all(".flag." not in lv.rule and not lv.rule.endswith("assumed_absent")
               for d in levels.values() for lv in d.levels)


def test_esspri_sliders_score_and_an_unticked_slider_stays_not_reported(
        clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    new_patient(c, token, "p1")
    form = {"csrf": token, "v.id": "v1", "v.date": "2024-01", "f.esspri.dryness": "7",
            "f.esspri.fatigue": "5", "f.esspri.pain": "3"}
    html = c.post("/patients/p1/visits/preview", data=form).text
    # (7 + 5 + 3) / 3 = 5.0; PASS is < 5, so 5.0 is above it
    assert re.search(r"<h3>ESSPRI</h3>\s*<p><strong>5(\.0+)?</strong> · above PASS", html), html
    del form["f.esspri.pain"]  # a disabled slider is not sent: not reported
    html = c.post("/patients/p1/visits/preview", data=form).text
    assert "missing: pain" in html


def test_migrations_make_the_schema_the_models_describe(app: FastAPI) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sicca.web.store import Base

    with app.state.web.store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_timeline_shows_the_visit_report_plots_and_exports_the_report(
        clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    import_seed(c, token)
    page = c.get("/patients/rfib-001")
    assert page.status_code == 200
    # the plots are the visit report's (sicca.report.plots), inline SVG, not "No plots."
    assert page.text.count("<svg") >= 3 and "No plots." not in page.text
    assert "/patients/rfib-001/export.html" in page.text
    html = c.get("/patients/rfib-001/export.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "not a medical device" in html.text and "rfib-001" in html.text
