"""Alembic environment: run on the connection sicca.web.store.migrate hands over."""

from __future__ import annotations

from alembic import context

from sicca.web.store import Base

_conn = context.config.attributes.get("connection")
if _conn is None:  # pragma: no cover - `alembic` run by hand needs a URL in its own config
    raise RuntimeError("run migrations through sicca.web.store.migrate")
context.configure(connection=_conn, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
