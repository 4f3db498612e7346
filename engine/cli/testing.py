"""`sicca steps`, `sicca new pack`, `sicca rules test`: the pytest plugin's catalogue and packs."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from sicca.cli import render
from sicca.cli.app import app, new_app, rules_app
from sicca.cli.common import dumps


class StepsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _needs_bdd(what: str) -> None:
    try:
        import pytest_bdd  # noqa: F401
    except ImportError:
        render.err_line(f"{what} needs pytest and pytest-bdd: pip install 'sicca[bdd]'")
        raise typer.Exit(2) from None


@app.command("steps")
def steps_cmd(fmt: StepsFormat = typer.Option(StepsFormat.text, "--format", "-f",
                                              help="text, json or markdown")) -> None:
    """List every Gherkin step of the pytest plugin: its pattern, meaning and an example."""
    _needs_bdd("sicca steps")
    from sicca.testing.catalogue import step_groups, steps_markdown

    groups = step_groups()
    if fmt == StepsFormat.json:
        typer.echo(dumps([s.model_dump() for g in groups for s in g.steps]))
    elif fmt == StepsFormat.markdown:
        typer.echo(steps_markdown(groups), nl=False)
    else:
        o = render.out()
        for g in groups:
            o.header(g.title, f" ({g.module})")
            for s in g.steps:
                o.line((f"{s.keyword} {s.pattern}", "bold"))
                for line in s.meaning.splitlines():
                    o.line(f"    {line}")
                for e in s.examples:
                    o.line(("    e.g. ", "dim"), e)
                o.line("")


@new_app.command("pack")
def new_pack_cmd(name: str = typer.Argument(..., help="the pack's name: its folder, rule set "
                                            "and the prefix of its facts (a lowercase "
                                            "identifier)"),
                 into: Path = typer.Option(Path("."), "--into", help="the folder to create the "
                                           "pack in")) -> None:
    """Write a new rule pack (rules, vocabulary, features, README) that passes `sicca rules
    check` and its own scenarios as it is."""
    from sicca.testing.scaffold import new_pack

    folder = new_pack(name, into)
    o = render.out()
    o.line(f"wrote the rule pack {folder}")
    o.line(f"  sicca rules check {folder}")
    o.line(f"  sicca rules test {folder}")


@rules_app.command("test", context_settings={"allow_extra_args": True,
                                             "ignore_unknown_options": True})
def test_cmd(ctx: typer.Context,
             pack: Path = typer.Argument(..., help="the rule-pack folder (with features/ and "
                                         "a test module, as `sicca new pack` writes)"),
             fail_uncovered: bool = typer.Option(False, "--fail-uncovered",
                                                 help="fail when a rule of the pack was "
                                                 "fired by no scenario"),
             json_path: Path = typer.Option(None, "--json", help="write which scenarios fired "
                                            "each rule to this JSON file")) -> None:
    """Run a pack's features with the Sicca pytest plugin and report its rule coverage; any
    further arguments go to pytest. Exits with pytest's code."""
    _needs_bdd("sicca rules test")
    from sicca.testing.scaffold import run_pack_tests

    code = run_pack_tests(pack, fail_uncovered, json_path, list(ctx.args))
    if code:
        raise typer.Exit(code)
