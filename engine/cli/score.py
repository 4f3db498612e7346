"""`sicca score`, `sicca explain`, `sicca options`, `sicca schema …`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sicca.cli.app import app, schema_app
from sicca.cli.common import (
    EngineOpt,
    Format,
    FormatOpt,
    OptionOpt,
    RulesOpt,
    console,
    dumps,
    get_session,
    parse_pairs,
    print_line,
)

if TYPE_CHECKING:
    from rich.tree import Tree


@app.command("score")
def score_cmd(case: Path = typer.Argument(..., help="a case file (YAML or JSON)"),
              fmt: Format = FormatOpt, engine: str = EngineOpt,
              rules: list[Path] = RulesOpt, option: list[str] = OptionOpt,
              timepoint: list[str] = typer.Option(None, "--timepoint", "-t",
                                                  help="score only these timepoints")) -> None:
    """Score every timepoint: ESSDAI, ClinESSDAI, ESSPRI, criteria, and the changes."""
    from sicca.scores import instruments

    report = get_session(engine, rules).score(case, parse_pairs(option, "--option"),
                                              timepoints=timepoint or None)
    if fmt == Format.json:
        typer.echo(dumps(report))
        return
    _header(report)
    for tp in report["timepoints"]:
        console.rule(f"[bold]{tp['id']}[/] {tp['date']} {tp.get('label') or ''}")
        for inst in instruments():
            if hasattr(inst, "render"):
                inst.render(console, tp)
        if tp.get("unused_inputs"):
            print_line("[dim]recorded, used by no score (labs: see sicca labs): "
                       + ", ".join(tp["unused_inputs"]) + "[/]")
    if report["changes"]:
        console.rule("[bold]changes[/]")
        for inst in instruments():
            if hasattr(inst, "render_changes"):
                inst.render_changes(console, report["changes"])


def _header(report: dict[str, object]) -> None:
    rs = ", ".join(f"{r['name']} {r['version']} ({r['hash']})"
                   for r in report["rulesets"])  # type: ignore[attr-defined]
    print_line(f"[bold]{report['case']}[/] patient {report['patient']} · engine "
               f"{report['engine']}")
    print_line(f"rule sets: {rs}")
    opts = report["options"]
    print_line("options: " + ", ".join(f"{k}={v}" for k, v in opts.items()))  # type: ignore[attr-defined,unused-ignore]


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
    from rich.tree import Tree

    rs = ", ".join(f"{r['name']} {r['version']} ({r['hash']})" for r in ex.rulesets)
    root = Tree(f"[bold]{ex.case}[/] · {ex.timepoint} ({ex.date}) · engine {ex.engine} · {rs}")
    if not ex.conclusions:
        root.add("[dim]no conclusion" + (f" starting with '{only}'" if only else "") + "[/]")
    for t in ex.conclusions:
        _tree(root, t)
    console.print(root)


def _tree(parent: Tree, t: dict[str, object]) -> None:
    node = parent.add(f"[bold cyan]{t['fact']}[/] = [bold]{t['value']}[/]")
    for r in t["rules"]:  # type: ignore[attr-defined]
        src = r["source"]
        rn = node.add(f"[green]{r['rule']}[/] [dim]{r['description']}[/] · "
                      f"{src['citation']} [{src['tag']}] · {r['status']} · {r['loc']}")
        for m in r["matched"]:
            if "concluded" in m:
                _tree(rn, m["concluded"])
            else:
                shown = m.get("code", m.get("value", m.get("state")))
                unit = f" {m['unit']}" if m.get("unit") else ""
                cens = m.get("censored", "")
                where = f" · {m.get('recorded_at', '')} {m.get('path', '')}".rstrip()
                flags = " ".join(k for k, v in m.items() if v is True)  # inferred, ...
                rn.add(f"{m['fact']} = {cens}{shown}{unit} [dim]{where}[/]"
                       + (f" [yellow]{flags}[/]" if flags else ""))


@app.command("options")
def options_cmd(fmt: Format = FormatOpt, rules: list[Path] = RulesOpt) -> None:
    """List the judgement calls (options), their choices and defaults."""
    rows = [o.as_dict() for o in get_session("durable", rules).options()]
    if fmt == Format.json:
        typer.echo(dumps(rows))
        return
    for r in rows:
        console.print(f"[bold]{r['name']}[/] = {' | '.join(r['choices'] or [])} "
                      f"(default {r['default']})\n  [dim]{r['description']}[/]")


@schema_app.command("case")
def schema_case(rules: list[Path] = RulesOpt) -> None:
    """Print the JSON Schema of case files."""
    from sicca.records.models import case_json_schema

    typer.echo(dumps(case_json_schema(get_session("durable", rules).catalogue)))
