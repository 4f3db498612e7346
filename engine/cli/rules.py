"""`sicca rules check`, `sicca rules list`, `sicca schema rules`."""

from __future__ import annotations

from pathlib import Path

import typer

from sicca.cli import render
from sicca.cli.app import rules_app, schema_app
from sicca.cli.common import Format, FormatOpt, RulesOpt, dumps, get_session


@rules_app.command("check")
def check_cmd(path: Path = typer.Argument(None, help="a rule file or directory (default: the "
                                          "bundled rules); a path outside them is a rule pack, "
                                          "checked together with the bundled rules"),
              fmt: Format = FormatOpt) -> None:
    """Report every problem in rule files; exit 1 on errors (warnings alone exit 0)."""
    from sicca.language.lint import lint
    from sicca.scores.instrument import meta_checks

    report = lint([path] if path is not None else None, meta_checks())
    if fmt == Format.json:
        typer.echo(dumps(report.as_dict()))
    else:
        o = render.out()
        for p in report.problems:
            o.block(p.render())
        o.block(report.summary())
    if report.errors:
        raise typer.Exit(1)


@rules_app.command("list")
def list_cmd(rules: list[Path] = RulesOpt, fmt: Format = FormatOpt) -> None:
    """List the rules: id, rule set, version, status, source tag, location, and the full
    reference of each source."""
    from sicca.api import load
    from sicca.language.bibliography import source_lines

    listing = load(list(rules or []), cache=False).rule_list()
    rows = listing.rows
    if fmt == Format.json:
        typer.echo(dumps(rows))
    else:
        o = render.out()
        for row in rows:  # one line per rule (greppable), never a cropped table
            o.line((str(row["id"]), "bold"), f"  {row['ruleset']} {row['version']}  "
                   f"{row['status']}  [{row['tag']}]  {row['loc']}")
            for line in source_lines(row["source"]):
                o.line(f"    {line}")
    if listing.problems:
        render.err_line(f"{listing.problems} problem(s) while loading; "
                        "see `sicca rules check`")


@schema_app.command("rules")
def schema_rules() -> None:
    """Print the JSON Schema (draft 2020-12) of rule files, for editors."""
    from sicca.language.rule_schema import rule_file_schema

    typer.echo(dumps(rule_file_schema()))


@rules_app.command("catalogue")
def catalogue_cmd(out: Path = typer.Option(..., "--output", "-o", help="the folder to write "
                                           "the Markdown pages to (made if missing)"),
                  rules: list[Path] = RulesOpt,
                  coverage: Path = typer.Option(None, "--coverage", help="a rule-coverage "
                                                "JSON file (pytest --sicca-coverage-json): "
                                                "which scenarios cover each rule"),
                  root: Path = typer.Option(Path("."), "--root", help="the folder the "
                                            "coverage file's feature paths are relative to "
                                            "(pytest's rootdir)")) -> None:
    """Write the rule catalogue as Markdown: every rule set and rule with its description,
    conditions in words, full citation, verification tag, status and covering scenarios.
    The rules must load as for scoring (exit 2 otherwise); `sicca rules check` finds the rest."""
    from sicca.base.diskcache import SourceCache
    from sicca.base.outfiles import check_outputs
    from sicca.base.paths import RULES_DIR
    from sicca.language.catalogue import build_catalogue, load_coverage

    packs = list(rules or [])
    check_outputs([("--output", out)], [*(("--rules", r) for r in packs),
                                         ("--coverage", coverage)])
    cov = load_coverage(coverage) if coverage is not None else None
    compiled = get_session("native", packs).sicca  # the rules compile first (errors: exit 2)
    cache = SourceCache([RULES_DIR, *packs])
    cat = build_catalogue(packs, cov, root, compiled.catalogue,
                          coverage_name=str(coverage) if coverage is not None else None,
                          read=cache.read)
    cache.save()
    written = cat.write(out)
    render.out().line(f"{len(written)} pages written to {out} ({len(cat.rulesets)} rule sets)"
                      + ("" if cov is not None else "; no coverage file given"))
