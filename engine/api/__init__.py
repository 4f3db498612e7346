"""The Python API (notebooks, services): ``sicca.load()`` gives a :class:`Session`.

    import sicca
    s = sicca.load(engine="native")
    report = s.score("examples/rfib-case.yaml")

Results are typed (dataclasses with ``as_dict()`` giving the commands' JSON); the score report
is the dict of sicca.report.build.
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
