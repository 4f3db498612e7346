"""`sicca report CASE -o report.html|report.pdf`: the visit report of one patient."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sicca.base.errors import InputError, Problem
from sicca.cli.app import app
from sicca.cli.common import EngineOpt, OptionOpt, RulesOpt, get_session, parse_pairs

_KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


@app.command("report")
def report_command(
    case: Annotated[Path, typer.Argument(help="A case file (YAML or JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output",
                                         help="report.html (one self-contained page) or "
                                              "report.pdf (A4, printed by headless Chromium)")],
    engine: str = EngineOpt,
    rules: list[Path] | None = RulesOpt,
    option: list[str] | None = OptionOpt,
) -> None:
    """Write the visit report: scores, plots, checklists, changes and every rule's trace."""
    from sicca.base.outfiles import check_outputs, write_bytes_atomic, write_text_atomic

    kind = _KINDS.get(output.suffix.lower())
    if kind is None:
        raise InputError(Problem("the report's file name must end in .html or .pdf",
                                 field="-o", code="E602", expected=".html | .htm | .pdf",
                                 found=output.name))
    check_outputs([("-o", output)], [("CASE", case)] + [("--rules", r) for r in rules or []])
    session = get_session(engine, rules)
    opts = parse_pairs(option, "--option")
    if kind == "pdf":
        data = session.report_pdf(case, opts)
        write_bytes_atomic(output, data)
        typer.echo(f"wrote {output}: the visit report as PDF ({len(data) // 1024} KiB)")
    else:
        html = session.report_html(case, opts)
        write_text_atomic(output, html)
        typer.echo(f"wrote {output}: the visit report as one HTML page "
                   f"({len(html.encode()) // 1024} KiB)")
