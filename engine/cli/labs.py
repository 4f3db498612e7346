"""`sicca labs CASE` (flags and trends) and `sicca import labs TABLE.csv` (CSV -> case YAML).

The report is computed by the API (sicca.api.labs documents its JSON, a public contract). In
the table, ``↑``/``↓`` mark high/low, ``×n`` the multiple of the upper limit, ``?`` an
indeterminate flag.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from sicca.base.errors import InputError, Problem
from sicca.base.outfiles import check_outputs, write_text_atomic
from sicca.cli import render
from sicca.cli.app import app, import_app


class Format(StrEnum):
    table = "table"
    json = "json"


def labs_report(case_path: str | Path) -> dict[str, Any]:
    """The `sicca labs` report as a JSON-ready dict (computed by the API)."""
    from sicca.api import load

    return load().labs(case_path).as_dict()


_MARK = {"high": "↑", "low": "↓", "normal": "", None: "?"}


def _cell(lab: dict[str, Any] | None) -> render.Cell:
    if lab is None:
        return "-"
    if lab["state"] != "reported":
        return str(lab["state"])
    text = str(lab["value_text"])
    mark = _MARK.get(lab["flag"], "")
    if lab["flag"] == "high" and lab["x_uln"] is not None:
        return [(f"{text} {mark}", "red"), f" ×{lab['x_uln']:.2f}"]
    if lab["flag"] == "low":
        return (f"{text} {mark}", "blue")
    if lab["flag"] is None and lab.get("reference"):
        return f"{text} ?"
    return text


def _print_table(report: dict[str, Any], o: render.Out) -> None:
    tps = report["timepoints"]
    cols = ["analyte", "unit", "reference"] + [f"{tp['id']}\n{tp['date'] or ''}".rstrip()
                                               for tp in tps]
    order: list[str] = []
    info: dict[str, dict[str, Any]] = {}
    for tp in tps:
        for lab in tp["labs"]:
            if lab["key"] not in info:
                order.append(lab["key"])
                info[lab["key"]] = lab
    rows: list[list[render.Cell]] = []
    for key in order:
        row: list[render.Cell] = [info[key]["analyte"], info[key]["unit"] or "",
                                  info[key]["reference"] or ""]
        for tp in tps:
            row.append(_cell(next((x for x in tp["labs"] if x["key"] == key), None)))
        rows.append(row)
    o.table(f"Labs: {report['case']}", cols, rows)
    for ch in report["changes"]:
        crows: list[list[render.Cell]] = []
        for lab in ch["labs"]:
            measured = ""
            if lab.get("to_measured") not in (None, ch["to"]) or \
                    lab.get("from_measured") not in (None, ch["from"]):
                measured = f"{lab.get('from_measured')} → {lab.get('to_measured')}"
            if lab.get("note"):
                measured = lab["note"]
            crows.append([lab["analyte"], str(lab["direction"] or "-"),
                          str(lab["transition"] or "-"), str(lab.get("paper_change") or "-"),
                          measured])
        o.table(f"Change {ch['from']} → {ch['to']}",
                ["analyte", "direction", "transition", "paper words", "measured"], crows)


@app.command("labs")
def labs_command(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON).")],
    format: Annotated[Format, typer.Option("--format", "-f", help="table or json")] = Format.table,
    engine: Annotated[str | None, typer.Option("--engine", help="Accepted and ignored "
                                               "(labs need no rule backend).")] = None,
) -> None:
    """Per-timepoint lab flags (low/normal/high, x ULN) and changes between timepoints."""
    report = labs_report(case)
    if format == Format.json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_table(report, render.out())


@import_app.command("labs")
def import_labs_command(
    table_file: Annotated[Path, typer.Argument(help="CSV: rows = analytes; columns panel, "
                                               "analyte, unit, reference, one per timepoint.")],
    timepoint_column: Annotated[list[str], typer.Option(
        "--timepoint-column", "-t", help="COLUMN=TIMEPOINT_ID (repeatable, in time order).")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write a YAML fragment here.")] = None,
    into: Annotated[Path | None, typer.Option("--into", help="Insert the labs into this "
                                              "case file (kept as it is otherwise).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="With --into: replace labs a "
                                          "timepoint already has.")] = False,
    comment_column: Annotated[list[str] | None, typer.Option(
        "--comment-column", help="Columns written as YAML comments (default: reading_note).")
    ] = None,
) -> None:
    """Import a lab table into a case file's `labs:` lists (or a YAML fragment)."""
    from sicca.records.importer import (
        merge_into,
        parse_timepoint_columns,
        read_lab_table,
        render_fragment,
    )

    if output is not None and into is not None:
        raise InputError(Problem("give -o or --into, not both", field="--into", code="E539"))
    from sicca.records.labs import AnalyteTable

    # --into rewrites its case file on purpose (atomically); no output may be the table read
    check_outputs([("-o", output), ("--into", into)], [("TABLE_FILE", table_file)])
    table = AnalyteTable.default()
    cols = parse_timepoint_columns(timepoint_column)
    comments = tuple(comment_column) if comment_column else ("reading_note",)
    imp = read_lab_table(table_file, cols, table, comments)
    for what in imp.not_imported:
        typer.echo(f"not imported: {what}", err=True)
    for note in imp.notes:
        typer.echo(f"note: {note}", err=True)
    if into is not None:
        text = merge_into(imp, into, table, replace=replace)
        write_text_atomic(into, text, sync=True)
        n = sum(1 for labs in imp.timepoints.values() for x in labs if x.value or x.not_done)
        typer.echo(f"{into}: {n} lab results into {len(imp.timepoints)} timepoints", err=True)
        return
    text = render_fragment(imp)
    if output is not None:
        write_text_atomic(output, text, sync=True)
    else:
        sys.stdout.write(text)
