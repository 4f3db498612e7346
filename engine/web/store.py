"""The web app's database: users, patients (a case file without its timepoints), visits (one
timepoint each, as the case file holds it) and the audit log. SQLAlchemy 2; the schema is made
by the Alembic migrations shipped in ``sicca/web/migrations`` and run at start-up.

Numbers keep the digits they were written with: the JSON columns are written and read by
:func:`dumps_exact` / :func:`loads_exact`, so ``241.00`` is stored as the JSON number
``241.00`` and read back as ``Decimal('241.00')`` (not the float ``241.0``); a visit read back
is the visit entered, and its export is too.

SQLite (the default, a file) runs in WAL mode with ``synchronous=FULL`` and every transaction
``BEGIN IMMEDIATE``: a committed visit survives a killed server, and concurrent writers wait
for each other (busy timeout) instead of failing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from sicca.base.jsonenc import dumps_exact, loads_exact

ROLES = ("clinician", "reader")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Patient(Base):
    """One case file without its ``timepoints``: sicca_case, patient, treatments, history."""

    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pid: Mapped[str] = mapped_column(String(120), unique=True)
    case_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the judgement calls (rule-pack options, ``sicca options``) every visit of the patient is
    #: scored with, by name; an option not named here has its default
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    visits: Mapped[list[Visit]] = relationship(back_populates="patient",
                                               cascade="all, delete-orphan")


class Visit(Base):
    """One timepoint of a case file, stored as the file holds it (``data``)."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("patient_id", "tid"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"),
                                            index=True)
    tid: Mapped[str] = mapped_column(String(120))
    date: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    patient: Mapped[Patient] = relationship(back_populates="visits")


class Audit(Base):
    """Who changed what, when: ``detail`` holds the record before and after."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    patient: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    target: Mapped[str | None] = mapped_column(String(120), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def db_url(db: str | Path) -> str:
    """A SQLAlchemy URL: ``db`` as given when it has a scheme, else a SQLite file path."""
    text = str(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


# json.dumps writes the marker's NUL as \u0000, which no text can produce unescaped.


def make_engine(url: str) -> Engine:
    """An engine; SQLite in WAL mode, FULL sync, immediate transactions, 30 s busy wait.
    JSON columns keep the digits of every number (:func:`dumps_exact`)."""
    exact: dict[str, Any] = {"json_serializer": dumps_exact, "json_deserializer": loads_exact}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **exact)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **exact)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates every table on a new database).
    On SQLite foreign keys are off while migrating: a batch migration copies a table and
    drops the old one, which would otherwise delete every row that cascades from it."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:  # a table a migration copies and drops must not cascade (SQLite
            raw.execute("PRAGMA foreign_keys=OFF")  # ignores this inside a transaction)
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


class Store:
    """The database of one app: an engine, its sessions and the app's secret."""

    def __init__(self, db: str | Path, *, migrate_now: bool = True) -> None:
        self.url = db_url(db)
        self.engine = make_engine(self.url)
        if migrate_now:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as s, s.begin():
            yield s

    def secret(self) -> str:
        """The key that signs session cookies: made once, kept in the database."""
        with self.session() as s:
            row = s.get(Setting, "session_secret")
            if row is None:
                row = Setting(key="session_secret", value=secrets.token_urlsafe(48))
                s.add(row)
            return row.value

    def add_user(self, username: str, password: str, role: str) -> None:
        """Create or replace a local account (the password is stored as an argon2 hash)."""
        from sicca.web.auth import hash_password

        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not '{role}'")
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            action = "user.update" if user else "user.add"
            if user is None:
                user = User(username=username, password_hash="", role=role)
                s.add(user)
            user.password_hash = hash_password(password)
            user.role = role
            s.add(Audit(username="(command line)", action=action, target=username,
                        detail={"role": role}))

    def dispose(self) -> None:
        self.engine.dispose()


def jsonable(value: Any) -> Any:
    """Case data as the JSON columns hold it: dates as text, tuples as lists; Decimals stay
    Decimals (written with their digits by :func:`dumps_exact`), ints stay ints."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
