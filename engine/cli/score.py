"""`sicca score`, `sicca explain`, `sicca options`, `sicca schema …`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sicca.cli import plain, render
from sicca.cli.app import app, schema_app
from sicca.cli.common import (
    EngineOpt,
    Format,
    FormatOpt,
    OptionOpt,
    RulesOpt,
    dumps,
    get_session,
    parse_pairs,
)

if TYPE_CHECKING:
    pass


@app.command("score")
def score_cmd(case: Path = typer.Argument(..., help="a case file (YAML or JSON)"),
              fmt: Format = FormatOpt, engine: str = EngineOpt,
              rules: list[Path] = RulesOpt, option: list[str] = OptionOpt,
              timepoint: list[str] = typer.Option(None, "--timepoint", "-t",
                                                  help="score only these timepoints"),
              detail: bool = typer.Option(False, "--detail", help="the full tables: every "
                                          "domain and criteria item with its rules")
              ) -> None:
    """Score every timepoint: ESSDAI, ClinESSDAI, ESSPRI, criteria, and the changes."""
    # the one body, shared with the typer-free fast path (sicca.cli.fast)
    plain.score(case, fmt == Format.json, engine, rules, option, timepoint, detail)


@app.command("explain")
def explain_cmd(case: Path = typer.Argument(...),
                timepoint: str = typer.Option(..., "--timepoint", "-t"),
                only: str = typer.Option(None, "--only", help="only conclusions whose fact "
                                         "starts with this prefix, e.g. essdai.cutaneous"),
                fmt: Format = FormatOpt, engine: str = EngineOpt, rules: list[Path] = RulesOpt,
                option: list[str] = OptionOpt) -> None:
    """Show, as a tree, every conclusion at a timepoint: rule, source, matched inputs."""
    ex = get_session(engine, rules).explain(case, timepoint, only,
                                            parse_pairs(option, "--option"))
    if fmt == Format.json:
        typer.echo(dumps(ex.as_dict()))
        return
    rs = ", ".join(f"{r['name']} {r['version']} ({r['hash']})" for r in ex.rulesets)
    root = render.Node(render.text((str(ex.case), "bold"),
                                   f" · {ex.timepoint} ({ex.date}) · engine {ex.engine} · {rs}"))
    if not ex.conclusions:
        root.add(("no conclusion" + (f" starting with '{only}'" if only else ""), "dim"))
    for t in ex.conclusions:
        _tree(root, t)
    render.out().tree(root)


def _tree(parent: render.Node, t: dict[str, object]) -> None:
    from sicca.language.bibliography import cite_label, source_lines

    node = parent.add((str(t["fact"]), "bold cyan"), " = ", (str(t["value"]), "bold"))
    for r in t["rules"]:  # type: ignore[attr-defined]
        src = r["source"]
        rn = node.add((str(r["rule"]), "green"), " ", (str(r["description"]).strip(), "dim"),
                      f" · {cite_label(src)} [{src['tag']}] · {r['status']} · {r['loc']}")
        for line in source_lines(src):
            rn.add(("source", "magenta"), f" {line}")
        for m in r["matched"]:
            if "concluded" in m:
                _tree(rn, m["concluded"])
            else:
                shown = m.get("code", m.get("value", m.get("state")))
                unit = f" {m['unit']}" if m.get("unit") else ""
                cens = m.get("censored", "")
                where = " ".join(str(m[k]) for k in ("recorded_at", "path") if m.get(k))
                flags = " ".join(k for k, v in m.items() if v is True)  # inferred, ...
                rn.add(f"{m['fact']} = {cens}{shown}{unit}",
                       *([(f" · {where}", "dim")] if where else []),
                       *([(f" {flags}", "yellow")] if flags else []))


@app.command("options")
def options_cmd(fmt: Format = FormatOpt, rules: list[Path] = RulesOpt) -> None:
    """List the judgement calls (options), their choices and defaults."""
    rows = [o.as_dict() for o in get_session("durable", rules).options()]
    if fmt == Format.json:
        typer.echo(dumps(rows))
        return
    o = render.out()
    for r in rows:
        o.line((str(r["name"]), "bold"), f" = {' | '.join(r['choices'] or [])} "
               f"(default {r['default']})")
        o.line("  ", (str(r["description"]), "dim"))


@schema_app.command("case")
def schema_case(rules: list[Path] = RulesOpt) -> None:
    """Print the JSON Schema of case files."""
    from sicca.records.models import case_json_schema

    typer.echo(dumps(case_json_schema(get_session("durable", rules).catalogue)))


@schema_app.command("report")
def schema_report() -> None:
    """Print the JSON Schema of `sicca score --format json` (the report)."""
    from sicca.report.model import report_schema

    typer.echo(dumps(report_schema()))
