"""A stored visit is the visit typed: numbers keep their digits (241.00 is not 241.0) and
censored values their text, through save, reload, the edit form and every export; and the
schema migration that came with the patient's options upgrades a database holding data."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sicca.api.session import Session
from sicca.base.jsonenc import dumps_exact, loads_exact
from sicca.web.store import Store
from tests.web.conftest import PASSWORD, client_for, login, new_patient

#: what the clinician types; every number has a written scale a float would lose
TYPED = {"v.id": "v1", "v.date": "2024-01-15", "f.constitutional.fever": "38.50",
         "f.articular.synovitis_count": "3", "lab.igg.value": "241.00", "lab.igg.unit": "g/L",
         "lab.igg.reference": "7.00-16.00", "lab.c3.value": "<0.50", "lab.c3.unit": "g/L",
         "lab.c4.value": ">1000", "lab.c4.unit": "mg/L"}


def _save(c: TestClient, token: str, pid: str = "p1") -> None:
    new_patient(c, token, pid)
    r = c.post(f"/patients/{pid}/visits", data={"csrf": token, **TYPED},
               follow_redirects=False)
    assert r.status_code == 303, re.findall(r'role="alert">([^<]+)<', r.text)


def _form_value(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert m, name
    return m.group(1).replace("&lt;", "<").replace("&gt;", ">")


def test_exact_json_keeps_the_digits_written() -> None:
    data = {"a": Decimal("241.00"), "b": Decimal("1E+2"), "c": Decimal("-0.050"), "d": 7,
            "e": "<0.50", "f": [Decimal("0.10")]}
    text = dumps_exact(data)
    # 1E+2 is written out in full (100); the others as typed
    assert text == ('{"a": 241.00, "b": 100, "c": -0.050, "d": 7, "e": "<0.50", '
                    '"f": [0.10]}')
    back = loads_exact(text)
    assert str(back["a"]) == "241.00" and back["d"] == 7 and isinstance(back["d"], int)
    assert str(back["f"][0]) == "0.10" and back["e"] == "<0.50"
    # a string that only looks like the marker stays a string
    assert loads_exact(dumps_exact({"x": "\\u0000dec:5"})) == {"x": "\\u0000dec:5"}


def test_save_reload_export_gives_exactly_what_was_typed(
        clinician: tuple[TestClient, str], tmp_path: Path) -> None:
    c, token = clinician
    _save(c, token)
    # the database holds the digits (JSON text), not a float's repr
    (raw,) = sqlite3.connect(tmp_path / "clinic.db").execute("select data from visits"
                                                             ).fetchone()
    assert '"value": 241.00' in raw and '"fever": 38.50' in raw and '"<0.50"' in raw
    # the edit form shows each value as it was typed
    html = c.get("/patients/p1/visits/v1/edit").text
    for name in ("f.constitutional.fever", "f.articular.synovitis_count", "lab.igg.value",
                 "lab.igg.reference", "lab.c3.value", "lab.c4.value"):
        assert _form_value(html, name) == TYPED[name], name
    # the case file exports keep them too
    text = c.get("/patients/p1/export.json").text
    assert '"value": 241.00' in text and '"fever": 38.50' in text
    assert '"value": "<0.50"' in text and '"value": ">1000"' in text
    ytext = c.get("/patients/p1/export.yaml").text
    assert "value: 241.00" in ytext and "fever: 38.50" in ytext
    assert yaml.safe_load(ytext)["timepoints"][0]["labs"][1]["value"] == "<0.50"
    # and the FHIR Bundle's Quantity keeps the scale (FHIR decimals are exact)
    assert '"value": 241.00' in c.get("/patients/p1/export.fhir.json").text


def test_a_reimported_export_exports_the_same_text(clinician: tuple[TestClient, str]) -> None:
    c, token = clinician
    _save(c, token)
    first = c.get("/patients/p1/export.yaml").text
    r = c.post("/import", data={"csrf": token},
               files={"file": ("p2.yaml", first.replace("id: p1", "id: p2", 1).encode(),
                               "application/yaml")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    again = c.get("/patients/p2/export.yaml").text
    assert again == first.replace("id: p1", "id: p2", 1)
    assert "value: 241.00" in again


def test_the_score_is_the_same_as_from_the_typed_numbers(
        clinician: tuple[TestClient, str], api: Session) -> None:
    c, token = clinician
    _save(c, token)
    case = yaml.safe_load(c.get("/patients/p1/export.yaml").text)
    tp = api.score(case).dump_json()["timepoints"][0]
    # fever 38.50 °C is in 37.5-38.5 (both ends in): constitutional low, 1 x 3 = 3;
    # IgG 241.00 g/L > 20: biological level 2 x 1 = 2; 3 synovitis: articular low, 1 x 2 = 2
    assert tp["essdai"]["domains"]["constitutional"]["level"] == 1
    assert tp["essdai"]["domains"]["biological"]["level"] == 2
    html = c.get("/patients/p1/visits/v1").text
    assert re.search(r'data-testid="essdai">(\d+)<', html).group(1) == str(  # type: ignore[union-attr]
        tp["essdai"]["documented"])


def _db_at_0001(url: str) -> None:
    """A database made by the first release (migration 0001) holding a patient, a visit
    (written as that release wrote it: a float's repr) and an audit entry."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from sicca.web.store import make_engine

    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__import__("sicca.web.store").web.store
                                                     .__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("insert into patients (pid, case_data, created_at, updated_at) "
                          "values ('old1', :c, '2024-01-01', '2024-01-01')"),
                     {"c": '{"sicca_case": 1, "patient": {"id": "old1"}}'})
        conn.execute(text("insert into visits (patient_id, tid, date, data, created_at, "
                          "updated_at) values (1, 'v1', '2024-01', :d, '2024-01-01', "
                          "'2024-01-01')"),
                     {"d": '{"id": "v1", "date": "2024-01", "labs": [{"analyte": "IgG", '
                           '"value": 25.3, "unit": "g/L"}]}'})
        conn.execute(text("insert into audit (at, username, action, patient, target, detail) "
                          "values ('2024-01-01', 'alice', 'visit.add', 'old1', 'v1', '{}')"))
    engine.dispose()


def _check_upgraded(app: FastAPI) -> None:
    c = client_for(app)
    login(c)
    page = c.get("/patients/old1")
    assert page.status_code == 200 and "scored with: the rule pack's defaults" in page.text
    case = c.get("/patients/old1/export.json").json()
    assert case["timepoints"][0]["labs"][0]["value"] == 25.3
    with app.state.web.store.session() as s:
        from sicca.web.store import Patient

        p = s.query(Patient).one()
        assert p.options == {} and len(p.visits) == 1


def test_migration_0002_upgrades_a_database_holding_data(tmp_path: Path, api: Session) -> None:
    from sicca.web.app import create_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    _db_at_0001(url)
    Store(url).add_user("alice", PASSWORD, "clinician")  # migrates to the head
    assert sqlite3.connect(tmp_path / "old.db").execute(
        "select version_num from alembic_version").fetchall() == [("0002",)]
    app = create_app(url, api=api)
    _check_upgraded(app)
    app.state.web.store.dispose()


@pytest.mark.slow
def test_postgresql_keeps_the_digits_and_upgrades_from_0001(postgres: str, api: Session,
                                                            postgres_server: str) -> None:
    from sicca.web.app import create_app

    _db_at_0001(postgres)
    app = create_app(postgres, api=api)
    app.state.web.store.add_user("alice", PASSWORD, "clinician")
    _check_upgraded(app)
    c = client_for(app)
    _save(c, login(c))
    text = c.get("/patients/p1/export.json").text
    assert '"value": 241.00' in text and '"value": "<0.50"' in text and '"fever": 38.50' in text
    assert _form_value(c.get("/patients/p1/visits/v1/edit").text, "lab.igg.value") == "241.00"
    with app.state.web.store.engine.connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == "0002"
        # the json column holds the text as written
        assert "241.00" in conn.exec_driver_sql(
            "select data::text from visits where tid = 'v1' and patient_id = "
            "(select id from patients where pid = 'p1')").scalar()
    app.state.web.store.dispose()
