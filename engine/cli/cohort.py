"""`sicca cohort to-table` and `sicca cohort score`: the columnar path over wide tables."""

from __future__ import annotations

from pathlib import Path

import typer

from sicca.base.errors import InputError, Problem
from sicca.base.outfiles import check_outputs
from sicca.cli import render
from sicca.cli.app import cohort_app
from sicca.cli.common import OptionOpt, RulesOpt, get_sicca, parse_pairs


@cohort_app.command("to-table")
def to_table_cmd(sources: list[Path] = typer.Argument(..., help="case files, directories of "
                                                      "case files, or .jsonl cohorts"),
                 output: Path = typer.Option(..., "-o", "--output",
                                             help="the table: .parquet, .arrow or .csv"),
                 rules: list[Path] = RulesOpt) -> None:
    """Turn case files / JSON Lines into the wide visit table (one row per visit)."""
    from sicca.cohort.table import Layout, cases_to_rows, table_format, write_table

    table_format(output)
    for s in sources:
        if not s.exists():
            raise InputError(Problem("input not found", file=str(s), code="E000"))
    check_outputs([("-o", output)], [("INPUT", s) for s in sources])
    sicca = get_sicca("native", rules)
    layout = Layout(sicca)
    errors: list[str] = []
    files = [s for s in sources if s.is_dir() or s.suffix == ".jsonl"]
    singles = [s for s in sources if s not in files]
    rows = list(cases_to_rows(sicca, files, layout, errors))
    for path in singles:  # one case file: parsed with the per-visit reader and its errors
        from sicca.cohort.table import case_rows

        rows += case_rows(sicca, sicca.load_case(path), layout)
    if errors:
        for e in errors[:20]:
            render.err_line(("failed ", "red"), e)
        raise InputError(Problem(f"{len(errors)} record(s) failed to parse; no table written",
                                 file=str(sources[0]), code="E145",
                                 expected="every record valid (sicca batch lists them all)"))
    write_table(layout.frame(rows), output)
    render.err_line(f"wrote {len(rows)} visits to {output}")


@cohort_app.command("score")
def score_cmd(table: Path = typer.Argument(..., help="the wide table (.parquet file or "
                                           "partitioned directory, .arrow, .csv)"),
              output: Path = typer.Option(..., "-o", "--output",
                                          help="output table: .parquet, .arrow or .csv "
                                          "(with --dask: a directory of Parquet parts)"),
              dask: bool = typer.Option(False, "--dask", help="score each partition on a Dask "
                                        "cluster (a LocalCluster unless --scheduler)"),
              scheduler: str = typer.Option(None, "--scheduler", help="tcp://host:port of a "
                                            "running Dask scheduler (implies --dask)"),
              workers: int = typer.Option(2, "--workers", "-j", help="LocalCluster worker "
                                          "processes for --dask (1 to 256)"),
              rows: int = typer.Option(65_536, "--rows", help="rows per slice (bounded "
                                       "memory; 1,000 to 10,000,000)"),
              progress: bool = typer.Option(True, "--progress/--no-progress",
                                            help="show a progress bar on stderr"),
              rules: list[Path] = RulesOpt, option: list[str] = OptionOpt) -> None:
    """Score a wide table column-wise (the same compiled rules as `sicca score`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sicca.cli.batch import check_range
    from sicca.cohort.frames import score_dask, score_table
    from sicca.cohort.table import table_format

    if not table.exists():
        raise InputError(Problem("table not found", file=str(table), code="E000"))
    check_range(workers, "--workers", 1, 256)
    check_range(rows, "--rows", 1000, 10_000_000)
    if not (dask or scheduler):
        table_format(output)
    check_outputs([("-o", output)], [("TABLE", table)])
    sicca = get_sicca("native", rules)
    opts = sicca.check_options(parse_pairs(option, "--option"))
    if dask or scheduler:
        summary = score_dask(sicca, table, output, opts, scheduler, workers)
    else:
        bar = Progress(TextColumn("[bold]scoring[/]"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("visits"), TimeElapsedColumn(), console=render.err(),
                       disable=not progress, transient=False)
        task = bar.add_task("score", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with bar:
            summary = score_table(sicca, table, output, opts, rows, on_progress)
    for line in summary.lines():
        render.err_line(line)
    render.err_line(f"output {output}")
