"""`sicca what-if`: re-score a case with hypothetical values, side by side.

The API computes it (sicca.api.whatif: hypotheticals are parsed like case-file values and
marked ``hypothetical: true``); this module parses ``--set`` and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from sicca.cli.views import Names

WHERE = "--set"


@app.command("what-if")
def whatif_cmd(case: Path = typer.Argument(..., help="a case file (YAML or JSON)"),
               set_: list[str] = typer.Option(..., "--set", help="a hypothetical value "
                                              "NAME=VALUE (repeatable): a vocabulary item or part "
                                              "(anti_ssa=positive, schirmer='>5', "
                                              "schirmer.right=4, cutaneous.purpura=present, "
                                              "cutaneous.purpura.extent=diffuse), a lab value "
                                              "(lab.igg=12, lab.igg='2530 mg/dL', "
                                              "lab.c3.reference=0.9-1.8) or an option "
                                              "(option.purpura_extent=generalised)"),
               fmt: Format = FormatOpt, engine: str = EngineOpt, rules: list[Path] = RulesOpt,
               option: list[str] = OptionOpt,
               timepoint: list[str] = typer.Option(None, "--timepoint", "-t",
                                                   help="only these timepoints")) -> None:
    """Re-score with hypothetical values: which scores and verdicts would change."""

    from sicca.cli.views import Names

    session = get_session(engine, rules)
    w = session.what_if(case, parse_pairs(set_, WHERE), parse_pairs(option, "--option"),
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
        for inst in ("essdai", "clinessdai", "esspri"):
            r = tp.get(inst)
            if r is None:
                continue
            b, a = r["before"], r["after"]
            changed = [("yes", "bold") if r["changed"] else "no"]
            doms = r.get("domains_changed") or {}
            if doms:
                changed.append(" · " + ", ".join(
                    f"{d}: {_level(x['before'])} → {_level(x['after'])} (hypothetical)"
                    for d, x in doms.items()))
            rows.insert(len([x for x in rows if x[0] in ("essdai", "clinessdai", "esspri")]),
                        [inst, _score(inst, b), (_score(inst, a), "yellow"), changed])
        o.table(f"{tp['id']} {tp['date']}",
                ["instrument", "before", "after (hypothetical)", "changed"], rows)
    crow: list[list[render.Cell]] = []
    names = Names.of(session.sicca)
    for ch in data.get("changes", []):
        if not ch["changed"]:
            continue
        b, a = ch["before"], ch["after"]
        crow.append([f"{ch['from']} → {ch['to']}", _change(b, names),
                     (_change(a, names), "yellow"),
                     ", ".join(ch["keys_changed"])])
    if crow:
        o.table("changes between timepoints",
                ["from → to", "before", "after (hypothetical)", "changed"], crow)


def _n(x: object) -> str:
    from sicca.api.whatif import number

    return number(x)


def _level(d: dict[str, object]) -> str:
    if d.get("level_min") == d.get("level_max"):
        return _n(d.get("level"))
    return f"{_n(d.get('level_min'))}–{_n(d.get('level_max'))}"


def _score(inst: str, d: dict[str, object]) -> str:
    if inst == "esspri":
        return _n(d.get("score")) if d.get("score") is not None else str(d.get("state"))
    rng = f" ({_n(d['min'])}–{_n(d['max'])})" if d.get("min") != d.get("max") else ""
    return f"{_n(d.get('documented'))}{rng} {d.get('category')}"


def _change(d: dict[str, object], names: Names) -> str:
    v = d.get("star")
    s = f"Δ{names('essdai')} {_n(d.get('essdai_delta'))}, MCII {_n(d.get('essdai_mcii'))}"
    if isinstance(v, dict):
        s += f", {names('star')} {_n(v.get('points_min'))}–{_n(v.get('points_max'))} " \
             f"{v.get('verdict')}"
    return s
