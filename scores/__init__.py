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

    out = []
    for name in ("essdai", "esspri", "criteria", "response"):
        try:
            out.append(importlib.import_module(f"scores.{name}"))
        except ModuleNotFoundError as exc:  # an instrument not yet written is skipped
            if exc.name != f"scores.{name}":
                raise
    return out
