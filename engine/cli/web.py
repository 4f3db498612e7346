"""`sicca serve` (the clinic web app) and `sicca users add` (its local accounts)."""

from __future__ import annotations

import getpass
import os
from enum import StrEnum
from pathlib import Path

import typer

from sicca.base.errors import InputError, Problem
from sicca.cli.app import _HELP, app
from sicca.cli.common import EngineOpt, RulesOpt

users_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                        help="Local accounts of the web app (`sicca serve`).")
app.add_typer(users_app, name="users")

DbOpt = typer.Option("sicca.db", "--db", help="a SQLite file (made on first use) or a "
                     "SQLAlchemy URL such as postgresql+psycopg://user@host/db")


class Role(StrEnum):
    clinician = "clinician"
    reader = "reader"


@users_app.command("add")
def users_add(username: str = typer.Argument(..., help="the login name"),
              role: Role = typer.Option(Role.clinician, "--role",
                                        help="clinician (edits) or reader (only reads)"),
              db: str = DbOpt,
              password_env: str = typer.Option(
                  "", "--password-env", help="read the password from this environment "
                  "variable instead of asking (for scripts)")) -> None:
    """Create a local account (or reset its password and role). The password is asked for
    twice and stored as an argon2 hash."""
    from sicca.web.store import Store

    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise InputError(Problem(f"environment variable {password_env} is empty or unset",
                                     field="--password-env", code="E160"))
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise InputError(Problem("the two passwords differ", field="password",
                                     code="E160"))
    if len(password) < 8:
        raise InputError(Problem("the password is too short", field="password", code="E160",
                                 expected="at least 8 characters"))
    store = Store(db)
    try:
        store.add_user(username, password, role.value)
    finally:
        store.dispose()
    typer.echo(f"user '{username}' ({role.value}) saved in {store.url.split('@')[-1]}")


@app.command("serve")
def serve(db: str = DbOpt,
          host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
          port: int = typer.Option(8000, "--port", help="port to listen on"),
          engine: str = EngineOpt, rules: list[Path] = RulesOpt,
          insecure_cookies: bool = typer.Option(
              False, "--insecure-cookies", help="send the session cookie over plain HTTP "
              "too (only for a test machine; browsers accept Secure cookies on localhost)"),
          ) -> None:
    """Run the clinic web app: patients, visit forms scored as you type, audit log.
    The SQLite file is made (and migrated) on start; create an account with `sicca users add`."""
    import uvicorn

    from sicca.api.session import check_engine
    from sicca.web.app import create_app

    check_engine(engine)
    application = create_app(db, engine=engine, rules=list(rules or []),
                             secure_cookies=not insecure_cookies)
    typer.echo(f"Sicca clinic on http://{host}:{port}/ (database {db.split('@')[-1]})")
    uvicorn.run(application, host=host, port=port, log_level="warning")
