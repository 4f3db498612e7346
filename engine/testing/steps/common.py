"""Steps and fixtures shared by every feature: one compiled Sicca per engine per session."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from sicca.running.evaluate import ENGINES, Sicca


@functools.cache
def sicca_for(engine: str) -> Sicca:
    """One compiled Sicca per engine for the whole session (compiling is the slow part)."""
    return Sicca.load(engine=engine)


@pytest.fixture(scope="session")
def siccas() -> dict[str, Sicca]:
    """Every backend: scenarios run on each and must agree."""
    return {e: sicca_for(e) for e in ENGINES}


def merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    """Deep-merge a step's case-file fragment into the record being built."""
    for k, v in data.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = v


def flow(text: str) -> dict[str, Any]:
    """A step's inline YAML mapping, braces optional: `cutaneous: {purpura: present}`."""
    text = text.strip()
    data = yaml.safe_load(text if text.startswith("{") else "{" + text + "}")
    assert isinstance(data, dict), f"not a mapping: {text!r}"
    return data
