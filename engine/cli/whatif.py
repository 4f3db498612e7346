"""`sicca what-if`: re-score a case with hypothetical test results, side by side.

The API computes it (sicca.api.whatif: hypotheticals are parsed like case-file values and
marked ``hypothetical: true``); this module parses ``--set`` and prints.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sicca.cli.app import app
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

WHERE = "--set"


@app.command("what-if")
def whatif_cmd(case: Path = typer.Argument(..., help="a case file (YAML or JSON)"),
               set_: list[str] = typer.Option(..., "--set", help="a hypothetical result "
                                              "ITEM=VALUE (repeatable), e.g. anti_ssa=positive, "
                                              "schirmer=4, schirmer.right=4, focus_score=1.2"),
               fmt: Format = FormatOpt, engine: str = EngineOpt, rules: list[Path] = RulesOpt,
               option: list[str] = OptionOpt,
               timepoint: list[str] = typer.Option(None, "--timepoint", "-t",
                                                   help="only these timepoints")) -> None:
    """Re-score with hypothetical results: which verdicts and scores would change."""
    from rich.table import Table

    w = get_session(engine, rules).what_if(case, parse_pairs(set_, WHERE),
                                           parse_pairs(option, "--option"),
                                           timepoints=timepoint or None)
    data = w.as_dict()
    hyp = data["hypothetical"]
    if fmt == Format.json:
        typer.echo(dumps(data))
        return
    print_line(f"[bold]{w.case}[/] · engine {w.engine} · [yellow]hypothetical: "
               + ", ".join(h["set"] for h in hyp) + "[/]")
    for tp in data["timepoints"]:
        table = Table(title=f"{tp['id']} {tp['date']}", title_justify="left")
        for col in ("criteria set", "before", "after (hypothetical)", "changed"):
            table.add_column(col)
        for name, r in tp["criteria"].items():
            b, a = r["before"], r["after"]
            changed = "[bold]yes[/]" if r["changed"] else "no"
            if r["items_changed"]:
                changed += " · " + ", ".join(f"{i}: {x} → {y} (hypothetical)" for i, (x, y)
                                             in r["items_changed"].items())
            table.add_row(name, f"{b['verdict']} {b['score_min']}–{b['score_max']}",
                          f"[yellow]{a['verdict']} {a['score_min']}–{a['score_max']}[/]",
                          changed)
        console.print(table)
