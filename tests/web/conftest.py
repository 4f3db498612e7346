"""Fixtures of the web app's tests: an app on a fresh SQLite file, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sicca.api.session import Session
from sicca.base.paths import EXAMPLES_DIR
from sicca.web.app import create_app
from sicca.web.forms import form_from_timepoint

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
