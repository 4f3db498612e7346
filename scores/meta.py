"""Checking an instrument's ``meta:`` block with its pydantic model, located in the file.

Instruments validate their rule files' meta at ``sicca rules check`` time (through the lint
hook, ``sicca.language.lint.MetaCheck``) and again when rules are loaded to score, with the
same models and codes; each problem points at the offending meta key (file:line:col).
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from sicca.base.errors import Problem
from sicca.base.yamlsrc import KEY, PathKey
from sicca.language.loader import RuleFile

M = TypeVar("M", bound=BaseModel)


def validate_meta(model: type[M], rf: RuleFile, code: str,
                  problems: list[Problem]) -> M | None:
    """``rf.meta`` as ``model``; None (with located problems added) when it does not fit."""
    try:
        return model.model_validate(rf.meta)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(located(rf, tuple(err["loc"]), err, code))
        return None


def located(rf: RuleFile, loc: tuple[str | int, ...], err: object, code: str) -> Problem:
    """One pydantic error as a Problem at ``meta.<loc>`` of ``rf``."""
    e = err if isinstance(err, dict) else {}
    path: PathKey = ("meta",) + tuple(loc)
    kind = e.get("type", "")
    if kind == "extra_forbidden":
        path = path + (KEY,)
        msg = f"unknown key '{loc[-1]}' in the meta of rule set '{rf.ruleset}'"
    elif kind == "missing":
        msg = f"meta needs '{loc[-1]}'"
    else:
        msg = f"meta: {e.get('msg', 'invalid value')}"
    found = e.get("input") if kind not in ("missing", "extra_forbidden") else None
    return rf.src.problem(path, msg, code=code,
                          found=None if found is None else repr(found)[:80])
