"""`sicca what-if`: re-score a case with hypothetical test results, side by side.

The API computes it (sicca.api.whatif: hypotheticals are parsed like case-file values and
marked ``hypothetical: true``); this module parses ``--set`` and prints.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sicca.cli import render
from sicca.cli.app import app
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

    w = get_session(engine, rules).what_if(case, parse_pairs(set_, WHERE),
                                           parse_pairs(option, "--option"),
                                           timepoints=timepoint or None)
    data = w.as_dict()
    hyp = data["hypothetical"]
    if fmt == Format.json:
        typer.echo(dumps(data))
        return
    o = render.out()
    o.line((str(w.case), "bold"), f" · engine {w.engine} · ",
           ("hypothetical: " + ", ".join(h["set"] for h in hyp), "yellow"))
    for tp in data["timepoints"]:
        rows: list[list[render.Cell]] = []
        for name, r in tp["criteria"].items():
            b, a = r["before"], r["after"]
            changed: list[render.Part] = [("yes", "bold") if r["changed"] else "no"]
            if r["items_changed"]:
                changed.append(" · " + ", ".join(f"{i}: {x} → {y} (hypothetical)" for i, (x, y)
                                                 in r["items_changed"].items()))
            rows.append([name, f"{b['verdict']} {b['score_min']}–{b['score_max']}",
                         (f"{a['verdict']} {a['score_min']}–{a['score_max']}", "yellow"),
                         changed])
        o.table(f"{tp['id']} {tp['date']}",
                ["criteria set", "before", "after (hypothetical)", "changed"], rows)
