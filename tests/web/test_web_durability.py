"""A real server: kill -9 during saves loses no committed visit (SQLite WAL), and the app on
PostgreSQL (a local server started from Debian's packages in a temporary folder)."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from sicca.api.session import Session
from sicca.web.store import Store
from tests.web.conftest import PASSWORD, client_for, login, new_patient
from tests.web.live import Server

pytestmark = pytest.mark.slow
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _login(base: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30)
    token = _CSRF.search(c.get("/login").text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"csrf": token, "username": "alice", "password": PASSWORD})
    assert r.status_code in (200, 303)
    return c, _CSRF.search(c.get("/patients").text).group(1)  # type: ignore[union-attr]


def test_kill_9_during_saves_loses_no_committed_visit(tmp_path: Path) -> None:
    db = str(tmp_path / "clinic.db")
    store = Store(db)
    store.add_user("alice", PASSWORD, "clinician")
    store.dispose()
    # plain HTTP on a test port: the client is httpx, which keeps Secure cookies for https only
    srv = Server(db, tmp_path / "serve.log", "--insecure-cookies")
    committed: list[str] = []
    try:
        c, token = _login(srv.url)
        r = c.post("/patients", data={"csrf": token, "pid": "p1"})
        assert r.status_code in (200, 303)
        stop = threading.Event()

        def save() -> None:
            k = 0
            while not stop.is_set():
                day = 1 + k % 28
                month = 1 + (k // 28) % 12
                tid = f"v{k}"
                try:
                    r = c.post("/patients/p1/visits", data={
                        "csrf": token, "v.id": tid, "v.date": f"{2000 + k // 336}-"
                        f"{month:02d}-{day:02d}", "f.articular.synovitis_count": str(k % 20)},
                        follow_redirects=False)
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 303:
                    committed.append(tid)  # the server answered: the visit is committed
                k += 1

        t = threading.Thread(target=save)
        t.start()
        deadline = time.monotonic() + 30
        while len(committed) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        srv.kill()  # SIGKILL, mid-stream
        stop.set()
        t.join(30)
    finally:
        srv.stop()
    assert len(committed) >= 5, (tmp_path / "serve.log").read_text()[-2000:]
    con = sqlite3.connect(db)
    assert con.execute("pragma integrity_check").fetchone() == ("ok",)
    stored = {row[0] for row in con.execute("select tid from visits")}
    assert set(committed) <= stored
    assert len(stored) - len(committed) <= 1  # at most the one in flight, if it committed
    # and the server starts again on the same file
    again = Server(db, tmp_path / "serve2.log", "--insecure-cookies")
    try:
        c2, _ = _login(again.url)
        exported = c2.get("/patients/p1/export.json").json()
        assert {t["id"] for t in exported["timepoints"]} == stored
    finally:
        again.stop()


# ---- PostgreSQL -----------------------------------------------------------------------------


def test_postgresql_store_saves_and_exports(postgres: str, api: Session) -> None:
    from sicca.web.app import create_app

    app = create_app(postgres, api=api)
    app.state.web.store.add_user("alice", PASSWORD, "clinician")
    c = client_for(app)
    token = login(c)
    new_patient(c, token, "p1", sex="female")
    r = c.post("/patients/p1/visits", data={
        "csrf": token, "v.id": "v1", "v.date": "2024-01", "f.cutaneous.purpura": "present",
        "f.cutaneous.purpura.extent": "feet_ankles", "lab.igg.value": "25.3",
        "lab.igg.unit": "g/L"},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    case = c.get("/patients/p1/export.json").json()
    assert case["timepoints"][0]["findings"] == {
        "cutaneous": {"purpura": {"state": "present", "extent": "feet_ankles"}}}
    # cutaneous 2 x 3 = 6 + biological 2 x 1 = 2 -> 8 documented
    assert api.score(case).dump_json()["timepoints"][0]["essdai"]["documented"] == 8
    with app.state.web.store.engine.connect() as conn:
        assert conn.dialect.name == "postgresql"
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == "0002"
    app.state.web.store.dispose()
