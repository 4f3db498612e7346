"""Seeded random visits over a compiled program's input facts, dense around its cut points.

Every number the catalog marks censorable (measurements, per-eye values, labs, counts, ratings,
numeric attributes) is censored in a third of its readings, so the backends are compared on
their three-valued (possible) conclusions too."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sicca.language.program import Catalog
from sicca.running.evaluate import code_tests, literal_tests

STATES = ("reported",) * 7 + ("not_reported", "not_done", "unknown")
CENSORS = ("",) * 8 + ("<", "<=", ">", ">=")


def cut_points(program: dict[str, Any]) -> dict[str, list[Decimal]]:
    out: dict[str, list[Decimal]] = {}
    for fact, t in literal_tests(program):
        if t["field"] == "value" and not isinstance(t["value"], list):
            out.setdefault(fact, []).append(Decimal(t["value"]))
    return out


def codes_used(program: dict[str, Any]) -> dict[str, set[str]]:
    return {fact: {c for s in sets for c in s} for fact, sets in code_tests(program).items()}


def random_visits(program: dict[str, Any], catalog: Catalog, n: int,
                  seed: int) -> list[list[dict[str, Any]]]:
    """``n`` visits, each the engine-facing fact dicts of every input the program reads."""
    rng = random.Random(seed)
    cuts = cut_points(program)
    codes = codes_used(program)
    names = program["inputs"]
    index = {name: i for i, name in enumerate(catalog.facts)}
    deltas = [Decimal(0), Decimal("0.1"), Decimal("-0.1"), Decimal("0.01"), Decimal(1),
              Decimal(-1)]
    visits = []
    for _ in range(n):
        facts = []
        for name in names:
            spec = catalog.facts[name]
            state = rng.choice(STATES)
            value: float | None = None
            code = ""
            censor = ""
            if state == "reported":
                if spec.kind == "number":
                    base = rng.choice(cuts.get(name) or [Decimal(rng.randint(0, 50))])
                    value = float(base + rng.choice(deltas))
                    if spec.censorable:
                        censor = rng.choice(CENSORS)
                else:
                    pool = sorted(set(spec.choices or ()) | codes.get(name, set()))
                    code = rng.choice(pool) if pool else "x"
            facts.append({"id": f"f{index[name]}", "name": name, "state": state,
                          "value": value, "code": code, "censor": censor})
        visits.append(facts)
    return visits


def mark_open(visits: list[list[dict[str, Any]]], sicca: Any) -> None:
    """Each input holding a value nobody knows as the backends receive it from
    ``Sicca.mark_open`` (censor OPEN; ``Sicca.is_open`` says which states)."""
    from sicca.language.intervals import OPEN

    for facts in visits:
        for f in facts:
            if f["value"] is None and not f["code"] and not f["censor"] \
                    and sicca.is_open(f["name"], f["state"]):
                f["censor"] = OPEN
