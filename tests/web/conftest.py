"""Fixtures of the web app's tests: an app on a fresh SQLite file, logged-in clients, and a
local PostgreSQL server (Debian's packages) with a fresh database per test."""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from sicca.api.session import Session
from sicca.base.paths import EXAMPLES_DIR
from sicca.web.app import create_app
from sicca.web.forms import form_from_timepoint
from tests.web.live import free_port

SEED = EXAMPLES_DIR / "rfib-case.yaml"
PASSWORD = "correct horse 1"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="session")
def api() -> Session:
    """One scoring session for the tests of this folder (rules loaded once)."""
    return Session(engine="native")


@pytest.fixture
def app(api: Session, tmp_path: Path) -> Iterator[FastAPI]:
    application = create_app(tmp_path / "clinic.db", api=api, secure_cookies=True)
    store = application.state.web.store
    store.add_user("alice", PASSWORD, "clinician")
    store.add_user("rita", PASSWORD, "reader")
    yield application
    store.dispose()


def client_for(app: FastAPI) -> TestClient:
    # https: the session cookie is Secure, so the client must look like a TLS one
    return TestClient(app, base_url="https://testserver")


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def was_of(html: str) -> str:
    """The fingerprint an edit form carries of the stored visit it was opened on."""
    m = re.search(r'name="was" value="([0-9a-f]*)"', html)
    assert m, "the form carries no 'was' field"
    return m.group(1)


def import_seed(c: TestClient, token: str, follow_redirects: bool = True) -> Response:
    """Upload the bundled seed case (patient rfib-001) on the import page."""
    return c.post("/import", data={"csrf": token},
                  files={"file": ("rfib-case.yaml", SEED.read_bytes(), "application/yaml")},
                  follow_redirects=follow_redirects)


def login(c: TestClient, username: str = "alice") -> str:
    """Log ``c`` in; returns the session's CSRF token."""
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "username": username, "password": PASSWORD},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/patients").text)


@pytest.fixture
def clinician(app: FastAPI) -> tuple[TestClient, str]:
    c = client_for(app)
    return c, login(c)


def seed_case() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return data


def baseline_form(api: Session) -> dict[str, str]:
    """The seed case's baseline visit as form fields (what a clinician types)."""
    tp = seed_case()["timepoints"][0]
    return {k: v for k, v in form_from_timepoint(tp, api.catalogue).items() if v != ""}


def new_patient(c: TestClient, token: str, pid: str, **info: str) -> None:
    r = c.post("/patients", data={"csrf": token, "pid": pid, **info}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its smallest cost: the tests check the flow, not the hash's strength (the
    app's own parameters are argon2-cffi's defaults, RFC 9106's low-memory profile)."""
    from argon2 import PasswordHasher

    import sicca.web.auth

    monkeypatch.setattr(sicca.web.auth, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


# ---- PostgreSQL -----------------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_DB_NUMBER = itertools.count(1)


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL 15 server started from Debian's packages in a temporary folder, for the
    whole test session (initdb and start take seconds); its URL without a database."""
    initdb = PG_BIN / "initdb"
    if not initdb.exists():
        pytest.skip(f"PostgreSQL 15 is not installed ({initdb} absent; .ci/run installs it)")
    # as root the server runs as `postgres`, which must reach the folder: /tmp, not $TMPDIR
    base = Path("/tmp") if os.geteuid() == 0 else Path(tempfile.gettempdir())
    root = base / f"sicca-pg-{os.getpid()}-{free_port()}"
    root.mkdir(mode=0o700)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for p in (root, sock):
            os.chown(p, pg.pw_uid, pg.pw_gid)
    port = free_port()
    try:
        subprocess.run(_as_postgres([str(initdb), "-D", str(data), "-U", "sicca",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True)
        subprocess.run(_as_postgres([
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
            check=True, capture_output=True)
        yield f"postgresql+psycopg://sicca@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m",
                                     "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres(postgres_server: str) -> str:
    """The URL of a new, empty database on the session's PostgreSQL server."""
    from sqlalchemy import create_engine

    name = f"t{os.getpid()}_{next(_DB_NUMBER)}"
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return f"{postgres_server}/{name}"
