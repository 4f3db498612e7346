"""A pytest plugin: every case file a test run parses successfully is also validated against
`sicca schema case` (built for the catalogue it was parsed with).

Load it with ``-p tests.support.schema_probe`` and set ``SICCA_SCHEMA_PROBE`` to a file: one JSON
line is appended per case checked, ``{"file", "errors"}`` (errors empty when the schema agrees).
test_case_schema runs the BDD features this way, so every case they build is covered.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    out = os.environ.get("SICCA_SCHEMA_PROBE")
    if not out:
        return
    import jsonschema

    from sicca.records import models
    from sicca.records.case_schema import case_json_schema

    validators: dict[int, Any] = {}
    original = models.parse_case

    def probe(src: Any, catalogue: Any) -> Any:
        case = original(src, catalogue)
        v = validators.get(id(catalogue))
        if v is None:
            v = validators[id(catalogue)] = jsonschema.Draft202012Validator(
                case_json_schema(catalogue))
        errors = [f"{e.json_path}: {e.message[:160]}" for e in v.iter_errors(src.data)]
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"file": src.file, "errors": errors}) + "\n")
        return case

    models.parse_case = probe  # type: ignore[assignment]
