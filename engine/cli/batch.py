"""`sicca synth` (synthetic cohorts) and `sicca batch` (cohort scoring with progress)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sicca.base.errors import InputError, Problem
from sicca.base.filekind import is_jsonl, kind_of
from sicca.base.outfiles import AtomicFile, check_outputs, partial_path
from sicca.cli import render
from sicca.cli.app import app
from sicca.cli.common import EngineOpt, OptionOpt, RulesOpt, get_sicca, parse_pairs

if TYPE_CHECKING:
    from sicca.cohort.batch import Outcome, Summary

MAX_PATIENTS = 10_000_000  # synth --n and --visits: a typo (1e9) would fill the disk


def check_range(value: int | None, flag: str, low: int, high: int, note: str = "") -> None:
    """Refuse a numeric argument outside [low, high] (E135, exit 2); None is not given."""
    if value is not None and not low <= value <= high:
        raise InputError(Problem(f"{flag} {value} is out of range", field=flag, code="E135",
                                 expected=f"a whole number from {low} to {high:,}{note}",
                                 found=str(value)))

MAX_SHOWN = 20  # failed records printed; all are counted (and listed with --errors)


@app.command("synth")
def synth_cmd(n: int = typer.Option(None, "--n", help="number of patients (1 to 10,000,000)"),
              visits: int = typer.Option(None, "--visits", help="number of timepoints in all "
                                         "(instead of --n; the last patient is cut short; "
                                         "1 to 10,000,000)"),
              seed: int = typer.Option(0, "--seed", help="random seed, 0 or more (same seed, "
                                       "same cohort)"),
              output: Path = typer.Option(..., "-o", "--output", help="a .jsonl file, or a "
                                          "directory (one JSON case file per patient)"),
              no_problems: bool = typer.Option(False, "--no-problems", help="no deliberately "
                                               "broken or empty records"),
              fmt: str = typer.Option(None, "--format", "-f", help="jsonl or dir (case "
                                      "records), or parquet / arrow / csv: the wide visit "
                                      "table (default: from the output's suffix)"),
              rules: list[Path] = RulesOpt) -> None:
    """Generate a synthetic cohort (every record marked synthetic), seeded and reproducible."""
    tables = ("parquet", "arrow", "csv")
    if fmt is None and output.suffix.lower() in (".parquet", ".arrow", ".csv"):
        fmt = output.suffix.lower()[1:]
    if fmt is not None and fmt not in tables + ("jsonl", "dir"):
        raise InputError(Problem(f"unknown format '{fmt}'", field="--format", code="E132",
                                 expected="jsonl | dir | parquet | arrow | csv", found=fmt))
    if fmt in tables:
        _synth_table(n, visits, seed, output, fmt, rules)
        return
    from sicca.cohort.synth import Generator, load_config, write_dir, write_jsonl
    from sicca.records.models import Catalogue

    if (n is None) == (visits is None):
        raise InputError(Problem("give exactly one of --n and --visits", field="--n",
                                 code="E133", expected="--n PATIENTS or --visits VISITS"))
    check_range(n, "--n", 1, MAX_PATIENTS)
    check_range(visits, "--visits", 1, MAX_PATIENTS)
    check_range(seed, "--seed", 0, 2**63 - 1)
    check_outputs([("-o", output)], [("--rules", r) for r in rules or []])
    cat = Catalogue.load(list(rules or []))
    gen = Generator(cat, load_config(list(rules or [])), seed, problems=not no_problems)
    records = gen.cohort(n_patients=n, n_visits=visits)
    if is_jsonl(output):
        count, tps, problems = write_jsonl(records, output)
    else:
        count, tps, problems = write_dir(records, output)
    shown = ", ".join(f"{k} {v}" for k, v in sorted(problems.items())) or "none"
    render.err_line(f"wrote {count} synthetic patients ({tps} timepoints) to {output}; "
                    f"seed {seed}; deliberate problems: {shown}")


def _synth_table(n: int | None, visits: int | None, seed: int, output: Path, fmt: str,
                 rules: list[Path] | None) -> None:
    import time

    from sicca.cohort.frames import write_synth

    if visits is None:
        raise InputError(Problem("a table is sized in visits", field="--n", code="E133",
                                 expected="--visits VISITS with --format " + fmt))
    check_range(visits, "--visits", 1, MAX_PATIENTS)
    check_range(seed, "--seed", 0, 2**63 - 1)
    check_outputs([("-o", output)], [("--rules", r) for r in rules or []])
    if output.suffix.lower() != "." + fmt:
        output = output.with_suffix("." + fmt) if not output.suffix else output
    t0 = time.perf_counter()
    rows, patients = write_synth(get_sicca("native", rules), visits, seed, output)
    render.err_line(f"wrote {rows} synthetic visits of {patients} patients "
                    f"to {output} ({fmt}); seed {seed}; {time.perf_counter() - t0:.1f} s")


@app.command("batch")
def batch_cmd(source: Path = typer.Argument(..., help="a directory of case files or a "
                                            ".jsonl cohort (one case per line)"),
              output: Path = typer.Option(..., "-o", "--output",
                                          help="output file (.jsonl or .csv)"),
              fmt: str = typer.Option(None, "--format", "-f",
                                      help="jsonl or csv (default: from the output suffix)"),
              workers: int = typer.Option(0, "--workers", "-j",
                                          help="worker processes, 0 to 256 (0 = the "
                                          "machine's cores)"),
              chunk: int = typer.Option(100, "--chunk", help="records per worker task "
                                        "(1 to 100,000)"),
              errors: Path = typer.Option(None, "--errors", help="also write every failed "
                                          "record (id, position, full reason) to this .jsonl"),
              progress: bool = typer.Option(True, "--progress/--no-progress",
                                            help="show a progress bar on stderr"),
              engine: str = EngineOpt, rules: list[Path] = RulesOpt,
              option: list[str] = OptionOpt) -> None:
    """Score a cohort: one output row per timepoint (the public JSON keys, flattened)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    from sicca.cohort.batch import FORMATS, MAX_CHUNK, MAX_WORKERS, count_records, run

    fmt = fmt or ("csv" if kind_of(output) == "csv" else "jsonl")
    if fmt not in FORMATS:
        raise InputError(Problem(f"unknown output format '{fmt}'", field="--format",
                                 code="E132", expected=" | ".join(FORMATS), found=fmt))
    if not source.exists():
        raise InputError(Problem("input not found", file=str(source), code="E000"))
    check_range(workers, "--workers", 0, MAX_WORKERS, " (0 = the machine's cores)")
    check_range(chunk, "--chunk", 1, MAX_CHUNK)
    check_outputs([("-o", output), ("-o", partial_path(output)), ("--errors", errors),
                   ("--errors", partial_path(errors) if errors else None)],
                  [("INPUT", source)] + [("--rules", r) for r in rules or []])
    sicca = get_sicca(engine, rules)
    opts = parse_pairs(option, "--option")
    sicca.check_options(opts)
    total = count_records(source)
    err_console = render.err()
    err_out = AtomicFile(errors) if errors else None  # renamed into place with the output
    err_fh = err_out.fh if err_out else None
    bar = Progress(TextColumn("[bold]scoring[/]"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("records · {task.fields[visits]} visits · "
                              "[cyan]{task.fields[vps]:.0f} visits/s[/] · "
                              "{task.fields[failed]} failed"),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   console=err_console, disable=not progress, transient=False)
    task: TaskID = bar.add_task("score", total=total, visits=0, vps=0.0, failed=0)

    shown = [0]

    def on_outcome(o: Outcome) -> None:
        if o.status == "failed":
            shown[0] += 1
            if shown[0] == MAX_SHOWN + 1:
                bar.console.print(f"... more failed records are counted but not shown"
                                  f"{'' if errors else ' (use --errors FILE to list them all)'}")
        if o.status == "failed" and shown[0] <= MAX_SHOWN:
            bar.console.print(Text.assemble(("failed", "red"), f" record {o.index + 1} "
                                            f"({o.position}) patient {o.patient}: {o.reason}"),
                              soft_wrap=True, highlight=False)
        if o.status == "failed" and err_fh is not None:
            err_fh.write(json.dumps({"record": o.index + 1, "position": o.position,
                                         "patient": o.patient, "reason": o.reason},
                                        ensure_ascii=False) + "\n")

    def on_progress(s: Summary) -> None:
        bar.update(task, completed=s.records, visits=s.visits, failed=s.failed,
                   vps=s.visits / s.seconds if s.seconds else 0.0)

    try:
        with bar:
            summary = run(sicca, source, output, fmt, workers, chunk, opts,
                          on_outcome=on_outcome, on_progress=on_progress, total=total)
        if err_out is not None and errors is not None:
            if summary.interrupted:
                err_out.keep_as(partial_path(errors))
            else:
                err_out.commit()
    finally:
        if err_out is not None:
            err_out.discard()
    rate = summary.visits / summary.seconds if summary.seconds else 0.0
    line = (f"{summary.records} of {summary.total_records} records: {summary.scored} scored "
            f"({summary.visits} visits, {summary.rows} rows), {summary.failed} failed, "
            f"{summary.skipped} skipped · {summary.seconds:.1f} s · {rate:.0f} visits/s · "
            f"engine {engine} · output {output} ({fmt})")
    if not summary.consistent():  # pragma: no cover - a bug, never a silent drop
        render.err_line(("internal error: counts do not add up", "red"))
        sys.exit(3)
    if summary.interrupted:
        render.err_line((f"interrupted after {summary.records} of {summary.total_records} "
                         f"records; {output} was left as it was; the {summary.records} records "
                         f"done ({summary.rows} rows) are in {summary.partial}", "yellow"))
        render.err_line(line)
        sys.exit(130)
    render.err_line(line)
    if summary.records != summary.total_records:  # pragma: no cover
        render.err_line(("internal error: records read differ from records counted", "red"))
        sys.exit(3)
