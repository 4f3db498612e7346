"""What every command shares: --engine, --rules, --option, --format (printing: sicca.cli.render)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import typer

from sicca.base import jsonenc
from sicca.base.errors import InputError, Problem
from sicca.base.filekind import yaml_files

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


_SICCA_CACHE: dict[tuple[str, tuple[str, ...]], Any] = {}


def _fingerprint(rules: list[Path] | None) -> tuple[str, ...]:
    """Rule dirs plus every file's size and mtime: an edited pack is compiled again."""
    from sicca.base.paths import RULES_DIR

    out = [str(r) for r in rules or []]
    for d in [RULES_DIR] + [Path(r) for r in rules or []]:
        files = yaml_files(d) if d.exists() else []
        for f in files:
            st = f.stat()
            out.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return tuple(out)


def get_sicca(engine: str, rules: list[Path] | None) -> Any:
    """One compiled Sicca per (engine, rule packs) per process."""
    from sicca.running.evaluate import ENGINES, Sicca

    if engine not in ENGINES:
        raise InputError(Problem(f"unknown engine '{engine}'", field="--engine", code="E121",
                                 expected=" | ".join(ENGINES), found=engine))
    key = (engine, _fingerprint(rules))
    if key not in _SICCA_CACHE:
        _SICCA_CACHE[key] = Sicca.load(list(rules or []), engine=engine)
    return _SICCA_CACHE[key]
