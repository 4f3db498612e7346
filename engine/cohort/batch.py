"""Cohort scoring: a directory of case files or a JSON Lines cohort, in worker processes.

Records are read in the parent, sent in chunks to worker processes (forked after the rules are
compiled, so every process holds one compiled rule set), parsed and scored there, and turned into
ready-to-write output lines. The parent writes them in input order, chunk by chunk, flushing after
each, to a temporary file beside the output that is renamed onto it when the run is done: the
output is never truncated or half-written, and an error leaves it as it was. A Ctrl-C keeps
the records scored so far as a valid partial file beside it (``out.partial.jsonl``; JSON Lines:
complete lines; CSV: the header and complete rows) and leaves the output itself as it was.

Every record ends up counted exactly once: ``scored`` (one output row per timepoint),
``failed`` (reported with its id, position and reason; the run goes on) or ``skipped`` (a blank
line, or a record without timepoints).

Reading a JSON Lines record uses ``json.loads`` (about 10x faster than the marked YAML reader);
problems are still located by line (``file:line``) and field path.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sicca.base import filekind, jsonenc
from sicca.base.errors import InputError, Problem, SiccaError, printable
from sicca.base.outfiles import AtomicFile, check_outputs, partial_path
from sicca.base.yamlsrc import Sourced, loads_json, parse_text

FORMATS = ("jsonl", "csv")
CASE_SUFFIXES = filekind.CASE_SUFFIXES
MAX_WORKERS = 256     # --workers: 0 (the machine's cores) to this
MAX_CHUNK = 100_000   # --chunk: records per worker task
ROW_HEAD = ("patient", "synthetic", "source", "timepoint", "date", "label")


@dataclass(frozen=True)
class InputRecord:
    """One record to score: its position in the input and its text (None: unreadable)."""

    index: int          # 0-based position among the input's records
    position: str       # file:line (JSON Lines) or the file (directory)
    text: str | None
    error: str | None = None


@dataclass
class Outcome:
    """What became of one record."""

    index: int
    position: str
    status: str                     # scored | failed | skipped
    patient: str = "?"
    visits: int = 0
    reason: str = ""
    lines: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # only while the header is made


@dataclass
class Summary:
    records: int = 0
    scored: int = 0
    failed: int = 0
    skipped: int = 0
    visits: int = 0
    rows: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    total_records: int = 0
    failures: list[Outcome] = field(default_factory=list)
    partial: Path | None = None  # where an interrupted run's complete records were kept

    def add(self, o: Outcome) -> None:
        self.records += 1
        if o.status == "scored":
            self.scored += 1
            self.visits += o.visits
            self.rows += len(o.lines)
        elif o.status == "failed":
            self.failed += 1
            self.failures.append(o)
        else:
            self.skipped += 1

    def consistent(self) -> bool:
        return self.records == self.scored + self.failed + self.skipped

    def as_dict(self) -> dict[str, Any]:
        return {"records": self.records, "of": self.total_records, "scored": self.scored,
                "failed": self.failed, "skipped": self.skipped, "visits": self.visits,
                "rows": self.rows, "seconds": round(self.seconds, 3),
                "interrupted": self.interrupted,
                "partial": str(self.partial) if self.partial else None}


# --- input ---------------------------------------------------------------------------------

def is_jsonl(path: Path) -> bool:
    return path.is_file() and filekind.is_jsonl(path)


def count_records(path: Path) -> int:
    """How many records the input holds (lines of a JSON Lines file, case files of a dir)."""
    if path.is_dir():
        return len(case_files(path))
    n = 0
    with path.open("rb") as fh:
        for _ in fh:
            n += 1
    return n


def case_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and filekind.is_case_file(p))


def read_input(path: Path) -> Iterator[InputRecord]:
    """The records of ``path``: a directory of case files, or a JSON Lines file."""
    if path.is_dir():
        for i, p in enumerate(case_files(path)):
            try:
                yield InputRecord(i, str(p), p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                yield InputRecord(i, str(p), None, f"cannot read file: {exc}")
        return
    if not path.exists():
        raise InputError(Problem("input not found", file=str(path), code="E000"))
    if not is_jsonl(path):
        raise InputError(Problem("not a cohort input", file=str(path), code="E131",
                                 expected="a directory of case files or a .jsonl file"))
    with path.open("rb") as fh:
        for i, raw in enumerate(fh):
            pos = f"{path}:{i + 1}"
            try:
                yield InputRecord(i, pos, raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield InputRecord(i, pos, None, f"not UTF-8: {exc}")


# --- scoring one record (in a worker) ------------------------------------------------------

def parse_record(rec: InputRecord, catalogue: Any) -> tuple[Any, Any]:
    """(case, raw data) of a record; raises InputError. A JSON line is read with json.loads."""
    from sicca.records.models import parse_case

    assert rec.text is not None
    if filekind.is_yaml(rec.position):
        src = parse_text(rec.text, rec.position)
    elif filekind.is_json(rec.position):  # fast read; on a problem, re-read with line marks
        try:
            src = Sourced(loads_json(rec.text, rec.position), rec.position, {}, [])
            return parse_case(src, catalogue), src.data
        except InputError:
            src = parse_text(rec.text, rec.position)
    else:
        # strict JSON (no NaN, duplicate key, over-deep nesting); errors name file:line
        data = loads_json(rec.text, rec.position, record=True)
        src = Sourced(data, rec.position, {}, [])
    return parse_case(src, catalogue), src.data


def _patient_id(data: Any, text: str | None) -> str:
    if not isinstance(data, dict) and text:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, ValueError):
            try:  # a YAML case file (only read again for a failed record)
                data = parse_text(text, "<id>").data
            except Exception:  # noqa: BLE001
                return "?"
    if isinstance(data, dict) and isinstance(data.get("patient"), dict):
        return shown_id(data["patient"].get("id", "?"))
    return "?"


def shown_id(value: Any) -> str:
    """A patient id as a failure line shows it: text escaped onto one line, a number as
    written, anything else by its type (``<a mapping>``), never a Python repr."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    kinds = {dict: "a mapping", list: "a list", bool: "true/false", type(None): "null"}
    return f"<{kinds.get(type(value), type(value).__name__)}>"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SiccaError):
        parts = []
        for p in exc.problems:
            where = ", ".join(x for x in (
                f"timepoint '{printable(p.timepoint)}'" if p.timepoint else "",
                f"at {printable(p.field)}" if p.field else "") if x)
            parts.append(f"{p.code} {printable(p.message)}" + (f" ({where})" if where else ""))
        return "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


def flatten(obj: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested dicts -> dotted keys; lists and scalars are kept as values."""
    if out is None:
        out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    else:
        out[prefix] = obj
    return out


def timepoint_rows(report: dict[str, Any], source: str, synthetic: bool) -> list[dict[str, Any]]:
    """One flat row per timepoint of a report: the public JSON keys, dotted; from the second
    timepoint on, the changes from the first (``change.baseline.*``: ΔESSDAI with bounds,
    MCII, ESSPRI change, STAR) and from the previous one (``change.previous.*``)."""
    rows = []
    tps = report["timepoints"]
    changes = {(c["from"], c["to"]): c for c in report.get("changes", [])}
    for j, tp in enumerate(tps):
        row: dict[str, Any] = {"patient": report["patient"], "synthetic": synthetic,
                               "source": source, "timepoint": tp["id"], "date": tp["date"],
                               "label": tp.get("label")}
        rest = {k: v for k, v in tp.items() if k not in ("id", "date", "label")}
        flatten(rest, "", row)
        if j:
            for frm, a in (("baseline", tps[0]["id"]), ("previous", tps[j - 1]["id"])):
                ch = changes.get((a, tp["id"]))
                if ch is not None:
                    flatten({k: v for k, v in ch.items() if k != "to"}, f"change.{frm}", row)
        rows.append(row)
    return rows


_plain = jsonenc.default


class Formatter:
    """Turns rows into output text: JSON Lines, or CSV with a fixed header (+ ``extra``)."""

    def __init__(self, fmt: str, header: list[str] | None = None) -> None:
        self.fmt = fmt
        self.header = list(header or [])
        self._known = set(self.header)

    def line(self, row: dict[str, Any]) -> str:
        if self.fmt == "jsonl":
            return json.dumps(row, ensure_ascii=False, default=_plain,
                              separators=(",", ":")) + "\n"
        extra = {k: v for k, v in row.items() if k not in self._known}
        values = [_cell(row.get(k)) for k in self.header]
        values.append(json.dumps(extra, default=_plain, ensure_ascii=False) if extra else "")
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        return buf.getvalue()

    def head(self) -> str:
        if self.fmt != "csv":
            return ""
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(self.header + ["extra"])
        return buf.getvalue()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, default=_plain, ensure_ascii=False)
    if isinstance(v, Decimal):
        return _plain(v)
    return v


class Scorer:
    """Parses and scores records with one compiled Sicca (one per process)."""

    def __init__(self, sicca: Any, formatter: Formatter | None,
                 options: dict[str, str]) -> None:
        self.sicca = sicca
        self.formatter = formatter
        self.options = sicca.check_options(options)

    def score(self, rec: InputRecord) -> Outcome:
        from sicca.report.build import build

        out = Outcome(rec.index, rec.position, "failed")
        if rec.text is None:
            out.reason = rec.error or "unreadable"
            return out
        if not rec.text.strip():
            out.status, out.reason = "skipped", "blank line"
            return out
        data: Any = None
        try:
            case, data = self.parse(rec)
            out.patient = printable(case.patient.id)
        except InputError as exc:
            out.patient = _patient_id(data, rec.text)
            if _no_timepoints(rec.text, rec.position):
                out.status, out.reason = "skipped", "no timepoints"
            else:
                out.reason = _reason(exc)
            return out
        except Exception as exc:  # noqa: BLE001 - a bad record never stops the run
            out.patient, out.reason = _patient_id(data, rec.text), _reason(exc)
            return out
        try:
            report = build(self.sicca, case, self.options)
            rows = timepoint_rows(report, rec.position, bool(case.patient.synthetic))
            if self.formatter is None:
                out.rows = rows
            else:
                out.lines = [self.formatter.line(r) for r in rows]
        except Exception as exc:  # noqa: BLE001
            out.reason = _reason(exc)
            return out
        out.status, out.visits = "scored", len(rows)
        return out

    def parse(self, rec: InputRecord) -> tuple[Any, Any]:
        return parse_record(rec, self.sicca.catalogue)

    def chunk(self, recs: list[InputRecord]) -> list[Outcome]:
        return [self.score(r) for r in recs]


def _no_timepoints(text: str, position: str) -> bool:
    try:
        data = parse_text(text, position).data if filekind.is_yaml(position) else \
            loads_json(text, position, record=True)
    except Exception:  # noqa: BLE001
        return False
    return isinstance(data, dict) and data.get("timepoints") in ([], None) and \
        isinstance(data.get("patient"), dict)


# Worker-process state: set in the parent before the fork, or by the initializer.
_WORKER: Scorer | None = None


def _init_worker(scorer: Scorer | None) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    if scorer is not None:
        _WORKER = scorer


def _work(recs: list[InputRecord]) -> list[Outcome]:
    assert _WORKER is not None
    return _WORKER.chunk(recs)


def csv_header(sicca: Any, options: dict[str, str]) -> list[str]:
    """The CSV columns, from the rule program alone (never from the data, so the header is the
    same whatever the records and the worker count): the keys of a probe record with two empty
    timepoints, then every key the instruments can add for some visit (a domain's ``reason``,
    a computable ESSPRI's items, the flags of a criteria item, a change's states), in a fixed
    order. A key no one foresaw still lands in ``extra``."""
    from sicca.records.models import parse_case
    from sicca.report.build import build

    probe = {"patient": {"id": "probe"},
             "timepoints": [{"id": "probe", "date": "2000-01"}, {"id": "probe2",
                                                                  "date": "2000-02"}]}
    case = parse_case(Sourced(probe, "<probe>", {}, []), sicca.catalogue)
    rows = timepoint_rows(build(sicca, case, sicca.check_options(options)), "", False)
    header = list(rows[0])
    header += [k for k in rows[1] if k not in set(header)]
    seen = set(header)
    for k in optional_keys(sicca):
        if k not in seen:
            seen.add(k)
            header.append(k)
    return header


def optional_keys(sicca: Any) -> list[str]:
    """Keys the report holds only for some visits, derived from the loaded rule program."""
    from sicca.scores import criteria, essdai, esspri

    out: list[str] = []
    declared = set(sicca.declared)
    if {"essdai", "clinessdai"} & declared:
        # the domains left undetermined by a censored or unknown value, when there are any
        out += [f"{inst}.undetermined" for inst in ("essdai", "clinessdai")]
        for d in essdai.domains(sicca):
            out.append(f"essdai.domains.{d.name}.reason")
            if d.clin_weight is not None:
                out.append(f"clinessdai.domains.{d.name}.reason")
    if "esspri" in declared:
        out += ["esspri.shown", "esspri.exact", "esspri.missing", "esspri.reason"]
        out += [f"esspri.items.{i}" for i in esspri.ITEMS]
    flags = ("inferred", "interpreted", "hypothetical")
    for s in criteria.criteria_sets(sicca):
        if s not in declared:
            continue
        meta = criteria.set_meta(sicca, s)
        for item in meta["items"]:
            out += [f"criteria.{s}.items.{item}.{f}" for f in flags]
        if meta.get("entry"):
            out += [f"criteria.{s}.entry.{f}" for f in flags]
        out += [f"criteria.{s}.rules_met", f"criteria.{s}.rules_possible"]
    for frm in ("baseline", "previous"):
        pre = f"change.{frm}."
        for inst in ("essdai", "clinessdai"):
            out.append(pre + f"{inst}_state")
        out += [pre + k for k in ("esspri_delta", "esspri_delta_shown", "esspri_delta_exact",
                                  "esspri_relative", "esspri_mcii", "esspri_state",
                                  "esspri_reason")]
        if "star" in declared:
            out += [pre + "star.assuming_unassessable_unchanged"]
            out += [pre + f"star.assuming_unassessable_unchanged.{k}"
                    for k in ("points_min", "points_max", "verdict")]
    return out


def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    buf: list[InputRecord] = []
    for r in records:
        buf.append(r)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def run(sicca: Any, source: Path, output: Path, fmt: str = "jsonl", workers: int = 0,
        chunk: int = 100, options: dict[str, str] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
        on_progress: Callable[[Summary], None] | None = None,
        total: int | None = None) -> Summary:
    """Score every record of ``source`` into ``output``; returns the counts.

    ``workers``: processes (0 = the machine's cores; 1 = in this process). ``output`` is
    written beside itself and renamed into place at the end; it may not be, or overlap, the
    input (E134). A KeyboardInterrupt stops the run after the chunks already written, keeps
    them in ``summary.partial`` and leaves ``output`` as it was.
    """
    global _WORKER
    if fmt not in FORMATS:
        raise InputError(Problem(f"unknown output format '{fmt}'", field="--format",
                                 code="E132", expected=" | ".join(FORMATS)))
    for value, flag, low, high in ((workers, "--workers", 0, MAX_WORKERS),
                                   (chunk, "--chunk", 1, MAX_CHUNK)):
        if not low <= value <= high:
            raise InputError(Problem(f"{flag} {value} is out of range", field=flag,
                                     code="E135", expected=f"{low} to {high:,}",
                                     found=str(value)))
    check_outputs([("-o", output), ("-o", partial_path(output))], [("INPUT", source)])
    opts = dict(options or {})
    t0 = time.perf_counter()
    n = workers or os.cpu_count() or 1
    total_records = total if total is not None else count_records(source)
    if n > 1:  # at least ~32 tasks per worker, so the last ones leave no worker idle long
        chunk = max(5, min(chunk, total_records // (32 * n)))
    chunks = _chunks(read_input(source), max(1, chunk))
    header: list[str] | None = None
    if fmt == "csv":
        header = csv_header(sicca, opts)  # from the program: the same with any worker count
    formatter = Formatter(fmt, header)
    scorer = Scorer(sicca, formatter, opts)
    summary = Summary(total_records=total_records)
    out = AtomicFile(output, newline="")  # beside the output; renamed onto it when done
    fh = out.fh
    try:
        fh.write(formatter.head())
        fh.flush()

        def emit(outcomes: list[Outcome]) -> None:
            fh.write("".join(line for o in outcomes for line in o.lines))
            fh.flush()
            for o in outcomes:
                summary.add(o)
                if on_outcome is not None:
                    on_outcome(o)
            summary.seconds = time.perf_counter() - t0
            if on_progress is not None:
                on_progress(summary)

        try:
            if n == 1:
                for c in chunks:
                    emit(scorer.chunk(c))
            else:
                _WORKER = scorer  # inherited by the forked workers: rules compiled once
                gc.freeze()  # the compiled program stays shared: no collector writes into it
                ctx = mp.get_context("fork")
                with ctx.Pool(n, initializer=_init_worker, initargs=(None,)) as pool:
                    pending: deque[Any] = deque()
                    limit = 2 * n + 2
                    try:
                        for c in chunks:
                            pending.append(pool.apply_async(_work, (c,)))
                            while len(pending) >= limit:
                                emit(pending.popleft().get())
                        while pending:
                            emit(pending.popleft().get())
                    except KeyboardInterrupt:
                        pool.terminate()
                        raise
                    finally:
                        gc.unfreeze()
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            summary.seconds = time.perf_counter() - t0
        if summary.interrupted:  # the output is not replaced by part of a run
            summary.partial = partial_path(output)
            out.keep_as(summary.partial)
        else:
            out.commit()
    finally:
        out.discard()  # an error: the temporary file goes, the output is as it was
    return summary
