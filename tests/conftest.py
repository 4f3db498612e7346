"""The one step library: every step module under tests/steps is imported here."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest as _pytest

from tests.steps.activity import *  # noqa: F401,F403
from tests.steps.common import *  # noqa: F401,F403
from tests.steps.criteria import *  # noqa: F401,F403
from tests.steps.labs import *  # noqa: F401,F403

# The disk cache of parsed rule files (sicca.base.diskcache) goes to a directory of this test
# run, never the user's cache; subprocesses started by the tests inherit it.
_CACHE = tempfile.mkdtemp(prefix="sicca-test-cache-")
os.environ["SICCA_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

# --- rule coverage (issue 5, part 9) ---------------------------------------------------------
# Every rule of these rule directories must be fired by some scenario when the whole feature
# suite runs; uncovered rule ids are listed and fail the session. Shared by the rule sets'
# authors: add a directory here when its rules get their features.

COVERED_RULE_DIRS = ("essdai", "esspri", "criteria")
_FIRED: set[str] = set()
_FEATURES_RUN: set[str] = set()


def _observe(ev: object) -> None:
    _FIRED.update(ev.fired_rules())  # type: ignore[attr-defined]


def pytest_configure(config: _pytest.Config) -> None:
    from sicca.running.evaluate import Sicca

    if _observe not in Sicca.observers:
        Sicca.observers.append(_observe)


def pytest_collection_modifyitems(items: list[_pytest.Item]) -> None:
    from pytest_bdd.scenario import scenario_wrapper_template_registry as registry

    for item in items:
        sc = registry.get(getattr(item, "obj", None))  # type: ignore[arg-type]
        if sc is not None:
            _FEATURES_RUN.add(str(Path(sc.feature.filename).resolve()))


def uncovered_rules() -> list[str] | None:
    """Rule ids of COVERED_RULE_DIRS no scenario fired; None unless every feature was collected."""
    from sicca.base.errors import Problems
    from sicca.base.paths import RULES_DIR
    from sicca.language.loader import load_rule_files

    root = Path(__file__).resolve().parents[1]
    features = {str(p.resolve()) for p in (root / "features").rglob("*.feature")}
    if not features or not features <= _FEATURES_RUN:
        return None
    files = load_rule_files([RULES_DIR], Problems())
    ids = [r.id for f in files if f.rel.split("/")[0] in COVERED_RULE_DIRS for r in f.rules]
    return sorted(set(ids) - _FIRED)


def pytest_sessionfinish(session: _pytest.Session, exitstatus: int) -> None:
    missing = uncovered_rules()
    if missing:
        rep = session.config.pluginmanager.get_plugin("terminalreporter")
        text = f"{len(missing)} rule(s) fired by no scenario:\n  " + "\n  ".join(missing)
        if rep is not None:
            rep.ensure_newline()
            rep.write_sep("=", "rule coverage")
            rep.write_line(text)
        else:
            print(text)
        session.exitstatus = 1

# --- fuzzing profiles (issue 12; tests/unit/test_fuzz.py) ----------------------------------------
# "fast": the sample every run does; "slow": the inputs per format of `-m slow`. Issue 12 asks
# for 10,000 per format; with case and rule files parsed through libyaml the slow fuzzers take
# ~30 % less CPU than with the pure-Python reader (35 s against 50 s for 200 inputs per format,
# 2026-12-03), so 10,000 per format is still ~8-9 minutes on 2 cores, past the suite's budget
# (issue 10): the slow run stays at 2,500 per format. Raise SICCA_FUZZ_SLOW to run more.
# Derandomized, so that a CI failure is the same failure on a laptop.
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _settings  # noqa: E402

_FUZZ = dict(derandomize=True, deadline=None, database=None, print_blob=True,
             suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large,
                                    _HealthCheck.filter_too_much,
                                    _HealthCheck.function_scoped_fixture])
_settings.register_profile("fast", max_examples=10, **_FUZZ)  # type: ignore[arg-type]
_settings.register_profile("slow", max_examples=int(__import__("os").environ.get(
    "SICCA_FUZZ_SLOW", "2500")), **_FUZZ)  # type: ignore[arg-type]
