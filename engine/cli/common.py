"""What every command shares: --engine, --rules, --option, --format (printing: sicca.cli.render)."""

from __future__ import annotations

from enum import Enum

import typer

from sicca.cli.plain import dumps, get_session, get_sicca, parse_pairs

EngineOpt = typer.Option("durable", "--engine", help="durable (durable-rules) or native")
RulesOpt = typer.Option(None, "--rules", help="a rule-pack directory that adds or replaces "
                        "rule files (repeatable)")
OptionOpt = typer.Option(None, "--option", "-O", help="a judgement call NAME=VALUE "
                         "(repeatable); see `sicca options`")


class Format(str, Enum):
    table = "table"
    json = "json"


FormatOpt = typer.Option(Format.table, "--format", "-f", help="table or json")


# typer-free helpers live in sicca.cli.plain (the fast path of `sicca score` uses them too)
__all__ = ["EngineOpt", "Format", "FormatOpt", "OptionOpt", "RulesOpt", "dumps", "get_session",
           "get_sicca", "parse_pairs"]
