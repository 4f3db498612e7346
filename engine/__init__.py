"""Sicca: Sjögren's disease activity scores and classification criteria from declarative rules.

The installed package is ``sicca``; in the repository its layers are folders of engine/ (this
package), with the instruments in scores/ (``sicca.scores``) and the clinical rules in rules/
(``sicca.rules``, package data). docs/design.md gives the import order between the layers.

The notebook API (``sicca.load``, ``sicca.Session``, …) lives in sicca.api and is imported on
first use, so ``import sicca`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

__all__ = ["Explanation", "Hypothetical", "LabsReport", "OptionInfo", "RuleListing", "Session",
           "WhatIf", "load", "score_frame"]

if TYPE_CHECKING:
    from sicca.api import (
        Explanation,
        Hypothetical,
        LabsReport,
        OptionInfo,
        RuleListing,
        Session,
        WhatIf,
        load,
    )
    from sicca.cohort.frames import score_frame


def __getattr__(name: str) -> Any:
    if name == "score_frame":  # the columnar path (polars), imported on first use
        import sicca.cohort.frames

        return sicca.cohort.frames.score_frame
    if name in __all__:
        import sicca.api

        return getattr(sicca.api, name)
    raise AttributeError(f"module 'sicca' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
