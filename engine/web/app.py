"""The FastAPI app of `sicca serve`. Every page asks :class:`sicca.api.Session` for what it
shows (score, explain, what-if, FHIR); the routes here only read forms, store cases and render.

Security: every page but the login needs a session (a signed, HttpOnly, SameSite=Lax cookie;
Secure unless the app is told it is served over plain HTTP); every POST carries the session's
CSRF token (form field ``csrf`` or header ``X-CSRF-Token``); clinicians edit, readers read.
Templates are autoescaped.

Judgement calls (the rule pack's options, ``sicca options``) are the patient's: the API scores a
case with one set of options (they change every visit and the changes between visits), so they
are stored on the patient, set in the visit form or on the patient page, and passed to every
call of the scoring session.

Two clinicians saving the same new visit at once: the second is told so (409, their entries
kept in the form), whichever database finds the clash (SQLite serialises writers, so it is seen
before the insert; PostgreSQL reports it as a unique violation at commit).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from starlette.middleware.sessions import SessionMiddleware

from sicca.api.session import Session
from sicca.base.errors import InputError, Problem, SiccaError
from sicca.base.jsonenc import dumps_exact
from sicca.records.models import Catalogue, PartialDate, parse_case
from sicca.records.models import Patient as CasePatient
from sicca.scores.instrument import titles
from sicca.web import forms
from sicca.web.auth import new_token, same_token, verify_password
from sicca.web.store import (
    Audit,
    Patient,
    Store,
    User,
    Visit,
    jsonable,
    utcnow,
)

HERE = Path(__file__).parent
_PID_OK = "letters, digits, '.', '_' or '-' (at most 120)"


class LoginRequired(Exception):
    """Raised when a page is asked for without a logged-in session."""


class _Taken(Exception):
    """Raised inside a save when the new visit's id was taken since its form was opened."""


class _Changed(Exception):
    """Raised inside a history save or delete, or a visit edit, when the entry or visit was
    changed or deleted since its form was opened."""


class Web:
    """What the routes share: the store, the scoring session (one lock: the rule backends are
    not thread-safe) and the generated visit form."""

    def __init__(self, store: Store, api: Session) -> None:
        self.store = store
        self.api = api
        self.lock = threading.Lock()
        self._form: forms.VisitForm | None = None
        self._history_form: list[forms.Section] | None = None

    @property
    def form(self) -> forms.VisitForm:
        if self._form is None:
            with self.lock:
                self._form = forms.build_form(self.api.catalogue, self.api.domain_levels())
        return self._form

    @property
    def history_form(self) -> list[forms.Section]:
        """The sections of a history entry's form (the cumulative items)."""
        if self._history_form is None:
            with self.lock:
                self._history_form = forms.build_history_form(self.api.catalogue)
        return self._history_form

    def score(self, case: Mapping[str, Any], tid: str | None = None,
              options: Mapping[str, str] | None = None) -> dict[str, Any]:
        with self.lock:
            report = self.api.score(case, options, timepoints=[tid] if tid else None)
        data: dict[str, Any] = report.dump_json()
        return data

    def plots(self, case: Mapping[str, Any], options: Mapping[str, str] | None = None
              ) -> list[Any]:
        """The visit report's SVG plots of the patient's course (sicca.report.plots)."""
        from sicca.report.plots import timeline_plots

        with self.lock:
            return list(timeline_plots(self.api.visit_report(case, options)))

    def explain(self, case: Mapping[str, Any], tid: str,
                options: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return self.api.explain(case, tid, options=options).conclusions

    def options_of(self, patient: Patient) -> dict[str, str]:
        """The patient's options the rule pack still has (a choice a newer pack dropped is
        left out, so the option has its default)."""
        rows = {r.name: r for r in self.form.options}
        return {k: str(v) for k, v in (patient.options or {}).items()
                if k in rows and v in rows[k].choices and v != rows[k].default}

    def option_errors(self, options: Mapping[str, str]) -> dict[str, str]:
        """Each option the scoring session refuses, by form field, in the CLI's words."""
        errors: dict[str, str] = {}
        for k, v in options.items():
            try:
                with self.lock:
                    self.api.sicca.check_options({k: v})
            except InputError as exc:
                errors[f"o.{k}"] = "; ".join(forms.problem_text(p) for p in exc.problems)
        return errors

    def check(self, case: Mapping[str, Any]) -> None:
        with self.lock:
            self.api.case(case)


# ---- helpers ------------------------------------------------------------------------------


def _date_key(text: str) -> tuple[int, int, int]:
    try:
        return PartialDate.parse(text).key()
    except ValueError:
        return (9999, 99, 99)


def case_of(patient: Patient, replace: str | None = None,
            new: dict[str, Any] | None = None) -> tuple[dict[str, Any], int]:
    """The case file of a patient (timepoints by date); with ``new`` put in place of visit
    ``replace`` (or added). Returns the case and the index of ``new`` (-1 without one)."""
    case = dict(patient.case_data)
    tps = [v.data for v in patient.visits if v.tid != replace]
    if new is not None:
        tps.append(new)
    tps.sort(key=lambda t: _date_key(str(t.get("date", ""))))
    case["timepoints"] = tps
    index = next((i for i, t in enumerate(tps) if t is new), -1)
    return case, index


def fingerprint(entry: Any) -> str:
    """A short digest of a stored history entry: the form carries it, so a save or delete
    can tell that the entry it was opened on was changed meanwhile."""
    return hashlib.sha256(dumps_exact(entry).encode("utf-8")).hexdigest()[:20]


@dataclass
class HistoryRow:
    """One history entry as the patient page lists it: its place in the stored list, its
    fingerprint (for the delete button) and its items as ``name value`` lines."""

    index: int
    date: str
    label: str | None
    items: list[str]
    was: str


def history_rows(case: Mapping[str, Any], catalogue: Catalogue) -> list[HistoryRow]:
    """The patient's history entries by date (they are stored as entered, in any order)."""
    rows = []
    for i, entry in enumerate(case.get("history") or []):
        if not isinstance(entry, dict):
            continue
        items = [f"{name} {forms.summary(raw)}" for sec in forms.SECTIONS
                 for name, raw in forms.flatten(entry.get(sec) or {}, catalogue).items()]
        label = entry.get("label")
        rows.append(HistoryRow(i, str(entry.get("date", "")),
                               str(label) if label is not None else None, items,
                               fingerprint(entry)))
    rows.sort(key=lambda r: _date_key(r.date))
    return rows


def _pid_ok(pid: str) -> bool:
    return 0 < len(pid) <= 120 and all(c.isalnum() or c in "._-" for c in pid)


def create_app(db: str | Path = "sicca.db", *, engine: str = "durable",
               rules: list[str | Path] | None = None, secure_cookies: bool = True,
               api: Session | None = None) -> FastAPI:
    """The web app on database ``db`` (a SQLite path or a SQLAlchemy URL), migrated on
    creation."""
    store = Store(db)
    web = Web(store, api or Session(rules, engine))
    app = FastAPI(title="Sicca", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = web
    app.add_middleware(SessionMiddleware, secret_key=store.secret(),
                       session_cookie="sicca_session", max_age=12 * 3600, same_site="lax",
                       https_only=secure_cookies)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    templates.env.filters["tojson_pretty"] = lambda v: dumps_exact(v, indent=1)
    # instruments are named as the rule pack declares them (meta title), never by the app
    templates.env.globals["title"] = lambda ident: titles(web.api.sicca).get(ident, ident)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(IntegrityError)
    async def _clash(request: Request, _exc: IntegrityError) -> Response:
        """A record made at the same moment by another request (PostgreSQL's unique
        violation): nothing of this request was saved; say so instead of failing (500)."""
        return HTMLResponse(
            "<!doctype html><title>Conflict</title><h1>Saved by someone else meanwhile</h1>"
            "<p>The record you were creating was just created by another user; nothing of "
            "yours was saved. Go back, reload the page and check before saving again.</p>",
            status_code=409)

    # ---- session, user, CSRF ------------------------------------------------------------

    def csrf_token(request: Request) -> str:
        tok = request.session.get("csrf")
        if not tok:
            tok = new_token()
            request.session["csrf"] = tok
        return str(tok)

    def user_of(request: Request, s: DbSession) -> User:
        uid = request.session.get("uid")
        user = s.get(User, uid) if isinstance(uid, int) else None
        if user is None or request.session.get("pwh") != user.password_hash[-16:]:
            request.session.clear()
            raise LoginRequired()
        return user

    async def posted(request: Request) -> dict[str, Any]:
        """The submitted form, refused (403) without the session's CSRF token."""
        form = await request.form()
        sent = request.headers.get("X-CSRF-Token") or form.get("csrf")
        if not same_token(request.session.get("csrf"), sent if isinstance(sent, str) else None):
            raise HTTPException(403, "CSRF token missing or wrong: reload the page")
        return {k: v for k, v in form.multi_items()}

    def clinician(user: User) -> None:
        if user.role != "clinician":
            raise HTTPException(403, "readers cannot change records")

    def page(request: Request, name: str, user: User | None, status: int = 200,
             **ctx: Any) -> HTMLResponse:
        ctx.update(request=request, user=user, csrf=csrf_token(request))
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def audit(s: DbSession, user: User, action: str, patient: str | None,
              target: str | None, detail: dict[str, Any]) -> None:
        s.add(Audit(username=user.username, action=action, patient=patient, target=target,
                    detail=jsonable(detail)))

    def patient_of(s: DbSession, pid: str) -> Patient:
        p = s.scalar(select(Patient).where(Patient.pid == pid))
        if p is None:
            raise HTTPException(404, f"no patient '{pid}'")
        return p

    # ---- login --------------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html", None)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await posted(request)
        username = str(form.get("username", ""))
        with store.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            ok = verify_password(user.password_hash if user else None,
                                 str(form.get("password", "")))
            if not ok or user is None:
                return page(request, "login.html", None, 401,
                            error="Unknown user name or wrong password.", username=username)
            request.session.clear()
            request.session.update(uid=user.id, pwh=user.password_hash[-16:], csrf=new_token())
        return RedirectResponse("/patients", status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await posted(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # ---- patients -----------------------------------------------------------------------

    @app.get("/")
    def home() -> Response:
        return RedirectResponse("/patients", status_code=303)

    @app.get("/patients", response_class=HTMLResponse)
    def patients(request: Request, q: str = "") -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            stmt = select(Patient).order_by(Patient.pid)
            if q.strip():
                stmt = stmt.where(Patient.pid.ilike(f"%{q.strip()}%"))
            rows = []
            for p in s.scalars(stmt).all():
                dates = sorted((v.date for v in p.visits), key=_date_key)
                rows.append({"pid": p.pid, "sex": (p.case_data.get("patient") or {}).get("sex"),
                             "note": (p.case_data.get("patient") or {}).get("note"),
                             "visits": len(dates), "last": dates[-1] if dates else None})
            return page(request, "patients.html", user, patients=rows, q=q)

    @app.post("/patients")
    async def create_patient(request: Request) -> Response:
        form = await posted(request)
        pid = str(form.get("pid", "")).strip()
        info: dict[str, Any] = {"id": pid}
        for key in ("sex", "birth_year", "note"):
            v = str(form.get(key, "")).strip()
            if v:
                info[key] = int(v) if key == "birth_year" and v.isdigit() else v
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            error = None
            if not _pid_ok(pid):
                error = f"patient id: expected {_PID_OK}, found '{pid}'"
            elif s.scalar(select(Patient).where(Patient.pid == pid)) is not None:
                error = f"a patient '{pid}' exists already"
            else:
                try:  # the case file's patient block, checked by the case model
                    CasePatient.model_validate(info)
                except ValidationError as exc:
                    error = "; ".join(f"patient.{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                      for e in exc.errors())
            if error:
                rows = [{"pid": p.pid, "visits": len(p.visits)}
                        for p in s.scalars(select(Patient).order_by(Patient.pid)).all()]
                return page(request, "patients.html", user, 422, patients=rows, q="",
                            create_error=error, new=info)
            s.add(Patient(pid=pid, case_data={"sicca_case": 1, "patient": info}))
            audit(s, user, "patient.add", pid, None, {"after": info})
        return RedirectResponse(f"/patients/{pid}", status_code=303)

    def timeline_page(request: Request, s: DbSession, user: User, p: Patient,
                      status: int = 200, values: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None) -> HTMLResponse:
        case, _ = case_of(p)
        opts = web.options_of(p)
        report = web.score(case, None, opts) if case["timepoints"] else None
        history = s.scalars(select(Audit).where(Audit.patient == p.pid)
                            .order_by(Audit.at.desc(), Audit.id.desc()).limit(20)).all()
        plots = web.plots(case, opts) if case["timepoints"] else []
        return page(request, "timeline.html", user, status, patient=p, case=case,
                    report=report, plots=plots, audit=history, opts=opts, form=web.form,
                    history=history_rows(case, web.api.catalogue),
                    values=values or forms.form_from_options(opts, web.form.options),
                    errors=errors or {})

    @app.get("/patients/{pid}", response_class=HTMLResponse)
    def timeline(request: Request, pid: str) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            return timeline_page(request, s, user, patient_of(s, pid))

    @app.post("/patients/{pid}/options")
    async def set_options(request: Request, pid: str) -> Response:
        """The patient's judgement calls (every visit is scored with them), audited."""
        form = await posted(request)
        strs = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        opts = forms.options_from_form(strs, web.form.options)
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            p = patient_of(s, pid)
            errors = web.option_errors(opts)
            if errors:
                return timeline_page(request, s, user, p, 422, strs, errors)
            store_options(s, user, p, opts)
        return RedirectResponse(f"/patients/{pid}", status_code=303)

    def store_options(s: DbSession, user: User, p: Patient, opts: dict[str, str]) -> None:
        before = web.options_of(p)
        if opts != before:
            p.options = dict(opts)
            p.updated_at = utcnow()
            audit(s, user, "patient.options", p.pid, None, {"before": before, "after": opts})

    # ---- history entries ----------------------------------------------------------------
    # The case file's ``history:`` (tests and findings recorded before or between visits),
    # stored in the patient's case data as the case file holds it. An entry is known by its
    # place in that list and the fingerprint of what the form was opened on: an entry changed
    # or deleted meanwhile is refused (409), never overwritten.

    def history_page(request: Request, user: User, p: Patient, values: dict[str, str],
                     original: int | None, was: str, status: int = 200,
                     errors: dict[str, str] | None = None, general: list[str] | None = None,
                     conflict: str | None = None) -> HTMLResponse:
        return page(request, "history_form.html", user, status, patient=p,
                    sections=web.history_form, values=values,
                    original="" if original is None else str(original), was=was,
                    errors=errors or {}, general=general or [], conflict=conflict)

    def entry_at(p: Patient, n: int) -> dict[str, Any] | None:
        hist = (p.case_data or {}).get("history") or []
        return hist[n] if 0 <= n < len(hist) and isinstance(hist[n], dict) else None

    @app.get("/patients/{pid}/history/new", response_class=HTMLResponse)
    def new_entry(request: Request, pid: str) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            return history_page(request, user, patient_of(s, pid), {}, None, "")

    @app.get("/patients/{pid}/history/{n}/edit", response_class=HTMLResponse)
    def edit_entry(request: Request, pid: str, n: int) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            p = patient_of(s, pid)
            entry = entry_at(p, n)
            if entry is None:
                raise HTTPException(404, f"no history entry {n}")
            return history_page(request, user, p,
                                forms.form_from_entry(entry, web.api.catalogue), n,
                                fingerprint(entry))

    def validate_entry(p: Patient, entry: dict[str, Any], original: int | None
                       ) -> tuple[dict[str, str], list[str]]:
        """Errors of ``entry`` (put in place of entry ``original``, or added) by field, and
        those without one, from the case parser that reads case files."""
        case, _ = case_of(p)
        hist = list(case.get("history") or [])
        if original is None:
            hist.append(entry)
            index = len(hist) - 1
        else:
            hist[original] = entry
            index = original
        case["history"] = hist
        if not case["timepoints"]:  # a case file needs a visit; the entry is checked alone
            case["timepoints"] = [{"id": "check", "date": entry.get("date") or "9999-12"}]
        problems: list[Problem] = []
        if not entry.get("date"):
            problems.append(Problem("a history entry needs a date",
                                    field=f"history[{index}].date",
                                    expected="YYYY-MM or YYYY-MM-DD"))
        else:
            try:
                web.check(case)
            except InputError as exc:
                problems = exc.problems
        errors: dict[str, str] = {}
        general: list[str] = []
        for prob in problems:
            where = prob.field or ""
            if not (where == f"history[{index}]" or where.startswith(f"history[{index}].")
                    or where.startswith(f"history[{index}][")):
                continue  # another record's (it was saved before): not this entry's to fix
            name = forms.history_field_of(prob, index, web.api.catalogue)
            text = forms.problem_text(prob)
            if name and name not in errors:
                errors[name] = text
            else:
                general.append(text)
        return errors, general

    def history_conflict(request: Request, pid: str, form: dict[str, Any],
                         original: int | None, was: str) -> HTMLResponse:
        """409: the entry was changed or deleted meanwhile; the form comes back as typed."""
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            who = last_change(s, p, ("history.update", "history.delete"))
            who = f" ({who})" if who else ""
            text = (f"This history entry of {p.pid} was changed or deleted since you opened "
                    f"it{who}: nothing of yours was saved. Your entries are kept below: "
                    f"reload the patient's page to see the history as it is now.")
            values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            return history_page(request, user, p, values, original, was, 409, {}, [], text)

    def locked_patient(s: DbSession, pid: str) -> Patient:
        """The patient, its row locked until commit (PostgreSQL; SQLite's writers are
        serialised already): two history saves never overwrite each other's entries."""
        p = s.scalar(select(Patient).where(Patient.pid == pid).with_for_update())
        if p is None:
            raise HTTPException(404, f"no patient '{pid}'")
        return p

    @app.post("/patients/{pid}/history")
    async def save_entry(request: Request, pid: str) -> Response:
        form = await posted(request)
        strs = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        raw_original = strs.get("original", "").strip()
        original = int(raw_original) if raw_original.isdigit() else None
        was = strs.get("was", "")
        try:
            with store.session() as s:
                user = user_of(request, s)
                clinician(user)
                p = locked_patient(s, pid)
                before = entry_at(p, original) if original is not None else None
                if original is not None and (before is None or fingerprint(before) != was):
                    raise _Changed()
                entry = forms.entry_from_form(strs, web.api.catalogue, before)
                errors, general = validate_entry(p, entry, original)
                if errors or general:
                    return history_page(request, user, p, strs, original, was, 422, errors,
                                        general)
                data = dict(p.case_data)
                hist = list(data.get("history") or [])
                if original is None:
                    hist.append(jsonable(entry))
                else:
                    hist[original] = jsonable(entry)
                data["history"] = hist
                p.case_data = data
                p.updated_at = utcnow()
                audit(s, user, "history.update" if before else "history.add", pid,
                      _entry_name(entry), {"before": before, "after": entry})
        except _Changed:
            return history_conflict(request, pid, form, original, was)
        return RedirectResponse(f"/patients/{pid}#history", status_code=303)

    @app.post("/patients/{pid}/history/{n}/delete")
    async def delete_entry(request: Request, pid: str, n: int) -> Response:
        form = await posted(request)
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            p = locked_patient(s, pid)
            before = entry_at(p, n)
            if before is None or fingerprint(before) != str(form.get("was", "")):
                return HTMLResponse(
                    "<!doctype html><title>Conflict</title><h1>Changed by someone else "
                    "meanwhile</h1><p>This history entry was changed or deleted since the "
                    "page was loaded; nothing was deleted. Go back and reload the page.</p>",
                    status_code=409)
            data = dict(p.case_data)
            hist = list(data.get("history") or [])
            del hist[n]
            if hist:
                data["history"] = hist
            else:
                data.pop("history", None)
            p.case_data = data
            p.updated_at = utcnow()
            audit(s, user, "history.delete", pid, _entry_name(before),
                  {"before": before, "after": None})
        return RedirectResponse(f"/patients/{pid}#history", status_code=303)

    # ---- visits -------------------------------------------------------------------------

    def visit_page(request: Request, user: User, p: Patient, values: dict[str, str],
                   original: str | None, status: int = 200,
                   errors: dict[str, str] | None = None,
                   general: list[str] | None = None, conflict: str | None = None
                   ) -> HTMLResponse:
        """The visit form; ``values`` may carry ``was``, the fingerprint of the stored visit an
        edit was opened on, which the form sends back with the save."""
        if not any(k.startswith("o.") for k in values):
            values = {**forms.form_from_options(web.options_of(p), web.form.options), **values}
        return page(request, "visit_form.html", user, status, patient=p, form=web.form,
                    values=values, original=original or "", errors=errors or {},
                    general=general or [], conflict=conflict, was=values.get("was", ""))

    @app.get("/patients/{pid}/visits/new", response_class=HTMLResponse)
    def new_visit(request: Request, pid: str) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            p = patient_of(s, pid)
            values = {"v.id": "baseline" if not p.visits else f"v{len(p.visits) + 1}"}
            for v in p.visits:  # the last reference range of each analyte, as a default
                for entry in v.data.get("labs") or []:
                    a = web.api.catalogue.analytes.resolve(str(entry.get("analyte", "")))
                    if a is not None and entry.get("reference"):
                        values[f"lab.{a.key}.reference"] = str(entry["reference"])
            return visit_page(request, user, p, values, None)

    @app.get("/patients/{pid}/visits/{tid}/edit", response_class=HTMLResponse)
    def edit_visit(request: Request, pid: str, tid: str) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            p = patient_of(s, pid)
            v = next((v for v in p.visits if v.tid == tid), None)
            if v is None:
                raise HTTPException(404, f"no visit '{tid}'")
            values = {**forms.form_from_timepoint(v.data, web.api.catalogue),
                      "was": fingerprint(v.data)}
            return visit_page(request, user, p, values, tid)

    def validate(p: Patient, form: dict[str, Any], original: str | None
                 ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], list[str]]:
        """The edited case, the new timepoint, errors by field, errors without a field."""
        old = next((v.data for v in p.visits if v.tid == original), None) if original else None
        strs = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        tp = forms.timepoint_from_form(strs, web.api.catalogue, old)
        case, index = case_of(p, original, tp)
        errors: dict[str, str] = {}
        general: list[str] = []
        problems: list[Problem] = []
        if not tp.get("id"):
            problems.append(Problem("a visit needs an id", field=f"timepoints[{index}].id",
                                    expected="a short name such as baseline or m6"))
        elif any(v.tid == tp["id"] for v in p.visits if v.tid != original):
            problems.append(Problem(f"a visit '{tp['id']}' exists already",
                                    field=f"timepoints[{index}].id",
                                    expected="an id no other visit of this patient has"))
        if not tp.get("date"):
            problems.append(Problem("a visit needs a date", field=f"timepoints[{index}].date",
                                    expected="YYYY-MM or YYYY-MM-DD"))
        if not problems:
            try:
                web.check(case)
            except InputError as exc:
                problems = exc.problems
        for prob in problems:
            name = forms.field_of(prob, tp, index, web.api.catalogue)
            text = forms.problem_text(prob)
            if name and name not in errors:
                errors[name] = text
            else:
                general.append(text)
        for name, text in web.option_errors(forms.options_from_form(strs, web.form.options)
                                            ).items():
            errors.setdefault(name, text)
        return case, tp, errors, general

    def last_change(s: DbSession, p: Patient, actions: tuple[str, ...],
                    matches: Callable[[Audit], bool] = lambda _a: True) -> str:
        """``by <user>, <time> UTC`` of the latest of ``p``'s audit entries of ``actions``
        that ``matches`` (among its last 50), or '' if none: who changed it meanwhile."""
        for a in s.scalars(select(Audit).where(Audit.patient == p.pid,
                                               Audit.action.in_(actions))
                           .order_by(Audit.at.desc(), Audit.id.desc()).limit(50)):
            if matches(a):
                return f"by {a.username}, {a.at:%Y-%m-%d %H:%M:%S} UTC"
        return ""

    def conflict_text(s: DbSession, p: Patient, tid: str) -> str:
        """Who saved visit ``tid`` of ``p``, and when, from the audit log."""
        who = last_change(s, p, ("visit.add", "visit.update"), lambda a: a.target == tid)
        who = f" (saved {who})" if who else ""
        return (f"A visit '{tid}' of {p.pid} exists already{who}, perhaps saved while you "
                f"were entering this one: nothing of yours was saved. Your entries are kept "
                f"below: give the visit another id to save it as a new visit, or reload the "
                f"saved visit and edit it there.")

    def visit_conflict(request: Request, pid: str, tid: str,
                       form: dict[str, Any], original: str | None) -> HTMLResponse:
        """409: the visit id was taken meanwhile; the form comes back as it was typed."""
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            return visit_page(request, user, p, values, original, 409,
                              {"v.id": f"a visit '{tid}' exists already"}, [],
                              conflict_text(s, p, tid))

    def edit_conflict(request: Request, pid: str, original: str,
                      form: dict[str, Any]) -> HTMLResponse:
        """409: the visit being edited was changed or renamed since its form was opened;
        nothing is saved and the form comes back as it was typed."""
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            # the latest update of that visit, also when it was saved under a new id
            who = last_change(s, p, ("visit.update",), lambda a: a.target == original or (
                (a.detail or {}).get("before") or {}).get("id") == original)
            who = f" ({who})" if who else ""
            text = (f"Visit '{original}' of {p.pid} was changed or renamed since you opened "
                    f"it{who}: nothing of yours was saved. Your entries are kept below: open "
                    f"the visit again to see it as it is now, and make your change there.")
            values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            return visit_page(request, user, p, values, original, 409, {}, [], text)

    @app.post("/patients/{pid}/visits")
    async def save_visit(request: Request, pid: str) -> Response:
        form = await posted(request)
        original = str(form.get("original") or "") or None
        typed = str(form.get("v.id") or "").strip()
        was = str(form.get("was") or "")
        try:
            with store.session() as s:
                user = user_of(request, s)
                clinician(user)
                # an edit locks the patient's row (PostgreSQL; SQLite serialises writers) so
                # that two edits of one visit cannot both pass the check below
                p = locked_patient(s, pid) if original else patient_of(s, pid)
                if original:
                    opened = next((v for v in p.visits if v.tid == original), None)
                    if opened is None or fingerprint(opened.data) != was:
                        raise _Changed()  # an edit never overwrites what it did not see
                if typed and typed != original and any(v.tid == typed for v in p.visits):
                    raise _Taken()  # since the form was opened (SQLite: by a writer we waited for)
                case, tp, errors, general = validate(p, form, original)
                tid = str(tp.get("id", ""))
                if errors or general:
                    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
                    return visit_page(request, user, p, values, original, 422, errors,
                                      general)
                old = next((v for v in p.visits if v.tid == original), None) \
                    if original else None
                before = old.data if old else None
                if old is None:
                    p.visits.append(Visit(tid=tid, date=str(tp["date"]), data=jsonable(tp)))
                else:
                    old.tid, old.date, old.data, old.updated_at = (tid, str(tp["date"]),
                                                                   jsonable(tp), utcnow())
                p.updated_at = utcnow()
                audit(s, user, "visit.update" if old else "visit.add", pid, tid,
                      {"before": before, "after": tp})
                store_options(s, user, p, forms.options_from_form(
                    {k: str(v) for k, v in form.items() if isinstance(v, str)},
                    web.form.options))
        except _Changed:
            assert original is not None
            return edit_conflict(request, pid, original, form)
        except (_Taken, IntegrityError):
            # PostgreSQL: another request inserted the same (patient, visit id) after we read
            # the patient (a unique violation). Our transaction is rolled back, its audit
            # entry with it; the answer is the same as when the clash is seen first.
            return visit_conflict(request, pid, typed, form, original)
        return RedirectResponse(f"/patients/{pid}/visits/{tid}", status_code=303)

    @app.post("/patients/{pid}/visits/preview", response_class=HTMLResponse)
    async def preview(request: Request, pid: str) -> HTMLResponse:
        """The live score of the form as typed (nothing is saved): a what-if on the visit."""
        form = await posted(request)
        original = str(form.get("original") or "") or None
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            case, tp, errors, general = validate(p, form, original)
        strs = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        opts = forms.options_from_form(strs, web.form.options)
        result = why = None
        waiting = None
        if not tp.get("date") or not tp.get("id"):  # a new form: nothing to score yet
            waiting = "Enter the visit's id and date to see its score."
            errors = {k: v for k, v in errors.items() if k not in ("v.id", "v.date")}
        elif not errors and not general:
            try:
                result = web.score(case, str(tp["id"]), opts)["timepoints"][0]
                why = web.explain(case, str(tp["id"]), opts)
            except SiccaError as exc:
                general = [forms.problem_text(pr) for pr in exc.problems]
        return page(request, "_score.html", user, tp=result, why=why, errors=errors,
                    general=general, live=True, waiting=waiting, opts=opts)

    @app.get("/patients/{pid}/visits/{tid}", response_class=HTMLResponse)
    def visit(request: Request, pid: str, tid: str) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            if not any(v.tid == tid for v in p.visits):
                raise HTTPException(404, f"no visit '{tid}'")
            case, _ = case_of(p)
            opts = web.options_of(p)
            result = web.score(case, tid, opts)["timepoints"][0]
            why = web.explain(case, tid, opts)
            return page(request, "visit.html", user, patient=p, tid=tid, tp=result, why=why,
                        errors={}, general=[], whatif=None, sets="", opts=opts)

    @app.post("/patients/{pid}/visits/{tid}/whatif", response_class=HTMLResponse)
    async def what_if(request: Request, pid: str, tid: str) -> HTMLResponse:
        """Hypothetical results on a saved visit, scored without saving them."""
        form = await posted(request)
        sets = str(form.get("set", ""))
        with store.session() as s:
            user = user_of(request, s)
            p = patient_of(s, pid)
            case, _ = case_of(p)
            opts = web.options_of(p)
        pairs: dict[str, str] = {}
        error = None
        for line in sets.replace(",", "\n").splitlines():
            if line.strip():
                k, eq, v = line.partition("=")
                if not eq:
                    error = f"'{line.strip()}': expected ITEM=VALUE, e.g. anti_ssa=positive"
                    break
                pairs[k.strip()] = v.strip()
        result = None
        if not error and pairs:
            try:
                with web.lock:
                    wi = web.api.what_if(case, set=pairs, timepoints=[tid], options=opts)
                result = {"criteria": wi.timepoints[0].get("criteria", {}),
                          "before": wi.before["timepoints"][0],
                          "after": wi.after["timepoints"][0],
                          "set": [h.as_dict()["set"] for h in wi.hypothetical]}
            except SiccaError as exc:
                error = "; ".join(forms.problem_text(pr) for pr in exc.problems)
        return page(request, "_whatif.html", user, whatif=result, error=error, sets=sets)

    # ---- import / export ----------------------------------------------------------------

    @app.get("/patients/{pid}/export.{fmt}")
    def export(request: Request, pid: str, fmt: str) -> Response:
        with store.session() as s:
            user_of(request, s)
            p = patient_of(s, pid)
            case, _ = case_of(p)
            opts = web.options_of(p)
        if fmt == "yaml":  # numbers with the digits they were entered with (241.00)
            from sicca.records.fhir import case_yaml

            return Response(case_yaml(case), media_type="application/yaml",
                            headers=_attach(pid, "yaml"))
        if fmt == "json":
            return Response(dumps_exact(case, indent=2), media_type="application/json",
                            headers=_attach(pid, "json"))
        if fmt == "fhir.json":
            from sicca.records.fhir import dumps_bundle

            with web.lock:
                bundle = web.api.fhir_bundle(case, opts)
            return Response(dumps_bundle(bundle), media_type="application/fhir+json",
                            headers=_attach(pid, "fhir.json"))
        if fmt == "html" and case["timepoints"]:
            with web.lock:
                html = web.api.report_html(case, opts)
            return Response(html, media_type="text/html", headers=_attach(pid, "html"))
        if fmt == "pdf" and case["timepoints"]:
            with web.lock:
                pdf = web.api.report_pdf(case, opts)
            return Response(pdf, media_type="application/pdf", headers=_attach(pid, "pdf"))
        raise HTTPException(404, f"no export format '{fmt}'")

    @app.post("/import")
    async def import_case(request: Request) -> Response:
        form = await request.form()
        if not same_token(request.session.get("csrf"), str(form.get("csrf") or "")):
            raise HTTPException(403, "CSRF token missing or wrong: reload the page")
        upload = form.get("file")
        with store.session() as s:
            user = user_of(request, s)
            clinician(user)
            error = None
            pid = ""
            if not isinstance(upload, UploadFile) and not hasattr(upload, "read"):
                error = "choose a case file (YAML or JSON) or a FHIR Bundle (JSON)"
            else:
                name = str(getattr(upload, "filename", "") or "upload.yaml")
                raw = await upload.read()  # type: ignore[union-attr]
                try:
                    case = _read_case(web, raw, name)
                    pid = str((case.get("patient") or {}).get("id", ""))
                    if not _pid_ok(pid):
                        error = f"patient id: expected {_PID_OK}, found '{pid}'"
                    elif s.scalar(select(Patient).where(Patient.pid == pid)) is not None:
                        error = f"a patient '{pid}' exists already; nothing imported"
                except SiccaError as exc:
                    error = "\n".join(pr.render() for pr in exc.problems)
            if error:
                rows = [{"pid": p.pid, "visits": len(p.visits)}
                        for p in s.scalars(select(Patient).order_by(Patient.pid)).all()]
                return page(request, "patients.html", user, 422, patients=rows, q="",
                            import_error=error)
            tps = case.pop("timepoints", None) or []
            p = Patient(pid=pid, case_data=case)
            for tp in tps:
                p.visits.append(Visit(tid=str(tp["id"]), date=str(tp["date"]), data=tp))
            s.add(p)
            audit(s, user, "patient.import", pid, name, {"after": {**case, "timepoints": tps}})
        return RedirectResponse(f"/patients/{pid}", status_code=303)

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request) -> HTMLResponse:
        with store.session() as s:
            user = user_of(request, s)
            rows = s.scalars(select(Audit).order_by(Audit.at.desc(), Audit.id.desc())
                             .limit(200)).all()
            total = s.scalar(select(func.count(Audit.id)))
            return page(request, "audit.html", user, rows=rows, total=total)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _entry_name(entry: Mapping[str, Any]) -> str:
    """A history entry as the audit log names it: its date and label."""
    label = entry.get("label")
    return f"history {entry.get('date', '')}{f' {label}' if label else ''}"[:120]


def _attach(pid: str, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{pid}.{ext}"'}


class _ExactLoader(yaml.SafeLoader):
    """YAML whose numbers with a fraction are Decimals of the digits written."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(node.value)
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:  # .nan, .inf, 1:30: the located reading has refused these
        return loader.construct_yaml_float(node)  # type: ignore[arg-type]


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _exact_reading(text: str) -> Any:
    """The file read again keeping its numbers' digits (JSON is YAML), or None."""
    try:
        return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError, RecursionError):
        return None


def _exact_numbers(data: Any, exact: Any) -> Any:
    """``data`` (the checked, located reading) with each float replaced by the Decimal the
    exact reading has at the same place when they are the same number (241.00, not 241.0)."""
    if isinstance(data, float) and isinstance(exact, Decimal):
        return exact if float(exact) == data else data
    if isinstance(data, dict) and isinstance(exact, dict):
        return {k: _exact_numbers(v, exact.get(k)) for k, v in data.items()}
    if isinstance(data, list) and isinstance(exact, list) and len(data) == len(exact):
        return [_exact_numbers(v, e) for v, e in zip(data, exact, strict=True)]
    return data


def _read_case(web: Web, raw: bytes, name: str) -> dict[str, Any]:
    """A case mapping from an uploaded case file or FHIR Bundle, checked by the case parser."""
    from sicca.base.yamlsrc import parse_text

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Problem("the file is not UTF-8 text", file=name)) from None
    src = parse_text(text, name if name.endswith((".json", ".yaml", ".yml")) else name + ".yaml")
    data = src.data
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        with web.lock:
            data = web.api.case_from_fhir(data, name)
    if not isinstance(data, dict):
        raise InputError(Problem("a case file is a mapping", file=name,
                                 expected="sicca_case: 1, patient, timepoints"))
    if data is src.data:
        with web.lock:  # located errors (file:line), as `sicca score` shows them
            parse_case(src, web.api.catalogue)
        return dict(jsonable(_exact_numbers(data, _exact_reading(text))))
    case: dict[str, Any] = jsonable(data)
    with web.lock:
        web.api.case(case)
    return case
