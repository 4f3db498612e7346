"""The Python API (notebooks, services): ``sicca.load()`` gives a :class:`Session`.

    import sicca
    s = sicca.load(engine="native")
    report = s.score("examples/rfib-case.yaml")

Results are typed: ``score`` returns the pydantic Report (``dump_json()`` is the JSON of
``sicca score --format json``); the others are dataclasses whose ``as_dict()`` is their
command's JSON.
"""

from sicca.api.session import (
    Explanation,
    Hypothetical,
    LabsReport,
    OptionInfo,
    RuleListing,
    Session,
    WhatIf,
    load,
)

__all__ = ["Explanation", "Hypothetical", "LabsReport", "OptionInfo", "RuleListing", "Session",
           "WhatIf", "load"]
