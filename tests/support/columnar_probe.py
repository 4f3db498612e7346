"""A pytest plugin: every case a test run scores on the native backend is written down with
the options it was scored with, so the columnar path can be compared with native on it.

Load it with ``-p tests.support.columnar_probe`` and set ``SICCA_COLUMNAR_PROBE`` to a file:
one JSON line per distinct (case, options), ``{"data", "options"}`` (the case file's data as
parsed, dates as text). tests/unit/test_cohort_columnar.py runs the BDD features this way
(issue 15 item 5: the agreement holds on every feature-file visit).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get("SICCA_COLUMNAR_PROBE")
    if not out:
        return
    from sicca.records import models
    from sicca.running.evaluate import Sicca

    parsed: dict[int, tuple[Any, Any]] = {}  # id(case) -> (case, data); the case kept alive
    seen: set[str] = set()
    parse = models.parse_case
    evaluate = Sicca.evaluate

    def probe_parse(src: Any, catalogue: Any) -> Any:
        case = parse(src, catalogue)
        parsed[id(case)] = (case, src.data)
        return case

    def probe_evaluate(self: Sicca, case: Any, tp: Any, options: dict[str, str] | None = None,
                       overrides: dict[str, Any] | None = None) -> Any:
        hit = parsed.get(id(case))
        if overrides is None and self.backend.name == "native" and hit is not None \
                and hit[0] is case:
            line = json.dumps({"data": hit[1], "options": dict(options or {})},
                              sort_keys=True, default=str)
            if line not in seen:
                seen.add(line)
                with open(out, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
        return evaluate(self, case, tp, options, overrides)

    models.parse_case = probe_parse  # type: ignore[assignment]
    Sicca.evaluate = probe_evaluate  # type: ignore[method-assign]
