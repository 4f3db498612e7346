"""What every command shares: --engine, --rules, --option, --format (printing: sicca.cli.render)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sicca.base import jsonenc
from sicca.base.errors import InputError, Problem

if TYPE_CHECKING:
    from sicca.api import Session
    from sicca.running.evaluate import Sicca

EngineOpt = typer.Option("durable", "--engine", help="durable (durable-rules) or native")
RulesOpt = typer.Option(None, "--rules", help="a rule-pack directory that adds or replaces "
                        "rule files (repeatable)")
OptionOpt = typer.Option(None, "--option", "-O", help="a judgement call NAME=VALUE "
                         "(repeatable); see `sicca options`")


class Format(str, Enum):
    table = "table"
    json = "json"


FormatOpt = typer.Option(Format.table, "--format", "-f", help="table or json")


def parse_pairs(pairs: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs or []:
        if "=" not in p:
            raise InputError(Problem(f"'{p}' is not NAME=VALUE", field=flag, code="E123",
                                     expected="NAME=VALUE", found=p))
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def dumps(data: Any) -> str:
    return jsonenc.dumps(data, indent=2)


def get_session(engine: str, rules: list[Path] | None) -> Session:
    """The API session of a command: ``--engine`` checked, rule files read through the cache."""
    from sicca.api import load

    return load(list(rules or []), engine)


def get_sicca(engine: str, rules: list[Path] | None) -> Sicca:
    """The compiled rules of a command's ``--engine`` and ``--rules``."""
    return get_session(engine, rules).sicca
