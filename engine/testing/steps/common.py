"""Steps and fixtures shared by every feature: one compiled Sicca per engine per session.

Fixtures (any scenario may ask for them):

- ``sicca_rules``: the rule packs of this run (``--sicca-rules DIR`` / ini ``sicca_rules``),
  loaded beside the bundled rules; an empty list runs the bundled rules alone.
- ``siccas``: the compiled rules on every backend (durable, native), packs included.
- ``sicca_root``: the folder case-file paths in steps are read from (pytest's rootdir).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from sicca.running.evaluate import ENGINES, Sicca
from sicca.testing.plugin import RULES_KEY


@functools.cache
def sicca_for(engine: str, rules: tuple[Path, ...] = ()) -> Sicca:
    """One compiled Sicca per engine and rule packs for the whole session (compiling is the
    slow part; the API's disk cache keeps it from one run to the next)."""
    from sicca.api import load

    packs: list[str | Path] = list(rules)
    return load(packs, engine).sicca


@pytest.fixture(scope="session")
def sicca_rules(pytestconfig: pytest.Config) -> list[Path]:
    """The rule packs loaded beside the bundled rules (``--sicca-rules``, ini ``sicca_rules``)."""
    packs: list[Path] = pytestconfig.stash.get(RULES_KEY, [])
    return list(packs)


@pytest.fixture(scope="session")
def siccas(sicca_rules: list[Path]) -> dict[str, Sicca]:
    """Every backend: scenarios run on each and must agree."""
    return {e: sicca_for(e, tuple(sicca_rules)) for e in ENGINES}


@pytest.fixture(scope="session")
def sicca_root(pytestconfig: pytest.Config) -> Path:
    """Case-file paths written in steps (``the case "examples/x.yaml" is scored``) are
    relative to pytest's rootdir."""
    return Path(pytestconfig.rootpath)


#: libyaml's emitter where installed (every scenario writes its case file: the pure-Python
#: emitter was ~5 % of a feature run)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def case_text(case: dict[str, Any]) -> str:
    """A scenario's case record as the YAML case file it stands for."""
    return yaml.dump(case, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)


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
