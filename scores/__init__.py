"""Instruments: turn concluded facts into scores, categories and verdicts.

Each instrument module exposes ``score(ev, sicca) -> dict`` (its keys are merged into the
timepoint's JSON) and, where it compares timepoints, ``change(...)``. No rule logic here:
thresholds on inputs live in rules/; weights and verdict arithmetic live here or in the
rule files' ``meta``.
"""

from types import ModuleType


def instruments() -> list[ModuleType]:
    """The instrument modules, in output order (imported lazily)."""
    import importlib

    return [importlib.import_module(f"sicca.scores.{name}") for name in INSTRUMENTS]


#: Instrument modules in output order; a new instrument adds its name here.
INSTRUMENTS = ("essdai", "esspri", "criteria", "response")
