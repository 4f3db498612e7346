"""What every command shares: --engine, --rules, --option, --format, and the console."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from sicca.base.errors import InputError, Problem

if TYPE_CHECKING:
    from sicca.api import Session
    from sicca.running.evaluate import Sicca

#: Standard output of the table views (tables and trees fit the terminal's width).
console = Console()


def print_line(text: str) -> None:
    """A line of text that rich never breaks (a header, a path, the hypotheticals), so it stays
    whole and greppable; the terminal wraps it if it must."""
    console.print(text, soft_wrap=True)

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
    return json.dumps(data, indent=2, ensure_ascii=False, default=_default)


def _default(o: Any) -> Any:
    from decimal import Decimal

    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, set):
        return sorted(o)
    return str(o)


def get_session(engine: str, rules: list[Path] | None) -> Session:
    """The API session of a command: ``--engine`` checked, rule files read through the cache."""
    from sicca.api import load

    return load(list(rules or []), engine)


def get_sicca(engine: str, rules: list[Path] | None) -> Sicca:
    """The compiled rules of a command's ``--engine`` and ``--rules``."""
    return get_session(engine, rules).sicca
