"""Steps and fixtures shared by every feature: one compiled Sicca per engine per session."""

from __future__ import annotations

import functools

import pytest

from engine.evaluate import ENGINES, Sicca


@functools.cache
def sicca_for(engine: str) -> Sicca:
    """One compiled Sicca per engine for the whole session (compiling is the slow part)."""
    return Sicca.load(engine=engine)


@pytest.fixture(scope="session")
def siccas() -> dict[str, Sicca]:
    """Every backend: scenarios run on each and must agree."""
    return {e: sicca_for(e) for e in ENGINES}
