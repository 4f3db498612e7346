"""The Python API (notebooks, services): ``sicca.load()`` gives a :class:`Session`.

    import sicca
    s = sicca.load(engine="native")
    report = s.score("examples/rfib-case.yaml")

Results are typed: ``score`` returns the pydantic Report (``dump_json()`` is the JSON of
``sicca score --format json``); the others are dataclasses whose ``as_dict()`` is their
command's JSON.
"""

from typing import TYPE_CHECKING, Any

from sicca.api.session import Session, load

if TYPE_CHECKING:
    from sicca.api.results import (
        Explanation,
        Hypothetical,
        LabsReport,
        OptionInfo,
        RuleListing,
        WhatIf,
    )

__all__ = ["Explanation", "Hypothetical", "LabsReport", "OptionInfo", "RuleListing", "Session",
           "WhatIf", "load"]


def __getattr__(name: str) -> Any:
    """The result classes of the commands other than `score` (sicca.api.results), made on
    first use: `sicca score` does not need them."""
    if name in __all__:
        import sicca.api.results

        return getattr(sicca.api.results, name)
    raise AttributeError(f"module 'sicca.api' has no attribute '{name}'")
