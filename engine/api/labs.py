"""The labs report (per-timepoint flags and changes) as JSON-ready data: ``sicca labs`` prints it.

JSON output of ``sicca labs --format json`` (a public contract)::

    {"case": file,
     "conventions": {"unchanged_within": 0.05, ...},
     "timepoints": [{"id", "date", "label",
                     "labs": [{"analyte", "key", "value", "value_text", "unit", "censored",
                               "reference",
                               "canonical_value", "canonical_unit", "flag", "x_uln",
                               "state"}]}],
     "changes": [{"from", "to",
                  "labs": [{"analyte", "key", "direction", "transition", "paper_change",
                            "from_measured", "to_measured", ...}]}]}

Decimals are printed as JSON numbers (``float`` of the exact decimal string, so 25.3 prints
as 25.3; an x ULN such as 9.76 / 9.31 is rounded to a double's 17 significant digits).
``value_text`` is the exact value as given (with its censoring sign, e.g. ``"<0.91"``).
``reference`` is the range as printed by the laboratory (in ``unit``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sicca.base.jsonenc import number, plain
from sicca.records.labs import LabResult, by_key, compute_changes
from sicca.records.models import Case

_INT_BELOW = 10**15  # larger whole values print as floats


def _num(x: Decimal | None) -> float | int | None:
    return None if x is None else number(x, _INT_BELOW)


def _lab_json(r: LabResult) -> dict[str, Any]:
    return {
        "analyte": r.analyte.name,
        "key": r.analyte.key,
        "value": _num(r.value),
        "value_text": None if r.value is None else f"{r.censored or ''}{r.value}",
        "unit": r.unit,
        "censored": r.censored,
        "reference": r.reference_printed,
        "canonical_value": _num(r.canonical_value),
        "canonical_unit": r.analyte.unit,
        "flag": r.flag,
        "x_uln": _num(r.x_uln),
        "state": r.state,
    }


def _jsonable(obj: Any) -> Any:
    return plain(obj, _INT_BELOW)


def labs_data(case: Case, name: str) -> dict[str, Any]:
    """The labs report of a loaded case, ``name`` shown as its ``case`` (the path as given)."""
    tps: list[dict[str, Any]] = []
    series: list[tuple[str, dict[str, LabResult]]] = []
    for tp in case.timepoints:
        tps.append({"id": tp.id, "date": str(tp.date) if tp.date is not None else None,
                    "label": tp.label, "labs": [_lab_json(r) for r in tp.labs]})
        if tp.labs:  # a timepoint without any lab (one_year) is not a point of the trends
            series.append((tp.id, by_key(tp.labs)))
    conv = case.analytes.changes
    changes = compute_changes(series, conv) if series else []
    return {
        "case": name,
        "conventions": {
            "unchanged_within": float(conv.unchanged_within),
            "unchanged_within_status": conv.status,
            "unchanged_within_source": conv.source,
            "direction": "ratio to/from: unchanged if within 1 +- unchanged_within (ends "
                         "included), else increase/decrease; indeterminate if censoring "
                         "leaves it open",
            "numbers": "JSON numbers from the exact decimal text",
            "changes": "baseline (first timepoint with labs) to each later one, then "
                       "consecutive pairs; timepoints without labs are not compared",
        },
        "timepoints": tps,
        "changes": _jsonable(changes),
    }
